"""An installed buildcase carries every default template, stylesheet and font."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_the_wheel_ships_every_template(tmp_path: Path) -> None:
    # Build from a clean copy: an egg-info left by `pip install -e` would list every file
    # and hide a package-data pattern that misses some.
    source = tmp_path / "source"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.splitlines()
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
    assert "buildcase/cli.py" in shipped
