"""The command line: exit codes, message format, and each command's behaviour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from buildcase.models.sections import Proposal

from .conftest import MINIMAL, ROOT, copy_reference, run_cli, write_proposal

COMMANDS = ["new", "check", "build", "serve", "schema", "guide"]


def test_check_of_every_example_passes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run_cli(capsys, "check")
    assert code == 0
    n = sum((p / "proposal.yaml").is_file() for p in (ROOT / "proposals").iterdir())
    assert n >= 4  # the reference and the three examples of the README
    assert out.strip().startswith(f"checked {n} proposals: {n} ok, 0 with errors")
    assert ": error: " not in err


def test_check_prints_located_errors_and_exits_1(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL.replace("likelihood: 30%", "likelihood: 30"))
    code, out, err = run_cli(capsys, "check")
    assert code == 1
    assert err.splitlines() == [
        "proposals/p/proposal.yaml:16:17: error: risks[0].likelihood: expected a percent such as '30%', found 30"
    ]
    assert "1 with errors" in out


def test_strict_check_fails_on_warnings(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL.replace("    likelihood: 30%\n    impact: 10000\n", ""))
    assert run_cli(capsys, "check")[0] == 0
    code, _, err = run_cli(capsys, "check", "--strict")
    assert code == 1 and ": error: risks[0]: this risk has neither" in err
    # the error keeps the warning's pointer to the guide, on the line beneath it
    assert err.splitlines()[1] == "    guide: buildcase guide cost-of-doing-nothing"


def test_usage_errors_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "frobnicate")[0] == 2
    code, _, err = run_cli(capsys, "build", "no/such/folder")
    assert code == 2 and "no/such/folder: no such proposal folder" in err
    assert run_cli(capsys, "build", "--paper", "a3")[0] == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = run_cli(capsys, command, "--help")
    assert code == 0 and out.startswith(f"usage: buildcase {command}")


@pytest.mark.slow
def test_build_ends_with_a_one_line_summary(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    code, out, _ = run_cli(capsys, "build", "--out", "public")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(
        "built p: public/p/index.html (5 pages), public/p/handout.pdf (1 page), "
        "public/p/present.html and .pdf, deck.pptx, model.xlsx in "
    )
    assert re.fullmatch(
        r"1 proposal into public/ in [\d.]+ s: 1 built, 0 unchanged, 0 failed", lines[-1]
    )
    for name in ("index.html", "handout.pdf", "present.html", "present.pdf"):
        assert (workspace / "public" / "p" / name).is_file()


@pytest.mark.slow
def test_a_failed_proposal_does_not_stop_the_others(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL, slug="good")
    write_proposal(workspace, MINIMAL.replace("date: 2026-11-01", "date: soon"), slug="bad")
    code, out, err = run_cli(capsys, "build")
    assert code == 1
    assert "proposals/bad/proposal.yaml:6:7: error: date: expected a date" in err
    assert "failed proposals/bad: its earlier output is unchanged" in err
    assert re.fullmatch(
        r"2 proposals into site/ in [\d.]+ s: 1 built, 0 unchanged, 1 failed", out.splitlines()[-1]
    )
    assert (
        "[1/2] failed bad" in err and "[2/2] built good" in err
    )  # progress, plainly when not a terminal
    assert (workspace / "site" / "good" / "handout.pdf").is_file()


@pytest.mark.slow
def test_new_sets_up_a_folder_and_writes_a_valid_proposal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "new", "manager-coaching")
    assert code == 0 and "created proposals/manager-coaching/proposal.yaml" in out
    text = (tmp_path / "proposals/manager-coaching/proposal.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/proposal.schema.json\n")
    schema = json.loads((tmp_path / "proposals/schema/proposal.schema.json").read_text())
    assert schema["properties"].keys() == Proposal.model_fields.keys()
    # the path earlier releases wrote, kept for editors set up to read it there
    assert json.loads((tmp_path / "proposals/proposal.schema.json").read_text()) == schema
    risks = json.loads((tmp_path / "proposals/schema/risks.schema.json").read_text())
    assert risks["else"] == schema["properties"]["risks"]
    # every YAML file `new` writes names its schema on its first line
    for written in (tmp_path / "mkdocs.yml", tmp_path / "proposals/manager-coaching/proposal.yaml"):
        assert written.read_text().startswith("# yaml-language-server: $schema=")
    code, _, err = run_cli(capsys, "check", "--strict")
    assert (code, err) == (0, "")
    code, _, err = run_cli(capsys, "build")
    assert code == 0 and err == ""


def test_new_never_overwrites(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_proposal(workspace, MINIMAL, slug="mine")
    code, _, err = run_cli(capsys, "new", "mine")
    assert code == 2 and "already exists; buildcase new never overwrites" in err
    assert (folder / "proposal.yaml").read_text() == MINIMAL
    assert run_cli(capsys, "new", "Not A Slug")[0] == 2


def test_schema_describes_the_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    # goals, benefits, risks and prepared_by are required too, but may live in files of
    # their own: `check` says when one is missing; the schema of proposal.yaml cannot.
    assert set(schema["required"]) == {"title", "organization", "date", "summary"}
    risk = schema["$defs"]["Risk"]["properties"]
    assert risk["likelihood"]["else"]["else"]["pattern"].endswith("%\\s*$")


def test_schema_of_a_section_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema", "--section", "risks")
    schema = json.loads(out)
    assert code == 0 and schema["title"].endswith("(risks.yaml)")
    assert schema["else"]["type"] == "array"  # the list, or `risks:` and the list
    assert schema["then"]["properties"]["risks"] == schema["else"]
    code, _, err = run_cli(capsys, "schema", "--section", "risk")
    assert code == 2 and "invalid choice: 'risk'" in err


def test_the_installed_command_runs_without_a_traceback(workspace: Path) -> None:
    write_proposal(workspace, "title: [unclosed\n")
    result = subprocess.run(
        [sys.executable, "-m", "buildcase", "check"], capture_output=True, text=True, cwd=workspace
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        result.stderr
        == "proposals/p/proposal.yaml:1:8: error: YAML syntax: this '[' is never closed with ']'\n"
    )


@pytest.mark.slow
def test_unchanged_proposals_are_skipped_and_force_rebuilds(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL, slug="one")
    write_proposal(workspace, MINIMAL, slug="two")
    assert run_cli(capsys, "build")[0] == 0
    handout = workspace / "site" / "one" / "handout.pdf"
    stamp = handout.stat().st_mtime_ns
    code, out, _ = run_cli(capsys, "build")
    assert code == 0 and out.splitlines()[-1].endswith("0 built, 2 unchanged, 0 failed")
    assert handout.stat().st_mtime_ns == stamp  # not rewritten
    # Changing one proposal rebuilds that one only.
    yaml = workspace / "proposals" / "one" / "proposal.yaml"
    yaml.write_text(MINIMAL.replace("Onboarding training", "Onboarding, revised"))
    code, out, _ = run_cli(capsys, "build")
    assert out.splitlines()[0].startswith("built one:")
    assert out.splitlines()[-1].endswith("1 built, 1 unchanged, 0 failed")
    # A changed template rebuilds every proposal that uses it.
    override = workspace / "templates" / "site" / "goals.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text((ROOT / "templates" / "site" / "goals.md.j2").read_text() + "\n")
    assert run_cli(capsys, "build")[1].splitlines()[-1].endswith("2 built, 0 unchanged, 0 failed")
    assert (
        run_cli(capsys, "build", "--force")[1]
        .splitlines()[-1]
        .endswith("2 built, 0 unchanged, 0 failed")
    )
    assert (
        run_cli(capsys, "build", "--paper", "letter")[1]
        .splitlines()[-1]
        .endswith("2 built, 0 unchanged, 0 failed")
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", [["check"], ["schema"], ["new", "fresh"], ["--help"], ["build", "--help"]]
)
def test_light_commands_never_import_the_engines(workspace: Path, command: list[str]) -> None:
    """Since issue 25 `check` lays out a handout whose length its text cannot tell, once:
    its first run may import WeasyPrint (never MkDocs); the next, of the same inputs,
    imports neither, as the other light commands."""
    write_proposal(workspace, MINIMAL)
    probe = (
        "import sys\n"
        "from buildcase.cli import main\n"
        f"try:\n    main({command!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material', 'weasyprint'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(workspace / "cache")}
    run = [sys.executable, "-c", probe]
    first = subprocess.run(run, capture_output=True, text=True, cwd=workspace, env=env)
    assert "'mkdocs" not in first.stderr and "'material" not in first.stderr, first.stderr
    result = subprocess.run(run, capture_output=True, text=True, cwd=workspace, env=env)
    assert "HEAVY []" in result.stderr, result.stderr[-500:]


@pytest.mark.slow
def test_build_audience_makes_only_that_department_handout(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_reference(workspace)
    code, out, _ = run_cli(capsys, "build", str(folder), "--audience", "hr")
    assert code == 0, out
    pdfs = sorted(p.name for p in (workspace / "site" / folder.name).glob("*.pdf"))
    assert pdfs == ["handout-hr.pdf", "handout.pdf", "present-hr.pdf", "present.pdf"]
    code, _, err = run_cli(capsys, "build", str(folder), "--audience", "cfo")
    assert code == 1
    assert "--audience cfo: this proposal has no such audience; its audiences: sales, hr" in err
    assert "--audience ID" in run_cli(capsys, "build", "--help")[1]
