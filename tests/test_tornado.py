"""The tornado and every driver told one at a time (issue 28): the chart's bars in the order
of their swing about a line at the return as estimated, the default swing said only where
it was used, and the case page, the back-up slide and the case slide's notes of the built
examples saying what would have to be true, a sentence for every driver.

The figures are worked by hand on a small proposal: a budget of $50,000 over one year;
one benefit worth $150,000 to $300,000 a year (conservative: $150,000), half of it
credited to training, at an application rate of 50% of 120 participants; the gain rising
evenly over the 4 weeks of the training, so that the year holds 12 - (4 / 2) x 12 / 52
months of the full gain.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.i18n import language
from buildcase.render.chart_data import case_charts, slide_charts
from buildcase.render.charts.svg import SLIDE_HEIGHT, slide_canvas
from buildcase.render.charts.tornado import PAGE_BARS, Swing, Words, tornado_chart
from buildcase.render.formatting import Formatter

from .conftest import PROPOSALS, write_proposal
from .test_build import page_text

SMALL = """\
title: Coaching
organization: Acme
prepared_by: {name: Ann Lee, role: L&D lead}
date: 2026-11-01
summary: Coach our managers.
goals:
  - {id: retention, title: Keep our people}
request:
  budget: 50000
  participants: 120
  duration: 4 weeks
financials:
  horizon_years: 1
  application_rate: 50%
benefits:
  - title: Fewer people leave
    goals: [retention]
    annual_value: {low: 150000, likely: 200000, high: 300000}
    attribution: 50%
risks:
  - title: People leave
    likelihood: 30%
    impact: 10000
"""

SHARE = (12 - (4 / 2) * 12 / 52) / 12  # of a year's full gain, earned in the year
COST = 50_000


def roi(annual_value: float, credited: float = 0.5) -> float:
    """The return over the year, in percent, of a benefit worth `annual_value` a year of
    which `credited` counts."""
    return (annual_value * credited * SHARE - COST) / COST * 100


def case_of(folder: Path) -> tuple[Case, Formatter]:
    case = build_case(check_proposal(folder)[0], folder.name)
    return case, Formatter(case.proposal.currency, language(case.proposal.language))


@pytest.fixture
def small(workspace: Path) -> tuple[Case, Formatter]:
    return case_of(write_proposal(workspace, SMALL))


def texts(svg: object) -> list[str]:
    return [t.text or "" for t in ET.fromstring(str(svg)).iter("{http://www.w3.org/2000/svg}text")]


def words(note: str = "NOTE") -> Words:
    return Words("Title", "Line: 10%", "Low", "High", "Zero", note, lambda n: f"and {n} more")


# --- the chart ------------------------------------------------------------------------------


def test_the_bars_run_widest_swing_first_with_the_return_at_each_end(
    small: tuple[Case, Formatter],
) -> None:
    case, fmt = small
    lead = roi(150_000)  # the conservative case: the value at the low end of its range
    assert case.lead.roi == pytest.approx(lead, rel=1e-9)
    swings = {
        "value": roi(300_000) - lead,  # the author's range: $150,000 to $300,000
        "rate": roi(150_000 * 62.5 / 50) - roi(150_000 * 37.5 / 50),  # 50% +-25%
        "attribution": roi(150_000, 0.625) - roi(150_000, 0.375),  # 50% +-25%
        "confidence": lead - roi(150_000 * 0.75),  # 100%, down 25% (no higher than 100%)
    }
    assert list(swings) == sorted(swings, key=lambda k: -swings[k])
    svg = str(case_charts(case, fmt)["tornado"])
    said = texts(svg)
    rows = [i for i, t in enumerate(said) if t.startswith(("Fewer people leave:", "Share of"))]
    order = [said[i] for i in rows]
    assert order[0].startswith("Fewer people leave: value a year ($150,000–$300,000)")
    assert order[1].startswith("Share of those trained who apply it (38%–62%")
    assert order[2].startswith("Fewer people leave: share credited to training")
    assert order[3].startswith("Fewer people leave: confidence in its value (75%–100%")
    # the line is the return as estimated, and each end says the return there
    assert said[0] == f"Line: the return over 1 year, conservative case, {lead:.0f}%"
    assert f"{roi(300_000):.0f}%" in said  # the value at $300,000 a year: 188%
    assert f"{roi(150_000 * 37.5 / 50):.0f}%" in said  # at 37.5% applying it: 8%
    assert f"{roi(150_000 * 62.5 / 50):.0f}%" in said  # at 62.5%: 80%
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg


def test_the_line_stands_where_the_bars_meet() -> None:
    """Each bar runs from the line to the return at one end: with the return 10% as
    estimated, 0% at one end and 30% at the other, the line is at the shared edge."""
    svg = tornado_chart([Swing("A", 0.0, 30.0)], 10.0, lambda v: f"{v:.0f}%", words())
    root = ET.fromstring(str(svg))
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(f"{ns}rect") if float(r.get("height", 0)) > 12]
    edges = [{float(r.get("x", 0)), float(r.get("x", 0)) + float(r.get("width", 0))} for r in bars]
    line = next(p for p in root.iter(f"{ns}path") if p.get("stroke-width") == "2")
    x = float(re.match(r"M([\d.]+)", line.get("d", "")).group(1))  # type: ignore[union-attr]
    assert all(any(abs(e - x) < 0.01 for e in edge) for edge in edges)
    # the bar to 30% is twice as long as the bar to 0%: 20 points against 10
    widths = sorted(float(r.get("width", 0)) for r in bars)
    assert widths[1] == pytest.approx(2 * widths[0], rel=0.01)


def test_the_default_swing_is_said_only_where_an_estimate_had_no_range() -> None:
    percent = "{:.0f}%".format
    ranged = tornado_chart([Swing("A", 0.0, 30.0)], 10.0, percent, words("SWUNG"))
    assert "SWUNG" not in texts(ranged)
    swung = [Swing("A", 0.0, 30.0), Swing("B", 5.0, 15.0, default=True)]
    assert "SWUNG" in " ".join(texts(tornado_chart(swung, 10.0, percent, words("SWUNG"))))


def test_a_page_shows_eight_bars_and_says_how_many_more() -> None:
    swings = [Swing(f"Driver {k}", 10.0 - k, 10.0 + k) for k in range(12, 0, -1)]
    svg = tornado_chart(swings, 10.0, "{:.0f}%".format, words())
    said = texts(svg)
    assert sum(t.startswith("Driver") for t in said) == PAGE_BARS == 8
    assert "and 4 more" in said  # 12 - 8


def test_a_slide_shows_at_most_five_bars_and_fits_the_slide() -> None:
    swings = [Swing(f"Driver {k}", 10.0 - k, 10.0 + k) for k in range(9, 0, -1)]
    svg = tornado_chart(swings, 10.0, "{:.0f}%".format, words(), slide_canvas())
    said = texts(svg)
    shown = sum(t.startswith("Driver") for t in said)
    assert 1 <= shown <= 5 and f"and {9 - shown} more" in " ".join(said)
    _x, _y, _w, height = (float(v) for v in ET.fromstring(str(svg)).get("viewBox", "").split())
    assert height <= SLIDE_HEIGHT


def test_a_long_german_word_is_broken_not_run_out_of_the_chart() -> None:
    word = "Konsumentenkreditbeschwerdebearbeitungszeitverkürzungsmaßnahmenwirkung"
    svg = tornado_chart([Swing(word, 0.0, 30.0)], 10.0, "{:.0f}%".format, words())
    assert any(t.endswith("-") for t in texts(svg))


def test_every_example_has_a_tornado_on_its_page_and_its_slide() -> None:
    for folder in sorted(p for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file()):
        case, fmt = case_of(folder)
        assert "tornado" in case_charts(case, fmt), folder.name
        (part,) = slide_charts(case, fmt)["tornado"]
        assert float(ET.fromstring(str(part)).get("viewBox", "").split()[3]) <= SLIDE_HEIGHT


# --- the sentences ---------------------------------------------------------------------------


def test_the_application_rate_is_told_in_people(small: tuple[Case, Formatter]) -> None:
    """The return is zero where 50% x $150,000 x rate / 50% x SHARE = $50,000: at a rate
    of 50% x 50,000 / (75,000 x SHARE), 34.67%, which is 41.6 of 120 people: at least 42."""
    case, fmt = small
    rate = next(t for t in case.thresholds if t.sensitivity.driver.what == "application_rate")
    at = 50 * COST / (75_000 * SHARE)
    assert rate.sensitivity.break_even == pytest.approx(at, rel=1e-9)
    people = -(-120 * at // 100)  # rounded up: the case needs at least so many
    assert fmt.reading(rate) == (
        f"The case holds as long as at least {people:.0f} of the 120 participants apply it;"
        " we plan for 60."
    )
    # its margin of safety: it can fall from 50% to 34.67%, by 30.67% of itself
    assert f"margin of safety {(50 - at) / 50 * 100:.0f}%" in fmt.holds(rate)


def test_a_driver_that_cannot_break_the_case_says_so() -> None:
    """The sales journey pays at any application rate from nothing to the 60% it plans."""
    case, fmt = case_of(PROPOSALS / "sales-enablement-journey")
    rate = next(t for t in case.thresholds if t.sensitivity.driver.what == "application_rate")
    assert fmt.reading(rate) == "No value from 0% to 60% stops the case paying."


LASTS = """\
title: Coaching
organization: Acme
prepared_by: {name: Ann Lee, role: L&D lead}
date: 2026-11-01
summary: Coach our managers.
goals:
  - {id: retention, title: Keep our people}
request: {budget: 50000, participants: 120, duration: 4 weeks}
financials: {horizon_years: 2}
costs:
  - {item: Licence, amount: 25000, recurring: yearly}
benefits:
  - {title: Fewer people leave, goals: [retention], annual_value: 90000, lasts: 40 weeks}
risks:
  - {title: People leave, likelihood: 30%, impact: 10000}
"""


def test_where_payback_passes_the_horizon_at_another_value_the_sentence_says_both(
    workspace: Path,
) -> None:
    """A licence paid each year, a gain that ends after 40 weeks: over the two years the
    gain is the value x (40 weeks - half the 4-week ramp) / 52 = value x 38/52, against
    2 x $25,000 of licences, so the return is zero at a value of 50,000 x 52/38; the payback
    comes in the first year once the gain covers that year's $25,000, so it stays within
    the horizon down to 25,000 x 52/38. Both are said."""
    case, fmt = case_of(write_proposal(workspace, LASTS))
    value = next(t for t in case.thresholds if t.sensitivity.driver.what == "annual_value")
    s = value.sensitivity
    assert s.break_even == pytest.approx(50_000 * 52 / 38, rel=1e-9)
    assert s.payback_break_even == pytest.approx(25_000 * 52 / 38, rel=1e-6)
    assert fmt.reading(value) == (
        f"The case holds as long as it is at least {fmt.bound(50_000 * 52 / 38, 'money', True)};"
        " we take $90,000. It pays back within the horizon as long as it is at least "
        f"{fmt.bound(25_000 * 52 / 38, 'money', True)}."
    )


def test_where_both_thresholds_meet_one_sentence_says_it(small: tuple[Case, Formatter]) -> None:
    case, fmt = small
    for t in case.thresholds:
        assert "pays back within the horizon" not in fmt.reading(t), t.sensitivity.driver.key


# --- the built examples ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("example", ["department-heads-rollout", "sales-enablement-journey"])
def test_the_case_page_and_the_deck_say_what_would_have_to_be_true(
    examples_site: Path, example: str
) -> None:
    case, fmt = case_of(PROPOSALS / example)
    built = examples_site / example
    raw = (built / "case.html").read_text(encoding="utf-8")
    assert 'class="bc-chart bc-chart--tornado"' in raw and 'role="img"' in raw
    page = page_text(built / "case.html")
    assert "What would have to be true" in page
    for t in case.thresholds:  # a sentence for every driver
        assert f"{fmt.driver(t)}. {fmt.reading(t)}" in page, t.sensitivity.driver.key
    for t in case.holds_if:
        assert fmt.holds(t) in page
        assert "margin of safety" in fmt.holds(t) or "away from it" in fmt.holds(t)
    deck = (built / "present.html").read_text(encoding="utf-8")
    backup = deck[deck.index('data-slide="tornado"') :]
    backup = backup[: backup.index("</section>")]
    assert "bc-chart--tornado" in backup and "How far each estimate moves the return" in backup
    notes = deck[deck.index('data-slide="case"') :]
    notes = page_text_of(notes[notes.index('<aside class="notes">') : notes.index("</aside>")])
    assert "What would have to be true" in notes
    for t in case.holds_if:
        assert fmt.holds(t) in notes


@pytest.mark.slow
def test_the_application_rate_is_counted_in_the_departments_people(examples_site: Path) -> None:
    """420 participants, 45% of whom are planned to apply it: 189 people."""
    page = page_text(examples_site / "department-heads-rollout" / "case.html")
    assert f"of the 420 participants applied it; we plan for {420 * 45 // 100}." in page


def page_text_of(markup: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))
