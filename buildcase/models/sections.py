"""The sections of a proposal, as frozen pydantic models: the format reference in code.

Models hold data and parse values; they never compute figures for the reader and never
render. `Proposal` at the end is the whole file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from buildcase.limits import max_entries
from buildcase.models.parsers import as_list, describe
from buildcase.models.results import Results
from buildcase.models.values import (
    Colour,
    Count,
    Currency,
    Date,
    DurationValue,
    Horizon,
    Hours,
    Id,
    Ids,
    Line,
    MeasureValue,
    Money,
    MoneyEstimate,
    PercentEstimate,
    PercentValue,
    StatValue,
    Text,
    Title,
    Url,
    Year,
    choice_schema,
)

__all__ = [
    "CAUSES",
    "CAUSES_FOR_MANAGERS",
    "DECISIONS",
    "MOMENTS",
    "OBJECTION_THEMES",
    "Audience",
    "Behaviour",
    "Benefit",
    "Branding",
    "Campaign",
    "Champion",
    "Consulted",
    "Cost",
    "Decision",
    "DecisionStatus",
    "Evidence",
    "Financials",
    "Goal",
    "Measure",
    "Model",
    "Need",
    "Objection",
    "Person",
    "Phase",
    "Pilot",
    "Proposal",
    "Question",
    "ReportBack",
    "Request",
    "Risk",
    "SpeakerNotes",
    "Stat",
    "Support",
    "Survey",
    "Theme",
    "parse_cause",
    "parse_decision",
    "parse_moment",
    "parse_theme",
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Person(Model):
    name: Line
    role: Line
    email: Line | None = None


class Champion(Model):
    name: Line
    role: Line


class Pilot(Model):
    participants: Count
    duration: DurationValue
    budget: Money | None = None
    included: bool = Field(
        True,
        description="Whether the pilot's budget is part of request.budget (true) or comes on "
        "top of it (false)",
    )


class Request(Model):
    """What leadership is asked to approve."""

    budget: Money | None = None
    participants: Count | None = None
    duration: DurationValue | None = None
    pilot: Pilot | None = None
    decision_by: Date | None = None
    hours_per_participant: Hours | None = Field(
        None, description="Time away from work each participant gives to the training"
    )
    hourly_cost: Money | None = Field(
        None,
        description="What an hour of people's time costs: the cost of the hours asked is "
        "shown beside the budget, never added to it",
    )


class Stat(Model):
    id: Id
    label: Line = Field(description="Reads after the number: '65% are asked by friends...'")
    value: StatValue | None = Field(
        None, description="Required unless computed from the survey's data (`column`)"
    )
    respondents: Count | None = Field(None, description="Overrides the survey's n for this stat")
    population: Count | None = Field(
        None, description="Overrides the survey's population, where the stat asks a smaller group"
    )
    headline: bool = Field(False, description="Show this figure among the key numbers")
    column: Line | None = Field(None, description="The column of the survey's data file")
    answers: Annotated[list[Line], BeforeValidator(as_list)] = Field(
        default_factory=list,
        max_length=max_entries(("survey", "stats", "answers")),
        description="The answers that count towards the stat",
    )


class Survey(Model):
    title: Line
    conducted: Date
    respondents: Count | None = Field(None, description="The default n of every stat")
    population: Count | None = None
    data: Line | None = Field(
        None, description="A CSV export of the responses, inside the proposal folder"
    )
    stats: list[Stat] = Field(min_length=1, max_length=max_entries(("survey", "stats")))


class Evidence(Model):
    id: Id
    label: Line
    value: StatValue
    compare: StatValue | None = None
    source: Line
    year: Year
    url: Url | None = None
    headline: bool = Field(False, description="Show this figure among the key numbers")
    internal: bool = Field(
        False,
        description="The organization's own records (incident logs, HR, CRM), listed as "
        "our own data beside the survey rather than as external research",
    )


class Goal(Model):
    id: Id
    title: Title
    owner: Line | None = None
    metric: Line | None = None
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


class Benefit(Model):
    id: Id | None = None
    title: Title
    detail: Text | None = None
    goals: Ids = Field(min_length=1, description="Goal ids: every benefit serves a goal")
    evidence: Ids = Field(default_factory=list, description="Ids of survey stats or evidence")
    annual_value: MoneyEstimate | None = Field(None, description="A value or {low, likely, high}")
    attribution: PercentValue | None = Field(
        None, description="The share of the gain credited to training (default 100%)"
    )
    confidence: PercentValue | None = Field(
        None, description="The author's confidence in the estimate (default 100%)"
    )
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


class Risk(Model):
    id: Id | None = None
    title: Title
    detail: Text | None = None
    goals: Ids = Field(default_factory=list)
    evidence: Ids = Field(default_factory=list)
    likelihood: PercentEstimate | None = Field(None, description="Percent chance per year")
    impact: MoneyEstimate | None = Field(None, description="Cost if it happens")
    mitigation: Text | None = None
    reduction: PercentValue | None = Field(
        None, description="How much training cuts the likelihood"
    )
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


class Cost(Model):
    item: Line
    amount: Money


class Audience(Model):
    id: Id
    title: Title
    cares_about: Annotated[list[Line], BeforeValidator(as_list)] = Field(
        min_length=1, max_length=max_entries(("audiences", "cares_about"))
    )
    message: Text
    benefits: Ids = Field(default_factory=list)
    risks: Ids = Field(default_factory=list)
    goals: Ids = Field(
        default_factory=list,
        description="Goal ids this leader answers for; without chosen benefits and risks, "
        "those serving these goals are shown",
    )
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


OBJECTION_THEMES = ("time", "inexperience", "capacity", "failure", "cost", "not-my-job", "other")


def parse_theme(value: Any) -> str:
    text = str(value).strip().lower().replace(" ", "-").replace("_", "-")
    aliases = {
        "targets": "capacity",
        "capacity-and-targets": "capacity",
        "fear-of-failure": "failure",
        "its-not-my-job": "not-my-job",
        "money": "cost",
    }
    text = aliases.get(text, text)
    if text not in OBJECTION_THEMES:
        raise ValueError(f"expected one of {', '.join(OBJECTION_THEMES)}, found {describe(value)}")
    return text


Theme = Annotated[
    str,
    PlainValidator(parse_theme),
    WithJsonSchema(
        choice_schema(
            OBJECTION_THEMES,
            "The concern behind it",
            "targets",
            "capacity-and-targets",
            "fear-of-failure",
            "its-not-my-job",
            "money",
        )
    ),
]


class Objection(Model):
    concern: Line
    answer: Text
    theme: Theme | None = Field(
        None, description="The concern behind it; guessed from the words when not given"
    )
    audiences: Ids = Field(default_factory=list, description="Audience ids likely to raise it")
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


class Phase(Model):
    phase: Line
    duration: DurationValue


class Measure(Model):
    metric: Line
    baseline: MeasureValue
    target: MeasureValue
    when: Line
    actual: MeasureValue | None = Field(None, description="The result, once measured")
    measured: Date | None = Field(None, description="When the actual was measured")


DECISIONS = ("pending", "approved", "approved-with-conditions", "declined")


def parse_decision(value: Any) -> str:
    text = str(value).strip().lower().replace(" ", "-").replace("_", "-")
    if text not in DECISIONS:
        raise ValueError(f"expected one of {', '.join(DECISIONS)}, found {describe(value)}")
    return text


DecisionStatus = Annotated[
    str, PlainValidator(parse_decision), WithJsonSchema(choice_schema(DECISIONS, "The decision"))
]


class Consulted(Model):
    leader: Line
    role: Line | None = None
    date: Date | None = None
    wants: Text | None = Field(None, description="What they said they want")


class Question(Model):
    question: Text
    answer: Text | None = None


class Decision(Model):
    status: DecisionStatus
    date: Date | None = None
    by: Line | None = None
    note: Text | None = None


class ReportBack(Model):
    date: Date
    what: Text | None = None


class Campaign(Model):
    """The L&D team's record of winning approval: kept even when the answer is no."""

    internal: bool = Field(True, description="Keep the page out of the navigation and handouts")
    consulted: list[Consulted] = Field(
        default_factory=list, max_length=max_entries(("campaign", "consulted"))
    )
    questions: list[Question] = Field(
        default_factory=list, max_length=max_entries(("campaign", "questions"))
    )
    decision: Decision | None = None
    conditions: list[Text] = Field(
        default_factory=list, max_length=max_entries(("campaign", "conditions"))
    )
    report_back: list[ReportBack] = Field(
        default_factory=list, max_length=max_entries(("campaign", "report_back"))
    )


class Branding(Model):
    logo: Line | None = Field(
        None, description="A PNG, JPEG, GIF, WebP or SVG image inside the proposal folder"
    )
    primary: Colour | None = None
    accent: Colour | None = None


class Financials(Model):
    """How the return is computed: horizon, discounting, and the transfer of training."""

    horizon_years: Horizon = 1
    discount_rate: PercentValue | None = None
    application_rate: PercentValue | None = Field(
        None, description="The share of trainees expected to apply the training on the job"
    )
    application_baseline: Id | None = Field(
        None, description="Id of a stat or evidence: the share that applies training typically"
    )
    benefits_start: DurationValue | None = Field(
        None,
        description="When the first gain arrives, from the start; by default when the pilot ends",
    )
    benefits_ramp: DurationValue | None = Field(
        None,
        description="How long the gain takes to grow to its full annual value, as people are "
        "trained; by default the rest of request.duration after benefits_start",
    )


CAUSES = ("skills", "knowledge", "confidence", "motivation", "process", "tools", "management")
CAUSES_FOR_MANAGERS = ("motivation", "process", "tools", "management")
MOMENTS = ("before", "during", "after")


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}, found {describe(value)}")
    return text


def parse_cause(value: Any) -> str:
    return _choice(value, CAUSES)


def parse_moment(value: Any) -> str:
    return _choice(value, MOMENTS)


Cause = Annotated[
    str, PlainValidator(parse_cause), WithJsonSchema(choice_schema(CAUSES, "Why the gap exists"))
]
Moment = Annotated[
    str, PlainValidator(parse_moment), WithJsonSchema(choice_schema(MOMENTS, "When it happens"))
]


class Need(Model):
    """Is this a training need at all? The gap, from current to desired, and its cause."""

    gap: Text = Field(description="The gap, in one sentence")
    metric: Line | None = Field(None, description="What current and desired measure")
    current: MeasureValue | None = Field(None, description="A percent, count or amount today")
    desired: MeasureValue | None = Field(None, description="The same kind as current")
    cause: Cause | None = Field(
        None, description="Why the gap exists; motivation, process, tools and management "
        "are not fixed by training alone"
    )  # fmt: skip
    seen_doing_it: bool | None = Field(
        None, description="Have we seen them do it right? If so, it is a management issue"
    )
    evidence: Ids = Field(default_factory=list, description="Ids of survey stats or evidence")


class Behaviour(Model):
    """One line of the impact map: a capability used at a moment that matters."""

    id: Id
    who: Line = Field(description="The role")
    moment: Line = Field(description="The moment that matters")
    action: Text = Field(description="What they will do differently")
    instead_of: Line | None = Field(None, description="What happens today")
    learns: Line | None = Field(None, description="The capability the training gives")
    benefits: Ids = Field(min_length=1, description="Benefit ids: the results it leads to")
    audiences: Ids = Field(default_factory=list, description="Audience ids whose people these are")
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


class Support(Model):
    """Who does what, before, during and after the training."""

    who: Line
    when: Moment
    does: Text
    people: Count | None = Field(None, description="How many of them")
    hours: Hours | None = Field(None, description="Hours each")
    audiences: Ids = Field(
        default_factory=list,
        description="Audience ids whose people these are: their page and handout say what "
        "is asked of them, in hours",
    )


class SpeakerNotes(Model):
    """What the presenter says first and last (format 1.1): only in the slides' notes."""

    opening: Text | None = None
    closing: Text | None = None


class Proposal(Model):
    """A training proposal, version 1.1 of the format (every version 1 proposal is one)."""

    title: Title
    organization: Title
    prepared_by: Person
    date: Date
    summary: Text = Field(description="The ask, in one to three sentences")
    currency: Currency = "USD"
    paper: Literal["a4", "letter"] = Field("a4", description="The handout's paper size")
    language: Line = Field("en", description="The language of every fixed label: en or de")
    request: Request | None = None
    need: Need | None = None
    financials: Financials | None = None
    champion: Champion | None = None
    campaign: Campaign | None = None
    branding: Branding | None = None
    survey: Survey | None = None
    evidence: list[Evidence] = Field(default_factory=list, max_length=max_entries(("evidence",)))
    goals: list[Goal] = Field(min_length=1, max_length=max_entries(("goals",)))
    benefits: list[Benefit] = Field(min_length=1, max_length=max_entries(("benefits",)))
    risks: list[Risk] = Field(min_length=1, max_length=max_entries(("risks",)))
    costs: list[Cost] = Field(default_factory=list, max_length=max_entries(("costs",)))
    audiences: list[Audience] = Field(default_factory=list, max_length=max_entries(("audiences",)))
    objections: list[Objection] = Field(
        default_factory=list, max_length=max_entries(("objections",))
    )
    plan: list[Phase] = Field(default_factory=list, max_length=max_entries(("plan",)))
    behaviours: list[Behaviour] = Field(
        default_factory=list, max_length=max_entries(("behaviours",))
    )
    support: list[Support] = Field(default_factory=list, max_length=max_entries(("support",)))
    measures: list[Measure] = Field(default_factory=list, max_length=max_entries(("measures",)))
    results: Results | None = Field(None, description="What happened: the pilot's or roll-out's")
    notes: SpeakerNotes | None = Field(
        None, description="Speaker notes: `opening` and `closing`, only in the slides' notes"
    )
