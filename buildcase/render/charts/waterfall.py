"""The benefits waterfall: each benefit's estimated value stacked one after another, the
part not credited to training taken off, the value a year that is left, and the cost of
training beside it, on one axis, so that a board sees what the value is made of and how
it stands to the cost.

Each step is a row: its label above a bar that starts where the last one ended. Gains are
green, what is taken off red, the cost in the proposal's neutral colour, as on the cost
chart beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GAIN,
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
    untranslated,
    wrapped_lines,
)

_BAR = 18.0
_GAP = 10.0  # under a bar, before the next row's label
_PAD = 6.0  # between a bar's end and its value


@dataclass(frozen=True)
class Step:
    """One row of the waterfall: what it is, the value it adds (a benefit's estimated
    value), and that value as the reader reads it."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class _Row:
    label: str
    start: float  # where the bar begins and ends, in money
    end: float
    text: str
    colour: str


def waterfall_chart(
    steps: Sequence[Step],
    credited: tuple[str, float, str],
    cost: tuple[str, float, str] | None,
    money: Callable[[float], str],
    _: Callable[[str], str] = untranslated,
    canvas: Canvas = PAGE,
) -> Markup:
    """The waterfall of `steps` down to `credited` (its label, value and text: the value a
    year, all benefits) and, where given, `cost` on the same axis; `money` writes the part
    not credited to training, taken off between the two, where there is one."""
    taken_off = (_("Not credited to training"), money)
    rows = _rows(steps, credited, cost, taken_off, canvas.colour)
    widest = max(text_width(r.text, TEXT, 600) for r in rows)
    span = canvas.width - widest - 2 * _PAD
    top = max(max(r.start, r.end) for r in rows) or 1.0
    body: list[str] = []
    y = 0.0
    for row in rows:
        body += _row(row, y, span / top, canvas.width)
        y += _height(row, canvas.width)
    body.insert(0, element("line", x1=0.5, y1=0, x2=0.5, y2=y - _GAP, stroke=GRID))
    title = _("What the value a year is made of, against the cost")
    desc = "; ".join(f"{r.label}: {r.text}" for r in rows)
    return chart_svg(y - _GAP + 2, title, desc, body, "benefits", canvas.width, canvas.scale)


def _rows(
    steps: Sequence[Step], credited: tuple[str, float, str], cost: tuple[str, float, str] | None,
    taken_off: tuple[str, Callable[[float], str]], neutral: str,
) -> list[_Row]:  # fmt: skip
    """The rows in reading order: each benefit from where the last ended, what is not
    credited taken off the sum, the value a year from nought, the cost from nought."""
    rows, at = [], 0.0
    for s in steps:
        rows.append(_Row(s.label, at, at + s.value, s.text, GAIN))
        at += s.value
    label, value, text = credited
    if at - value > 0.5:  # the estimates are more than training is credited with
        rows.append(_Row(taken_off[0], at, value, taken_off[1](value - at), LOSS))
    rows.append(_Row(label, 0.0, value, text, GAIN))
    if cost is not None:
        rows.append(_Row(cost[0], 0.0, cost[1], cost[2], neutral))
    return rows


def _height(row: _Row, width: float) -> float:
    return len(wrapped_lines(row.label, width, TEXT)) * LINE + _BAR + _GAP


def _row(row: _Row, y: float, unit: float, width: float) -> list[str]:
    """One row at `y`: its label's lines, its bar from start to end, its value after it."""
    body = []
    lines = wrapped_lines(row.label, width, TEXT)
    for k, line in enumerate(lines):
        body.append(text_element(0, y + 13 + k * LINE, line, TEXT))
    bar_y = y + len(lines) * LINE + 2
    left, right = sorted((row.start * unit, row.end * unit))
    body.append(element("rect", x=left + 1, y=bar_y, width=max(right - left, 1.5), height=_BAR,
                        fill=row.colour))  # fmt: skip
    if row.text:
        body.append(text_element(right + 1 + _PAD, bar_y + 13, row.text, TEXT, weight=600))
    return body
