"""The payback chart: the cumulative net value month by month, from the cost up front to
the net value at the horizon, with the month it is paid back marked."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GAIN,
    GRID,
    LINE,
    PAGE,
    SMALL,
    TEXT,
    Canvas,
    Gettext,
    Money,
    Number,
    chart_svg,
    element,
    nice_step,
    text_element,
    text_width,
    untranslated,
)

_TOP, _RIGHT, _PLOT_H = 30, 14, 130
_END_GAP = 6  # units between the end's label and the dotted line marking the horizon


@dataclass(frozen=True)
class _Plot:
    """Where a month and a value sit: the plot's left edge (after the value ticks), the
    values at its bottom and top, and the months across it."""

    left: float
    low: float
    high: float
    months: int
    canvas_width: int  # the whole chart's, in units

    @property
    def width(self) -> float:
        return self.canvas_width - self.left - _RIGHT

    @property
    def right(self) -> float:
        return self.left + self.width

    def x_of(self, month: float) -> float:
        return self.left + self.width * month / (self.months or 1)

    def y_of(self, value: float) -> float:
        return _TOP + _PLOT_H * (self.high - value) / ((self.high - self.low) or 1.0)


def payback_chart(
    net_by_month: Sequence[float], payback: float | None, money: Money, number: Number,
    _: Gettext = untranslated, horizon: int | None = None, axis: str = "",
    compact: Money | None = None, canvas: Canvas = PAGE,
) -> Markup:  # fmt: skip
    """Cumulative net value month by month, as computed: the cost up front, then the gain as
    it ramps up with the people trained.

    The solid line runs to `horizon` (months; the end of the series where not given) and
    ends at the net value over it, labelled; where the series runs on past the horizon (to
    show a payback after it), the rest is dashed. `axis` names the basis (discounted or
    not) above the plot. Amounts are written by `money` (`compact` on the axis), months by
    `number`: the Formatter's."""
    months = len(net_by_month) - 1
    horizon = months if horizon is None else max(0, min(horizon, months))
    start, final = net_by_month[0], net_by_month[horizon]
    low, high, step = _value_range(net_by_month, final)
    values = [low + step * i for i in range(round(((high - low) or 1.0) / step) + 1)]
    axis_money = compact or money  # the axis's short form: "$1.5M", "1,5 Mio. €"
    left = 8 + max(text_width(axis_money(v), SMALL) for v in values)
    plot = _Plot(left, low, high, months, canvas.width)
    body = [text_element(0, 14, axis or _("Net value so far"), TEXT, weight=600)]
    body += _value_axis(plot, values, axis_money)
    body += _month_axis(plot, number, _)
    body += _net_lines(plot, net_by_month, horizon)
    # direct labels: the cost up front, and the net value at the horizon
    body += _start_label(plot, start, money(start))
    body += _end_label(plot, horizon, final, money(final))
    desc = _("Starts at {start}; reaches {end} after {months} months").format(
        start=money(start), end=money(final), months=number(horizon, 0)
    )
    if payback is not None and 0 < payback <= months:
        paid = _("Paid back after {months} months").format(months=number(payback, 1))
        body += _payback_mark(plot, payback, paid, (horizon, final), money(final))
        desc += "; " + paid
    title = _("Payback over time")
    return chart_svg(_TOP + _PLOT_H + 46, title, desc, body, "payback", canvas.width, canvas.scale)


def _value_range(net_by_month: Sequence[float], final: float) -> tuple[float, float, float]:
    """The value axis's bottom, top and step: round steps taking in every value and zero,
    with a step more at the top where the end's label would have no room above it."""
    step = nice_step((max(max(net_by_month), 0.0) - min(min(net_by_month), 0.0)) / 4 or 1.0)
    low = step * math.floor(min(min(net_by_month), 0.0) / step + 1e-9)
    high = step * math.ceil(max(max(net_by_month), 0.0) / step - 1e-9)
    if (high - final) / ((high - low) or 1.0) * _PLOT_H < LINE + 4:  # room for the end's label
        high += step
    return low, high, step


def _value_axis(plot: _Plot, values: list[float], axis_money: Money) -> list[str]:
    """A grid line and a label at each of `values`, and the zero line drawn in full."""
    body: list[str] = []
    for value in values:
        y = plot.y_of(value)
        if value != 0:
            grid = f"M{plot.left:.2f} {y:.2f}H{plot.right:.2f}"
            body.append(element("path", d=grid, stroke=GRID, stroke_dasharray="3 3", fill="none"))
        body.append(text_element(plot.left - 6, y + 5, axis_money(value), SMALL, "end"))
    zero = f"M{plot.left:.2f} {plot.y_of(0):.2f}H{plot.right:.2f}"
    body.append(element("path", d=zero, stroke="currentColor", fill="none"))
    return body


def _month_axis(plot: _Plot, number: Number, _: Gettext) -> list[str]:
    """The months under the plot, every 3, 6 or 12 as the series is long, and its title."""
    body: list[str] = []
    tick = 3 if plot.months <= 24 else 6 if plot.months <= 48 else 12
    for m in range(0, plot.months + 1, tick):
        d = f"M{plot.x_of(m):.2f} {_TOP + _PLOT_H}v5"
        body.append(element("path", d=d, stroke="currentColor", fill="none"))
        month = number(m, 0)
        body.append(text_element(plot.x_of(m), _TOP + _PLOT_H + 19, month, SMALL, "middle"))
    title = _("Months from the start")
    body.append(
        text_element(plot.left + plot.width / 2, _TOP + _PLOT_H + 38, title, TEXT, "middle", 600)
    )
    return body


def _net_lines(plot: _Plot, net_by_month: Sequence[float], horizon: int) -> list[str]:
    """The net value's line, solid to the horizon; past it, dashed, beyond a dotted line
    marking the horizon."""
    solid = " ".join(
        f"{plot.x_of(m):.2f} {plot.y_of(v):.2f}" for m, v in enumerate(net_by_month[: horizon + 1])
    )
    body = [
        element(
            "path",
            d=f"M{solid}",
            stroke=GAIN,
            stroke_width=3,
            fill="none",
            stroke_linejoin="round",
            class_="bc-chart__net",
        )
    ]
    if horizon < plot.months:
        after = " ".join(
            f"{plot.x_of(m):.2f} {plot.y_of(v):.2f}"
            for m, v in enumerate(net_by_month)
            if m >= horizon
        )
        body.append(
            element(
                "path",
                d=f"M{after}",
                stroke=GAIN,
                stroke_width=3,
                stroke_dasharray="6 5",
                fill="none",
            )
        )
        edge = f"M{plot.x_of(horizon):.2f} {_TOP}V{_TOP + _PLOT_H}"
        body.append(
            element("path", d=edge, stroke="currentColor", stroke_dasharray="2 3", fill="none")
        )
    return body


def _start_label(plot: _Plot, start: float, text: str) -> list[str]:
    """The cost up front, marked, its amount to the right above it."""
    x, y = plot.x_of(0), plot.y_of(start)
    return [_point(x, y), text_element(x + 8, y - 9, text, TEXT, "start", 700)]


def _end_label(plot: _Plot, horizon: int, final: float, text: str) -> list[str]:
    """The net value at the horizon, marked, its amount above it to its left, clear of the
    dotted line that marks the horizon where the chart runs past it: the line rises to it
    from below."""
    x, y = plot.x_of(horizon), plot.y_of(final)
    return [_point(x, y), text_element(x - _END_GAP, y - 10, text, TEXT, "end", 700)]


def _point(x: float, y: float) -> str:
    return element("circle", cx=x, cy=y, r=4.5, fill=GAIN)


def _payback_mark(
    plot: _Plot, payback: float, paid: str, end: tuple[int, float], end_text: str
) -> list[str]:
    """The month it is paid back, marked on the zero line and labelled `paid` where the
    rising line is not: below the zero line to the right of the point, or, where that has
    no room, above it to the left. Above it to the left would meet the end's label when
    both are at the right: then the plot's top left corner, which the line (rising from
    below zero) never reaches."""
    px, zero = plot.x_of(payback), plot.y_of(0)
    end_x, end_y = plot.x_of(end[0]), plot.y_of(end[1])
    width = text_width(paid, TEXT, 600)
    end_label = (end_x - _END_GAP - text_width(end_text, TEXT, 700), end_y - 10 - TEXT)
    above_right = max(px - 10, plot.left + width)
    meets_end = (
        above_right > end_label[0] and zero - 10 > end_label[1] and (zero - 10 - TEXT < end_y - 10)
    )
    point = element("circle", cx=px, cy=zero, r=6, fill=GAIN)
    if px + 10 + width <= plot.canvas_width and zero + 22 <= _TOP + _PLOT_H:
        return [point, text_element(px + 10, zero + 19, paid, TEXT, "start", 600)]
    if meets_end:
        return [point, text_element(plot.left + 8, _TOP + TEXT + 4, paid, TEXT, "start", 600)]
    return [point, text_element(above_right, zero - 10, paid, TEXT, "end", 600)]
