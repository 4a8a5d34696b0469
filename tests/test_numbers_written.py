"""Every number a reader sees is written by the Formatter: a chart's, with the Formatter's
functions it is given, so a German chart reads `25 %`, `1,5` and `1,5 Mio. €` and an
English one `25%`, `1.5` and `$1.5M`; the portfolio's count, by an English Formatter.

The charts are drawn once with writers that set every digit full-width (`０１２…`): an
ASCII digit left in a chart's text is one the chart wrote itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.i18n import language
from buildcase.render.chart_data import case_charts
from buildcase.render.charts.bars import Bar, bar_chart
from buildcase.render.charts.impact_map import MapBehaviour, MapResult, impact_map
from buildcase.render.charts.payback import payback_chart
from buildcase.render.charts.risk import risk_chart
from buildcase.render.charts.svg import NBSP, text_width
from buildcase.render.charts.timeline import timeline_chart
from buildcase.render.formatting import Formatter
from buildcase.render.portfolio import render_portfolio

from .conftest import ROOT, copy_reference

SVG = "{http://www.w3.org/2000/svg}"
_WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def wide(text: str) -> str:
    return text.translate(_WIDE)


def wide_money(value: float) -> str:
    return wide(f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}")


def wide_share(fraction: float) -> str:
    return wide(f"{fraction * 100:.0f}%")


def wide_number(value: float, decimals: int = 0) -> str:
    return wide(f"{value:,.{decimals}f}")


def shown(chart: Markup | ET.Element) -> list[str]:
    """Every text a reader meets in a chart: its title, its description and its labels
    (a no-break space read as a space)."""
    svg = chart if isinstance(chart, ET.Element) else ET.fromstring(str(chart))
    tags = (f"{SVG}text", f"{SVG}title", f"{SVG}desc")
    return [(e.text or "").replace(NBSP, " ") for e in svg.iter() if e.tag in tags]


def digit_free_charts() -> dict[str, Markup]:
    """Every chart, its labels without a digit and its numbers written full-width."""
    return {
        "shares": bar_chart(
            [Bar("Ready", 40.0, 35.5, 44.5, wide("40% ± 4.5 pts")), Bar("Unsure", 62.5)],
            "Shares", "shares", lambda v: wide_share(v / 100), scale_max=100, axis="Share",
        ),
        "amounts": bar_chart(
            [Bar("Once", 184_000, text=wide_money(184_000)), Bar("Yearly", 537_500, 400_000, 700_000)],
            "Amounts", "amounts", wide_money, axis="Amount",
        ),
        "risks": risk_chart(
            [("Big", 0.35, 1_000_000, 350_000), ("Tiny", 0.1, 10_000, 1_000)],
            wide_money, wide_share, wide_number,
        ),
        # paid back at month 14.5, after a 12-month horizon: the line runs on, dashed
        "payback": payback_chart(
            [-145_000.0 + 10_000 * m for m in range(18)], 14.5, wide_money, wide_number,
            horizon=12,
        ),
        "timeline": timeline_chart([("Pilot", 0, 1.5), ("Roll-out", 1.5, 3.0)], wide_number),
        "impact": impact_map(
            [MapBehaviour("Coaching", "Leads", "Each week", "Review a ticket", (0,))],
            [MapResult("Fewer repeats", (0,))],
            ["Lower cost"],
        ),
    }  # fmt: skip


def test_no_chart_writes_a_number_itself() -> None:
    charts = digit_free_charts()
    for name, markup in charts.items():
        written_by_the_chart = [t for t in shown(markup) if re.search(r"[0-9]", t)]
        assert written_by_the_chart == [], name
    # the numbers are there, written by the writers each chart was given
    risks = shown(charts["risks"])
    assert {"０%", "２５%", "５０%", "７５%", "１００%"} <= set(risks)  # likelihood
    assert {"１", "２"} <= set(risks)  # the bubbles' numbers
    assert "Big: ３５% a year" in risks[1]  # the text alternative
    assert {"０", "３", "６", "９", "１２", "１５"} <= set(shown(charts["payback"]))
    assert {"０", "０.５", "１", "１.５", "２", "２.５", "３"} <= set(shown(charts["timeline"]))


def test_weeks_are_written_to_the_decimals_they_have_in_the_readers_language() -> None:
    phases = [("Pilot", 0.0, 1.5), ("Roll-out", 1.5, 3.0)]
    # three weeks in all: a tick every 3 / 6 = 0.5 weeks, from 0 to 3
    for fmt, ticks, desc in (
        (Formatter("USD", language("en")), "0 0.5 1 1.5 2 2.5 3", "Pilot: weeks 0–1.5"),
        (Formatter("EUR", language("de")), "0 0,5 1 1,5 2 2,5 3", "Pilot: Wochen 0–1,5"),
    ):
        texts = shown(timeline_chart(phases, fmt.number, fmt._))
        assert texts[2:4] == ["1. Pilot", "2. Roll-out"]
        assert " ".join(texts[4:11]) == ticks
        assert texts[1].startswith(desc)  # the description


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ET.Element]:
    """The reference proposal's charts in German, with euros."""
    workspace = tmp_path_factory.mktemp("german")
    (workspace / "proposals").mkdir()
    folder = copy_reference(workspace)
    yaml = folder / "proposal.yaml"
    yaml.write_text(yaml.read_text().replace("currency: USD", "currency: EUR\nlanguage: de"))
    case = build_case(check_proposal(folder)[0], folder.name)
    fmt = Formatter(case.proposal.currency, language(case.proposal.language))
    assert fmt.language.code == "de"
    return {name: ET.fromstring(str(chart)) for name, chart in case_charts(case, fmt).items()}


def test_a_german_risk_chart_writes_likelihoods_as_german_does(
    german: dict[str, ET.Element],
) -> None:
    risks = shown(german["risks"])
    assert {"0 %", "25 %", "50 %", "75 %", "100 %"} <= set(risks)  # were `25%`
    assert "25%" not in risks
    assert "1,5 Mio. €" in risks  # the impact axis, as CLDR shortens it
    # the text alternative: the crisis is 20% likely a year
    assert "would have avoided: 20 % pro Jahr, Auswirkung 1.500.000 €" in risks[1]


def test_german_charts_keep_their_numbers_german(german: dict[str, ET.Element]) -> None:
    survey, payback = shown(german["survey"]), shown(german["payback"])
    assert {"0 %", "25 %", "100 %", "65 % ± 1,7 Pkt."} <= set(survey)
    assert {"0", "3", "6", "9", "12", "Amortisiert nach 9,9 Monaten"} <= set(payback)
    assert "erreicht 52.538 € nach 12 Monaten" in payback[1]
    assert {"0", "5", "10", "15"} <= set(shown(german["timeline"]))  # 16 weeks, every 5


def test_german_chart_text_stays_inside_its_chart(german: dict[str, ET.Element]) -> None:
    """German numbers are longer (`100 %`, `1,5 Mio. €`): still inside the chart."""
    for name, svg in german.items():
        width = float(svg.attrib["viewBox"].split()[2])
        for t in svg.iter(f"{SVG}text"):
            x, size = float(t.attrib["x"]), float(t.attrib["font-size"])
            run = text_width(t.text or "", size, int(t.attrib["font-weight"]))
            start = {"start": x, "middle": x - run / 2, "end": x - run}[t.attrib["text-anchor"]]
            assert start >= -0.5 and start + run <= width + 0.5, (name, t.text)


# --- the portfolio ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "heading", "description"),
    [
        (1, "1 proposal, each", "1 training proposal: "),
        (2, "2 proposals, each", "2 training proposals: "),
        (1_000, "1,000 proposals, each", "1,000 training proposals: "),  # was `1000`
    ],
)
def test_the_portfolio_counts_its_proposals_in_english(
    count: int, heading: str, description: str
) -> None:
    """The portfolio's labels are English whatever each proposal's language: so is its count."""
    entries = {
        f"p{i}": {"title": "Coaching", "organization": "O", "lang": "de", "handouts": []}
        for i in range(count)
    }
    page = render_portfolio(entries, [ROOT / "templates"])
    assert f"<p>{heading} with its site and its handouts</p>" in page
    assert f'<meta name="description" content="{description}Coaching' in page
    template = (ROOT / "templates" / "portfolio.html.j2").read_text()
    assert '"s" if' not in template and "entries|length }}" not in template  # none by hand
