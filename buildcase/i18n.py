"""Fixed labels, numbers and dates in the proposal's language.

A language is a message catalog in the templates' `i18n/` folder: the English text of every
fixed label mapped to its translation. A label that stands for a key is named `family:key`
(`moment:before`, `headline:ask-gain`): a template prints `_("moment:" ~ key)` for a key
that compute chose, so a table of labels lives once, in each catalog, English's too; a
family asked for in two forms has two (`moment:` for a heading, `moment-in-sentence:`).
Other labels need no English messages. Numbers, money and dates are written by Babel for
the language's locale (`formatting`), a count's noun in the form its plural rule asks for.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from buildcase.workspace import default_templates_dir


def catalog_dir() -> Path:
    return default_templates_dir() / "i18n"


def available_languages() -> list[str]:
    return sorted(p.stem for p in catalog_dir().glob("*.yaml"))


@dataclass(frozen=True)
class Language:
    """A language's code (for Babel's formats and the pages' `lang`) and its labels."""

    code: str
    messages: dict[str, str] = field(default_factory=dict)

    def gettext(self, text: str) -> str:
        """The label in this language; an untranslated label stays in English."""
        return self.messages.get(text, text)


@functools.lru_cache(maxsize=8)
def language(code: str) -> Language:
    data = yaml.safe_load((catalog_dir() / f"{code}.yaml").read_text(encoding="utf-8")) or {}
    return Language(code=code, messages=dict(data.get("messages") or {}))
