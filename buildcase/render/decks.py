"""The presentation deck: reveal.js slides from the same Case as the site and the handouts.

One deck for the executive team (`present.html`) and one per audience
(`present-<audience>.html`), each rendered by `render` from `templates/present/` with the
same template environment and context as the handouts, so the figures are the same and a
proposal's own templates can override the deck as any other. The deck loads reveal.js
from the site's assets (`assets/buildcase/vendor/reveal.js/`), by relative paths: opened
from disk, nothing leaves the machine. This module only chooses what each deck shows; the
template formats, and every figure comes computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from buildcase.compute import Case
from buildcase.compute.records import (
    AudienceView,
    BenefitView,
    Edition,
    Figure,
    ObjectionView,
    RiskView,
    Source,
)
from buildcase.compute.story import carried, even_split
from buildcase.workspace.layout import ASSETS, logo_name

TEMPLATE = "present/deck.html.j2"
DECK = "present.html"
# The report back to the leaders once the proposal has `results` (format 1.1).
RESULTS_DECK, RESULTS_DECK_TEMPLATE = "present-results.html", "present/results.html.j2"
VENDOR = f"{ASSETS}/vendor/reveal.js/dist"  # relative to the deck, beside index.html
# The slide as reveal.js lays it out before scaling it to the screen: 16:9.
WIDTH, HEIGHT = 1280, 720

# How many of each list one slide holds at 1280 x 720 under a title of two lines: the
# rest go to the slides below it, shared evenly (`compute.story.even_split`). An hours
# table's last slide also holds the hours carried from above, the participants and the
# total, and a costs table's its totals: room for four and six rows of their own.
MOST = {
    "figures": 3, "benefits": 4, "risks": 4, "rows": 4, "measures": 5, "groups": 4,
    "sources": 6, "costs": 6, "asks": 3, "objections": 3, "kpis": 4, "results": 5,
}  # fmt: skip


@dataclass(frozen=True)
class Deck:
    """One deck: the executives' (no audience) or one department head's, leading with
    what they care about."""

    file: str
    audience: AudienceView | None
    benefits: list[BenefitView]
    risks: list[RiskView]
    headline: list[Figure]
    objections: list[ObjectionView]
    sources: list[Source]  # numbered as in the handout of the same audience
    vendor: str = VENDOR
    width: int = WIDTH
    height: int = HEIGHT


def deck_file(audience: AudienceView | None) -> str:
    return DECK if audience is None else f"present-{audience.audience.id}.html"


def decks(case: Case, only: str | None = None) -> list[Deck]:
    """The decks of a case, the executives' first; with `only` (an audience id), the
    executives' and that audience's, as for the handouts."""
    return [
        _deck(e)
        for e in case.editions
        if e.audience is None or only in (None, e.audience.audience.id)
    ]


def _deck(edition: Edition) -> Deck:
    e = edition  # an audience's: their benefits, risks, figures and questions
    return Deck(
        deck_file(e.audience), e.audience, e.benefits, e.risks, e.headline, e.objections, e.sources
    )


def author_notes(entry: object) -> str | None:
    """The author's speaker notes on an entry (`notes`, format 1.1), where it has any."""
    return _text(getattr(entry, "notes", None))


def opening_closing(proposal: object, key: str) -> str | None:
    """The proposal's top-level `notes.opening` or `notes.closing`, where given."""
    notes = getattr(proposal, "notes", None)
    if isinstance(notes, Mapping):
        return _text(notes.get(key))
    return _text(getattr(notes, key, None))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def slides_of(items: Sequence[Any], kind: str, closing: int = 0) -> list[list[Any]]:
    """A list shared between its slide and the slides below it, evenly (`MOST[kind]` a
    slide at most): every item is on one of them. `closing` rows more follow the list on
    its last slide (a table's "Losses avoided"), and count as its items do: where there
    are some, there is always a slide, if only for them."""
    rows: list[Any] = [*items, *([_CLOSING] * closing)]
    shares = even_split(rows, MOST[kind])
    return [[item for item in share if item is not _CLOSING] for share in shares]


_CLOSING = object()  # a row that follows the list, as `slides_of` counts it


def carried_hours(shares: list[list[Any]]) -> list[float]:
    """The hours of the rows on the slides before each slide of an hours table."""
    return carried(shares, lambda g: getattr(g, "total", None))


def carried_money(shares: list[list[Any]]) -> list[float]:
    """The amounts of the rows on the slides before each slide of a costs table."""
    return carried(shares, lambda c: getattr(c, "over_horizon", None))


def logo_src(logo: str | None) -> str | None:
    """The logo as the deck shows it: the site's copy, beside the deck (the deck is opened
    from disk, so it loads nothing from elsewhere; an `<img>` runs no script an SVG may
    hold, and the logo was checked when the proposal was validated)."""
    if not logo:
        return None
    return logo_name(PurePosixPath(urlsplit(logo).path).suffix)
