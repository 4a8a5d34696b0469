"""One page-2 grid for every handout (issue 31): body text at 9 pt or more (the footnote
markers aside), every section's heading above its own figure in the same column, no box
left empty on a page, page 2 of every department head's handout at least half full, the
goals' table naming what serves each goal instead of counting it, the sections in one
order on every proposal, and every handout at most two pages on A4 and on letter.

Read from the PDFs as a reader meets them: pdfplumber's characters with their sizes and
positions, and the tagged PDF's structure tree for the headings and figures. The handouts
are the ones tests/test_handout_layout.py builds once a session.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from buildcase.compute import build_case
from buildcase.engines.weasyprint import measure_handout
from buildcase.load import load_proposal
from buildcase.render.case import render_case
from buildcase.validate import validate_proposal
from buildcase.workspace import template_dirs

from .conftest import PROPOSALS, ROOT
from .test_handout_layout import EXAMPLES, Built, built  # noqa: F401  # the shared handouts

pytestmark = [pytest.mark.slow, pytest.mark.pdf]

MM = 72 / 25.4  # PDF points in a millimetre
BODY_PT = 9.0
FOOT_MM = 13  # the page's bottom margin, where the running footer is
TOP_MM = 11
HALF = 0.5

# The order of the sections of every handout: each shows the ones it has, in this order.
ORDER = [
    "what we need from you",
    "what it does to your numbers",
    "the decision",
    "what your people will do differently",
    "what you care about",
    "the key numbers",
    "the two columns",
    "your questions",
    "the goals served",
    "the business case",
    "the impact map",
    "the survey chart",
    "the risk chart",
    "the plan and costs",
    "the status",
    "the contacts",
]


# --- reading a page -------------------------------------------------------------------------


Box = tuple[float, float, float, float]  # x0, top, x1, bottom, in points from the top


def struct_elements(page: Any) -> list[dict[str, Any]]:
    """Every element of a page's structure tree, parents before their children."""
    found: list[dict[str, Any]] = []

    def walk(element: dict[str, Any]) -> None:
        found.append(element)
        for child in element.get("children", []):
            walk(child)

    for element in page.structure_tree:
        walk(element)
    return found


def figure_chars(page: Any, element: dict[str, Any]) -> list[dict[str, Any]]:
    """The characters a /Figure draws (a chart's labels and figures), by their marked-content
    ids: its /BBox is written in the SVG's own units, not the page's."""
    ids = {m for e in _descendants(element) for m in e.get("mcids") or []}
    return [c for c in page.chars if c.get("mcid") in ids and c["text"].strip()]


def figures(page: Any) -> list[list[dict[str, Any]]]:
    """The characters of each figure on the page that has any."""
    found = [figure_chars(page, e) for e in struct_elements(page) if e.get("type") == "Figure"]
    return [chars for chars in found if chars]


def box_of(chars: list[dict[str, Any]]) -> Box:
    return (
        min(c["x0"] for c in chars),
        min(c["top"] for c in chars),
        max(c["x1"] for c in chars),
        max(c["bottom"] for c in chars),
    )


def inside(char: dict[str, Any], box: Box, pad: float = 1.0) -> bool:
    x0, top, x1, bottom = box
    return (
        char["x0"] >= x0 - pad
        and char["x1"] <= x1 + pad
        and char["top"] >= top - pad
        and char["bottom"] <= bottom + pad
    )


def text_chars(page: Any) -> list[dict[str, Any]]:
    """The page's characters a reader reads as text: neither a chart's (its figure says its
    own size: tests/test_handout_layout.py) nor the running footer's."""
    drawn = {id(c) for chars in figures(page) for c in chars}
    return [
        c
        for c in page.chars
        if c.get("upright", True)
        and c["text"].strip()
        and c["bottom"] < page.height - FOOT_MM * MM
        and id(c) not in drawn
    ]


def is_marker(char: dict[str, Any], chars: list[dict[str, Any]]) -> bool:
    """A footnote marker: a digit or comma set smaller than the text of its line and raised
    above that text's baseline, or alone on its line (where a line broke before it)."""
    if char["text"] not in "0123456789,":
        return False
    middle = (char["top"] + char["bottom"]) / 2
    line = [
        c
        for c in chars
        if c["size"] > char["size"] + 0.5 and c["top"] - 2 <= middle <= c["bottom"] + 2
    ]
    if not line:
        return char["size"] < BODY_PT - 1
    return char["bottom"] < max(c["bottom"] for c in line) - 0.8


def small_text(pdf_path: Path) -> dict[int, str]:
    """On each page, the text set below 9 pt that is neither a footnote marker, a chart's nor
    the footer's: what a reader strains at."""
    small = {}
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            chars = text_chars(page)
            tiny = [c for c in chars if round(c["size"], 2) < BODY_PT and not is_marker(c, chars)]
            if tiny:
                sizes = sorted({round(c["size"], 1) for c in tiny})
                small[number] = f"{sizes} {''.join(c['text'] for c in tiny)[:50]}"
    return small


def heading_figure_faults(pdf_path: Path) -> list[str]:
    """Each section heading (an H2 of a section) that is not above every figure of its
    section, over it in the same column."""
    faults = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            by_mcid: dict[int, list[dict[str, Any]]] = {}
            for c in page.chars:
                if c.get("mcid") is not None:
                    by_mcid.setdefault(c["mcid"], []).append(c)
            for section in struct_elements(page):
                if section.get("type") != "Sect":
                    continue
                inner = _descendants(section)
                if any(e.get("type") == "Sect" for e in inner[1:]):
                    continue  # the innermost section holds the heading and its figure
                headings = [e for e in inner if e.get("type") == "H2"]
                if not headings:
                    continue
                charts = [figure_chars(page, e) for e in inner if e.get("type") == "Figure"]
                heading = [
                    c for e in _descendants(headings[0]) for m in e.get("mcids") or []
                    for c in by_mcid.get(m, [])
                ]  # fmt: skip
                if not heading:
                    continue
                h = box_of(heading)
                text = "".join(c["text"] for c in heading)
                for chart in [c for c in charts if c]:
                    f = box_of(chart)
                    above = h[3] <= f[1] + 0.5
                    same_column = h[0] < f[2] and f[0] < h[2] and abs(h[0] - f[0]) < 20 * MM
                    if not (above and same_column):
                        faults.append(f"p{number} {text!r} beside or below its figure")
    return faults


def _descendants(element: dict[str, Any]) -> list[dict[str, Any]]:
    found = [element]
    for child in element.get("children", []):
        found.extend(_descendants(child))
    return found


def empty_boxes(pdf_path: Path) -> list[str]:
    """Tinted boxes (a filled rectangle of some size) with no text in them."""
    empty = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for r in page.rects:
                colour = r.get("non_stroking_color")
                if not r.get("fill") or colour in (None, (1,), (1, 1, 1), [1, 1, 1]):
                    continue
                if r["width"] < 30 * MM or r["height"] < 5 * MM:
                    continue  # rules, chips, a chart's bars
                box = (r["x0"], r["top"], r["x1"], r["bottom"])
                if not any(inside(c, box) for c in page.chars if c["text"].strip()):
                    empty.append(f"p{number} at {round(r['top'] / MM)} mm")
    return empty


def page_fill(pdf_path: Path, index: int) -> float:
    """How far down its content area a page's text and figures run, as a share of it."""
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[index]
        drawn = [c for chars in figures(page) for c in chars]
        bottoms = [c["bottom"] for c in text_chars(page) + drawn]
        area = page.height - (TOP_MM + FOOT_MM) * MM
        return (max(bottoms) - TOP_MM * MM) / area if bottoms else 0.0


# --- the tests ------------------------------------------------------------------------------


def test_body_text_is_at_least_9_pt_on_every_page(built: list[Built]) -> None:  # noqa: F811
    small = {f"{b.name} p{n}": text for b in built for n, text in small_text(b.pdf).items()}
    assert small == {}


def test_the_marker_rule_sees_a_footnote_marker_and_nothing_else(
    built: list[Built],  # noqa: F811
) -> None:
    """The markers are left aside by their size and raise, never by what they say: the
    figures of a line of 9 pt text stay in the check."""
    reference = next(b for b in built if b.name == "social-media-training/handout.pdf")
    with pdfplumber.open(reference.pdf) as pdf:
        page = pdf.pages[0]
        chars = text_chars(page)
        markers = [c for c in chars if is_marker(c, chars)]
        assert markers, "the reference's first page has footnote markers"
        assert all(c["size"] < BODY_PT for c in markers)
        digits = [c for c in chars if c["text"].isdigit() and c["size"] >= BODY_PT]
        assert digits and not any(is_marker(c, chars) for c in digits)


def test_every_heading_is_above_its_figure_in_the_same_column(
    built: list[Built],  # noqa: F811
) -> None:
    faults = {b.name: f for b in built if (f := heading_figure_faults(b.pdf))}
    assert faults == {}
    # Some handout has a heading over a chart, so the check has something to check.
    assert any("<svg" in b.html and 'data-section="the business case"' in b.html for b in built)


def test_no_box_is_empty(built: list[Built]) -> None:  # noqa: F811
    assert {b.name: e for b in built if (e := empty_boxes(b.pdf))} == {}


def test_page_two_of_every_department_handout_is_at_least_half_full(
    built: list[Built],  # noqa: F811
) -> None:
    thin = {}
    for b in [b for b in built if b.audience]:
        with pdfplumber.open(b.pdf) as pdf:
            pages = len(pdf.pages)
        fill = page_fill(b.pdf, 1) if pages > 1 else 0.0
        if fill < HALF:
            thin[b.name] = round(fill, 2)
    assert thin == {}


def test_the_goals_name_what_serves_them(built: list[Built]) -> None:  # noqa: F811
    """ "Speaks to it: 3 benefits, 1 risk" says nothing: each goal names its benefits."""
    named = 0
    for b in built:
        with pdfplumber.open(b.pdf) as pdf:
            text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))
        assert not re.search(r"\b\d+ benefits?, \d+ risks?\b|\b\d+ benefits\b", text), b.name
        assert "Speaks to it" not in text, b.name
        if "What serves it" in text:
            named += 1
    assert named >= len(EXAMPLES)


def test_the_sections_come_in_one_order_on_every_handout(built: list[Built]) -> None:  # noqa: F811
    for b in built:
        shown = re.findall(r'data-section="([^"]+)"', b.html)
        assert set(shown) <= set(ORDER), (b.name, set(shown) - set(ORDER))
        assert shown == sorted(shown, key=ORDER.index), b.name


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_handout_fits_two_pages_on_a4_and_on_letter(paper: str) -> None:
    """Measured as `check` measures it: every optional part left out, which is the shortest
    the build can make a handout without cutting its text."""
    long = {}
    for slug in EXAMPLES:
        folder = PROPOSALS / slug
        proposal, _ = validate_proposal(load_proposal(folder))
        search_path = template_dirs(folder, ROOT)
        case = build_case(proposal, slug)
        rendered = render_case(case, search_path, paper, "D:20261122000000Z")
        for edition in case.editions:
            html = rendered.handouts[edition.file]
            length = measure_handout(html, ROOT / "templates" / "assets", [folder, *search_path])
            if not length.fits:
                long[f"{slug}/{edition.file}"] = length.pages
    assert long == {}
