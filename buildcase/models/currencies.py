"""The currency a proposal is written in: an ISO 4217 code that Babel can format, or a
message naming the codes the author most likely meant (`GPB` -> `GBP`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from buildcase.models.parsers import describe

__all__ = ["currency_codes", "nearest_currencies", "parse_currency"]

_CURRENCY = re.compile(r"[A-Z]{3}")


def parse_currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.strip().upper()):
        raise ValueError(f"expected an ISO 4217 currency code such as USD, found {describe(value)}")
    code = value.strip().upper()
    if code not in currency_codes():
        near = ", ".join(f"'{c}'" for c in nearest_currencies(code))
        raise ValueError(
            f"'{value.strip()}' is not an ISO 4217 currency code"
            + (f"; did you mean {near}?" if near else "")
        )
    return code


@functools.lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel can format, historic ones too (`DEM`)."""
    from babel.numbers import list_currencies  # only when a currency is read

    return frozenset(list_currencies())


@functools.lru_cache(maxsize=1)
def _tender_codes() -> frozenset[str]:
    """The codes of the currencies in use today, somewhere."""
    from babel.core import get_global

    territories: Mapping[str, list[tuple[str, Any, Any, bool]]]
    territories = get_global("territory_currencies")
    return frozenset(
        code
        for entries in territories.values()
        for code, _, until, tender in entries
        if until is None and tender
    )


def nearest_currencies(code: str, most: int = 3) -> list[str]:
    """The codes an unknown one most likely meant: those fewest edits away (a swap of two
    neighbours is one edit, `GPB` -> `GBP`), at most two; a currency in use today before a
    historic one, then the same first letter, then in order."""
    tender = _tender_codes()
    ranked = sorted(
        (_edits(code, c), c not in tender, c[0] != code[0], c) for c in currency_codes()
    )
    best = ranked[0][:2] if ranked and ranked[0][0] <= 2 else None
    return [c for *key, c in ranked if tuple(key[:2]) == best][:most]


def _edits(a: str, b: str) -> int:
    """Edits from `a` to `b`: insert, delete, replace, or swap two neighbouring letters."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            rows[i][j] = min(
                rows[i - 1][j] + 1,
                rows[i][j - 1] + 1,
                rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]
