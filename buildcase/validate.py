"""Stage 2, validate: loaded data -> a typed Proposal, or every problem in it, located.

Pydantic checks each value's kind; this module adds what a schema cannot say (ids that
must exist, ids that must be unique) and the warnings of the format, then names each
problem by file, line, column and field path.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .compute.statistics import is_census, share_of_answers, stat_population
from .consistency import consistency_warnings
from .errors import Location, Problem, ProposalInvalid, quoted, shorten
from .images import RASTER_SUFFIXES, raster_format, raster_size, svg_problem
from .limits import (
    MAX_ENTRIES,
    MAX_LOGO_BYTES,
    MAX_LOGO_PIXELS,
    MAX_LOGO_SIDE,
    MAX_SVG_BYTES,
)
from .load import (
    LoadedProposal,
    Path_,
    SourceMap,
    Unreadable,
    field_path,
    load_table,
    read_inside,
)
from .markup import refused_scheme
from .models import Percent, Proposal, Stat, Survey, describe

EVIDENCE_MAX_AGE_YEARS = 5
SMALL_SAMPLE = 30
_RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_LINK_URL = re.compile(r"\]\(((?:[^()]|\([^()]*\))*)\)")  # one level of (), as pages


def validate_proposal(
    loaded: LoadedProposal, strict: bool = False
) -> tuple[Proposal, list[Problem]]:
    """The typed proposal and its warnings; raises ProposalInvalid if anything is wrong.

    With `strict`, warnings are errors.
    """
    problems = list(loaded.warnings)
    # References are checked on the raw data, so they are reported with kind errors.
    problems += list(_reference_problems(loaded.data, loaded.source))
    try:
        proposal = Proposal.model_validate(loaded.data)
    except ValidationError as e:
        problems += _kind_problems(e.errors(), loaded.source)
        raise ProposalInvalid(_apply_strict(problems, strict)) from None
    problems += list(_population_problems(proposal, loaded.source))
    problems += list(_branding_problems(proposal, loaded))
    problems += list(_language_problems(proposal, loaded.source))
    problems += list(_financials_problems(proposal, loaded.source))
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


def _kind_problems(errors: list[ErrorDetails], source: SourceMap) -> list[Problem]:
    """Pydantic's errors as located problems.

    A required field reported missing beside an unknown key that is its near-miss
    (`benefit:` for `benefits:`) is left out: the unknown key already says it.
    """
    meant = {
        (tuple(e["loc"][:-1]), guess)
        for e in errors
        if e["type"] == "extra_forbidden"
        and (guess := _near_key(str(e["loc"][-1]), _allowed_keys(tuple(e["loc"][:-1]))))
    }
    return [
        _problem_from_pydantic(e, source)
        for e in errors
        if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), e["loc"][-1]) in meant)
    ]


def _near_key(name: str, allowed: list[str]) -> str | None:
    found = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    return found[0] if found else None


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
        guess = _near_key(str(name), allowed)
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


def _entries(data: Any, *path: str) -> list[tuple[int, dict[str, Any]]]:
    """The mapping entries of the list at `path` in the raw data, with their indices."""
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        return []
    return [(i, entry) for i, entry in enumerate(data) if isinstance(entry, dict)]


def _ids(entries: list[tuple[int, dict[str, Any]]]) -> list[str]:
    return [e["id"] for _, e in entries if isinstance(e.get("id"), str)]


def _refs(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else value if isinstance(value, list) else []


def _reference_problems(data: dict[str, Any], source: SourceMap) -> Iterator[Problem]:
    """Duplicate ids and references to ids that do not exist, on the raw data."""
    stats = _entries(data, "survey", "stats")
    sections = {
        name: _entries(data, name)
        for name in ("goals", "benefits", "risks", "evidence", "audiences")
    }
    for name, entries in sections.items():
        yield from _duplicate_ids((name,), entries, source)
    yield from _duplicate_ids(("survey", "stats"), stats, source)
    stat_ids = set(_ids(stats))
    for i, entry in sections["evidence"]:
        if isinstance(entry.get("id"), str) and entry["id"] in stat_ids:
            yield Problem(
                source.value(("evidence", i, "id")),
                field_path(("evidence", i, "id")),
                f"id {quoted(entry['id'])} is also a survey stat's id; "
                "benefits and risks cite both by id, so they must differ",
            )
    known = {
        "goals": ("goal", _ids(sections["goals"])),
        "evidence": ("stat or evidence", _ids(stats) + _ids(sections["evidence"])),
        "benefits": ("benefit", _ids(sections["benefits"])),
        "risks": ("risk", _ids(sections["risks"])),
        "audiences": ("audience", _ids(sections["audiences"])),
    }
    sections["objections"] = _entries(data, "objections")
    references = {
        "benefits": ("goals", "evidence"),
        "risks": ("goals", "evidence"),
        "audiences": ("benefits", "risks", "goals"),
        "objections": ("audiences",),
    }
    for section, fields in references.items():
        for i, entry in sections[section]:
            for name in fields:
                kind, ids = known[name]
                if not ids and name in ("goals", "benefits", "risks", "audiences"):
                    continue  # the missing or empty section is the error to report
                yield from _dangling((section, i, name), _refs(entry.get(name)), ids, kind, source)
    baseline = (
        data.get("financials", {}).get("application_baseline")
        if isinstance(data.get("financials"), dict)
        else None
    )
    if isinstance(baseline, str):
        kind, ids = known["evidence"]
        yield from _dangling(
            ("financials", "application_baseline"), [baseline], ids, kind, source, single=True
        )


LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp")


def _branding_problems(p: Proposal, loaded: LoadedProposal) -> Iterator[Problem]:
    """A logo must be an image inside the proposal folder, within the limits: nothing
    outside it is read, and nothing that could run or exhaust a reader is published."""
    logo = p.branding.logo if p.branding else None
    if logo is None:
        return
    path = ("branding", "logo")
    where, field = loaded.source.value(path), field_path(path)
    outside = f"{quoted(logo)} is outside the proposal folder; put the logo inside it"
    if Path(logo).is_absolute():
        yield Problem(where, field, outside)
        return
    # The type of the file the name leads to (through a link): it is published under it.
    suffix = Path(os.path.realpath(loaded.folder / logo)).suffix.lower()
    try:
        data = read_inside(
            loaded.folder,
            loaded.folder / logo,
            MAX_SVG_BYTES if suffix == ".svg" else MAX_LOGO_BYTES,
        )
    except Unreadable as e:
        messages = {
            "outside": outside,
            "missing": f"no file {quoted(logo)} in the proposal folder",
        }
        yield Problem(where, field, messages.get(e.kind, f"{quoted(logo)} {e.reason}"))
        return
    if suffix not in LOGO_TYPES:
        yield Problem(where, field, f"a logo is an image: {', '.join(LOGO_TYPES)}")
    elif suffix == ".svg":
        found = svg_problem(data)
        if found:
            why = (
                "an SVG logo may hold no script, event handler, foreignObject, link out of "
                "the file or CSS that loads a file: remove it, or use a PNG logo"
                if found.unsafe
                else "simplify it, or save it again as plain SVG, or use a PNG logo"
            )
            yield Problem(
                Location(loaded.folder / logo, found.line, found.column),
                field,
                f"the logo holds {found.what}; {why}",
            )
    else:
        problem = _raster_problem(data, suffix)
        if problem:
            yield Problem(where, field, f"{quoted(logo)} {problem}")


def _raster_problem(data: bytes, suffix: str) -> str | None:
    """What is wrong with a raster logo, read from its header: its format is not the one
    its name says, or it has more pixels than the limits."""
    kind = raster_format(data)
    if kind is None or suffix not in RASTER_SUFFIXES[kind]:
        expected = next(k for k, suffixes in RASTER_SUFFIXES.items() if suffix in suffixes)
        return f"is not a {expected.upper()} image, as its name says"
    size = raster_size(data, kind)
    if size is None:
        return f"is a damaged {kind.upper()} image: its size cannot be read"
    width, height = size
    if max(width, height) > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
        return (
            f"is {width:,} x {height:,} pixels; a logo is at most {MAX_LOGO_SIDE:,} x "
            f"{MAX_LOGO_SIDE:,} ({MAX_LOGO_PIXELS / 2**20:g} megapixels)"
        )
    if width == 0 or height == 0:
        return f"is {width:,} x {height:,} pixels: an empty image"
    return None


def _language_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    from .i18n import available_languages

    languages = available_languages()
    if p.language not in languages:
        yield Problem(
            source.value(("language",)),
            "language",
            f"no message catalog for the language {quoted(p.language)}; "
            f"available: {', '.join(languages)}",
        )


def _population_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """More respondents than their population, said once, where the figure is written; and
    a stat given its own respondents but no population, which is not given the survey's."""
    survey = p.survey
    if survey is None:
        return
    n, population = survey.respondents, survey.population
    if n is not None and population is not None and n > population:
        path: Path_ = ("survey", "respondents")
        yield Problem(
            source.value(path),
            field_path(path),
            f"{n:,} respondents is more than the population of {population:,}",
        )
    for i, stat in enumerate(survey.stats):
        own: Path_ = ("survey", "stats", i, "respondents")
        if stat.population is not None:
            if stat.respondents is not None and stat.respondents > stat.population:
                yield Problem(
                    source.value(own),
                    field_path(own),
                    f"{stat.respondents:,} respondents is more than the population of "
                    f"{stat.population:,}",
                )
            elif stat.respondents is None and n is not None and n > stat.population:
                where: Path_ = (*own[:-1], "population")
                yield Problem(
                    source.value(where),
                    field_path(where),
                    f"a population of {stat.population:,} is less than the survey's {n:,} "
                    "respondents, which this stat takes as its n; give it its own `respondents`",
                )
        elif stat.respondents is not None and population is not None and not stat.column:
            if stat.respondents > population:
                yield Problem(
                    source.value(own),
                    field_path(own),
                    f"{stat.respondents:,} respondents is more than the survey's population of "
                    f"{population:,}; if this stat asked another group, give its own `population`",
                )
            else:
                margin = " (nor in its margin of error)" if isinstance(stat.value, Percent) else ""
                yield _warn(
                    source,
                    own,
                    f"stat '{stat.id}' has its own respondents but no population of its own, so "
                    f"the survey's {population:,} is not assumed for it{margin}; if its "
                    f"{stat.respondents:,} were drawn from those {population:,}, write "
                    f"`population: {population}`; if another group was asked, its size",
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
    if ref in figures and figures[ref] is not None and not isinstance(figures[ref], Percent):
        yield Problem(
            source.value(path),
            field_path(path),
            f"{quoted(ref)} is a count; the baseline must be a percent of trainees",
        )
    elif settings.application_rate is None:
        yield Problem(
            source.value(path),
            field_path(path),
            "give `application_rate` too: the share the plan expects to apply the training",
        )


def _duplicate_ids(
    path: Path_, entries: list[tuple[int, dict[str, Any]]], source: SourceMap
) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, entry in entries:
        entry_id = entry.get("id")
        if not isinstance(entry_id, str):
            continue
        if entry_id in seen:
            first = source.value((*path, seen[entry_id], "id"))
            yield Problem(
                source.value((*path, i, "id")),
                field_path((*path, i, "id")),
                f"duplicate id {quoted(entry_id)}; it is already used on line {first.line}",
            )
        else:
            seen[entry_id] = i


def _dangling(
    path: Path_,
    refs: list[Any],
    known: list[str],
    kind: str,
    source: SourceMap,
    single: bool = False,
) -> Iterator[Problem]:
    for j, ref in enumerate(refs):
        if not isinstance(ref, str) or ref in known:
            continue  # a ref of the wrong kind is reported by the kind check
        where = path if single else (*path, j)
        guess = nearest(ref, known)
        hint = f"did you mean {quoted(guess)}? " if guess else ""
        yield Problem(
            source.value(where),
            field_path(where),
            f"no {kind} has the id {quoted(ref)}; {hint}"
            f"Known: {listing(known) or 'none has an id'}",
        )


def listing(names: list[str], most: int = 12) -> str:
    """Names joined for a message, cut short where a long proposal has hundreds (and each
    name cut short where it is long)."""
    shown = ", ".join(shorten(name, 40) for name in names[:most])
    return shown if len(names) <= most else shown + f" and {len(names) - most:,} more"


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
            census = is_census(n, stat_population(stat, p.survey))
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
    yield from consistency_warnings(p, source)
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
    elif isinstance(data, str) and (scheme := _refused_scheme(data)):
        yield _warn(source, path, f"a link to '{scheme}:' is not allowed; only its text is shown")


def _refused_scheme(text: str) -> str | None:
    """The first link scheme in `text` that the pages will drop, read as browsers read it."""
    return next((s for m in _LINK_URL.finditer(text) if (s := refused_scheme(m[1]))), None)
