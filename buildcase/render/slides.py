"""The decks' charts as plain data, for a deck drawn by a library rather than a browser
(the PowerPoint's native charts): each chart's numbers with the labels and the texts its
SVG writes, and the proposal's colours.

The figures are those `chart_data.slide_charts` draws, taken from the computed case the
same way, so that a chart in the PowerPoint says what the same chart in the HTML deck
says. Nothing here works a figure out. A deck shows a chart in parts (`slide_charts`); a
reader of the deck takes each part's share from what the part's SVG lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buildcase.compute import Case
from buildcase.compute.sensitivity import SWING
from buildcase.i18n import language
from buildcase.markup import plain_text
from buildcase.models.quantities import Percent
from buildcase.render.chart_data import chart_colour, driver_label, money_bars
from buildcase.render.charts.colours import neutral_colour
from buildcase.render.charts.svg import TRAINING, decimals, whole
from buildcase.render.formatting import Formatter


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its length, the value as the reader reads it (`65% ± 1.7 pts`,
    `$184,000 once`) and its colour (hex, without `#`)."""

    label: str
    value: float
    text: str
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars on one value axis: a survey's shares (`percent`, values 0..1 on an
    axis to 100%) or amounts of money."""

    name: str  # as its SVG is classed: `bc-chart--survey`, `bc-chart--cost`
    title: str
    axis: str
    bars: list[Bar]
    percent: bool = False


@dataclass(frozen=True)
class Bubble:
    """A risk, numbered as the SVG numbers it: across its likelihood (0..1), up its
    impact, its area its expected loss; `text` what the legend says of it."""

    number: str
    likelihood: float
    impact: float
    expected: float
    text: str


@dataclass(frozen=True)
class RiskChart:
    name: str
    title: str
    x_axis: str
    y_axis: str
    bubbles: list[Bubble]


@dataclass(frozen=True)
class PaybackChart:
    """The net value month by month (month 0 first) to `horizon`, and the direct labels
    the SVG writes: at the start, at the horizon and at the payback."""

    name: str
    title: str
    axis: str  # the basis: discounted or not
    x_axis: str
    net: list[float]
    horizon: int
    start_text: str
    end_text: str
    payback: float | None = None
    payback_text: str = ""


@dataclass(frozen=True)
class Phase:
    label: str  # numbered: "1. Pilot"
    start: float  # weeks
    end: float
    text: str  # "weeks 0–6"


@dataclass(frozen=True)
class TimelineChart:
    name: str
    title: str
    axis: str
    phases: list[Phase]


@dataclass(frozen=True)
class Driver:
    """One estimate of the tornado: its name ("Benefit title: what"), the return (percent)
    with it at the low and at the high end of its range, each as written, and whether its
    range is the default swing rather than the author's."""

    label: str
    at_low: float
    at_high: float
    low_text: str
    high_text: str
    default: bool = False


@dataclass(frozen=True)
class TornadoChart:
    """Every estimate that moves the return, the widest swing first, about `lead` (the
    return as estimated): a slide shows as many as its SVG lists. `line` captions the line
    at the lead, `low` and `high` name a bar's ends, `note` tells of the default swing and
    `more[n]` says "and n more"; returns are written with `percent_format`."""

    name: str
    title: str
    line: str
    lead: float
    lead_text: str
    low: str
    high: str
    drivers: list[Driver]
    note: str
    more: list[str]
    percent_format: str = '0"%"'


Chart = BarChart | RiskChart | PaybackChart | TimelineChart | TornadoChart


@dataclass(frozen=True)
class SlideData:
    """What a deck drawn by a library needs beside its HTML: the charts by the name their
    SVG is classed with, the proposal's colours (hex without `#`, each readable on white)
    and how its amounts are written as a number format (`"$"#,##0`)."""

    charts: dict[str, Chart] = field(default_factory=dict)
    primary: str = TRAINING[1:]
    accent: str = TRAINING[1:]
    neutral: str = TRAINING[1:]
    money_format: str = "#,##0"


def slide_data(case: Case) -> SlideData:
    """The charts of `case`'s decks as data, and its colours, in the proposal's language."""
    fmt = Formatter(case.proposal.currency, language(case.proposal.language))
    neutral = chart_colour(case)
    made = [
        _survey(case, fmt, neutral),
        _risks(case, fmt),
        _cost(case, fmt, neutral),
        _payback(case, fmt),
        _timeline(case, fmt),
        _tornado(case, fmt),
    ]
    branding = case.proposal.branding
    # each made dark enough to read on white, as the charts' colour is
    primary = neutral_colour(branding.primary if branding else None)
    accent = neutral_colour(branding.accent) if branding and branding.accent else primary
    return SlideData(
        {chart.name: chart for chart in made if chart is not None},
        _hex(primary),
        _hex(accent),
        _hex(neutral),
        money_format(fmt),
    )


def money_format(fmt: Formatter) -> str:
    """An amount's number format (as Excel and PowerPoint read one), from how the
    Formatter writes an amount: `$1,234` -> `"$"#,##0`, `1.234 €` -> `#,##0" €"`."""
    return _number_format(fmt.money(1234))


def percent_format(fmt: Formatter) -> str:
    """A return's number format, from how the Formatter writes one (a percent, not a
    share): `1,234%` -> `#,##0"%"`, `1.234 %` -> `#,##0" %"`."""
    return _number_format(fmt.percent(1234))


def _number_format(written: str) -> str:
    """The number format of `written` (1234 as the Formatter writes it): what stands
    before and after its digits, quoted, about `#,##0`."""
    first = next((i for i, c in enumerate(written) if c.isdigit()), 0)
    last = max((i for i, c in enumerate(written) if c.isdigit()), default=len(written) - 1)
    before, after = written[:first], written[last + 1 :]
    quoted = [f'"{part}"' if part else "" for part in (before, after)]
    return f"{quoted[0]}#,##0{quoted[1]}"


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def _survey(case: Case, fmt: Formatter, colour: str) -> BarChart | None:
    """The survey's shares, as `chart_data` draws them, each with its margin of error."""
    survey = [f for f in case.figures.values() if f.is_survey and isinstance(f.value, Percent)]
    if not (survey and case.proposal.survey):
        return None
    bars = [
        Bar(plain_text(f.label), f.value.value / 100, fmt.margin(f), _hex(colour))
        for f in survey
        if isinstance(f.value, Percent)
    ]
    title = (
        case.proposal.survey.title + ": " + fmt._("share of respondents, with 95% margins of error")
    )
    return BarChart("survey", title, fmt._("Share of respondents"), bars, percent=True)


def _cost(case: Case, fmt: Formatter, colour: str) -> BarChart | None:
    """The cost against the cost of doing nothing and the gain: `chart_data`'s own bars."""
    bars = money_bars(case, fmt)
    if not bars:
        return None
    title = fmt._(
        "Full cost against the cost of doing nothing"
        if case.wording.time_cost == "counted"
        else "Cost of training against the cost of doing nothing"
    )
    drawn = [Bar(b.label, b.value, _plain(b.text), _hex(b.color or colour)) for b in bars]
    return BarChart("cost", title, fmt._("Amount"), drawn)


def _risks(case: Case, fmt: Formatter) -> RiskChart | None:
    """The risks the leading scenario sizes, numbered in the order the SVG numbers them."""
    sized = [
        (r.risk.title, v.likelihood, v.impact, v.expected)
        for r in case.risks
        if (v := case.lead.risks.get(r.anchor))
    ]
    if not sized:
        return None
    year = fmt._("a year")
    bubbles = [
        Bubble(
            fmt.number(i, 0), likelihood, impact, loss,
            f"{plain_text(title)}: {fmt.share(likelihood)} {year} × {fmt.money(impact)}"
            f" = {fmt.money(loss)} {year}",
        )
        for i, (title, likelihood, impact, loss) in enumerate(sized, start=1)
    ]  # fmt: skip
    return RiskChart(
        "risks", fmt._("Risks by likelihood and impact"), fmt._("Likelihood per year"),
        fmt._("Impact if it happens"), bubbles,
    )  # fmt: skip


def _payback(case: Case, fmt: Formatter) -> PaybackChart | None:
    """The net value month by month, on the basis the table gives (`chart_data`)."""
    lead = case.lead
    if not lead.net_by_month:
        return None
    basis = (
        fmt._("Net present value so far, discounted at {rate}").format(
            rate=fmt.share(lead.discount_rate)
        )
        if lead.discount_rate
        else fmt._("Net value so far, not discounted")
    )
    net = list(lead.net_by_month)
    horizon = max(0, min(lead.horizon_months, len(net) - 1))
    payback = lead.payback_months
    shown = payback is not None and 0 < payback <= len(net) - 1
    paid = (
        fmt._("Paid back after {months} months").format(months=fmt.number(payback, 1))
        if shown and payback is not None
        else ""
    )
    return PaybackChart(
        "payback", fmt._("Payback over time"), basis, fmt._("Months from the start"), net,
        horizon, fmt.money(net[0]), fmt.money(net[horizon]), payback if shown else None, paid,
    )  # fmt: skip


def _timeline(case: Case, fmt: Formatter) -> TimelineChart | None:
    """The plan's phases by their weeks, numbered and labelled as the SVG writes them."""
    if not case.timeline:
        return None

    def week(value: float) -> str:
        return fmt.number(value, decimals(value))

    phases = [
        Phase(
            f"{fmt.number(i, 0)}. {plain_text(t.phase.phase)}", t.start_week, t.end_week,
            f"{fmt._('weeks')} {week(t.start_week)}–{week(t.end_week)}",
        )
        for i, t in enumerate(case.timeline, start=1)
    ]  # fmt: skip
    return TimelineChart(
        "timeline", fmt._("The plan, phase by phase"), fmt._("Weeks from the start"), phases
    )


def _plain(text: str) -> str:
    """A chart's text with the no-break spaces `whole` put in it made plain again."""
    return text.replace(whole(" "), " ")


def _tornado(case: Case, fmt: Formatter) -> TornadoChart | None:
    """The tornado as `chart_data` draws it on a slide: each estimate that moves the
    return, the widest swing first, labelled without its range (a slide's room is short),
    about the return the headlines lead with."""
    roi = case.lead.roi
    moving = [t for t in case.thresholds if t.sensitivity.swing > 0]
    if roi is None or not moving:
        return None
    mark = "±" + fmt.share(SWING)
    drivers = []
    for t in moving:
        low, high = t.sensitivity.roi_at_low or 0.0, t.sensitivity.roi_at_high or 0.0
        label = driver_label(t, fmt, mark, ranged=False)
        given = t.sensitivity.driver.given
        drivers.append(Driver(label, low, high, fmt.percent(low), fmt.percent(high), not given))
    line = (
        "Line: the return over {years}, conservative case, {roi}"
        if case.has_ranges
        else "Line: the return over {years} as estimated, {roi}"
    )
    note = fmt._("{mark}: no range given, so moved by {swing} either way").format(
        mark=mark, swing=fmt.share(SWING)
    )
    more = [fmt._("and {n} more").format(n=fmt.count(n)) for n in range(len(drivers) + 1)]
    return TornadoChart(
        "tornado", fmt._("How far each estimate moves the return"),
        fmt._(line).format(years=fmt.years(case.lead.horizon_years), roi=fmt.percent(roi)),
        roi, fmt.percent(roi), fmt._("At its low end"), fmt._("At its high end"), drivers,
        note, more, percent_format(fmt),
    )  # fmt: skip
