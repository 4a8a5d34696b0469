"""The PowerPoint engine: a rendered deck -> the bytes of a .pptx, with python-pptx.

The deck's HTML is read back (`reading`), so that the PowerPoint shows the slides the
browser shows, in the same order and words: the main line, each slide followed by the
slides below it, 16:9, every title in the slide's title placeholder (the outline and a
screen reader find it), the text editable, the tables native, the charts native charts
from the figures their SVG was drawn from (`charts`), the speaker notes in the notes pane,
the proposal's colours and its logo. Nothing from the proposal becomes a link or a field;
the file holds no macro (.pptx) and links to nothing; the same deck and moment give the
same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide as PptxSlide
from pptx.util import Pt

from buildcase.engines.pptx.blocks import draw_block
from buildcase.engines.pptx.charts import draw_chart
from buildcase.engines.pptx.layout import (
    BOTTOM,
    GAP,
    HEIGHT,
    INK,
    LEFT,
    WIDTH,
    Look,
    Palette,
    block_height,
    fitting_scale,
    lines,
    loose,
    rectangle,
    text_box,
    write_runs,
)
from buildcase.engines.pptx.reading import Block, Para, Run, Slide, read_deck
from buildcase.render.slides import SlideData

_TITLE_ONLY = 5  # the default template's "Title Only" layout: a title placeholder alone
_CONTENT = WIDTH - 2 * LEFT
_LOGO_W, _LOGO_H = 150.0, 56.0  # the most a logo takes, in the top right corner
_CHART_MIN = 220.0


def deck_pptx(deck_html: str, data: SlideData, logo: Path | None, moment: datetime) -> bytes:
    """The deck `deck_html` (a rendered reveal.js deck) as a PowerPoint file: its charts
    drawn from `data` (`render.slides.slide_data` of the same case), `logo` (the proposal's,
    as validated; an SVG is left out: PowerPoint's format cannot take one from python-pptx)
    on the slides the HTML shows it on, and `moment` (the proposal's date, or
    SOURCE_DATE_EPOCH) as its creation and modification, so a rebuild gives the same
    bytes."""
    deck = read_deck(deck_html)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Pt(WIDTH), Pt(HEIGHT)
    palette = Palette(data.primary, data.accent)
    picture = logo.read_bytes() if logo is not None and _raster(logo) else None
    parts = Counter(b.chart for s in deck.slides for b in s.blocks if b.kind == "chart")
    seen: Counter[str] = Counter()
    for slide in deck.slides:
        page = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
        _draw(page, slide, palette, data, picture, deck.language, (parts, seen))
        _notes(page, slide, deck.language)
    _properties(prs, deck.title, deck.language, moment)
    out = io.BytesIO()
    prs.save(out)
    return _stable(out.getvalue(), moment)


def _raster(logo: Path) -> bool:
    """Whether python-pptx can embed the logo: a raster image (validated as an image when
    the proposal was); an SVG cannot be, and the title slide names the organization."""
    return logo.suffix.lower() != ".svg"


def _draw(
    page: PptxSlide, slide: Slide, palette: Palette, data: SlideData, logo: bytes | None,
    lang: str, charts: tuple[Counter[str], Counter[str]],
) -> None:  # fmt: skip
    shapes = page.shapes
    rectangle(shapes, (0, 0, WIDTH, 8), palette.primary)
    logo_w = _logo(page, logo) if logo and slide.logo else 0.0
    opening = slide.heading == "h1"
    top = 112.0 if opening else 24.0
    width = _CONTENT - (logo_w + 16 if logo_w else 0)
    eyebrow = Look(19.5 if opening else 18.0, True, palette.primary)
    if slide.eyebrow:
        box = (LEFT, top, width, 26.0)
        text_box(shapes, box, [(Para([Run(slide.eyebrow)]), eyebrow)], lang)
    y = _title(page, slide, top + 30, width if not opening else _CONTENT, lang)
    more = [b for b in slide.blocks if "bc-more" in b.style]
    body = [b for b in slide.blocks if b not in more]
    room_end = BOTTOM if more else HEIGHT - 24
    for b in more:  # "and 2 more below": at the foot, as the HTML deck puts it
        lk = Look(19.5, True, palette.primary)
        text_box(shapes, (LEFT, BOTTOM + 2, _CONTENT, 24), [(b.paras[0], lk)], lang)
    _body(page, body, (y + (28 if opening else 18), room_end), palette, data, lang, charts)


def _title(page: PptxSlide, slide: Slide, y: float, width: float, lang: str) -> float:
    """The slide's title in its title placeholder, at 44 pt on the opening slide and 30 pt
    (28 where that takes three lines) on the others; the y under it."""
    size = 44.0 if slide.heading == "h1" else 30.0
    if slide.heading != "h1" and lines(slide.title, size, width, True) > 2:
        size = 28.0
    height = lines(slide.title, size, width, True) * size * 1.15
    title = page.shapes.title
    assert title is not None, "the Title Only layout has a title placeholder"
    title.left, title.top, title.width, title.height = Pt(LEFT), Pt(y), Pt(width), Pt(height)
    frame = title.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    frame.vertical_anchor = MSO_ANCHOR.TOP
    p = frame.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    p.line_spacing = 1.0
    write_runs(p, [Run(slide.title)], Look(size, True, INK), lang)
    return y + height


def _body(
    page: PptxSlide, blocks: list[Block], span: tuple[float, float], palette: Palette,
    data: SlideData, lang: str, charts: tuple[Counter[str], Counter[str]],
) -> None:  # fmt: skip
    """The blocks from the top of `span` down, at the largest scale at which they fit;
    a chart in the room the others leave."""
    y, end = span
    texts = [b for b in blocks if b.kind != "chart"]
    has_chart = len(texts) < len(blocks)
    room = end - y - (_CHART_MIN + GAP if has_chart else 0)
    scale = fitting_scale(texts, palette, _CONTENT, room)
    heights = {id(b): block_height(b, palette, scale, _CONTENT) for b in texts}
    charted = end - y - sum(heights.values()) - GAP * len(texts)
    parts, seen = charts
    for block in blocks:
        if block.kind == "chart":
            at = (LEFT, y, _CONTENT, max(charted, _CHART_MIN))
            part = (seen[block.chart], parts[block.chart])
            seen[block.chart] += 1
            if not draw_chart(page.shapes, block, at, data, part, lang):
                _chart_as_list(page, block, at, palette, lang)
            y += at[3] + GAP
            continue
        h = heights[id(block)]
        draw_block(page.shapes, block, (LEFT, y, _CONTENT), h, scale, palette, lang)
        y += h + GAP


def _chart_as_list(
    page: PptxSlide, block: Block, at: tuple[float, float, float, float], palette: Palette,
    lang: str,
) -> None:  # fmt: skip
    """A chart with no native drawing: what its text alternative lists, one item a line,
    so that no figure it shows is lost."""
    items = [[Para([Run(text)])] for text in block.listed.split("; ") if text]
    listed = Block("list", "bc-chart__data", items=items)
    x, y, width, height = at
    scale = fitting_scale([listed], palette, width, height)
    draw_block(page.shapes, listed, (x, y, width), height, scale, palette, lang)


def _logo(page: PptxSlide, logo: bytes) -> float:
    """The logo in the top right corner, within 150 x 56 pt, its proportions kept; its
    width."""
    picture = page.shapes.add_picture(io.BytesIO(logo), Pt(0), Pt(0))
    ratio = picture.width / max(picture.height, 1)
    w, h = (_LOGO_W, _LOGO_W / ratio) if ratio > _LOGO_W / _LOGO_H else (_LOGO_H * ratio, _LOGO_H)
    picture.left, picture.top = Pt(WIDTH - LEFT - w), Pt(20)
    picture.width, picture.height = Pt(w), Pt(h)
    loose(picture._element).nvPicPr.cNvPr.set("descr", "Logo")
    return w


def _notes(page: PptxSlide, slide: Slide, lang: str) -> None:
    """The speaker notes in the notes pane, a paragraph each; a list's items bulleted."""
    frame = page.notes_slide.notes_text_frame
    assert frame is not None, "a notes slide has a body placeholder"
    for i, para in enumerate(slide.notes):
        p = frame.paragraphs[0] if i == 0 else loose(frame).add_paragraph()
        runs = [Run("• "), *para.runs] if para.role == "li" else para.runs
        write_runs(p, runs, Look(12, False, INK), lang)


def _properties(prs: PresentationType, title: str, lang: str, moment: datetime) -> None:
    """The file's properties: the deck's title and language, made by buildcase at
    `moment`, nothing of the machine it was made on."""
    props = prs.core_properties
    props.title = title
    props.language = lang
    props.author = props.last_modified_by = "buildcase"
    props.revision = 1
    props.created = props.modified = moment.replace(tzinfo=None)
    props.last_printed = moment.replace(tzinfo=None)
    props.subject = props.keywords = props.comments = props.category = ""


_XML_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _stable(blob: bytes, moment: datetime) -> bytes:
    """The package again, every entry dated `moment` (a zip dates each entry by the
    clock), and every chart's embedded workbook made the same way, its own dates too."""
    stamp = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    when = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xlsx"):
                data = _stable(data, moment)
            elif item.filename.endswith("core.xml"):
                data = _XML_DATE.sub(rb"\g<1>" + when + rb"\g<3>", data)
            entry = zipfile.ZipInfo(item.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
    return out.getvalue()
