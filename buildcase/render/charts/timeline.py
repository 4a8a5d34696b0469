"""The timeline: the plan's phases end to end, each a bar over its weeks."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GAIN,
    GRID,
    LINE,
    SMALL,
    TEXT,
    TRAINING,
    WIDTH,
    Gettext,
    Number,
    chart_svg,
    decimals,
    element,
    nice_step,
    text_element,
    untranslated,
    wrapped_lines,
)

_LEFT, _RIGHT = 10, 20  # room for the first and last week's label
_SPAN = WIDTH - _LEFT - _RIGHT

Phase = tuple[str, float, float]  # its name, its first week, its last


def timeline_chart(phases: Sequence[Phase], number: Number, _: Gettext = untranslated) -> Markup:
    """The plan's phases end to end, each a bar from its first to its last week; the first
    (the pilot) stands out. `number` writes the numbers (the Formatter's `number`); a week
    is written to the decimals it has (`decimals`)."""
    total = max([end for _label, _start, end in phases] + [1.0])
    body: list[str] = []
    y = 4.0
    for i, phase in enumerate(phases):
        drawn, y = _phase(i, phase, y, total, number)
        body += drawn
    body += _week_axis(total, y, number, _)
    desc = "; ".join(
        f"{label}: {_('weeks')} {_week(start, number)}–{_week(end, number)}"
        for label, start, end in phases
    )
    return chart_svg(y + 36, _("The plan, phase by phase"), desc, body, "timeline")


def _week(week: float, number: Number) -> str:
    return number(week, decimals(week))


def _phase(i: int, phase: Phase, y: float, total: float, number: Number) -> tuple[list[str], float]:
    """The i-th phase from `y` down: its numbered name and its bar; and the y below it."""
    label, start, end = phase
    body: list[str] = []
    for line in wrapped_lines(f"{number(i + 1, 0)}. {label}", WIDTH - _LEFT):
        body.append(text_element(_LEFT, y + 13, line))
        y += LINE
    y += 3
    x, width = _LEFT + _SPAN * start / total, max(_SPAN * (end - start) / total, 2.0)
    body.append(
        element("rect", x=x, y=y, width=width, height=14, rx=2, fill=GAIN if i == 0 else TRAINING)
    )
    return body, y + 24


def _week_axis(total: float, y: float, number: Number, _: Gettext) -> list[str]:
    """The weeks under the bars, in round steps, and the axis's title."""
    tick = nice_step(total / 6)
    week = 0.0
    body = [element("path", d=f"M{_LEFT} {y - 6:.2f}H{WIDTH - _RIGHT}", stroke=GRID, fill="none")]
    while week <= total + 1e-9:
        x = _LEFT + _SPAN * week / total
        body.append(
            element("path", d=f"M{x:.2f} {y - 6:.2f}v5", stroke="currentColor", fill="none")
        )
        body.append(text_element(x, y + 12, _week(week, number), SMALL, "middle"))
        week += tick
    body.append(
        text_element(_LEFT + _SPAN / 2, y + 30, _("Weeks from the start"), TEXT, "middle", 600)
    )
    return body
