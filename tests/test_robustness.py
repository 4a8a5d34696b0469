"""Untrusted proposals: nothing leaks, nothing is lost, the same input gives the same output."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest

from buildcase.build import build
from buildcase.write import LOCK

from .conftest import MINIMAL, ROOT, copy_reference, write_proposal


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_handout_fetches_nothing_outside_its_folders(workspace: Path, tmp_path: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    secret = tmp_path / "secret.png"
    secret.write_bytes((ROOT / "docs" / "start-page.png").read_bytes())
    shipped = (ROOT / "templates" / "handout" / "handout.html.j2").read_text()
    hostile = (
        '<img src="file:///etc/passwd"><img src="' + secret.as_uri() + '">'
        '<img src="http://127.0.0.1:9/tracker.png">'
        '<style>@import url("http://127.0.0.1:9/evil.css"); body { background: url("file:///etc/hostname") }</style>'
    )
    override = workspace / "templates" / "handout" / "handout.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text(shipped.replace("<body>", "<body>" + hostile))
    report = build([folder], workspace, workspace / "site")
    warnings = "\n".join(report.built[0].warnings)
    for url in ("file:///etc/passwd", secret.as_uri(), "http://127.0.0.1:9/tracker.png",
                "http://127.0.0.1:9/evil.css", "file:///etc/hostname"):  # fmt: skip
        assert f"refused to load {url}" in warnings
    pdf = pypdf.PdfReader(workspace / "site" / "p" / "handout.pdf")
    assert not any(
        "/Image" in str(page.get("/Resources", {}).get("/XObject", {})) for page in pdf.pages
    )
    assert "root:" not in "".join(page.extract_text() for page in pdf.pages)


HOSTILE = {
    "title": "'Plan</title><script>alert(1)</script>'",
    "organization": "'Acme <img src=x onerror=alert(2)>'",
    "summary": '\'[click](javascript:alert(3)) </style><style>*{display:none}</style> <a href="x" onclick="alert(4)">a</a>\'',
}


def test_hostile_text_is_inert_in_every_output(workspace: Path) -> None:
    text = MINIMAL
    for field, value in HOSTILE.items():
        text = re.sub(rf"^{field}: .*$", f"{field}: {value}", text, flags=re.M)
    folder = write_proposal(workspace, text)
    report = build([folder], workspace, workspace / "site")
    assert report.failed == []
    for page in (workspace / "site" / "p").glob("*.html"):
        raw = page.read_text(encoding="utf-8")
        # The payloads may appear as escaped text, never as markup.
        for tag in (r"<script>alert", r"<img[^>]*onerror", r"<a[^>]*onclick", r"<style>\*\{display",
                    r"href=\"javascript:"):  # fmt: skip
            assert not re.search(tag, raw), (page.name, tag)
    pdf = pypdf.PdfReader(workspace / "site" / "p" / "handout.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "<script>alert(1)</script>" in text  # shown as the text it is
    assert "*{display:none}" in text


def test_a_killed_build_leaves_the_previous_output_as_it_was(workspace: Path) -> None:
    folder = copy_reference(workspace)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    before = files_of(out / folder.name)
    yaml = folder / "proposal.yaml"
    yaml.write_text(yaml.read_text().replace("Social media training for every employee", "Changed"))
    child = subprocess.Popen(
        [sys.executable, "-m", "buildcase", "build", str(folder), "--out", str(out)],
        cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not list(out.glob(f".{folder.name}.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(out.glob(f".{folder.name}.*.tmp")), "the build never started staging"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert files_of(out / folder.name) == before
    # The next build cleans what the killed one left and publishes the change.
    assert build([folder], workspace, out).failed == []
    assert not list(out.glob(".*.tmp*"))
    assert "Changed" in (out / folder.name / "index.html").read_text()


def test_a_second_build_of_the_same_output_waits_its_turn(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    before = files_of(out / "p")
    with open(out / LOCK, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another build in progress
        result = subprocess.run(
            [sys.executable, "-m", "buildcase", "build", str(folder), "--out", str(out)],
            cwd=workspace, capture_output=True, text=True,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"another buildcase build is writing to {out}; wait for it to finish" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_of(out / "p") == before


def test_building_twice_gives_identical_bytes(workspace: Path) -> None:
    folder = copy_reference(workspace)
    build([folder], workspace, workspace / "one")
    build([folder], workspace, workspace / "two")
    one, two = files_of(workspace / "one" / folder.name), files_of(workspace / "two" / folder.name)
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_source_date_epoch_sets_the_stated_dates(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    build([folder], workspace, workspace / "site")
    pdf = pypdf.PdfReader(workspace / "site" / "p" / "handout.pdf")
    assert pdf.metadata["/CreationDate"].startswith("D:20231114")
    assert pdf.metadata["/ModDate"].startswith("D:20231114")


def test_nothing_outside_the_out_folder_is_touched_when_a_proposal_is_named_like_a_folder(
    workspace: Path,
) -> None:
    folder = write_proposal(workspace, MINIMAL, slug="proposals")
    report = build([folder], workspace, workspace)  # --out . : proposals/ is not buildcase's
    assert "refusing to replace" in str(report.failed[0].error)
    assert (workspace / "proposals" / "proposals" / "proposal.yaml").is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="atomic exchange is Linux's")
def test_the_swap_is_atomic_on_linux() -> None:
    from buildcase import write

    assert write._renameat2 is not None
    assert os.name == "posix"
