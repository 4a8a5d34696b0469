"""The value kinds of the format (percent, money, date, duration, id...) as types.

Each kind is an `Annotated` alias that mypy checks as its type and pydantic uses as its
parser (from `parsers`) and schema, so `buildcase schema` and the located errors come from
one definition.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from ..limits import MAX_ID, MAX_IDS, MAX_LINE, MAX_TEXT, MAX_TITLE
from .parsers import (
    RANGE_POINTS,
    as_list,
    estimate_of,
    parse_colour,
    parse_count,
    parse_currency,
    parse_date,
    parse_duration,
    parse_figure,
    parse_horizon,
    parse_hours,
    parse_id,
    parse_line,
    parse_money,
    parse_percent,
    parse_percent_or_count,
    parse_text,
    parse_title,
    parse_url,
    parse_year,
)
from .quantities import Duration, Estimate, PartialDate, Percent

__all__ = [
    "Colour",
    "Count",
    "Currency",
    "Date",
    "DurationValue",
    "Horizon",
    "Hours",
    "Id",
    "Ids",
    "Line",
    "MeasureValue",
    "Money",
    "MoneyEstimate",
    "PercentEstimate",
    "PercentValue",
    "StatValue",
    "Text",
    "Title",
    "Url",
    "Year",
]

# A value kind is a type for mypy and, for pydantic, a parser and the schema editors see:
# Annotated[<the type it parses to>, PlainValidator(<parser>), WithJsonSchema(<schema>)].
# Written as plain aliases (never built by a function) so that mypy checks every field.
_percent_schema: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$",
    "examples": ["65%"],
}
Text = Annotated[
    str,
    PlainValidator(parse_text),
    WithJsonSchema({"type": ["string", "number"], "maxLength": MAX_TEXT}),
]
Line = Annotated[
    str,
    PlainValidator(parse_line),
    WithJsonSchema({"type": ["string", "number"], "maxLength": MAX_LINE}),
]
Title = Annotated[
    str,
    PlainValidator(parse_title),
    WithJsonSchema({"type": ["string", "number"], "maxLength": MAX_TITLE}),
]
Id = Annotated[
    str,
    PlainValidator(parse_id),
    WithJsonSchema({"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": MAX_ID}),
]
Ids = Annotated[list[Id], BeforeValidator(as_list), Field(max_length=MAX_IDS)]
Count = Annotated[
    int, PlainValidator(parse_count), WithJsonSchema({"type": "integer", "minimum": 0})
]
Year = Annotated[
    int,
    PlainValidator(parse_year),
    WithJsonSchema({"type": "integer", "minimum": 1900, "maximum": 2100}),
]
Horizon = Annotated[
    int,
    PlainValidator(parse_horizon),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 10}),
]
Money = Annotated[
    float, PlainValidator(parse_money), WithJsonSchema({"type": "number", "minimum": 0})
]
Hours = Annotated[
    float, PlainValidator(parse_hours), WithJsonSchema({"type": "number", "minimum": 0})
]
PercentValue = Annotated[Percent, PlainValidator(parse_percent), WithJsonSchema(_percent_schema)]
StatValue = Annotated[
    Percent | int,
    PlainValidator(parse_percent_or_count),
    WithJsonSchema({"anyOf": [_percent_schema, {"type": "integer", "minimum": 0}]}),
]
MeasureValue = Annotated[
    Percent | float,
    PlainValidator(parse_figure),
    WithJsonSchema({"anyOf": [_percent_schema, {"type": "number", "minimum": 0}]}),
]
Date = Annotated[
    PartialDate,
    PlainValidator(parse_date),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}),
]
_duration_schema: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\s*\d+(\.\d+)?\s*[A-Za-z]+\s*$",
}
DurationValue = Annotated[
    Duration, PlainValidator(parse_duration), WithJsonSchema(_duration_schema)
]
_range_schema: dict[str, Any] = {
    "type": "object",
    "properties": {k: {} for k in RANGE_POINTS},
    "required": list(RANGE_POINTS),
    "additionalProperties": False,
}
MoneyEstimate = Annotated[
    Estimate[float],
    PlainValidator(estimate_of(parse_money)),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, _range_schema]}),
]
PercentEstimate = Annotated[
    Estimate[Percent],
    PlainValidator(estimate_of(parse_percent)),
    WithJsonSchema({"anyOf": [_percent_schema, _range_schema]}),
]
Url = Annotated[str, PlainValidator(parse_url), WithJsonSchema({"type": "string", "format": "uri"})]
Currency = Annotated[
    str, PlainValidator(parse_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"})
]


Colour = Annotated[
    str,
    PlainValidator(parse_colour),
    WithJsonSchema({"type": "string", "pattern": "^#([0-9a-fA-F]{3}){1,2}$"}),
]
