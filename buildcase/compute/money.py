"""Compute, money: what the programme costs, what it is worth, the risk of not doing it,
and the return in each of the three cases (conservative, likely, optimistic)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from buildcase.compute.records import (
    BenefitValue,
    BenefitView,
    Figure,
    RiskValue,
    RiskView,
    Scenario,
)
from buildcase.compute.schedule import (
    LONGEST_PAYBACK_MONTHS,
    MONTHS_A_WEEK,
    Ramp,
    Schedule,
    Stream,
)
from buildcase.models.quantities import Estimate, Percent
from buildcase.models.sections import Benefit, Proposal, Risk  # fmt: skip

# The three cases, each reading the low, likely or high point of every range.
SCENARIOS = (("conservative", "low"), ("likely", "likely"), ("optimistic", "high"))


@dataclass
class TransferGap:
    """What the benefits are worth if trainees apply training at the plan's rate vs typically."""

    planned_rate: Percent
    baseline_rate: Percent
    baseline_figure: Figure
    value_at_plan: float
    value_at_baseline: float

    @property
    def difference(self) -> float:
        return self.value_at_plan - self.value_at_baseline


def risk_value(risk: Risk, point: str) -> RiskValue | None:
    if risk.likelihood is None or risk.impact is None:
        return None
    likelihood = risk.likelihood.pick(point).fraction
    impact = risk.impact.pick(point)
    expected = likelihood * impact
    if risk.reduction is None:
        return RiskValue(likelihood, impact, expected, None, None, None)
    residual = likelihood * (1 - risk.reduction.fraction) * impact
    return RiskValue(
        likelihood, impact, expected, risk.reduction.fraction, residual, expected - residual
    )


def benefit_value(benefit: Benefit, point: str) -> BenefitValue | None:
    """Phillips' adjustment: the gain credited to training, discounted by confidence."""
    if benefit.annual_value is None:
        return None
    gross = benefit.annual_value.pick(point)
    attribution = benefit.attribution.fraction if benefit.attribution else 1.0
    confidence = benefit.confidence.fraction if benefit.confidence else 1.0
    return BenefitValue(gross, attribution, confidence, gross * attribution * confidence)


@dataclass(frozen=True)
class Costs:
    """What the programme costs, in its parts (format 1.2): the money paid once (the one-off
    items, or the budget where none are itemised, and a pilot on top), the yearly items,
    and people's time, which is part of the cost the return is computed on unless the
    author chose to show it beside it (`financials.time_cost: shown`)."""

    one_off: float | None
    yearly: float | None  # a year, paid in every year of the horizon
    time: float | None  # people's time at its hourly cost; None where not costed
    time_counted: bool


def programme_costs(proposal: Proposal, time: float | None) -> Costs:
    """The costs of `proposal`, with `time` the cost of the hours asked (compute.impact)."""
    first_year = total_cost(proposal)
    yearly_items = [c.amount for c in proposal.costs if c.recurring == "yearly"]
    yearly = sum(yearly_items) if yearly_items else None
    one_off = None if first_year is None else first_year - (yearly or 0.0)
    mode = proposal.financials.time_cost if proposal.financials else None
    counted = time is not None and mode != "shown"
    return Costs(one_off, yearly, time, counted)


def money_in_scenario(
    proposal: Proposal,
    benefits: list[BenefitView],
    risks: list[RiskView],
    costs: Costs,
    scenario: str,
    point: str,
    series: bool = True,
    payback: bool = True,
) -> Scenario:
    """The money case for one scenario: every point of every range read at `point`. Without
    `series`, the payback chart's month-by-month net value is left out: a sensitivity
    solver computes the case hundreds of times and reads only its totals. Without
    `payback`, the payback is not solved either (None, and the series with it): solving
    for the return's break-even reads the return alone, and the payback, month by month,
    is most of the case's arithmetic."""
    values = {b.anchor: v for b in benefits if (v := benefit_value(b.benefit, point))}
    annual_benefit = sum(v.adjusted for v in values.values()) if values else None
    if annual_benefit:
        values = {a: _with_share(v, annual_benefit) for a, v in values.items()}
    risk_values = {r.anchor: rv for r in risks if (rv := risk_value(r.risk, point))}
    expected = sum(v.expected for v in risk_values.values()) if risk_values else None
    reduced = [v.avoided for v in risk_values.values() if v.avoided is not None]
    avoided = sum(reduced) if reduced else None
    residual = (expected - avoided) if expected is not None and avoided is not None else None
    gain = (
        None
        if annual_benefit is None and avoided is None
        else (annual_benefit or 0) + (avoided or 0)
    )
    settings = proposal.financials
    years = settings.horizon_years if settings else 1
    horizon = 12 * years  # in months
    rate = settings.discount_rate.fraction if settings and settings.discount_rate else None
    ramp = gain_ramp(proposal)
    by_anchor = {b.anchor: b.benefit for b in benefits}
    streams = [gain_stream(by_anchor[a], v.adjusted, ramp) for a, v in values.items()]
    streams += [Stream(avoided)] if avoided else []
    time = costs.time if costs.time_counted else None
    schedule = None
    if costs.one_off is not None or costs.yearly is not None or time is not None:
        upfront = (costs.one_off or 0.0) + (time or 0.0)
        schedule = Schedule(tuple(streams), ramp, upfront, costs.yearly or 0.0)
    training = None
    if costs.one_off is not None or costs.yearly is not None:
        training = Schedule((), ramp, costs.one_off or 0.0, costs.yearly or 0.0)
    cost = schedule.cost_over(years, rate) if schedule else None
    training_cost = training.cost_over(years, rate) if training else None
    over_horizon = None
    if gain is not None:
        over_horizon = Schedule(tuple(streams), ramp, 0.0).present_gain_by(horizon, rate)
    solved = schedule if payback and schedule and gain and gain > 0 else None
    payback_months = solved.payback(rate) if solved else None
    chart = chart_months(horizon, payback_months)
    return Scenario(
        scenario=scenario,
        cost=cost,
        benefits=values,
        risks=risk_values,
        annual_benefit=annual_benefit,
        avoided_loss=avoided,
        annual_gain=gain,
        expected_loss=expected,
        residual_loss=residual,
        horizon_years=years,
        horizon_months=horizon,
        discount_rate=rate,
        gain_over_horizon=over_horizon,
        roi=return_on_investment(over_horizon, cost),
        benefit_cost_ratio=benefit_cost_ratio(over_horizon, cost),
        net_value=None if over_horizon is None or cost is None else over_horizon - cost,
        payback_months=payback_months,
        net_by_month=solved.net_by_month(chart, rate) if series and solved else (),
        training_cost=training_cost,
        time_cost=costs.time,
        time_counted=costs.time_counted,
        yearly_cost=costs.yearly,
        roi_without_time=return_on_investment(over_horizon, training_cost)
        if costs.time_counted
        else None,
    )


def gain_stream(benefit: Benefit, annual: float, ramp: Ramp) -> Stream:
    """A benefit's gain over time: fading by its `decay` a year, ending `lasts` after the
    gain starts."""
    decay = benefit.decay.fraction if benefit.decay else 0.0
    ends = ramp.start + benefit.lasts.weeks * MONTHS_A_WEEK if benefit.lasts else None
    return Stream(annual, decay, ends)


def _with_share(value: BenefitValue, total: float) -> BenefitValue:
    return BenefitValue(
        value.gross, value.attribution, value.confidence, value.adjusted, value.adjusted / total
    )


def gain_ramp(proposal: Proposal) -> Ramp:
    """By default nothing during the pilot, then the gain grows over the rest of
    `request.duration` (people trained at an even pace); `financials.benefits_start` and
    `financials.benefits_ramp` say otherwise."""
    request, settings = proposal.request, proposal.financials
    pilot = request.pilot.duration.weeks if request and request.pilot else 0.0
    programme = request.duration.weeks if request and request.duration else pilot
    start = settings.benefits_start.weeks if settings and settings.benefits_start else pilot
    given = settings.benefits_ramp if settings else None
    length = given.weeks if given is not None else max(programme - start, 0.0)
    return Ramp(start, length)


def return_on_investment(gain: float | None, cost: float | None) -> float | None:
    """ROI % = (gain - cost) / cost x 100; undefined when nothing is spent or gained."""
    if gain is None or not cost:
        return None
    return (gain - cost) / cost * 100


def benefit_cost_ratio(gain: float | None, cost: float | None) -> float | None:
    if gain is None or not cost:
        return None
    return gain / cost


def chart_months(horizon: int, payback: float | None) -> int:
    """How far the payback chart runs, in months: to the horizon, where the net value the
    tables state is reached; past it only where payback comes after it, to three months
    beyond the payback, so that the reader sees it paid back."""
    if payback is not None and payback > horizon:
        return min(math.ceil(payback) + 3, LONGEST_PAYBACK_MONTHS)
    return min(horizon, LONGEST_PAYBACK_MONTHS)


def yearly_range(
    conservative: float | None, optimistic: float | None, ranges: bool
) -> tuple[float, float] | None:
    """A yearly figure as a range, from its conservative case to its optimistic one: where
    the estimates are ranges (`ranges`, `has_ranges`) and the two cases differ. None
    where the figure is one value, as it is in every case where no estimate is a range."""
    if not ranges or conservative is None or optimistic is None or conservative == optimistic:
        return None
    return conservative, optimistic


def total_cost(proposal: Proposal) -> float | None:
    """The sum of the cost items, or the requested budget where no items are given; and the
    pilot's budget on top, where it is not part of them (`pilot.included: false`)."""
    cost, on_top = cost_before_pilot(proposal), pilot_on_top(proposal)
    return cost + on_top if cost is not None and on_top is not None else cost


def cost_before_pilot(proposal: Proposal) -> float | None:
    """The sum of the cost items, or the requested budget where no items are given."""
    if proposal.costs:
        return sum(c.amount for c in proposal.costs)
    return proposal.request.budget if proposal.request else None


def pilot_on_top(proposal: Proposal) -> float | None:
    """The pilot's budget where it comes on top of the budget, not out of it."""
    pilot = proposal.request.pilot if proposal.request else None
    if pilot is None or pilot.included or pilot.budget is None:
        return None
    return pilot.budget


@dataclass(frozen=True)
class CostRow:
    """A cost item as the costs are listed (format 1.2): a yearly item says so, with what
    it comes to over the horizon."""

    item: str
    amount: float  # as written: paid once, or paid in each year
    yearly: bool
    over_horizon: float  # the amount once, or in every year of the horizon (not discounted)


def cost_rows(proposal: Proposal, years: int) -> list[CostRow]:
    """The cost items as listed, each yearly one with its total over `years`."""
    return [
        CostRow(c.item, c.amount, c.recurring == "yearly", c.amount * years)
        if c.recurring == "yearly"
        else CostRow(c.item, c.amount, False, c.amount)
        for c in proposal.costs
    ]


def items_over_years(proposal: Proposal, years: int) -> float | None:
    """The cost items over the horizon, not discounted, where some item is paid yearly
    (each yearly one in every year); None where every item is paid once."""
    rows = cost_rows(proposal, years)
    if not any(r.yearly for r in rows):
        return None
    return sum(r.over_horizon for r in rows)


def cost_over_years(proposal: Proposal, years: int) -> float | None:
    """The training's money over the horizon, not discounted, where some item is paid
    yearly: the items over the years and the pilot on top; None where every item is paid
    once (the total cost is then the whole of it)."""
    items = items_over_years(proposal, years)
    return None if items is None else items + (pilot_on_top(proposal) or 0.0)


def cost_per_participant(proposal: Proposal, total: float | None) -> float | None:
    participants = proposal.request.participants if proposal.request else None
    if total is None or not participants:
        return None
    return total / participants


def has_ranges(proposal: Proposal) -> bool:
    estimates: list[Estimate[float] | Estimate[Percent] | None]
    estimates = [b.annual_value for b in proposal.benefits]
    estimates += [x for r in proposal.risks for x in (r.likelihood, r.impact)]
    return any(e is not None and e.is_range for e in estimates)


def transfer_gap(
    proposal: Proposal, figures: dict[str, Figure], annual_benefit: float | None
) -> TransferGap | None:
    """The value of the plan's support for applying training, against the typical rate.

    The benefits are estimated at the plan's application rate; at the baseline rate
    they shrink in proportion.
    """
    settings = proposal.financials
    if not settings or not settings.application_rate or not settings.application_baseline:
        return None
    if annual_benefit is None or settings.application_rate.value == 0:
        return None
    baseline = figures[settings.application_baseline]
    assert isinstance(baseline.value, Percent), "validate checks the baseline is a percent"
    ratio = baseline.value.fraction / settings.application_rate.fraction
    return TransferGap(
        settings.application_rate, baseline.value, baseline, annual_benefit, annual_benefit * ratio
    )
