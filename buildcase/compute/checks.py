"""Compute, checks: the problems only the computed case shows, located as validate's are.

They run right after `build_case` and before anything is rendered, in `build` and `check`
alike: a stat that rests on too few respondents (its figure's n, unless a census), money
spent beyond the budget so far without a note, and a handout that cannot fit its two
pages (`handout_length`). Validate, which reads the proposal only, cannot see these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from buildcase.compute import Case
from buildcase.compute.handout_length import handout_length_problems
from buildcase.compute.results import budget_so_far
from buildcase.errors import Problem, ProposalInvalid
from buildcase.load import LoadedProposal, Path_, SourceMap, field_path
from buildcase.workspace import template_dirs

__all__ = ["case_problems", "only_warnings"]

SMALL_SAMPLE = 30


def case_problems(case: Case, loaded: LoadedProposal, workspace: Path) -> list[Problem]:
    """The case's warnings and errors, each at its place in the proposal's files;
    `workspace` says whether the handout's templates are buildcase's own, the only ones
    the bound on its length knows."""
    warnings = [*small_samples(case, loaded.source), *overspend(case, loaded.source)]
    search_path = template_dirs(loaded.folder, workspace)
    return [*warnings, *handout_length_problems(case, loaded.source, search_path)]


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
