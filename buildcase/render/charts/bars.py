"""The bar chart: horizontal bars, each under its label, with its value and, where the
value is a range, a whisker; the survey's shares and the cost against the cost of doing
nothing are drawn with it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.colours import text_on
from buildcase.render.charts.svg import (
    GRID,
    LINE,
    PAGE,
    SMALL,
    TEXT,
    Canvas,
    chart_svg,
    element,
    nice_step,
    split_evenly,
    text_element,
    text_width,
    wrapped_lines,
)

_LEFT, _RIGHT = 4.0, 22.0
# A bar's thickness: 18 units on a page; 14 on a slide, where a survey's three or four
# bars must fit one slide (the gap under a bar is half its thickness).
_BAR_HEIGHT, _SLIDE_BAR_HEIGHT = 18, 14


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length
    low: float | None = None  # a whisker from low to high, where the value is a range
    high: float | None = None
    text: str = ""  # the value as the reader should read it
    color: str | None = None  # the canvas's neutral colour where not a loss or a gain

    @property
    def whisker(self) -> tuple[float, float] | None:
        """(low, high) where the value is a range, else None."""
        return None if self.low is None or self.high is None else (self.low, self.high)

    @property
    def ranged(self) -> bool:
        return self.whisker is not None


@dataclass(frozen=True)
class _Axis:
    """The value axis, from 0 to `top` in steps of `step`, on a canvas `width` units wide:
    where each value sits."""

    top: float
    step: float
    width: int
    bar: float = _BAR_HEIGHT  # the bars' thickness

    @property
    def span(self) -> float:
        return self.width - _LEFT - _RIGHT

    @property
    def tick_xs(self) -> list[float]:
        count = round(self.top / self.step)
        return [_LEFT + self.span * i / count for i in range(count + 1)]

    def x_of(self, value: float) -> float:
        return _LEFT + self.span * value / self.top


def bar_chart(bars: Sequence[Bar], title: str, slug: str, ticks: Callable[[float], str],
              scale_max: float | None = None, axis: str = "",
              canvas: Canvas = PAGE) -> Markup:  # fmt: skip
    """Horizontal bars, each under its label, its value beside its end (inside the bar,
    in white, where there is no room beside it); a whisker from low to high where a
    value is a range. Below, the axis from 0 to `scale_max` (or the largest value, rounded
    up to a round step), its ticks written by `ticks` (a function of the Formatter's: the
    chart writes no number itself), and its title `axis`."""
    return bar_chart_parts(bars, title, slug, ticks, scale_max, axis, canvas)[0]


def bar_chart_parts(bars: Sequence[Bar], title: str, slug: str, ticks: Callable[[float], str],
                    scale_max: float | None = None, axis: str = "",
                    canvas: Canvas = PAGE) -> list[Markup]:  # fmt: skip
    """`bar_chart` in as many parts as a canvas of fixed height needs (a slide's: more bars
    than one slide holds), the bars shared evenly between them, each part on the same
    axis, so that the parts compare; one part where the canvas's height is free."""
    scale = _axis(bars, scale_max, canvas)
    room = canvas.height
    parts = (
        [list(bars)]
        if room is None
        else split_evenly(bars, lambda part: _drawn(part, scale, ticks, axis, canvas)[1] <= room)
    )
    return [
        chart_svg(height, title, desc, body, slug, canvas.width, canvas.scale)
        for body, height, desc in (_drawn(part, scale, ticks, axis, canvas) for part in parts)
    ]


def _drawn(
    bars: Sequence[Bar], scale: _Axis, ticks: Callable[[float], str], axis: str, canvas: Canvas
) -> tuple[list[str], float, str]:
    """The bars and their axis drawn: the elements, the height and the description."""
    body: list[str] = []
    y = 4.0
    for bar in bars:
        drawn, y = _bar(bar, y, scale, bar.color or canvas.colour)
        body += drawn
    drawn, y = _value_axis(scale, y, ticks, axis)
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return body + drawn, y + 8, desc


def _axis(bars: Sequence[Bar], scale_max: float | None, canvas: Canvas) -> _Axis:
    """The axis to `scale_max` in quarters, or to the largest value (a whisker's end
    included) rounded up to a round step; across `canvas`, with bars as thick as it has
    room for."""
    bar = _BAR_HEIGHT if canvas.height is None else _SLIDE_BAR_HEIGHT
    if scale_max is not None:
        return _Axis(scale_max, scale_max / 4, canvas.width, bar)
    largest = max([b.whisker[1] if b.whisker else b.value for b in bars] + [1e-9])
    step = nice_step(largest / 4)
    return _Axis(step * math.ceil(largest / step - 1e-9), step, canvas.width, bar)


def _bar(bar: Bar, y: float, scale: _Axis, colour: str) -> tuple[list[str], float]:
    """One bar from `y` down, in `colour`: its label, the bar, its whisker and its value;
    and the y below it."""
    body: list[str] = []
    for line in wrapped_lines(bar.label, scale.width - _LEFT):
        body.append(text_element(_LEFT, y + 13, line))
        y += LINE
    y += 3
    thick = scale.bar
    body.append(_grid_lines(scale.tick_xs[1:], y - 2, y + thick + 2))
    length = max(scale.x_of(bar.value) - _LEFT, 1.5)
    body.append(element("rect", x=_LEFT, y=y, width=length, height=thick, fill=colour, rx=2))
    end = _LEFT + length
    inside_end = end - 6
    if bar.whisker and bar.whisker[1] > bar.whisker[0]:  # a range of none (a census) is
        x1, x2 = scale.x_of(bar.whisker[0]), scale.x_of(bar.whisker[1])  # said, not drawn
        body.append(_whisker(x1, x2, y + thick / 2))
        end, inside_end = max(end, x2), min(inside_end, x1 - 6)
    value, below = _value_label(
        bar.text, y + (thick - _BAR_HEIGHT) / 2, (end, inside_end, scale.width), colour
    )
    body.append(value)
    return body, y + below + thick + 9


def _grid_lines(xs: Sequence[float], y1: float, y2: float) -> str:
    """Light vertical grid lines at `xs`, from y1 to y2."""
    d = "".join(f"M{x:.2f} {y1:.2f}V{y2:.2f}" for x in xs)
    return element("path", d=d, stroke=GRID, stroke_dasharray="3 3", fill="none")


def _whisker(x1: float, x2: float, mid: float) -> str:
    """The range from x1 to x2, across the bar's middle, with a stop at each end."""
    whisker = f"M{x1:.2f} {mid:.2f}H{x2:.2f}M{x1:.2f} {mid - 8:.2f}v16M{x2:.2f} {mid - 8:.2f}v16"
    return element("path", d=whisker, stroke="currentColor", stroke_width=2, fill="none")


def _value_label(
    text: str, y: float, ends: tuple[float, float, int], colour: str
) -> tuple[str, float]:
    """A bar's value, beside its end, else inside it (in white, or dark on a pale bar),
    else on a line of its own under it; and the height that line adds (0 for the first
    two). `ends`: the bar's end, where a value inside it ends, and the canvas's width."""
    end, inside_end, width = ends
    value_width = text_width(text, TEXT, 700)
    baseline = y + _BAR_HEIGHT / 2 + 5
    if end + 8 + value_width <= width:
        return text_element(end + 8, baseline, text, TEXT, weight=700), 0
    if inside_end - value_width >= _LEFT + 4:
        return text_element(inside_end, baseline, text, TEXT, "end", 700, text_on(colour)), 0
    return text_element(_LEFT, y + _BAR_HEIGHT + LINE, text, TEXT, weight=700), LINE + 2


def _value_axis(
    scale: _Axis, y: float, write: Callable[[float], str], title: str
) -> tuple[list[str], float]:
    """The axis under the bars: its line, its ticks labelled by `write` (kept inside the
    chart), its title; and the y below it."""
    width = scale.width
    body = [element("path", d=f"M{_LEFT} {y - 6:.2f}H{width - _RIGHT}", stroke=GRID, fill="none")]
    for i, x in enumerate(scale.tick_xs):
        body.append(
            element("path", d=f"M{x:.2f} {y - 6:.2f}v5", stroke="currentColor", fill="none")
        )
        label = write(scale.step * i)
        anchor, half = "middle", text_width(label, SMALL) / 2
        if x - half < 0:
            x, anchor = 0.0, "start"
        elif x + half > width:
            x, anchor = float(width), "end"
        body.append(text_element(x, y + 12, label, SMALL, anchor))
    y += 14
    if title:
        for line in wrapped_lines(title, width, TEXT, 600):
            body.append(text_element(_LEFT + scale.span / 2, y + 17, line, TEXT, "middle", 600))
            y += LINE + 1
    return body, y
