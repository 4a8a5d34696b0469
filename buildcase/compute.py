"""Stage 3, compute: every derived figure and cross-reference, once, for both outputs.

The site and the handout render from the same `Case`, so a number can never differ
between them, and templates only format what is computed here. The formulas are pure
functions, each small enough to check against a sum worked by hand.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .models import (
    Audience,
    Benefit,
    Estimate,
    Evidence,
    Goal,
    Measure,
    Objection,
    Percent,
    Phase,
    Proposal,
    Risk,
    Stat,
)  # fmt: skip

HEADLINE_MIN, HEADLINE_DEFAULT, HEADLINE_MAX = 3, 4, 6
Z_95 = 1.959964  # two-sided 95% normal quantile

# The three cases, each reading the low, likely or high point of every range.
SCENARIOS = (("conservative", "low"), ("likely", "likely"), ("optimistic", "high"))


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
    margin: float | None = None  # 95% margin of error, in percentage points

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


@dataclass(frozen=True)
class BenefitValue:
    """One benefit's value in one scenario, after the Phillips adjustments."""

    gross: float
    attribution: float  # share credited to training, 0..1
    confidence: float  # the author's confidence, 0..1
    adjusted: float  # gross x attribution x confidence
    share: float | None = None  # of all benefits' adjusted value, 0..1


@dataclass(frozen=True)
class RiskValue:
    """One risk's cost in one scenario."""

    likelihood: float  # chance per year, 0..1
    impact: float
    expected: float  # likelihood x impact, per year
    reduction: float | None  # how much training cuts the likelihood, 0..1
    residual: float | None  # expected loss left after training
    avoided: float | None  # expected - residual


@dataclass
class Financials:
    """The money case in one scenario (conservative, likely or optimistic)."""

    scenario: str
    cost: float | None
    benefits: dict[str, BenefitValue]  # by benefit anchor
    risks: dict[str, RiskValue]  # by risk anchor
    annual_benefit: float | None  # adjusted benefits, per year
    avoided_loss: float | None  # risk losses training avoids, per year
    annual_gain: float | None  # annual_benefit + avoided_loss
    expected_loss: float | None  # cost of doing nothing, per year
    residual_loss: float | None  # what is left of it after training
    horizon_years: int
    discount_rate: float | None
    gain_over_horizon: float | None  # present value where a discount rate is given
    roi: float | None  # percent
    benefit_cost_ratio: float | None
    net_value: float | None  # gain over the horizon minus cost (NPV when discounted)
    payback_months: float | None


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
    objection_groups: list[tuple[str, list[ObjectionView]]]  # by theme, in THEMES order
    measures: list[MeasureView]
    timeline: list[PhaseView]
    editions: list[Edition]  # the executives' first, then one per audience
    status: str | None  # the campaign's decision, where a campaign is recorded
    scenarios: dict[str, Financials]  # conservative, likely, optimistic
    has_ranges: bool  # whether any estimate is a range, so the three cases differ
    transfer: TransferGap | None
    total_cost: float | None
    cost_per_participant: float | None
    pilot_cost: float | None
    plan_weeks: float | None

    @property
    def lead(self) -> Financials:
        """The case the summary leads with: the conservative one where estimates are ranges."""
        return self.scenarios["conservative" if self.has_ranges else "likely"]

    @property
    def likely(self) -> Financials:
        return self.scenarios["likely"]


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
            risk_anchor(r, i), r, _goals_by_id(proposal, r.goals), [figures[e] for e in r.evidence]
        )
        for i, r in enumerate(proposal.risks)
    ]
    cost = total_cost(proposal)
    scenarios = {
        name: financials(proposal, benefits, risks, cost, name, point) for name, point in SCENARIOS
    }
    ranged = has_ranges(proposal)
    lead = scenarios["conservative" if ranged else "likely"]
    for b in benefits:
        b.value = lead.benefits.get(b.anchor)
    for r in risks:
        r.value = lead.risks.get(r.anchor)
    headline = headline_figures(proposal, figures)
    objections = [ObjectionView(o, o.theme or guess_theme(o.concern)) for o in proposal.objections]
    audiences = audience_views(proposal, benefits, risks, objections)
    return Case(
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
                    audience_figures(a),
                    a.objections,
                )
                for a in audiences
            ),
        ],
        status=campaign_status(proposal),
        scenarios=scenarios,
        has_ranges=ranged,
        transfer=transfer_gap(proposal, figures, scenarios["likely"].annual_benefit),
        total_cost=cost,
        cost_per_participant=cost_per_participant(proposal, cost),
        pilot_cost=proposal.request.pilot.budget
        if proposal.request and proposal.request.pilot
        else None,
        plan_weeks=sum(p.duration.weeks for p in proposal.plan) if proposal.plan else None,
    )


def benefit_anchor(benefit: Benefit, index: int) -> str:
    return f"benefit-{benefit.id or index + 1}"


def risk_anchor(risk: Risk, index: int) -> str:
    return f"risk-{risk.id or index + 1}"


# --- statistics --------------------------------------------------------------------------


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


def _survey_figure(stat: Stat, default_n: int | None, default_population: int | None) -> Figure:
    n = stat.respondents or default_n
    population = stat.population or default_population
    assert stat.value is not None, "validate fills in values computed from data"
    margin = None
    if isinstance(stat.value, Percent) and n:
        margin = margin_of_error(stat.value.fraction, n, population)
    return Figure(
        id=stat.id,
        anchor=f"stat-{stat.id}",
        value=stat.value,
        label=stat.label,
        n=n,
        population=population,
        margin=margin,
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


def margin_of_error(p: float, n: int, population: int | None = None) -> float:
    """The 95% margin of error of a share p from n answers, in percentage points.

    With the population N known, the finite-population correction sqrt((N-n)/(N-1))
    narrows it: asking 2,400 of 11,000 people tells more than asking 2,400 of millions.
    """
    if n <= 0:
        raise ValueError("a margin of error needs at least one respondent")
    margin = Z_95 * math.sqrt(p * (1 - p) / n)
    if population and population > 1:
        if n > population:
            raise ValueError(f"n ({n}) is larger than the population ({population})")
        margin *= math.sqrt((population - n) / (population - 1))
    return margin * 100


def share_of_answers(answers: list[str], counted: list[str]) -> tuple[float, int]:
    """The share (0..100) of non-blank answers that are among `counted`, and their number.

    Answers match whatever their case and surrounding spaces, as survey exports vary.
    """
    given = [a.strip().casefold() for a in answers if a and a.strip()]
    wanted = {c.strip().casefold() for c in counted}
    if not given:
        return 0.0, 0
    return 100 * sum(a in wanted for a in given) / len(given), len(given)


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


# --- money -------------------------------------------------------------------------------


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


def financials(
    proposal: Proposal,
    benefits: list[BenefitView],
    risks: list[RiskView],
    cost: float | None,
    scenario: str,
    point: str,
) -> Financials:
    """The money case for one scenario: every point of every range read at `point`."""
    values = {b.anchor: v for b in benefits if (v := benefit_value(b.benefit, point))}
    annual_benefit = sum(v.adjusted for v in values.values()) if values else None
    if annual_benefit:
        values = {a: _with_share(v, annual_benefit) for a, v in values.items()}
    risk_values = {r.anchor: v for r in risks if (v := risk_value(r.risk, point))}
    expected = sum(v.expected for v in risk_values.values()) if risk_values else None
    reduced = [v for v in risk_values.values() if v.avoided is not None]
    avoided = sum(v.avoided for v in reduced) if reduced else None  # type: ignore[misc]
    residual = (expected - avoided) if expected is not None and avoided is not None else None
    gain = (
        None
        if annual_benefit is None and avoided is None
        else (annual_benefit or 0) + (avoided or 0)
    )
    settings = proposal.financials
    years = settings.horizon_years if settings else 1
    rate = settings.discount_rate.fraction if settings and settings.discount_rate else None
    over_horizon = gain_over_horizon(gain, years, rate) if gain is not None else None
    return Financials(
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
        discount_rate=rate,
        gain_over_horizon=over_horizon,
        roi=return_on_investment(over_horizon, cost),
        benefit_cost_ratio=benefit_cost_ratio(over_horizon, cost),
        net_value=None if over_horizon is None or cost is None else over_horizon - cost,
        payback_months=payback_months(cost, gain),
    )


def _with_share(value: BenefitValue, total: float) -> BenefitValue:
    return BenefitValue(
        value.gross, value.attribution, value.confidence, value.adjusted, value.adjusted / total
    )


def gain_over_horizon(annual_gain: float, years: int, discount_rate: float | None) -> float:
    """The gain over the horizon; with a rate, its present value (gains at each year's end)."""
    if not discount_rate:
        return annual_gain * years
    return sum(annual_gain / (1 + discount_rate) ** t for t in range(1, years + 1))


def return_on_investment(gain: float | None, cost: float | None) -> float | None:
    """ROI % = (gain - cost) / cost x 100; undefined when nothing is spent or gained."""
    if gain is None or not cost:
        return None
    return (gain - cost) / cost * 100


def benefit_cost_ratio(gain: float | None, cost: float | None) -> float | None:
    if gain is None or not cost:
        return None
    return gain / cost


def payback_months(cost: float | None, annual_gain: float | None) -> float | None:
    """Months until the gain repays the cost, the gain accruing evenly; None if never."""
    if cost is None or annual_gain is None or annual_gain <= 0:
        return None
    return cost / (annual_gain / 12)


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


def has_ranges(proposal: Proposal) -> bool:
    estimates: list[Estimate | None] = [b.annual_value for b in proposal.benefits]
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


# --- cross-references --------------------------------------------------------------------


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
        goals = _goals_by_id(proposal, a.goals)
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
    for view in [*audience.benefits, *audience.risks]:
        for figure in view.figures:
            seen.setdefault(figure.id, figure)
    return list(seen.values())[:HEADLINE_MAX]


def edition(
    file: str, audience: AudienceView | None, benefits: list[BenefitView], risks: list[RiskView],
    headline: list[Figure], objections: list[ObjectionView],
) -> Edition:  # fmt: skip
    sources, notes = numbered_sources(headline, benefits, risks)
    view_notes = {v.anchor: sorted({notes[f.id] for f in v.figures}) for v in [*benefits, *risks]}
    values = [b.value.adjusted for b in benefits if b.value]
    losses = [r.value.expected for r in risks if r.value]
    return Edition(
        file, audience, benefits, risks, headline, objections, sources, notes, view_notes,
        sum(values) if values else None, sum(losses) if losses else None,
    )  # fmt: skip


THEMES = ("time", "inexperience", "capacity", "failure", "cost", "not-my-job", "other")
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
        for t in THEMES
        if any(o.theme == t for o in objections)
    ]


def measure_view(measure: Measure) -> MeasureView:
    """Whether a measured result met its target, reading the direction from the baseline."""
    base, target = _magnitude(measure.baseline), _magnitude(measure.target)
    higher = target >= base
    if measure.actual is None:
        return MeasureView(measure, None)
    actual = _magnitude(measure.actual)
    met = actual >= target if higher else actual <= target
    return MeasureView(measure, "met" if met else "missed")


def _magnitude(value: Percent | float) -> float:
    return value.value if isinstance(value, Percent) else float(value)


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


def _goals_by_id(proposal: Proposal, ids: list[str]) -> list[Goal]:
    by_id = {g.id: g for g in proposal.goals}
    return [by_id[i] for i in ids]
