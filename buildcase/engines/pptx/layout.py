"""A slide's blocks laid out on a 16:9 PowerPoint slide: text, lists, tables, big figures
and facts as real, editable text, at the HTML deck's sizes (a pixel of its 1280 x 720
slide is 0.75 pt of the PowerPoint's 960 x 540), never under 18 pt. A slide's text is
measured before it is placed; where the blocks would not fit, every size shrinks together
(to 18 pt at the least), as the HTML deck's lists are shared between slides so that none
overflows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.shapes.shapetree import SlideShapes
from pptx.text.text import TextFrame, _Paragraph
from pptx.util import Pt

from buildcase.engines.pptx.reading import Block, Para, Run

WIDTH, HEIGHT = 960.0, 540.0  # the slide, in points: 13.333 x 7.5 in, 16:9
LEFT = 48.0  # the margin on either side
BOTTOM = 512.0  # where the body ends, above the "more below" line
INK, MUTED, SOFT, GAIN, LOSS = "1B1F2A", "4A5163", "F3F5F9", "1B6E3C", "A3261B"
FONT = "Arial"
MIN_TEXT = 18.0  # no text under it: read across a room
GAP = 14.0  # between blocks
# The average width of a character, as a share of its size (Arial, mixed text), bold wider.
_CHAR, _BOLD_CHAR, _LEADING = 0.49, 0.53, 1.2
_DIGITS = 0.6  # an amount's characters: digits are wider than the average letter

# A paragraph's size (pt) and look by its class in the HTML deck (deck.css, px x 0.75).
_TEXT = {
    "bc-title__action": (30, True, "primary"), "bc-title__meta": (19.5, False, "muted"),
    "bc-title__ask": (24, False, "ink"), "bc-decision__ask": (24, False, "ink"),
    "bc-reported__ask": (24, False, "ink"), "bc-aside": (21, False, "muted"),
    "bc-label": (19.5, True, "muted"), "bc-detail__text": (22.5, False, "ink"),
    "bc-decision__return": (21, False, "ink"), "bc-muted": (19.5, False, "muted"),
    "bc-more": (19.5, True, "primary"), "bc-reported__more": (21, False, "ink"),
    "bc-results__worked": (19.5, False, "muted"),
    # a list item's parts, a tile's lines, a definition list's terms and texts
    "bc-list__title": (24, True, "ink"), "bc-list__meta": (19.5, False, "muted"),
    "bc-list__amount": (24, True, "gain"), "bc-figure__value": (60, True, "primary"),
    "bc-figure__label": (21, False, "ink"), "bc-figure__source": (19.5, False, "muted"),
    "bc-big__label": (19.5, True, "muted"), "bc-big__value": (40, True, "ink"),
    "bc-big__note": (19.5, False, "muted"), "bc-kpi__metric": (22.5, True, "ink"),
    "bc-kpi__move": (48, True, "ink"), "bc-kpi__benefit": (21, False, "ink"),
    "bc-split__share": (33, True, "primary"), "bc-split__text": (19.5, False, "ink"),
    "dt": (19.5, True, "muted"), "dd": (22.5, False, "ink"),
}  # fmt: skip
_DEFAULT = (22.5, False, "ink")


def rgb(colour: str) -> RGBColor:
    """A hex colour (`3949AB`) as python-pptx takes one."""
    return cast(RGBColor, loose(RGBColor).from_string(colour))


def loose(thing: object) -> Any:
    """A python-pptx object whose methods have no type hints (1.0 types most of its API,
    not all of it: a chart's data, a fill, a new paragraph)."""
    return thing


@dataclass(frozen=True)
class Look:
    """A paragraph's size, weight and colour."""

    size: float
    bold: bool
    colour: str


@dataclass(frozen=True)
class Palette:
    primary: str
    accent: str

    def colour(self, name: str) -> str:
        named = {"primary": self.primary, "accent": self.accent, "muted": MUTED, "ink": INK}
        return named.get(name, {"gain": GAIN, "loss": LOSS}.get(name, INK))

    @property
    def soft(self) -> str:
        """The primary mixed nine parts to one with white: a tile's ground."""
        rgb = [int(self.primary[i : i + 2], 16) for i in (0, 2, 4)]
        return "".join(f"{round(c + (255 - c) * 0.9):02X}" for c in rgb)


def look(role: str, palette: Palette, scale: float = 1.0, style: str = "") -> Look:
    """The look of a paragraph of class `role`, its size times `scale` but never under
    18 pt; in a block of class `style` (a risk's amount is a loss, a table's heading
    muted)."""
    classes = role.split()
    size, bold, colour = next((_TEXT[c] for c in classes if c in _TEXT), _DEFAULT)
    if "bc-big--ask" in style and "bc-big__value" in classes:
        size, colour = 66, "primary"
    if "bc-decision__grid" in style and "bc-big__value" in classes:
        size = min(size, 36)
    if "bc-need--split" in style and "bc-figure__value" in classes:
        size = 42
    if "bc-list--risk" in style and "bc-list__amount" in classes:
        colour = "loss"
    if "bc-big--gain" in style and "bc-big__value" in classes:
        colour = "gain"
    if "bc-qa" in style:
        size, bold, colour = (22.5, True, "ink") if role == "dt" else (21, False, "ink")
    return Look(max(MIN_TEXT, size * scale), bold, palette.colour(colour))


def lines(text: str, size: float, width: float, bold: bool = False) -> int:
    """How many lines `text` takes at `size` in a box `width` points wide (an estimate on
    the wide side: a word is never split)."""
    per = (_BOLD_CHAR if bold else _CHAR) * size
    count = 0
    for hard in text.split("\v"):
        used, n = 0.0, 1
        for word in hard.split(" "):
            w = len(word) * per
            if used and used + per + w > width:
                n, used = n + 1, w
            else:
                used += (per if used else 0) + w
            while used > width:  # a word longer than the line
                n, used = n + 1, used - width
        count += n
    return count


def para_height(text: str, lk: Look, width: float) -> float:
    return lines(text, lk.size, width, lk.bold) * lk.size * _LEADING


def text_box(
    shapes: SlideShapes, box: tuple[float, float, float, float], paras: Sequence[tuple[Para, Look]],
    lang: str, align: PP_ALIGN = PP_ALIGN.LEFT, space: float = 4.0,
) -> None:  # fmt: skip
    """A text box at `box` (x, y, width, height in points) holding `paras`, each in its
    look; no margins, wrapped, never resized by the viewer."""
    x, y, w, h = box
    shape = shapes.add_textbox(Pt(x), Pt(y), Pt(w), Pt(h))
    frame = shape.text_frame
    fill_frame(frame, paras, lang, align, space)


def fill_frame(
    frame: TextFrame, paras: Sequence[tuple[Para, Look]], lang: str,
    align: PP_ALIGN = PP_ALIGN.LEFT, space: float = 4.0,
) -> None:  # fmt: skip
    """`paras` written into `frame`, the first into its first paragraph."""
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = Pt(0)
    frame.vertical_anchor = MSO_ANCHOR.TOP
    for i, (para, lk) in enumerate(paras):
        p = frame.paragraphs[0] if i == 0 else loose(frame).add_paragraph()
        p.alignment = align
        if i:
            p.space_before = Pt(space)
        write_runs(p, para.runs, lk, lang)


def write_runs(p: _Paragraph, runs: Sequence[Run], lk: Look, lang: str) -> None:
    """Runs as text (never a field nor a link), each in `lk`, bold where strong, muted
    where the HTML mutes it, in the deck's language; a `\\v` a line break."""
    for run in runs:
        pieces = run.text.split("\v")
        for j, piece in enumerate(pieces):
            if j:
                loose(p).add_line_break()
            if not piece:
                continue
            r = p.add_run()
            r.text = piece
            font = r.font
            font.name, font.size, font.bold = FONT, Pt(lk.size), lk.bold or run.bold
            font.color.rgb = rgb(MUTED if run.muted else lk.colour)
            r._r.get_or_add_rPr().set("lang", lang)


def rectangle(shapes: SlideShapes, box: tuple[float, float, float, float], fill: str) -> None:
    """A filled rectangle without a line: a band, a bar, a tile's ground."""
    x, y, w, h = box
    shape = shapes.add_shape(MSO_SHAPE.RECTANGLE, Pt(x), Pt(y), Pt(w), Pt(h))
    loose(shape.fill).solid()
    shape.fill.fore_color.rgb = rgb(fill)
    shape.line.fill.background()
    shape.shadow.inherit = False


@dataclass
class Placed:
    """A block's height at a scale, and how to draw it at a y."""

    height: float
    block: Block
    scale: float


def block_height(block: Block, palette: Palette, scale: float, width: float) -> float:
    """The height `block` takes across `width` at `scale`: an estimate, as text is."""
    if block.kind == "chart":
        return 240.0
    if block.kind == "text":
        para = block.paras[0]
        lk = look(para.role, palette, scale)
        pad = 24.0 if "bc-decision__return" in block.style else 0.0
        return para_height(para.text, lk, width - pad) + pad
    if block.kind == "facts":
        return sum(
            para_height(p.text, look(p.role, palette, scale, block.style), width) + 4
            for p in block.paras
        ) + 8 * sum(1 for p in block.paras if p.role == "dt")
    if block.kind == "list":
        return sum(item_height(item, block, palette, scale, width) + 10 for item in block.items)
    if block.kind == "tiles":
        return tiles_height(block, palette, scale, width)
    if block.kind == "table":
        return sum(row_heights(block, palette, scale, width))
    return 0.0


def amount_width(block: Block, palette: Palette, scale: float) -> float:
    """The width of the widest amount in a list: the column the amounts stand in."""
    widest = 0.0
    for item in block.items:
        for p in item:
            if "bc-list__amount" in p.role:
                lk = look(p.role, palette, scale, block.style)
                widest = max(widest, len(p.text) * _DIGITS * lk.size)
    return widest


def item_height(
    item: list[Para], block: Block, palette: Palette, scale: float, width: float
) -> float:
    amount = amount_width(block, palette, scale)
    inner = width - 18 - (amount + 16 if amount else 0)
    texts = [p for p in item if "bc-list__amount" not in p.role]
    return sum(para_height(p.text, item_look(p, block, palette, scale), inner) + 2 for p in texts)


def item_look(p: Para, block: Block, palette: Palette, scale: float) -> Look:
    """A list item's paragraph: a chip's or a phase's big, a source's plain."""
    if not p.role:
        size = {"bc-chips": 25.5, "bc-phases": 24.0, "bc-sources": 21.0}
        found = next((v for k, v in size.items() if k in block.style), 22.5)
        bold = "bc-chips" in block.style
        return Look(max(MIN_TEXT, found * scale), bold, INK)
    return look(p.role, palette, scale, block.style)


def tiles_height(block: Block, palette: Palette, scale: float, width: float) -> float:
    count = max(1, len(block.items))
    inner = (width - GAP * (count - 1)) / count - 28
    return max(
        sum(para_height(p.text, look(p.role, palette, scale, tile_style(block, p)), inner) + 6
            for p in tile) + 30
        for tile in block.items
    ) if block.items else 0.0  # fmt: skip


def tile_style(block: Block, p: Para) -> str:
    return f"{block.style} {p.role}"


def column_widths(block: Block, palette: Palette, scale: float, width: float) -> list[float]:
    """A table's columns: each numeric column as wide as its widest cell (together at most
    three fifths of the table), the rest shared by the text columns by what they hold."""
    count = max(len(cells) for cells, _ in block.rows)
    need = [0.0] * count
    numeric = [False] * count
    for cells, _cls in block.rows:
        for i, cell in enumerate(cells):
            text = "".join(r.text for r in cell.text)
            need[i] = max(need[i], len(text) * _DIGITS * 21 * scale + 20)
            numeric[i] = numeric[i] or cell.numeric
    texts = [i for i in range(count) if not numeric[i]]
    most = width * (0.6 if texts else 1.0) / max(1, count - len(texts))
    fixed = [min(n, most) if numeric[i] else 0.0 for i, n in enumerate(need)]
    free = width - sum(fixed)
    # the text columns share the rest by what they hold, a short one never under its need
    total = sum(need[i] for i in texts) or 1.0
    return [fixed[i] if numeric[i] else free * need[i] / total for i in range(count)]


def row_heights(block: Block, palette: Palette, scale: float, width: float) -> list[float]:
    widths = column_widths(block, palette, scale, width)
    heights = []
    for cells, cls in block.rows:
        lk = cell_look(cls, palette, scale, block.style)
        tallest = max(
            (para_height("".join(r.text for r in c.text), lk, max(w - 14, 20)) for c, w in
             zip(cells, widths, strict=False)),
            default=lk.size,
        )  # fmt: skip
        heights.append(tallest + 14)
    return heights


def cell_look(cls: str, palette: Palette, scale: float, style: str) -> Look:
    size = 19.5 if "bc-table--commitments" in style or cls == "head" else 21.0
    bold = cls == "head" or "bc-table__total" in cls
    return Look(max(MIN_TEXT, size * scale), bold, MUTED if cls == "head" else INK)


def fitting_scale(blocks: Sequence[Block], palette: Palette, width: float, room: float) -> float:
    """The largest scale, from 1 down to 0.7, at which `blocks` fit `room` points; the
    smallest if none does (every text is at 18 pt by then)."""
    scale = 1.0
    while scale > 0.7:
        total = sum(block_height(b, palette, scale, width) for b in blocks)
        if total + GAP * max(0, len(blocks) - 1) <= room:
            return scale
        scale = round(scale - 0.05, 2)
    return scale


def ceil_pt(value: float) -> float:
    return float(math.ceil(value))
