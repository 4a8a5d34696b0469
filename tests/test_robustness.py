"""Untrusted proposals: nothing leaks, nothing is lost, the same input gives the same output."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest

from buildcase.commands.build import build
from buildcase.errors import OutputError
from buildcase.write.record import LOCK

from .conftest import MINIMAL, REFERENCE, ROOT, copy_reference, run_cli, write_proposal


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.slow
@pytest.mark.pdf
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


@pytest.mark.slow
@pytest.mark.pdf
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


def leftovers(out: Path) -> list[str]:
    """What a build may leave in its output folder besides the outputs: only its lock."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.name != LOCK)


def staging_started(out: Path) -> bool:
    """Whether a build is writing a site into a hidden folder of `out`."""
    try:
        return any(
            any(p.rglob("*.html")) for p in out.iterdir() if p.name.startswith(".") and p.is_dir()
        )
    except OSError:  # a folder went away while we looked
        return False


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def start_build(folder: Path, out: Path, tmp: Path) -> subprocess.Popen[str]:
    """`buildcase build FOLDER --out OUT` in a process of its own, its TMPDIR private."""
    return subprocess.Popen(
        [sys.executable, "-m", "buildcase", "build", str(folder), "--out", str(out)],
        cwd=folder.parent.parent, env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def assert_staging_starts(child: subprocess.Popen[str], out: Path) -> None:
    if not wait_for(lambda: staging_started(out), 120) or child.poll() is not None:
        child.kill()
        pytest.fail(f"the build never started staging: {child.communicate()[1]}")


def edited_reference(workspace: Path, name: str) -> tuple[Path, Path, dict[str, bytes]]:
    """The reference proposal, built once into site/ under `name`, then edited: its
    folder, the output folder, and the files of its first output."""
    folder = workspace / "proposals" / name
    shutil.copytree(REFERENCE, folder)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    yaml = folder / "proposal.yaml"
    yaml.write_text(yaml.read_text().replace("Social media training for every employee", "Changed"))
    return folder, out, files_of(out / name)


@pytest.mark.slow
def test_a_killed_build_of_any_folder_name_leaves_nothing_after_the_next_build(
    workspace: Path, tmp_path: Path
) -> None:
    folder, out, before = edited_reference(workspace, "Kill Me")  # not a web-address slug
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir()
    child = start_build(folder, out, private_tmp)
    assert_staging_starts(child, out)
    child.kill()
    child.communicate(timeout=60)
    assert files_of(out / folder.name) == before
    # The next build cleans what the killed one left and publishes the change.
    assert build([folder], workspace, out).failed == []
    assert leftovers(out) == []
    assert list(private_tmp.iterdir()) == []  # nothing of it in /tmp either
    assert "Changed" in (out / folder.name / "index.html").read_text()


@pytest.mark.slow
def test_a_terminated_build_cleans_up_at_once_and_keeps_the_previous_output(
    workspace: Path, tmp_path: Path
) -> None:
    folder, out, before = edited_reference(workspace, "social-media-training")
    private_tmp = tmp_path / "tmpdir"
    private_tmp.mkdir()
    child = start_build(folder, out, private_tmp)
    assert_staging_starts(child, out)
    child.terminate()
    _, err = child.communicate(timeout=60)
    assert files_of(out / folder.name) == before
    assert leftovers(out) == []  # without waiting for a next build
    assert list(private_tmp.iterdir()) == []
    assert child.returncode == 128 + signal.SIGTERM
    assert "interrupted; earlier output is unchanged" in err
    assert "Traceback" not in err


@pytest.mark.slow
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


@pytest.mark.slow
def test_building_twice_gives_identical_bytes(workspace: Path) -> None:
    folder = copy_reference(workspace)
    build([folder], workspace, workspace / "one")
    build([folder], workspace, workspace / "two")
    one, two = files_of(workspace / "one" / folder.name), files_of(workspace / "two" / folder.name)
    assert one.keys() == two.keys()
    # .buildcase is the build's record of this very folder (a random token proves the
    # folder is the one buildcase made): the only file that differs, by design.
    assert [name for name in one if one[name] != two[name]] == [".buildcase"]
    record_one, record_two = (json.loads(d[".buildcase"]) for d in (one, two))
    assert record_one["inputs"] == record_two["inputs"]


@pytest.mark.slow
@pytest.mark.pdf
def test_source_date_epoch_sets_the_stated_dates(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    build([folder], workspace, workspace / "site")
    pdf = pypdf.PdfReader(workspace / "site" / "p" / "handout.pdf")
    assert pdf.metadata["/CreationDate"].startswith("D:20231114")
    assert pdf.metadata["/ModDate"].startswith("D:20231114")


@pytest.mark.slow
def test_nothing_outside_the_out_folder_is_touched_when_a_proposal_is_named_like_a_folder(
    workspace: Path,
) -> None:
    folder = write_proposal(workspace, MINIMAL, slug="proposals")
    report = build([folder], workspace, workspace)  # --out . : proposals/ is not buildcase's
    assert "refusing to replace" in str(report.failed[0].error)
    assert (workspace / "proposals" / "proposals" / "proposal.yaml").is_file()


def full_disk(error: int) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error))

    return fail


@pytest.mark.slow
@pytest.mark.parametrize(
    "module, function",
    [("buildcase.write.output", "_exchange"), ("buildcase.engines.mkdocs", "build_site")],
)
def test_a_failure_between_staging_and_swap_keeps_the_previous_output(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, module: str, function: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    inode, before = (out / "p").stat().st_ino, files_of(out / "p")
    monkeypatch.setattr(f"{module}.{function}", full_disk(errno.ENOSPC))
    report = build([folder], workspace, out, force=True, jobs=1)  # jobs=1: in this process
    [failed] = report.failed
    assert isinstance(failed.error, OutputError)
    assert str(failed.error) == f"cannot write {out / 'p'}: No space left on device"
    assert (out / "p").stat().st_ino == inode
    assert files_of(out / "p") == before
    assert leftovers(out) == []


@pytest.mark.slow
def test_the_fingerprint_of_a_huge_file_costs_no_more_than_its_size(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    huge = folder / "recording.bin"
    huge.touch()
    os.truncate(huge, 2**30)  # 1 GB, sparse: costs no disk
    first = fingerprint_in_1_5_gb(folder, workspace)
    os.truncate(huge, 2**30 + 1)
    assert fingerprint_in_1_5_gb(folder, workspace) != first  # a change still rebuilds


@pytest.mark.slow
def test_the_fingerprint_does_not_follow_a_link_out_of_the_proposal(
    workspace: Path, tmp_path: Path
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    outside = tmp_path / "outside.bin"
    outside.touch()
    os.truncate(outside, 2**30)
    (folder / "data.csv").symlink_to(outside)
    fingerprint_in_1_5_gb(folder, workspace)


def fingerprint_in_1_5_gb(folder: Path, workspace: Path) -> str:
    """The proposal's inputs fingerprint, taken in a process limited to 1.5 GB."""
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**29, 3 * 2**29))
        from buildcase.pipeline import Options, inputs_fingerprint
        workspace = Path({str(workspace)!r})
        print(inputs_fingerprint(Path({str(folder)!r}), Options(workspace, workspace / "site")))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


@pytest.mark.slow
def test_the_portfolio_replaces_only_an_index_buildcase_wrote(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    write_proposal(workspace, MINIMAL.replace("Onboarding training", "Induction"), slug="q")
    assert run_cli(capsys, "build")[0] == 0
    index = workspace / "site" / "index.html"
    ours = index.read_text()
    assert "Onboarding training" in ours and "Induction" in ours
    index.write_text(ours.replace("Induction", "Stale"))
    assert run_cli(capsys, "build")[0] == 0
    assert index.read_text() == ours  # buildcase's own index is rewritten
    index.write_text("<h1>Our team's start page</h1>\n")
    code, _, err = run_cli(capsys, "build")
    assert code == 1
    assert f"refusing to replace {index}: buildcase did not write it" in err
    assert "--out" in err
    assert index.read_text() == "<h1>Our team's start page</h1>\n"


@pytest.mark.slow
def test_a_lock_planted_as_a_link_is_refused_and_its_target_untouched(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    precious = tmp_path / "precious.txt"
    precious.write_text("years of notes\n")
    (workspace / "site").mkdir()
    (workspace / "site" / LOCK).symlink_to(precious)
    code, _, err = run_cli(capsys, "build")
    assert code == 1
    assert f"refusing to use {workspace / 'site' / LOCK}: it is a symbolic link" in err
    assert precious.read_text() == "years of notes\n"
    assert not (workspace / "site" / "p").exists()


@pytest.mark.slow
def test_a_proposal_named_like_the_portfolio_is_refused_before_building(
    workspace: Path,
) -> None:
    named_index = write_proposal(workspace, MINIMAL, slug="index.html")
    other = write_proposal(workspace, MINIMAL, slug="p")
    report = build([named_index, other], workspace, workspace / "site")
    [failed] = report.failed
    assert failed.folder == named_index
    assert str(failed.error).startswith(f"{named_index}: a proposal folder cannot be named")
    assert [b.slug for b in report.built] == ["p"]
    assert (workspace / "site" / "index.html").is_file()  # the portfolio, in its place


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a file system for a test (tests run as root); skip where that is not allowed."""
    points: list[Path] = []

    def mount(point: Path, *args: str) -> Path:
        point.mkdir(exist_ok=True)
        result = subprocess.run(["mount", *args, str(point)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount here: {result.stderr.strip()}")
        points.append(point)
        return point

    yield mount
    for point in reversed(points):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_is_an_error_naming_the_output_and_keeps_the_previous_one(
    workspace: Path, mounted: Callable[..., Path]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    out = mounted(workspace / "site", "-t", "tmpfs", "-o", "size=24m", "tmpfs")
    assert build([folder], workspace, out).failed == []
    before = files_of(out / "p")
    filler = out / "filler"
    with filler.open("wb") as f:  # leave 64 KB free
        f.write(b"\0" * (shutil.disk_usage(out).free - 64 * 1024))
    report = build([folder], workspace, out, force=True)
    [failed] = report.failed
    assert str(failed.error) == f"cannot write {out / 'p'}: No space left on device"
    assert files_of(out / "p") == before
    assert leftovers(out) == []


@pytest.mark.slow
def test_a_read_only_output_folder_is_an_error_naming_it(
    workspace: Path, mounted: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    assert build([folder], workspace, out).failed == []
    before = files_of(out / "p")
    mounted(out, "--bind", str(out))
    mounted(out, "-o", "remount,bind,ro")
    code, _, err = run_cli(capsys, "build", "--force")
    assert code == 1
    assert (
        err == f"buildcase: error: cannot write to the output folder {out}: Read-only file system\n"
    )
    assert files_of(out / "p") == before


@pytest.mark.slow
def test_a_published_site_is_readable_as_the_umask_allows(workspace: Path) -> None:
    """A web server running as another user must be able to serve the site: the staging
    folder's private mode must not survive into the published output."""
    folder = write_proposal(workspace, MINIMAL)
    previous = os.umask(0o022)
    try:
        assert not build([folder], workspace, workspace / "site").failed
    finally:
        os.umask(previous)
    assert (workspace / "site" / "p").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("epoch", ["99999999999", "-5", "yesterday"])
def test_a_source_date_epoch_out_of_range_is_a_one_line_error(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], epoch: str
) -> None:
    from .conftest import run_cli

    folder = write_proposal(workspace, MINIMAL)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    code, _, err = run_cli(capsys, "build", str(folder))
    assert code == 1
    assert f"SOURCE_DATE_EPOCH={epoch} is not a moment buildcase can state" in err
    assert "internal error" not in err and "Traceback" not in err
