"""Stage 1, load: read a proposal folder's files into plain data, remembering where every
value came from: `proposal.yaml`, the section files beside it, and the survey's CSV.

`yaml_source` reads YAML with positions; `files` reads what the proposal names, inside
its folder. Nothing here judges the values: that is the validate stage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildcase.errors import Location, Problem, ProposalInvalid, nearest
from buildcase.load.files import Unreadable, decode_text, load_table, read_inside
from buildcase.load.templates import refused_entries
from buildcase.load.yaml_source import (
    EMPTY,
    Budget,
    Path_,
    SourceMap,
    field_path,
    load_file,
    not_a_mapping,
)
from buildcase.workspace.layout import ROOT_FILE

__all__ = [
    "SECTION_FILES",
    "LoadedProposal",
    "Path_",
    "SourceMap",
    "Unreadable",
    "decode_text",
    "field_path",
    "load_proposal",
    "read_inside",
]


# Sections that may live in a file of their own, named after them, beside proposal.yaml.
SECTION_FILES = (
    "prepared_by",
    "request",
    "champion",
    "survey",
    "evidence",
    "goals",
    "benefits",
    "risks",
    "costs",
    "audiences",
    "objections",
    "plan",
    "measures",
    "need",
    "behaviours",
    "support",
    "results",
)


@dataclass
class LoadedProposal:
    slug: str
    folder: Path
    data: dict[str, Any]
    source: SourceMap
    files: list[Path]
    warnings: list[Problem] = field(default_factory=list)  # doubtful, not wrong
    # The survey's data file, by the name `survey.data` gives it: column -> answers; and
    # the results' follow-up survey (`results.follow_up.data`).
    tables: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def load_proposal(folder: Path) -> LoadedProposal:
    """Read `folder/proposal.yaml` and any section files beside it into one mapping.

    Raises ProposalInvalid with every problem found in the folder's files.
    """
    folder = Path(folder)
    root_path = folder / ROOT_FILE
    if not os.path.lexists(root_path):  # a link to nothing is found, and said so, below
        raise ProposalInvalid(
            [Problem(Location(root_path), "", f"no {ROOT_FILE} in this proposal folder")]
        )
    source = SourceMap()
    problems: list[Problem] = []
    files = [root_path]
    budget = Budget()
    data = load_file(folder, root_path, (), source, problems, budget)
    if data is EMPTY or (data is None and not problems):
        problems.append(Problem(Location(root_path), "", _empty_message(root_path, budget)))
    elif data is not None and not isinstance(data, dict):
        problems.append(not_a_mapping(root_path, data))
    data = data if isinstance(data, dict) else {}

    for name in SECTION_FILES:
        path = folder / f"{name}.yaml"
        if not os.path.lexists(path) or budget.spent:
            continue
        files.append(path)
        section_source = SourceMap()
        value = _load_section_file(folder, path, name, section_source, problems, budget)
        if value is _MISSING:
            continue
        if name in data:
            first = source.key((name,))
            problems.append(
                Problem(
                    Location(path),
                    name,
                    f"section '{name}' is given twice: here and in "
                    f"{first.file.name} (line {first.line})",
                )
            )
            continue
        data[name] = value
        source.values.update(section_source.values)
        source.keys.update(section_source.keys)
    problems.extend(_stray_yaml_files(folder))
    problems.extend(_own_templates_problems(folder))
    tables = _survey_tables(folder, data, source, problems)
    if any(p.severity == "error" for p in problems):
        raise ProposalInvalid(problems)
    return LoadedProposal(folder.name, folder, data, source, files, problems, tables)


def _survey_tables(
    folder: Path, data: dict[str, Any], source: SourceMap, problems: list[Problem]
) -> dict[str, dict[str, list[str]]]:
    """The survey's CSV and the results' follow-up CSV, read now so that later stages never
    touch the folder; a `data` that is not a file name is left for the validate stage."""
    tables: dict[str, dict[str, list[str]]] = {}
    for path in (("survey", "data"), ("results", "follow_up", "data")):
        section: Any = data
        for key in path[:-1]:
            section = section.get(key) if isinstance(section, dict) else None
        name = section.get(path[-1]) if isinstance(section, dict) else None
        if not isinstance(name, str) or not name.strip() or name in tables:
            continue
        try:
            tables[name] = load_table(folder, name, source.value(path), field_path(path))
        except ProposalInvalid as e:
            problems.extend(e.problems)
    return tables


_MISSING = object()


def _load_section_file(
    folder: Path,
    path: Path,
    name: str,
    source: SourceMap,
    problems: list[Problem],
    budget: Budget,
) -> Any:
    """A section file holds the section's value, or a mapping with the section as its one key."""
    content = load_file(folder, path, (name,), source, problems, budget)
    if content is EMPTY or content is None:
        if not any(p.location.file == path for p in problems):
            problems.append(Problem(Location(path), name, _empty_message(path, budget)))
        return _MISSING
    if isinstance(content, dict) and list(content) == [name]:
        _unwrap_source(source, name)
        return content[name]
    return content


def _empty_message(path: Path, budget: Budget) -> str:
    what = "holds only comments" if budget.texts.get(path, "").strip() else "is empty"
    if path.name == ROOT_FILE:
        return f"the file {what}; `buildcase new SLUG` writes a proposal to start from"
    return f"the file {what}; write the section in it, or delete the file"


def _unwrap_source(source: SourceMap, name: str) -> None:
    """Re-key locations read as (name, name, ...) to (name, ...)."""
    for table in (source.values, source.keys):
        for path in [p for p in table if len(p) >= 2 and p[:2] == (name, name)]:
            unwrapped = (name, *path[2:])
            table[unwrapped] = table.pop(path)


def _stray_yaml_files(folder: Path) -> list[Problem]:
    """Warn about YAML files that look like misnamed section files: they are never read."""
    known = {ROOT_FILE, *(f"{n}.yaml" for n in SECTION_FILES)}
    problems = []
    for path in sorted(folder.glob("*.y*ml")):
        if path.name in known:
            continue
        guess = nearest(path.name, sorted(known))
        hint = f"; did you mean {guess}?" if guess else ""
        problems.append(
            Problem(Location(path), "", f"this file is not read{hint}", "warning", "section-files")
        )
    return problems


def _own_templates_problems(folder: Path) -> list[Problem]:
    """What the sandbox's loader would refuse in a proposal's own `templates/`: the folder
    itself a link or a file, a link, a FIFO or a file too large inside it
    (`load.templates.refused_entries`). Refused here, while loading, so that `check` and
    `build` both say so, in the same words, before any template is rendered."""
    own = folder / "templates"
    if not os.path.lexists(own):
        return []
    return [Problem(Location(path), "templates", why) for path, why in refused_entries(own)]
