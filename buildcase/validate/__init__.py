"""Stage 2, validate: loaded data -> a typed Proposal, or every problem in it, located.

Pydantic checks each value's kind (`kinds` names its errors); `rules` adds what a schema
cannot say (ids that must exist and be unique, a logo that must be an image inside the
folder); `advice` and `consistency` add the warnings: what is doubtful rather than wrong.
Every problem is named by file, line, column and field path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from buildcase.compute import build_case
from buildcase.compute.statistics import share_of_answers
from buildcase.errors import Problem, ProposalInvalid, listing, nearest, quoted
from buildcase.load import LoadedProposal, Path_, SourceMap, field_path
from buildcase.models.quantities import Percent
from buildcase.models.sections import Proposal, Stat, Survey
from buildcase.validate.advice import advice_warnings
from buildcase.validate.handout_length import handout_length_problems
from buildcase.validate.kinds import kind_problems
from buildcase.validate.results import results_problems, results_references
from buildcase.validate.rules import (
    branding_problems,
    financials_problems,
    language_problems,
    need_problems,
    population_problems,
    reference_problems,
)
from buildcase.workspace import template_dirs

__all__ = ["validate_proposal"]


def validate_proposal(
    loaded: LoadedProposal, strict: bool = False, workspace: Path | None = None
) -> tuple[Proposal, list[Problem]]:
    """The typed proposal and its warnings; raises ProposalInvalid if anything is wrong.

    With `strict`, warnings are errors. A proposal otherwise valid whose handout cannot fit
    its two pages is refused too, before any layout (`handout_length`); `workspace` (the
    working folder where not given, as for `check`) says whether its handout templates
    are buildcase's own, the only ones that bound knows.
    """
    problems = list(loaded.warnings)
    # References are checked on the raw data, so they are reported with kind errors.
    problems += list(reference_problems(loaded.data, loaded.source))
    problems += list(results_references(loaded.data, loaded.source))
    try:
        proposal = Proposal.model_validate(loaded.data)
    except ValidationError as e:
        problems += kind_problems(e.errors(), loaded.source)
        raise ProposalInvalid(_apply_strict(problems, strict)) from None
    problems += list(population_problems(proposal, loaded.source))
    problems += list(branding_problems(proposal, loaded))
    problems += list(language_problems(proposal, loaded.source))
    problems += list(financials_problems(proposal, loaded.source))
    problems += list(need_problems(proposal, loaded.source))
    proposal, data_problems = _stats_from_data(proposal, loaded)
    problems += data_problems
    proposal, results_found = results_problems(proposal, loaded)
    problems += results_found
    problems += list(advice_warnings(proposal, loaded))
    problems = _apply_strict(problems, strict)
    if not any(p.severity == "error" for p in problems):
        search_path = template_dirs(loaded.folder, workspace or Path.cwd())
        case = build_case(proposal, loaded.slug)
        problems += handout_length_problems(case, loaded.source, search_path)
    problems = sorted(problems, key=lambda p: (p.location, p.field))
    if any(p.severity == "error" for p in problems):
        raise ProposalInvalid(problems)
    return proposal, problems


def _apply_strict(problems: list[Problem], strict: bool) -> list[Problem]:
    return [p.as_error() for p in problems] if strict else problems


# --- survey data ---------------------------------------------------------------------


def _stats_from_data(p: Proposal, loaded: LoadedProposal) -> tuple[Proposal, list[Problem]]:
    """Fill in stats computed from the survey's CSV, and report typed values that disagree.

    Stats computed here are used everywhere typed ones would be, so the rest of the
    pipeline never knows the difference.
    """
    survey, source = p.survey, loaded.source
    if survey is None:
        return p, []
    problems = list(_stat_shape_problems(survey, source))
    needs_data = [i for i, s in enumerate(survey.stats) if s.column]
    if problems or not needs_data:
        return p, problems
    if not survey.data:
        path: Path_ = ("survey", "stats", needs_data[0], "column")
        return p, [
            Problem(
                source.value(path), field_path(path), "a `column` needs the survey's `data` file"
            )
        ]
    table = loaded.tables[survey.data]
    stats = list(survey.stats)
    for i in needs_data:
        path = ("survey", "stats", i)
        result = _stat_from_table(stats[i], table, survey.data, path, source)
        if isinstance(result, Problem):
            problems.append(result)
        else:
            stats[i] = result
    return p.model_copy(update={"survey": survey.model_copy(update={"stats": stats})}), problems


def _stat_shape_problems(survey: Survey, source: SourceMap) -> Iterator[Problem]:
    for i, stat in enumerate(survey.stats):
        path = ("survey", "stats", i)
        if stat.value is None and not stat.column:
            yield Problem(
                source.value(path),
                field_path((*path, "value")),
                f"required field 'value' is missing in {field_path(path)} "
                "(or give a `column` of the survey's data)",
            )
        if stat.column and not stat.answers:
            yield Problem(
                source.value((*path, "column")),
                field_path((*path, "column")),
                "a stat computed from data needs `answers`: the answers that count",
            )


def _stat_from_table(
    stat: Stat, table: dict[str, list[str]], name: str, path: Path_, source: SourceMap
) -> Stat | Problem:
    """The stat with its value and n from the table, or the problem that prevents it."""
    if stat.column not in table:
        guess = nearest(stat.column or "", list(table))
        hint = f"did you mean {quoted(guess)}? " if guess else ""
        return Problem(
            source.value((*path, "column")),
            field_path((*path, "column")),
            f"{name} has no column {quoted(stat.column)}; {hint}Columns: {listing(list(table))}",
        )
    share, n = share_of_answers(table[stat.column], stat.answers)
    decimals = stat.value.decimals if isinstance(stat.value, Percent) else 0
    computed = Percent(round(share, decimals), decimals)
    if stat.value is not None and stat.value != computed:
        return Problem(
            source.value((*path, "value")),
            field_path((*path, "value")),
            f"the data give {computed} (n = {n:,} in {name}), not {stat.value}",
        )
    return stat.model_copy(update={"value": computed, "respondents": n})
