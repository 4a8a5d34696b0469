"""`check` refuses what `build` would refuse, in the same words, and `build` refuses it
before the expensive part (issue 33): a FIFO, a link or a file too large among a
proposal's own templates before any rendering; half of a character in a text (a lone
UTF-16 surrogate) while loading. A handout too long for its two pages is said by both in
the same words, before any layout, but refuses that handout alone (issue 25): `check`
warns of it, and `build` publishes the rest without it and fails."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from buildcase.engines.weasyprint.layouts import Layouts
from buildcase.pipeline import LEFT_OUT

from .conftest import MINIMAL, run_cli, write_proposal

ONE_BENEFIT = "  - title: New starters stay longer\n    goals: [retention]\n"
DETAIL = ("New starters who meet their team in the first week stay longer and ask sooner. " * 40)[
    :2_990
]  # within the 3,000 characters a detail may have


def oversized(workspace: Path) -> Path:
    """A proposal within every limit whose handout cannot fit two pages: 12 benefits (of
    the 25 allowed), each with a detail of 2,990 characters (of the 3,000 allowed)."""
    benefits = "".join(
        f"  - title: Benefit {i}\n    detail: {DETAIL}\n    goals: [retention]\n" for i in range(12)
    )
    return write_proposal(workspace, MINIMAL.replace(ONE_BENEFIT, benefits))


def too_long(severity: str) -> re.Pattern[str]:
    return re.compile(
        rf"proposals/p/proposal\.yaml:11:1: {severity}: benefits: handout\.pdf runs to at "
        r"least \d+ pages; at most 2 fit on the table\. The longest part is the two columns: "
        r"shorten it rather than have buildcase shrink the text; (.*)"
    )


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": error: " in line]


def test_check_locates_a_handout_too_long_for_two_pages(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A warning since issue 25 (an error before): `build` no longer fails the proposal for
    it, only that handout; `--strict` makes it an error, as every warning."""
    folder = oversized(workspace)
    code, out, err = run_cli(capsys, "check", str(folder))
    assert code == 0, err
    assert [line for line in err.splitlines() if too_long("warning").fullmatch(line)], err
    assert out.strip() == "checked 1 proposal: 1 ok, 0 with errors"
    code, out, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 1, err
    assert [line for line in error_lines(err) if too_long("error").fullmatch(line)], err
    assert out.strip() == "checked 1 proposal: 0 ok, 1 with errors"


@pytest.mark.slow  # MkDocs builds the site, which is published without the handout
def test_build_says_it_in_the_same_words_without_laying_it_out(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = oversized(workspace)
    warned = run_cli(capsys, "check", str(folder))[2].splitlines()
    checked = [m for line in warned if (m := too_long("warning").fullmatch(line))]
    laid_out: list[Any] = []
    monkeypatch.setattr(Layouts, "lay_out", lambda self, hidden: laid_out.append(hidden))
    code, _, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert code == 1
    built = [m for line in error_lines(err) if (m := too_long("error").fullmatch(line))]
    assert len(checked) == len(built) == 1, err
    said = checked[0][0].removesuffix(checked[0][1]).replace(": warning: ", ": error: ")
    assert built[0][0] == said + LEFT_OUT
    assert laid_out == [], "the handout was laid out before it was found too long"
    site = workspace / "site" / "p"
    assert (site / "index.html").is_file() and not (site / "handout.pdf").exists()


# --- a proposal's own templates -----------------------------------------------------------


def fifo(path: Path) -> None:
    os.mkfifo(path)


def link_out(path: Path) -> None:
    path.symlink_to("/etc/passwd")


def too_large(path: Path) -> None:
    path.write_text("x" * (256 * 1024 + 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (fifo, "not a regular file"),
        (link_out, "a symbolic link; a proposal's templates must be files"),
        (too_large, "larger than 262,144 bytes"),
    ],
    ids=["fifo", "symbolic-link", "too-large"],
)
def test_a_template_the_sandbox_refuses_is_refused_by_build_as_by_check(
    workspace: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], None], why: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "templates" / "site").mkdir(parents=True)
    make(folder / "templates" / "site" / "index.md.j2")
    line = f"proposals/p/templates/site/index.md.j2:1:1: error: templates: {why}"
    code, _, err = run_cli(capsys, "check", str(folder))
    assert (code, error_lines(err)) == (1, [line])
    code, _, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert (code, error_lines(err)) == (1, [line]), err
    assert "internal error" not in err


# --- half of a character -------------------------------------------------------------------


def test_a_lone_surrogate_in_the_title_is_refused_by_both_where_it_is_written(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL.replace("title: Onboarding training", 'title: "Onboarding \\ud800"', 1)
    folder = write_proposal(workspace, text)
    line = (
        "proposals/p/proposal.yaml:1:8: error: title: the escape \\ud800 is half of a "
        "character (a lone UTF-16 surrogate), which no page or PDF can hold; write the "
        "character itself"
    )
    code, _, err = run_cli(capsys, "check", str(folder))
    assert (code, error_lines(err)) == (1, [line])
    code, _, err = run_cli(capsys, "build", str(folder), "--jobs", "1")
    assert (code, error_lines(err)) == (1, [line]), err
    assert "internal error" not in err


def test_a_pair_of_escapes_is_the_character_it_spells(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from buildcase.commands.check import check_proposal

    text = MINIMAL.replace("title: Onboarding training", 'title: "Onboarding \\ud83d\\ude00"', 1)
    folder = write_proposal(workspace, text)
    assert run_cli(capsys, "check", str(folder))[0] == 0
    assert check_proposal(folder)[0].title == "Onboarding \N{GRINNING FACE}"
