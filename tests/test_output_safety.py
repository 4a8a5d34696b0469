"""Nothing of the user's is lost to a build or to `new` (issue 33): clean-up deletes only what
buildcase made and recorded, a marker found in a folder never makes it buildcase's, and `new`
never writes through a link. Each test is the attack, through the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from buildcase.write.record import LOCK, MARKER

from .conftest import MINIMAL, run_cli, write_proposal


def hidden_entries(folder: Path) -> list[str]:
    """The hidden names in `folder` besides buildcase's lock."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != LOCK)


def plant_users_entries(folder: Path, names: list[str]) -> None:
    """The user's own hidden files and folders, named as old buildcase leftovers were."""
    folder.mkdir(exist_ok=True)
    for name in names:
        if name.endswith(".tmp"):
            (folder / name).mkdir()
            (folder / name / "holiday.jpg").write_text("the only copy")
        else:
            (folder / name).write_text("the only copy")


def assert_intact(folder: Path, names: list[str]) -> None:
    for name in names:
        kept = folder / name / "holiday.jpg" if name.endswith(".tmp") else folder / name
        assert kept.read_text() == "the only copy", name


def kill_a_build_midway(out: Path) -> None:
    """What a build killed while staging leaves: a process that takes the output folder's
    lock, starts staging a site as a build does, and is killed (SIGKILL: no clean-up)."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from buildcase.write.staging import locked_output, new_staging_folder
        out = Path({str(out)!r})
        with locked_output(out):
            staged = new_staging_folder(out, "p")
            (staged / "index.html").write_text("half a site")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -9, result.stderr


USERS_ENTRIES = [".photos.20261206.tmp", ".index.html.part", ".buildcase-stage.abcdefgh.tmp"]


@pytest.mark.slow
def test_the_users_hidden_entries_survive_and_a_killed_builds_leftovers_go(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    write_proposal(workspace, MINIMAL, slug="q")  # two: the portfolio index is written too
    out = workspace / "site"
    plant_users_entries(out, USERS_ENTRIES)
    kill_a_build_midway(out)
    killed = set(hidden_entries(out)) - set(USERS_ENTRIES)
    assert killed, "the killed build left nothing to clean up"
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert_intact(out, USERS_ENTRIES)
    assert hidden_entries(out) == sorted(USERS_ENTRIES)  # the killed build's are gone
    assert (out / "p" / "index.html").is_file() and (out / "index.html").is_file()


@pytest.mark.slow
def test_the_users_hidden_folder_survives_a_build_into_the_working_folder(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    plant_users_entries(workspace, [".drafts.2026_dec.tmp"])
    code, _, err = run_cli(capsys, "build", "--out", ".")
    assert (code, err) == (0, "")
    assert_intact(workspace, [".drafts.2026_dec.tmp"])
    assert (workspace / "p" / "index.html").is_file()


@pytest.mark.slow
def test_a_leftover_replaced_by_a_link_is_not_followed(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    kill_a_build_midway(out)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text("years of notes")
    for leftover in hidden_entries(out):  # each in place of what the killed build left
        shutil.rmtree(out / leftover)
        (out / leftover).symlink_to(outside, target_is_directory=True)
    code, _, err = run_cli(capsys, "build")
    assert (code, err) == (0, "")
    assert (outside / "notes.txt").read_text() == "years of notes"


@pytest.mark.slow
def test_a_marker_planted_in_a_proposal_does_not_let_build_replace_it(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / MARKER).write_text(json.dumps({"generator": "buildcase", "proposal": "p"}))
    code, _, err = run_cli(capsys, "build", "--out", "proposals")
    assert code == 1
    assert (
        f"refusing to replace {folder}: it is the proposal folder {folder} being built; "
        "choose another --out" in err
    )
    assert "Traceback" not in err
    assert (folder / "proposal.yaml").read_text() == MINIMAL


@pytest.mark.slow
def test_an_output_folder_inside_a_proposal_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    code, _, err = run_cli(capsys, "build", "--out", "proposals/p/site")
    assert code == 1
    assert f"it is inside the proposal folder {folder} being built" in err
    assert not (folder / "site" / "p").exists()


@pytest.mark.slow
def test_a_copy_of_a_genuine_marker_does_not_make_a_folder_buildcases(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    assert run_cli(capsys, "build")[0] == 0
    (out / "p").rename(out / "p-before")  # the user keeps the old output aside ...
    (out / "p").mkdir()  # ... and puts their own folder in its place, with the marker copied
    shutil.copyfile(out / "p-before" / MARKER, out / "p" / MARKER)
    (out / "p" / "thesis.docx").write_text("years of work")
    code, _, err = run_cli(capsys, "build", "--force")
    assert code == 1
    assert f"refusing to replace {out / 'p'}: buildcase did not create it" in err
    assert (out / "p" / "thesis.docx").read_text() == "years of work"


@pytest.mark.slow
def test_a_lock_file_with_another_name_is_refused_and_left_alone(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    precious = tmp_path / "precious.txt"
    precious.write_text("years of notes\n")
    (workspace / "site").mkdir()
    os.link(precious, workspace / "site" / LOCK)  # the lock holds buildcase's record
    code, _, err = run_cli(capsys, "build")
    assert code == 1
    assert (
        f"refusing to use {workspace / 'site' / LOCK}: it is a second name (a hard link) of another file"
        in err
    )
    assert precious.read_text() == "years of notes\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "linked",
    ["proposals/schema", "proposals/schema/risks.schema.json", "proposals/proposal.schema.json"],
)
def test_new_never_writes_through_a_link(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], linked: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "risks.schema.json").write_text("mine")
    if linked != "proposals/schema":
        (workspace / "proposals" / "schema").mkdir()
    link = workspace / linked
    link.symlink_to(outside if linked.endswith("schema") else outside / "risks.schema.json")
    code, out, err = run_cli(capsys, "new", "fresh")
    assert code == 2 and out == ""
    assert err == (
        f"buildcase: error: refusing to write {link}: it is a symbolic link, and "
        "`buildcase new` never writes through one; remove it\n"
    )
    assert sorted(p.name for p in outside.iterdir()) == ["risks.schema.json"]
    assert (outside / "risks.schema.json").read_text() == "mine"
    assert not (workspace / "proposals" / "fresh").exists()


@pytest.mark.slow
def test_new_does_not_write_through_a_dangling_link_to_mkdocs_yml(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "mkdocs.yml").symlink_to(tmp_path / "elsewhere.yml")
    code, _, err = run_cli(capsys, "new", "fresh")
    assert (code, err) == (0, "")
    assert not (tmp_path / "elsewhere.yml").exists()
    assert (workspace / "proposals" / "fresh" / "proposal.yaml").is_file()
