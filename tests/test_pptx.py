"""deck.pptx (issue 29): every example's decks as PowerPoint files, opened with python-pptx
and read against the HTML deck they were made from: the same slides in the same order,
each slide's title in its title placeholder, every figure the HTML slide shows somewhere
on the PowerPoint slide (its text, a table, a chart's data or labels), speaker notes,
16:9, native charts where the HTML draws a bar, line or bubble chart; and text from the
proposal that looks like a formula stays text."""

from __future__ import annotations

import contextlib
import html
import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation

from buildcase.engines.pptx import deck_pptx
from buildcase.engines.pptx.reading import BROWSER_ONLY
from buildcase.render.slides import slide_data

from .conftest import MINIMAL, PROPOSALS, write_proposal
from .test_consistency import rendered

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
MOMENT = datetime(2026, 11, 22, tzinfo=timezone.utc)
# The charts drawn natively (a bar, line, bubble chart or a Gantt of bars).
NATIVE = {"survey", "cost", "payback", "timeline", "risks", "tornado"}


def html_slides(markup: str) -> list[dict[str, str]]:
    """Each slide of the HTML deck, in the order a presenter meets them: its name, its
    title (h2, or the opening slide's h1), what it shows (its charts by their text
    alternative) and its notes."""
    slides = []
    for leaf in re.findall(r'<section data-slide="[^"]+"[^>]*>.*?</section>', markup, re.S):
        name = re.search(r'data-slide="([^"]+)"', leaf)
        if name and name[1] in BROWSER_ONLY:
            continue  # the what-if panel: sliders a PowerPoint cannot run
        heading = re.search(r"<h([12])>(.*?)</h\1>", leaf, re.S)
        notes = re.search(r'<aside class="notes">(.*?)</aside>', leaf, re.S)
        shown = re.sub(r'<aside class="notes">.*?</aside>', " ", leaf, flags=re.S)
        shown = re.sub(r"<(script|noscript)\b.*?</\1>", " ", shown, flags=re.S)
        shown = re.sub(r"<tr[^>]*>(?:(?!</tr>).)*<output.*?</tr>", " ", shown, flags=re.S)
        charts = re.findall(r'<svg class="bc-chart bc-chart--([a-z-]+)', shown)
        shown = re.sub(r"<svg.*?<desc[^>]*>(.*?)</desc>.*?</svg>", r" \1 ", shown, flags=re.S)
        slides.append({
            "name": name[1] if name else "",
            "title": _read(heading[2]) if heading else "",
            "text": _read(shown),
            "notes": _read(notes[1]) if notes else "",
            "charts": " ".join(charts),
        })  # fmt: skip
    return slides


def _read(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def figures(text: str) -> set[str]:
    """Every number a reader sees: amounts, percents, counts, years, as written."""
    return {n.rstrip(".,") for n in re.findall(r"\d[\d,.]*", text.replace("\u202f", " "))}


def number(figure: str) -> float:
    return float(figure.replace(",", ""))


def chart_values(slide: Any) -> set[float]:
    """The numbers a slide's charts hold, rounded as a reader would compare them, and
    each share (0..1) as a percent too."""
    values: set[float] = set()
    for shape in slide.shapes:
        if getattr(shape, "has_chart", False) and shape.has_chart:
            for v in shape.chart._chartSpace.xpath(".//c:v/text()"):
                with contextlib.suppress(ValueError):
                    values |= {round(float(v), 1), round(float(v) * 100, 1)}
    return values


def pptx_text(slide: Any) -> str:
    """Everything a PowerPoint slide shows: its shapes' text, its tables' cells, its
    charts' categories, values and labels."""
    found: list[str] = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            found += [cell.text for row in shape.table.rows for cell in row.cells]
        if getattr(shape, "has_chart", False) and shape.has_chart:
            space = shape.chart._chartSpace
            found += [t for t in space.xpath(".//c:v/text() | .//a:t/text()")]
    return " ".join(" ".join(found).replace("\v", " ").split())


def native_charts(slide: Any) -> int:
    return sum(1 for s in slide.shapes if getattr(s, "has_chart", False) and s.has_chart)


@pytest.fixture(scope="module")
def made() -> dict[str, list[tuple[str, str, bytes]]]:
    """Every example's decks, rendered once each in this process (no build), and each as
    a PowerPoint file: (deck file, its HTML, its .pptx)."""
    out: dict[str, list[tuple[str, str, bytes]]] = {}
    for name in EXAMPLES:
        case, rendering = rendered(PROPOSALS / name)
        data = slide_data(case)
        out[name] = [
            (file, markup, deck_pptx(markup, data, None, MOMENT))
            for file, markup in rendering.decks.items()
        ]
    return out


def every_deck(made: dict[str, list[tuple[str, str, bytes]]]) -> list[tuple[str, str, str, Any]]:
    return [
        (name, file, markup, Presentation(io.BytesIO(blob)))
        for name, decks in made.items()
        for file, markup, blob in decks
    ]


@pytest.mark.slow  # every example's decks: about 30 s on two busy cores
def test_every_deck_has_the_html_decks_slides_titles_and_notes_at_16_9(made: Any) -> None:
    for name, file, markup, prs in every_deck(made):
        assert prs.slide_width * 9 == prs.slide_height * 16, (name, file)
        expected = html_slides(markup)
        slides = list(prs.slides)
        assert len(slides) == len(expected), (name, file)
        for i, (slide, want) in enumerate(zip(slides, expected, strict=True), start=1):
            where = f"{name}/{file} slide {i} ({want['name']})"
            assert slide.shapes.title is not None, where
            assert " ".join(slide.shapes.title.text_frame.text.split()) == want["title"], where
            if want["notes"]:
                assert slide.has_notes_slide, where
                assert slide.notes_slide.notes_text_frame.text.strip(), where


@pytest.mark.slow  # every example's decks: about 30 s on two busy cores
def test_every_figure_of_an_html_slide_is_on_its_powerpoint_slide(made: Any) -> None:
    missing = []
    for name, file, markup, prs in every_deck(made):
        for i, (slide, want) in enumerate(zip(prs.slides, html_slides(markup), strict=True), 1):
            shown, values = figures(pptx_text(slide)), chart_values(slide)
            # a figure written as on the HTML slide, or a chart's value (1,500,000; 15%)
            lost = {f for f in figures(want["text"]) - shown if round(number(f), 1) not in values}
            if lost:
                missing.append(f"{name}/{file} slide {i} ({want['name']}): {sorted(lost)}")
    assert not missing, "\n".join(missing)


@pytest.mark.slow  # every example's decks: about 30 s on two busy cores
def test_bar_line_and_bubble_charts_are_native_charts(made: Any) -> None:
    for name, file, markup, prs in every_deck(made):
        for i, (slide, want) in enumerate(zip(prs.slides, html_slides(markup), strict=True), 1):
            native = [c for c in want["charts"].split() if c in NATIVE]
            assert native_charts(slide) == len(native), f"{name}/{file} slide {i}"


def test_the_tornado_is_a_native_chart_of_the_returns_at_either_end() -> None:
    """The back-up slide's tornado: the estimates its SVG lists, widest swing on top as the
    viewer reads it (a bar chart draws its first category at the bottom), each row the
    return at the low and at the high end of that estimate's range, about the lead ROI."""
    case, rendering = rendered(PROPOSALS / "support-coaching-programme")
    markup = rendering.decks["present.html"]
    prs = Presentation(io.BytesIO(deck_pptx(markup, slide_data(case), None, MOMENT)))
    slide = next(
        s for s in prs.slides if s.shapes.title.text == "How far each estimate moves the return"
    )
    (frame,) = [s for s in slide.shapes if getattr(s, "has_chart", False) and s.has_chart]
    chart = frame.chart
    top_down = list(reversed(list(chart.plots[0].categories)))
    # the SVG on this slide lists four, the widest swing first (108% - 71% = 37 points)
    assert top_down == [
        "More problems solved at the first contact: value a year",
        "Agents who are coached stay longer: value a year",
        "Disputes settled calmly keep subscribers: value a year",
        "Cost of an hour of people's time",
    ]
    low, high = (list(reversed(s.values)) for s in chart.plots[0].series)
    moving = [t.sensitivity for t in case.thresholds if t.sensitivity.swing > 0][:4]
    assert low == pytest.approx([s.roi_at_low for s in moving])
    assert high == pytest.approx([s.roi_at_high for s in moving])
    swings = [abs(h - lo) for lo, h in zip(low, high, strict=True)]
    assert swings == sorted(swings, reverse=True)  # the widest on top
    assert [round(v) for v in (*low, *high)] == [71, 74, 76, 100, 108, 105, 102, 80]
    assert chart.value_axis.crosses_at == pytest.approx(case.lead.roi)  # bars from the lead
    labels = {t for t in chart._chartSpace.xpath(".//c:dLbl//a:t/text()")}
    assert {"71%", "108%", "74%", "105%", "76%", "102%", "100%", "80%"} <= labels
    alt = frame._element.xpath("./*[1]/p:cNvPr")[0].get("descr")  # the SVG's <title>
    assert alt.startswith("How far each estimate moves the return: More problems solved")
    assert alt.endswith(
        "Cost of an hour of people's time: At its low end 100%, At its high end 80%"
    )


@pytest.mark.slow
def test_the_same_deck_gives_the_same_bytes(made: Any) -> None:
    case, rendering = rendered(PROPOSALS / "social-media-training")
    markup = rendering.decks["present.html"]
    again = deck_pptx(markup, slide_data(case), None, MOMENT)
    assert again == next(
        blob for file, _, blob in made["social-media-training"] if file == "present.html"
    )
    with zipfile.ZipFile(io.BytesIO(again)) as package:
        dates = {info.date_time for info in package.infolist()}
        core = package.read("docProps/core.xml").decode()
    assert dates == {(2026, 11, 22, 0, 0, 0)}
    assert "2026-11-22T00:00:00Z" in core


TRAPS = MINIMAL.replace(
    "title: Onboarding training", 'title: \'=HYPERLINK("http://evil.example/x","Click me")\''
).replace("  - title: New starters stay longer", "  - title: '@SUM(1+1)*cmd|'' /C calc''!A0'")


def test_text_that_looks_like_a_formula_or_a_link_stays_text(workspace: Path) -> None:
    folder = write_proposal(workspace, TRAPS)
    case, rendering = rendered(folder)
    data = slide_data(case)
    for file, markup in rendering.decks.items():
        blob = deck_pptx(markup, data, None, MOMENT)
        with zipfile.ZipFile(io.BytesIO(blob)) as package:
            names = package.namelist()
            # the proposal's text is on the slides, in their notes and in the charts (the
            # template's masters hold its own date and slide-number fields)
            ours = ("ppt/slides/", "ppt/notesSlides/", "ppt/charts/")
            xml = "".join(package.read(n).decode() for n in names if n.startswith(ours))
            rels = "".join(package.read(n).decode() for n in names if n.endswith(".rels"))
        assert not any("vbaProject" in n for n in names), file
        assert "hlinkClick" not in xml and "hlinkHover" not in xml, file
        assert "<a:fld" not in xml, file
        assert 'TargetMode="External"' not in rels, file
        assert "macroEnabled" not in xml and "ms-office.vbaProject" not in xml, file
        prs = Presentation(io.BytesIO(blob))
        titles = [s.shapes.title.text_frame.text for s in prs.slides if s.shapes.title]
        assert titles[0] == '=HYPERLINK("http://evil.example/x","Click me")', file
        assert any(t.startswith("@SUM(1+1)") for t in titles), file
