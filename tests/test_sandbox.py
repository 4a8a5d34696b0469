"""A proposal's own templates are untrusted code: they run nothing, read nothing outside the
proposal, and cannot exhaust the machine; `check` reports what they reach for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildcase.commands.build import build
from buildcase.render import sandbox

from .conftest import MINIMAL, run_cli, write_proposal

INDEX = "templates/site/index.md.j2"


def own_template(folder: Path, text: str, name: str = INDEX) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_template_cannot_run_a_command(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Hi\n{{ lipsum.__globals__['os'].popen('id > pwned').read() }}\n")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "proposals/p/templates/site/index.md.j2:2:1: error: templates: " in err
    assert "__globals__" in err and "unsafe" in err
    code, _, err = run_cli(capsys, "build", str(folder))
    assert code == 1
    assert not (workspace / "pwned").exists()
    assert "internal error" not in err


@pytest.mark.slow
def test_a_failed_template_leaves_the_earlier_output_as_it_was(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    assert run_cli(capsys, "build", str(folder))[0] == 0
    before = (workspace / "site" / "p" / "index.html").read_bytes()
    own_template(folder, "{{ cycler.__init__.__globals__ }}\n")
    assert run_cli(capsys, "build", str(folder))[0] == 1
    assert (workspace / "site" / "p" / "index.html").read_bytes() == before


def test_a_link_to_a_file_outside_is_refused_and_never_published(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, '# Hi\n{% include "site/secret.j2" %}\n')
    os.symlink(secret, folder / "templates" / "site" / "secret.j2")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "templates/site/secret.j2:1:1: error: templates: a symbolic link" in err
    assert run_cli(capsys, "build", str(folder))[0] == 1
    published = [p for p in (workspace / "site").rglob("*") if p.is_file()]
    assert not any(b"TOP-SECRET-VALUE" in p.read_bytes() for p in published)


def test_a_templates_folder_that_links_elsewhere_is_refused(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere" / "site"
    elsewhere.mkdir(parents=True)
    (elsewhere / "index.md.j2").write_text("# Not from this proposal\n")
    folder = write_proposal(workspace, MINIMAL)
    os.symlink(elsewhere.parent, folder / "templates")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert (
        "proposals/p/templates:1:1: error: templates: must be a folder inside the proposal" in err
    )
    assert run_cli(capsys, "build", str(folder))[0] == 1


def test_a_syntax_error_is_located_at_its_line(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Title\n\n{% if %}\n")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "proposals/p/templates/site/index.md.j2:3:1: error: templates: template syntax:" in err


@pytest.mark.slow
def test_an_endless_loop_is_stopped(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "CPU_SECONDS", 1)
    folder = write_proposal(workspace, MINIMAL)
    own_template(
        folder, "{% set r = range(99999) %}{% for a in r %}{% for b in r %}{% endfor %}{% endfor %}"
    )
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "error: templates: the proposal's templates ran longer than 1 s of CPU" in err


@pytest.mark.slow
def test_a_template_that_would_fill_memory_is_stopped(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "EXTRA_MEMORY_BYTES", 256 * 1024 * 1024)
    folder = write_proposal(workspace, MINIMAL)
    chain = '|replace("a", "aaaa")' * 16  # 4**17 characters if it were allowed to run
    own_template(folder, '{{ ("aaaa" ~ "")' + chain + " }}\n")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "error: templates: the proposal's templates needed more than 256 MB" in err


@pytest.mark.parametrize(
    "expression",
    ['"x" * 1000000000', "[1] * 1000000000", "2 ** 1000000", '"{}"|center(1000000000)'],
)
def test_operators_that_build_huge_values_are_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str], expression: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Hi\n{{ " + expression + " }}\n")
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert "error: templates: " in err
    assert "internal error" not in err


@pytest.mark.slow
def test_an_own_template_that_keeps_to_the_rules_is_used(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Our own start page\n\n{{ p.title }} for {{ p.organization }}\n")
    assert run_cli(capsys, "check", str(folder))[0] == 0
    report = build([folder], workspace, workspace / "site")
    assert not report.failed
    page = (workspace / "site" / "p" / "index.html").read_text()
    assert "Our own start page" in page and "Onboarding training for Acme" in page
