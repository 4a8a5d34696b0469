"""Charts as small static SVG, the same in the site and in the handout.

Why our own module rather than a plotting library: the four charts are bars, whiskers,
bubbles and one line; matplotlib would add tens of megabytes and half a second of import
to every build, and writes its text as paths that neither a screen reader nor a PDF text
search can read. These charts keep real text, use only what WeasyPrint draws well (flat
fills, presentation attributes, `font-family`/`font-size`, never the `font:` shorthand),
draw text in `currentColor` so the site's dark palette keeps them legible, and carry a
`<title>` and `<desc>` as their text alternative.

Charts belong to the render stage: they lay out figures that compute has produced.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH = 480  # px; the site scales charts up a little, the handout down to half a page
WRAP = 70  # characters of 12 px text that fit across
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"
TRAINING, LOSS, GAIN, GRID = "#3949ab", "#b71c1c", "#1b7f5c", "#c9ced8"

Money = Callable[[float], str]
Gettext = Callable[[str], str]


def _english(text: str) -> str:
    return text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length
    low: float | None = None  # a whisker from low to high, where the value is a range
    high: float | None = None
    text: str = ""  # the value as the reader should read it
    color: str = TRAINING

    @property
    def whisker(self) -> tuple[float, float] | None:
        """(low, high) where the value is a range, else None."""
        return None if self.low is None or self.high is None else (self.low, self.high)

    @property
    def ranged(self) -> bool:
        return self.whisker is not None


def _el(tag: str, content: str = "", **attrs: object) -> str:
    """An SVG element; attribute names use `_` for `-`."""
    rendered = "".join(
        f" {name.replace('_', '-')}={quoteattr(_number(value))}" for name, value in attrs.items()
    )
    return f"<{tag}{rendered}>{content}</{tag}>" if content else f"<{tag}{rendered}/>"


def _number(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start",
          weight: int = 400, fill: str = "currentColor") -> str:  # fmt: skip
    return _el(
        "text", escape(text), x=x, y=y, font_family=FONT_FAMILY, font_size=size,
        font_weight=weight, text_anchor=anchor, fill=fill,
    )  # fmt: skip


def _svg(height: float, title: str, desc: str, body: list[str], slug: str) -> Markup:
    # Ids from the content, not a counter: the same chart gets the same ids in every build.
    n = hashlib.sha1("".join([title, desc, *body]).encode()).hexdigest()[:8]
    title_id, desc_id = f"chart-{slug}-{n}-title", f"chart-{slug}-{n}-desc"
    return Markup(
        f'<svg class="bc-chart bc-chart--{slug}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'role="img" aria-labelledby="{title_id}">'
        f'<title id="{title_id}">{escape(title)}: {escape(desc)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _wrap(text: str, width: int = WRAP) -> list[str]:
    """Split text into lines of at most `width` characters, at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def bar_chart(bars: Sequence[Bar], title: str, slug: str, scale_max: float | None = None) -> Markup:
    """Horizontal bars, each under its label, its value at its end (or, for a range,
    after its label, with a whisker from low to high)."""
    bar_height, value_room = 14, 104
    span = WIDTH - value_room
    biggest = scale_max or max([b.whisker[1] if b.whisker else b.value for b in bars] + [1e-9])
    body: list[str] = []
    y = 6.0
    for bar in bars:
        label = f"{bar.label}: {bar.text}" if bar.ranged else bar.label
        for line in _wrap(label):
            body.append(_text(0, y + 12, line))
            y += 14
        y += 4
        length = max(span * bar.value / biggest, 1.5)
        body.append(_el("rect", x=0, y=y, width=length, height=bar_height, fill=bar.color, rx=2))
        end = length
        if bar.whisker:
            low, high = bar.whisker
            x1, x2, mid = span * low / biggest, span * high / biggest, y + bar_height / 2
            whisker = (
                f"M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {mid - 6:.1f}v12M{x2:.1f} {mid - 6:.1f}v12"
            )
            if high > low:  # a range of none (a census: all answered) is said, not drawn
                body.append(
                    _el("path", d=whisker, stroke="currentColor", stroke_width=1.5, fill="none")
                )
        else:
            body.append(_text(end + 6, y + 11.5, bar.text, 12, weight=600))
        y += bar_height + 10
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return _svg(y, title, desc, body, slug)


def risk_chart(
    risks: Sequence[tuple[str, float, float, float]], money: Money, _: Gettext = _english
) -> Markup:
    """Risks by likelihood (across) and impact (up); a bubble's area is its expected loss.

    `risks` holds (title, likelihood 0..1, impact, expected loss) per risk.
    """
    left, top, plot_w, plot_h = 56, 12, WIDTH - 56 - 16, 130
    step = nice_step(max([r[2] for r in risks] + [1.0]) * 1.1 / 4)
    max_impact, max_loss = step * 4, max([r[3] for r in risks] + [1e-9])
    body = [_el("rect", x=left, y=top, width=plot_w, height=plot_h, fill="none", stroke=GRID)]
    for i in range(5):
        x, y = left + plot_w * i / 4, top + plot_h - plot_h * i / 4
        if 0 < i < 4:
            grid = f"M{x:.1f} {top}V{top + plot_h}M{left} {y:.1f}H{left + plot_w}"
            body.append(_el("path", d=grid, stroke=GRID, stroke_dasharray="3 3"))
        body.append(_text(x, top + plot_h + 16, f"{i * 25}%", 11, "middle"))
        body.append(_text(left - 6, y + 4, short_money(step * i, money), 11, "end"))
    body.append(
        _text(left + plot_w / 2, top + plot_h + 32, _("Likelihood per year"), 12, "middle", 600)
    )
    body.append(_text(-top - plot_h / 2, 12, _("Impact"), 12, "middle", 600).replace(
        "<text ", '<text transform="rotate(-90)" ', 1))  # fmt: skip
    legend_y = top + plot_h + 52
    for i, (title, likelihood, impact, loss) in enumerate(risks, start=1):
        cx, cy = left + plot_w * likelihood, top + plot_h - plot_h * impact / max_impact
        radius = 5 + 14 * math.sqrt(loss / max_loss)
        body.append(
            _el("circle", cx=cx, cy=cy, r=radius, fill=LOSS, fill_opacity=0.92, stroke="#ffffff")
        )
        body.append(_text(cx, cy + 4.5, str(i), 12, "middle", 700, "#ffffff"))
        for j, line in enumerate(_wrap(f"{i}  {title}: {money(loss)} {_('a year')}")):
            body.append(_text(14 if j else 0, legend_y, line, 12))
            legend_y += 15
        legend_y += 2
    desc = "; ".join(
        f"{t}: {round(lk * 100)}% {_('a year')}, {_('impact')} {money(im)}, "
        f"{_('expected loss')} {money(lo)} {_('a year')}"
        for t, lk, im, lo in risks
    )
    return _svg(legend_y, _("Risks by likelihood and impact"), desc, body, "risks")


def payback_chart(
    net_by_month: Sequence[float], payback: float | None, money: Money, _: Gettext = _english,
    number: Callable[[float, int], str] = lambda x, d: f"{x:.{d}f}",
) -> Markup:  # fmt: skip
    """Cumulative net value month by month, as computed: the cost up front, then the gain as
    it ramps up with the people trained."""
    left, top, plot_w, plot_h = 64, 12, WIDTH - 64 - 16, 120
    months = len(net_by_month) - 1
    start, final = net_by_month[0], net_by_month[-1]
    low, high = min(min(net_by_month), 0.0), max(max(net_by_month), 0.0)
    span = (high - low) or 1.0

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / span

    def x_of(month: float) -> float:
        return left + plot_w * month / months

    zero = y_of(0)
    body = [_el("path", d=f"M{left} {zero:.1f}H{left + plot_w}", stroke="currentColor")]
    for value in (low, 0.0, high):
        if value == 0 or abs(y_of(value) - zero) >= 14:  # keep labels apart
            body.append(_text(left - 6, y_of(value) + 4, short_money(value, money), 11, "end"))
    tick = 3 if months <= 24 else 6 if months <= 48 else 12
    for m in range(0, months + 1, tick):
        body.append(_el("path", d=f"M{x_of(m):.1f} {top + plot_h}v4", stroke=GRID))
        body.append(_text(x_of(m), top + plot_h + 17, str(m), 11, "middle"))
    body.append(
        _text(left + plot_w / 2, top + plot_h + 34, _("Months from the start"), 12, "middle", 600)
    )
    points = " ".join(f"{x_of(m):.1f} {y_of(v):.1f}" for m, v in enumerate(net_by_month))
    body.append(_el("path", d=f"M{points}", stroke=GAIN, stroke_width=3, fill="none"))
    desc = _("Starts at {start}; reaches {end} after {months} months").format(
        start=money(start), end=money(final), months=months
    )
    if payback is not None and 0 < payback <= months:
        px = x_of(payback)
        body.append(_el("circle", cx=px, cy=zero, r=5, fill=GAIN))
        # Where the rising line is not: below the zero line to the right of the point, or,
        # near the right edge, above it to the left.
        right = px < left + plot_w * 0.55
        x, y, anchor = (px + 8, zero + 18, "start") if right else (px - 8, zero - 8, "end")
        paid = _("Paid back after {months} months").format(months=number(payback, 1))
        body.append(_text(x, y, paid, 12, anchor, 600))
        desc += "; " + paid
    return _svg(top + plot_h + 42, _("Payback over time"), desc, body, "payback")


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`."""
    power: float = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def short_money(value: float, money: Money) -> str:
    """Axis labels: $1.5M, $250k."""
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if magnitude >= 1_000_000:
        millions = f"{magnitude / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return sign + money(0).replace("0", millions, 1) + "M"
    if magnitude >= 1_000:
        return sign + money(round(magnitude / 1_000)) + "k"
    return sign + money(magnitude)


def timeline_chart(phases: Sequence[tuple[str, float, float]], _: Gettext = _english) -> Markup:
    """The plan's phases end to end, each a bar from its first to its last week; the first
    (the pilot) stands out."""
    total = max([end for _label, _start, end in phases] + [1.0])
    left, right = 8, 16  # room for the first and last week's label
    span = WIDTH - left - right
    body: list[str] = []
    y = 6.0
    for i, (label, start, end) in enumerate(phases):
        for line in _wrap(f"{i + 1}. {label}"):
            body.append(_text(left, y + 12, line))
            y += 14
        y += 3
        x, width = left + span * start / total, max(span * (end - start) / total, 2.0)
        body.append(
            _el("rect", x=x, y=y, width=width, height=12, rx=2, fill=GAIN if i == 0 else TRAINING)
        )
        y += 22
    tick = nice_step(total / 6)
    week = 0.0
    while week <= total + 1e-9:
        x = left + span * week / total
        body.append(_el("path", d=f"M{x:.1f} {y - 6:.1f}v4", stroke=GRID))
        body.append(_text(x, y + 8, f"{week:g}", 11, "middle"))
        week += tick
    body.append(_text(left + span / 2, y + 24, _("Weeks from the start"), 12, "middle", 600))
    desc = "; ".join(f"{label}: {_('weeks')} {start:g}–{end:g}" for label, start, end in phases)
    return _svg(y + 30, _("The plan, phase by phase"), desc, body, "timeline")
