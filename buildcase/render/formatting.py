"""Part of stage 4, render: every number, amount, date and duration as a reader of the
proposal's language expects it, through Babel (CLDR's data for every locale and currency).

No false precision: money to the unit (cents only below 100), computed shares to whole
percents. Amounts are written as the proposal's language writes them (`CHF 1,500` in
English, `1.500 CHF` in German), with one exception: rupees in English take en_IN's lakh
grouping (`₹12,00,000`), as their readers expect.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import math
import re
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
)
from babel.units import format_unit

from buildcase.i18n import Language
from buildcase.markup import plain_text
from buildcase.models.quantities import Duration, Estimate, PartialDate, Percent

if TYPE_CHECKING:
    from buildcase.compute.records import Figure
    from buildcase.compute.sensitivity import Threshold

NO_VALUE = "–"
NBSP = "\u00a0"

# Day, month, year in English too: unambiguous on both sides of the Atlantic.
_DATE_PATTERNS = {"en": "d MMMM y"}

# Currencies whose amounts are grouped as in their home territory, where the language has
# a locale there.
_HOME_TERRITORY = {"INR": "IN"}


class Formatter:
    """Numbers, dates and durations written for the reader, in the proposal's currency and
    language."""

    def __init__(self, currency: str, language: Language):
        self.currency = currency
        self.language = language
        self.locale = money_locale(language.code, currency)
        self._ = language.gettext

    def number(self, value: float, decimals: int = 0) -> str:
        return format_decimal(value, _decimal_pattern(decimals), locale=self.locale)

    def money(self, amount: float | None) -> str:
        if amount is None:
            return NO_VALUE
        cents = abs(amount) < 100 and not float(amount).is_integer()
        pattern = None if cents else _whole_units(self.locale)
        text = format_currency(
            amount, self.currency, pattern, locale=self.locale, currency_digits=cents
        )
        return currency_spaced(text, get_currency_symbol(self.currency, self.locale))

    def headline_money(self, amount: float | None) -> str:
        """A headline's amount to three significant figures (`£130,280` reads `£130,000`):
        a forecast is not known to the pound, and a board remembers a round figure. The
        exact amount stands where its calculation is shown."""
        return self.money(None if amount is None else significant(amount, 3))

    def compact_money(self, amount: float) -> str:
        """An axis tick, short as CLDR writes it: `$1.5M`, `€250K`, `1,5 Mio. €`. Where
        the language has no short form for the size (German below a million), the amount
        in full: `250.000 €`."""
        magnitude = abs(amount)
        short = format_compact_decimal(magnitude, locale=self.locale, fraction_digits=1)
        if short.replace(",", "").replace(".", "").isdigit():  # not shortened
            return self.money(amount)
        text = format_compact_currency(amount, self.currency, locale=self.locale, fraction_digits=1)
        return currency_spaced(text, get_currency_symbol(self.currency, self.locale))

    def count(self, n: float | None) -> str:
        return NO_VALUE if n is None else self.number(n)

    def count_of(self, n: float | None, one: str, other: str) -> str:
        """A count with its noun: `1 benefit`, `3 benefits`, `1.5 hours`; in German
        `3 Nutzen`, `1 Stunde`. The noun's form is the one the language's plural rule (CLDR's)
        asks for the number as written, translated through the catalogue, so a template
        never adds an `s` by hand. A whole count is written as `count` writes it; a fraction
        (hours) to one decimal."""
        if n is None:
            return NO_VALUE
        shown = _as_written(n)
        noun = one if self.locale.plural_form(shown) == "one" else other
        return f"{self.number(n, 0 if isinstance(shown, int) else 1)} {self._(noun)}"

    def pct(self, value: Percent) -> str:
        return self._percent(value.value, value.decimals)

    def value(self, value: Percent | float | None) -> str:
        """A stat's or a measure's figure: `65%`, `1,200`."""
        if value is None:
            return NO_VALUE
        if isinstance(value, Percent):
            return self.pct(value)
        return self.number(value, 0 if float(value).is_integer() else 2)

    def date(self, value: PartialDate | None) -> str:
        if value is None:
            return NO_VALUE
        day = datetime.date(value.year, value.month, value.day or 1)
        if value.day:
            return format_date(day, _DATE_PATTERNS.get(self.language.code, "long"), self.locale)
        return format_skeleton("yMMMM", day, locale=self.locale)

    def duration(self, value: Duration | None) -> str:
        if value is None:
            return NO_VALUE
        decimals = 0 if float(value.amount).is_integer() else 1
        return self._unit(value.amount, value.unit, decimals)

    def weeks(self, weeks: float | None) -> str:
        return NO_VALUE if weeks is None else self._unit(round(weeks), "week", 0)

    def years(self, years: int | None) -> str:
        return NO_VALUE if years is None else self._unit(years, "year", 0)

    def months(self, value: float | None) -> str:
        return NO_VALUE if value is None else self._unit(value, "month", 1)

    def headline_months(self, value: float | None) -> str:
        """A headline's payback in whole months, rounded up (7.2 months reads 8 months): a
        payback is never told sooner than computed. Tenths are noise and dropped first, so
        13.02 reads 13."""
        return NO_VALUE if value is None else self._unit(math.ceil(round(value, 1)), "month", 0)

    def estimate(self, value: Estimate[float] | Estimate[Percent] | None) -> str:
        """One value, or a range with its likely point: `$100,000–$300,000 (likely $200,000)`."""
        if value is None:
            return NO_VALUE
        low, likely, high = (
            self.pct(point) if isinstance(point, Percent) else self.money(point)
            for point in (value.low, value.likely, value.high)
        )
        if not value.is_range:
            return likely
        return f"{low}–{high} ({self._('likely')} {likely})"

    def share(self, fraction: float | None) -> str:
        """A computed share, to whole percents: no false precision."""
        return NO_VALUE if fraction is None else self._percent(fraction * 100, 0)

    def percent(self, value: float | None) -> str:
        """A computed percentage such as an ROI, to whole percents; one that rounds to
        nought is 0%, never -0%."""
        if value is None:
            return NO_VALUE
        return self._percent(value if round(value) else 0.0, 0)

    def ratio(self, value: float | None) -> str:
        return NO_VALUE if value is None else self.number(value, 1)

    def points(self, margin: float) -> str:
        return f"± {self.number(margin, 1)} {self._('pts')}"

    def sentence(self, text: str) -> str:
        """`text` ended with a full stop, unless it ends with one already: an abbreviation's
        full stop ends the sentence too (German `± 1,7 Pkt.`, not `Pkt..`). Markup stays
        Markup."""
        return text if text.endswith(".") else text + "."

    def bound(self, value: float | None, unit: str, up: bool | None = None) -> str:
        """A driver's value (compute/sensitivity.py) in its unit: a percent, an amount, hours
        or weeks. A break-even is rounded away from the break (`up` where the case needs
        *at least* it, down where *at most*), so the figure shown still holds the case:
        at least 72.24% reads 73%, an amount to three significant figures."""
        if value is None:
            return NO_VALUE
        step = {"percent": 1.0, "hours": 0.1, "weeks": 1.0}.get(unit) or last_figure(value, 3)
        if up is not None:
            value = (math.ceil if up else math.floor)(round(value / step, 9)) * step
        if unit == "percent":
            return self.percent(value)
        if unit == "money":
            return self.money(value)
        if unit == "hours":
            return self.count_of(round(value, 1), "hour", "hours")
        return self.weeks(value)

    def people(self, percent: float | None, participants: int, up: bool | None = None) -> str:
        """A share of the participants as a count of people: 49.99% of 420 is 210 where
        the case needs *at least* it (`up`), 209 where *at most*, else the nearest count."""
        if percent is None:
            return NO_VALUE
        n = round(participants * percent / 100, 9)
        return self.count(round(n) if up is None else (math.ceil if up else math.floor)(n))

    def driver(self, t: Threshold) -> str:
        """An estimate's name, with the benefit or risk it is of: "Fewer injuries: value a
        year" (the what-if panel's names, `whatif-driver:` in the catalogue)."""
        name = self._("whatif-driver:" + t.sensitivity.driver.what)
        return name.format(subject=plain_text(t.subject or ""))

    def reading(self, t: Threshold) -> str:
        """One driver told in a sentence (`reading:` in the catalogue, chosen in compute:
        `Threshold.sentence`): the value at which the case stops paying, rounded so that
        it still holds, against the estimate; in people where there are participants; and
        where the payback passes the horizon at another value, that value too."""
        least, most = t.unbroken
        s, unit = t.sensitivity, t.sensitivity.driver.unit
        figures = self._threshold(t)
        text = self._("reading:" + t.sentence).format(
            **figures, least=self.bound(least, unit), most=self.bound(most, unit)
        )
        if s.payback_apart is None:
            return text
        paid = self.bound(s.payback_apart, unit, s.rising)
        key = "reading:payback-" + ("holds" if t.pays else "pays-if")
        return f"{text} {self._(key).format(bound=figures['bound'], value=paid)}"

    def holds(self, t: Threshold) -> str:
        """What would have to be true of one driver (`holds-if:`), with its margin of
        safety: how far it can move from the estimate, as a share of it, before the case
        breaks (or, where it does not pay, how far it is from paying)."""
        s = t.sensitivity
        key = "holds-if:" + s.driver.what + ("-people" if t.participants else "")
        text = self._(key).format(**self._threshold(t))
        if s.margin is None:
            return text
        margin = self._("margin:" + ("holds" if t.pays else "pays-if"))
        return f"{text}; {margin.format(margin=self.share(s.margin))}"

    def _threshold(self, t: Threshold) -> dict[str, str]:
        """A driver's figures as its sentences write them."""
        s, d = t.sensitivity, t.sensitivity.driver
        return {
            "bound": self._("at least") if s.rising else self._("at most"),
            "value": self.bound(s.break_even, d.unit, s.rising),
            "now": self.bound(d.value, d.unit),
            "count": self.people(s.break_even, t.participants or 0, s.rising),
            "people": self.count(t.participants),
            "planned": self.people(d.value, t.participants or 0),
        }

    def year_after(self, source: str, year: int | None) -> str:
        """`, 2026` after a source's name, unless the name already ends with its year
        (`report for July to September 2026`): a source is cited with its year once."""
        if year is None or str(source).rstrip(").").endswith(str(year)):
            return ""
        return f", {year}"

    def census(self, n: int) -> str:
        """Where every member of the population answered: `all 24 answered`, no margin."""
        return self._("all {n} answered").format(n=self.count(n))

    def margin(self, figure: Figure) -> str:
        """A survey figure with its margin of error: `65% ± 1.7 pts`; from a census,
        `79%, all 24 answered`."""
        text = self.value(figure.value)
        if figure.census and figure.n is not None:
            return f"{text}, {self.census(figure.n)}"
        return f"{text} {self.points(figure.margin)}" if figure.margin is not None else text

    def _percent(self, value: float, decimals: int) -> str:
        return format_percent(
            value / 100, _percent_pattern(self.locale, decimals), locale=self.locale
        )

    def _unit(self, amount: float, unit: str, decimals: int) -> str:
        number = round(amount, decimals) if decimals else round(amount)
        return format_unit(
            number, f"duration-{unit}", "long", _decimal_pattern(decimals), locale=self.locale
        )


def significant(amount: float, figures: int) -> float:
    """`amount` rounded to `figures` significant figures; amounts with no more digits than
    that are kept as they are (a budget of 92,000 stays 92,000)."""
    step = last_figure(amount, figures)
    return float(round(amount / step) * step)


def last_figure(amount: float, figures: int) -> float:
    """The place value of `amount`'s last significant figure, of `figures`: 1,000 for
    £130,280 to three; never less than the unit."""
    digits = math.floor(math.log10(abs(amount))) + 1 if amount else 1
    return float(10 ** max(digits - figures, 0))


@functools.lru_cache(maxsize=64)
def money_locale(language: str, currency: str) -> Locale:
    """The language's locale, in the currency's home territory where that applies."""
    territory = _HOME_TERRITORY.get(currency)
    if territory:
        try:
            return Locale.parse(f"{language}_{territory}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(language)


def currency_spaced(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel does not apply: a symbol that ends (or starts)
    with a letter next to a digit gets a no-break space (`CHF 1,500`, `1.500 CHF`)."""
    if not symbol or not (symbol[0].isalpha() or symbol[-1].isalpha()):
        return text
    escaped = re.escape(symbol)
    if symbol[-1].isalpha():
        text = re.sub(f"({escaped})(?=[-\u2212]?\\d)", f"\\1{NBSP}", text)
    if symbol[0].isalpha():
        text = re.sub(f"(?<=\\d)({escaped})", f"{NBSP}\\1", text)
    return text


@functools.lru_cache(maxsize=64)
def _whole_units(locale: Locale) -> str:
    """The locale's currency pattern without its fraction digits."""
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    return re.sub(r"\.0+", "", pattern)


@functools.lru_cache(maxsize=64)
def _percent_pattern(locale: Locale, decimals: int) -> str:
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    return _add_decimals(pattern, decimals)


def _as_written(n: float) -> int | decimal.Decimal:
    """A count as `count_of` writes it, for the plural rule: a whole number as an integer,
    a fraction to one decimal (`1.0` takes the plural, as CLDR says of a visible decimal)."""
    if float(n).is_integer():
        return int(n)
    return decimal.Decimal(str(n)).quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_EVEN)


def _decimal_pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _add_decimals(pattern: str, decimals: int) -> str:
    if not decimals:
        return pattern
    last = pattern.rfind("0")
    return pattern[: last + 1] + "." + "0" * decimals + pattern[last + 1 :]
