"""The timeline: the plan's phases end to end, each a bar over its weeks."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GRID,
    LINE,
    PAGE,
    SMALL,
    TEXT,
    Canvas,
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

Phase = tuple[str, float, float]  # its name, its first week, its last


def timeline_chart(
    phases: Sequence[Phase], number: Number, _: Gettext = untranslated, canvas: Canvas = PAGE
) -> Markup:
    """The plan's phases end to end, each a bar from its first to its last week, in the
    canvas's colour (a phase is neither a loss nor a gain); the first (the pilot) stands
    out by its bold name. `number` writes the numbers (the Formatter's `number`); a week
    is written to the decimals it has (`decimals`)."""
    total = max([end for _label, _start, end in phases] + [1.0])
    body: list[str] = []
    y = 4.0
    for i, phase in enumerate(phases):
        drawn, y = _phase(i, phase, (y, total), number, canvas)
        body += drawn
    body += _week_axis(total, (y, canvas.width), number, _)
    desc = "; ".join(
        f"{label}: {_('weeks')} {_week(start, number)}–{_week(end, number)}"
        for label, start, end in phases
    )
    title = _("The plan, phase by phase")
    return chart_svg(y + 36, title, desc, body, "timeline", canvas.width, canvas.scale)


def _week(week: float, number: Number) -> str:
    return number(week, decimals(week))


def _phase(
    i: int, phase: Phase, at: tuple[float, float], number: Number, canvas: Canvas
) -> tuple[list[str], float]:
    """The i-th phase from `at`'s y down, on an axis to `at`'s last week: its numbered
    name and its bar; and the y below it."""
    (label, start, end), (y, total) = phase, at
    span, weight = canvas.width - _LEFT - _RIGHT, 600 if i == 0 else 400
    body: list[str] = []
    for line in wrapped_lines(f"{number(i + 1, 0)}. {label}", canvas.width - _LEFT, TEXT, weight):
        body.append(text_element(_LEFT, y + 13, line, TEXT, weight=weight))
        y += LINE
    y += 3
    x, width = _LEFT + span * start / total, max(span * (end - start) / total, 2.0)
    body.append(element("rect", x=x, y=y, width=width, height=14, rx=2, fill=canvas.colour))
    return body, y + 24


def _week_axis(total: float, at: tuple[float, int], number: Number, _: Gettext) -> list[str]:
    """The weeks under the bars (from `at`'s y, on a canvas `at`'s width wide), in round
    steps, and the axis's title."""
    (y, width), tick = at, nice_step(total / 6)
    span, week = width - _LEFT - _RIGHT, 0.0
    body = [element("path", d=f"M{_LEFT} {y - 6:.2f}H{width - _RIGHT}", stroke=GRID, fill="none")]
    while week <= total + 1e-9:
        x = _LEFT + span * week / total
        body.append(
            element("path", d=f"M{x:.2f} {y - 6:.2f}v5", stroke="currentColor", fill="none")
        )
        body.append(text_element(x, y + 12, _week(week, number), SMALL, "middle"))
        week += tick
    body.append(
        text_element(_LEFT + span / 2, y + 30, _("Weeks from the start"), TEXT, "middle", 600)
    )
    return body
