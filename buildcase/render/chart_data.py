"""The charts of a case: each chart's figures taken from the computed case, labelled in
the proposal's language and drawn by its module in `charts`, in the proposal's colour.

Nothing here works out a figure: compute has, and the charts only lay figures out. A chart
is left out where its figures are missing. The same figures make the pages' charts
(`case_charts`: the site and the handouts, each chart as wide as its column) and the
slides' (`slide_charts`: drawn at a slide's fixed size so that its text reads across a
room, a chart taller than a slide split evenly into parts, one a slide).
"""

from __future__ import annotations

from markupsafe import Markup

from buildcase.compute import Case
from buildcase.compute.money import yearly_range
from buildcase.compute.sensitivity import SWING, Threshold
from buildcase.markup import plain_text
from buildcase.models.quantities import Percent
from buildcase.render.charts.bars import Bar, bar_chart_parts
from buildcase.render.charts.colours import brand_neutral
from buildcase.render.charts.impact_map import MapBehaviour, MapResult, impact_map
from buildcase.render.charts.payback import payback_chart
from buildcase.render.charts.risk import risk_chart_parts
from buildcase.render.charts.svg import GAIN, LOSS, TRAINING, Canvas, slide_canvas, whole
from buildcase.render.charts.timeline import timeline_chart
from buildcase.render.charts.tornado import Swing, Words, tornado_chart
from buildcase.render.charts.waterfall import Step, waterfall_chart
from buildcase.render.formatting import Formatter


def case_charts(case: Case, fmt: Formatter) -> dict[str, Markup]:
    """The charts of this case for the site and the handouts, by name; a chart is left
    out when its figures are missing."""
    colour = chart_colour(case)
    charts = {name: parts[0] for name, parts in _charts(case, fmt, Canvas(colour=colour)).items()}
    impact = _impact_chart(case, fmt, colour)
    benefits = _benefits_chart(case, fmt, Canvas(colour=colour))
    extra = {"impact": impact, "benefits": benefits}
    return {**charts, **{name: chart for name, chart in extra.items() if chart is not None}}


def slide_charts(case: Case, fmt: Formatter) -> dict[str, list[Markup]]:
    """The charts of this case for the decks, by name, each in the parts it takes (one a
    slide: every part of a chart is to be shown, or the deck drops figures without a
    word). The impact map is not among them: the deck tells it slide by slide."""
    return _charts(case, fmt, slide_canvas(chart_colour(case)))


def chart_colour(case: Case) -> str:
    """The colour of the charts' neutral series: the proposal's `primary` (its `accent`
    where the primary would pass for a gain or a loss), made dark enough to see on white
    (`colours.brand_neutral`)."""
    branding = case.proposal.branding
    return brand_neutral(branding.primary, branding.accent) if branding else TRAINING


def _charts(case: Case, fmt: Formatter, canvas: Canvas) -> dict[str, list[Markup]]:
    """Every chart but the impact map on `canvas`, by name, each in its parts."""
    charts = {
        "survey": _survey_chart(case, fmt, canvas),
        "risks": _risk_chart(case, fmt, canvas),
        "cost": _cost_chart(case, fmt, canvas),
        "payback": _payback_chart(case, fmt, canvas),
        "timeline": _timeline_chart(case, fmt, canvas),
        "tornado": _tornado_chart(case, fmt, canvas),
    }
    return {name: chart for name, chart in charts.items() if chart is not None}


def _survey_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """The survey's shares on a 0-100% axis, each with its 95% margin of error."""
    survey = [
        (f, f.value) for f in case.figures.values() if f.is_survey and isinstance(f.value, Percent)
    ]
    if not (survey and case.proposal.survey):  # survey figures come from the survey
        return None
    bars = [
        Bar(plain_text(f.label), share.value, f.low, f.high, fmt.margin(f)) for f, share in survey
    ]
    title = (
        case.proposal.survey.title + ": " + fmt._("share of respondents, with 95% margins of error")
    )
    return bar_chart_parts(
        bars, title, "survey", lambda v: fmt.share(v / 100), scale_max=100,
        axis=fmt._("Share of respondents"), canvas=canvas,
    )  # fmt: skip


def _risk_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """The risks the leading scenario sizes, by likelihood and impact."""
    sized = [
        (r.risk.title, v.likelihood, v.impact, v.expected)
        for r in case.risks
        if (v := case.lead.risks.get(r.anchor))
    ]
    if not sized:
        return None
    return risk_chart_parts(
        sized, fmt.money, fmt.share, fmt.number, fmt._, fmt.compact_money, canvas
    )


def _cost_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """The training's cost against the cost of doing nothing and the gain, where there
    are at least two of them to compare."""
    money = money_bars(case, fmt)
    if not money:
        return None
    title = fmt._(
        "Full cost against the cost of doing nothing"
        if case.wording.time_cost == "counted"
        else "Cost of training against the cost of doing nothing"
    )
    return bar_chart_parts(
        money, title, "cost", fmt.compact_money, axis=fmt._("Amount"), canvas=canvas
    )


def money_bars(case: Case, fmt: Formatter) -> list[Bar]:
    """The one-off cost and the yearly flows, each value saying which it is. Each bar is
    drawn at the scenario the headlines lead with (the conservative case, where the
    proposal leads with it), never the likely case under a conservative headline; the
    whisker spans the range."""
    low, high = (case.scenarios[n] for n in ("conservative", "optimistic"))
    lead = case.lead
    bars = []
    if lead.cost is not None:
        bars.append(_cost_bar(case, fmt))
    for attribute, label, color in (
        ("expected_loss", "Cost of doing nothing, a year", LOSS),
        ("annual_gain", "Gain a year", GAIN),
    ):
        value = getattr(lead, attribute)
        if value is None:
            continue
        spread = yearly_range(getattr(low, attribute), getattr(high, attribute), case.has_ranges)
        lo, hi = spread or (None, None)
        text = fmt.money(value) if spread is None else f"{fmt.money(lo)}–{fmt.money(hi)}"
        bars.append(Bar(fmt._(label), value, lo, hi, whole(f"{text} {fmt._('a year')}"), color))
    return bars if len(bars) > 1 else []


def _cost_bar(case: Case, fmt: Formatter) -> Bar:
    """The cost's bar, named for what it holds (format 1.2): people's time where it is
    counted, and the horizon where an item is paid yearly; at the leading scenario, as the
    flows beside it are."""
    lead = case.lead
    assert lead.cost is not None, "drawn only where there is a cost"
    counted = case.wording.time_cost == "counted"
    if lead.yearly_cost is not None:
        years = fmt.years(lead.horizon_years)
        label = "Full cost, over {years}" if counted else "Cost of training, over {years}"
        text = whole(fmt.money(lead.cost))
        return Bar(fmt._(label).format(years=years), lead.cost, text=text)
    label = "Full cost, once" if counted else "Cost of training, once"
    text = whole(f"{fmt.money(lead.cost)} {fmt._('once')}")
    return Bar(fmt._(label), lead.cost, text=text)  # a cost, neither loss nor gain: neutral


def _benefits_chart(case: Case, fmt: Formatter, canvas: Canvas) -> Markup | None:
    """The benefits waterfall (the benefits page): each benefit's estimated value, what is
    not credited to training, the value a year of all benefits, and the cost beside it, at
    the scenario the headlines lead with."""
    valued = [b for b in case.benefits if b.value is not None]
    total = case.lead.annual_benefit
    if not valued or total is None:
        return None
    steps = [
        Step(plain_text(v.benefit.title), v.value.gross, _a_year(fmt, v.value.gross))
        for v in valued
        if v.value is not None
    ]
    credited = (fmt._("Value a year, all benefits"), total, _a_year(fmt, total))
    cost = _cost_bar(case, fmt) if case.lead.cost is not None else None
    return waterfall_chart(
        steps, credited, None if cost is None else (cost.label, cost.value, cost.text),
        fmt.money, fmt._, canvas,
    )  # fmt: skip


def _a_year(fmt: Formatter, value: float) -> str:
    """A yearly amount as a chart writes it, never broken: "$240,000 a year"."""
    return whole(f"{fmt.money(value)} {fmt._('a year')}")


def _payback_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """The net value month by month over the horizon, on the basis the table gives."""
    lead = case.lead
    if not lead.net_by_month:
        return None
    # The line ends at the horizon, at the net value the table gives; compute runs the
    # series on past it (dashed) only to show a payback that comes after the horizon.
    basis = (
        fmt._("Net present value so far, discounted at {rate}").format(
            rate=fmt.share(lead.discount_rate)
        )
        if lead.discount_rate
        else fmt._("Net value so far, not discounted")
    )
    return [
        payback_chart(
            lead.net_by_month, lead.payback_months, fmt.money, fmt.number, fmt._,
            horizon=lead.horizon_months, axis=basis, compact=fmt.compact_money, canvas=canvas,
        )
    ]  # fmt: skip


def _impact_chart(case: Case, fmt: Formatter, colour: str) -> Markup | None:
    """The impact map: each behaviour, the results it leads to and the goals they serve,
    joined by their positions in the case's lists."""
    impact = case.impact
    if not impact.rows:
        return None
    results = {id(v): k for k, v in enumerate(impact.benefits)}
    goals = {g.id: j for j, g in enumerate(impact.goals)}
    behaviours = [
        MapBehaviour(
            plain_text(r.behaviour.learns or ""),
            plain_text(r.behaviour.who),
            plain_text(r.behaviour.moment),
            plain_text(r.behaviour.action),
            tuple(results[id(v)] for v in r.benefits),
        )
        for r in impact.rows
    ]
    benefits = [
        MapResult(plain_text(v.benefit.title), tuple(goals[g.id] for g in v.goals if g.id in goals))
        for v in impact.benefits
    ]
    titles = [plain_text(g.title) for g in impact.goals]
    return impact_map(behaviours, benefits, titles, fmt._, colour)


def _timeline_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """The plan's phases by their weeks."""
    if not case.timeline:
        return None
    phases = [(plain_text(t.phase.phase), t.start_week, t.end_week) for t in case.timeline]
    return [timeline_chart(phases, fmt.number, fmt._, canvas)]


def _tornado_chart(case: Case, fmt: Formatter, canvas: Canvas) -> list[Markup] | None:
    """Each estimate that moves the return, moved over its range, the widest swing first,
    about the return as estimated (the leading case)."""
    roi = case.lead.roi
    moving = [t for t in case.thresholds if t.sensitivity.swing > 0]
    if roi is None or not moving:
        return None
    mark = "±" + fmt.share(SWING)
    swings = [
        Swing(driver_label(t, fmt, mark, canvas.height is None), t.sensitivity.roi_at_low or 0.0,
              t.sensitivity.roi_at_high or 0.0, not t.sensitivity.driver.given)
        for t in moving
    ]  # fmt: skip
    line = (
        "Line: the return over {years}, conservative case, {roi}"
        if case.has_ranges
        else "Line: the return over {years} as estimated, {roi}"
    )
    words = Words(
        fmt._("How far each estimate moves the return"),
        fmt._(line).format(years=fmt.years(case.lead.horizon_years), roi=fmt.percent(roi)),
        fmt._("At its low end"),
        fmt._("At its high end"),
        fmt._("{zero}: the case breaks even").format(zero=fmt.percent(0)),
        fmt._("{mark}: no range given, so moved by {swing} either way").format(
            mark=mark, swing=fmt.share(SWING)
        ),
        lambda n: fmt._("and {n} more").format(n=fmt.count(n)),
    )
    return [tornado_chart(swings, roi, fmt.percent, words, canvas)]


def driver_label(t: Threshold, fmt: Formatter, mark: str, ranged: bool = True) -> str:
    """An estimate's name, what it is of and (`ranged`: on a page, not on a slide, where
    room is short) the range it is moved over: "Fewer injuries: value a year
    ($99,750–$166,250, ±25%)"."""
    d = t.sensitivity.driver
    name = fmt.driver(t)
    if not ranged:
        return name
    span = f"{whole(fmt.bound(d.low, d.unit))}–{whole(fmt.bound(d.high, d.unit))}"
    return f"{name} ({span}{'' if d.given else ', ' + whole(mark)})"
