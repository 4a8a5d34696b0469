"""The proposal as typed models: what a value parses to (`quantities`), how it is parsed
(`parsers`), the value kinds as types (`values`), and the sections (`sections`).

These models are the format reference in code: `buildcase schema` is generated from them,
and the validate stage turns their errors into located messages.
"""

from .parsers import *  # noqa: F403
from .parsers import __all__ as _parsers
from .quantities import *  # noqa: F403
from .quantities import __all__ as _quantities
from .results import *  # noqa: F403
from .results import __all__ as _results
from .sections import *  # noqa: F403
from .sections import __all__ as _sections
from .values import *  # noqa: F403
from .values import __all__ as _values

__all__ = [*_quantities, *_parsers, *_values, *_sections, *_results]
