"""What a schema cannot say: ids that must exist and be unique, a logo that must be an
image inside the folder, a population that must hold its sample.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from buildcase.errors import Location, Problem, listing, nearest, quoted
from buildcase.i18n import available_languages
from buildcase.limits import (
    MAX_LOGO_BYTES,
    MAX_LOGO_PIXELS,
    MAX_LOGO_SIDE,
    MAX_SVG_BYTES,
)
from buildcase.load import (
    LoadedProposal,
    Path_,
    SourceMap,
    Unreadable,
    field_path,
    read_inside,
)
from buildcase.load.images import RASTER_SUFFIXES, raster_format, raster_size, svg_problem
from buildcase.models.parsers import is_id, suggest_id
from buildcase.models.quantities import Percent
from buildcase.models.sections import Proposal
from buildcase.validate.consistency import warn

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


def reference_problems(data: dict[str, Any], source: SourceMap) -> Iterator[Problem]:
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
    sections["behaviours"] = _entries(data, "behaviours")
    sections["support"] = _entries(data, "support")
    yield from _duplicate_ids(("behaviours",), sections["behaviours"], source)
    references = {
        "benefits": ("goals", "evidence"),
        "risks": ("goals", "evidence"),
        "audiences": ("benefits", "risks", "goals"),
        "objections": ("audiences",),
        "behaviours": ("benefits", "audiences"),
        "support": ("audiences",),
    }
    for section, fields in references.items():
        for i, entry in sections[section]:
            for name in fields:
                kind, ids = known[name]
                if not ids and name in ("goals", "benefits", "risks", "audiences"):
                    continue  # the missing or empty section is the error to report
                yield from _dangling((section, i, name), _refs(entry.get(name)), ids, kind, source)
    for i, entry in sections["evidence"]:
        kind, ids = known["audiences"]
        if ids:
            refs = _refs(entry.get("audiences"))
            yield from _dangling(("evidence", i, "audiences"), refs, ids, kind, source)
    for i, entry in sections["audiences"]:
        for j, kpi in _entries(entry, "kpis"):
            if isinstance(kpi.get("benefit"), str):
                kind, ids = known["benefits"]
                path = ("audiences", i, "kpis", j, "benefit")
                yield from _dangling(path, [kpi["benefit"]], ids, kind, source, single=True)
    need = data.get("need")
    if isinstance(need, dict):
        kind, ids = known["evidence"]
        yield from _dangling(("need", "evidence"), _refs(need.get("evidence")), ids, kind, source)
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


def branding_problems(p: Proposal, loaded: LoadedProposal) -> Iterator[Problem]:
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


def language_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    languages = available_languages()
    if p.language not in languages:
        yield Problem(
            source.value(("language",)),
            "language",
            f"no message catalog for the language {quoted(p.language)}; "
            f"available: {', '.join(languages)}",
        )


def population_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
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
                yield warn(
                    source,
                    own,
                    f"stat '{stat.id}' has its own respondents but no population of its own, so "
                    f"the survey's {population:,} is not assumed for it{margin}; if its "
                    f"{stat.respondents:,} were drawn from those {population:,}, write "
                    f"`population: {population}`; if another group was asked, its size",
                    guide="margin-of-error",
                )


def financials_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
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
        # An id that is not one is reported where it is written, with the id it probably
        # means; it is never offered here as the id to cite.
        valid = [k for k in known if is_id(k)]
        invalid = {suggest_id(k): k for k in known if not is_id(k)}
        meant = ref if ref in invalid else nearest(ref, sorted(invalid))
        if meant and not nearest(ref, valid):
            rule = "ids are lowercase letters, digits and '-'"
            if meant == ref:
                message = (
                    f"no {kind} has the id {quoted(ref)} yet: write the id "
                    f"{quoted(invalid[meant])} as {quoted(meant)} ({rule})"
                )
            else:
                message = (
                    f"no {kind} has the id {quoted(ref)}; did you mean the {kind} written "
                    f"{quoted(invalid[meant])}? Write its id as {quoted(meant)} ({rule}), "
                    "and cite it so"
                )
        else:
            guess = nearest(ref, valid)
            hint = f"did you mean {quoted(guess)}? " if guess else ""
            message = (
                f"no {kind} has the id {quoted(ref)}; {hint}"
                f"Known: {listing(valid) or ('none has a valid id' if known else 'none has an id')}"
            )
        yield Problem(source.value(where), field_path(where), message)


def need_problems(p: Proposal, source: SourceMap) -> Iterator[Problem]:
    """`need.desired` must be the same kind as `need.current`: a percent against a percent,
    a number against a number, or the gap between them reads as nonsense."""
    need = p.need
    if need is None or need.current is None or need.desired is None:
        return
    if isinstance(need.current, Percent) != isinstance(need.desired, Percent):
        kind = "a percent" if isinstance(need.current, Percent) else "a number"
        path = ("need", "desired")
        yield Problem(
            source.value(path),
            field_path(path),
            f"current is {kind}, so desired must be {kind} too, found {need.desired}",
        )
