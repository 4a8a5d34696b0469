"""The parsers of the value kinds: text as written -> a checked value, or a ValueError whose
message is shown to the author as it is (so each says what was found and what is expected).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from typing import Any, TypeGuard

from buildcase.errors import shorten
from buildcase.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_DURATION_YEARS,
    MAX_HOURS,
    MAX_ID,
    MAX_LINE,
    MAX_PERCENT_DECIMALS,
    MAX_TEXT,
    MAX_TITLE,
)
from buildcase.models.quantities import Duration, Estimate, PartialDate, Percent, T

__all__ = [
    "DURATION_UNITS",
    "RANGE_POINTS",
    "as_fraction",
    "as_list",
    "describe",
    "estimate_of",
    "fraction_meant",
    "is_id",
    "magnitude",
    "parse_choice",
    "parse_colour",
    "parse_count",
    "parse_date",
    "parse_duration",
    "parse_figure",
    "parse_horizon",
    "parse_hours",
    "parse_id",
    "parse_line",
    "parse_money",
    "parse_percent",
    "parse_percent_or_count",
    "parse_text",
    "parse_title",
    "parse_url",
    "parse_year",
    "suggest_id",
]

_PERCENT = re.compile(r"\s*([-+]?\d+(?:\.(\d+))?)\s*%\s*")
_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*")
_UNITS = {
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "mos": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip
DURATION_UNITS = tuple(_UNITS)
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def describe(value: Any) -> str:
    """A value as a message quotes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value[:40]}'" + ("..." if len(value) > 40 else "")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return str(value)


def parse_choice(value: Any, choices: tuple[str, ...]) -> str:
    """One of a few words, in any case; a message naming them all otherwise."""
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}, found {describe(value)}")
    return text


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_fraction(value: Any) -> float | None:
    """The share a value between 0 and 1 (`0.58`, or the text '0.58') probably means, where a
    percent is expected; None for anything else."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if _is_number(value) and math.isfinite(value) and 0 < value < 1:
        return float(value)
    return None


def fraction_meant(share: float) -> str:
    """The percent a share written as a fraction means: 0.58 -> '58%'."""
    return f"{round(share * 100, MAX_PERCENT_DECIMALS):g}%"


def _fraction_message(share: float) -> str:
    return f"expected a percent; for a share of {share:g}, write '{fraction_meant(share)}'"


def parse_percent(value: Any) -> Percent:
    if isinstance(value, Percent):
        return value
    share = as_fraction(value)
    if share is not None:
        raise ValueError(_fraction_message(share))
    if _is_number(value):
        raise ValueError(f"expected a percent such as '{value:g}%', found {describe(value)}")
    match = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"expected a percent such as '65%', found {describe(value)}")
    number = float(match[1])
    if not 0 <= number <= 100:
        raise ValueError(f"a percent must be between 0% and 100%, found {shorten(value.strip())}")
    decimals = len(match[2] or "")
    if decimals > MAX_PERCENT_DECIMALS:
        raise ValueError(
            f"a percent has at most {MAX_PERCENT_DECIMALS} decimals, found {decimals:,}"
        )
    return Percent(number, decimals)


def parse_count(value: Any) -> int:
    if isinstance(value, str) and value.strip().replace("_", "").isdigit():
        raise ValueError(f"write the number without quotes: {shorten(value.strip())}")
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not _is_number(value) or isinstance(value, float):
        raise ValueError(f"expected a whole number such as 1200, found {describe(value)}")
    if value < 0:
        raise ValueError(f"a count cannot be negative, found {value}")
    if value > MAX_COUNT:
        raise ValueError(f"{value:,} is more than any count of people; check the number")
    return value


def parse_money(value: Any) -> float | int:
    if isinstance(value, str) and re.fullmatch(r"\s*[\d_]+(\.\d+)?\s*", value):
        raise ValueError(f"write the amount without quotes: {shorten(value.strip())}")
    if isinstance(value, str):
        raise ValueError(
            f"expected a plain number such as 184000 (in the proposal's currency), "
            f"found {describe(value)}"
        )
    if not _is_number(value):
        raise ValueError(f"expected an amount of money, found {describe(value)}")
    if isinstance(value, int) and abs(value) > MAX_AMOUNT:
        raise ValueError(f"this amount has {len(str(abs(value)))} digits; check the number")
    if not math.isfinite(value):
        raise ValueError(
            f"expected an amount of money, found {_special(value)}, which is not a number"
        )
    if value < 0:
        raise ValueError(f"an amount cannot be negative, found {value:g}")
    if value > MAX_AMOUNT:
        raise ValueError(f"{value:,.0f} is more than any budget; check the number")
    return int(value) if float(value).is_integer() else value


def parse_hours(value: Any) -> float | int:
    """Hours of someone's time: a plain number such as 1.5."""
    if isinstance(value, str) and re.fullmatch(r"\s*[\d_]+(\.\d+)?\s*", value):
        raise ValueError(f"write the hours without quotes: {shorten(value.strip())}")
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"expected a number of hours such as 1.5, found {describe(value)}")
    if value < 0:
        raise ValueError(f"hours cannot be negative, found {value:g}")
    if value > MAX_HOURS:
        raise ValueError(f"{value:,.0f} hours is more than a year of work; check the number")
    return int(value) if float(value).is_integer() else value


def _special(value: float) -> str:
    return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"


def parse_percent_or_count(value: Any) -> Percent | int:
    if isinstance(value, Percent):
        return value
    if isinstance(value, str):
        return parse_percent(value)
    share = as_fraction(value)
    if share is not None:
        raise ValueError(_fraction_message(share))
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        raise ValueError(
            f"expected a percent such as '{value:g}%' or a whole count, found {value:g}"
        )
    if _is_number(value):
        return parse_count(value)
    raise ValueError(f"expected a percent such as '65%' or a count, found {describe(value)}")


def parse_figure(value: Any) -> Percent | int | float:
    """A measure's baseline or target: a percent, a count or an amount of money."""
    if isinstance(value, Percent):
        return value
    if isinstance(value, str):
        return parse_percent(value)
    return parse_money(value)


def parse_date(value: Any) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    text = str(value) if _is_number(value) else value
    match = _DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected a date such as 2026-11-22 or 2026-09, found {describe(value)}")
    year, month = int(match[1]), int(match[2])
    day = int(match[3]) if match[3] else None
    try:
        datetime.date(year, month, day or 1)
    except ValueError:
        raise ValueError(f"{text.strip()} is not a date on the calendar") from None
    if not FIRST_DATE <= (year, month, day or 1) <= LAST_DATE:
        raise ValueError(
            f"{text.strip()} is outside the dates buildcase supports, "
            f"{_iso(FIRST_DATE)} to {_iso(LAST_DATE)}"
        )
    return PartialDate(year, month, day)


def _iso(date: tuple[int, int, int]) -> str:
    return "{:04d}-{:02d}-{:02d}".format(*date)


def parse_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    unit = _UNITS.get(match[2].lower()) if match else None
    if not match or not unit:
        raise ValueError(
            f"expected a duration such as '6 weeks' or '3 months', found {describe(value)}"
        )
    amount = float(match[1])
    if amount <= 0:
        raise ValueError(f"a duration must be longer than zero, found {shorten(value)}")
    if not amount * _DAYS[unit] <= MAX_DURATION_YEARS * _DAYS["year"]:  # inf too
        raise ValueError(
            f"a duration is at most {MAX_DURATION_YEARS} years, found {shorten(value)}"
        )
    return Duration(amount, unit)


# Days in each unit, to compare durations with their limit; 120 months is 10 years.
_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}


def parse_text(value: Any, limit: float = MAX_TEXT) -> str:
    if _is_number(value) and math.isfinite(value):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {describe(value)}")
    text = value.strip()
    if not text:
        raise ValueError("this text is empty")
    if len(text) > limit:
        raise ValueError(
            f"this text is {len(text):,} characters long; keep it to {limit:,} at most"
        )
    return text


def parse_line(value: Any) -> str:
    """A short text: a name, a label, a cost item, a phase; one line of a table or a chip."""
    return parse_text(value, limit=MAX_LINE)


def parse_title(value: Any) -> str:
    text = parse_text(value, limit=math.inf)
    if len(text) > MAX_TITLE:
        raise ValueError(
            f"this title is {len(text):,} characters long; keep titles to {MAX_TITLE} at most "
            "and put the rest in `summary` or `detail`"
        )
    return text


def parse_id(value: Any) -> str:
    if isinstance(value, str) and len(value) > MAX_ID:
        raise ValueError(f"an id is at most {MAX_ID} characters; this one has {len(value):,}")
    if not isinstance(value, str) or not _ID.fullmatch(value):
        suggestion = suggest_id(value)
        hint = f" such as '{suggestion}'" if suggestion else ""
        raise ValueError(
            f"an id is lowercase letters, digits and '-'{hint}; found {describe(value)}"
        )
    return value


def is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID and bool(_ID.fullmatch(value))


def suggest_id(value: Any) -> str:
    """The id a value that is not one probably means: 'Fewer_Injuries' -> 'fewer-injuries'."""
    return re.sub(r"[^a-z0-9]+", "-", str(value)[:40].lower()).strip("-")


def parse_year(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        raise ValueError(f"write the year without quotes: {value.strip()}")
    if not (isinstance(value, int) and not isinstance(value, bool)):
        raise ValueError(f"expected a year such as 2024, found {describe(value)}")
    year = value
    if not 1900 <= year <= 2100:
        raise ValueError(f"expected a year such as 2024, found {value}")
    return year


def parse_horizon(value: Any) -> int:
    years = parse_count(value)
    if not 1 <= years <= 10:
        raise ValueError(f"the horizon is 1 to 10 years, found {value}")
    return years


def parse_url(value: Any) -> str:
    text = parse_text(value)
    if not re.match(r"https?://[^\s]+$", text):
        raise ValueError(f"expected a web address starting with https://, found {describe(value)}")
    return text


RANGE_POINTS = ("low", "likely", "high")


def estimate_of(parse_one: Callable[[Any], T]) -> Callable[[Any], Estimate[T]]:
    """A parser of one value, or of a range `{low, likely, high}` of such values."""

    def parse(value: Any) -> Estimate[T]:
        if isinstance(value, Estimate):
            return value
        if not isinstance(value, dict):
            one = parse_one(value)
            return Estimate(one, one, one)
        unknown = [k for k in value if k not in RANGE_POINTS]
        missing = [k for k in RANGE_POINTS if k not in value]
        if unknown or missing:
            raise ValueError(
                "a range is written as low, likely and high"
                + (f"; unknown: {shorten(', '.join(map(str, unknown)))}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else "")
            )
        points: dict[str, T] = {}
        for key in RANGE_POINTS:
            try:
                points[key] = parse_one(value[key])
            except ValueError as e:
                raise ValueError(f"{key}: {e}") from None
        low, likely, high = (magnitude(points[k]) for k in RANGE_POINTS)
        if not low <= likely <= high:
            raise ValueError(
                f"a range needs low <= likely <= high; here low is {points['low']}, "
                f"likely {points['likely']} and high {points['high']}"
            )
        return Estimate(**points)

    return parse


def magnitude(value: float | Percent) -> float:
    """A percent's number or an amount, for comparisons that hold for both."""
    return value.value if isinstance(value, Percent) else float(value)


def as_list(value: Any) -> Any:
    """Accept `goals: growth` for `goals: [growth]`."""
    return [value] if isinstance(value, str) else value


_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_colour(value: Any) -> str:
    """Only a hex colour: a colour is written into CSS, where anything else could inject."""
    if not isinstance(value, str) or not _COLOUR.fullmatch(value.strip()):
        raise ValueError(f"expected a colour such as '#3949ab', found {describe(value)}")
    return value.strip().lower()
