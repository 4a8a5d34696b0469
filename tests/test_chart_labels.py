"""A slide chart's labels in the deck's PDF are HTML text set over the chart
(`engines.weasyprint.chart_labels`): they must print where WeasyPrint draws the chart's
own SVG text, in its colour, and nothing else in a deck may change."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pytest
from fontTools.ttLib import TTFont

from buildcase.engines.weasyprint.chart_labels import BASELINE, labels_in_html

from .conftest import REFERENCE, ROOT
from .test_consistency import rendered

FONTS = ROOT / "templates" / "assets" / "fonts"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: 1280px 900px; margin: 0; }}
body {{ margin: 70px; color: #1f2933; }}
@font-face {{ font-family: Inter; font-weight: 400; src: url("{fonts}/Inter-Regular.otf"); }}
@font-face {{ font-family: Inter; font-weight: 600; src: url("{fonts}/Inter-SemiBold.otf"); }}
@font-face {{ font-family: Inter; font-weight: 700; src: url("{fonts}/Inter-Bold.otf"); }}
figure {{ margin: 0; break-after: page; }} svg {{ display: block; margin: 0 auto; }}
</style></head><body>{charts}</body></html>"""
INK = tuple(round(c / 255, 4) for c in (0x1F, 0x29, 0x33))  # the body's text colour
BLACK = (0.0, 0.0, 0.0)  # body's colour; black
SLIDE_CHART = re.compile(r'<svg class="bc-chart [^"]*bc-chart--slide".*?</svg>', re.S)


def slide_charts() -> list[str]:
    """Every chart of the reference proposal's executive deck, as the deck draws it."""
    deck = rendered(REFERENCE)[1].decks["present.html"]
    charts = SLIDE_CHART.findall(deck)
    assert len(charts) >= 5  # the survey, the risks, the cost, the payback, the plan...
    return charts


def printed_words(html: str) -> list[tuple[str, float, float, float, object]]:
    """Each word WeasyPrint prints of `html`: its text, left edge, baseline, font size (pt)
    and fill colour; page by page, top to bottom, left to right."""
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    words = []
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        for page in opened.pages:
            found = page.extract_words(extra_attrs=["size", "non_stroking_color"])
            found.sort(key=lambda w: (round(w["bottom"]), w["x0"]))
            for w in found:
                colour = tuple(round(c, 4) for c in w["non_stroking_color"])
                words.append((w["text"], w["x0"], w["bottom"], w["size"], colour))
    return words


@pytest.mark.slow
@pytest.mark.pdf
def test_a_slide_chart_s_labels_print_where_its_svg_draws_them() -> None:
    charts = "".join(f"<figure>{chart}</figure>" for chart in slide_charts())
    page = PAGE.format(fonts=FONTS.as_uri(), charts=charts)
    as_svg, as_html = printed_words(page), printed_words(labels_in_html(page))
    assert "<text" not in labels_in_html(page)
    assert len(as_svg) > 60
    assert [w[0] for w in as_html] == [w[0] for w in as_svg]
    for (text, x, baseline, size, colour), (_, x2, baseline2, size2, colour2) in zip(
        as_svg, as_html, strict=True
    ):
        assert size2 == pytest.approx(size, abs=0.01), text
        # White on a bar stays white; `currentColor`, which WeasyPrint's SVG draws black,
        # is the text colour around the chart, as in a browser (and on the slide).
        assert colour2 == (INK if colour == BLACK else colour), text
        assert baseline2 == pytest.approx(baseline, abs=0.25), text  # on its line
        # Across, a browser's kerning (the SVG's letters are placed one by one) moves a
        # word by at most a fifth of a letter.
        assert x2 == pytest.approx(x, abs=size / 5), text


def test_only_the_labels_of_a_slide_chart_as_the_charts_write_them_move() -> None:
    label = (
        '<text x="4" y="17" font-family="Inter, Helvetica, Arial, sans-serif" font-size="14" '
        'font-weight="700" text-anchor="end" fill="#ffffff">R&amp;D &lt;b&gt; 5%</text>'
    )
    slide = (
        '<svg class="bc-chart bc-chart--cost bc-chart--slide" viewBox="0 0 608 100" '
        'width="1140" height="187.5" role="img">{}</svg>'
    )
    page_chart = '<svg class="bc-chart bc-chart--cost" viewBox="0 0 480 100" width="100%">{}</svg>'
    moved = labels_in_html(slide.format(label))
    assert "<text" not in moved
    # Its text as it was (escaped), its right end at x = 4 units of 1.875 px, its colour.
    assert ">R&amp;D &lt;b&gt; 5%</span></div>" in moved
    assert f"left: {4 * 1.875 - 2000:.2f}px; width: 2000px; text-align: right" in moved
    assert "font: 700 26.25px/0 Inter, Helvetica, Arial, sans-serif" in moved
    assert "color: #ffffff" in moved
    # Its top: the baseline (17 units of 1.875 px) less the baseline's depth in a 26.25 px font.
    assert f"top: {17 * 1.875 - BASELINE * 26.25:.2f}px" in moved
    start = labels_in_html(slide.format(label.replace('"end"', '"start"')))
    assert f"left: {4 * 1.875:.2f}px; top:" in start
    # A page's chart scales with its column, and a label written otherwise (a proposal's
    # own template may draw any SVG): both stay SVG text.
    other = label.replace('fill="#ffffff"', 'fill="url(#x)"')
    no_width = slide.format(label).replace('viewBox="0 0 608', 'viewBox="0 0 0')
    nested = slide.format('<svg viewBox="0 0 1 1"></svg>' + label)
    for kept in (page_chart.format(label), slide.format(other), slide.format(label[:-7])):
        assert labels_in_html(kept) == kept
    for kept in (no_width, nested):  # not drawn by the charts: no division by 0, no half
        assert labels_in_html(kept) == kept


def test_a_label_s_baseline_is_where_the_vendored_font_puts_it() -> None:
    """BASELINE is half of Inter's ascender less its descender, in ems: where the baseline
    of a span whose line-height is 0 lies below its top, in every weight a chart uses."""
    for weight in ("Regular", "SemiBold", "Bold"):
        font = TTFont(FONTS / f"Inter-{weight}.otf")
        ascender, descender = font["hhea"].ascent, -font["hhea"].descent
        assert (ascender - descender) / 2 / font["head"].unitsPerEm == BASELINE


@pytest.mark.slow
@pytest.mark.pdf
def test_a_chart_s_labels_are_read_with_its_figure_not_after_it() -> None:
    """In the deck's PDF tags, each chart is a /Figure whose alternative text a screen
    reader reads; its labels, now HTML text, are tagged inside it, as its SVG text was,
    rather than read one by one after it."""
    import pikepdf

    from buildcase.engines.weasyprint.decks import render_deck
    from buildcase.workspace import default_templates_dir

    deck = rendered(REFERENCE)[1].decks["present.html"]
    templates = default_templates_dir()
    pdf = render_deck(deck, templates / "assets", [REFERENCE, templates]).pdf

    def kids(node: Any) -> list[Any]:
        found = node.get("/K")
        found = list(found) if isinstance(found, pikepdf.Array) else [found]
        return [k for k in found if isinstance(k, pikepdf.Dictionary) and "/S" in k]

    def walk(node: Any, parent: Any) -> Any:
        yield node, parent
        for kid in kids(node):
            yield from walk(kid, node)

    with pikepdf.open(io.BytesIO(pdf)) as opened:
        tags = list(walk(opened.Root.StructTreeRoot, None))
        labelled = [
            (figure, parent) for figure, parent in tags
            if figure.get("/S") == "/Figure" and kids(figure)
        ]  # fmt: skip
        read = [[str(k.get("/S")) for k in kids(figure)] for figure, _ in labelled]
        alone = [len(kids(parent)) == 1 for _, parent in labelled]
    charts = SLIDE_CHART.findall(deck)
    assert read == [["/Span"] * chart.count("<text ") for chart in charts]
    assert all(alone)  # nothing of the chart is left beside its figure
