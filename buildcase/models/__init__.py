"""The proposal as typed models: the value kinds (`values`) and the sections (`sections`).

These models are the format reference in code: `buildcase schema` is generated from them,
and the validate stage turns their errors into located messages.
"""

from .sections import *  # noqa: F403
from .sections import __all__ as _sections
from .values import *  # noqa: F403
from .values import __all__ as _values

__all__ = [*_values, *_sections]
