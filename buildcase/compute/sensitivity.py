"""Compute, sensitivity: how wrong can each estimate be before the case stops paying?

The first question in the room is "and if only half of them apply it?". For every input
the return depends on (a driver), holding every other at the leading case, this finds the
value at which the return over the horizon reaches zero (its break-even) and the value at
which the payback passes the horizon, and what the return is at either end of the driver's
range (the tornado). Each is found on the real model: the proposal is changed in that one
input and the leading case computed again by `money_in_scenario`, the function every other
figure comes from, so a break-even can never disagree with the tables.

Where the return is linear in a driver (a benefit's value, its attribution, confidence,
the application rate) the solver's first secant step lands on the root exactly; elsewhere
it refines by bracketing until the value is known well past the precision shown: the
return, (gain - cost) / cost, curves in the hours and the hourly cost (they move the cost),
and in the ramp, the discount rate and a benefit that fades.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from buildcase.compute.impact import hours_of, time_cost
from buildcase.compute.money import gain_ramp, money_in_scenario, programme_costs
from buildcase.compute.records import BenefitView, RiskView, Scenario
from buildcase.models.plan import Financials
from buildcase.models.quantities import Duration, Estimate, Percent
from buildcase.models.sections import Proposal

SWING = 0.25  # where the author gave one value, the tornado swings it by this either way
LARGEST_MULTIPLE = 1000.0  # an amount is searched for a break-even up to this x its value
TOLERANCE = 1e-9  # relative: far past any precision a page shows
MOST_STEPS = 200


@dataclass(frozen=True)
class Driver:
    """One input the return depends on, where the leading case reads it, the range the
    tornado swings it over, and the values it could possibly take."""

    key: str  # stable: `benefit-value:benefit-fewer-injuries`, `hourly-cost`
    what: str  # application_rate, annual_value, attribution, confidence, likelihood,
    # reduction, ramp, hours_per_participant, hourly_cost, discount_rate
    anchor: str | None  # the benefit's or risk's, where the driver is one of theirs
    unit: str  # percent, money, weeks or hours
    value: float  # at the leading case
    low: float
    high: float
    given: bool  # low and high are the author's range, not the default swing
    least: float
    most: float


@dataclass(frozen=True)
class Sensitivity:
    """What one driver does to the case."""

    driver: Driver
    roi_at_low: float | None
    roi_at_high: float | None
    break_even: float | None  # the return over the horizon is zero here; None: no value does
    payback_break_even: float | None  # the payback reaches the horizon here

    @property
    def swing(self) -> float:
        """How far the return moves across the driver's range, in points."""
        if self.roi_at_low is None or self.roi_at_high is None:
            return 0.0
        return abs(self.roi_at_high - self.roi_at_low)

    @property
    def payback_apart(self) -> float | None:
        """The payback's break-even where it is not the return's: a cost paid each year,
        a gain that ends, can make the payback come within the horizon at a value at which
        the return is below zero, or the reverse. None where the two meet (to a millionth:
        the payback is solved month by month, the return exactly)."""
        be, paid = self.break_even, self.payback_break_even
        if be is None or paid is None or math.isclose(be, paid, rel_tol=1e-6, abs_tol=1e-9):
            return None
        return paid

    @property
    def rising(self) -> bool:
        """Whether the return rises with the driver: the case then needs it *at least* at
        its break-even, else *at most*."""
        return (self.roi_at_high or 0.0) >= (self.roi_at_low or 0.0)

    @property
    def margin(self) -> float | None:
        """How far the driver can move from its leading value before the case breaks, as a
        share of that value; None where no value in its possible range breaks it."""
        if self.break_even is None or not self.driver.value:
            return None
        return abs(self.driver.value - self.break_even) / abs(self.driver.value)


@dataclass(frozen=True)
class Model:
    """What the leading case is computed from: the proposal, its views' anchors, and
    which scenario and point of each range leads."""

    proposal: Proposal
    benefit_anchors: tuple[str, ...]
    risk_anchors: tuple[str, ...]
    scenario: str
    point: str

    def lead(self, proposal: Proposal | None = None, payback: bool = True) -> Scenario:
        """The leading case of `proposal` (this model's by default), as build_case
        computes it; without `payback`, not solved for its payback (`money_in_scenario`)."""
        p = proposal or self.proposal
        benefits = [
            BenefitView(a, b, [], []) for a, b in zip(self.benefit_anchors, p.benefits, strict=True)
        ]
        risks = [RiskView(a, r, [], []) for a, r in zip(self.risk_anchors, p.risks, strict=True)]
        costs = programme_costs(p, time_cost(*hours_of(p)))
        return money_in_scenario(
            p, benefits, risks, costs, self.scenario, self.point, series=False, payback=payback
        )


def sensitivities(model: Model) -> list[Sensitivity]:
    """Every driver's effect on the case, the widest swing first (the tornado's order).
    Empty where the case has no return to move."""
    lead = model.lead()
    if lead.roi is None:
        return []
    found = []
    for driver, apply in drivers(model):
        roi = _returns(model, apply)
        at_low, at_high = roi(driver.low), roi(driver.high)
        if at_low == at_high and driver.low != driver.high:
            continue  # the return does not depend on it here (time shown, not counted)
        payback = _paybacks(model, apply, lead.horizon_months)
        found.append(
            Sensitivity(
                driver,
                at_low,
                at_high,
                root(roi, driver.value, driver.least, driver.most),
                root(payback, driver.value, driver.least, driver.most),
            )
        )
    return sorted(found, key=lambda s: -s.swing)


def closest_to_breaking(found: list[Sensitivity], count: int = 3) -> list[Sensitivity]:
    """What would have to be true: the drivers that can move least before the case breaks."""
    breakable = [s for s in found if s.margin is not None]
    return sorted(breakable, key=lambda s: s.margin or 0.0)[:count]


@dataclass(frozen=True)
class Threshold:
    """One thing that would have to be true, with the benefit's or risk's title it is about,
    whether the leading case pays (a break-even is then where it stops, else where it would
    start), and the participants an application rate is told in, where the request gives
    them ("at least 23 of the 120 participants apply it")."""

    sensitivity: Sensitivity
    subject: str | None
    pays: bool = True
    participants: int | None = None

    @property
    def sentence(self) -> str:
        """Which sentence tells it: `holds` (or `pays-if`, the case not paying as
        estimated), in people where there are participants; `never-breaks` (`never-pays`)
        where no value it can take changes that."""
        if self.sensitivity.break_even is None:
            return "never-breaks" if self.pays else "never-pays"
        kind = "holds" if self.pays else "pays-if"
        return f"{kind}-people" if self.participants else kind

    @property
    def unbroken(self) -> tuple[float, float]:
        """Where no break-even was found, the values it can take on the side that matters,
        from the estimate: down to its least where the case needs it high and pays, else
        up to its most."""
        d = self.sensitivity.driver
        return (d.least, d.value) if self.sensitivity.rising == self.pays else (d.value, d.most)


# --- the drivers --------------------------------------------------------------------------

Apply = Callable[[float], Proposal]


def drivers(model: Model) -> list[tuple[Driver, Apply]]:
    """Every input of the leading case, with how to set it."""
    p = model.proposal
    return [
        *_programme_drivers(p),
        *_benefit_drivers(p, model.benefit_anchors, model.point),
        *_risk_drivers(p, model.risk_anchors, model.point),
        *_cost_drivers(p),
    ]


def _programme_drivers(p: Proposal) -> list[tuple[Driver, Apply]]:
    """The application rate the benefits were estimated at, and the ramp of the gain."""
    found: list[tuple[Driver, Apply]] = []
    settings = p.financials
    if settings and settings.application_rate and settings.application_rate.value:
        planned = settings.application_rate.value
        rate = _swung("application-rate", "application_rate", None, "percent", planned)
        found.append((rate, _application_rate(p, planned)))
    ramp = gain_ramp(p).length_weeks
    if ramp > 0:
        found.append((_swung("ramp", "ramp", None, "weeks", ramp, most=None), _ramp(p)))
    if settings and settings.discount_rate and settings.discount_rate.value:
        rate = _swung(
            "discount-rate", "discount_rate", None, "percent", settings.discount_rate.value
        )
        found.append((rate, _discount_rate(p)))
    return found


def _benefit_drivers(
    p: Proposal, anchors: tuple[str, ...], point: str
) -> list[tuple[Driver, Apply]]:
    """Each benefit's value a year, attribution and confidence."""
    found: list[tuple[Driver, Apply]] = []
    for i, (anchor, b) in enumerate(zip(anchors, p.benefits, strict=True)):
        if b.annual_value is None:
            continue
        value = b.annual_value
        key = f"benefit-value:{anchor}"
        driver = _swung(key, "annual_value", anchor, "money", value.pick(point), value, None)
        found.append((driver, _benefit(p, i, "annual_value")))
        for what in ("attribution", "confidence"):
            share = getattr(b, what)
            driver = _swung(f"benefit-{what}:{anchor}", what, anchor, "percent",
                            share.value if share else 100.0)  # fmt: skip
            found.append((driver, _benefit(p, i, what)))
    return found


def _risk_drivers(p: Proposal, anchors: tuple[str, ...], point: str) -> list[tuple[Driver, Apply]]:
    """Each reduced risk's likelihood and the reduction training makes: only a risk
    training reduces counts in the return."""
    found: list[tuple[Driver, Apply]] = []
    for i, (anchor, r) in enumerate(zip(anchors, p.risks, strict=True)):
        if r.reduction is None or r.likelihood is None or r.impact is None:
            continue
        odds = r.likelihood
        given = Estimate(odds.low.value, odds.likely.value, odds.high.value)
        key = f"risk-likelihood:{anchor}"
        driver = _swung(key, "likelihood", anchor, "percent", odds.pick(point).value, given)
        found.append((driver, _risk(p, i, "likelihood")))
        key = f"risk-reduction:{anchor}"
        driver = _swung(key, "reduction", anchor, "percent", r.reduction.value)
        found.append((driver, _risk(p, i, "reduction")))
    return found


def _cost_drivers(p: Proposal) -> list[tuple[Driver, Apply]]:
    """The participants' hours and what an hour of people's time costs."""
    found: list[tuple[Driver, Apply]] = []
    request = p.request
    if request and request.hours_per_participant and request.participants:
        hours = request.hours_per_participant
        driver = _swung("hours-per-participant", "hours_per_participant", None, "hours",
                        hours, most=None)  # fmt: skip
        found.append((driver, _request(p, "hours_per_participant")))
    if request and request.hourly_cost:
        driver = _swung("hourly-cost", "hourly_cost", None, "money", request.hourly_cost,
                        most=None)  # fmt: skip
        found.append((driver, _request(p, "hourly_cost")))
    return found


def _swung(
    key: str, what: str, anchor: str | None, unit: str, value: float,
    given: Estimate[float] | None = None, most: float | None = 100.0,
) -> Driver:  # fmt: skip
    """A driver swung over the author's range where they gave one, else by SWING either
    way, within what it can possibly be: from nothing to `most` (a percent's 100), or,
    with no most (an amount, hours, weeks), up to LARGEST_MULTIPLE times its value."""
    least = 0.0
    ceiling = most if most is not None else max(abs(value), 1.0) * LARGEST_MULTIPLE
    if given is not None and given.is_range:
        low, high = float(given.low), float(given.high)
    else:
        low, high = value * (1 - SWING), value * (1 + SWING)
    low, high = max(low, least), min(high, ceiling)
    return Driver(key, what, anchor, unit, value, low, high, bool(given and given.is_range),
                  least, ceiling)  # fmt: skip


def _application_rate(p: Proposal, planned: float) -> Apply:
    """The benefits are estimated at the plan's application rate; at another they scale in
    proportion, as the transfer gap scales them."""

    def apply(rate: float) -> Proposal:
        share = rate / planned
        benefits = [
            b.model_copy(update={"annual_value": _scaled(b.annual_value, share)})
            if b.annual_value is not None
            else b
            for b in p.benefits
        ]
        return p.model_copy(update={"benefits": benefits})

    return apply


def _benefit(p: Proposal, index: int, what: str) -> Apply:
    def apply(value: float) -> Proposal:
        amount: object = Estimate(value, value, value) if what == "annual_value" else Percent(value)
        benefits = list(p.benefits)
        benefits[index] = benefits[index].model_copy(update={what: amount})
        return p.model_copy(update={"benefits": benefits})

    return apply


def _risk(p: Proposal, index: int, what: str) -> Apply:
    def apply(value: float) -> Proposal:
        share = Percent(value)
        amount: object = Estimate(share, share, share) if what == "likelihood" else share
        risks = list(p.risks)
        risks[index] = risks[index].model_copy(update={what: amount})
        return p.model_copy(update={"risks": risks})

    return apply


def _ramp(p: Proposal) -> Apply:
    def apply(weeks: float) -> Proposal:
        current = p.financials or Financials.model_validate({})
        changed = current.model_copy(update={"benefits_ramp": Duration(weeks, "week")})
        return p.model_copy(update={"financials": changed})

    return apply


def _request(p: Proposal, what: str) -> Apply:
    def apply(value: float) -> Proposal:
        assert p.request is not None, "a request driver exists only where there is a request"
        return p.model_copy(update={"request": p.request.model_copy(update={what: value})})

    return apply


def _discount_rate(p: Proposal) -> Apply:
    def apply(rate: float) -> Proposal:
        assert p.financials is not None, "a discount rate is a financial setting"
        changed = p.financials.model_copy(update={"discount_rate": Percent(rate, 2)})
        return p.model_copy(update={"financials": changed})

    return apply


def _scaled(estimate: Estimate[float] | None, share: float) -> Estimate[float] | None:
    if estimate is None:
        return None
    return Estimate(estimate.low * share, estimate.likely * share, estimate.high * share)


# --- solving ------------------------------------------------------------------------------


def _returns(model: Model, apply: Apply) -> Callable[[float], float | None]:
    """The return where the driver is `value`: the payback, not read, is not solved."""
    return lambda value: model.lead(apply(value), payback=False).roi


def _paybacks(model: Model, apply: Apply, horizon: int) -> Callable[[float], float | None]:
    """The payback less the horizon: zero where the payback reaches it; past the horizon
    (or never) is positive, so the root is found as the return's is."""

    def payback_margin(value: float) -> float | None:
        months = model.lead(apply(value)).payback_months
        return horizon - (months if months is not None else float("inf"))

    return payback_margin


def root(
    f: Callable[[float], float | None], start: float, least: float, most: float
) -> float | None:
    """The value nearest `start` within [least, most] where `f` changes sign (the return
    is zero there), by the Illinois method: exact in one step where `f` is linear, and
    bracketed, so never astray, where it is not. None where `f` keeps its sign over the
    whole range."""
    here = f(start)
    if here is None:
        return None
    if here == 0:
        return start
    for end in (least, most):  # the side where the sign changes
        there = f(end)
        if there is not None and (there == 0 or (there > 0) != (here > 0)):
            return _bracketed(f, start, here, end, there)
    return None


def _bracketed(
    f: Callable[[float], float | None], a: float, fa: float, b: float, fb: float
) -> float:
    """The root between `a` and `b`, where `f` has opposite signs: the secant through the
    bracket's ends, the end that stays put twice running weighed down by half (Illinois),
    so that it converges fast and never leaves the bracket."""
    scale = max(abs(a), abs(b), 1.0)
    side, previous = 0, None
    for _ in range(MOST_STEPS):
        # the secant, or the midpoint where an end is infinite (never paid back)
        finite = math.isfinite(fa) and math.isfinite(fb)
        c = (fa * b - fb * a) / (fa - fb) if finite else (a + b) / 2
        if previous is not None and abs(c - previous) <= TOLERANCE * scale:
            return c
        if abs(b - a) <= TOLERANCE * scale:
            return c
        previous = c
        fc = f(c)
        if fc is None:  # undefined inside the bracket (no cost, say): take the midpoint
            c = (a + b) / 2
            fc = f(c)
            if fc is None:
                return c
        if fc == 0:
            return c
        if (fc > 0) == (fb > 0):
            b, fb = c, fc
            if side == -1:
                fa /= 2
            side = -1
        else:
            a, fa = c, fc
            if side == 1:
                fb /= 2
            side = 1
    return c
