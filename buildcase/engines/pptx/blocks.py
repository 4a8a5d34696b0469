"""Each kind of block drawn on a slide at the place and size `layout` measured: a
paragraph (the decision's band on a tint of the brand), a list with its amounts in a
column of their own, a native table, big figures side by side on tiles, and facts."""

from __future__ import annotations

from pptx.enum.text import PP_ALIGN
from pptx.shapes.shapetree import SlideShapes
from pptx.util import Pt

from buildcase.engines.pptx.layout import (
    GAP,
    Look,
    Palette,
    amount_width,
    cell_look,
    column_widths,
    fill_frame,
    item_height,
    item_look,
    look,
    loose,
    rectangle,
    rgb,
    row_heights,
    text_box,
    tile_style,
    tiles_height,
)
from buildcase.engines.pptx.reading import Block, Para, Run


def draw_block(
    shapes: SlideShapes, block: Block, at: tuple[float, float, float], height: float,
    scale: float, palette: Palette, lang: str,
) -> None:  # fmt: skip
    """`block` drawn from (x, y) across `width` (`at`), `height` tall, at `scale`."""
    x, y, width = at
    if block.kind == "text":
        _text(shapes, block, (x, y, width, height), scale, palette, lang)
    elif block.kind == "list":
        _list(shapes, block, at, scale, palette, lang)
    elif block.kind == "table":
        _table(shapes, block, at, scale, palette, lang)
    elif block.kind == "tiles":
        _tiles(shapes, block, at, scale, palette, lang)
    elif block.kind == "facts":
        paras = [(p, look(p.role, palette, scale, block.style)) for p in block.paras]
        text_box(shapes, (x, y, width, height), paras, lang, space=6.0)


def _text(
    shapes: SlideShapes, block: Block, box: tuple[float, float, float, float], scale: float,
    palette: Palette, lang: str,
) -> None:  # fmt: skip
    para = block.paras[0]
    lk = look(para.role, palette, scale, block.style)
    x, y, w, h = box
    if "bc-decision__return" in block.style:  # the decision's band: the return, on a tint
        rectangle(shapes, (x - 12, y, w + 24, h), palette.soft)
        rectangle(shapes, (x - 12, y, 6, h), palette.primary)
        text_box(shapes, (x, y + 12, w - 12, h - 24), [(para, lk)], lang)
        return
    text_box(shapes, box, [(para, lk)], lang)


def _list(
    shapes: SlideShapes, block: Block, at: tuple[float, float, float], scale: float,
    palette: Palette, lang: str,
) -> None:  # fmt: skip
    """Each item under a bar of the list's colour, its amount right-aligned beside it; an
    ordered list's items numbered from its start."""
    x, y, width = at
    amount = amount_width(block, palette, scale)
    bar = palette.colour(
        "loss" if "bc-list--risk" in block.style
        else "gain" if "bc-list--gain" in block.style else "primary"
    )  # fmt: skip
    for n, item in enumerate(block.items, start=block.start):
        h = item_height(item, block, palette, scale, width)
        texts = [p for p in item if "bc-list__amount" not in p.role]
        if block.start:  # an ordered list: its number before the first part
            first = texts[0]
            texts = [Para([_number(n), *first.runs], first.role), *texts[1:]]
        paras = [(p, item_look(p, block, palette, scale)) for p in texts]
        if "bc-sources" not in block.style:
            rectangle(shapes, (x, y + 2, 5, max(h - 4, 8)), bar)
        inner = width - 18 - (amount + 16 if amount else 0)
        text_box(shapes, (x + 18, y, inner, h), paras, lang, space=2.0)
        for p in item:
            if "bc-list__amount" in p.role:
                lk = look(p.role, palette, scale, block.style)
                box = (x + width - amount, y, amount, lk.size * 1.3)
                text_box(shapes, box, [(p, lk)], lang, PP_ALIGN.RIGHT)
        y += h + 10


def _number(n: int) -> Run:
    return Run(f"{n}. ", True)


def _table(
    shapes: SlideShapes, block: Block, at: tuple[float, float, float], scale: float,
    palette: Palette, lang: str,
) -> None:  # fmt: skip
    """A native table: the header row bold and muted, numbers right-aligned, totals bold,
    no banding (the HTML deck has none)."""
    x, y, width = at
    widths = column_widths(block, palette, scale, width)
    heights = row_heights(block, palette, scale, width)
    count = len(widths)
    frame = shapes.add_table(len(block.rows), count, Pt(x), Pt(y), Pt(width), Pt(sum(heights)))
    table = frame.table
    table.first_row = block.rows[0][1] == "head"
    table.horz_banding = False
    for i, w in enumerate(widths):
        table.columns[i].width = Pt(w)
    for r, ((cells, cls), h) in enumerate(zip(block.rows, heights, strict=True)):
        table.rows[r].height = Pt(h)
        lk = cell_look(cls, palette, scale, block.style)
        for c in range(count):
            cell = table.cell(r, c)
            loose(cell.fill).solid()
            shade = palette.soft if "bc-table__total" in cls else "FFFFFF"
            cell.fill.fore_color.rgb = rgb(shade)
            cell.margin_left = cell.margin_right = Pt(7)
            cell.margin_top = cell.margin_bottom = Pt(5)
            source = cells[c] if c < len(cells) else None
            runs = source.text if source else []
            align = PP_ALIGN.RIGHT if source and source.numeric else PP_ALIGN.LEFT
            strong = Look(lk.size, lk.bold or bool(source and source.header and cls != "head"),
                          lk.colour)  # fmt: skip
            fill_frame(cell.text_frame, [(Para(list(runs)), strong)], lang, align)


def _tiles(
    shapes: SlideShapes, block: Block, at: tuple[float, float, float], scale: float,
    palette: Palette, lang: str,
) -> None:  # fmt: skip
    """Big figures side by side, each on a tinted tile under a bar of the brand."""
    x, y, width = at
    count = max(1, len(block.items))
    w = (width - GAP * (count - 1)) / count
    h = tiles_height(block, palette, scale, width)
    for i, tile in enumerate(block.items):
        left = x + i * (w + GAP)
        rectangle(shapes, (left, y, w, h), palette.soft)
        rectangle(shapes, (left, y, w, 6), palette.primary)
        paras = [(p, look(p.role, palette, scale, tile_style(block, p))) for p in tile]
        text_box(shapes, (left + 14, y + 18, w - 28, h - 30), paras, lang, space=6.0)
