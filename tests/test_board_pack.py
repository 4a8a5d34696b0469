"""The board pack (issue 29) as a user gets it from `buildcase build`: each deck as an
editable PowerPoint (deck.pptx, deck-<audience>.pptx, deck-results.pptx) and the model as a
workbook of live formulas (model.xlsx), written beside the site, linked from its start page,
skipped with `--formats`, and inert whatever the proposal's titles say.

What is inside each file is tested where it is made: tests/test_pptx.py (every slide, title,
figure and note against the HTML deck) and tests/test_workbook.py (every formula recomputed
by an independent engine against the Python model)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from .conftest import run_cli, write_proposal

pytestmark = [pytest.mark.slow]  # builds proposals through the command line

BAD = Path(__file__).resolve().parent / "bad"
WITH_MONEY = """\
title: Onboarding training
organization: Acme
prepared_by: {name: Ann Lee, role: L&D lead}
date: 2026-11-01
summary: Train new starters.
request: {participants: 40, hours_per_participant: 6, hourly_cost: 50}
goals:
  - {id: retention, title: Keep our people}
costs:
  - {item: Course, amount: 20000}
benefits:
  - {title: New starters stay longer, goals: [retention], annual_value: 60000}
risks:
  - {title: A key client goes, likelihood: 30%, impact: 100000, reduction: 50%}
"""


def board_pack_links(site: Path) -> list[str]:
    """The board pack's files the start page links to."""
    html = (site / "index.html").read_text(encoding="utf-8")
    return sorted(set(re.findall(r'href="((?:deck[^"]*\.pptx)|model\.xlsx)"', html)))


def test_every_example_has_a_pptx_for_each_deck_and_one_workbook(examples_site: Path) -> None:
    examples = [p for p in examples_site.iterdir() if (p / "index.html").is_file()]
    assert len(examples) >= 4
    for site in examples:
        decks = sorted(p.name for p in site.glob("present*.html"))
        expected = sorted("deck" + d.removeprefix("present").removesuffix(".html") + ".pptx"
                          for d in decks)  # fmt: skip
        assert sorted(p.name for p in site.glob("*.pptx")) == expected, site.name
        assert (site / "model.xlsx").is_file(), site.name
        assert board_pack_links(site) == ["deck.pptx", "model.xlsx"], site.name
        pptx = Presentation(str(site / "deck.pptx"))
        assert Emu(pptx.slide_width) * 9 == Emu(pptx.slide_height) * 16, "16:9"
        html = (site / "present.html").read_text(encoding="utf-8")
        named = html.count("<section data-slide=") - html.count('<section data-slide="whatif"')
        assert len(pptx.slides) >= named > 10, site.name  # every slide but the sliders'
        titles = [s.shapes.title.text for s in pptx.slides if s.shapes.title is not None]
        assert "What if?" not in titles  # the panel needs a browser
        with zipfile.ZipFile(site / "model.xlsx") as book:
            names = book.namelist()
            sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
            assert len(sheets) >= 3, names  # inputs, the case, the timeline
            assert not [n for n in names if "vbaProject" in n or "externalLink" in n]
            formulas = sum(book.read(n).count(b"<f>") for n in sheets)
            assert formulas > 50, f"{site.name}: only {formulas} formulas"


def test_formats_skips_what_it_does_not_name_and_the_start_page_links_what_is_there(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, WITH_MONEY)
    site = workspace / "site" / "p"

    code, out, _ = run_cli(capsys, "build", "--formats", "none")
    assert code == 0
    assert not list(site.glob("*.pptx")) and not (site / "model.xlsx").exists()
    assert board_pack_links(site) == []
    assert ", deck.pptx" not in out and "model.xlsx" not in out

    # another choice of formats is another output: built again, not skipped as unchanged
    code, out, _ = run_cli(capsys, "build", "--formats", "xlsx")
    assert code == 0 and "1 built, 0 unchanged" in out
    assert (site / "model.xlsx").is_file() and not list(site.glob("*.pptx"))
    assert board_pack_links(site) == ["model.xlsx"]
    assert "present.html and .pdf, model.xlsx in " in out

    code, out, _ = run_cli(capsys, "build")  # the default: both
    assert code == 0 and "1 built, 0 unchanged" in out
    assert (site / "deck.pptx").is_file() and (site / "model.xlsx").is_file()
    assert board_pack_links(site) == ["deck.pptx", "model.xlsx"]
    assert "present.html and .pdf, deck.pptx, model.xlsx in " in out

    code, out, _ = run_cli(capsys, "build")
    assert code == 0 and "0 built, 1 unchanged" in out


@pytest.mark.parametrize("value", ["docx", "pptx,pdf", ","])
def test_formats_refuses_what_it_cannot_make(
    workspace: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    write_proposal(workspace, WITH_MONEY)
    code, _, err = run_cli(capsys, "build", "--formats", value)
    assert code == 2
    assert "--formats" in err and "pptx, xlsx, pptx,xlsx or none" in err
    assert not (workspace / "site").exists()


def test_titles_that_look_like_formulas_stay_text_in_both_files(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = workspace / "proposals" / "formulas"
    shutil.copytree(BAD / "must-work" / "formulas-in-titles", case)
    (case / "expected.txt").unlink()
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    site = workspace / "site" / "formulas"

    with zipfile.ZipFile(site / "model.xlsx") as book:
        xml = {n: book.read(n).decode("utf-8") for n in book.namelist()}
    text = "".join(v for n, v in xml.items() if n.startswith("xl/"))
    formulas = "".join(re.findall(r"<f>(.*?)</f>", text))
    for title in ('=HYPERLINK("http://evil.example/b"', "@SUM(A1:A9)", "=1+1 licences"):
        assert title in text, title  # written, as text
    assert "HYPERLINK" not in formulas and "SUM(A1:A9)" not in formulas
    assert "evil.example" not in "".join(v for n, v in xml.items() if n.endswith(".rels"))
    assert not [n for n in xml if "externalLink" in n or "vbaProject" in n]

    with zipfile.ZipFile(site / "deck.pptx") as deck:
        parts = {n: deck.read(n).decode("utf-8") for n in deck.namelist() if n.endswith(".xml")}
        rels = "".join(deck.read(n).decode("utf-8") for n in deck.namelist() if n.endswith(".rels"))
    slides = "".join(v for n, v in parts.items() if n.startswith("ppt/slides/slide"))
    assert '=HYPERLINK("http://evil.example/x"' in slides  # the title, as text
    assert "@SUM(A1:A9) a key client goes" in slides
    assert "hlinkClick" not in slides and "<a:fld" not in slides
    assert "evil.example" not in rels and 'TargetMode="External"' not in rels
    assert not [n for n in parts if "vbaProject" in n]
