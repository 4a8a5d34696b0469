"""The survey's data: stats computed from its CSV file (a column and the answers that
count), filled into the proposal where typed values would be, and typed values the data
contradict reported. The results' follow-up survey is read the same way (`results`).
"""

from __future__ import annotations

from collections.abc import Iterator

from buildcase.errors import Problem, listing, nearest, quoted
from buildcase.load import LoadedProposal, Path_, SourceMap, field_path
from buildcase.models.quantities import Percent
from buildcase.models.sections import Proposal, Stat, Survey

__all__ = ["share_of_answers", "stats_from_data"]


def share_of_answers(answers: list[str], counted: list[str]) -> tuple[float, int]:
    """The share (0..100) of non-blank answers that are among `counted`, and their number.

    Answers match whatever their case and surrounding spaces, as survey exports vary.
    """
    given = [a.strip().casefold() for a in answers if a and a.strip()]
    wanted = {c.strip().casefold() for c in counted}
    if not given:
        return 0.0, 0
    return 100 * sum(a in wanted for a in given) / len(given), len(given)


def stats_from_data(p: Proposal, loaded: LoadedProposal) -> tuple[Proposal, list[Problem]]:
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
