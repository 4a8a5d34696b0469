"""The `results` section (format 1.1): what happened after the pilot or the roll-out,
told beside the forecast. Models hold data and parse values; the figures are computed in
`compute.results` and the rules live in `validate.results`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from buildcase.limits import max_entries
from buildcase.models.base import Model
from buildcase.models.parsers import as_list, describe
from buildcase.models.values import Count, Date, Id, Line, Money, PercentValue, Text, choice_schema

__all__ = [
    "RECOMMENDATIONS",
    "STAGES",
    "FollowUp",
    "NextAsk",
    "Obstacle",
    "RealizedBenefit",
    "Results",
    "Success",
]

STAGES = ("pilot", "roll-out", "complete")
RECOMMENDATIONS = ("scale", "fix", "stop")


def _one_of(choices: tuple[str, ...]) -> Any:
    def parse(value: Any) -> str:
        text = str(value).strip().lower().replace(" ", "-").replace("_", "-")
        if isinstance(value, bool) or text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, found {describe(value)}")
        return text

    return parse


Stage = Annotated[
    str, PlainValidator(_one_of(STAGES)), WithJsonSchema(choice_schema(STAGES, "How far it got"))
]
Recommendation = Annotated[
    str,
    PlainValidator(_one_of(RECOMMENDATIONS)),
    WithJsonSchema(choice_schema(RECOMMENDATIONS, "What to do next")),
]


class FollowUp(Model):
    """The follow-up survey of the people trained: a share given, or computed from a CSV."""

    respondents: Count | None = Field(None, description="How many of the trained answered")
    applied: PercentValue | None = Field(
        None, description="The share who applied the training with a result"
    )
    data: Line | None = Field(
        None, description="A CSV export of the follow-up survey, inside the proposal folder"
    )
    column: Line | None = Field(None, description="The column of `data` that asks about applying")
    answers: Annotated[list[Line], BeforeValidator(as_list)] = Field(
        default_factory=list,
        max_length=max_entries(("results", "follow_up", "answers")),
        description="The answers that count as applied",
    )


class RealizedBenefit(Model):
    benefit: Id = Field(description="The id of the benefit in `benefits`")
    annual_value: Money = Field(
        description="The value a year credited to training, as measured so far"
    )


class Success(Model):
    who: Line
    story: Text
    value: Money | None = None


class Obstacle(Model):
    what: Text
    share: PercentValue | None = Field(
        None, description="The share of those who did not apply it who name this obstacle"
    )


class NextAsk(Model):
    """What the results ask leadership to decide next (format 1.2)."""

    budget: Money | None = None
    participants: Count | None = None
    by: Date | None = None
    condition: Text | None = Field(None, description="On what condition")


class Results(Model):
    """Filled in after the pilot or the roll-out: the truth, told beside the forecast."""

    as_of: Date
    stage: Stage
    trained: Count = Field(description="How many people have been trained so far")
    spent: Money | None = Field(None, description="The actual cost so far")
    follow_up: FollowUp | None = None
    benefits: list[RealizedBenefit] = Field(
        default_factory=list, max_length=max_entries(("results", "benefits"))
    )
    successes: list[Success] = Field(
        default_factory=list, max_length=max_entries(("results", "successes"))
    )
    obstacles: list[Obstacle] = Field(
        default_factory=list, max_length=max_entries(("results", "obstacles"))
    )
    recommendation: Recommendation = Field(description="scale, fix or stop")
    ask: NextAsk | None = Field(
        None, description="What the results ask leadership to decide next: budget, "
        "participants, by, condition (format 1.2)"
    )  # fmt: skip
    note: Text | None = Field(None, description="Why: what to change, or what explains a cost")
