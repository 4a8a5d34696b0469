"""The charts read as geometry: every SVG is parsed (xml.etree) and measured.

Sizes: each chart is as wide as its column (`width="100%"` and a viewBox, no pixel width),
and its smallest text is 14 px when it is `charts.svg.WIDTH` px wide (the width its docstring
names), so print can be sized for 7 pt. Honesty: bubble areas in the ratio of the expected
losses, survey bars on a drawn 0-100% axis, every axis titled, the one-off cost and the
yearly flows each saying which it is, the payback line ending at the net value of the
table beside it (discounted where the proposal discounts). And chart text stays out of
the site's search index.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from material.plugins.search.plugin import Parser

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.i18n import language
from buildcase.render import charts
from buildcase.render.chart_data import case_charts
from buildcase.render.charts.impact_map import MAP_WIDTH
from buildcase.render.charts.payback import payback_chart
from buildcase.render.charts.risk import risk_chart
from buildcase.render.charts.svg import NBSP, WIDTH, text_width, whole, width_for, wrapped_lines
from buildcase.render.formatting import Formatter

from .conftest import PROPOSALS, REFERENCE

SVG = "{http://www.w3.org/2000/svg}"
SALES = PROPOSALS / "sales-enablement-journey"
SUPPORT = PROPOSALS / "support-coaching-programme"
HUDDLE = PROPOSALS / "safety-huddle-coaching"
EXAMPLES = [REFERENCE, SALES, SUPPORT, HUDDLE]


def money(value: float) -> str:
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def english() -> Formatter:
    """The numbers a chart is given to write with, in English: a chart writes none itself."""
    return Formatter("USD", language("en"))


def case_of(folder: Path) -> tuple[Case, Formatter]:
    case = build_case(check_proposal(folder)[0], folder.name)
    return case, Formatter(case.proposal.currency, language(case.proposal.language))


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def viewbox(svg: ET.Element) -> tuple[float, float]:
    x, y, width, height = (float(v) for v in svg.attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    return width, height


def texts(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}text"))


def circles(svg: ET.Element) -> list[ET.Element]:
    return list(svg.iter(f"{SVG}circle"))


@pytest.fixture(scope="module")
def every_chart() -> list[tuple[str, str, ET.Element]]:
    """(example, chart name, SVG) for every chart of the examples."""
    found = []
    for folder in EXAMPLES:
        case, fmt = case_of(folder)
        for name, markup in case_charts(case, fmt).items():
            found.append((folder.name, name, parsed(markup)))
    assert {name for _, name, _ in found} >= {"survey", "risks", "cost", "payback", "timeline"}
    return found


# --- size ---------------------------------------------------------------------------------


def test_every_chart_scales_to_its_column(every_chart: list[tuple[str, str, ET.Element]]) -> None:
    for example, name, svg in every_chart:
        assert svg.attrib.get("width") == "100%", (example, name)
        assert "height" not in svg.attrib, (example, name)  # the viewBox gives the height
        width, height = viewbox(svg)
        wide = MAP_WIDTH if name == "impact" else WIDTH  # four columns of words
        assert width == wide and height > 0


def test_the_smallest_text_is_14_px_at_the_documented_width(
    every_chart: list[tuple[str, str, ET.Element]],
) -> None:
    documented = " ".join((charts.__doc__ or "").split())
    assert "at 480 CSS px wide (127 mm) the smallest text is 14 px" in documented
    assert WIDTH == 480
    for example, name, svg in every_chart:
        width, _ = viewbox(svg)
        documented_width = MAP_WIDTH if name == "impact" else 480
        sizes = [float(t.attrib["font-size"]) * documented_width / width for t in texts(svg)]
        assert sizes and min(sizes) >= 14, (example, name, min(sizes))
    assert "Its smallest text is 14 px at 800 CSS px wide" in documented
    assert MAP_WIDTH == 800
    # the impact map prints 148 mm wide in the handout: 14 units at 148 mm / 800 >= 7 pt
    assert 14 * 148 / MAP_WIDTH / 25.4 * 72 >= 7
    # print: 7 pt = 9.33 px needs 320 px (84.7 mm) of width
    assert width_for(7) == pytest.approx(320)
    assert width_for(7) / 96 * 25.4 == pytest.approx(84.7, abs=0.05)


def test_no_text_runs_outside_the_chart(every_chart: list[tuple[str, str, ET.Element]]) -> None:
    for example, name, svg in every_chart:
        width, _ = viewbox(svg)
        for t in texts(svg):
            x, size = float(t.attrib["x"]), float(t.attrib["font-size"])
            run = text_width(t.text or "", size, int(t.attrib["font-weight"]))
            start = {"start": x, "middle": x - run / 2, "end": x - run}[t.attrib["text-anchor"]]
            assert start >= -0.5 and start + run <= width + 0.5, (example, name, t.text)


def test_a_value_is_never_broken_across_lines() -> None:
    case, fmt = case_of(REFERENCE)
    survey = parsed(case_charts(case, fmt)["survey"])
    shown = [t.text for t in texts(survey)]
    assert "65% ± 1.7 pts" in shown  # whole, on one line
    assert not any(s and s.endswith("±") for s in shown)
    # wrapping keeps a value whole even where its line is full
    long = "word " * 12 + whole("65% ± 1.7 pts")
    lines = [line.replace(NBSP, " ") for line in wrapped_lines(long, 150)]
    assert any(line.endswith("65% ± 1.7 pts") or line == "65% ± 1.7 pts" for line in lines)
    assert all(not line.endswith("±") for line in lines)


# --- honest scales ------------------------------------------------------------------------


def test_bubble_areas_are_in_the_ratio_of_the_expected_losses() -> None:
    case, fmt = case_of(REFERENCE)
    svg = parsed(case_charts(case, fmt)["risks"])
    losses = [v.expected for r in case.risks if (v := case.lead.risks.get(r.anchor))]
    assert [round(x) for x in losses] == [300000, 87500, 150000]  # 3.43 : 1 : 1.71
    # the plot's bubbles: red, not the legend's number badges (radius 10 at x 10)
    bubbles = [c for c in circles(svg) if c.attrib.get("fill-opacity")]
    assert len(bubbles) == 3
    # drawn largest first; match each to its loss by size order
    areas = sorted(math.pi * float(c.attrib["r"]) ** 2 for c in bubbles)
    values = sorted(losses)
    for area, value in zip(areas, values, strict=True):
        assert area / areas[0] == pytest.approx(value / values[0], rel=0.02)


def test_a_tiny_risk_keeps_its_true_size_and_gets_its_number_beside_it() -> None:
    risks = [("Big", 0.5, 1_000_000, 500_000), ("Tiny", 0.1, 10_000, 1_000)]
    svg = parsed(risk_chart(risks, money, english().share, english().number))
    big, tiny = sorted((c for c in circles(svg) if c.attrib.get("fill-opacity")),
                       key=lambda c: -float(c.attrib["r"]))  # fmt: skip
    ratio = (float(tiny.attrib["r"]) / float(big.attrib["r"])) ** 2
    assert ratio == pytest.approx(1_000 / 500_000, rel=0.02)  # no floor on the radius
    cx, cy = float(tiny.attrib["cx"]), float(tiny.attrib["cy"])
    label = [t for t in texts(svg) if t.text == "2" and t.attrib["fill"] == "currentColor"]
    assert label, "the tiny bubble's number is written beside it"
    assert abs(float(label[0].attrib["x"]) - cx) < 12 and abs(float(label[0].attrib["y"]) - cy) < 8


def test_overlapping_bubbles_never_hide_a_number() -> None:
    """Two risks close in likelihood and impact overlap (as the support example's first two
    do): each number is drawn after every bubble, so no bubble paints over one."""
    risks = [("Leave", 0.6, 270_000, 162_000), ("Repeat", 0.5, 300_000, 150_000)]
    svg = parsed(risk_chart(risks, money, english().share, english().number))
    drawn = list(svg.iter())
    bubbles = [
        i for i, e in enumerate(drawn) if e.tag == f"{SVG}circle" and e.attrib.get("fill-opacity")
    ]
    numbers = [i for i, e in enumerate(drawn) if e.tag == f"{SVG}text" and e.text in {"1", "2"}]
    assert len(bubbles) == 2 and len(numbers) >= 2
    assert max(bubbles) < min(numbers)


def test_the_risk_chart_titles_both_axes_and_labels_each_risk_in_full() -> None:
    case, fmt = case_of(REFERENCE)
    shown = [t.text for t in texts(parsed(case_charts(case, fmt)["risks"]))]
    assert "Likelihood per year" in shown and "Impact if it happens" in shown
    assert "0%" in shown and "100%" in shown
    assert any(s and s.endswith("$300,000 a year") for s in shown)


def test_survey_bars_stand_on_a_drawn_0_to_100_percent_axis() -> None:
    case, fmt = case_of(REFERENCE)
    svg = parsed(case_charts(case, fmt)["survey"])
    ticks = {t.text: float(t.attrib["x"]) for t in texts(svg)}
    for label in ("0%", "25%", "50%", "75%", "100%"):
        assert label in ticks
    assert "Share of respondents" in ticks  # the axis title
    zero, hundred = ticks["0%"], ticks["100%"]
    # the tick for 0% may be set flush left; the bars start where the axis does
    bars = [r for r in svg.iter(f"{SVG}rect")]
    left = float(bars[0].attrib["x"])
    axis = next(
        p for p in svg.iter(f"{SVG}path") if re.fullmatch(r"M[\d.]+ [\d.]+H[\d.]+", p.attrib["d"])
    )
    end = float(axis.attrib["d"].split("H")[1])
    assert zero <= left + 1 and hundred == pytest.approx(end, abs=1)
    # 65% is 65% of the axis
    assert float(bars[0].attrib["width"]) / (end - left) == pytest.approx(0.65, abs=0.002)


def test_the_one_off_cost_and_the_yearly_flows_say_which_each_is() -> None:
    case, fmt = case_of(REFERENCE)
    svg = parsed(case_charts(case, fmt)["cost"])
    shown = [t.text for t in texts(svg)]
    assert "$184,000 once" in shown
    assert "$537,500 a year" in shown and "$300,000 a year" in shown
    assert "Amount" in shown and "$0" in shown  # a titled axis from zero


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda f: f.name)
def test_the_payback_line_ends_at_the_net_value_of_the_table(folder: Path) -> None:
    case, fmt = case_of(folder)
    lead = case.lead
    svg = parsed(case_charts(case, fmt)["payback"])
    line = next(p for p in svg.iter(f"{SVG}path") if p.attrib.get("class") == "bc-chart__net")
    points = [
        tuple(map(float, xy.split())) for xy in re.findall(r"[\d.]+ [\d.]+", line.attrib["d"])
    ]
    zero_line = next(
        p for p in svg.iter(f"{SVG}path")
        if p.attrib.get("stroke") == "currentColor" and "H" in p.attrib["d"] and "v" not in p.attrib["d"]
    )  # fmt: skip
    zero = float(zero_line.attrib["d"].split()[1].split("H")[0])
    (_, y_start), (_, y_end) = points[0], points[-1]
    assert lead.net_value is not None and lead.cost is not None
    # y is linear in value: (y_end - zero) / (y_start - zero) = net value / -cost
    assert (y_end - zero) / (y_start - zero) == pytest.approx(lead.net_value / -lead.cost, abs=0.01)
    assert len(points) == 12 * lead.horizon_years + 1  # the line runs over the horizon
    shown = [t.text for t in texts(svg)]
    assert fmt.money(lead.net_value) in shown  # its end, labelled
    title = shown[0]
    if lead.discount_rate:
        assert "discounted at" in title and "not" not in title
    else:
        assert title == "Net value so far, not discounted"


def test_a_payback_after_the_horizon_is_shown_dashed_beyond_it() -> None:
    net = [-1200.0 + 100 * m for m in range(19)]  # pays back at month 12, horizon 6
    svg = parsed(payback_chart(net, 12.0, money, english().number, horizon=6))
    line = next(p for p in svg.iter(f"{SVG}path") if p.attrib.get("class") == "bc-chart__net")
    assert len(re.findall(r"[\d.]+ [\d.]+", line.attrib["d"])) == 7
    assert any(p.attrib.get("stroke-dasharray") == "6 5" for p in svg.iter(f"{SVG}path"))
    assert "-$600" in [t.text for t in texts(svg)]  # the net value at the horizon
    # its label to the left of the dotted line marking the horizon, not across it
    (edge,) = [p for p in svg.iter(f"{SVG}path") if p.attrib.get("stroke-dasharray") == "2 3"]
    horizon_x = float(re.findall(r"M([\d.]+)", edge.attrib["d"])[0])
    end = next(t for t in texts(svg) if t.text == "-$600")
    assert horizon_x - float(end.attrib["x"]) >= 4 and end.attrib["text-anchor"] == "end"


def _box(t: ET.Element) -> tuple[float, float, float, float]:
    """A text's box in user units (left, top, right, bottom), from its anchor and width."""
    x, y, size = float(t.attrib["x"]), float(t.attrib["y"]), float(t.attrib["font-size"])
    width = text_width(t.text or "", size, int(t.attrib.get("font-weight", 400)))
    left = {"start": x, "middle": x - width / 2, "end": x - width}[
        t.attrib.get("text-anchor", "start")
    ]
    return left, y - size, left + width, y


@pytest.mark.parametrize("months", [11.0, 6.0, 3.0])
def test_the_payback_label_never_meets_the_end_label(months: float) -> None:
    net = [-92000.0 + 92000 / months * m for m in range(13)]  # pays back at `months`
    svg = parsed(payback_chart(net, months, money, english().number))
    labels = {t.text: _box(t) for t in texts(svg)}
    paid = labels[next(k for k in labels if k and k.startswith("Paid back after"))]
    end = labels[money(net[12])]
    apart = paid[2] <= end[0] or end[2] <= paid[0] or paid[3] <= end[1] or end[3] <= paid[1]
    assert apart, (paid, end)


# --- text alternative and search ----------------------------------------------------------


def test_every_chart_keeps_its_text_alternative(
    every_chart: list[tuple[str, str, ET.Element]],
) -> None:
    for example, name, svg in every_chart:
        assert svg.attrib["role"] == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and desc is not None and (title.text or "").strip()
        assert svg.attrib["aria-labelledby"] == title.attrib["id"], (example, name)


def test_chart_text_stays_out_of_the_search_index(
    every_chart: list[tuple[str, str, ET.Element]],
) -> None:
    """Material's search plugin skips an element marked `data-search-exclude`, and all in
    it: the chart's text is fed to the very parser that builds search_index.json."""
    case, fmt = case_of(REFERENCE)
    payback = case_charts(case, fmt)["payback"]
    html = f'<h1 id="case">The business case</h1><p>Before.</p>{payback}<p>After.</p>'
    parser = Parser()
    parser.feed(html)
    parser.close()
    indexed = " ".join("".join(s.text) for s in parser.data)
    assert "Before." in indexed and "After." in indexed
    assert "Months from the start" not in indexed and "$184k" not in indexed
    for _example, _name, svg in every_chart:
        assert "data-search-exclude" in svg.attrib
