"""Fixed labels, numbers and dates in the proposal's language.

A language is a message catalog in the templates' `i18n/` folder: the English text of every
fixed label mapped to its translation, and the formats of numbers, money and dates.
English needs no messages; its catalog holds only its formats.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .workspace import default_templates_dir


def catalog_dir() -> Path:
    return default_templates_dir() / "i18n"


def available_languages() -> list[str]:
    return sorted(p.stem for p in catalog_dir().glob("*.yaml"))


@dataclass(frozen=True)
class Language:
    code: str
    decimal: str = "."
    group: str = ","
    money: str = "{symbol}{amount}"
    date: str = "{day} {month} {year}"
    month_year: str = "{month} {year}"
    months: tuple[str, ...] = ()
    units: dict[str, tuple[str, str]] = field(default_factory=dict)  # unit -> (one, many)
    messages: dict[str, str] = field(default_factory=dict)

    def gettext(self, text: str) -> str:
        """The label in this language; an untranslated label stays in English."""
        return self.messages.get(text, text)


@functools.lru_cache(maxsize=8)
def language(code: str) -> Language:
    data = yaml.safe_load((catalog_dir() / f"{code}.yaml").read_text(encoding="utf-8"))
    formats = data.get("formats", {})
    return Language(
        code=code,
        decimal=formats.get("decimal", "."),
        group=formats.get("group", ","),
        money=formats.get("money", "{symbol}{amount}"),
        date=formats.get("date", "{day} {month} {year}"),
        month_year=formats.get("month_year", "{month} {year}"),
        months=tuple(formats["months"]),
        units={unit: (forms[0], forms[1]) for unit, forms in formats["units"].items()},
        messages=dict(data.get("messages") or {}),
    )
