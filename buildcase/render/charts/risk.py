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
    SMALL,
    TEXT,
    WIDTH,
    Gettext,
    Money,
    Number,
    Share,
    chart_svg,
    element,
    nice_step,
    text_element,
    text_width,
    untranslated,
    whole,
    wrapped_lines,
)

BUBBLE = 26.0  # the largest bubble's radius; the others by the square root of their value
_TOP, _RIGHT, _PLOT_H = 24 + BUBBLE / 2, BUBBLE + 2, 150

Risk = tuple[str, float, float, float]  # title, likelihood 0..1, impact, expected loss


@dataclass(frozen=True)
class _Plot:
    """The plot's left edge (after the impact ticks) and the values at its top and at the
    largest bubble."""

    left: float
    max_impact: float
    max_loss: float

    @property
    def width(self) -> float:
        return WIDTH - self.left - _RIGHT


def risk_chart(
    risks: Sequence[Risk], money: Money, share: Share, number: Number,
    _: Gettext = untranslated, compact: Money | None = None,
) -> Markup:  # fmt: skip
    """Risks by likelihood (across) and impact (up); a bubble's area is its expected loss.

    `risks` holds (title, likelihood 0..1, impact, expected loss) per risk. Each bubble
    carries its number, inside it or, where it is too small to hold it, beside it; below
    the plot each number is listed with its risk and its expected loss. Amounts are
    written by `money` (`compact` on the axis), likelihoods by `share`, the risks' numbers
    by `number`: the Formatter's.
    """
    step = nice_step(max([r[2] for r in risks] + [1.0]) * 1.1 / 4)
    tick_labels = [(compact or money)(step * i) for i in range(5)]
    left = 8 + max(text_width(t, SMALL) for t in tick_labels)
    plot = _Plot(left, step * 4, max([r[3] for r in risks] + [1e-9]))
    body = _frame(plot, tick_labels, [share(i / 4) for i in range(5)], _)
    numbered = list(enumerate(risks, start=1))
    # the largest first, so that a small bubble is never hidden under a large one
    for i, risk in sorted(numbered, key=lambda r: -r[1][3]):
        body += _bubble(plot, number(i, 0), risk)
    legend, y = _legend(risks, _TOP + _PLOT_H + 50, money, number, _)
    desc = _description(risks, money, share, _)
    return chart_svg(y, _("Risks by likelihood and impact"), desc, body + legend, "risks")


def _frame(plot: _Plot, tick_labels: list[str], likelihoods: list[str], _: Gettext) -> list[str]:
    """The plot's box, its grid, the likelihood ticks (0%, 25% ... 100%) and the impact
    ticks, and the axes' titles."""
    body = [text_element(0, 14, _("Impact if it happens"), TEXT, weight=600)]
    body.append(
        element(
            "rect", x=plot.left, y=_TOP, width=plot.width, height=_PLOT_H, fill="none", stroke=GRID
        )
    )
    for i in range(5):
        x, y = plot.left + plot.width * i / 4, _TOP + _PLOT_H - _PLOT_H * i / 4
        if 0 < i < 4:
            right = plot.left + plot.width
            grid = f"M{x:.2f} {_TOP}V{_TOP + _PLOT_H}M{plot.left:.2f} {y:.2f}H{right:.2f}"
            body.append(element("path", d=grid, stroke=GRID, stroke_dasharray="3 3", fill="none"))
        body.append(text_element(x, _TOP + _PLOT_H + 18, likelihoods[i], SMALL, "middle"))
        body.append(text_element(plot.left - 6, y + 5, tick_labels[i], SMALL, "end"))
    title = _("Likelihood per year")
    body.append(
        text_element(plot.left + plot.width / 2, _TOP + _PLOT_H + 37, title, TEXT, "middle", 600)
    )
    return body


def _bubble(plot: _Plot, number: str, risk: Risk) -> list[str]:
    """A risk's bubble and its number: inside it, or beside it on the side with room
    where the bubble is too small to hold it."""
    _title, likelihood, impact, loss = risk
    cx = plot.left + plot.width * likelihood
    cy = _TOP + _PLOT_H - _PLOT_H * impact / plot.max_impact
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
        return [circle, text_element(cx, cy + 5, number, SMALL, "middle", 700, "#ffffff")]
    if cx + radius + 16 <= plot.left + plot.width:
        return [circle, text_element(cx + radius + 4, cy + 5, number, SMALL, "start", 700)]
    return [circle, text_element(cx - radius - 4, cy + 5, number, SMALL, "end", 700)]


def _legend(
    risks: Sequence[Risk], y: float, money: Money, number: Number, _: Gettext
) -> tuple[list[str], float]:
    """Under the plot, each number with its risk and its expected loss; and the y below."""
    body: list[str] = []
    for i, (title, _likelihood, _impact, loss) in enumerate(risks, start=1):
        body.append(element("circle", cx=10, cy=y + 8.5, r=10, fill=LOSS))
        body.append(text_element(10, y + 13.5, number(i, 0), SMALL, "middle", 700, "#ffffff"))
        text = f"{title}: {whole(money(loss) + ' ' + _('a year'))}"
        for line in wrapped_lines(text, WIDTH - 28):
            body.append(text_element(28, y + 13, line))
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
