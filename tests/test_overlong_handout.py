"""A handout too long for its two pages never blocks the rest of a build (issue 25).

`build` publishes everything else (the site, the other handouts, the decks, the other
proposals and the portfolio index), leaves that handout out, and no page links to it; then
it fails (exit 1) naming the handout and what to cut, located at the field as every other
error is. `check` says so first, as a warning (an error with `--strict`): from the bound on
the handout's text where it proves the handout cannot fit, and from a layout of the
handout where it cannot tell. A layout's answer is kept, so the same inputs are never laid
out twice to say it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from buildcase.engines.weasyprint.layouts import Layouts

from .conftest import MINIMAL, run_cli, write_proposal

pytestmark = [pytest.mark.slow, pytest.mark.pdf]

HEADS = """\
audiences:
  - id: sales
    title: Head of Sales
    cares_about: [quota]
    message: Your reps keep their quota
    ask:
      - do: Release your new reps for a morning
  - id: hr
    title: Head of HR
    cares_about: [retention]
    message: Fewer starters leave
    ask:
      - do: Share the leavers' exit interviews
"""
ANSWER = "We looked at this with the sales managers, and the numbers say otherwise. " * 7
# The Head of Sales's questions: 21 fill three pages once laid out, though the bound on
# their text cannot tell; 26 the bound proves cannot fit; 2 fit.
LAID_OUT, BOUNDED, FITTING = 21, 26, 2


def with_questions(n: int) -> str:
    """MINIMAL with two department heads, the Head of Sales asked `n` long questions."""
    questions = "".join(
        f"  - concern: Question {i} about the time it takes\n    answer: {ANSWER}\n"
        "    audiences: [sales]\n"
        for i in range(n)
    )
    return MINIMAL + HEADS + "objections:\n" + questions


def questions_key(text: str) -> str:
    """Where the author is sent to cut: the `objections:` key, line and column."""
    return f"proposals/p/proposal.yaml:{text.splitlines().index('objections:') + 1}:1"


def too_long(severity: str, at_least: bool = False) -> re.Pattern[str]:
    pages = r"at least \d+" if at_least else "3"
    return re.compile(
        rf"proposals/p/proposal\.yaml:\d+:1: {severity}: objections: handout-sales\.pdf runs "
        rf"to {pages} pages; at most 2 fit on the table\. The longest part is your questions: "
        r"shorten it rather than have buildcase shrink the text; .*"
    )


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache of this test's own: what earlier layouts found is kept there."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def laid_out(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The titles of the handouts laid out in this process, in order."""
    titles: list[str] = []
    original = Layouts.__init__

    def record(self: Layouts, html: str, *args: Any) -> None:
        found = re.search(r"<title>(.*?)</title>", html, re.S)
        titles.append(found[1] if found else "")
        original(self, html, *args)

    monkeypatch.setattr(Layouts, "__init__", record)
    yield titles


def no_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a layout fails the test (in a worker process too)."""

    def refuse(self: Layouts, hidden: list[int]) -> Any:
        raise AssertionError("a handout was laid out")

    monkeypatch.setattr(Layouts, "lay_out", refuse)


def site_pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}


def pdf_pages(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


def test_build_publishes_everything_but_the_handout_too_long_and_fails_naming_it(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = with_questions(LAID_OUT)
    write_proposal(workspace, text)
    write_proposal(workspace, MINIMAL, slug="q")  # another proposal, built all the same
    code, out, err = run_cli(capsys, "build", "--jobs", "1")
    assert code == 1, err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and too_long("error").fullmatch(errors[0]), err
    assert errors[0].startswith(questions_key(text) + ": error: objections: "), err
    assert errors[0].endswith(
        "it was left out of the output, and no page links to it, until it fits"
    )
    assert "    guide: buildcase guide handout-length" in err
    assert "; left out: handout-sales.pdf\n" in out
    assert out.strip().endswith("2 built, 0 unchanged, 0 failed, 1 handout too long left out")
    # Everything else is there: the site, the other handouts (each of at most two pages),
    # the decks, the other proposal and the index of both.
    site = workspace / "site" / "p"
    pages = site_pages(site)
    assert {"index.html", "audience-sales.html", "audience-hr.html"} <= set(pages)
    assert {"present.html", "present-sales.html", "present-hr.html"} <= set(pages)
    assert 1 <= pdf_pages(site / "handout.pdf") <= 2
    assert 1 <= pdf_pages(site / "handout-hr.pdf") <= 2
    assert (workspace / "site" / "q" / "handout.pdf").is_file()
    # The handout too long is not published, and nothing links to it; the others still are.
    assert not (site / "handout-sales.pdf").exists()
    assert [name for name, html in pages.items() if "handout-sales.pdf" in html] == []
    assert 'href="handout-hr.pdf"' in pages["departments.html"]
    assert 'href="handout-hr.pdf"' in pages["audience-hr.html"]
    assert "Download your handout" not in pages["audience-sales.html"]
    index = (workspace / "site" / "index.html").read_text(encoding="utf-8")
    assert "p/handout-hr.pdf" in index and "p/handout-sales.pdf" not in index


def test_check_warns_of_it_from_a_layout_and_strict_makes_it_an_error(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = with_questions(LAID_OUT)
    folder = write_proposal(workspace, text)
    code, out, err = run_cli(capsys, "check", str(folder))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warnings) == 1 and too_long("warning").fullmatch(warnings[0]), err
    assert warnings[0].startswith(questions_key(text) + ": warning: objections: ")
    assert warnings[0].endswith(
        "`build` publishes everything else and leaves this handout out until it fits"
    )
    assert "    guide: buildcase guide handout-length" in err
    assert out.strip() == "checked 1 proposal: 1 ok, 0 with errors"
    # What the layout found is kept: the same inputs are not laid out again to say it.
    no_layout(monkeypatch)
    code, out, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 1, err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and too_long("error").fullmatch(errors[0]), err
    assert out.strip() == "checked 1 proposal: 0 ok, 1 with errors"


def test_one_its_text_proves_too_long_is_never_laid_out(
    workspace: Path, capsys: pytest.CaptureFixture[str], laid_out: list[str]
) -> None:
    folder = write_proposal(workspace, with_questions(BOUNDED))
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warnings) == 1 and too_long("warning", at_least=True).fullmatch(warnings[0])
    # The two handouts that fit are laid out to tell so; the Head of Sales's is not.
    assert sorted(laid_out) == ["Onboarding training", "Onboarding training – Head of HR"]
    laid_out.clear()
    code, _, err = run_cli(capsys, "build", "--jobs", "1", str(folder))
    assert code == 1, err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and too_long("error", at_least=True).fullmatch(errors[0]), err
    assert "Head of Sales" not in " ".join(laid_out)
    site = workspace / "site" / "p"
    assert not (site / "handout-sales.pdf").exists() and (site / "handout-hr.pdf").is_file()
    assert [name for name, html in site_pages(site).items() if "handout-sales.pdf" in html] == []


def test_a_handout_grown_too_long_is_not_left_behind_and_fails_every_build_until_cut(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, with_questions(FITTING))
    site = workspace / "site" / "p"
    assert run_cli(capsys, "build", "--jobs", "1", str(folder))[0] == 0
    assert (site / "handout-sales.pdf").is_file()
    assert 'href="handout-sales.pdf"' in (site / "audience-sales.html").read_text()
    write_proposal(workspace, with_questions(LAID_OUT))
    code, _, err = run_cli(capsys, "build", "--jobs", "1", str(folder))
    assert code == 1, err
    # Not the earlier handout, which says what the site no longer does: none at all.
    assert not (site / "handout-sales.pdf").exists()
    assert "Question 17" in (site / "questions.html").read_text(encoding="utf-8")
    # Its inputs unchanged, the next build is not skipped as done: it fails again.
    code, out, err = run_cli(capsys, "build", "--jobs", "1", str(folder))
    assert code == 1, err
    assert "1 built, 0 unchanged" in out
    assert len([line for line in err.splitlines() if too_long("error").fullmatch(line)]) == 1
