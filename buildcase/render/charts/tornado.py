"""The tornado: each estimate moved over its range, the others as they are, and the return
it gives at either end, one bar an estimate, the widest swing on top, about a line at the
return as estimated.

A bar runs from the line to the return with the estimate at the low end of its range
(drawn in outline) and to the return with it at the high end (filled), each end labelled
with its return; a dashed red line marks a return of nought where a bar crosses it. Where
an estimate had no range of the author's, the chart says by how much it was moved
(`note`); where there are more estimates than it shows, how many more.

On a page the label stands above its bar; on a slide, where height is short, beside it or
above it, whichever shows more of its bars in the room a slide has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GRID,
    LINE,
    LOSS,
    PAGE,
    TEXT,
    Canvas,
    chart_svg,
    element,
    text_element,
    text_width,
    wrapped_lines,
)

PAGE_BARS, SLIDE_BARS = 8, 5  # the most bars a page's chart and a slide's show
_BAR, _SLIDE_BAR = 16.0, 14.0
_GAP, _PAD = 8.0, 5.0  # under a row; between a bar's end and its value
_LABELS = 0.48  # on a slide, the share of the width the labels take, beside the bars
_KEY = 12.0  # a legend's square


@dataclass(frozen=True)
class Swing:
    """One estimate: its name and range as the reader reads them, the return (percent)
    with it at the low and at the high end of its range, and whether that range is the
    default swing rather than the author's."""

    label: str
    at_low: float
    at_high: float
    default: bool = False


@dataclass(frozen=True)
class Words:
    """What the chart says in words: its title, the line's caption, the legend's
    entries, the note on the default swing, and "and {n} more" (given `n` written)."""

    title: str
    line: str
    low: str
    high: str
    zero: str  # the dashed line's key: where the return is nought
    note: str
    more: Callable[[int], str]


@dataclass(frozen=True)
class _Plot:
    """Where a return sits across the chart: from `lo` at `left` to `hi` at `right`."""

    lo: float
    hi: float
    left: float
    right: float

    def x(self, value: float) -> float:
        return self.left + (self.right - self.left) * (value - self.lo) / (self.hi - self.lo)


def tornado_chart(
    swings: Sequence[Swing], lead: float, percent: Callable[[float], str], words: Words,
    canvas: Canvas = PAGE, most: int | None = None,
) -> Markup:  # fmt: skip
    """The tornado of `swings` (widest first) about `lead`, the return as estimated, each
    return written by `percent` (the Formatter's). At most `most` bars (PAGE_BARS on a
    page, SLIDE_BARS on a slide), and on a slide only as many as its height holds."""
    room = canvas.height
    top = min(len(swings), most or (PAGE_BARS if room is None else SLIDE_BARS))
    if room is None:  # a page: every bar, each label above its bar
        body, height = _drawn(swings[:top], len(swings) - top, lead, percent, words, canvas)
        count = top
    else:  # a slide: the most bars its height holds, labels beside or above, which holds more
        count, body, height = max(
            (
                (n, *_drawn(swings[:n], len(swings) - n, lead, percent, words, canvas, beside))
                for beside in (True, False)
                for n in range(top, 0, -1)
            ),
            key=lambda drawn: (drawn[2] <= room, drawn[0] if drawn[2] <= room else -drawn[2]),
        )
    desc = "; ".join(
        f"{s.label}: {words.low} {percent(s.at_low)}, {words.high} {percent(s.at_high)}"
        for s in swings[:count]
    )
    return chart_svg(height, words.title, desc, body, "tornado", canvas.width, canvas.scale)


def _drawn(
    swings: Sequence[Swing], rest: int, lead: float, percent: Callable[[float], str],
    words: Words, canvas: Canvas, beside: bool = False,
) -> tuple[list[str], float]:  # fmt: skip
    """The chart with these bars, each label `beside` its bar or above it: its elements
    and its height."""
    width = canvas.width
    body: list[str] = []
    y = 0.0
    for line in lines(words.line, width, 600):
        body.append(text_element(0, y + 13, line, TEXT, weight=600))
        y += LINE
    y += 6
    plot = _plot(swings, lead, percent, width * _LABELS + 8 if beside else 0.0, width)
    spans = []
    for s in swings:
        drawn, y, span = _row(s, y, plot, lead, percent, canvas, beside)
        body += drawn
        spans.append(span)
    if beside:  # one line down the bars; on a page, one through each bar, not its label
        spans = [(spans[0][0], spans[-1][1])]
    pad = 4 if beside else 2  # clear of the label above a bar
    body[:0] = [line for y1, y2 in spans for line in _lines_across(plot, lead, y1 - pad, y2 + pad)]
    drawn, y = _legend(words, y + 2, width, canvas.colour, _crosses(plot, lead))
    body += drawn
    notes = ([words.note] if any(s.default for s in swings) else []) + (
        [words.more(rest)] if rest else []
    )
    if len(notes) > 1 and len(lines(" · ".join(notes), width)) == 1:
        notes = [" · ".join(notes)]  # on one line where they fit
    for note in notes:
        for line in lines(note, width):
            body.append(text_element(0, y + 13, line))
            y += LINE
    return body, y + 4


def _plot(
    swings: Sequence[Swing], lead: float, percent: Callable[[float], str], start: float,
    width: float,
) -> _Plot:  # fmt: skip
    """The returns' scale, from the lowest to the highest end, with room either side for
    the values written beside the bars' ends."""
    ends = [v for s in swings for v in (s.at_low, s.at_high)]
    lo, hi = min([*ends, lead]), max([*ends, lead])
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    left = max([text_width(percent(min(s.at_low, s.at_high)), TEXT, 700) for s in swings] + [0])
    right = max([text_width(percent(max(s.at_low, s.at_high)), TEXT, 700) for s in swings] + [0])
    return _Plot(lo, hi, start + left + _PAD + 1, width - right - _PAD - 1)


def _row(
    s: Swing, y: float, plot: _Plot, lead: float, percent: Callable[[float], str],
    canvas: Canvas, beside: bool,
) -> tuple[list[str], float, tuple[float, float]]:  # fmt: skip
    """One estimate from `y` down: its label, its two bars from the line, the return at
    each end; the y below it, and where its bars are."""
    thick = _BAR if canvas.height is None else _SLIDE_BAR
    label = lines(s.label, canvas.width * _LABELS if beside else canvas.width)
    body = [text_element(0, y + 13 + k * LINE, line) for k, line in enumerate(label)]
    if beside:
        room = max(len(label) * LINE, thick + 4)
        bar_y = y + (room - thick) / 2
        below = y + room
    else:
        bar_y = y + len(label) * LINE + (3 if canvas.height is None else 1)
        below = bar_y + thick
    middle, at = bar_y + thick / 2, plot.x(lead)
    ends = sorted(((s.at_low, False), (s.at_high, True)), key=lambda e: -abs(e[0] - lead))
    for value, filled in ends:  # the longer first, so that the shorter shows on it
        x1, x2 = sorted((at, plot.x(value)))
        paint = {"fill": canvas.colour} if filled else {"fill": "none", "stroke_width": 1.5}
        body.append(element("rect", x=x1, y=bar_y, width=max(x2 - x1, 1.5), height=thick,
                            stroke=canvas.colour, **paint))  # fmt: skip
    low, high = sorted((s.at_low, s.at_high))
    if percent(low) != percent(lead) and low < lead:
        body.append(text_element(plot.x(low) - _PAD, middle + 5, percent(low), TEXT, "end", 700))
    if percent(high) != percent(lead) and high > lead:
        body.append(text_element(plot.x(high) + _PAD, middle + 5, percent(high), TEXT, weight=700))
    gap = _GAP if canvas.height is None else _GAP / 2  # a slide's room is short
    return body, below + gap, (bar_y, bar_y + thick)


def _lines_across(plot: _Plot, lead: float, y1: float, y2: float) -> list[str]:
    """The line at the return as estimated, and a dashed red one at nought where the
    returns cross it."""
    drawn = []
    if _crosses(plot, lead):
        zero = plot.x(0)
        drawn.append(element("path", d=f"M{zero:.2f} {y1:.2f}V{y2:.2f}", stroke=LOSS,
                             stroke_dasharray="4 3", fill="none"))  # fmt: skip
    at = plot.x(lead)
    drawn.append(element("path", d=f"M{at:.2f} {y1:.2f}V{y2:.2f}", stroke="currentColor",
                         stroke_width=2, fill="none"))  # fmt: skip
    return drawn


def _crosses(plot: _Plot, lead: float) -> bool:
    """Whether the returns cross nought, apart from the line: a dashed line marks it."""
    return plot.lo < 0 < plot.hi and abs(plot.x(0) - plot.x(lead)) > 3


def _legend(
    words: Words, y: float, width: float, colour: str, zero: bool
) -> tuple[list[str], float]:
    """The keys, side by side where they fit, else one under the other: the two ends of a
    bar, and the dashed line at nought where there is one."""
    body = [element("path", d=f"M0 {y - 3:.2f}H{width}", stroke=GRID, fill="none")]
    x, tallest = 0.0, 1
    keys = [(words.low, "outline"), (words.high, "filled")]
    keys += [(words.zero, "zero")] if zero else []
    for text, kind in keys:
        room = _KEY + 6 + text_width(text)
        if x and x + room > width:
            x, y, tallest = 0.0, y + tallest * LINE, 1
        body.append(_key(kind, x, y, colour))
        key = lines(text, width - x - _KEY - 6)
        body += [text_element(x + _KEY + 6, y + 13 + k * LINE, t) for k, t in enumerate(key)]
        tallest = max(tallest, len(key))
        x += room + 16
    return body, y + tallest * LINE + 4


def _key(kind: str, x: float, y: float, colour: str) -> str:
    """A legend's key: a bar's end, outlined or filled, or the dashed line at nought."""
    if kind == "zero":
        middle = x + 1 + _KEY / 2
        return element("path", d=f"M{middle:.2f} {y + 2:.2f}v{_KEY + 2}", stroke=LOSS,
                       stroke_dasharray="4 3", fill="none")  # fmt: skip
    paint = {"fill": colour} if kind == "filled" else {"fill": "none", "stroke_width": 1.5}
    return element("rect", x=x + 1, y=y + 3, width=_KEY, height=_KEY, stroke=colour, **paint)


def lines(text: str, width: float, weight: int = 400) -> list[str]:
    """`text` wrapped to `width`, a word wider than that (a German compound) broken with
    a hyphen into pieces that fit, so that no text runs out of the chart."""
    pieces: list[str] = []
    for word in text.split(" "):
        while text_width(word, TEXT, weight) > width and len(word) > 2:
            fits = (n for n in range(2, len(word)) if _fits(word[:n] + "-", width, weight))
            cut = max(fits, default=2)
            pieces.append(word[:cut] + "-")
            word = word[cut:]
        pieces.append(word)
    return wrapped_lines(" ".join(pieces), width, TEXT, weight)


def _fits(text: str, width: float, weight: int) -> bool:
    return text_width(text, TEXT, weight) <= width
