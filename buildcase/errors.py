"""Every exception buildcase raises on purpose, under one base class.

The command line catches :class:`BuildcaseError` and prints its message; nothing else
turns an exception into text for the user. Each class says when it is raised.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildcase.limits import MAX_FIELD, MAX_MESSAGE, MAX_PROBLEMS, MAX_QUOTE


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


def shorten(text: str, limit: int = MAX_QUOTE) -> str:
    """`text` on one line and cut to `limit` characters, with "..." where it was cut: a
    value pasted by mistake (a whole document, a megabyte of digits) is quoted, never
    echoed whole."""
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quoted(value: Any, limit: int = MAX_QUOTE) -> str:
    """A value from a proposal as a message quotes it: in quotes, shortened."""
    return f"'{shorten(str(value), limit)}'"


@dataclass(frozen=True)
class Problem:
    """One error or warning about a proposal, with where it is and which field it concerns.

    Its message and field are cut to a readable length here, the one place every message
    passes, whatever value a message quotes. A warning also names the topic of `buildcase
    guide` that explains it: an installed buildcase has no docs/ folder beside it to point
    to, and no web address of its own, but it always has that command.
    """

    location: Location
    field: str
    message: str
    severity: str = "error"  # or "warning"
    guide: str = ""  # a topic of buildcase.commands.guide.TOPICS; every warning has one

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", shorten(self.field, MAX_FIELD))
        object.__setattr__(self, "message", shorten(self.message, MAX_MESSAGE))

    def __str__(self) -> str:
        subject = f"{self.field}: " if self.field else ""
        return f"{self.location}: {self.severity}: {subject}{self.message}"

    def as_error(self) -> Problem:
        return Problem(self.location, self.field, self.message, "error", self.guide)


def problem_text(problem: Problem) -> str:
    """The problem as the terminal shows it: its line, and beneath it, where it has a topic,
    the command that opens the page about it, so that the author's next step is one they
    can run wherever buildcase is installed."""
    if not problem.guide:
        return str(problem)
    return f"{problem}\n    guide: buildcase guide {problem.guide}"


class BuildcaseError(Exception):
    """Base of every error buildcase reports to the user without a traceback."""


class ProposalInvalid(BuildcaseError):
    """Raised when a proposal has errors: malformed YAML, a wrong value, a bad reference.

    It carries every problem found in the proposal at once, errors and warnings, so the
    author can fix them in one pass.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = _at_most(sorted(problems, key=lambda p: (p.location, p.field)))
        super().__init__("\n".join(str(p) for p in self.errors))

    def __reduce__(self) -> tuple[type[ProposalInvalid], tuple[list[Problem]]]:
        return (type(self), (self.problems,))  # crosses from build workers intact

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def nearest(name: str, options: list[str]) -> str | None:
    """The option the author most likely meant: the same but for case, else the closest;
    never the name itself, which would suggest what was just refused."""
    folded = {o.casefold(): o for o in options}
    guess = folded.get(name.casefold())
    if guess is None:
        found = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
        guess = folded[found[0]] if found else None
    return guess if guess != name else None


def listing(names: list[str], most: int = 12) -> str:
    """Names joined for a message, cut short where a long proposal has hundreds (and each
    name cut short where it is long)."""
    shown = ", ".join(shorten(name, 40) for name in names[:most])
    return shown if len(names) <= most else shown + f" and {len(names) - most:,} more"


def _at_most(problems: list[Problem], most: int = MAX_PROBLEMS) -> list[Problem]:
    """The first `most` problems and one that counts the rest: a proposal with thousands
    of wrong entries gets a screenful, not thousands of lines. A list of `most` + 1 is
    kept whole, so a list already cut (as a pickled one) is not cut again."""
    if len(problems) <= most + 1:
        return problems
    shown, rest = problems[:most], problems[most:]
    severity = "error" if any(p.severity == "error" for p in rest) else "warning"
    summary = Problem(
        shown[-1].location,
        "",
        f"{len(rest):,} more problems are not shown; fix these and check again",
        severity,
    )
    return [*shown, summary]


class WorkspaceError(BuildcaseError):
    """Raised when the folder buildcase works in is not usable: no such proposal folder,
    a proposal that `new` would overwrite, an invalid slug."""


class OutputError(BuildcaseError):
    """Raised when the output cannot be written safely: the target is a folder (or the
    index.html) buildcase did not create, another build holds the output folder's lock,
    the lock is a link, a proposal's folder name is one the output folder reserves, or the
    file system refuses (read-only, full). The previous output is left as it was."""


class ServeError(BuildcaseError):
    """Raised when `serve` cannot listen where it was asked, before it builds anything: the
    port is in use or not permitted, or the host is not an address of this machine."""


class GuideError(BuildcaseError):
    """Raised when `buildcase guide` cannot find buildcase's own documentation (an install
    without it) or MkDocs cannot build it."""


class RenderError(BuildcaseError):
    """Raised when a proposal is valid but its pages or handout cannot be produced: a
    template fails, or the handout runs past its page limit."""

    def __init__(self, location: Location | None, message: str):
        self.location = location
        self.message = shorten(message, MAX_MESSAGE)
        message = self.message
        super().__init__(f"{location}: error: {message}" if location else f"error: {message}")

    def __reduce__(self) -> tuple[type[RenderError], tuple[Location | None, str]]:
        return (type(self), (self.location, self.message))
