"""Compute, checks: the problems only the computed case shows, located as validate's are.

They run right after `build_case` and before anything is rendered, in `build` and `check`
alike: a stat that rests on too few respondents (its figure's n, unless a census), and
money spent beyond the budget so far without a note. Validate, which reads the proposal
only, cannot see these.

A handout that cannot fit its two pages is not one of them: it fails that handout alone,
never the proposal. Its warning is made here, in the same words whether the bound of
`handout_length` proves it before any layout (`proven_too_long`) or a layout finds it
(`laid_out_too_long`); `check` and the pipeline ask for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from buildcase.compute import Case
from buildcase.compute.handout_length import (
    MAX_PAGES,
    PAPERS,
    fewest_pages,
    handout_parts,
    handout_templates_overridden,
)
from buildcase.compute.results import budget_so_far
from buildcase.errors import Problem, ProposalInvalid
from buildcase.load import LoadedProposal, Path_, SourceMap, field_path

__all__ = [
    "case_problems",
    "laid_out_too_long",
    "only_warnings",
    "proven_too_long",
    "too_long_problem",
]

SMALL_SAMPLE = 30


def case_problems(case: Case, loaded: LoadedProposal, workspace: Path) -> list[Problem]:
    """The case's warnings, each at its place in the proposal's files. (`workspace` is
    where its templates are, for checks that depend on them.)"""
    return [*small_samples(case, loaded.source), *overspend(case, loaded.source)]


def only_warnings(problems: list[Problem], strict: bool) -> list[Problem]:
    """The problems in the order they are printed, where none is an error (with `strict`,
    a warning is one); otherwise ProposalInvalid with every one of them, warnings too."""
    if strict:
        problems = [p.as_error() for p in problems]
    if any(p.severity == "error" for p in problems):
        raise ProposalInvalid(problems)
    return sorted(problems, key=lambda p: (p.location, p.field))


def _warn(source: SourceMap, path: Path_, message: str, guide: str) -> Problem:
    return Problem(source.value(path), field_path(path), message, "warning", guide)


def small_samples(case: Case, source: SourceMap) -> Iterator[Problem]:
    """A stat whose figure rests on fewer than SMALL_SAMPLE respondents, unless they are
    everyone asked (a census has no margin of error)."""
    survey = case.proposal.survey
    for i, stat in enumerate(survey.stats if survey else []):
        figure = case.figures[stat.id]
        if figure.n is not None and figure.n < SMALL_SAMPLE and not figure.census:
            yield _warn(
                source,
                ("survey", "stats", i),
                f"stat '{stat.id}' rests on {figure.n} respondents; below {SMALL_SAMPLE}, "
                "its margin of error is too wide to lean on",
                guide="small-sample",
            )


def overspend(case: Case, source: SourceMap) -> Iterator[Problem]:
    """Money spent beyond the budget so far (the pilot's, or the cost pro rata for the
    people trained), where no `note` says why."""
    p, r = case.proposal, case.proposal.results
    if r is None or r.spent is None or r.note:
        return
    budget, basis = budget_so_far(p, r, case.total_cost)
    if budget is not None and r.spent > budget + 0.005:
        what = "the pilot's budget" if basis == "pilot" else "the budget for the people trained"
        yield _warn(
            source,
            ("results", "spent"),
            f"{r.spent:,.0f} {p.currency} spent is more than {what} ({budget:,.0f} "
            f"{p.currency}); give a `note` that says why",
            guide="write-results",
        )


# --- a handout too long for its two pages -----------------------------------------------

GUIDE = "handout-length"  # the topic of `buildcase guide` that says what to do


def proven_too_long(
    case: Case, source: SourceMap, search_path: list[Path], then: str
) -> dict[str, Problem]:
    """A warning for each edition of the handout that cannot fit its two pages, by file
    name, located at the section to shorten; `then` says what follows (for `check`, what
    `build` will do). None where the handout's templates are not buildcase's own."""
    if handout_templates_overridden(search_path):
        return {}
    found = {}
    for edition in case.editions:
        pages, parts = fewest_pages(case, edition)
        if pages > MAX_PAGES:
            longest = max(parts, key=lambda part: part.height)
            found[edition.file] = too_long_problem(
                source, edition.file, pages, longest.name, longest.field, then, at_least=True
            )
    return found


def laid_out_too_long(
    case: Case, source: SourceMap, file: str, pages: int, longest: str | None, then: str
) -> Problem:
    """The warning for handout `file` that a layout found to run to `pages` pages, its
    longest part `longest` (a `data-section` of the handout's template): located at the
    section of the proposal that part shows most of, where the bound knows the part, else
    at the audience the handout is for, or at the results for the results handout."""
    edition = next((e for e in case.editions if e.file == file), None)
    field: Path_ = ("results",) if case.proposal.results else ()
    if edition is not None:
        a = edition.audience
        named = [p.field for p in handout_parts(case, edition, PAPERS[0]) if p.name == longest]
        whose: Path_ = ("audiences", case.proposal.audiences.index(a.audience)) if a else ()
        field = named[0] if named else whose
    return too_long_problem(source, file, pages, longest or "unknown", field, then)


def too_long_problem(
    source: SourceMap, file: str, pages: int, longest: str, field: Path_, then: str,
    at_least: bool = False,
) -> Problem:  # fmt: skip
    """The one warning of a handout too long, from the bound or a layout; `build` makes it
    an error (`Problem.as_error`)."""
    return Problem(
        source.key(field),
        field_path(field),
        f"{file} runs to {'at least ' if at_least else ''}{pages} pages; at most {MAX_PAGES} "
        f"fit on the table. The longest part is {longest}: shorten it rather than have "
        f"buildcase shrink the text; {then}",
        "warning",
        GUIDE,
    )
