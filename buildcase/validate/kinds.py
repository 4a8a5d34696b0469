"""Pydantic's errors, said the way an author acts on them, at the value they concern."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from buildcase.errors import Problem, nearest, quoted
from buildcase.limits import (
    MAX_ENTRIES,
)
from buildcase.load import (
    Path_,
    SourceMap,
    field_path,
)
from buildcase.models.parsers import describe
from buildcase.models.sections import Proposal

# --- kind errors, from pydantic ---------------------------------------------------------


def kind_problems(errors: list[ErrorDetails], source: SourceMap) -> list[Problem]:
    """Pydantic's errors as located problems.

    A required field reported missing beside an unknown key that is its near-miss
    (`benefit:` for `benefits:`) is left out: the unknown key already says it.
    """
    meant = {
        (tuple(e["loc"][:-1]), guess)
        for e in errors
        if e["type"] == "extra_forbidden"
        and (guess := nearest(str(e["loc"][-1]), _allowed_keys(tuple(e["loc"][:-1]))))
    }
    return [
        _problem_from_pydantic(e, source)
        for e in errors
        if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), e["loc"][-1]) in meant)
    ]


def _problem_from_pydantic(error: ErrorDetails, source: SourceMap) -> Problem:
    path: Path_ = tuple(error["loc"])
    kind = error["type"]
    name = path[-1] if path else ""
    if kind == "missing":
        parent = path[:-1]
        where = f" in {field_path(parent)}" if parent else ""
        return Problem(
            source.value(parent), field_path(path), f"required field '{name}' is missing{where}"
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1])
        guess = nearest(str(name), allowed)
        hint = f"; did you mean '{guess}'?" if guess else "."
        return Problem(
            source.key(path),
            field_path(path),
            f"unknown key {quoted(name)}{hint} Allowed here: {', '.join(allowed)}",
        )
    return Problem(source.value(path), field_path(path), _message(error))


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    found = describe(error.get("input"))
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "too_short":
        return "must list at least one entry"
    if kind == "too_long":
        return _too_many(error)
    if kind == "list_type":
        return f"expected a list (one '- ' line per entry), found {found}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if error.get("input") is None:
            return "this entry is empty; write its fields, or delete the '-' line"
        return f"expected a mapping of fields (key: value), found {found}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, found {found}"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}, found {found}"
    return str(error["msg"])


def _too_many(error: ErrorDetails) -> str:
    """A list longer than its limit, with the limit and the reason for it."""
    count, limit = error["ctx"]["actual_length"], error["ctx"]["max_length"]
    section = tuple(part for part in error["loc"] if isinstance(part, str))
    if section in MAX_ENTRIES:
        return f"{count:,} entries; at most {limit}: {MAX_ENTRIES[section][1]}"
    return f"{count:,} ids; at most {limit}: name each id once"


def _allowed_keys(path: Path_) -> list[str]:
    """The field names of the model found at `path` inside a Proposal."""
    model: Any = Proposal
    for part in path:
        if isinstance(part, int):
            continue
        model = model_in(model.model_fields[part].annotation)
        if model is None:
            return []
    return list(model.model_fields)


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `list[Goal]` or `Request | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None
