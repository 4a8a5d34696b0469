"""Stage 3, compute: every derived figure and cross-reference, once, for both outputs.

The site and the handout render from the same `Case`, so a number can never differ
between them, and templates only format what is computed here. The formulas are pure
functions, each small enough to check against a sum worked by hand.

`build_case` below gathers them; `records` holds the data shapes the modules hand one
another. `checks` holds the checks that need the computed case (a sample too small to lean
on, a handout that cannot fit its two pages): they run right after `build_case`, before
anything is rendered, and report located problems as `validate` does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from buildcase.compute.briefing import Decision, decision
from buildcase.compute.departments import commitments, department_asks, kpi_views, need_split
from buildcase.compute.impact import Impact, build_impact
from buildcase.compute.money import (
    SCENARIOS,
    TransferGap,
    cost_before_pilot,
    cost_per_participant,
    gain_ramp,
    has_ranges,
    money_in_scenario,
    programme_costs,
    total_cost,
    transfer_gap,
)  # fmt: skip
from buildcase.compute.records import (
    AudienceView,
    BenefitView,
    Commitments,
    Edition,
    Figure,
    GoalView,
    MeasureView,
    NeedSplit,
    ObjectionView,
    PhaseView,
    RiskView,
    Scenario,
)  # fmt: skip
from buildcase.compute.results import ResultsView, results_summary, results_view
from buildcase.compute.schedule import Ramp
from buildcase.compute.sensitivity import (
    SWING,
    Model,
    Sensitivity,
    Threshold,
    closest_to_breaking,
    sensitivities,
)
from buildcase.compute.statistics import headline_figures, quotable_figures
from buildcase.compute.views import (
    audience_views,
    benefit_anchor,
    campaign_status,
    edition,
    goal_views,
    goals_by_id,
    guess_theme,
    measure_view,
    objection_groups,
    risk_anchor,
    timeline,
)  # fmt: skip
from buildcase.compute.whatif import whatif_model
from buildcase.compute.wording import Wording, case_wording
from buildcase.models.sections import Proposal

__all__ = ["Case", "build_case"]


@dataclass
class Case:
    """The proposal and everything derived from it."""

    proposal: Proposal
    slug: str
    figures: dict[str, Figure]
    headline: list[Figure]
    benefits: list[BenefitView]
    risks: list[RiskView]
    goals: list[GoalView]
    audiences: list[AudienceView]
    objection_groups: list[tuple[str, list[ObjectionView]]]  # by theme, in OBJECTION_THEMES order
    measures: list[MeasureView]
    timeline: list[PhaseView]
    editions: list[Edition]  # the executives' first, then one per audience
    status: str | None  # the campaign's decision, where a campaign is recorded
    scenarios: dict[str, Scenario]  # conservative, likely, optimistic
    has_ranges: bool  # whether any estimate is a range, so the three cases differ
    transfer: TransferGap | None
    total_cost: float | None
    cost_per_participant: float | None
    pilot_cost: float | None
    pilot_included: bool  # the pilot's budget is part of the budget, not on top of it
    cost_before_pilot: float | None  # the cost items (or budget) the pilot is part of or added to
    plan_weeks: float | None
    ramp: Ramp  # when the gain arrives, the same in every scenario
    decision: Decision  # what is asked today and what it returns, reconciled
    impact: Impact  # the need, the impact map and the hours asked (format 1.1)
    need_split: NeedSplit | None = None  # the need's causes with their shares (format 1.2)
    commitments: Commitments | None = None  # what an approved budget now needs (format 1.2)
    results: ResultsView | None = None  # what happened against the forecast, once reported
    wording: Wording = field(init=False)  # what the outputs say where a choice is made

    @property
    def swing(self) -> float:
        """The tornado's default, either way, where an estimate has no range."""
        return SWING

    @property
    def lead(self) -> Scenario:
        """The case the summary leads with: the conservative one where estimates are ranges."""
        return self.scenarios["conservative" if self.has_ranges else "likely"]

    @property
    def likely(self) -> Scenario:
        return self.scenarios["likely"]

    @functools.cached_property
    def sensitivity(self) -> list[Sensitivity]:
        """Every driver's break-even and swing (compute/sensitivity.py), computed once and
        only for an output that shows them: `check` and most tests never pay for it."""
        return sensitivities(self._model())

    def _model(self) -> Model:
        """The leading case as the sensitivity and the what-if panel change it."""
        return Model(
            self.proposal,
            tuple(b.anchor for b in self.benefits),
            tuple(r.anchor for r in self.risks),
            self.lead.scenario,
            "low" if self.has_ranges else "likely",
        )

    @functools.cached_property
    def whatif(self) -> dict[str, Any]:
        """What the what-if panel computes from (compute/whatif.py), its sliders chosen
        from the break-evens `sensitivity` found, not found again."""
        return whatif_model(self._model(), self.sensitivity)

    @functools.cached_property
    def holds_if(self) -> list[Threshold]:
        """What would have to be true: the three drivers nearest their break-even."""
        return [self._threshold(s) for s in closest_to_breaking(self.sensitivity)]

    @functools.cached_property
    def thresholds(self) -> list[Threshold]:
        """Every driver told one by one, the widest swing first (the tornado's order)."""
        return [self._threshold(s) for s in self.sensitivity]

    def _threshold(self, s: Sensitivity) -> Threshold:
        """A driver with the title it is about, whether the leading case pays, and the
        participants an application rate is counted in."""
        titles = {b.anchor: b.benefit.title for b in self.benefits}
        titles.update({r.anchor: r.risk.title for r in self.risks})
        request = self.proposal.request
        people = request.participants if request and s.driver.what == "application_rate" else None
        pays = self.lead.roi is None or self.lead.roi >= 0
        return Threshold(s, titles.get(s.driver.anchor or ""), pays, people or None)


def build_case(proposal: Proposal, slug: str) -> Case:
    figures = quotable_figures(proposal)
    benefits = [
        BenefitView(
            benefit_anchor(b, i),
            b,
            goals_by_id(proposal, b.goals),
            [figures[e] for e in b.evidence],
        )
        for i, b in enumerate(proposal.benefits)
    ]
    risks = [
        RiskView(
            risk_anchor(r, i), r, goals_by_id(proposal, r.goals), [figures[e] for e in r.evidence]
        )
        for i, r in enumerate(proposal.risks)
    ]
    cost = total_cost(proposal)
    impact = build_impact(proposal, benefits)
    costs = programme_costs(proposal, impact.total_cost)
    scenarios = {
        name: money_in_scenario(proposal, benefits, risks, costs, name, point)
        for name, point in SCENARIOS
    }
    ranged = has_ranges(proposal)
    lead = scenarios["conservative" if ranged else "likely"]
    for b in benefits:
        b.value = lead.benefits.get(b.anchor)
    for r in risks:
        r.value = lead.risks.get(r.anchor)
    headline = headline_figures(proposal, figures)
    objections = [ObjectionView(o, o.theme or guess_theme(o.concern)) for o in proposal.objections]
    audiences = audience_views(proposal, benefits, risks, objections, figures)
    for a in audiences:
        a.impact = impact.for_audience(a.audience.id)
        a.asks = department_asks(a.audience, proposal)
        a.kpis = kpi_views(a.audience.kpis, benefits)
    case = Case(
        proposal=proposal,
        slug=slug,
        figures=figures,
        headline=headline,
        benefits=benefits,
        risks=risks,
        goals=goal_views(proposal, benefits, risks),
        audiences=audiences,
        objection_groups=objection_groups(objections),
        measures=[measure_view(m) for m in proposal.measures],
        timeline=timeline(proposal),
        editions=[
            edition("handout.pdf", None, benefits, risks, headline, objections),
            *(
                edition(
                    f"handout-{a.audience.id}.pdf",
                    a,
                    a.benefits,
                    a.risks,
                    a.figures,
                    a.objections,
                )
                for a in audiences
            ),
        ],
        status=campaign_status(proposal),
        scenarios=scenarios,
        has_ranges=ranged,
        transfer=transfer_gap(proposal, figures, lead.annual_benefit),  # the case that leads
        total_cost=cost,
        cost_per_participant=cost_per_participant(proposal, cost),
        pilot_cost=proposal.request.pilot.budget
        if proposal.request and proposal.request.pilot
        else None,
        pilot_included=not (
            proposal.request and proposal.request.pilot and not proposal.request.pilot.included
        ),
        cost_before_pilot=cost_before_pilot(proposal),
        plan_weeks=sum(p.duration.weeks for p in proposal.plan) if proposal.plan else None,
        ramp=gain_ramp(proposal),
        decision=decision(proposal, lead, "conservative" if ranged else "likely"),
        impact=impact,
        results=results_view(proposal, benefits, lead, figures),
        need_split=need_split(proposal),
        commitments=commitments(proposal, audiences),
    )
    case.wording = case_wording(case)
    return case


def portfolio_entry(case: Case) -> dict[str, Any]:
    """What the portfolio index lists of a proposal, recorded with its output (as values,
    formatted when the index is rendered), so the index can list proposals this build did
    not touch."""
    p, r = case.proposal, case.proposal.request
    return {
        "title": p.title,
        "organization": p.organization,
        "date": str(p.date),
        "currency": p.currency,
        "lang": p.language,
        "budget": r.budget if r else None,
        "participants": r.participants if r else None,
        "duration": str(r.duration) if r and r.duration else None,
        "status": case.status,
        "decide_by": str(case.decision.decide_by) if case.decision.decide_by else None,
        "handouts": [
            [e.file, e.audience.audience.title if e.audience else None] for e in case.editions
        ],
        "results": results_summary(case.results) if case.results else None,
    }
