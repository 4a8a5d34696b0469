"""The primitives every chart is drawn with: SVG elements, text and its estimated width,
the sizes and colours the charts share, line wrapping and round axis steps.

A chart module lays out its figures with these and nothing else, so every chart writes the
same markup: real text in `currentColor`, presentation attributes WeasyPrint draws well,
and ids taken from the content (the same chart, the same bytes in every build).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH = 480  # the viewBox's width, in user units (= CSS px when the chart is 480 px wide)
TEXT = 14  # labels, values and axis titles (values and titles bold)
LINE = 17  # the height of a line of text
SMALL = 14  # tick labels: the smallest text of every chart
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"
TRAINING, LOSS, GAIN, GRID = "#3949ab", "#b71c1c", "#1b7f5c", "#c9ced8"
INK = "#1f2933"  # the handout's text: dark text on a fill too pale for white
# On a slide a chart is drawn at a fixed size: reveal.js lays the slide out at 1280 x 720
# and shows it at 0.96 of that on a 1280 x 720 screen (its 4% margin), so 14-unit text at
# 1.875 px a unit is 26.25 px on the slide and 25.2 px on the screen: above the 24 px a room
# reads. 608 units are 1140 px, the slide's width inside its margins; 232 units are 435 px,
# the room under a title of two lines. A chart taller than that is split (`parts`).
SLIDE_SCALE, SLIDE_WIDTH, SLIDE_HEIGHT = 1.875, 608, 232
T = TypeVar("T")
NBSP = "\u00a0"  # keeps a value whole when a label is wrapped

# The Formatter's functions a chart writes its numbers with (`render.formatting`): a chart
# writes no number itself, so a German chart reads `25 %`, `1,5` and `1,5 Mio. €`.
Money = Callable[[float], str]  # `money`, or `compact_money` for an axis
Share = Callable[[float], str]  # `share`: a fraction 0..1 as a percent
Number = Callable[[float, int], str]  # `number`: a value to so many decimals
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Canvas:
    """Where a chart is drawn: its width in units, the colour of its neutral series (the
    proposal's, `colours.neutral_colour`) and, on a slide, its fixed size (`scale` px a
    unit) and the most units tall one part of it may be (`height`). A page's chart has
    neither: it is as wide as its column, its height following from its width."""

    width: int = WIDTH
    colour: str = TRAINING
    scale: float | None = None
    height: float | None = None


PAGE = Canvas()  # a page's chart in indigo: what a chart is drawn on unless told


def slide_canvas(colour: str = TRAINING) -> Canvas:
    """A slide's canvas: the chart at 26 px text, as wide and tall as a slide has room."""
    return Canvas(SLIDE_WIDTH, colour, SLIDE_SCALE, SLIDE_HEIGHT)


def width_for(points: float) -> float:
    """The width in CSS px (1/96 in) a chart needs for its smallest text to be `points` pt."""
    return WIDTH * points * 96 / 72 / SMALL


def untranslated(text: str) -> str:
    """The labels as written (English): what a chart says when no translation is given."""
    return text


def element(tag: str, content: str = "", **attrs: object) -> str:
    """An SVG element; attribute names use `_` for `-`."""
    rendered = "".join(
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(_number(value))}"
        for name, value in attrs.items()
    )
    return f"<{tag}{rendered}>{content}</{tag}>" if content else f"<{tag}{rendered}/>"


def _number(value: object) -> str:
    """An attribute's value; a float to at most two decimals, so the markup stays short."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def text_element(x: float, y: float, text: str, size: int = TEXT, anchor: str = "start",
                 weight: int = 400, fill: str = "currentColor") -> str:  # fmt: skip
    """A `<text>` at (x, y), its baseline; in the charts' font, readable in any palette."""
    return element(
        "text",
        escape(text.replace(NBSP, " ")),
        x=x,
        y=y,
        font_family=FONT_FAMILY,
        font_size=size,
        font_weight=weight,
        text_anchor=anchor,
        fill=fill,
    )


def chart_svg(
    height: float, title: str, desc: str, body: list[str], slug: str, width: int = WIDTH,
    scale: float | None = None,
) -> Markup:  # fmt: skip
    """The whole chart: as wide as its column (or, with `scale`, a slide's, at that many
    px a unit), its title and description as its text alternative, out of the site's
    search index (see the package's docstring)."""
    # Ids from the content, not a counter: the same chart gets the same ids in every build.
    n = hashlib.sha1("".join([title, desc, *body]).encode()).hexdigest()[:8]
    title_id, desc_id = f"chart-{slug}-{n}-title", f"chart-{slug}-{n}-desc"
    tall = math.ceil(height)
    size = (
        'width="100%"'
        if scale is None
        else f'width="{_number(width * scale)}" height="{_number(tall * scale)}"'
    )
    kind = "" if scale is None else " bc-chart--slide"
    return Markup(
        f'<svg class="bc-chart bc-chart--{slug}{kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {tall}" {size} data-search-exclude="" '
        f'role="img" aria-labelledby="{title_id}">'
        f'<title id="{title_id}">{escape(title)}: {escape(desc)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


# Inter's advance widths in em, rounded up by class (measured from the fonts buildcase
# ships); Helvetica and Arial, the fallbacks, are narrower.
_NARROW, _SEMI = set(" ijl.,:;!|'()[]`"), set('ftr-/1I*"')
_WIDE = set("mwMW%@—")


def text_width(text: str, size: float = TEXT, weight: int = 400) -> float:
    """An estimate, a little wide, of the width of `text` set in Inter at `size`."""
    em = 0.0
    for c in text:
        if c in _NARROW or c == NBSP:
            em += 0.30 if c != " " and c != NBSP else 0.28
        elif c in _SEMI:
            em += 0.47
        elif c in _WIDE:
            em += 0.96
        elif c.isdigit():
            em += 0.65
        elif c.isupper():
            em += 0.76
        else:
            em += 0.63
    return em * size * (1.06 if weight >= 600 else 1.0)


def whole(value: str) -> str:
    """A value that a wrapped line must not break: its spaces made non-breaking."""
    return value.replace(" ", NBSP)


def wrapped_lines(
    text: str, width: float = WIDTH, size: float = TEXT, weight: int = 400
) -> list[str]:
    """`text` split into lines no wider than `width` units, at (breaking) spaces only, so
    a value made `whole` never breaks ("65% ± 1.7 pts")."""
    lines: list[str] = []
    for word in text.split(" "):
        if not word:
            continue
        if lines and text_width(lines[-1] + " " + word, size, weight) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def decimals(value: float, most: int = 2) -> int:
    """The fewest decimals that write `value` as it is, up to `most`: a week 6 has none,
    a tick at 2.5 one and a tick at 0.25 two (a tick summed from steps, 0.6000000000000001,
    is 0.6)."""
    return next((d for d in range(most) if abs(round(value, d) - value) < 1e-9), most)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`: an axis's
    step a reader can count in."""
    power: float = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def split_evenly(items: Sequence[T], fits: Callable[[Sequence[T]], bool]) -> list[list[T]]:
    """`items` in the fewest parts that each `fits`, shared evenly (4 + 4 + 3, never
    4 + 4 + 1 nor a part left out); one item a part where even one does not fit."""
    for count in range(1, len(items) + 1):
        parts = [list(items[len(items) * i // count : len(items) * (i + 1) // count])
                 for i in range(count)]  # fmt: skip
        if all(fits(part) for part in parts):
            return parts
    return [[item] for item in items]
