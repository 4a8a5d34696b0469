"""A slide chart's labels set as HTML text over the chart, for the decks' PDFs.

WeasyPrint draws an SVG `<text>` a letter at a time: each letter is shaped and drawn on its
own, as if it could be placed anywhere. On the reference proposal that was a fifth of the
time its decks' PDFs took (5,300 letters on 87 pages). The same words as HTML text are
shaped a line at a time. So before a deck is laid out, each label of a slide chart is taken
out of its SVG and set as an absolutely placed HTML span over the chart, where the SVG
would have drawn it: its baseline at the label's `y`, its `text-anchor` kept, in the same
font, size, weight and fill. The words come out where they were (within the kerning the
letter-by-letter drawing left out, as a browser sets them) and stay text in the PDF; a label
in `currentColor` takes the slide's text colour, as in a browser (WeasyPrint's SVG drew it
black).

Only the charts `render.charts` draws for a slide are changed, and only the labels written
as `svg.text_element` writes them (a number for each position, a plain colour); a chart a
proposal's own template draws otherwise is left as it is. A slide chart is drawn at its own
size in px (its `width` and `height`), never scaled down, so the labels' places in px hold.

In the PDF's tags the labels belong to the chart's /Figure (`labels_under_their_figure`),
as its SVG text did: a screen reader reads the chart's alternative text, which gives every
figure, and not its tick labels one by one after it.
"""

from __future__ import annotations

import re
from typing import Any

# A slide chart's opening tag: `chart_svg` with a `scale`, its size in px after its viewBox.
SLIDE_CHART = re.compile(
    r'<svg class="bc-chart [^"<>]*\bbc-chart--slide"[^<>]*? viewBox="0 0 (\d+(?:\.\d+)?) '
    r'\d+(?:\.\d+)?" width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"[^<>]*>'
)
END = "</svg>"
LABEL = re.compile(
    r'<text x="(-?\d+(?:\.\d+)?)" y="(-?\d+(?:\.\d+)?)" font-family="([\w ,-]+)" '
    r'font-size="(\d+(?:\.\d+)?)" font-weight="(\d{3})" text-anchor="(start|middle|end)" '
    r'fill="(currentColor|#[0-9a-fA-F]{3,8})">([^<]*)</text>'
)
# Where a label's baseline is below the top of a span whose line-height is 0, in ems: half
# of the font's ascender less its descender (the charts' font, Inter: 2728 and 680 of
# 2816 units, the same in every weight; tests/test_deck_pdf.py reads them from the fonts).
BASELINE = (2728 - 680) / 2 / 2816
WIDE = 2000  # px: the box a centred or right-aligned label is aligned in, wider than a slide


def labels_in_html(html: str) -> str:
    """`html` with each slide chart's labels as HTML over the chart (see the module). Each
    chart's end is found with `str.find`, in one pass whatever a proposal's own template
    writes: a regular expression would read the rest of the deck again for each chart
    that is never closed."""
    parts, at = [], 0
    while (opening := SLIDE_CHART.search(html, at)) is not None:
        end = html.find(END, opening.end())
        if end < 0:
            break  # nor does any chart after it close
        body = html[opening.end() : end]
        parts += [html[at : opening.start()], _chart_with_labels_over(opening, body)]
        at = end + len(END)
    return "".join([*parts, html[at:]])


def _chart_with_labels_over(opening: re.Match[str], body: str) -> str:
    view_width, width, height = opening.groups()
    whole = f"{opening.group(0)}{body}{END}"
    if not float(view_width):
        return whole
    scale = float(width) / float(view_width)
    labels: list[str] = []

    def taken_out(label: re.Match[str]) -> str:
        labels.append(_label_span(label, scale))
        return ""

    body = LABEL.sub(taken_out, body)
    if not labels or "<svg" in body:  # a chart inside a chart: not one of ours
        return whole
    return (
        f'<div style="position: relative; width: {width}px; height: {height}px; '
        f'margin: 0 auto">{opening.group(0)}{body}{END}{"".join(labels)}</div>'
    )


def _label_span(label: re.Match[str], scale: float) -> str:
    """The label as a span placed over the chart drawn `scale` px a unit."""
    x, y, family, size, weight, anchor, fill, text = label.groups()
    px = float(size) * scale
    left, top = float(x) * scale, float(y) * scale - BASELINE * px
    aligned = {
        "start": f"left: {left:.2f}px",
        "middle": f"left: {left - WIDE / 2:.2f}px; width: {WIDE}px; text-align: center",
        "end": f"left: {left - WIDE:.2f}px; width: {WIDE}px; text-align: right",
    }[anchor]
    colour = "" if fill == "currentColor" else f"; color: {fill}"
    return (
        f'<span style="position: absolute; {aligned}; top: {top:.2f}px; '
        f'font: {weight} {px:.2f}px/0 {family}; white-space: nowrap{colour}">{text}</span>'
    )


def labels_under_their_figure(pdf: Any) -> None:
    """Each chart's labels, tagged as spans beside its /Figure, moved into it (a finisher
    of WeasyPrint's PDF, before it is written): the chart laid out with its labels over it
    is a /Div holding the chart's /Figure, which has its alternative text, and then only
    the labels, each a /Span of text."""
    import pydyf  # type: ignore[import-untyped]  # untyped, like WeasyPrint

    tags = {
        obj.reference: obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem"
    }
    for div in tags.values():
        refs = list(div.get("K", []))
        if div.get("S") != "/Div" or len(refs) < 2 or not all(ref in tags for ref in refs):
            continue
        figure, *labels = [tags[ref] for ref in refs]
        if figure.get("S") != "/Figure" or "Alt" not in figure:
            continue
        if not all(_is_text_span(label, tags) for label in labels):
            continue
        for label in labels:
            label["P"] = figure.reference
            figure["K"].append(label.reference)
        div["K"] = pydyf.Array([figure.reference])


def _is_text_span(tag: Any, tags: dict[Any, Any]) -> bool:
    """A /Span holding text only: marked content, or spans of it."""
    if tag.get("S") != "/Span":
        return False
    return all(
        isinstance(kid, int) or (kid in tags and _is_text_span(tags[kid], tags)) for kid in tag["K"]
    )
