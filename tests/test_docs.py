"""The docs stay honest: the README and the format reference match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from buildcase.commands.guide import TOPICS
from buildcase.models.sections import Proposal
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


@pytest.mark.parametrize("command", ["new", "check", "build", "serve", "schema", "guide"])
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


# --- every pointer leads somewhere ----------------------------------------------------------

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def relative_links(document: Path) -> list[str]:
    """The relative link targets of a Markdown file, outside code blocks, anchors cut."""
    text = _FENCE.sub("", document.read_text(encoding="utf-8"))
    targets = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # a web address, mailto:, or an anchor on the same page
        targets.append(target.split("#", 1)[0])
    return targets


@pytest.mark.parametrize("document", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_or_folder(document: Path) -> None:
    missing = [t for t in relative_links(document) if not (document.parent / t).exists()]
    assert missing == [], f"{document.relative_to(ROOT)} links to what is not there: {missing}"


def test_the_links_are_found() -> None:
    assert "docs/proposal-format.md" in relative_links(ROOT / "README.md")


def test_the_format_reference_names_no_file_outside_the_repository() -> None:
    # Paths named in backticks that look like files of this repository must exist.
    for path in re.findall(r"`((?:proposals|examples|docs|templates)/[^`*<>]+?)`", FORMAT):
        if "<" in path or "schema" in path:
            continue  # a pattern (`proposals/<slug>/`), or what `new` writes
        assert (ROOT / path).exists(), path


def test_the_skeleton_points_to_what_its_author_has() -> None:
    """The new proposal's comments name commands the author can run wherever buildcase is
    installed, never a file of buildcase's source, which an installed buildcase lacks."""
    skeleton = (ROOT / "templates" / "new" / "proposal.yaml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in skeleton.splitlines() if line.lstrip().startswith("#"))
    assert "README" not in comments
    assert re.findall(r"\bdocs/[\w./-]+", comments) == []
    assert "`buildcase --help`" in comments and "`buildcase schema`" in comments
    assert "`buildcase guide format`" in comments
    for topic in re.findall(r"`buildcase guide ([a-z-]+)`", comments):
        assert topic in TOPICS, topic
