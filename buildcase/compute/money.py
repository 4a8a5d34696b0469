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
from buildcase.models.quantities import Estimate, Percent
from buildcase.models.sections import Benefit, Proposal, Risk  # fmt: skip

# The three cases, each reading the low, likely or high point of every range.
SCENARIOS = (("conservative", "low"), ("likely", "likely"), ("optimistic", "high"))


@dataclass(frozen=True)
class Ramp:
    """When the gain arrives: none until `start` months from the start of the programme,
    then rising evenly to the full annual gain over `length` months, as people are
    trained, and in full after. A CFO's first question is whether the programme pays
    back before the people are trained; the gain must not run from day one."""

    start_weeks: float  # from the start of the programme
    length_weeks: float

    @property
    def start(self) -> float:
        """In months, as payback is counted."""
        return self.start_weeks * MONTHS_A_WEEK

    @property
    def length(self) -> float:
        return self.length_weeks * MONTHS_A_WEEK

    def full_months_by(self, month: float) -> float:
        """Months' worth of the full monthly gain that has accrued by `month`."""
        since = month - self.start
        if since <= 0:
            return 0.0
        if since <= self.length:
            return since * since / (2 * self.length)
        return self.length / 2 + (since - self.length)

    @property
    def full_from(self) -> float:
        return self.start + self.length

    @property
    def full_from_weeks(self) -> float:
        return self.start_weeks + self.length_weeks


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


def money_in_scenario(
    proposal: Proposal,
    benefits: list[BenefitView],
    risks: list[RiskView],
    cost: float | None,
    scenario: str,
    point: str,
) -> Scenario:
    """The money case for one scenario: every point of every range read at `point`."""
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
    over_horizon = None if gain is None else gain_over_horizon(gain, years, rate, ramp)
    payback = payback_months(cost, gain, ramp, rate)
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
        payback_months=payback,
        net_by_month=net_by_month(cost, gain, ramp, rate, chart_months(horizon, payback)),
    )


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


MONTHS_A_WEEK = 12 / 52
LONGEST_PAYBACK_MONTHS = 120  # ten years: beyond that a programme does not pay back


def cumulative_gain(annual_gain: float, ramp: Ramp, month: float, rate: float | None) -> float:
    """The gain accrued by `month`; with a discount rate, its present value (each month's
    gain discounted from that month's end)."""
    monthly = annual_gain / 12
    if not rate:
        return monthly * ramp.full_months_by(month)
    total, previous, k = 0.0, 0.0, 1
    while k - 1 < month:
        reached = monthly * ramp.full_months_by(min(k, month))
        total += (reached - previous) / (1 + rate) ** (k / 12)
        previous, k = reached, k + 1
    return total


def gain_over_horizon(
    annual_gain: float, years: int, discount_rate: float | None, ramp: Ramp | None = None
) -> float:
    """The gain over the horizon as it ramps up; with a rate, its present value."""
    return cumulative_gain(annual_gain, ramp or Ramp(0, 0), 12 * years, discount_rate)


def return_on_investment(gain: float | None, cost: float | None) -> float | None:
    """ROI % = (gain - cost) / cost x 100; undefined when nothing is spent or gained."""
    if gain is None or not cost:
        return None
    return (gain - cost) / cost * 100


def benefit_cost_ratio(gain: float | None, cost: float | None) -> float | None:
    if gain is None or not cost:
        return None
    return gain / cost


def payback_months(
    cost: float | None, annual_gain: float | None, ramp: Ramp | None = None,
    rate: float | None = None,
) -> float | None:  # fmt: skip
    """Months until the gain, ramping up, repays the cost; None if it never does (within
    ten years). Undiscounted it is solved exactly; discounted, month by month with the
    last month interpolated."""
    if cost is None or annual_gain is None or annual_gain <= 0:
        return None
    ramp = ramp or Ramp(0, 0)
    if not rate:
        needed = cost / (annual_gain / 12)  # months of full gain
        if ramp.length and needed <= ramp.length / 2:
            months = ramp.start + math.sqrt(2 * ramp.length * needed)
        else:
            months = ramp.full_from + needed - ramp.length / 2
        return months if months <= LONGEST_PAYBACK_MONTHS else None
    before = 0.0
    for month in range(1, LONGEST_PAYBACK_MONTHS + 1):
        reached = cumulative_gain(annual_gain, ramp, month, rate)
        if reached >= cost:
            return month - 1 + (cost - before) / (reached - before)
        before = reached
    return None


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


def net_by_month(
    cost: float | None, annual_gain: float | None, ramp: Ramp, rate: float | None, months: int
) -> tuple[float, ...]:
    """Cumulative net value (gain so far less the cost) at each month, on the payback's
    basis, so the chart draws the same figures the tables state."""
    if cost is None or not annual_gain or annual_gain <= 0:
        return ()
    return tuple(
        cumulative_gain(annual_gain, ramp, month, rate) - cost for month in range(months + 1)
    )


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
