"""The docs stay honest: the README and the format reference match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from buildcase.models import Proposal
from buildcase.validate.kinds import model_in

from .conftest import REFERENCE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FORMAT = (ROOT / "docs" / "proposal-format.md").read_text(encoding="utf-8")


def all_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        inner = model_in(field.annotation)
        if inner is not None and inner not in found:
            found += [m for m in all_models(inner) if m not in found]
    return found


@pytest.mark.parametrize("command", ["new", "check", "build", "serve", "schema"])
def test_readme_documents_every_command(command: str) -> None:
    assert f"`buildcase {command}" in README


def test_readme_set_up_commands_exist_and_ci_runs_the_test_one() -> None:
    assert "./run build" in README and "./run test" in README
    assert "./run test" in (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*build\)", (ROOT / "run").read_text(), re.M)


def test_format_reference_names_every_field() -> None:
    for model in all_models(Proposal):
        for name in model.model_fields:
            assert f"`{name}`" in FORMAT, f"{model.__name__}.{name} is not documented"


def test_readme_lists_the_sections() -> None:
    for name in Proposal.model_fields:
        assert f"`{name}`" in README, name


def test_readme_pictures_exist() -> None:
    for picture in re.findall(r"\]\((docs/[^)]+\.png)\)", README):
        assert (ROOT / picture).is_file(), picture


def test_the_reference_proposal_is_the_shared_one_unchanged() -> None:
    shared = ROOT.parent / "shared" / "examples" / "social-media-training" / "proposal.yaml"
    if not shared.is_file():
        pytest.skip("../shared is not beside this checkout")
    assert yaml.safe_load((REFERENCE / "proposal.yaml").read_text()) == yaml.safe_load(
        shared.read_text()
    )
    assert [p.name for p in REFERENCE.iterdir()] == ["proposal.yaml"]


def test_workspace_mkdocs_yml_is_the_shipped_default() -> None:
    # `buildcase new` gives a new folder the shipped one; this repository uses the same.
    assert Path(ROOT / "mkdocs.yml").read_text() == (ROOT / "templates" / "mkdocs.yml").read_text()
