"""Compute, views: each benefit, risk, goal, audience and objection with what it links to,
the handouts' editions, the plan's timeline and the measures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from buildcase.compute.money import BenefitValue, RiskValue
from buildcase.compute.statistics import HEADLINE_MAX, Figure, Source, numbered_sources
from buildcase.models.parsers import magnitude
from buildcase.models.sections import (  # fmt: skip
    OBJECTION_THEMES,
    Audience,
    Benefit,
    Goal,
    Measure,
    Objection,
    Phase,
    Proposal,
    Risk,
)

if TYPE_CHECKING:
    from buildcase.compute.impact import AudienceImpact


@dataclass
class BenefitView:
    anchor: str
    benefit: Benefit
    goals: list[Goal]
    figures: list[Figure]
    value: BenefitValue | None = None  # in the case the summary leads with


@dataclass
class RiskView:
    anchor: str
    risk: Risk
    goals: list[Goal]
    figures: list[Figure]
    value: RiskValue | None = None  # in the case the summary leads with


@dataclass
class GoalView:
    anchor: str
    goal: Goal
    benefits: list[BenefitView]
    risks: list[RiskView]


@dataclass
class ObjectionView:
    objection: Objection
    theme: str  # the author's, or guessed from the words of the concern


@dataclass
class AudienceView:
    anchor: str  # also the page: audience-<id>.md
    audience: Audience
    benefits: list[BenefitView]
    risks: list[RiskView]
    goals: list[Goal]
    objections: list[ObjectionView]
    chosen: str  # how benefits and risks were chosen: "author", "goals" or "all"
    figures: list[Figure] = field(default_factory=list)  # the numbers behind them
    # what their people will do differently and the hours asked of them (format 1.1)
    impact: AudienceImpact | None = None


@dataclass
class Edition:
    """What one handout says: the executives' edition, or one written to a department head."""

    file: str  # handout.pdf, handout-<audience id>.pdf
    audience: AudienceView | None
    benefits: list[BenefitView]
    risks: list[RiskView]
    headline: list[Figure]
    objections: list[ObjectionView]
    sources: list[Source]
    notes: dict[str, int]  # figure id -> its source's note number
    view_notes: dict[str, list[int]]  # benefit or risk anchor -> note numbers
    annual_benefit: float | None  # of its benefits, in the lead case
    expected_loss: float | None  # of its risks, in the lead case


@dataclass
class MeasureView:
    measure: Measure
    status: str | None  # "met", "missed" or None while not measured


@dataclass
class PhaseView:
    phase: Phase
    start_week: float
    end_week: float


def benefit_anchor(benefit: Benefit, index: int) -> str:
    return f"benefit-{benefit.id or index + 1}"


def risk_anchor(risk: Risk, index: int) -> str:
    return f"risk-{risk.id or index + 1}"


def goal_views(
    proposal: Proposal, benefits: list[BenefitView], risks: list[RiskView]
) -> list[GoalView]:
    return [
        GoalView(
            f"goal-{goal.id}",
            goal,
            [b for b in benefits if goal.id in b.benefit.goals],
            [r for r in risks if goal.id in r.risk.goals],
        )
        for goal in proposal.goals
    ]


def audience_views(
    proposal: Proposal,
    benefits: list[BenefitView],
    risks: list[RiskView],
    objections: list[ObjectionView],
) -> list[AudienceView]:
    """Each department head's benefits and risks: those the author chose for them, else
    those serving the goals they answer for, else all of them."""
    views = []
    for a in proposal.audiences:
        goals = goals_by_id(proposal, a.goals)
        if a.benefits or a.risks:
            chosen, bs, rs = (
                "author",
                [b for b in benefits if b.benefit.id in a.benefits],
                [r for r in risks if r.risk.id in a.risks],
            )
        elif a.goals:
            chosen = "goals"
            bs = [b for b in benefits if set(b.benefit.goals) & set(a.goals)]
            rs = [r for r in risks if set(r.risk.goals) & set(a.goals)]
        else:
            chosen, bs, rs = "all", benefits, risks
        theirs = [o for o in objections if a.id in o.objection.audiences]
        view = AudienceView(f"audience-{a.id}", a, bs, rs, goals, theirs, chosen)
        view.figures = audience_figures(view)
        views.append(view)
    return views


def audience_figures(audience: AudienceView) -> list[Figure]:
    """The numbers that matter to one audience: those behind their benefits and risks."""
    seen: dict[str, Figure] = {}
    views: list[BenefitView | RiskView] = [*audience.benefits, *audience.risks]
    for view in views:
        for figure in view.figures:
            seen.setdefault(figure.id, figure)
    return list(seen.values())[:HEADLINE_MAX]


def edition(
    file: str, audience: AudienceView | None, benefits: list[BenefitView], risks: list[RiskView],
    headline: list[Figure], objections: list[ObjectionView],
) -> Edition:  # fmt: skip
    sources, notes = numbered_sources(headline, benefits, risks)
    views: list[BenefitView | RiskView] = [*benefits, *risks]
    view_notes = {v.anchor: sorted({notes[f.id] for f in v.figures}) for v in views}
    values = [b.value.adjusted for b in benefits if b.value]
    losses = [r.value.expected for r in risks if r.value]
    return Edition(
        file, audience, benefits, risks, headline, objections, sources, notes, view_notes,
        sum(values) if values else None, sum(losses) if losses else None,
    )  # fmt: skip


_THEME_WORDS = {
    "not-my-job": ("not my job", "not our job", "hr's job", "someone else", "why me", "my role"),
    "time": ("time", "busy", "hours", "minutes", "schedule", "calendar"),
    "capacity": ("target", "quota", "capacity", "queue", "staff", "cover", "workload", "away from"),
    "failure": ("fail", "not met", "doesn't work", "does not work", "wrong", "risk of"),
    "cost": ("cost", "budget", "expensive", "money", "afford", "price", "spend"),
    "inexperience": ("never", "experience", "how to", "don't know", "do not know", "new to"),
}


def guess_theme(concern: str) -> str:
    """The concern behind an objection, from its words; the author's `theme` wins."""
    words = concern.lower()
    for theme, cues in _THEME_WORDS.items():
        if any(cue in words for cue in cues):
            return theme
    return "other"


def objection_groups(objections: list[ObjectionView]) -> list[tuple[str, list[ObjectionView]]]:
    return [
        (t, [o for o in objections if o.theme == t])
        for t in OBJECTION_THEMES
        if any(o.theme == t for o in objections)
    ]


def measure_view(measure: Measure) -> MeasureView:
    """Whether a measured result met its target, reading the direction from the baseline."""
    base, target = magnitude(measure.baseline), magnitude(measure.target)
    higher = target >= base
    if measure.actual is None:
        return MeasureView(measure, None)
    actual = magnitude(measure.actual)
    met = actual >= target if higher else actual <= target
    return MeasureView(measure, "met" if met else "missed")


def timeline(proposal: Proposal) -> list[PhaseView]:
    """The phases end to end, in weeks from the start."""
    views, start = [], 0.0
    for phase in proposal.plan:
        views.append(PhaseView(phase, start, start + phase.duration.weeks))
        start += phase.duration.weeks
    return views


def campaign_status(proposal: Proposal) -> str | None:
    campaign = proposal.campaign
    if campaign is None:
        return None
    return campaign.decision.status if campaign.decision else "pending"


def goals_by_id(proposal: Proposal, ids: list[str]) -> list[Goal]:
    by_id = {g.id: g for g in proposal.goals}
    return [by_id[i] for i in ids]
