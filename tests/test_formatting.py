"""Money, numbers and dates as a reader of the proposal's language expects them."""

from __future__ import annotations

import pytest

from buildcase.i18n import language
from buildcase.models.quantities import Duration, Estimate, PartialDate, Percent
from buildcase.render.formatting import NBSP, Formatter


def fmt(currency: str, lang: str = "en") -> Formatter:
    return Formatter(currency, language(lang))


@pytest.mark.parametrize(
    ("currency", "lang", "written"),
    [
        ("USD", "en", "$1,234,567"),
        ("EUR", "en", "€1,234,567"),
        ("GBP", "en", "£1,234,567"),
        ("CHF", "en", f"CHF{NBSP}1,234,567"),  # CLDR's currency spacing
        ("JPY", "en", "¥1,234,567"),
        ("INR", "en", "₹12,34,567"),  # lakh grouping
        ("USD", "de", f"1.234.567{NBSP}$"),
        ("EUR", "de", f"1.234.567{NBSP}€"),
        ("GBP", "de", f"1.234.567{NBSP}£"),
        ("CHF", "de", f"1.234.567{NBSP}CHF"),
        ("JPY", "de", f"1.234.567{NBSP}¥"),
        ("INR", "de", f"1.234.567{NBSP}₹"),
        ("PLN", "en", f"PLN{NBSP}1,234,567"),  # a code as its symbol is spaced too
    ],
)
def test_money_is_written_as_the_language_writes_it(currency: str, lang: str, written: str) -> None:
    assert fmt(currency, lang).money(1_234_567) == written


def test_money_has_no_false_precision() -> None:
    assert fmt("USD").money(184_000.4) == "$184,000"  # whole units from 100 up
    assert fmt("USD").money(12.5) == "$12.50"  # cents only where they matter
    assert fmt("JPY").money(12.5) == "¥12"  # the yen has no minor unit
    assert fmt("EUR", "de").money(-1500) == f"-1.500{NBSP}€"


def test_shares_numbers_and_percents_follow_the_language() -> None:
    assert fmt("USD").share(0.634) == "63%"
    assert fmt("EUR", "de").share(0.634) == f"63{NBSP}%"
    assert fmt("USD").pct(Percent(65.5, 1)) == "65.5%"
    assert fmt("EUR", "de").pct(Percent(65.5, 1)) == f"65,5{NBSP}%"
    assert fmt("USD").number(1234.5, 1) == "1,234.5"
    assert fmt("EUR", "de").number(1234.5, 1) == "1.234,5"


def test_dates_and_durations_are_spelled_out() -> None:
    assert fmt("USD").date(PartialDate(2027, 1, 15)) == "15 January 2027"
    assert fmt("USD").date(PartialDate(2026, 9, None)) == "September 2026"
    assert fmt("EUR", "de").date(PartialDate(2027, 1, 15)) == "15. Januar 2027"
    assert fmt("USD").duration(Duration(16, "week")) == "16 weeks"
    assert fmt("USD").duration(Duration(1, "week")) == "1 week"
    assert fmt("EUR", "de").duration(Duration(16, "week")) == "16 Wochen"
    assert fmt("EUR", "de").months(7.4) == "7,4 Monate"


def test_a_range_shows_its_likely_point() -> None:
    value = Estimate(low=100_000, likely=200_000, high=300_000)
    assert fmt("USD").estimate(value) == "$100,000–$300,000 (likely $200,000)"


@pytest.mark.parametrize(
    ("currency", "lang", "amount", "written"),
    [
        # 1,500,000 is 1.5 millions; 250,000 is 250 thousands
        ("USD", "en", 1_500_000, "$1.5M"),
        ("USD", "en", 250_000, "$250K"),
        ("USD", "en", -1_500_000, "-$1.5M"),
        ("EUR", "de", 1_500_000, f"1,5{NBSP}Mio.{NBSP}€"),
        ("EUR", "de", 2_000_000, f"2{NBSP}Mio.{NBSP}€"),
        # German has no short form for thousands: the amount in full, grouped
        ("EUR", "de", 250_000, f"250.000{NBSP}€"),
        ("CHF", "en", 1_500_000, f"CHF{NBSP}1.5M"),  # CLDR's currency spacing
        ("USD", "en", 500, "$500"),
    ],
)
def test_axis_ticks_write_short_money_as_the_language_does(
    currency: str, lang: str, amount: float, written: str
) -> None:
    """Chart axes once edited the formatted zero, writing '500 €k' and '1.5 €M' in German."""
    assert fmt(currency, lang).compact_money(amount) == written


@pytest.mark.parametrize(
    ("lang", "n", "written"),
    [
        ("en", 1, "1 benefit"),
        ("en", 3, "3 benefits"),
        ("en", 0, "0 benefits"),
        ("en", 1200, "1,200 benefits"),  # the number as `count` writes it
        ("de", 1, "1 Nutzen"),  # German's own forms, from the catalogue
        ("de", 3, "3 Nutzen"),
        ("de", 1200, "1.200 Nutzen"),
    ],
)
def test_a_count_takes_the_form_of_its_noun_the_language_asks_for(
    lang: str, n: int, written: str
) -> None:
    assert fmt("USD", lang).count_of(n, "benefit", "benefits") == written


@pytest.mark.parametrize(
    ("lang", "hours", "written"),
    [
        ("en", 1, "1 hour"),
        ("en", 1.0, "1 hour"),  # a whole float is a whole count
        ("en", 2, "2 hours"),
        ("en", 1.5, "1.5 hours"),  # a fraction to one decimal
        ("en", 0.5, "0.5 hours"),
        ("en", 1.04, "1.0 hours"),  # written 1.0: a visible decimal takes the plural (CLDR)
        ("de", 1, "1 Stunde"),
        ("de", 2, "2 Stunden"),
        ("de", 1.5, "1,5 Stunden"),
    ],
)
def test_hours_are_counted_with_their_fraction(lang: str, hours: float, written: str) -> None:
    assert fmt("USD", lang).count_of(hours, "hour", "hours") == written


def test_a_count_not_known_is_a_dash() -> None:
    assert fmt("USD").count_of(None, "risk", "risks") == "–"


def test_years_are_written_with_their_noun() -> None:
    """`ROI over {years}` takes the years whole (`3 years`, `1 Jahr`): no template adds
    the noun or its plural by hand."""
    for lang, one, many in (("en", "1 year", "3 years"), ("de", "1 Jahr", "3 Jahre")):
        assert (fmt("USD", lang).years(1), fmt("USD", lang).years(3)) == (one, many)


def test_a_source_is_cited_with_its_year_once() -> None:
    """Issue 31: "report for July to September 2026, 2026" read as a typo on every output."""
    f = fmt("USD")
    assert f.year_after("Gallup State of the Global Workplace", 2025) == ", 2025"
    assert f.year_after("Ops report for July to September 2026", 2026) == ""
    assert f.year_after("Quarterly review (Q3 2026).", 2026) == ""
    assert f.year_after("Internal audit", None) == ""
