"""The sections of a proposal that make its case, as frozen pydantic models: the format
reference in code. The people, the need, the evidence, the goals, benefits and risks, the
costs, the audiences and their objections, the impact map's behaviours; the sections that
plan the training and win its approval are in `plan`.

Models hold data and parse values; they never compute figures for the reader and never
render. `Proposal` at the end is the whole file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from buildcase.limits import max_entries
from buildcase.models.base import Model
from buildcase.models.parsers import as_list, describe, parse_choice
from buildcase.models.plan import (
    CAUSES,
    CAUSES_FOR_MANAGERS,
    Campaign,
    Cause,
    Financials,
    Measure,
    Phase,
    Request,
    Support,
    parse_cause,
)
from buildcase.models.results import Results
from buildcase.models.values import (
    Colour,
    Count,
    Currency,
    Date,
    DurationValue,
    Headline,
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
    "OBJECTION_THEMES",
    "RECURRENCES",
    "Ask",
    "Audience",
    "Behaviour",
    "Benefit",
    "Branding",
    "CauseShare",
    "Champion",
    "Cost",
    "Evidence",
    "Goal",
    "Kpi",
    "Need",
    "Objection",
    "Person",
    "Proposal",
    "SpeakerNotes",
    "Stat",
    "Survey",
    "Theme",
    "parse_cause",
    "parse_theme",
]


class Person(Model):
    name: Line
    role: Line
    email: Line | None = None


class Champion(Model):
    name: Line
    role: Line


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
    audiences: Ids = Field(
        default_factory=list,
        description="Audience ids this evidence is for: shown on their page and handout "
        "beside the evidence their benefits and risks cite (format 1.2)",
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
    lasts: DurationValue | None = Field(
        None,
        description="How long the gain lasts once it starts (financials.benefits_start); "
        "by default the whole horizon (format 1.2)",
    )
    decay: PercentValue | None = Field(
        None,
        description="How much of its annual value the gain loses each year: in year k it is "
        "annual_value x (1 - decay)^(k-1) (format 1.2)",
    )
    headline: Headline | None = None
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
    headline: Headline | None = None
    notes: Text | None = Field(
        None, description="Speaker notes: only in the presenter's notes of the slides"
    )


RECURRENCES = ("one-off", "yearly")


_RECURRENCE_WORDS = {"once": "one-off", "annual": "yearly", "annually": "yearly"}


def parse_recurrence(value: Any) -> str:
    """`yearly` or `one-off`; also `once`, `annual`, `annually`, `one off`."""
    if isinstance(value, str):
        text = " ".join(value.strip().lower().replace("_", " ").split()).replace(" ", "-")
        value = _RECURRENCE_WORDS.get(text, text)
    return parse_choice(value, RECURRENCES)


Recurrence = Annotated[
    str,
    PlainValidator(parse_recurrence),
    WithJsonSchema(choice_schema(RECURRENCES, "How often the cost is paid")),
]


class Cost(Model):
    item: Line
    amount: Money
    recurring: Recurrence = Field(
        "one-off",
        description="`yearly`: paid in every year of financials.horizon_years (a licence, a "
        "refresher); by default paid once (format 1.2)",
    )


class Ask(Model):
    """What we need from one department head, in their terms (format 1.2)."""

    do: Text = Field(description="What we ask them to do, in one sentence")
    people: Count | None = Field(None, description="How many of their people")
    hours: Hours | None = Field(
        None,
        description="Hours each; without `people`, the head's own hours. Shown with the ask: "
        "the time counted in the cost comes from `request` and `support`, never twice",
    )
    by: Date | None = Field(None, description="By when")
    hourly_cost: Money | None = Field(
        None,
        description="What an hour of these people's time costs, where it differs from "
        "request.hourly_cost (a head's or managers' time)",
    )


class Kpi(Model):
    """One of a department head's own numbers, and where training should move it."""

    metric: Line
    unit: Line | None = Field(None, description="How they write it: %, days, points")
    baseline: MeasureValue = Field(description="A percent, count or amount today")
    target: MeasureValue = Field(description="The same kind as baseline")
    benefit: Id | None = Field(None, description="The id of the benefit whose value this moves")


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
    participants: Count | None = Field(
        None,
        description="How many of the programme's participants are theirs: their people's "
        "hours are these x request.hours_per_participant (format 1.2)",
    )
    ask: list[Ask] = Field(
        default_factory=list,
        max_length=max_entries(("audiences", "ask")),
        description="What we need from this leader: each ask, with people, hours and a date",
    )
    kpis: list[Kpi] = Field(
        default_factory=list,
        max_length=max_entries(("audiences", "kpis")),
        description="Their own metrics, baseline -> target, tied to a benefit",
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


class Branding(Model):
    logo: Line | None = Field(
        None, description="A PNG, JPEG, GIF, WebP or SVG image inside the proposal folder"
    )
    primary: Colour | None = None
    accent: Colour | None = None


class CauseShare(Model):
    """One cause of the gap and its share of it (format 1.2)."""

    cause: Cause
    share: PercentValue = Field(description="Its share of the gap; the shares add up to 100%")
    note: Text | None = Field(None, description="The cause in the author's words")


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
    causes: list[CauseShare] = Field(
        default_factory=list,
        max_length=len(CAUSES),
        description="Several causes with their shares (instead of `cause`), e.g. "
        "[{cause: skills, share: 60%}, {cause: management, share: 40%}]",
    )
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
