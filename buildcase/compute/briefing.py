"""The decision a board is asked to take, with the figures that argue for it, reconciled.

Every page and handout leads with this one object, so the ask, the return and the payback
read the same everywhere, and where two totals differ (a budget above its itemised costs,
a pilot on top of the budget) the difference is computed here, once, to be said beside
them rather than left for a finance head to find.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildcase.compute.money import cost_before_pilot, pilot_on_top
from buildcase.compute.records import Scenario
from buildcase.models.quantities import PartialDate
from buildcase.models.sections import Proposal


@dataclass(frozen=True)
class Pilot:
    participants: int
    weeks: float
    budget: float | None
    included: bool  # inside the budget (True) or on top of it (False)


@dataclass(frozen=True)
class Decision:
    """What is asked today and what it returns, in the case the summary leads with."""

    scenario: str  # "conservative" where estimates are ranges, else "likely"
    ask: float | None  # what the board approves: the budget, plus a pilot on top of it
    budget: float | None  # request.budget as written
    costs_total: float | None  # the cost items added up, where items are given
    unitemised: float | None  # budget − costs_total, where the budget is larger (contingency)
    over_budget: float | None  # costs_total − budget, where the items exceed the budget
    pilot: Pilot | None
    participants: int | None
    weeks: float | None
    decide_by: PartialDate | None
    approved: PartialDate | None  # the budget is approved: commitments are asked, not money
    cost: float | None  # what the return is computed on (the scenario's cost)
    annual_gain: float | None  # benefits credited + losses avoided, a year
    annual_benefit: float | None
    avoided_loss: float | None
    payback_months: float | None
    roi: float | None
    horizon_years: int
    discounted: bool
    expected_loss: float | None  # the cost of doing nothing, a year: not part of the gain
    residual_loss: float | None  # what is left of it after training


def decision(proposal: Proposal, lead: Scenario, lead_name: str) -> Decision:
    request = proposal.request
    budget = request.budget if request else None
    costs_total = sum(c.amount for c in proposal.costs) if proposal.costs else None
    on_top = pilot_on_top(proposal)
    base = budget if budget is not None else cost_before_pilot(proposal)
    ask = base + on_top if base is not None and on_top is not None else base
    gap = budget - costs_total if budget is not None and costs_total is not None else None
    pilot = request.pilot if request else None
    return Decision(
        scenario=lead_name,
        ask=ask,
        budget=budget,
        costs_total=costs_total,
        unitemised=gap if gap is not None and gap > 0 else None,
        over_budget=-gap if gap is not None and gap < 0 else None,
        pilot=Pilot(pilot.participants, pilot.duration.weeks, pilot.budget, pilot.included)
        if pilot
        else None,
        participants=request.participants if request else None,
        weeks=request.duration.weeks if request and request.duration else None,
        decide_by=request.decision_by if request else None,
        approved=request.approved if request else None,
        cost=lead.cost,
        annual_gain=lead.annual_gain,
        annual_benefit=lead.annual_benefit,
        avoided_loss=lead.avoided_loss,
        payback_months=lead.payback_months,
        roi=lead.roi,
        horizon_years=lead.horizon_years,
        discounted=bool(lead.discount_rate),
        expected_loss=lead.expected_loss,
        residual_loss=lead.residual_loss,
    )
