"""An installed buildcase carries every default template, stylesheet and font, and its own
documentation for `buildcase guide`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

# Builds the wheel.
pytestmark = [pytest.mark.slow]


def test_the_wheel_ships_every_template_and_the_docs(tmp_path: Path) -> None:
    # Build from a clean copy: an egg-info left by `pip install -e` would list every file
    # and hide a package-data pattern that misses some. The copy holds what git tracks, and
    # the new files it would (not those it ignores).
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("buildcase-*.whl"))
    shipped = set(zipfile.ZipFile(wheel).namelist())
    templates = ROOT / "templates"
    expected = {
        "buildcase/templates/" + p.relative_to(templates).as_posix()
        for p in templates.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected - shipped == set()
    assert "buildcase/cli.py" in shipped and "buildcase/commands/guide.py" in shipped
    docs = ROOT / "docs"
    guide = {
        "buildcase/docs/" + p.relative_to(docs).as_posix()
        for p in docs.rglob("*")
        if p.is_file() and "before" not in p.parts  # the README's pictures, not the guide's
    }
    assert "buildcase/docs/mkdocs.yml" in guide
    assert guide - shipped == set()
    assert not any(name.startswith("buildcase/docs/before/") for name in shipped)
