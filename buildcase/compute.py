"""Stage 3, compute: every derived figure and cross-reference, once, for both outputs.

The site and the handout render from the same `Case`, so a number can never differ
between them, and templates only format what is computed here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .models import Audience, Benefit, Evidence, Goal, Percent, Proposal, Risk, Stat

HEADLINE_MIN, HEADLINE_DEFAULT, HEADLINE_MAX = 3, 4, 6


@dataclass(frozen=True)
class Figure:
    """A statistic ready to quote, with what makes it traceable: its n or its source."""

    id: str
    anchor: str  # on the Evidence page
    value: Percent | int
    label: str
    n: int | None = None  # survey respondents behind the figure
    population: int | None = None
    source: str | None = None  # external evidence: who published it
    year: int | None = None
    url: str | None = None
    compare: Percent | int | None = None

    @property
    def is_survey(self) -> bool:
        return self.source is None


@dataclass(frozen=True)
class Source:
    """Where quoted figures come from: our survey (with its n) or one external study."""

    survey: bool
    n: int | None = None  # survey respondents
    population: int | None = None
    source: str | None = None  # external: who published it
    year: int | None = None
    url: str | None = None


@dataclass
class BenefitView:
    anchor: str
    benefit: Benefit
    goals: list[Goal]
    figures: list[Figure]
    notes: list[int] = field(default_factory=list)  # source note numbers, for print


@dataclass
class RiskView:
    anchor: str
    risk: Risk
    goals: list[Goal]
    figures: list[Figure]
    expected_loss: float | None  # likelihood x impact, per year
    notes: list[int] = field(default_factory=list)


@dataclass
class GoalView:
    anchor: str
    goal: Goal
    benefits: list[BenefitView]
    risks: list[RiskView]


@dataclass
class AudienceView:
    anchor: str
    audience: Audience
    benefits: list[BenefitView]
    risks: list[RiskView]


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
    total_cost: float | None
    cost_per_participant: float | None
    total_annual_value: float | None
    expected_annual_loss: float | None
    plan_weeks: float | None
    sources: list[Source] = field(default_factory=list)  # numbered notes, in reading order
    notes: dict[str, int] = field(default_factory=dict)  # figure id -> its source's number


def build_case(proposal: Proposal, slug: str) -> Case:
    figures = quotable_figures(proposal)
    benefits = [
        BenefitView(
            benefit_anchor(b, i),
            b,
            _goals_by_id(proposal, b.goals),
            [figures[e] for e in b.evidence],
        )
        for i, b in enumerate(proposal.benefits)
    ]
    risks = [
        RiskView(
            risk_anchor(r, i),
            r,
            _goals_by_id(proposal, r.goals),
            [figures[e] for e in r.evidence],
            expected_loss(r),
        )
        for i, r in enumerate(proposal.risks)
    ]
    total = total_cost(proposal)
    headline = headline_figures(proposal, figures)
    sources, notes = numbered_sources(headline, benefits, risks)
    for view in [*benefits, *risks]:
        view.notes = sorted({notes[f.id] for f in view.figures})
    return Case(
        proposal=proposal,
        slug=slug,
        figures=figures,
        headline=headline,
        benefits=benefits,
        risks=risks,
        goals=goal_views(proposal, benefits, risks),
        audiences=audience_views(proposal, benefits, risks),
        total_cost=total,
        cost_per_participant=cost_per_participant(proposal, total),
        total_annual_value=total_annual_value(proposal),
        expected_annual_loss=total_expected_loss(risks),
        plan_weeks=sum(p.duration.weeks for p in proposal.plan) if proposal.plan else None,
        sources=sources,
        notes=notes,
    )


def benefit_anchor(benefit: Benefit, index: int) -> str:
    return f"benefit-{benefit.id or index + 1}"


def risk_anchor(risk: Risk, index: int) -> str:
    return f"risk-{risk.id or index + 1}"


def quotable_figures(proposal: Proposal) -> dict[str, Figure]:
    """Every survey stat and evidence entry by id, each with its n or its source."""
    figures: dict[str, Figure] = {}
    if proposal.survey:
        survey = proposal.survey
        for stat in survey.stats:
            figures[stat.id] = _survey_figure(stat, survey.respondents, survey.population)
    for entry in proposal.evidence:
        figures[entry.id] = _evidence_figure(entry)
    return figures


def _survey_figure(stat: Stat, default_n: int | None, population: int | None) -> Figure:
    return Figure(
        id=stat.id,
        anchor=f"stat-{stat.id}",
        value=stat.value,
        label=stat.label,
        n=stat.respondents or default_n,
        population=population,
    )


def _evidence_figure(entry: Evidence) -> Figure:
    return Figure(
        id=entry.id,
        anchor=f"evidence-{entry.id}",
        value=entry.value,
        label=entry.label,
        source=entry.source,
        year=entry.year,
        url=entry.url,
        compare=entry.compare,
    )


def headline_figures(proposal: Proposal, figures: dict[str, Figure]) -> list[Figure]:
    """The figures to show big: those the author marked, else the most cited ones.

    A figure cited by more benefits and risks carries more of the argument; ties keep
    the author's order, survey first, since the organization's own numbers persuade most.
    """
    marked = [
        s.id
        for s in [*(proposal.survey.stats if proposal.survey else []), *proposal.evidence]
        if s.headline
    ]
    if marked:
        return [figures[i] for i in marked[:HEADLINE_MAX]]
    citations = Counter(e for item in [*proposal.benefits, *proposal.risks] for e in item.evidence)
    order = list(figures)
    ranked = sorted(order, key=lambda i: (-citations[i], order.index(i)))
    cited = [i for i in ranked if citations[i]]
    count = max(min(len(cited), HEADLINE_DEFAULT), min(HEADLINE_MIN, len(ranked)))
    return [figures[i] for i in ranked[:count]]


def numbered_sources(
    headline: list[Figure], benefits: list[BenefitView], risks: list[RiskView]
) -> tuple[list[Source], dict[str, int]]:
    """The sources of the quoted figures, numbered in the order a reader meets them.

    Figures from the same survey with the same n share a note, so the handout's notes
    name each source once.
    """
    quoted = [*headline, *(f for view in [*benefits, *risks] for f in view.figures)]
    sources: list[Source] = []
    notes: dict[str, int] = {}
    for figure in quoted:
        source = source_of(figure)
        if source not in sources:
            sources.append(source)
        notes[figure.id] = sources.index(source) + 1
    return sources, notes


def source_of(figure: Figure) -> Source:
    if figure.is_survey:
        return Source(survey=True, n=figure.n, population=figure.population)
    return Source(survey=False, source=figure.source, year=figure.year, url=figure.url)


def expected_loss(risk: Risk) -> float | None:
    """Likelihood per year x impact: what doing nothing costs on average each year."""
    if risk.likelihood is None or risk.impact is None:
        return None
    return risk.likelihood.fraction * risk.impact


def total_expected_loss(risks: list[RiskView]) -> float | None:
    losses = [r.expected_loss for r in risks if r.expected_loss is not None]
    return sum(losses) if losses else None


def total_cost(proposal: Proposal) -> float | None:
    """The sum of the cost items, or the requested budget where no items are given."""
    if proposal.costs:
        return sum(c.amount for c in proposal.costs)
    return proposal.request.budget if proposal.request else None


def cost_per_participant(proposal: Proposal, total: float | None) -> float | None:
    participants = proposal.request.participants if proposal.request else None
    if total is None or not participants:
        return None
    return total / participants


def total_annual_value(proposal: Proposal) -> float | None:
    values = [b.annual_value for b in proposal.benefits if b.annual_value is not None]
    return sum(values) if values else None


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
    proposal: Proposal, benefits: list[BenefitView], risks: list[RiskView]
) -> list[AudienceView]:
    return [
        AudienceView(
            f"audience-{a.id}",
            a,
            [b for b in benefits if b.benefit.id in a.benefits],
            [r for r in risks if r.risk.id in a.risks],
        )
        for a in proposal.audiences
    ]


def _goals_by_id(proposal: Proposal, ids: list[str]) -> list[Goal]:
    by_id = {g.id: g for g in proposal.goals}
    return [by_id[i] for i in ids]
