"""The editor schema (`buildcase schema`, proposals/schema/ written by `buildcase new`),
checked with a JSON Schema validator we did not write (jsonschema): every example proposal
passes, split files included, each file against its own schema; the documented shorthands
pass; and the bad-input corpus (tests/bad/) is refused wherever JSON Schema can say the
rule. The rules it cannot say are listed here and in docs/proposal-format.md."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from buildcase.commands.check import check_proposal
from buildcase.errors import ProposalInvalid
from buildcase.load import SECTION_FILES
from buildcase.load.yaml_source import EMPTY, Budget, SourceMap, load_file
from buildcase.models.schema import schema_file, schemas
from buildcase.workspace.layout import ROOT_FILE

from .conftest import MINIMAL

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "bad"


@functools.cache
def all_schemas() -> dict[str, Any]:
    """Every schema, made once, when a test first needs them (not at collection)."""
    return schemas()


# Bad inputs the schema accepts, and why: what only `check` can tell. Each reason is a row
# of the table "What the editor schema cannot check" in docs/proposal-format.md.
NOT_EXPRESSIBLE = {
    "references": (
        "behaviour-unknown-benefit dangling-audience-benefit dangling-audience-risk "
        "dangling-benefit-evidence dangling-benefit-goal dangling-risk-goal "
        "results-unknown-benefit evidence-unknown-audience kpi-unknown-benefit"
    ),
    "unique ids": (
        "duplicate-benefit-ids duplicate-goal-ids duplicate-risk-ids duplicate-stat-ids "
        "stat-and-evidence-share-an-id need-cause-listed-twice"
    ),
    "numbers compared": (
        "respondents-above-population respondents-above-population-four-stats "
        "stat-population-below-survey-respondents stat-respondents-above-population "
        "kpi-target-other-kind need-causes-not-100"
    ),
    "durations as time": "duration-over-ten-years duration-infinite",
    "percents as text": "benefit-decay-100",
    "not a number": "money-nan",
    "sections in files": (
        "missing-benefits missing-goals missing-prepared-by missing-risks "
        "section-given-twice section-given-twice-wrapped misnamed-section-file"
    ),
    "files read": (
        "logo-not-what-its-name-says logo-svg-entities logo-svg-event-handler "
        "logo-svg-external-link logo-svg-foreign-object logo-svg-script "
        "logo-svg-style-import logo-svg-use-bomb no-proposal-yaml "
        "logo-svg-attribute-image-set logo-svg-style-escaped-import logo-svg-style-escaped-url "
        "results-follow-up-no-such-column"
    ),
    "one field or another": "results-follow-up-without-applied need-cause-and-causes",
}
ACCEPTED = {case for cases in NOT_EXPRESSIBLE.values() for case in cases.split()}


def read_yaml(path: Path) -> Any:
    """A file as buildcase reads it (YAML 1.2: dates and `no` stay text), or None where
    the YAML itself is refused (a syntax error, an alias, a duplicate key...)."""
    problems: list[Any] = []
    data = load_file(path.parent, path, (), SourceMap(), problems, Budget())
    return None if problems or data is EMPTY else data


def schema_for(path: Path) -> dict[str, Any] | None:
    if path.name == ROOT_FILE:
        return all_schemas()[schema_file()]
    return all_schemas()[schema_file(path.stem)] if path.stem in SECTION_FILES else None


def schema_errors(folder: Path) -> list[str]:
    """What the schemas say of a proposal folder's YAML files, each against its own."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        schema = schema_for(path)
        if schema is None:
            continue
        data = read_yaml(path)
        if data is None:
            found.append(f"{path.name}: not YAML the schema can read")
            continue
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(data):
            where = ".".join(map(str, error.absolute_path))
            found.append(f"{path.name}: {where}: {error.message}")
    return found


@pytest.mark.slow
def test_every_schema_is_a_valid_json_schema() -> None:
    found = all_schemas()
    assert set(found) == {"proposal.schema.json"} | {f"{s}.schema.json" for s in SECTION_FILES}
    for schema in found.values():
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("folder", sorted((ROOT / "proposals").iterdir()), ids=lambda p: p.name)
def test_every_example_proposal_passes_split_files_included(folder: Path) -> None:
    assert schema_errors(folder) == []


def test_the_examples_use_section_files() -> None:
    split = [p for p in (ROOT / "proposals").glob("*/*.yaml") if p.name != ROOT_FILE]
    assert split, "no example has a section file: the split-file schemas go untested"


def test_the_skeleton_passes(tmp_path: Path) -> None:
    skeleton = (ROOT / "templates" / "new" / "proposal.yaml").read_text(encoding="utf-8")
    (tmp_path / ROOT_FILE).write_text(skeleton.replace("{{ slug }}", "new-one"))
    assert schema_errors(tmp_path) == []


def test_the_root_schema_requires_no_section_that_may_live_in_its_own_file() -> None:
    required = set(all_schemas()["proposal.schema.json"]["required"])
    assert required and not required & set(SECTION_FILES)


def test_every_property_has_a_description_and_an_example() -> None:
    root = all_schemas()["proposal.schema.json"]
    for name, owner in [("proposal", root), *root["$defs"].items()]:
        for key, prop in owner.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{key} has no description"
            assert prop.get("examples"), f"{name}.{key} has no example"


def nested_properties(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property at any depth: in lists, in ranges' {low, likely, high}, in if/then."""
    if isinstance(node, dict):
        for key, prop in node.get("properties", {}).items():
            yield f"{path}.{key}", prop
            yield from nested_properties(prop, f"{path}.{key}")
        for key, value in node.items():
            if key != "properties":
                yield from nested_properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from nested_properties(item, path)


def test_every_hover_says_what_the_field_means_not_only_its_kind() -> None:
    """An editor's hover on `benefits` inside an audience, or on a range's `low`, says what
    it is for, not only "Ids: a list..." or nothing at all."""
    from buildcase.models.schema import _kind_descriptions

    kinds = _kind_descriptions()
    found = list(nested_properties(all_schemas()["proposal.schema.json"]))
    assert len(found) > 150  # the walk reaches the nested fields
    for where, prop in found:
        assert prop.get("description"), f"{where} has no description"
        assert prop["description"] not in kinds, f"{where} says only its kind"
    low = [prop for where, prop in found if where.endswith(".low")]
    assert low and all("cautious" in prop["description"] for prop in low)


# The shorthands the format documents, which `check` accepts: the schema must accept them.
SHORTHANDS = {
    "one id for a list": ("goals: [retention]", "goals: retention"),
    "currency in lower case": ("organization: Acme", "organization: Acme\ncurrency: gbp"),
    "money with underscores": ("impact: 10000", "impact: 10_000"),
    "a range": ("impact: 10000", "impact: {low: 5000, likely: 10000, high: 20000}"),
    "a duration's short unit": (
        "organization: Acme",
        "organization: Acme\nrequest: {duration: 6 wks, budget: 1_000}",
    ),
    "an objection's theme in words": (
        "organization: Acme",
        "organization: Acme\nobjections:\n  - {concern: No time, answer: Short sessions, "
        "theme: Fear of failure}",
    ),
    "a month for a date": ("date: 2026-11-01", "date: 2026-11"),
    "an audience's one concern": (
        "organization: Acme",
        "organization: Acme\naudiences:\n  - {id: sales, title: Sales, cares_about: Quota, "
        "message: Hello, benefits: stay}",
    ),
}


@pytest.mark.parametrize("case", SHORTHANDS)
def test_documented_shorthands_pass_the_schema_and_check(case: str, tmp_path: Path) -> None:
    old, new = SHORTHANDS[case]
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    if "benefits: stay" in text:
        text = text.replace("  - title: New starters stay longer", "  - id: stay\n    title: x")
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ROOT_FILE).write_text(text)
    assert schema_errors(folder) == []
    try:
        check_proposal(folder)
    except ProposalInvalid as e:  # pragma: no cover - the message says what check refused
        pytest.fail("; ".join(p.message for p in e.problems))


def _bad_cases() -> list[str]:
    return sorted(
        p.name
        for p in BAD.iterdir()
        if p.is_dir() and p.name != "must-work" and not (p / "NOTE.txt").exists()
    )


@pytest.mark.parametrize("case", _bad_cases())
def test_the_schema_refuses_what_check_refuses_where_it_can(case: str) -> None:
    errors = schema_errors(BAD / case)
    if case in ACCEPTED:
        assert errors == [], f"{case} is refused now: take it out of NOT_EXPRESSIBLE"
    else:
        assert errors, f"the schema accepts {case}, which check refuses"


@pytest.mark.parametrize(
    "case", sorted(p.name for p in (BAD / "must-work").iterdir() if p.is_dir())
)
def test_the_schema_accepts_what_check_accepts(case: str) -> None:
    assert schema_errors(BAD / "must-work" / case) == []


def test_a_bad_value_is_named_not_lost_in_alternatives(tmp_path: Path) -> None:
    """The editor says what is wrong with a bad amount, not "not valid under any of the
    given schemas"."""
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ROOT_FILE).write_text(
        MINIMAL.replace("organization: Acme", "organization: Acme\nrequest: {budget: lots}")
    )
    data = read_yaml(folder / ROOT_FILE)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(all_schemas()["proposal.schema.json"]).iter_errors(data)
    )
    assert error is not None and list(error.absolute_path) == ["request", "budget"]
    assert "not valid under any" not in error.message
