"""Charts as small static SVG, the same in the site and in the handout.

Why our own module rather than a plotting library: the charts are bars, whiskers, bubbles
and one line; matplotlib would add tens of megabytes and half a second of import to every
build, and writes its text as paths that neither a screen reader nor a PDF text search can
read. These charts keep real text, use only what WeasyPrint draws well (flat fills,
presentation attributes, `font-family`/`font-size`, never the `font:` shorthand), draw
text in `currentColor` so the site's dark palette keeps them legible, and carry a `<title>`
and `<desc>` as their text alternative.

Size: every chart is `width="100%"` of its column with a `viewBox` `WIDTH` (480) units
wide and no height of its own (the height follows from the viewBox), so its text scales
with the width it is given: text `s` units tall shows at `s * rendered_width / WIDTH` px.
Every text is `SMALL` = `TEXT` = 14 units (values and titles bold), so at 480 CSS px wide
(127 mm) the smallest text is 14 px (10.5 pt). In print, 7 pt (9.33 px) needs at least
`WIDTH * 9.33 / 14` = 320 px = 84.7 mm of width, 8 pt 96.8 mm: `width_for(points)` gives
it in CSS px. On the site, a column of 640-1000 px shows the text at 18.7-29 px.
The one exception is the impact map, `MAP_WIDTH` (800) units wide: four columns of words
need the room. Its smallest text is 14 px at 800 CSS px wide (the site shows it up to
48 rem), and in the handout, 148 mm wide, it prints at 14 x 148 / 800 mm = 7.3 pt.

Honest scales: A bubble's *area* is proportional to its value (no floor on the radius:
a bubble too small to hold its number has the number beside it); percentages sit on a
0-100% axis that is drawn; every axis has a title; a one-off amount and yearly amounts say
which each is; the payback line ends at the net value the table beside it gives.

Not in the search index: The `<svg>` carries `data-search-exclude`, which Material for
MkDocs' search plugin honours on any element of a page's HTML (raw HTML needs no
`attr_list`): tick labels would otherwise reach the index as one mashed word.

Text never breaks inside a value ("65% ± 1.7 pts"): lines are wrapped at spaces by an
estimate of Inter's widths that errs wide, with the values kept whole.

Charts belong to the render stage: they lay out figures that compute has produced.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

WIDTH = 480  # the viewBox's width, in user units (= CSS px when the chart is 480 px wide)
TEXT = 14  # labels, values and axis titles (values and titles bold)
LINE = 17  # the height of a line of text
SMALL = 14  # tick labels: the smallest text of every chart
FONT_FAMILY = "Inter, Helvetica, Arial, sans-serif"
TRAINING, LOSS, GAIN, GRID = "#3949ab", "#b71c1c", "#1b7f5c", "#c9ced8"
BUBBLE = 26.0  # the largest bubble's radius; the others by the square root of their value
NBSP = "\u00a0"  # keeps a value whole when a label is wrapped

Money = Callable[[float], str]
Gettext = Callable[[str], str]


def width_for(points: float) -> float:
    """The width in CSS px (1/96 in) a chart needs for its smallest text to be `points` pt."""
    return WIDTH * points * 96 / 72 / SMALL


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
        f" {name.rstrip('_').replace('_', '-')}={quoteattr(_number(value))}"
        for name, value in attrs.items()
    )
    return f"<{tag}{rendered}>{content}</{tag}>" if content else f"<{tag}{rendered}/>"


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _text(x: float, y: float, text: str, size: int = TEXT, anchor: str = "start",
          weight: int = 400, fill: str = "currentColor") -> str:  # fmt: skip
    return _el(
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


def _svg(
    height: float, title: str, desc: str, body: list[str], slug: str, width: int = WIDTH
) -> Markup:
    # Ids from the content, not a counter: the same chart gets the same ids in every build.
    n = hashlib.sha1("".join([title, desc, *body]).encode()).hexdigest()[:8]
    title_id, desc_id = f"chart-{slug}-{n}-title", f"chart-{slug}-{n}-desc"
    return Markup(
        f'<svg class="bc-chart bc-chart--{slug}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {math.ceil(height)}" width="100%" data-search-exclude="" '
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


def _wrap(text: str, width: float = WIDTH, size: float = TEXT, weight: int = 400) -> list[str]:
    """Split text into lines no wider than `width` units, at (breaking) spaces only."""
    lines: list[str] = []
    for word in text.split(" "):
        if not word:
            continue
        if lines and text_width(lines[-1] + " " + word, size, weight) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _grid_x(xs: Sequence[float], y1: float, y2: float) -> str:
    """Light vertical grid lines at `xs`, from y1 to y2."""
    d = "".join(f"M{x:.2f} {y1:.2f}V{y2:.2f}" for x in xs)
    return _el("path", d=d, stroke=GRID, stroke_dasharray="3 3", fill="none")


def bar_chart(bars: Sequence[Bar], title: str, slug: str, scale_max: float | None = None,
              axis: str = "", ticks: Callable[[float], str] | None = None) -> Markup:  # fmt: skip
    """Horizontal bars, each under its label, its value beside its end (inside the bar,
    in white, where there is no room beside it); a whisker from low to high where a
    value is a range. Below, the axis from 0 to `scale_max` (or the largest value, rounded
    up to a round step), its ticks written by `ticks`, and its title `axis`."""
    left, right, bar_height = 4.0, 22.0, 18
    span = WIDTH - left - right
    largest = max([b.whisker[1] if b.whisker else b.value for b in bars] + [1e-9])
    if scale_max is None:
        step = nice_step(largest / 4)
        scale_max = step * math.ceil(largest / step - 1e-9)
    else:
        step = scale_max / 4
    count = round(scale_max / step)
    tick_xs = [left + span * i / count for i in range(count + 1)]

    def x_of(value: float) -> float:
        return left + span * value / scale_max

    body: list[str] = []
    y = 4.0
    for bar in bars:
        for line in _wrap(bar.label, WIDTH - left):
            body.append(_text(left, y + 13, line))
            y += LINE
        y += 3
        body.append(_grid_x(tick_xs[1:], y - 2, y + bar_height + 2))
        length = max(x_of(bar.value) - left, 1.5)
        body.append(_el("rect", x=left, y=y, width=length, height=bar_height, fill=bar.color, rx=2))
        end = left + length
        inside_end = end - 6
        if bar.whisker:
            x1, x2 = x_of(bar.whisker[0]), x_of(bar.whisker[1])
            mid = y + bar_height / 2
            if bar.whisker[1] > bar.whisker[0]:  # a range of none (a census) is said, not drawn
                whisker = (
                    f"M{x1:.2f} {mid:.2f}H{x2:.2f}M{x1:.2f} {mid - 8:.2f}v16"
                    f"M{x2:.2f} {mid - 8:.2f}v16"
                )
                body.append(
                    _el("path", d=whisker, stroke="currentColor", stroke_width=2, fill="none")
                )
                end, inside_end = max(end, x2), min(inside_end, x1 - 6)
        value_width = text_width(bar.text, TEXT, 700)
        baseline = y + bar_height / 2 + 5
        if end + 8 + value_width <= WIDTH:
            body.append(_text(end + 8, baseline, bar.text, TEXT, weight=700))
        elif inside_end - value_width >= left + 4:
            body.append(_text(inside_end, baseline, bar.text, TEXT, "end", 700, "#ffffff"))
        else:  # no room beside the bar nor in it: on a line of its own, under it
            body.append(_text(left, y + bar_height + LINE, bar.text, TEXT, weight=700))
            y += LINE + 2
        y += bar_height + 9
    # the axis
    body.append(_el("path", d=f"M{left} {y - 6:.2f}H{WIDTH - right}", stroke=GRID, fill="none"))
    write = ticks or (lambda v: f"{v:g}")
    for i, x in enumerate(tick_xs):
        body.append(_el("path", d=f"M{x:.2f} {y - 6:.2f}v5", stroke="currentColor", fill="none"))
        label = write(step * i)
        anchor, half = "middle", text_width(label, SMALL) / 2
        if x - half < 0:
            x, anchor = 0.0, "start"
        elif x + half > WIDTH:
            x, anchor = float(WIDTH), "end"
        body.append(_text(x, y + 12, label, SMALL, anchor))
    y += 14
    if axis:
        for line in _wrap(axis, WIDTH, TEXT, 600):
            body.append(_text(left + span / 2, y + 17, line, TEXT, "middle", 600))
            y += LINE + 1
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return _svg(y + 8, title, desc, body, slug)


def risk_chart(
    risks: Sequence[tuple[str, float, float, float]], money: Money, _: Gettext = _english,
    compact: Money | None = None,
) -> Markup:  # fmt: skip
    """Risks by likelihood (across) and impact (up); a bubble's area is its expected loss.

    `risks` holds (title, likelihood 0..1, impact, expected loss) per risk. Each bubble
    carries its number, inside it or, where it is too small to hold it, beside it; below
    the plot each number is listed with its risk and its expected loss.
    """
    step = nice_step(max([r[2] for r in risks] + [1.0]) * 1.1 / 4)
    max_impact, max_loss = step * 4, max([r[3] for r in risks] + [1e-9])
    tick_labels = [(compact or money)(step * i) for i in range(5)]
    left = 8 + max(text_width(t, SMALL) for t in tick_labels)
    top, right = 24 + BUBBLE / 2, BUBBLE + 2
    plot_w, plot_h = WIDTH - left - right, 150
    body = [_text(0, 14, _("Impact if it happens"), TEXT, weight=600)]
    body.append(_el("rect", x=left, y=top, width=plot_w, height=plot_h, fill="none", stroke=GRID))
    for i in range(5):
        x, y = left + plot_w * i / 4, top + plot_h - plot_h * i / 4
        if 0 < i < 4:
            grid = f"M{x:.2f} {top}V{top + plot_h}M{left:.2f} {y:.2f}H{left + plot_w:.2f}"
            body.append(_el("path", d=grid, stroke=GRID, stroke_dasharray="3 3", fill="none"))
        body.append(_text(x, top + plot_h + 18, f"{i * 25}%", SMALL, "middle"))
        body.append(_text(left - 6, y + 5, tick_labels[i], SMALL, "end"))
    body.append(
        _text(left + plot_w / 2, top + plot_h + 37, _("Likelihood per year"), TEXT, "middle", 600)
    )
    numbered = list(enumerate(risks, start=1))
    # the largest first, so that a small bubble is never hidden under a large one
    for i, (_title, likelihood, impact, loss) in sorted(numbered, key=lambda r: -r[1][3]):
        cx, cy = left + plot_w * likelihood, top + plot_h - plot_h * impact / max_impact
        radius = BUBBLE * math.sqrt(max(loss, 0.0) / max_loss)
        body.append(
            _el(
                "circle",
                cx=cx,
                cy=cy,
                r=radius,
                fill=LOSS,
                fill_opacity=0.92,
                stroke="#ffffff",
                stroke_width=1,
            )
        )
        if radius >= 11:
            body.append(_text(cx, cy + 5, str(i), SMALL, "middle", 700, "#ffffff"))
        else:  # too small to hold its number: the number beside it, on the side with room
            if cx + radius + 16 <= left + plot_w:
                body.append(_text(cx + radius + 4, cy + 5, str(i), SMALL, "start", 700))
            else:
                body.append(_text(cx - radius - 4, cy + 5, str(i), SMALL, "end", 700))
    y = top + plot_h + 50
    for i, (title, _likelihood, _impact, loss) in numbered:
        body.append(_el("circle", cx=10, cy=y + 8.5, r=10, fill=LOSS))
        body.append(_text(10, y + 13.5, str(i), SMALL, "middle", 700, "#ffffff"))
        text = f"{title}: {whole(money(loss) + ' ' + _('a year'))}"
        for line in _wrap(text, WIDTH - 28):
            body.append(_text(28, y + 13, line))
            y += LINE
        y += 5
    desc = "; ".join(
        f"{t}: {round(lk * 100)}% {_('a year')}, {_('impact')} {money(im)}, "
        f"{_('expected loss')} {money(lo)} {_('a year')}"
        for t, lk, im, lo in risks
    )
    return _svg(y, _("Risks by likelihood and impact"), desc, body, "risks")


def payback_chart(
    net_by_month: Sequence[float], payback: float | None, money: Money, _: Gettext = _english,
    number: Callable[[float, int], str] = lambda x, d: f"{x:.{d}f}",
    horizon: int | None = None, axis: str = "", compact: Money | None = None,
) -> Markup:  # fmt: skip
    """Cumulative net value month by month, as computed: the cost up front, then the gain as
    it ramps up with the people trained.

    The solid line runs to `horizon` (months; the end of the series where not given) and
    ends at the net value over it, labelled; where the series runs on past the horizon (to
    show a payback after it), the rest is dashed. `axis` names the basis (discounted or
    not) above the plot."""
    months = len(net_by_month) - 1
    horizon = months if horizon is None else max(0, min(horizon, months))
    start, final = net_by_month[0], net_by_month[horizon]
    step = nice_step((max(max(net_by_month), 0.0) - min(min(net_by_month), 0.0)) / 4 or 1.0)
    low = step * math.floor(min(min(net_by_month), 0.0) / step + 1e-9)
    high = step * math.ceil(max(max(net_by_month), 0.0) / step - 1e-9)
    top, right, plot_h = 30, 14, 130
    if (high - final) / ((high - low) or 1.0) * plot_h < LINE + 4:  # room for the end's label
        high += step
    span = (high - low) or 1.0
    values = [low + step * i for i in range(round(span / step) + 1)]
    axis_money = compact or money  # the axis's short form: "$1.5M", "1,5 Mio. €"
    left = 8 + max(text_width(axis_money(v), SMALL) for v in values)
    plot_w = WIDTH - left - right

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / span

    def x_of(month: float) -> float:
        return left + plot_w * month / (months or 1)

    zero = y_of(0)
    body = [_text(0, 14, axis or _("Net value so far"), TEXT, weight=600)]
    for value in values:
        y = y_of(value)
        if value != 0:
            grid = f"M{left:.2f} {y:.2f}H{left + plot_w:.2f}"
            body.append(_el("path", d=grid, stroke=GRID, stroke_dasharray="3 3", fill="none"))
        body.append(_text(left - 6, y + 5, axis_money(value), SMALL, "end"))
    body.append(
        _el(
            "path",
            d=f"M{left:.2f} {zero:.2f}H{left + plot_w:.2f}",
            stroke="currentColor",
            fill="none",
        )
    )
    tick = 3 if months <= 24 else 6 if months <= 48 else 12
    for m in range(0, months + 1, tick):
        body.append(
            _el("path", d=f"M{x_of(m):.2f} {top + plot_h}v5", stroke="currentColor", fill="none")
        )
        body.append(_text(x_of(m), top + plot_h + 19, str(m), SMALL, "middle"))
    body.append(
        _text(left + plot_w / 2, top + plot_h + 38, _("Months from the start"), TEXT, "middle", 600)
    )
    solid = " ".join(
        f"{x_of(m):.2f} {y_of(v):.2f}" for m, v in enumerate(net_by_month[: horizon + 1])
    )
    body.append(
        _el(
            "path",
            d=f"M{solid}",
            stroke=GAIN,
            stroke_width=3,
            fill="none",
            stroke_linejoin="round",
            class_="bc-chart__net",
        )
    )
    if horizon < months:
        after = " ".join(
            f"{x_of(m):.2f} {y_of(v):.2f}" for m, v in enumerate(net_by_month) if m >= horizon
        )
        body.append(
            _el(
                "path",
                d=f"M{after}",
                stroke=GAIN,
                stroke_width=3,
                stroke_dasharray="6 5",
                fill="none",
            )
        )
        body.append(
            _el(
                "path",
                d=f"M{x_of(horizon):.2f} {top}V{top + plot_h}",
                stroke="currentColor",
                stroke_dasharray="2 3",
                fill="none",
            )
        )
    # direct labels: the cost up front, and the net value at the horizon
    body.append(_circle_label(x_of(0), y_of(start)))
    body.append(_text(x_of(0) + 8, y_of(start) - 9, money(start), TEXT, "start", 700))
    end_x, end_y = x_of(horizon), y_of(final)
    body.append(_circle_label(end_x, end_y))
    # above the end, to its left: the line rises to it from below
    body.append(_text(end_x, end_y - 10, money(final), TEXT, "end", 700))
    desc = _("Starts at {start}; reaches {end} after {months} months").format(
        start=money(start), end=money(final), months=horizon
    )
    if payback is not None and 0 < payback <= months:
        px = x_of(payback)
        body.append(_el("circle", cx=px, cy=zero, r=6, fill=GAIN))
        paid = _("Paid back after {months} months").format(months=number(payback, 1))
        width = text_width(paid, TEXT, 600)
        # Where the rising line is not: below the zero line to the right of the point, or,
        # where that has no room, above it to the left.
        # Above it to the left would meet the end's label when both are at the right: then
        # the plot's top left corner, which the line (rising from below zero) never reaches.
        end_label = (end_x - text_width(money(final), TEXT, 700), end_y - 10 - TEXT)
        above_right = max(px - 10, left + width)
        meets_end = (
            above_right > end_label[0]
            and zero - 10 > end_label[1]
            and (zero - 10 - TEXT < end_y - 10)
        )
        if px + 10 + width <= WIDTH and zero + 22 <= top + plot_h:
            body.append(_text(px + 10, zero + 19, paid, TEXT, "start", 600))
        elif meets_end:
            body.append(_text(left + 8, top + TEXT + 4, paid, TEXT, "start", 600))
        else:
            body.append(_text(above_right, zero - 10, paid, TEXT, "end", 600))
        desc += "; " + paid
    return _svg(top + plot_h + 46, _("Payback over time"), desc, body, "payback")


def _circle_label(x: float, y: float) -> str:
    return _el("circle", cx=x, cy=y, r=4.5, fill=GAIN)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least `raw`."""
    power: float = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def timeline_chart(phases: Sequence[tuple[str, float, float]], _: Gettext = _english) -> Markup:
    """The plan's phases end to end, each a bar from its first to its last week; the first
    (the pilot) stands out."""
    total = max([end for _label, _start, end in phases] + [1.0])
    left, right = 10, 20  # room for the first and last week's label
    span = WIDTH - left - right
    body: list[str] = []
    y = 4.0
    for i, (label, start, end) in enumerate(phases):
        for line in _wrap(f"{i + 1}. {label}", WIDTH - left):
            body.append(_text(left, y + 13, line))
            y += LINE
        y += 3
        x, width = left + span * start / total, max(span * (end - start) / total, 2.0)
        body.append(
            _el("rect", x=x, y=y, width=width, height=14, rx=2, fill=GAIN if i == 0 else TRAINING)
        )
        y += 24
    tick = nice_step(total / 6)
    week = 0.0
    body.append(_el("path", d=f"M{left} {y - 6:.2f}H{WIDTH - right}", stroke=GRID, fill="none"))
    while week <= total + 1e-9:
        x = left + span * week / total
        body.append(_el("path", d=f"M{x:.2f} {y - 6:.2f}v5", stroke="currentColor", fill="none"))
        body.append(_text(x, y + 12, f"{week:g}", SMALL, "middle"))
        week += tick
    body.append(_text(left + span / 2, y + 30, _("Weeks from the start"), TEXT, "middle", 600))
    desc = "; ".join(f"{label}: {_('weeks')} {start:g}–{end:g}" for label, start, end in phases)
    return _svg(y + 36, _("The plan, phase by phase"), desc, body, "timeline")


# The impact map is wider than the other charts: four columns of words side by side, drawn
# full width on the site (up to 48 rem) and in the handout (180 mm: its 14-unit text prints at
# 14 x 180 mm / 800 = 8.9 pt). Its columns: (left, width) in user units, with room between
# them for the connecting lines to be seen.
MAP_WIDTH = 800
_MAP_COLUMNS = ((0.0, 160.0), (188.0, 270.0), (494.0, 140.0), (660.0, 140.0))
_MAP_PAD = 5.0  # the text's inset in its box
_MAP_GAP = 10.0  # between boxes of a column


@dataclass(frozen=True)
class MapBehaviour:
    """One line of the impact map, as plain text: what is learned, who does what when, and
    the indices (into the results) of what it leads to."""

    learns: str
    who: str
    moment: str
    action: str
    results: tuple[int, ...]


@dataclass(frozen=True)
class MapResult:
    title: str
    goals: tuple[int, ...]  # indices into the goals


def _map_lines(column: int, parts: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The wrapped lines of a box in `column`: (text, weight) for each."""
    width = _MAP_COLUMNS[column][1] - 2 * _MAP_PAD
    return [
        (line, weight)
        for text, weight in parts
        if text
        for line in _wrap(text, width, TEXT, weight)
    ]


def _map_box(column: int, y: float, lines: list[tuple[str, int]], stroke: str) -> list[str]:
    x, width = _MAP_COLUMNS[column]
    body = [
        _el("rect", x=x + 0.75, y=y, width=width - 1.5, height=_box_height(lines), rx=4,
            fill="none", stroke=stroke, stroke_width=1.5)
    ]  # fmt: skip
    for k, (line, weight) in enumerate(lines):
        body.append(_text(x + _MAP_PAD, y + _MAP_PAD + 12 + k * LINE, line, TEXT, weight=weight))
    return body


def _box_height(lines: list[tuple[str, int]]) -> float:
    return 2 * _MAP_PAD + len(lines) * LINE


def _mean_of(centres: list[float]) -> float:
    """Where a box would like to sit: level with the middle of the boxes that lead to it
    (the top, 0, when none does)."""
    return sum(centres) / max(len(centres), 1)


def _stack(wanted: list[float], heights: list[float], top: float) -> list[float]:
    """Tops for boxes that want to be centred at `wanted`, in that order, never overlapping."""
    tops: list[float] = [0.0] * len(wanted)
    floor = top
    for i in sorted(range(len(wanted)), key=lambda i: wanted[i]):
        tops[i] = max(wanted[i] - heights[i] / 2, floor)
        floor = tops[i] + heights[i] + _MAP_GAP
    return tops


def _spread(n: int, count: int, height: float) -> float:
    """The offset from a box's middle of the n-th of `count` lines meeting its side."""
    step = min(8.0, (height - 2 * _MAP_PAD) / max(count, 1))
    return (n - (count - 1) / 2) * step


def _ends(targets: list[int], boxes: int) -> list[tuple[int, int]]:
    """For each line in drawing order, (its rank, how many) among the lines into its box."""
    seen = [0] * boxes
    ranks = []
    for t in targets:
        ranks.append(seen[t])
        seen[t] += 1
    return [(rank, seen[t]) for rank, t in zip(ranks, targets, strict=True)]


def _link(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    bend = (x2 - x1) / 2
    d = f"M{x1:.2f} {y1:.2f}C{x1 + bend:.2f} {y1:.2f} {x2 - bend:.2f} {y2:.2f} {x2:.2f} {y2:.2f}"
    return _el("path", d=d, fill="none", stroke=stroke, stroke_width=1.5)


def impact_map(
    behaviours: Sequence[MapBehaviour],
    results: Sequence[MapResult],
    goals: Sequence[str],
    _: Gettext = _english,
) -> Markup:
    """The impact map: what people learn -> what they do at the moment that matters ->
    the results it leads to -> the goals those serve, in four columns joined by lines."""
    headers = [_("Learn"), _("Do, at the moment that matters"), _("Results"), _("Goals")]
    head_lines = [_map_lines(i, [(h, 600)]) for i, h in enumerate(headers)]
    body: list[str] = []
    for i, lines in enumerate(head_lines):
        for k, (line, weight) in enumerate(lines):
            body.append(_text(_MAP_COLUMNS[i][0], 13 + k * LINE, line, TEXT, weight=weight))
    top = max(len(lines) for lines in head_lines) * LINE + 8.0
    y = top
    centres: list[float] = []
    for b in behaviours:
        learn = _map_lines(0, [(b.learns or "–", 400)])
        do = _map_lines(1, [(b.who, 600), (b.moment, 400), ("→ " + b.action, 400)])
        height = max(_box_height(learn), _box_height(do))
        body += _map_box(0, y, learn, GRID)
        body += _map_box(1, y, do, TRAINING)
        centre = y + height / 2
        body.append(_link(_MAP_COLUMNS[0][0] + _MAP_COLUMNS[0][1], centre, _MAP_COLUMNS[1][0],
                          centre, GRID))  # fmt: skip
        centres.append(centre)
        y += height + _MAP_GAP
    bottom = y
    result_lines = [_map_lines(2, [(r.title, 400)]) for r in results]
    result_heights = [_box_height(lines) for lines in result_lines]
    wanted = [_mean_of([centres[i] for i, b in enumerate(behaviours) if k in b.results])
              for k in range(len(results))]  # fmt: skip
    result_tops = _stack(wanted, result_heights, top)
    result_centres = [t + h / 2 for t, h in zip(result_tops, result_heights, strict=True)]
    goal_lines = [_map_lines(3, [(g, 400)]) for g in goals]
    goal_heights = [_box_height(lines) for lines in goal_lines]
    goal_wanted = [_mean_of([result_centres[k] for k, r in enumerate(results) if j in r.goals])
                   for j in range(len(goals))]  # fmt: skip
    goal_tops = _stack(goal_wanted, goal_heights, top)
    # Each line leaves its box and enters the next at its own height, spread around the
    # box's middle, so that lines sharing a box stay apart and each can be followed.
    into_result = _ends([k for b in behaviours for k in b.results], len(results))
    into_goal = _ends([j for r in results for j in r.goals], len(goals))
    heights = [max(_box_height(_map_lines(0, [(b.learns or "–", 400)])),
                   _box_height(_map_lines(1, [(b.who, 600), (b.moment, 400),
                                              ("→ " + b.action, 400)])))
               for b in behaviours]  # fmt: skip
    for i, b in enumerate(behaviours):
        for n, k in enumerate(b.results):
            y1 = centres[i] + _spread(n, len(b.results), heights[i])
            y2 = result_centres[k] + _spread(*into_result.pop(0), result_heights[k])
            body.insert(0, _link(_MAP_COLUMNS[1][0] + _MAP_COLUMNS[1][1], y1,
                                 _MAP_COLUMNS[2][0], y2, TRAINING))  # fmt: skip
    for k, r in enumerate(results):
        body += _map_box(2, result_tops[k], result_lines[k], TRAINING)
        for n, j in enumerate(r.goals):
            y1 = result_centres[k] + _spread(n, len(r.goals), result_heights[k])
            y2 = goal_tops[j] + goal_heights[j] / 2 + _spread(*into_goal.pop(0), goal_heights[j])
            body.insert(0, _link(_MAP_COLUMNS[2][0] + _MAP_COLUMNS[2][1], y1,
                                 _MAP_COLUMNS[3][0], y2, GAIN))  # fmt: skip
    for j in range(len(goals)):
        body += _map_box(3, goal_tops[j], goal_lines[j], GAIN)
    height = max(
        [bottom - _MAP_GAP]
        + [t + h for t, h in zip(result_tops, result_heights, strict=True)]
        + [t + h for t, h in zip(goal_tops, goal_heights, strict=True)]
    )
    desc = "; ".join(
        _("{who}, when {moment}: {action}").format(who=b.who, moment=b.moment, action=b.action)
        + (" (" + _("learns: {what}").format(what=b.learns) + ")" if b.learns else "")
        + ", "
        + _("leading to {results}").format(results=", ".join(results[k].title for k in b.results))
        for b in behaviours
    )
    served = "; ".join(
        _("{result} serves {goals}").format(
            result=r.title, goals=", ".join(goals[j] for j in r.goals)
        )
        for r in results
        if r.goals
    )
    title = _("What people will do differently") + ": " + "; ".join(b.action for b in behaviours)
    return _svg(
        height + 2, title, desc + (". " + served if served else ""), body, "impact", MAP_WIDTH
    )
