"""The deck's print stylesheet lays some of the slides' grids out another, faster way
(`templates/present/deck-print.css`): a fact as a float beside a block. The slides must
come out the same as laid out as grids, the deck's own facts and odder ones alike."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from buildcase.engines.weasyprint.decks import PRINT_CSS, render_deck
from buildcase.workspace import default_templates_dir

from .conftest import REFERENCE
from .test_consistency import rendered

# The same slides with the deck's own grids: the faster rules undone, after them.
AS_GRIDS = """
.reveal .bc-facts > .bc-fact { display: grid !important; }
.reveal .bc-facts > .bc-fact > dt { float: none !important; width: auto !important; }
.reveal .bc-facts > .bc-fact > dd { margin-left: 0 !important; }
"""
# Facts as a proposal's own template might write them (a text without a label, a label with
# two texts), and one as the deck's template writes it whose label is longer than its text.
ODD_FACTS = (
    '<section><dl class="bc-facts"><div><dd>A text without a label</dd></div>'
    "<div><dt>Label</dt><dd>The first text</dd><dd>The second text</dd></div>"
    '<div class="bc-fact"><dt>A label long enough to take three lines of its narrow column</dt>'
    "<dd>Short</dd></div></dl></section>"
)


def drawn(pdf: bytes) -> list[dict[str, Any]]:
    """What each page shows: its words where they are, its boxes (cards, rules) and
    where and how large they are, rounded to a hundredth of a point."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        for page in opened.pages:
            words = [
                (w["text"], round(w["x0"], 2), round(w["top"], 2)) for w in page.extract_words()
            ]
            boxes = sorted(
                (round(r["x0"], 2), round(r["top"], 2), round(r["width"], 2), round(r["height"], 2))
                for r in page.rects
            )
            pages.append({"words": words, "boxes": boxes})
    return pages


@pytest.mark.slow
@pytest.mark.pdf
def test_facts_print_as_their_grids_would(tmp_path: Path) -> None:
    deck = rendered(REFERENCE)[1].decks["present.html"]
    assert 'class="bc-facts"' in deck
    deck = deck.replace('<div class="slides">', '<div class="slides">' + ODD_FACTS, 1)
    templates = default_templates_dir()
    as_grids = tmp_path / "templates"
    (as_grids / PRINT_CSS).parent.mkdir(parents=True)
    shutil.copy(templates / PRINT_CSS, as_grids / PRINT_CSS)
    with (as_grids / PRINT_CSS).open("a", encoding="utf-8") as css:
        css.write(AS_GRIDS)
    assets = templates / "assets"
    faster = render_deck(deck, assets, [REFERENCE, templates])
    grids = render_deck(deck, assets, [REFERENCE, as_grids, templates])
    assert faster.pages == grids.pages
    for number, (page, as_grid) in enumerate(
        zip(drawn(faster.pdf), drawn(grids.pdf), strict=True), 1
    ):
        assert page == as_grid, number
