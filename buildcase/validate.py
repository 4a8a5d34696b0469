"""Stage 2, validate: loaded data -> a typed Proposal, or every problem in it, located.

Pydantic checks each value's kind; this module adds what a schema cannot say (ids that
must exist, ids that must be unique) and the warnings of the format, then names each
problem by file, line, column and field path.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from .compute import share_of_answers
from .errors import Problem, ProposalInvalid
from .load import LoadedProposal, Path_, SourceMap, field_path, load_table
from .models import Percent, Proposal, Stat, Survey

EVIDENCE_MAX_AGE_YEARS = 5
SMALL_SAMPLE = 30
_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")


def validate_proposal(
    loaded: LoadedProposal, strict: bool = False
) -> tuple[Proposal, list[Problem]]:
    """The typed proposal and its warnings; raises ProposalInvalid if anything is wrong.

    With `strict`, warnings are errors.
    """
    problems = list(loaded.warnings)
    try:
        proposal = Proposal.model_validate(loaded.data)
    except ValidationError as e:
        problems += [_problem_from_pydantic(err, loaded.source) for err in e.errors()]
        raise ProposalInvalid(_apply_strict(problems, strict)) from None
    problems += list(_reference_problems(proposal, loaded.source))
    proposal, data_problems = _stats_from_data(proposal, loaded)
    problems += data_problems
    problems += list(_warnings(proposal, loaded))
    problems = sorted(_apply_strict(problems, strict), key=lambda p: (p.location, p.field))
    if any(p.severity == "error" for p in problems):
        raise ProposalInvalid(problems)
    return proposal, problems


def _apply_strict(problems: list[Problem], strict: bool) -> list[Problem]:
    return [p.as_error() for p in problems] if strict else problems


# --- kind errors, from pydantic ---------------------------------------------------------


def _problem_from_pydantic(error: dict[str, Any], source: SourceMap) -> Problem:
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
        guess = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        return Problem(
            source.key(path),
            field_path(path),
            f"unknown key '{name}'{hint} Allowed here: {', '.join(allowed)}",
        )
    return Problem(source.value(path), field_path(path), _message(error))


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "too_short":
        return "must list at least one entry"
    if kind == "list_type":
        return "expected a list (one '- ' line per entry)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "expected a mapping of fields (key: value)"
    if kind == "bool_type" or kind == "bool_parsing":
        return "expected true or false"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}"
    return str(error["msg"])


def _allowed_keys(path: Path_) -> list[str]:
    """The field names of the model found at `path` inside a Proposal."""
    model: Any = Proposal
    for part in path:
        if isinstance(part, int):
            continue
        model = _model_in(model.model_fields[part].annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `list[Goal]` or `Request | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- references and ids ------------------------------------------------------------------


def _reference_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    stats = p.survey.stats if p.survey else []
    sections: dict[str, list[Any]] = {
        "goals": p.goals,
        "benefits": p.benefits,
        "risks": p.risks,
        "evidence": p.evidence,
        "audiences": p.audiences,
    }
    for name, entries in sections.items():
        yield from _duplicate_ids((name,), entries, source)
    yield from _duplicate_ids(("survey", "stats"), stats, source)
    for i, entry in enumerate(p.evidence):
        if entry.id in {s.id for s in stats}:
            yield Problem(
                source.value(("evidence", i, "id")),
                field_path(("evidence", i, "id")),
                f"id '{entry.id}' is also a survey stat's id; "
                "benefits and risks cite both by id, so they must differ",
            )

    goal_ids = [g.id for g in p.goals]
    evidence_ids = [s.id for s in stats] + [e.id for e in p.evidence]
    for section, entries in (("benefits", p.benefits), ("risks", p.risks)):
        for i, entry in enumerate(entries):
            yield from _dangling((section, i, "goals"), entry.goals, goal_ids, "goal", source)
            yield from _dangling(
                (section, i, "evidence"), entry.evidence, evidence_ids, "stat or evidence", source
            )
    benefit_ids = [b.id for b in p.benefits if b.id]
    risk_ids = [r.id for r in p.risks if r.id]
    for i, audience in enumerate(p.audiences):
        yield from _dangling(
            ("audiences", i, "benefits"), audience.benefits, benefit_ids, "benefit", source
        )
        yield from _dangling(("audiences", i, "risks"), audience.risks, risk_ids, "risk", source)
    yield from _financials_problems(p, source)
    for i, stat in enumerate(stats):
        n = stat.respondents or p.survey.respondents  # type: ignore[union-attr]
        population = stat.population or p.survey.population  # type: ignore[union-attr]
        if n and population and n > population:
            path = (
                ("survey", "stats", i, "respondents")
                if stat.respondents
                else ("survey", "respondents")
            )
            yield Problem(
                source.value(path),
                field_path(path),
                f"{n:,} respondents is more than the population of {population:,}",
            )


def nearest(name: str, options: list[str]) -> str | None:
    """The option the author most likely meant: the same but for case, else the closest."""
    folded = {o.casefold(): o for o in options}
    if name.casefold() in folded:
        return folded[name.casefold()]
    found = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def _financials_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    settings = p.financials
    if settings is None or settings.application_baseline is None:
        return
    path = ("financials", "application_baseline")
    figures = {s.id: s.value for s in (p.survey.stats if p.survey else [])}
    figures |= {e.id: e.value for e in p.evidence}
    ref = settings.application_baseline
    if ref not in figures:
        guess = difflib.get_close_matches(ref, list(figures), n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        yield Problem(
            source.value(path),
            field_path(path),
            f"no stat or evidence has the id '{ref}'; {hint}Known: {', '.join(figures) or 'none'}",
        )
    elif figures[ref] is not None and not isinstance(figures[ref], Percent):
        yield Problem(
            source.value(path),
            field_path(path),
            f"'{ref}' is a count; the baseline must be a percent of trainees",
        )
    elif settings.application_rate is None:
        yield Problem(
            source.value(path),
            field_path(path),
            "give `application_rate` too: the share the plan expects to apply the training",
        )


def _duplicate_ids(path: Path_, entries: list[Any], source: SourceMap) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.id is None:
            continue
        if entry.id in seen:
            first = source.value((*path, seen[entry.id], "id"))
            yield Problem(
                source.value((*path, i, "id")),
                field_path((*path, i, "id")),
                f"duplicate id '{entry.id}'; it is already used on line {first.line}",
            )
        else:
            seen[entry.id] = i


def _dangling(
    path: Path_, refs: list[str], known: list[str], kind: str, source: SourceMap
) -> Iterator[Problem]:
    for j, ref in enumerate(refs):
        if ref in known:
            continue
        guess = difflib.get_close_matches(ref, known, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        listing = ", ".join(known) if known else "none has an id"
        yield Problem(
            source.value((*path, j)),
            field_path((*path, j)),
            f"no {kind} has the id '{ref}'; {hint}Known: {listing}",
        )


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
        path = ("survey", "stats", needs_data[0], "column")
        return p, [
            Problem(
                source.value(path), field_path(path), "a `column` needs the survey's `data` file"
            )
        ]
    try:
        table = load_table(loaded.folder, survey.data, source.value(("survey", "data")))
    except ProposalInvalid as e:
        return p, e.problems
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
        hint = f"did you mean '{guess}'? " if guess else ""
        return Problem(
            source.value((*path, "column")),
            field_path((*path, "column")),
            f"{name} has no column '{stat.column}'; {hint}Columns: {', '.join(table)}",
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


# --- warnings --------------------------------------------------------------------------


def _warn(source: SourceMap, path: Path_, message: str) -> Problem:
    return Problem(source.value(path), field_path(path), message, severity="warning")


def _warnings(p: Proposal, loaded: LoadedProposal) -> Iterator[Problem]:
    source = loaded.source
    if p.survey:
        for i, stat in enumerate(p.survey.stats):
            if stat.respondents is None and p.survey.respondents is None and not stat.column:
                yield _warn(
                    source,
                    ("survey", "stats", i),
                    f"stat '{stat.id}' has no number of respondents; give the survey's "
                    "`respondents` or the stat's own",
                )
        for i, stat in enumerate(p.survey.stats):
            n = stat.respondents or p.survey.respondents
            census = n == (stat.population or p.survey.population)
            if n is not None and n < SMALL_SAMPLE and not census:
                yield _warn(
                    source,
                    ("survey", "stats", i),
                    f"stat '{stat.id}' rests on {n} respondents; below {SMALL_SAMPLE}, "
                    "its margin of error is too wide to lean on",
                )
    for i, entry in enumerate(p.evidence):
        age = p.date.year - entry.year
        if age > EVIDENCE_MAX_AGE_YEARS:
            yield _warn(
                source,
                ("evidence", i, "year"),
                f"evidence '{entry.id}' is from {entry.year}, {age} years before the "
                "proposal; executives may ask for something more recent",
            )
    served = {goal for b in p.benefits for goal in b.goals}
    for i, goal in enumerate(p.goals):
        if goal.id not in served:
            yield _warn(source, ("goals", i), f"no benefit serves the goal '{goal.id}'")
    for i, risk in enumerate(p.risks):
        if risk.likelihood is None and risk.impact is None:
            yield _warn(
                source,
                ("risks", i),
                "this risk has neither likelihood nor impact, so its size cannot be shown",
            )
    yield from _budget_warnings(p, source)
    yield from _raw_html_warnings(loaded.data, (), source)


def _budget_warnings(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    budget = p.request.budget if p.request else None
    if not p.costs or budget is None:
        return
    total = sum(c.amount for c in p.costs)
    if abs(total - budget) > 0.005:
        yield _warn(
            source,
            ("costs",),
            f"the costs add up to {total:,.0f} {p.currency}, but the request is for "
            f"{budget:,.0f} {p.currency}",
        )


def _raw_html_warnings(data: Any, path: Path_, source: SourceMap) -> Iterator[Problem]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _raw_html_warnings(value, (*path, key), source)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _raw_html_warnings(value, (*path, i), source)
    elif isinstance(data, str) and _RAW_HTML.search(data):
        yield _warn(source, path, "raw HTML is not allowed in text; it is shown as plain text")
