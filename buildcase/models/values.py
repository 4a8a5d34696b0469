"""The value kinds of the format (percent, money, date, duration, id...) as types.

Each kind is an `Annotated` alias that mypy checks as its type and pydantic uses as its
parser (from `parsers`) and schema, so `buildcase schema` and the located errors come from
one definition.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainValidator
from pydantic.json_schema import WithJsonSchema

from buildcase.limits import (
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_HOURS,
    MAX_ID,
    MAX_IDS,
    MAX_LINE,
    MAX_PERCENT_DECIMALS,
    MAX_TEXT,
    MAX_TITLE,
)
from buildcase.models.currencies import currency_codes, parse_currency
from buildcase.models.parsers import (
    DURATION_UNITS,
    RANGE_POINTS,
    as_list,
    estimate_of,
    parse_colour,
    parse_count,
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
from buildcase.models.quantities import Duration, Estimate, PartialDate, Percent

__all__ = [
    "Colour",
    "Count",
    "Currency",
    "Date",
    "DurationValue",
    "Headline",
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
    "choice_schema",
    "ci",
]

# A value kind is a type for mypy and, for pydantic, a parser and the schema editors see:
# Annotated[<the type it parses to>, PlainValidator(<parser>), WithJsonSchema(<schema>)].
# Written as plain aliases (never built by a function) so that mypy checks every field.
# Each schema says, as a pattern, an enumeration or a bound, what its parser accepts
# wherever JSON Schema can (docs/proposal-format.md lists what it cannot), with a
# description and an example for an editor's hover; a field's own description wins.


def ci(word: str) -> str:
    """A regular expression matching `word` in any case: JSON Schema's patterns have no flags."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


def choice_schema(choices: tuple[str, ...], what: str, *aliases: str) -> dict[str, Any]:
    """One of a few words, as the parsers read them: any case, '-', '_' or ' ' between words;
    the enumeration gives an editor's completion, the pattern the other spellings."""
    words = "|".join(ci(c).replace(r"\-", "[-_ ]") for c in (*choices, *aliases))
    return {
        "anyOf": [
            {"enum": list(choices)},
            {"type": "string", "pattern": rf"^\s*({words})\s*$"},
        ],
        "description": f"{what}: {', '.join(choices)}",
        "examples": [choices[0]],
    }


# Money and counts may be written 184_000: YAML 1.2 editors read that as text.
_UNDERSCORED = r"^\s*\d+(_\d+)+(\.\d+)?\s*$"
_DECIMALS = f"{{1,{MAX_PERCENT_DECIMALS}}}"
_PERCENT_PATTERN = rf"^\s*\+?0*(100(\.0{_DECIMALS})?|\d{{1,2}}(\.\d{_DECIMALS})?)\s*%\s*$"
_percent_schema: dict[str, Any] = {
    "type": "string",
    "pattern": _PERCENT_PATTERN,
    "description": "A percent: text ending in '%', 0% to 100%",
    "examples": ["65%"],
}


def _text(limit: int, what: str, example: str) -> dict[str, Any]:
    return {
        "type": ["string", "number"],
        "maxLength": limit,
        "pattern": r"\S",
        "description": f"{what}, at most {limit:,} characters; inline Markdown is allowed",
        "examples": [example],
    }


Text = Annotated[
    str,
    PlainValidator(parse_text),
    WithJsonSchema(_text(MAX_TEXT, "Text", "Managers who can coach keep the people they have.")),
]
Line = Annotated[
    str,
    PlainValidator(parse_line),
    WithJsonSchema(_text(MAX_LINE, "A line of text", "Head of Learning & Development")),
]
Title = Annotated[
    str,
    PlainValidator(parse_title),
    WithJsonSchema(_text(MAX_TITLE, "A title", "Fewer people leave because of their manager")),
]
# An action title: what a slide of the deck says, in the author's words, in place of the
# one buildcase words from the figures (issue 27).
Headline = Annotated[
    str,
    PlainValidator(parse_title),
    WithJsonSchema(
        _text(
            MAX_TITLE,
            "The deck's title for the slide this leads, in your words: its finding, not a label",
            "Three in five agents get no feedback on their own tickets",
        )
    ),
]


_id_schema: dict[str, Any] = {
    "type": "string",
    "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    "maxLength": MAX_ID,
    "description": "An id: lowercase letters, digits and '-', such as fewer-injuries",
    "examples": ["fewer-leavers"],
}
Id = Annotated[str, PlainValidator(parse_id), WithJsonSchema(_id_schema)]
Ids = Annotated[
    list[Id],
    BeforeValidator(as_list),
    Field(max_length=MAX_IDS),
    WithJsonSchema(
        {
            # One id may stand for a list of one: `goals: growth`.
            "if": {"type": "array"},
            "then": {"items": _id_schema, "maxItems": MAX_IDS},
            "else": _id_schema,
            "description": "Ids: a list such as [growth, retention], or one id",
            "examples": [["growth"]],
        }
    ),
]
Count = Annotated[
    int,
    PlainValidator(parse_count),
    WithJsonSchema(
        {
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": MAX_COUNT,
            "pattern": _UNDERSCORED,
            "description": "A whole number, without quotes",
            "examples": [1200],
        }
    ),
]
Year = Annotated[
    int,
    PlainValidator(parse_year),
    WithJsonSchema(
        {
            "type": "integer",
            "minimum": 1900,
            "maximum": 2100,
            "description": "A year, without quotes",
            "examples": [2024],
        }
    ),
]
Horizon = Annotated[
    int,
    PlainValidator(parse_horizon),
    WithJsonSchema(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": 10,
            "description": "Years over which the return is counted, 1 to 10",
            "examples": [3],
        }
    ),
]
_money_schema: dict[str, Any] = {
    "type": ["number", "string"],
    "minimum": 0,
    "maximum": MAX_AMOUNT,
    "pattern": _UNDERSCORED,
    "description": "Money: a plain number in the proposal's currency, without quotes or symbol",
    "examples": [184000],
}
Money = Annotated[float, PlainValidator(parse_money), WithJsonSchema(_money_schema)]
Hours = Annotated[
    float,
    PlainValidator(parse_hours),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": MAX_HOURS,
            "description": "Hours: a plain number such as 1.5",
            "examples": [1.5],
        }
    ),
]
PercentValue = Annotated[Percent, PlainValidator(parse_percent), WithJsonSchema(_percent_schema)]
_count_only: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
StatValue = Annotated[
    Percent | int,
    PlainValidator(parse_percent_or_count),
    WithJsonSchema(
        {
            "if": {"type": "string"},
            "then": _percent_schema,
            "else": _count_only,
            "description": "A percent such as '65%', or a whole count",
            "examples": ["65%"],
        }
    ),
]
MeasureValue = Annotated[
    Percent | float,
    PlainValidator(parse_figure),
    WithJsonSchema(
        {
            "if": {"type": "string"},
            "then": _percent_schema,
            "else": {"type": "number", "minimum": 0, "maximum": MAX_AMOUNT},
            "description": "A percent such as '12%', a count or an amount of money",
            "examples": ["12%"],
        }
    ),
]
_DATE_PATTERN = r"^\s*(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?\s*$"
Date = Annotated[
    PartialDate,
    PlainValidator(parse_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _DATE_PATTERN,
            "description": "A date, 2026-11-22, or a month, 2026-09 (1970 to 2099)",
            "examples": ["2026-11-22"],
        }
    ),
]
_UNIT_WORDS = "|".join(ci(u) for u in sorted(DURATION_UNITS, key=len, reverse=True))
_duration_schema: dict[str, Any] = {
    "type": "string",
    "pattern": rf"^\s*\d+(\.\d+)?\s*({_UNIT_WORDS})\s*$",
    "description": "A duration: a number and a unit (days, weeks, months, years), at most 10 years",
    "examples": ["6 weeks"],
}
DurationValue = Annotated[
    Duration, PlainValidator(parse_duration), WithJsonSchema(_duration_schema)
]


_RANGE_MEANINGS = {
    "low": "The least it could be: the cautious case",
    "likely": "What you expect: the likely case",
    "high": "The most it could be: the optimistic case",
}


def _estimate_schema(one: dict[str, Any], what: str, example: Any, span: Any) -> dict[str, Any]:
    """One value, or a range {low, likely, high} of such values (`span` is an example)."""
    single = {k: v for k, v in one.items() if k not in ("description", "examples")}
    return {
        "if": {"type": "object"},
        "then": {
            "type": "object",
            "properties": {
                k: {**single, "description": _RANGE_MEANINGS[k], "examples": [span[k]]}
                for k in RANGE_POINTS
            },
            "required": list(RANGE_POINTS),
            "additionalProperties": False,
        },
        "else": single,
        "description": f"{what}, or a range {{low, likely, high}} of them",
        "examples": [example, span],
    }


MoneyEstimate = Annotated[
    Estimate[float],
    PlainValidator(estimate_of(parse_money)),
    WithJsonSchema(
        _estimate_schema(
            _money_schema,
            "An amount of money",
            90000,
            {"low": 60000, "likely": 90000, "high": 120000},
        )
    ),
]
PercentEstimate = Annotated[
    Estimate[Percent],
    PlainValidator(estimate_of(parse_percent)),
    WithJsonSchema(
        _estimate_schema(
            _percent_schema, "A percent", "20%", {"low": "10%", "likely": "20%", "high": "35%"}
        )
    ),
]
Url = Annotated[
    str,
    PlainValidator(parse_url),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uri",
            "pattern": r"^\s*https?://\S+\s*$",
            "maxLength": MAX_TEXT,
            "description": "A web address starting with https://",
            "examples": ["https://example.com/study"],
        }
    ),
]


def _currency_schema() -> dict[str, Any]:
    codes = sorted(currency_codes())
    return {
        "anyOf": [
            {"enum": codes},
            {"type": "string", "pattern": rf"^\s*({'|'.join(ci(c) for c in codes)})\s*$"},
        ],
        "description": "An ISO 4217 currency code, in any case",
        "examples": ["USD"],
    }


Currency = Annotated[str, PlainValidator(parse_currency), WithJsonSchema(_currency_schema())]


Colour = Annotated[
    str,
    PlainValidator(parse_colour),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*#([0-9a-fA-F]{3}){1,2}\s*$",
            "description": "A hex colour",
            "examples": ["#0b6e4f"],
        }
    ),
]
