"""The charts' colours (issue 27): the proposal's `primary` for every neutral series, made
dark enough to see (WCAG 2.1's 3:1 for graphics), red and green kept for loss and gain; and
the slides' charts, drawn at a slide's size, split evenly where one slide cannot hold them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.i18n import language
from buildcase.models.colours import contrast
from buildcase.render.chart_data import case_charts, chart_colour, slide_charts
from buildcase.render.charts.bars import Bar, bar_chart_parts
from buildcase.render.charts.colours import (
    GRAPHIC_CONTRAST,
    SLATE,
    TEXT_CONTRAST,
    brand_neutral,
    neutral_colour,
    reads_as_gain_or_loss,
    text_on,
)
from buildcase.render.charts.svg import (
    GAIN,
    INK,
    LOSS,
    SLIDE_HEIGHT,
    SLIDE_SCALE,
    SLIDE_WIDTH,
    TRAINING,
    slide_canvas,
    split_evenly,
)
from buildcase.render.formatting import Formatter

from .conftest import PROPOSALS

SVG = "{http://www.w3.org/2000/svg}"
BRANDED = PROPOSALS / "department-heads-rollout"  # primary '#24506b'; 11 survey figures, 6 risks
GREEN_BRAND = PROPOSALS / "support-coaching-programme"  # primary '#0b6e4f', accent '#f2a541'
UNBRANDED = PROPOSALS / "social-media-training"
MANY_BARS = BRANDED


def case_of(folder: Path) -> tuple[Case, Formatter]:
    case = build_case(check_proposal(folder)[0], folder.name)
    return case, Formatter(case.proposal.currency, language(case.proposal.language))


def painted(markup: str) -> set[str]:
    """Every fill and stroke a chart's shapes are painted with."""
    svg = ET.fromstring(str(markup))
    return {
        e.attrib[a]
        for e in svg.iter()
        if e.tag in (f"{SVG}rect", f"{SVG}circle", f"{SVG}path")
        for a in ("fill", "stroke")
        if a in e.attrib
    }


# --- the colour rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48)],
)
def test_contrast_is_wcags_ratio(first: str, second: str, ratio: float) -> None:
    assert contrast(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast(second, first) == contrast(first, second)


@pytest.mark.parametrize("primary", ["#0b6e4f", "#24506b", "#3949ab", "#000"])
def test_a_brand_colour_dark_enough_is_used_as_it_is(primary: str) -> None:
    assert contrast(primary, "#ffffff") >= GRAPHIC_CONTRAST
    assert neutral_colour(primary) in (primary, "#000000")


@pytest.mark.parametrize("primary", ["#ffd54f", "#9ecbff", "#f2a541", "#ffffff", "#7fdbca"])
def test_a_pale_brand_colour_is_darkened_to_3_to_1_and_no_further(primary: str) -> None:
    assert contrast(primary, "#ffffff") < GRAPHIC_CONTRAST
    darker = neutral_colour(primary)
    assert contrast(darker, "#ffffff") >= GRAPHIC_CONTRAST
    assert contrast(darker, "#ffffff") < GRAPHIC_CONTRAST + 0.25  # the brand, not black
    # the hue kept: each channel scaled by the same factor (to a unit of rounding)
    wanted = [int(primary[i : i + 2], 16) for i in (1, 3, 5)]
    got = [int(darker[i : i + 2], 16) for i in (1, 3, 5)]
    factors = [g / w for g, w in zip(got, wanted, strict=True) if w > 40]
    assert max(factors) - min(factors) < 0.03, (primary, darker)


def test_no_primary_keeps_the_charts_indigo() -> None:
    assert neutral_colour(None) == TRAINING
    case, _fmt = case_of(UNBRANDED)
    assert chart_colour(case) == TRAINING


@pytest.mark.parametrize(
    ("fill", "text"),
    [(TRAINING, "#ffffff"), (LOSS, "#ffffff"), ("#f2a541", INK), ("#0b6e4f", "#ffffff")],
)
def test_text_on_a_fill_reads_at_4_5_to_1(fill: str, text: str) -> None:
    assert text_on(fill) == text
    assert contrast(text_on(fill), fill) >= TEXT_CONTRAST


def test_a_branded_proposals_charts_wear_its_primary_and_keep_red_and_green() -> None:
    case, fmt = case_of(BRANDED)
    primary = chart_colour(case)
    assert primary == "#24506b"
    for charts in (case_charts(case, fmt), {k: v[0] for k, v in slide_charts(case, fmt).items()}):
        colours = {name: painted(chart) for name, chart in charts.items()}
        assert all(TRAINING not in c for c in colours.values()), colours
        for neutral in ("survey", "cost", "timeline"):
            assert primary in colours[neutral], neutral
        assert {LOSS, GAIN} <= colours["cost"]  # doing nothing a loss, the gain a gain
        assert LOSS in colours["risks"] and primary not in colours["risks"]
        assert GAIN in colours["payback"]
    impact = painted(case_charts(case, fmt)["impact"])
    assert primary in impact and TRAINING not in impact


@pytest.mark.parametrize(
    ("primary", "accent", "neutral"),
    [
        ("#24506b", "#d9822b", "#24506b"),  # a blue brand: its own colour
        ("#0b6e4f", "#f2a541", neutral_colour("#f2a541")),  # green: its accent, darkened
        ("#e53935", "#2e8b57", SLATE),  # red and green: neither would read as neutral
        ("#0b6e4f", None, SLATE),
    ],
)
def test_a_brand_that_reads_as_gain_or_loss_gives_way(
    primary: str, accent: str | None, neutral: str
) -> None:
    """Red and green mean loss and gain on every chart: a green or red brand colour would
    make a cost read as a gain, so its accent (or slate) draws the neutral series."""
    assert brand_neutral(primary, accent) == neutral
    assert reads_as_gain_or_loss(GAIN) and reads_as_gain_or_loss(LOSS)
    assert not reads_as_gain_or_loss(TRAINING) and not reads_as_gain_or_loss("#777777")
    case, _fmt = case_of(GREEN_BRAND)
    assert chart_colour(case) == neutral_colour("#f2a541") != GAIN


def test_a_pale_brand_is_darkened_in_the_charts() -> None:
    """A proposal whose primary is too pale for white draws its bars in the darkened one."""
    bars = [Bar("pale", 40.0), Bar("loss", 60.0, color=LOSS)]
    canvas = slide_canvas(neutral_colour("#ffd54f"))
    (chart,) = bar_chart_parts(bars, "t", "survey", str, scale_max=100, canvas=canvas)
    assert canvas.colour in painted(chart) and "#ffd54f" not in painted(chart)
    assert contrast(canvas.colour, "#ffffff") >= GRAPHIC_CONTRAST


# --- the slides' charts ----------------------------------------------------------------


def sizes(markup: str) -> tuple[float, float, float, float]:
    """A slide chart's viewBox width and height, and its width and height in px."""
    svg = ET.fromstring(str(markup))
    _x, _y, width, height = (float(v) for v in svg.attrib["viewBox"].split())
    return width, height, float(svg.attrib["width"]), float(svg.attrib["height"])


@pytest.mark.parametrize("folder", [BRANDED, UNBRANDED, GREEN_BRAND], ids=lambda f: f.name)
def test_a_slides_chart_fits_a_slide_at_26_px_text(folder: Path) -> None:
    case, fmt = case_of(folder)
    for name, parts in slide_charts(case, fmt).items():
        for part in parts:
            width, height, px_wide, px_tall = sizes(part)
            assert width == SLIDE_WIDTH and height <= SLIDE_HEIGHT, (name, height)
            assert px_wide == pytest.approx(width * SLIDE_SCALE)
            assert px_tall == pytest.approx(height * SLIDE_SCALE, abs=SLIDE_SCALE)
            smallest = min(float(s) for s in re.findall(r'font-size="([\d.]+)"', str(part)))
            # reveal.js shows a 1280 x 720 slide at 0.96 on a 1280 x 720 screen
            assert smallest * SLIDE_SCALE * 0.96 >= 24, name
    assert SLIDE_WIDTH * SLIDE_SCALE <= 1152  # the slide's width inside its margins


def test_a_survey_too_long_for_one_slide_is_shared_evenly_and_whole() -> None:
    case, fmt = case_of(MANY_BARS)
    parts = slide_charts(case, fmt)["survey"]
    counts = [str(p).count("<rect") for p in parts]
    assert len(parts) > 1 and max(counts) - min(counts) <= 1, counts
    page = case_charts(case, fmt)["survey"]
    assert sum(counts) == str(page).count("<rect")  # every figure, once
    risks = slide_charts(case, fmt)["risks"]
    legends = [str(p).count(' r="10"') for p in risks]  # a legend's numbered dots
    assert len(risks) > 1 and max(legends) - min(legends) <= 1 and sum(legends) == 6


def test_the_pages_charts_stay_as_wide_as_their_column() -> None:
    case, fmt = case_of(GREEN_BRAND)
    for name, chart in case_charts(case, fmt).items():
        svg = ET.fromstring(str(chart))
        assert svg.attrib["width"] == "100%" and "height" not in svg.attrib, name
        assert "bc-chart--slide" not in svg.attrib["class"]


@pytest.mark.parametrize(
    ("items", "room", "shared"),
    [(11, 4, [3, 4, 4]), (4, 4, [4]), (5, 4, [2, 3]), (4, 3, [2, 2]), (3, 0, [1, 1, 1])],
)
def test_parts_are_the_fewest_that_fit_and_shared_evenly(
    items: int, room: int, shared: list[int]
) -> None:
    parts = split_evenly(list(range(items)), lambda part: len(part) <= room)
    assert [len(p) for p in parts] == shared
    assert [i for p in parts for i in p] == list(range(items))
