"""The impact map: what people learn -> what they do at the moment that matters -> the
results it leads to -> the goals those serve, four columns of boxes joined by lines.

It is wider than the other charts: four columns of words side by side, drawn full width
on the site (up to 48 rem) and in the handout (180 mm: its 14-unit text prints at
14 x 180 mm / 800 = 8.9 pt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from buildcase.render.charts.svg import (
    GAIN,
    GRID,
    LINE,
    TEXT,
    TRAINING,
    Gettext,
    chart_svg,
    element,
    text_element,
    text_width,
    untranslated,
    wrapped_lines,
)

MAP_WIDTH = 800
# The columns: (left, width) in user units, with room between them for the connecting
# lines to be seen.
_MAP_COLUMNS = ((0.0, 160.0), (188.0, 270.0), (494.0, 140.0), (660.0, 140.0))
_MAP_PAD = 5.0  # the text's inset in its box
_MAP_GAP = 10.0  # between boxes of a column

Lines = list[tuple[str, int]]  # a box's wrapped lines: (text, weight) for each


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


@dataclass(frozen=True)
class _Column:
    """The boxes of one column as result_column: each box's top and height."""

    tops: list[float]
    heights: list[float]

    @property
    def centres(self) -> list[float]:
        return [t + h / 2 for t, h in zip(self.tops, self.heights, strict=True)]

    @property
    def bottoms(self) -> list[float]:
        return [t + h for t, h in zip(self.tops, self.heights, strict=True)]


def impact_map(
    behaviours: Sequence[MapBehaviour],
    results: Sequence[MapResult],
    goals: Sequence[str],
    _: Gettext = untranslated,
    colour: str = TRAINING,
) -> Markup:
    """The impact map: what people learn -> what they do at the moment that matters ->
    the results it leads to -> the goals those serve, in four columns joined by lines.
    What people do and the results it leads to are outlined in `colour` (the proposal's,
    `colours.neutral_colour`); the goals, the gain the map ends on, in green."""
    body, top = _headers(_)
    rows, y = _behaviour_rows(behaviours, top)
    to_results, to_goals = [b.results for b in behaviours], [r.goals for r in results]
    result_lines = [_map_lines(2, [(r.title, 400)]) for r in results]
    result_column = _stacked(result_lines, _wanted(rows, to_results, len(results)), top)
    goal_lines = [_map_lines(3, [(g, 400)]) for g in goals]
    goal_column = _stacked(goal_lines, _wanted(result_column, to_goals, len(goals)), top)
    links = [
        *_links(rows, result_column, to_results, 1, colour),
        *_links(result_column, goal_column, to_goals, 2, GAIN),
    ]
    body += _behaviour_boxes(behaviours, rows, colour)
    for k, lines in enumerate(result_lines):
        body += _map_box(2, result_column.tops[k], lines, colour)
    for j, lines in enumerate(goal_lines):
        body += _map_box(3, goal_column.tops[j], lines, GAIN)
    height = max([y - _MAP_GAP, *result_column.bottoms, *goal_column.bottoms])
    desc = _description(behaviours, results, goals, _)
    body = [*reversed(links), *body]  # the lines under the boxes, the last drawn lowest
    return chart_svg(height + 2, _title(behaviours, _), desc, body, "impact", MAP_WIDTH)


def _headers(_: Gettext) -> tuple[list[str], float]:
    """The four columns' titles; and the top of the first box, under the longest."""
    headers = [_("Learn"), _("Do, at the moment that matters"), _("Results"), _("Goals")]
    head_lines = [_map_lines(i, [(h, 600)]) for i, h in enumerate(headers)]
    body: list[str] = []
    for i, lines in enumerate(head_lines):
        for k, (line, weight) in enumerate(lines):
            body.append(text_element(_MAP_COLUMNS[i][0], 13 + k * LINE, line, TEXT, weight=weight))
    return body, max(len(lines) for lines in head_lines) * LINE + 8.0


def _learn_and_do(b: MapBehaviour) -> tuple[Lines, Lines]:
    """A behaviour's two boxes: what is learned, and who does what when."""
    learn = _map_lines(0, [(b.learns or "–", 400)])
    do = _map_lines(1, [(b.who, 600), (b.moment, 400), ("→ " + b.action, 400)])
    return learn, do


def _behaviour_rows(behaviours: Sequence[MapBehaviour], top: float) -> tuple[_Column, float]:
    """The behaviours one under another from `top`, each row as tall as its taller box;
    and the y below the last row's gap."""
    tops, heights = [], []
    y = top
    for b in behaviours:
        learn, do = _learn_and_do(b)
        tops.append(y)
        heights.append(max(_box_height(learn), _box_height(do)))
        y += heights[-1] + _MAP_GAP
    return _Column(tops, heights), y


def _behaviour_boxes(behaviours: Sequence[MapBehaviour], rows: _Column, colour: str) -> list[str]:
    """Each behaviour's two boxes, side by side, joined by a line at their middle; what is
    done outlined in `colour`."""
    body: list[str] = []
    for b, y, centre in zip(behaviours, rows.tops, rows.centres, strict=True):
        learn, do = _learn_and_do(b)
        body += _map_box(0, y, learn, GRID)
        body += _map_box(1, y, do, colour)
        body.append(_link(_MAP_COLUMNS[0][0] + _MAP_COLUMNS[0][1], centre, _MAP_COLUMNS[1][0],
                          centre, GRID))  # fmt: skip
    return body


def _stacked(lines: list[Lines], wanted: list[float], top: float) -> _Column:
    """Boxes that want to be centred at `wanted`, in that order, from `top` down, never
    overlapping."""
    heights = [_box_height(box) for box in lines]
    tops: list[float] = [0.0] * len(wanted)
    floor = top
    for i in sorted(range(len(wanted)), key=lambda i: wanted[i]):
        tops[i] = max(wanted[i] - heights[i] / 2, floor)
        floor = tops[i] + heights[i] + _MAP_GAP
    return _Column(tops, heights)


def _links(
    sources: _Column, targets: _Column, leads_to: list[tuple[int, ...]], column: int, stroke: str
) -> list[str]:
    """The lines from each box of `column` to the boxes of the next it leads to, in drawing
    order. Each leaves its box and enters the next at its own height, spread around the
    box's middle, so that lines sharing a box stay apart and each can be followed."""
    into = _ends([k for ks in leads_to for k in ks], len(targets.tops))
    start = _MAP_COLUMNS[column][0] + _MAP_COLUMNS[column][1]
    links = []
    for i, ks in enumerate(leads_to):
        for n, k in enumerate(ks):
            y1 = sources.centres[i] + _spread(n, len(ks), sources.heights[i])
            y2 = targets.centres[k] + _spread(*into.pop(0), targets.heights[k])
            links.append(_link(start, y1, _MAP_COLUMNS[column + 1][0], y2, stroke))
    return links


def _map_lines(column: int, parts: Sequence[tuple[str, int]]) -> Lines:
    """The wrapped lines of a box in `column`: (text, weight) for each."""
    width = _MAP_COLUMNS[column][1] - 2 * _MAP_PAD
    return [
        (line, weight)
        for text, weight in parts
        if text
        for line in wrapped_lines(" ".join(_broken(text, width, weight)), width, TEXT, weight)
    ]


def _broken(text: str, width: float, weight: int) -> list[str]:
    """The words of `text`, each word wider than a box's line broken into pieces that fit,
    every piece but the last ending in a hyphen: a German compound such as
    "Konsumentenkreditbeschwerden" would otherwise run out of its box and be clipped."""
    pieces: list[str] = []
    for word in text.split(" "):
        while text_width(word, TEXT, weight) > width and len(word) > 2:
            cut = _longest_piece(word, width, weight)
            pieces.append(word[:cut] + "-")
            word = word[cut:]
        pieces.append(word)
    return pieces


def _longest_piece(word: str, width: float, weight: int) -> int:
    """How many letters of `word`, with a hyphen after them, fit `width` (two at least)."""
    fits = [n for n in range(2, len(word)) if text_width(word[:n] + "-", TEXT, weight) <= width]
    return max(fits, default=2)


def _map_box(column: int, y: float, lines: Lines, stroke: str) -> list[str]:
    """A box of `column` at `y`, outlined in `stroke`, and its lines."""
    x, width = _MAP_COLUMNS[column]
    body = [
        element("rect", x=x + 0.75, y=y, width=width - 1.5, height=_box_height(lines), rx=4,
                fill="none", stroke=stroke, stroke_width=1.5)
    ]  # fmt: skip
    for k, (line, weight) in enumerate(lines):
        body.append(
            text_element(x + _MAP_PAD, y + _MAP_PAD + 12 + k * LINE, line, TEXT, weight=weight)
        )
    return body


def _box_height(lines: Lines) -> float:
    return 2 * _MAP_PAD + len(lines) * LINE


def _wanted(sources: _Column, leads_to: list[tuple[int, ...]], count: int) -> list[float]:
    """Where each of the `count` boxes of the next column would like to sit: level with the
    middle of the boxes of `sources` that lead to it (the top, 0, when none does)."""
    return [
        _mean_of([sources.centres[i] for i, ks in enumerate(leads_to) if k in ks])
        for k in range(count)
    ]


def _mean_of(centres: list[float]) -> float:
    return sum(centres) / max(len(centres), 1)


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
    """A line from (x1, y1) to (x2, y2), leaving and arriving level."""
    bend = (x2 - x1) / 2
    d = f"M{x1:.2f} {y1:.2f}C{x1 + bend:.2f} {y1:.2f} {x2 - bend:.2f} {y2:.2f} {x2:.2f} {y2:.2f}"
    return element("path", d=d, fill="none", stroke=stroke, stroke_width=1.5)


def _title(behaviours: Sequence[MapBehaviour], _: Gettext) -> str:
    return _("What people will do differently") + ": " + "; ".join(b.action for b in behaviours)


def _description(
    behaviours: Sequence[MapBehaviour], results: Sequence[MapResult], goals: Sequence[str],
    _: Gettext,
) -> str:  # fmt: skip
    """The map's text alternative: each behaviour and what it leads to, then which goals
    each result serves."""
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
    return desc + (". " + served if served else "")
