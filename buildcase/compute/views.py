"""Compute, views: each benefit, risk, goal, audience and objection with what it links to,
the handouts' editions, the plan's timeline and the measures (their shapes in `records`)."""

from __future__ import annotations

from buildcase.compute.records import (
    AudienceView,
    BenefitView,
    Edition,
    Figure,
    GoalView,
    MeasureView,
    ObjectionView,
    PhaseView,
    RiskView,
)
from buildcase.compute.statistics import HEADLINE_MAX, numbered_sources
from buildcase.models.parsers import magnitude
from buildcase.models.plan import Measure
from buildcase.models.sections import (  # fmt: skip
    OBJECTION_THEMES,
    Benefit,
    Goal,
    Proposal,
    Risk,
)


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
    figures: dict[str, Figure],
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
        view.figures = audience_figures(view, tagged_figures(proposal, a.id, figures))
        views.append(view)
    return views


def tagged_figures(
    proposal: Proposal, audience_id: str, figures: dict[str, Figure]
) -> list[Figure]:
    """The evidence the author tagged for this audience (`evidence[].audiences`)."""
    return [figures[e.id] for e in proposal.evidence if audience_id in e.audiences]


def audience_figures(audience: AudienceView, tagged: list[Figure]) -> list[Figure]:
    """The numbers that matter to one audience: the evidence tagged for them, then the
    figures their benefits and risks cite; nothing else (another team's survey figures
    are not "the numbers that matter to you")."""
    seen: dict[str, Figure] = {f.id: f for f in tagged}
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


# The cues of each concern, in English, then in German (an objection is its author's, in
# the proposal's language). A German cue is no part of an English word (not `termin`, in
# `determine`; not `personal`), so that an English objection is read as it was before.
_THEME_WORDS = {
    "not-my-job": (
        "not my job", "not our job", "hr's job", "someone else", "why me", "my role",
        "nicht mein job", "nicht meine aufgabe", "nicht unsere aufgabe", "aufgabe von hr",
        "sache von hr", "der personalabteilung", "jemand anderes", "jemand anders",
        "warum ich", "nicht zuständig", "meine rolle",
    ),
    "time": (
        "time", "busy", "hours", "minutes", "schedule", "calendar",
        "zeit", "stunden", "minuten", "kalender", "beschäftigt",
    ),
    "capacity": (
        "target", "quota", "capacity", "queue", "staff", "cover", "workload", "away from",
        "ziele", "zielvorgabe", "vorgaben", "kapazität", "warteschlange", "zu wenig personal",
        "unterbesetzt", "vertretung", "arbeitslast", "auslastung", "ausgelastet", "abwesen",
        "vom arbeitsplatz",
    ),
    "failure": (
        "fail", "not met", "doesn't work", "does not work", "wrong", "risk of",
        "scheiter", "misserfolg", "fehlschlag", "nicht erreicht", "funktioniert nicht",
        "klappt nicht", "falsch", "fehler", "risiko", "blamier",
    ),
    "cost": (
        "cost", "budget", "expensive", "money", "afford", "price", "spend",
        "kosten", "teuer", "geld", "nicht leisten", "preis", "ausgaben",
    ),
    "inexperience": (
        "never", "experience", "how to", "don't know", "do not know", "new to",
        "noch nie", "erfahrung", "unerfahren", "wie man", "weiß nicht", "wissen nicht",
        "keine ahnung", "neu in", "neu im", "neu für",
    ),
}  # fmt: skip


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
