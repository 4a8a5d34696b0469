"""Compute, impact: the impact map (learn -> do at the moment that matters -> results ->
goals) and the hours the programme asks of people, with what that time costs.

The hours asked are never added to the budget, which stays what is asked: their cost is
told beside it, so the "we have no time" objection is answered with a number, and (format
1.2) it is part of the cost the return is computed on (`money.programme_costs`), unless the
author shows it apart (`financials.time_cost: shown`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buildcase.compute.records import AudienceImpact, BenefitView, HoursAsked, ImpactRow
from buildcase.models.plan import MOMENTS, Support
from buildcase.models.sections import Goal, Need, Proposal


@dataclass
class Impact:
    need: Need | None
    rows: list[ImpactRow]
    benefits: list[BenefitView]  # the results column, in the order of the benefits
    goals: list[Goal]  # the goals column, in the order of the goals
    support: dict[str, list[Support]]  # by moment, before, during, after (all three keys)
    groups: list[HoursAsked]  # each support entry's hours
    participants: HoursAsked | None  # the participants' own time away from work
    hourly_cost: float | None
    total_hours: float | None = None  # every group's and the participants' hours
    total_cost: float | None = None  # their cost: beside the budget, in the full cost
    audience_rows: dict[str, list[ImpactRow]] = field(default_factory=dict)
    audience_asked: dict[str, list[HoursAsked]] = field(default_factory=dict)
    audience_participants: dict[str, HoursAsked] = field(default_factory=dict)

    @property
    def has_support(self) -> bool:
        return any(self.support.values())

    @property
    def support_hours(self) -> float | None:
        """The hours asked of managers and the other groups in `support`, in all."""
        known = [g.total for g in self.groups if g.total is not None]
        return sum(known) if known else None

    @property
    def support_cost(self) -> float | None:
        known = [g.cost for g in self.groups if g.cost is not None]
        return sum(known) if known else None

    def rows_for(self, audience_id: str) -> list[ImpactRow]:
        """What this audience's people will do differently."""
        return self.audience_rows.get(audience_id, [])

    def for_audience(self, audience_id: str) -> AudienceImpact:
        """What this audience's people will do differently and the hours asked of them:
        their own participants' time and the support entries naming them, never the
        programme's whole."""
        asked = self.audience_asked.get(audience_id, [])
        own = self.audience_participants.get(audience_id)
        groups = [*asked, *([own] if own else [])]
        hours = [g.total for g in groups if g.total is not None]
        costs = [g.cost for g in groups if g.cost is not None]
        return AudienceImpact(
            self.rows_for(audience_id),
            asked,
            sum(hours) if hours else None,
            sum(costs) if costs else None,
            own,
        )


def hours_asked(
    who: str, when: str | None, people: int | None, hours: float | None, rate: float | None,
    does: str | None = None,
) -> HoursAsked:  # fmt: skip
    total = people * hours if people is not None and hours is not None else None
    cost = total * rate if total is not None and rate is not None else None
    shown_rate = rate if cost is not None else None
    return HoursAsked(who, when, people, hours, total, cost, does, shown_rate)


def _rate_of(support: Support, rate: float | None) -> float | None:
    """What an hour of a group's time costs: its own rate (format 1.2), else the request's."""
    return support.hourly_cost if support.hourly_cost is not None else rate


def hours_of(p: Proposal) -> tuple[list[HoursAsked], HoursAsked | None]:
    """The hours asked of each group in `support`, and of the participants, each at its
    hourly cost."""
    rate = p.request.hourly_cost if p.request else None
    groups = [
        hours_asked(s.who, s.when, s.people, s.hours, _rate_of(s, rate), s.does) for s in p.support
    ]
    participants = None
    if p.request and p.request.hours_per_participant is not None:
        participants = hours_asked(
            "", None, p.request.participants, p.request.hours_per_participant, rate
        )
    return groups, participants


def time_cost(groups: list[HoursAsked], participants: HoursAsked | None) -> float | None:
    """What people's time costs in all (`Impact.total_cost`): apart from the impact map,
    for the sensitivity solver, which needs this alone hundreds of times."""
    asked = [g for g in [*groups, participants] if g is not None and g.total is not None]
    costs = [g.cost for g in asked if g.cost is not None]
    return sum(costs) if costs else None


def build_impact(p: Proposal, benefits: list[BenefitView]) -> Impact:
    by_id = {b.benefit.id: b for b in benefits if b.benefit.id}
    goal_order = {g.id: i for i, g in enumerate(p.goals)}
    rows = []
    for b in p.behaviours:
        led = [by_id[i] for i in b.benefits if i in by_id]
        served = {g.id: g for view in led for g in view.goals}
        rows.append(
            ImpactRow(
                f"behaviour-{b.id}",
                b,
                led,
                sorted(served.values(), key=lambda g: goal_order.get(g.id, 0)),
            )
        )
    used = {view.benefit.id for row in rows for view in row.benefits}
    results = [b for b in benefits if b.benefit.id in used]
    reached = {g.id for row in rows for g in row.goals}
    rate = p.request.hourly_cost if p.request else None
    groups, participants = hours_of(p)
    asked = [g for g in [*groups, participants] if g is not None and g.total is not None]
    total_hours = sum(g.total for g in asked if g.total is not None) if asked else None
    impact = Impact(
        need=p.need,
        rows=rows,
        benefits=results,
        goals=[g for g in p.goals if g.id in reached],
        support={m: [s for s in p.support if s.when == m] for m in MOMENTS},
        groups=groups,
        participants=participants,
        hourly_cost=rate,
        total_hours=total_hours,
        total_cost=time_cost(groups, participants),
    )
    for audience in p.audiences:
        impact.audience_rows[audience.id] = [
            row for row in rows if audience.id in row.behaviour.audiences
        ]
        hours_each = p.request.hours_per_participant if p.request else None
        if audience.participants is not None:
            impact.audience_participants[audience.id] = hours_asked(
                "", None, audience.participants, hours_each, rate
            )
        impact.audience_asked[audience.id] = [
            group for group, s in zip(groups, p.support, strict=True) if audience.id in s.audiences
        ]
    return impact
