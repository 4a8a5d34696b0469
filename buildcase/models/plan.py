"""The sections that say how the training would run and how its approval is won: the
request and its pilot, the plan's phases, the support around the training, the measures,
the financial settings, and the L&D team's campaign. Models hold data and parse values;
`sections.Proposal` gathers them with the case's sections.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from buildcase.limits import max_entries
from buildcase.models.base import Model
from buildcase.models.parsers import as_list, describe, parse_choice
from buildcase.models.values import (
    Count,
    Date,
    DurationValue,
    Horizon,
    Hours,
    Id,
    Ids,
    Line,
    MeasureValue,
    Money,
    PercentValue,
    Text,
    choice_schema,
)

__all__ = [
    "CAUSES",
    "CAUSES_FOR_MANAGERS",
    "DECISIONS",
    "MOMENTS",
    "TIME_COSTS",
    "Campaign",
    "Cause",
    "Consulted",
    "Decision",
    "DecisionStatus",
    "Financials",
    "Measure",
    "Phase",
    "Pilot",
    "Question",
    "ReportBack",
    "Request",
    "Support",
    "parse_cause",
    "parse_decision",
    "parse_moment",
]


# Why a gap exists. Training can close the first three; the others it cannot alone.
CAUSES = ("skills", "knowledge", "confidence", "motivation", "process", "tools", "management")
CAUSES_FOR_MANAGERS = ("motivation", "process", "tools", "management")


def parse_cause(value: Any) -> str:
    return parse_choice(value, CAUSES)


Cause = Annotated[
    str, PlainValidator(parse_cause), WithJsonSchema(choice_schema(CAUSES, "Why the gap exists"))
]


TIME_COSTS = ("counted", "shown")


def parse_time_cost(value: Any) -> str:
    return parse_choice(value, TIME_COSTS)


TimeCost = Annotated[
    str,
    PlainValidator(parse_time_cost),
    WithJsonSchema(choice_schema(TIME_COSTS, "Whether people's time is part of the cost")),
]


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
        description="What an hour of people's time costs: the hours asked are costed at it, "
        "beside the budget and in the cost the return is computed on (financials.time_cost)",
    )
    approved: Date | None = Field(
        None,
        description="When the board approved the budget: the proposal then asks for "
        "commitments, not money (format 1.2)",
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
    time_cost: TimeCost | None = Field(
        None,
        description="`counted` (the default where request.hourly_cost is given): people's "
        "time is part of the cost every return is computed on; `shown`: shown beside the "
        "budget, left out of the return, and said so (format 1.2)",
    )
    benefits_ramp: DurationValue | None = Field(
        None,
        description="How long the gain takes to grow to its full annual value, as people are "
        "trained; by default the rest of request.duration after benefits_start",
    )


MOMENTS = ("before", "during", "after")


def parse_moment(value: Any) -> str:
    return parse_choice(value, MOMENTS)


Moment = Annotated[
    str, PlainValidator(parse_moment), WithJsonSchema(choice_schema(MOMENTS, "When it happens"))
]


class Support(Model):
    """Who does what, before, during and after the training."""

    who: Line
    when: Moment
    does: Text
    people: Count | None = Field(None, description="How many of them")
    hours: Hours | None = Field(None, description="Hours each")
    hourly_cost: Money | None = Field(
        None,
        description="What an hour of these people's time costs, where it differs from "
        "request.hourly_cost (managers' time, say) (format 1.2)",
    )
    audiences: Ids = Field(
        default_factory=list,
        description="Audience ids whose people these are: their page and handout say what "
        "is asked of them, in hours",
    )
    addresses: Annotated[list[Cause], BeforeValidator(as_list)] = Field(
        default_factory=list,
        max_length=len(CAUSES),
        description="The need's causes this entry works on, where training cannot close "
        "them: motivation, process, tools or management",
    )
