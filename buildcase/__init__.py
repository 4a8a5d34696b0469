"""buildcase: from a training proposal in YAML to an executive website and a PDF handout.

The pipeline, one module per stage: load -> validate -> compute -> render -> (site,
handout) -> write, orchestrated by :mod:`buildcase.commands.build`.
"""

__version__ = "0.1.0"
