"""Compute, departments: what a department head is asked for and what it does to their
numbers (format 1.2), the need split into what training can close and what it cannot,
and, once the budget is approved, the commitments the proposal now asks for.

The hours an ask names are told beside it, never added to the cost: the time counted is
the participants' (`request`) and the support groups' (`support`), so no hour is counted
twice (format 1.2, `audiences[]`).
"""

from __future__ import annotations

from buildcase.compute.records import (
    AskView,
    AudienceView,
    BenefitView,
    CausePart,
    Commitments,
    KpiView,
    NeedSplit,
)
from buildcase.models.parsers import magnitude
from buildcase.models.plan import CAUSES_FOR_MANAGERS
from buildcase.models.quantities import Percent
from buildcase.models.sections import Ask, Audience, Kpi, Proposal


def ask_view(ask: Ask, rate: float | None) -> AskView:
    """An ask's time: its people x hours each, or, without people, the head's own hours;
    costed at the ask's own rate, else the request's."""
    rate = ask.hourly_cost if ask.hourly_cost is not None else rate
    own = ask.people is None and ask.hours is not None
    hours, people = ask.hours, ask.people
    total = hours * (people if people is not None else 1) if hours is not None else None
    cost = total * rate if total is not None and rate is not None else None
    return AskView(ask, own, total, cost)


def kpi_views(kpis: list[Kpi], benefits: list[BenefitView]) -> list[KpiView]:
    """A head's numbers, each tied to the benefit it moves; a benefit two numbers move is
    valued once, at the first (`repeats` on the others), so that no one adds it twice."""
    by_id = {b.benefit.id: b for b in benefits if b.benefit.id}
    views, valued = [], set()
    for kpi in kpis:
        higher = magnitude(kpi.target) >= magnitude(kpi.baseline)
        benefit = by_id.get(kpi.benefit) if kpi.benefit else None
        views.append(KpiView(kpi, higher, benefit, kpi_unit(kpi), kpi.benefit in valued))
        if kpi.benefit:
            valued.add(kpi.benefit)
    return views


def kpi_unit(kpi: Kpi) -> str | None:
    """The unit written after a KPI's values: the author's, unless a percent already
    says it (`62%`, not `62% %`)."""
    unit = (kpi.unit or "").strip()
    if isinstance(kpi.baseline, Percent) and unit.startswith("%"):
        unit = unit[1:].strip()  # "% of sellers" after 54% reads "54% of sellers"
    return unit or None


def department_asks(audience: Audience, p: Proposal) -> list[AskView]:
    rate = p.request.hourly_cost if p.request else None
    return [ask_view(ask, rate) for ask in audience.ask]


def need_split(p: Proposal) -> NeedSplit | None:
    """The need's causes with their shares, where the author gives several (`causes`):
    training can close skills, knowledge and confidence, not the rest."""
    if p.need is None or not p.need.causes:
        return None
    parts = [
        CausePart(
            c.cause,
            c.share,
            c.note,
            c.cause not in CAUSES_FOR_MANAGERS,
            [s for s in p.support if c.cause in s.addresses],
        )
        for c in p.need.causes
    ]
    closable = sum(c.share.value for c in parts if c.closable)
    return NeedSplit(parts, closable, sum(c.share.value for c in parts if not c.closable))


def commitments(p: Proposal, audiences: list[AudienceView]) -> Commitments | None:
    """Where the budget is approved, what the proposal asks for instead of money."""
    if p.request is None or p.request.approved is None:
        return None
    asked = [a for a in audiences if a.asks]
    impacts = [a.impact for a in audiences if a.impact is not None]
    hours = [i.hours for i in impacts if i.hours is not None]
    costs = [i.cost for i in impacts if i.cost is not None]
    dates = [v.ask.by for a in audiences for v in a.asks if v.ask.by is not None]
    return Commitments(
        approved=p.request.approved,
        heads=len(asked),
        asks=sum(len(a.asks) for a in asked),
        hours=sum(hours) if hours else None,
        cost=sum(costs) if costs else None,
        by=max(dates, key=lambda d: (d.year, d.month, d.day or 0)) if dates else None,
    )
