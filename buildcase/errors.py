"""Every exception buildcase raises on purpose, under one base class.

The command line catches :class:`BuildcaseError` and prints its message; nothing else
turns an exception into text for the user. Each class says when it is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A place in a proposal file, 1-based as editors count."""

    file: Path
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.line}:{self.column}"


def display_path(path: Path) -> str:
    """A path relative to the working folder when it lies below it, so messages stay short."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One error or warning about a proposal, with where it is and which field it concerns."""

    location: Location
    field: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        subject = f"{self.field}: " if self.field else ""
        return f"{self.location}: {self.severity}: {subject}{self.message}"

    def as_error(self) -> Problem:
        return Problem(self.location, self.field, self.message, "error")


class BuildcaseError(Exception):
    """Base of every error buildcase reports to the user without a traceback."""


class ProposalInvalid(BuildcaseError):
    """Raised when a proposal has errors: malformed YAML, a wrong value, a bad reference.

    It carries every problem found in the proposal at once, errors and warnings, so the
    author can fix them in one pass.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.location, p.field))
        super().__init__("\n".join(str(p) for p in self.errors))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.problems,))  # crosses from build workers intact

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class WorkspaceError(BuildcaseError):
    """Raised when the folder buildcase works in is not usable: no such proposal folder,
    a proposal that `new` would overwrite, an invalid slug."""


class OutputError(BuildcaseError):
    """Raised when the output cannot be written safely: the target is a folder buildcase
    did not create, or another build holds the output folder's lock."""


class RenderError(BuildcaseError):
    """Raised when a proposal is valid but its pages or handout cannot be produced: a
    template fails, or the handout runs past its page limit."""

    def __init__(self, location: Location | None, message: str):
        self.location = location
        self.message = message
        super().__init__(f"{location}: error: {message}" if location else f"error: {message}")

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.location, self.message))
