"""The risk chart: each risk a bubble placed by its likelihood and impact, its area its
expected loss, numbered, with the numbers listed below the plot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GRID,
    LINE,
    LOSS,
    PAGE,
    SMALL,
    TEXT,
    Canvas,
    Gettext,
    Money,
    Number,
    Share,
    chart_svg,
    element,
    nice_step,
    split_evenly,
    text_element,
    text_width,
    untranslated,
    whole,
    wrapped_lines,
)

BUBBLE = 26.0  # the largest bubble's radius; the others by the square root of their value
_TOP, _RIGHT, _PLOT_H = 24 + BUBBLE / 2, BUBBLE + 2, 150
_SLIDE_PLOT_H = 140  # on a slide, where the legend stands beside the plot: 223 units tall
_LEGEND_GAP = 10  # between the plot's last bubble and the legend beside it

Risk = tuple[str, float, float, float]  # title, likelihood 0..1, impact, expected loss


@dataclass(frozen=True)
class _Plot:
    """The plot's box, its left edge after the impact ticks and its right edge, and its
    height; the values at its top and at the largest bubble."""

    left: float
    right: float
    height: float
    max_impact: float
    max_loss: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def bottom(self) -> float:
        return _TOP + self.height


def risk_chart(
    risks: Sequence[Risk], money: Money, share: Share, number: Number,
    _: Gettext = untranslated, compact: Money | None = None, canvas: Canvas = PAGE,
) -> Markup:  # fmt: skip
    """Risks by likelihood (across) and impact (up); a bubble's area is its expected loss.

    `risks` holds (title, likelihood 0..1, impact, expected loss) per risk. Each bubble
    carries its number, inside it or, where it is too small to hold it, beside it; below
    the plot each number is listed with its risk and its expected loss. Amounts are
    written by `money` (`compact` on the axis), likelihoods by `share`, the risks' numbers
    by `number`: the Formatter's.
    """
    return risk_chart_parts(risks, money, share, number, _, compact, canvas)[0]


def risk_chart_parts(
    risks: Sequence[Risk], money: Money, share: Share, number: Number,
    _: Gettext = untranslated, compact: Money | None = None, canvas: Canvas = PAGE,
) -> list[Markup]:  # fmt: skip
    """`risk_chart` on `canvas`: on a slide (a canvas of fixed height), the legend beside
    the plot, and shared evenly between as many parts as it needs, each part the whole
    plot with every bubble (the same picture on every slide) and its share of the legend."""
    step = nice_step(max([r[2] for r in risks] + [1.0]) * 1.1 / 4)
    tick_labels = [(compact or money)(step * i) for i in range(5)]
    plot = _plot(8 + max(text_width(t, SMALL) for t in tick_labels), step * 4, risks, canvas)
    body = _frame(plot, tick_labels, [share(i / 4) for i in range(5)], _)
    numbered = list(enumerate(risks, start=1))
    # the largest first, so that a small bubble is never hidden under a large one; every
    # number after every bubble, so that an overlapping bubble never hides a number
    bubbles = [_bubble(plot, number(i, 0), r) for i, r in sorted(numbered, key=lambda r: -r[1][3])]
    body += [circle for circle, _number in bubbles] + [label for _circle, label in bubbles]
    title, desc = _("Risks by likelihood and impact"), _description(risks, money, share, _)
    if canvas.height is None:  # a page's: the legend under the plot, all of it
        legend, y = _legend(numbered, (0, plot.bottom + 50, canvas.width), money, number, _)
        return [chart_svg(y, title, desc, body + legend, "risks", canvas.width)]
    at = (plot.right + BUBBLE + _LEGEND_GAP, _TOP, canvas.width)
    room, bottom = canvas.height, plot.bottom + 46
    parts = split_evenly(numbered, lambda p: _legend(p, at, money, number, _)[1] <= room)
    drawn = [_legend(part, at, money, number, _) for part in parts]
    return [
        chart_svg(max(y, bottom), title, desc, body + legend, "risks", canvas.width, canvas.scale)
        for legend, y in drawn
    ]


def _plot(left: float, max_impact: float, risks: Sequence[Risk], canvas: Canvas) -> _Plot:
    """The plot's box on `canvas`: the width less the biggest bubble's room on a page; on a
    slide, its left half, the legend beside it."""
    max_loss = max([r[3] for r in risks] + [1e-9])
    if canvas.height is None:
        return _Plot(left, canvas.width - _RIGHT, _PLOT_H, max_impact, max_loss)
    return _Plot(left, canvas.width / 2, _SLIDE_PLOT_H, max_impact, max_loss)


def _frame(plot: _Plot, tick_labels: list[str], likelihoods: list[str], _: Gettext) -> list[str]:
    """The plot's box, its grid, the likelihood ticks (0%, 25% ... 100%) and the impact
    ticks, and the axes' titles."""
    body = [text_element(0, 14, _("Impact if it happens"), TEXT, weight=600)]
    body.append(
        element(
            "rect",
            x=plot.left,
            y=_TOP,
            width=plot.width,
            height=plot.height,
            fill="none",
            stroke=GRID,
        )
    )
    for i in range(5):
        x, y = plot.left + plot.width * i / 4, plot.bottom - plot.height * i / 4
        if 0 < i < 4:
            grid = f"M{x:.2f} {_TOP}V{plot.bottom}M{plot.left:.2f} {y:.2f}H{plot.right:.2f}"
            body.append(element("path", d=grid, stroke=GRID, stroke_dasharray="3 3", fill="none"))
        body.append(text_element(x, plot.bottom + 18, likelihoods[i], SMALL, "middle"))
        body.append(text_element(plot.left - 6, y + 5, tick_labels[i], SMALL, "end"))
    title = _("Likelihood per year")
    body.append(
        text_element(plot.left + plot.width / 2, plot.bottom + 37, title, TEXT, "middle", 600)
    )
    return body


def _bubble(plot: _Plot, number: str, risk: Risk) -> tuple[str, str]:
    """A risk's bubble and its number: inside it, or beside it on the side with room
    where the bubble is too small to hold it. A risk is a loss: red on every canvas."""
    _title, likelihood, impact, loss = risk
    cx = plot.left + plot.width * likelihood
    cy = plot.bottom - plot.height * impact / plot.max_impact
    radius = BUBBLE * math.sqrt(max(loss, 0.0) / plot.max_loss)
    circle = element(
        "circle",
        cx=cx,
        cy=cy,
        r=radius,
        fill=LOSS,
        fill_opacity=0.92,
        stroke="#ffffff",
        stroke_width=1,
    )
    if radius >= 11:
        return circle, text_element(cx, cy + 5, number, SMALL, "middle", 700, "#ffffff")
    if cx + radius + 16 <= plot.right:
        return circle, text_element(cx + radius + 4, cy + 5, number, SMALL, "start", 700)
    return circle, text_element(cx - radius - 4, cy + 5, number, SMALL, "end", 700)


def _legend(
    numbered: Sequence[tuple[int, Risk]], at: tuple[float, float, int], money: Money,
    number: Number, _: Gettext,
) -> tuple[list[str], float]:  # fmt: skip
    """From `at` (x, y, the canvas's width), each number with its risk and its expected
    loss; and the y below."""
    x, y, width = at
    body: list[str] = []
    for i, (title, _likelihood, _impact, loss) in numbered:
        body.append(element("circle", cx=x + 10, cy=y + 8.5, r=10, fill=LOSS))
        body.append(text_element(x + 10, y + 13.5, number(i, 0), SMALL, "middle", 700, "#ffffff"))
        text = f"{title}: {whole(money(loss) + ' ' + _('a year'))}"
        for line in wrapped_lines(text, width - x - 28):
            body.append(text_element(x + 28, y + 13, line))
            y += LINE
        y += 5
    return body, y


def _description(risks: Sequence[Risk], money: Money, share: Share, _: Gettext) -> str:
    """The chart's text alternative: every risk with its likelihood, impact and loss."""
    return "; ".join(
        f"{t}: {share(lk)} {_('a year')}, {_('impact')} {money(im)}, "
        f"{_('expected loss')} {money(lo)} {_('a year')}"
        for t, lk, im, lo in risks
    )
