"""Compute, what-if: the leading case's inputs as plain data, for the panel that lets a
viewer move the main drivers and see the return, payback and net value follow, offline.

The panel (`templates/assets/whatif.js`) ports the arithmetic of `money` and `schedule` to
the browser, so it needs the numbers that arithmetic reads, not the proposal: the timeline
(horizon, ramp, discount rate), the costs split where a slider moves them (people's time
at the request's hourly cost), each benefit and reduced risk at the leading point, and the
sliders, each bounded by the range the tornado swings its driver over (the author's range
where one is given). `apply_settings` is the same change made to the proposal, so that the
Python model can say what the panel must show (tests/test_whatif.py compares the two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from buildcase.compute.impact import Impact, build_impact
from buildcase.compute.money import gain_ramp, gain_stream, programme_costs
from buildcase.compute.schedule import Ramp
from buildcase.compute.sensitivity import Driver, Model, Sensitivity, drivers, sensitivities
from buildcase.models.sections import Proposal

MOST_MOVED = 5  # the drivers that swing the return most each get a slider
ALWAYS = ("application-rate", "hours-per-participant", "hourly-cost")  # where they move it
# The application rate scales every benefit's value as the proposal has it at that moment:
# applied last, it scales the values the other sliders set, as the panel does.
SCALES_THE_OTHERS = "application-rate"


def whatif_model(model: Model, found: list[Sensitivity] | None = None) -> dict[str, Any]:
    """What the panel computes from, as JSON-able data. `found` is the case's
    `sensitivities(model)` where the build has them already (the tornado does), so that
    they are not computed twice. Amounts are in the proposal's currency; shares that a
    slider sets are percents (as the sliders show them), a benefit's decay a fraction."""
    p = model.proposal
    impact = build_impact(p, [])  # people's time; the impact map's rows are not needed
    costs = programme_costs(p, impact.total_cost)
    ramp = gain_ramp(p)
    benefits = _benefits(model, ramp)
    risks = _risks(model)
    moved = sensitivities(model) if found is None else found
    settings = p.financials
    discount = settings.discount_rate if settings else None
    planned = settings.application_rate if settings else None
    years = settings.horizon_years if settings else 1  # as money_in_scenario reads it
    return {
        "language": p.language,
        "currency": p.currency,
        "horizon_years": years,
        "horizon_months": 12 * years,
        "discount_rate": discount.value if discount else None,
        "ramp": {"start_weeks": ramp.start_weeks, "length_weeks": ramp.length_weeks},
        "one_off": costs.one_off,
        "yearly": costs.yearly,
        "time": _time(p, impact, costs.time_counted),
        "application_rate": planned.value if planned else None,
        "benefits": benefits,
        "risks": risks,
        "sliders": _sliders(moved, benefits, risks),
    }


def apply_settings(model: Model, settings: Mapping[str, float]) -> Proposal:
    """The proposal with several drivers set at once, each by its own driver's change, as
    the panel sets them: one applied, the next found again on the changed proposal (its
    anchors kept), the application rate last."""
    current = model
    for key in sorted(settings, key=lambda k: k == SCALES_THE_OTHERS):
        applies = {driver.key: apply for driver, apply in drivers(current)}
        if key not in applies:
            raise KeyError(f"no driver {key!r} in this case: {sorted(applies)}")
        current = replace(current, proposal=applies[key](settings[key]))
        counts = len(current.proposal.benefits), len(current.proposal.risks)
        assert counts == (len(model.benefit_anchors), len(model.risk_anchors)), (
            f"{key} changed which benefits and risks there are: the anchors would no longer fit"
        )
    return current.proposal


# --- the inputs ---------------------------------------------------------------------------


def _time(p: Proposal, impact: Impact, counted: bool) -> dict[str, Any]:
    """People's time as the hourly-cost and hours sliders move it: the participants' hours,
    the support groups' hours costed at the request's hourly cost (which moves with it),
    and the cost of those groups that have an hourly cost of their own (which does not)."""
    rate = p.request.hourly_cost if p.request else None
    at_request = own = 0.0
    for group, support in zip(impact.groups, p.support, strict=True):
        if group.cost is None or group.total is None:
            continue  # not costed: no hours, or no rate to cost them at
        if support.hourly_cost is None:
            at_request += group.total
        else:
            own += group.cost
    asked = impact.participants
    costed = asked is not None and asked.cost is not None
    return {
        "counted": counted,
        "participants": asked.people if costed and asked else 0,
        "hours_per_participant": asked.hours_each if costed and asked else 0.0,
        "hourly_cost": rate,
        "support_hours_at_hourly_cost": at_request,
        "support_cost_at_own_rates": own,
    }


def _benefits(model: Model, ramp: Ramp) -> list[dict[str, Any]]:
    """Each benefit with a value, at the leading point, with how its gain runs over time
    (its decay, and the month it ends), read from the stream `money` gives it."""
    found = []
    for anchor, b in zip(model.benefit_anchors, model.proposal.benefits, strict=True):
        if b.annual_value is None:
            continue
        stream = gain_stream(b, 0.0, ramp)
        found.append(
            {
                "anchor": anchor,
                "annual_value": b.annual_value.pick(model.point),
                "attribution": b.attribution.value if b.attribution else 100.0,
                "confidence": b.confidence.value if b.confidence else 100.0,
                "decay": stream.decay,
                "ends": stream.ends,
            }
        )
    return found


def _risks(model: Model) -> list[dict[str, Any]]:
    """Each risk training reduces, at the leading point: only those count in the gain."""
    found = []
    for anchor, r in zip(model.risk_anchors, model.proposal.risks, strict=True):
        if r.reduction is None or r.likelihood is None or r.impact is None:
            continue
        found.append(
            {
                "anchor": anchor,
                "likelihood": r.likelihood.pick(model.point).value,
                "reduction": r.reduction.value,
                "impact": r.impact.pick(model.point),
            }
        )
    return found


# --- the sliders --------------------------------------------------------------------------


def _sliders(
    moved: list[Sensitivity], benefits: list[dict[str, Any]], risks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The drivers that swing the return most, and those a CFO asks about first (the
    application rate, the hours, the hourly cost) wherever they move it; a driver with no
    room to move (its range one value) has no slider."""
    chosen = [s.driver for s in moved[:MOST_MOVED]]
    chosen += [s.driver for s in moved[MOST_MOVED:] if s.driver.key in ALWAYS]
    where = {
        **{("benefit", b["anchor"]): i for i, b in enumerate(benefits)},
        **{("risk", r["anchor"]): i for i, r in enumerate(risks)},
    }
    return [_slider(d, where) for d in chosen if d.low < d.high]


def _slider(driver: Driver, where: Mapping[tuple[str, str], int]) -> dict[str, Any]:
    """One slider: the driver it sets, where the panel finds that input, its leading value
    and its bounds, the tornado's range."""
    owner = driver.key.split("-", 1)[0]  # benefit-value:..., risk-likelihood:...
    index = where.get((owner, driver.anchor)) if driver.anchor else None
    return {
        "key": driver.key,
        "kind": driver.what,
        "index": index,
        "unit": driver.unit,
        "value": driver.value,
        "min": driver.low,
        "max": driver.high,
        "given": driver.given,
    }
