"""The quantities a proposal's values parse to: a percent that keeps its precision, a date
that may be a month, a duration in its unit, an estimate's low / likely / high."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "Duration",
    "Estimate",
    "PartialDate",
    "Percent",
]


@dataclass(frozen=True)
class Percent:
    """A share written as `65%`; `decimals` keeps the precision the author gave."""

    value: float
    decimals: int = 0

    @property
    def fraction(self) -> float:
        return self.value / 100

    def __str__(self) -> str:
        return f"{self.value:.{self.decimals}f}%"


@dataclass(frozen=True, order=True)
class PartialDate:
    """An ISO date, or a year and month where a day makes no sense (`2026-09`)."""

    year: int
    month: int
    day: int | None = None

    def __str__(self) -> str:
        text = f"{self.year:04d}-{self.month:02d}"
        return f"{text}-{self.day:02d}" if self.day else text


@dataclass(frozen=True)
class Duration:
    """A number and a unit: `6 weeks`, `3 months`."""

    amount: float
    unit: str  # day, week, month or year

    def __str__(self) -> str:
        amount = f"{self.amount:g}"
        return f"{amount} {self.unit}" + ("" if self.amount == 1 else "s")

    @property
    def weeks(self) -> float:
        return self.amount * {"day": 1 / 7, "week": 1, "month": 52 / 12, "year": 52}[self.unit]


# What an estimate is a range of: an amount of money (float) or a likelihood (Percent).
T = TypeVar("T", float, Percent)


@dataclass(frozen=True)
class Estimate(Generic[T]):
    """A figure the author may give as one value or as a range: low, likely, high.

    One value is a range whose three points coincide, so every figure can be computed
    for the conservative, likely and optimistic cases alike.
    """

    low: T
    likely: T
    high: T

    @property
    def is_range(self) -> bool:
        return not (self.low == self.likely == self.high)

    def pick(self, point: str) -> T:
        value: T = getattr(self, point)
        return value
