"""The rules and warnings of the `results` section: benefit ids that must exist, the
follow-up survey's share computed from its CSV (as survey stats are), and what is doubtful
(more trained than planned, results dated before the proposal). An overspend without a note
is measured against the computed budget, so it is warned about after compute
(`buildcase.compute.checks`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from buildcase.errors import Problem, listing, nearest, quoted
from buildcase.load import LoadedProposal, Path_, SourceMap, field_path
from buildcase.models.quantities import PartialDate, Percent
from buildcase.models.sections import Proposal
from buildcase.validate.consistency import warn
from buildcase.validate.rules import _dangling, _entries, _ids
from buildcase.validate.survey import share_of_answers

__all__ = ["results_problems", "results_references"]


def results_references(data: dict[str, Any], source: SourceMap) -> Iterator[Problem]:
    """On the raw data, with the other references: each realized benefit names a benefit
    of the proposal, once."""
    known = _ids(_entries(data, "benefits"))
    seen: dict[str, int] = {}
    for i, entry in _entries(data, "results", "benefits"):
        ref = entry.get("benefit")
        path: Path_ = ("results", "benefits", i, "benefit")
        if known:
            yield from _dangling(path, [ref], known, "benefit", source, single=True)
        if isinstance(ref, str) and ref in seen:
            first = source.value(("results", "benefits", seen[ref], "benefit"))
            yield Problem(
                source.value(path),
                field_path(path),
                f"benefit {quoted(ref)} is reported twice; it is already on line {first.line}",
            )
        elif isinstance(ref, str):
            seen[ref] = i


def results_problems(p: Proposal, loaded: LoadedProposal) -> tuple[Proposal, list[Problem]]:
    """The proposal with the follow-up's share filled in from its CSV, and the problems."""
    if p.results is None:
        return p, []
    p, problems = _follow_up(p, loaded)
    return p, problems + list(_warnings(p, loaded.source))


def _follow_up(p: Proposal, loaded: LoadedProposal) -> tuple[Proposal, list[Problem]]:
    assert p.results is not None
    follow, source = p.results.follow_up, loaded.source
    if follow is None:
        return p, []
    path: Path_ = ("results", "follow_up")

    def problem(key: str, message: str) -> Problem:
        return Problem(source.value((*path, key)), field_path((*path, key)), message)

    if follow.column and not follow.data:
        return p, [problem("column", "a `column` needs the follow-up's `data` file")]
    if follow.data and not follow.column:
        return p, [problem("data", "give the `column` of the data that asks about applying")]
    if follow.column and not follow.answers:
        return p, [problem("column", "give `answers`: the answers that count as applied")]
    if follow.data is None:
        if follow.applied is None:
            message = "give `applied` (a percent) or the follow-up's `data`, `column` and `answers`"
            return p, [Problem(source.value(path), field_path(path), message)]
        return p, list(_respondents(follow.respondents, p.results.trained, source))
    table = loaded.tables.get(follow.data, {})
    if follow.column not in table:
        guess = nearest(follow.column or "", list(table))
        hint = f"did you mean {quoted(guess)}? " if guess else ""
        return p, [
            problem(
                "column",
                f"{follow.data} has no column {quoted(follow.column)}; {hint}"
                f"Columns: {listing(list(table))}",
            )
        ]
    share, n = share_of_answers(table[follow.column or ""], follow.answers)
    decimals = follow.applied.decimals if follow.applied else 0
    # Rounded down: never in the programme's favour.
    computed = Percent(math.floor(round(share * 10**decimals, 6)) / 10**decimals, decimals)
    problems = []
    if follow.applied is not None and follow.applied != computed:
        problems.append(
            problem(
                "applied",
                f"the data give {computed} (n = {n:,} in {follow.data}), not {follow.applied}",
            )
        )
    if follow.respondents is not None and follow.respondents != n:
        problems.append(
            problem(
                "respondents",
                f"the data give n = {n:,} answers in {follow.data}, not {follow.respondents:,}",
            )
        )
    problems += list(_respondents(n, p.results.trained, source))
    if problems:
        return p, problems
    filled = follow.model_copy(update={"applied": computed, "respondents": n})
    results = p.results.model_copy(update={"follow_up": filled})
    return p.model_copy(update={"results": results}), []


def _respondents(n: int | None, trained: int, source: SourceMap) -> Iterator[Problem]:
    if n is not None and n > trained:
        path: Path_ = ("results", "follow_up", "respondents")
        yield Problem(
            source.value(path),
            field_path(path),
            f"{n:,} respondents is more than the {trained:,} people trained",
        )


def _warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    r = p.results
    assert r is not None
    participants = p.request.participants if p.request else None
    if participants is not None and r.trained > participants:
        yield warn(
            source,
            ("results", "trained"),
            f"{r.trained:,} trained is more than the {participants:,} participants of the "
            "request; the forecast is scaled up to match",
            guide="write-results",
        )
    if _before(r.as_of, p.date):
        yield warn(
            source,
            ("results", "as_of"),
            f"the results are dated {r.as_of}, before the proposal itself ({p.date})",
            guide="write-results",
        )


def _before(a: PartialDate, b: PartialDate) -> bool:
    """Whether `a` is surely before `b` (a month is not before a day in it)."""
    if (a.year, a.month) != (b.year, b.month):
        return (a.year, a.month) < (b.year, b.month)
    return a.day is not None and b.day is not None and a.day < b.day
