"""PyYAML's complaints about a file, said the way an author can act on: what is wrong, in
words about their file, and the line and column where the mistake starts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from buildcase.errors import Location, Problem
from buildcase.limits import MAX_KEY


def yaml_problem(path: Path, error: yaml.MarkedYAMLError) -> Problem:
    """PyYAML's complaint, said the way an author can act on, where the mistake starts."""
    problem, context = error.problem or "", error.context or ""
    mark = error.problem_mark or error.context_mark
    if "'\\t'" in problem:
        message = "a tab character; indent with spaces"
    elif "end of stream" in problem and "quoted scalar" in context:
        mark, message = (
            error.context_mark,
            "this quoted text is never closed; add the closing quote",
        )
    elif (key := long_key(error)) is not None:
        mark, message = (
            error.context_mark or mark,
            (
                f"this key is {key:,} characters long; YAML reads a key of at most {MAX_KEY:,}: "
                "shorten it, or if it is text, write it as a value after a key (`summary: ...`)"
            ),
        )
    elif (
        re.search(r"expected ',' or '[]}]', but got ':'", problem)
        and error.context_mark
        and error.problem_mark
        and error.context_mark.line == error.problem_mark.line
    ):  # a ': ' in the text, on the line the bracket opens (else the bracket is unclosed)
        brackets = "[...]" if "sequence" in context else "{...}"
        message = (
            f"a ': ' inside '{brackets}' starts a key in YAML; put text that holds ': ' "
            'in quotes (`role: "Head: EMEA"`)'
        )
    elif "flow sequence" in context or "flow mapping" in context:
        opening, closing = ("[", "]") if "sequence" in context else ("{", "}")
        mark, message = error.context_mark, f"this '{opening}' is never closed with '{closing}'"
    elif "could not find expected ':'" in problem:
        mark = error.context_mark or mark
        message = "a key needs ': ' after it, a colon and a space (`organization: Acme`)"
    elif problem == "mapping values are not allowed here":
        message = (
            "a ': ' where no key can start: check this line's indentation against the "
            "lines above, or put text that holds ': ' in quotes"
        )
    elif "single document" in context:
        message = "a second YAML document ('---') starts here; a proposal file holds one"
    elif "expected <block end>" in problem:
        message = "this line is indented differently from the lines above it at the same level"
    else:
        message = f"{problem} ({context})" if problem and context else problem or context
    location = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    return Problem(location, "", f"YAML syntax: {message}")


def long_key(error: yaml.MarkedYAMLError) -> int | None:
    """The length of a key longer than YAML reads, where the error is that key's missing ':'
    (PyYAML stops looking for the ':' after MAX_KEY characters); None for any other error."""
    if "could not find expected ':'" not in (error.problem or "") and (
        error.problem != "mapping values are not allowed here"
    ):
        return None
    mark = error.context_mark or error.problem_mark
    buffer = getattr(mark, "buffer", None)
    if mark is None or not isinstance(buffer, str):
        return None
    start = buffer.rfind("\n", 0, mark.pointer) + 1
    end = buffer.find("\n", mark.pointer)
    line = buffer[start : end if end >= 0 else len(buffer)]
    colon = re.search(r":(\s|$)", line)
    key = line[: colon.start()].strip() if colon else ""
    return len(key) if len(key) > MAX_KEY else None


def reader_problem(path: Path, text: str, error: yaml.reader.ReaderError) -> Problem:
    """A character YAML refuses, such as a control character pasted from elsewhere."""
    before = text[: error.position]
    line, column = before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1
    code = error.character if isinstance(error.character, int) else ord(str(error.character))
    return Problem(
        Location(path, line, column),
        "",
        f"YAML syntax: an invisible control character (U+{code:04X}) is here; delete it",
    )
