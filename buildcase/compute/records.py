"""Compute, records: the data shapes the modules of compute hand one another.

A figure and its source (`statistics` makes them), a benefit's value and a risk's cost in
one scenario (`money`), each benefit, risk, goal, audience and objection with what it links
to (`views`), and what an audience is told of the impact map (`impact`). They live here,
below the modules that compute them, so that those modules import them and each other
without a circle. Shapes that only one module makes and reads stay in it (the `Ramp` in
`money`, the `Impact` in `impact`, the `Decision` in `briefing`, the results' comparisons in
`results`), and the `Case` that gathers them all is in the package's `__init__`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buildcase.models.plan import Measure, Phase, Support
from buildcase.models.quantities import PartialDate, Percent
from buildcase.models.sections import (  # fmt: skip
    Ask,
    Audience,
    Behaviour,
    Benefit,
    Goal,
    Kpi,
    Objection,
    Risk,
)


def is_census(n: int | None, population: int | None) -> bool:
    """Whether n respondents are the whole population (all 24 team leads answered)."""
    return n is not None and n > 0 and n == population


# --- figures and their sources (statistics) -------------------------------------------------


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
    internal: bool = False  # the organization's own records (evidence[].internal), not research
    # the 95% interval's ends, in percent, within 0-100 (`statistics.margin_bounds`)
    low: float | None = None
    high: float | None = None

    @property
    def is_survey(self) -> bool:
        return self.source is None

    @property
    def census(self) -> bool:
        """Every member of the population answered: there is no margin of error to show."""
        return is_census(self.n, self.population)


@dataclass(frozen=True)
class Source:
    """Where quoted figures come from: our survey (with its n) or one external study."""

    survey: bool
    n: int | None = None  # survey respondents
    population: int | None = None
    source: str | None = None  # external: who published it; internal: the system or report
    year: int | None = None
    url: str | None = None
    internal: bool = False  # the organization's own records, beside the survey

    @property
    def census(self) -> bool:
        return is_census(self.n, self.population)


# --- values in one scenario (money) ---------------------------------------------------------


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
class Scenario:
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
    horizon_months: int  # the horizon as payback and the payback chart count it
    discount_rate: float | None
    gain_over_horizon: float | None  # present value where a discount rate is given
    roi: float | None  # percent
    benefit_cost_ratio: float | None
    net_value: float | None  # gain over the horizon minus cost (NPV when discounted)
    payback_months: float | None  # on the same basis as the gain: discounted where a rate is
    # cumulative net value at months 0, 1, 2 ... as the payback chart draws it: to the
    # horizon, or on past it where payback comes later (`money.chart_months`)
    net_by_month: tuple[float, ...] = ()
    # format 1.2: `cost` is the fully loaded cost over the horizon (present value where
    # discounted): the training's money (`training_cost`: one-off items, the pilot on top,
    # yearly items in every year) plus people's time where it is counted
    training_cost: float | None = None
    time_cost: float | None = None  # people's time at its hourly cost, counted or not
    time_counted: bool = False  # part of `cost` and so of every return figure
    yearly_cost: float | None = None  # the yearly items, a year
    roi_without_time: float | None = None  # the return on the training's money alone


# --- what each part links to (views) --------------------------------------------------------


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
    asks: list[AskView] = field(default_factory=list)  # what we need from them (format 1.2)
    kpis: list[KpiView] = field(default_factory=list)  # what it does to their numbers

    @property
    def asks_add_up(self) -> bool:
        """Whether the time the asks name adds up to their people's time in all, in hours
        and in money. It need not: support asked of them with no ask of its own, or two
        asks naming the same hours, are counted once in all; where it does not, what lists
        the asks beside the total says how the time is counted."""
        mine = self.impact
        if mine is None or mine.hours is None:
            return True
        hours = sum(v.total or 0.0 for v in self.asks)
        cost = sum(v.cost or 0.0 for v in self.asks)
        return abs(hours - mine.hours) < 0.005 and (
            mine.cost is None or abs(cost - mine.cost) < 0.005
        )


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


# --- what an audience is told of the impact map (impact) ------------------------------------


@dataclass(frozen=True)
class ImpactRow:
    """One behaviour of the map, with the results it leads to and the goals they serve."""

    anchor: str
    behaviour: Behaviour
    benefits: list[BenefitView]
    goals: list[Goal]


@dataclass(frozen=True)
class HoursAsked:
    """The time asked of one group: people x hours each, and its cost where known."""

    who: str
    when: str | None  # before, during or after; None for the participants' own time
    people: int | None
    hours_each: float | None
    total: float | None  # people x hours each, where both are given
    cost: float | None  # total x request.hourly_cost, where both are given
    does: str | None = None  # what they do in that time (a support entry's `does`)
    rate: float | None = None  # what an hour of theirs costs, where the cost is known


@dataclass(frozen=True)
class AudienceImpact:
    """What one audience is told: what their people will do differently, and the hours
    asked of them (the support entries naming them), with what that time costs."""

    rows: list[ImpactRow]
    asked: list[HoursAsked]
    hours: float | None  # their groups' hours in all, where any is known
    cost: float | None  # what those hours cost, with request.hourly_cost
    # their participants' own time: audiences[].participants x request.hours_per_participant
    participants: HoursAsked | None = None


# --- what we need from a department head, and their numbers (departments, format 1.2) ----


@dataclass(frozen=True)
class AskView:
    """One ask of a department head, with the time it names and what that time costs. The
    time an ask names is told, not added: the cost counts `request` and `support` only."""

    ask: Ask
    own: bool  # hours without people: the head's own time
    total: float | None  # people x hours, or the head's own hours
    cost: float | None  # total x request.hourly_cost


@dataclass(frozen=True)
class KpiView:
    """One of a head's own numbers, from baseline to target, and the benefit it moves."""

    kpi: Kpi
    higher: bool  # the target is above the baseline: up is better
    benefit: BenefitView | None  # the benefit named, with its value in the lead case
    unit: str | None = None  # printed after each value; None where the value says it (62%)
    repeats: bool = False  # its benefit is valued on an earlier number: not valued again


@dataclass(frozen=True)
class CausePart:
    """One cause of the gap, its share, and whether training can close it."""

    cause: str
    share: Percent
    note: str | None
    closable: bool  # skills, knowledge or confidence: training can close it
    addressed_by: list[Support]  # the support entries that work on it (`addresses`)


@dataclass(frozen=True)
class NeedSplit:
    """The need's causes (`need.causes`): which share training can close, which not."""

    parts: list[CausePart]
    closable: float  # percent of the gap training can close
    other: float  # percent it cannot, left to managers, process or tools

    @property
    def closable_parts(self) -> list[CausePart]:
        return [c for c in self.parts if c.closable]

    @property
    def other_parts(self) -> list[CausePart]:
        return [c for c in self.parts if not c.closable]


@dataclass(frozen=True)
class Commitments:
    """What an approved budget now needs: the heads asked, the asks, their people's time."""

    approved: PartialDate
    heads: int  # audiences with at least one ask
    asks: int
    hours: float | None  # every audience's people's hours (participants and support)
    cost: float | None
    by: PartialDate | None  # the latest date an ask gives
