"""Shared fixtures: real proposals copied into temporary folders, and the CLI run in-process."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from buildcase.cli import main

from .browser.helpers import browser  # noqa: F401 (the fixture, for every browser test)

ROOT = Path(__file__).resolve().parent.parent
PROPOSALS = ROOT / "proposals"
REFERENCE = PROPOSALS / "social-media-training"

# A small valid proposal: only the required sections.
MINIMAL = """\
title: Onboarding training
organization: Acme
prepared_by:
  name: Ann Lee
  role: L&D lead
date: 2026-11-01
summary: Train new starters.
goals:
  - id: retention
    title: Keep our people
benefits:
  - title: New starters stay longer
    goals: [retention]
risks:
  - title: New starters leave
    likelihood: 30%
    impact: 10000
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace folder that is also the working folder."""
    (tmp_path / "proposals").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_proposal(workspace: Path, text: str, slug: str = "p", **files: str) -> Path:
    """A proposal folder with `proposal.yaml` (dedented) and any section files."""
    folder = workspace / "proposals" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "proposal.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    for name, content in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(content), encoding="utf-8")
    return folder


def copy_reference(workspace: Path) -> Path:
    target = workspace / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, target)
    return target


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `buildcase ARGS` in this process: exit code, stdout, stderr."""
    try:
        code = main(list(args))
    except SystemExit as e:  # argparse exits for usage errors and --help
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --- test tiers (pyproject.toml lists the markers; CONTRIBUTING.md describes the tiers) ---

SLOW_TIERS = ("browser", "lighthouse", "pdf")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the tiers consistent whatever a module forgot: a test that uses the `browser`
    fixture is a browser test, and every browser, Lighthouse and PDF test is slow, so that
    `pytest -m "not slow"` never starts Chromium or lays out a whole handout."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "browser"
        ):
            item.add_marker(pytest.mark.browser)
        if not item.get_closest_marker("slow") and any(
            item.get_closest_marker(tier) for tier in SLOW_TIERS
        ):
            item.add_marker(pytest.mark.slow)


# --- format 1.2's department heads, built once for every test that reads them ------------

DEPARTMENTS = ROOT / "tests" / "proposals" / "departments"


@pytest.fixture(scope="session")
def departments_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/proposals/departments built through the command line, once a session: the
    site, its handouts and decks, for tests to read (never to change)."""
    import os
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("departments-site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", str(DEPARTMENTS), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out / DEPARTMENTS.name


def is_approved(folder: Path) -> bool:
    """Whether an example's budget is already approved (format 1.2, `request.approved`):
    its outputs ask for commitments, never for money."""
    import yaml

    data = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    request = data.get("request") or {}
    return bool(request.get("approved"))


# --- every example built once, for every test that only reads what a build wrote ----------


@pytest.fixture(scope="session")
def examples_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every example in proposals/ built through the command line, once a session, as a
    user builds them all: their sites, handouts, decks and the decks' PDFs, for tests to
    read (never to change). One folder per example, by its name."""
    import os
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("examples-site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out
