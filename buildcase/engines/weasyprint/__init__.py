"""The WeasyPrint engine: the handout's HTML -> a PDF of at most two pages.

This package is the one place that imports WeasyPrint: here the handout is fitted to its
pages and written, or only measured (`measure_handout`, for `check`), in `layouts` it is
laid out (its stylesheets parsed once per process), in `fetcher` what it may load is
decided, and in `lengths` what earlier layouts found is kept between runs; in `decks` each
deck's PDF is made, by the same means. WeasyPrint is imported only when a handout or a
deck is laid out (importing it costs about half a second), and it fetches nothing but
files inside the folders it is given and `data:` URIs: a proposal handed over by someone
else cannot pull `/etc/passwd` or a web address into it.
WeasyPrint has no type hints, so its objects are typed `Any` here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buildcase.engines.weasyprint.layouts import Layouts, hiding_css
from buildcase.logs import captured_warnings

MAX_PAGES = 2


@dataclass
class Handout:
    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)
    html: str = ""  # what was laid out: the given HTML, less any optional part left out


class HandoutTooLong(Exception):
    """The content runs past the page limit; `longest` names the biggest section."""

    def __init__(self, pages: int, longest: str | None):
        self.pages = pages
        self.longest = longest
        super().__init__(f"{pages} pages")

    def __reduce__(self) -> tuple[type[HandoutTooLong], tuple[int, str | None]]:
        return (type(self), (self.pages, self.longest))


@dataclass(frozen=True)
class Length:
    """How long a handout runs with every optional part left out, the shortest that
    `render_handout` can make it without cutting text: it fits when `pages` is at most
    MAX_PAGES. `longest` names its longest part (a `data-section`) where it does not fit."""

    pages: int
    longest: str | None = None

    @property
    def fits(self) -> bool:
        return self.pages <= MAX_PAGES


def measure_handout(html: str, base_dir: Path, allowed_dirs: list[Path]) -> Length:
    """How long `html` runs, from one layout and no PDF: what `render_handout` would find,
    for `check`. Every optional part is left out, as `_fitted` leaves them out one by one
    until the handout fits: if it does not fit without any, it does not fit. What the
    handout may not load is left out here too; `build` reports it."""
    with captured_warnings("weasyprint"):
        document = Layouts(html, base_dir, allowed_dirs).lay_out(optional_ranks(html))
    pages = len(document.pages)
    return Length(pages, _longest_section(document) if pages > MAX_PAGES else None)


def measure_task(task: Any) -> Length:
    """`measure_handout` as the engines run a task: a `buildcase.engines.HandoutTask`."""
    return measure_handout(task.html, task.base_dir, task.allowed_dirs)


def warm_up() -> None:
    """Pay WeasyPrint's import (about half a second) before the first handout is due, in
    a worker, and set what the worker holds by then aside from the garbage collector
    (`gc.freeze`): its modules and WeasyPrint's, some 56,000 objects that live as long as
    the worker, which every full collection walked again. One came every other handout,
    at 0.06 s: collecting took a tenth of a handout's time, and takes half that now."""
    import gc

    import weasyprint  # noqa: F401

    gc.collect()  # what the worker inherited and let go of is not kept for ever
    gc.freeze()


def has_fast_font_subsetting() -> bool:
    """Whether WeasyPrint will find libharfbuzz-subset; without it, it falls back to
    fontTools, renders about twice as slowly, and writes PDFs that differ run to run.
    Answered without importing WeasyPrint."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None


def render_handout(html: str, base_dir: Path, allowed_dirs: list[Path]) -> Handout:
    """Lay out `html` and write it as a tagged PDF (PDF/UA), refusing to exceed two pages.

    Parts of the handout marked `data-optional="N"` (the charts that repeat what the text
    says) are left out, the highest N first, while the handout runs past two pages; and
    left out altogether when the second page would otherwise hold less than a third of a
    page and the handout fits on one without them. `Handout.html` is what was laid out.

    `allowed_dirs` are the folders it may load files from: the proposal folder first,
    then the template folders (see `fetcher.confined_fetcher`). A file of the proposal folder it
    may not load (a hard link, a symbolic link, not a regular file) is a RenderError
    located at that file: the handout is not made."""
    with captured_warnings("weasyprint") as warnings:
        layouts = Layouts(html, base_dir, allowed_dirs)
        document, hidden = _fitted(layouts.lay_out, optional_ranks(html))
        layouts.refuse_forbidden()
        if len(document.pages) > MAX_PAGES:
            raise HandoutTooLong(len(document.pages), _longest_section(document))
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", finisher=scope_header_cells)
        layouts.refuse_forbidden()  # attachments are fetched as the PDF is written
    messages = [
        f"refused to load {url}: only files inside the proposal folder and the templates"
        for url in dict.fromkeys(layouts.refused())
    ]
    found = dict.fromkeys([*layouts.parse_warnings(), *warnings])
    return Handout(pdf, len(document.pages), [*messages, *found], _without(html, hidden))


OPTIONAL = re.compile(r'data-optional="(\d+)"')
MIN_FILL = 1 / 3  # of a page's height: a last page holding less looks left over


def optional_ranks(html: str) -> list[int]:
    """The ranks of the optional parts in `html`, lowest first."""
    return sorted({int(n) for n in OPTIONAL.findall(html)})


def _without(html: str, ranks: list[int]) -> str:
    """`html` with its optional parts of these ranks hidden."""
    if not ranks:
        return html
    head = html.find("</head>")
    style = f"<style>{hiding_css(ranks)}</style>"
    return html[:head] + style + html[head:] if head >= 0 else style + html


def _fitted(lay_out: Callable[[list[int]], Any], ranks: list[int]) -> tuple[Any, list[int]]:
    """The layout with as many optional parts as two pages hold (see `render_handout`),
    and the ranks it leaves out. `lay_out` lays the handout out with some ranks hidden.

    A layout costs a few tenths of a second, so a candidate that the first layout shows
    cannot fit is not laid out: leaving parts out frees at most their own height and the
    space left blank at the foot of the pages kept from the one before the first part
    left out (see `_might_fit`)."""
    ranks = list(ranks)
    dropped: list[int] = []
    document = full = lay_out([])
    parts = _optional_parts(full)
    while len(document.pages) > MAX_PAGES and ranks:
        dropped.append(ranks.pop())
        if ranks and not _might_fit(full, _Freed.of(parts, dropped), MAX_PAGES):
            continue
        document = lay_out(list(dropped))
    if (
        len(document.pages) == MAX_PAGES
        and ranks
        and page_fill(document, -1) < MIN_FILL
        and _might_fit(document, _Freed(sum(parts[n].height for n in ranks if n in parts)), 1)
    ):
        single = lay_out(dropped + ranks)
        if len(single.pages) == 1:
            return single, dropped + ranks
    return document, dropped


SLACK = 3.0  # CSS px (0.8 mm): margins that may collapse differently once a part is gone


@dataclass(frozen=True)
class _Part:
    """An optional part as a layout placed it: its height, all pages together, and the
    page (from 0) it begins on."""

    height: float
    page: int


@dataclass(frozen=True)
class _Freed:
    """Optional parts left out: their height in all, and the first page that may be laid
    out otherwise without them, the one before the page the first of them begins on (a
    heading kept with it by `break-after: avoid` may move back there)."""

    height: float
    from_page: int = 0

    @classmethod
    def of(cls, parts: dict[int, _Part], ranks: list[int]) -> _Freed:
        found = [parts[n] for n in ranks if n in parts]
        first = min((part.page for part in found), default=0)
        return cls(sum(part.height for part in found), max(first - 1, 0))


def _might_fit(document: Any, freed: _Freed, pages: int) -> bool:
    """Whether `document`, less the parts `freed`, could fit on `pages` pages.

    Only if what runs past those pages is no taller than the freed height plus the blank
    space at the foot of the pages kept (a part left out can let a block held over by
    `break-inside: avoid` move up), counted from `freed.from_page`: the pages before it
    hold the same blocks, broken in the same places, with or without the parts. When this
    says no, no layout can say yes; when it says yes, a layout decides."""
    extents = [_page_extent(page) for page in page_boxes(document)]
    kept = extents[freed.from_page : pages]
    blank = sum(bottom - last for _top, _first, last, bottom in kept)
    past = sum(last - top for top, _first, last, _bottom in extents[pages:])
    return past <= freed.height + blank + SLACK


def _optional_parts(document: Any) -> dict[int, _Part]:
    """Each rank of optional parts as `document` placed it."""
    parts: dict[int, _Part] = {}

    def walk(box: Any, page: int) -> None:
        element: Any = getattr(box, "element", None)
        rank = element.get("data-optional") if hasattr(element, "get") else None
        if rank is not None and getattr(box, "element_tag", None) not in ("html", "body"):
            before = parts.get(int(rank), _Part(0.0, page))
            parts[int(rank)] = _Part(before.height + box.margin_height(), before.page)
            return
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(page_boxes(document)):
        walk(page, number)
    return parts


def page_fill(document: Any, index: int) -> float:
    """How much of a page's height its text and pictures span, from the first to the last
    (the running footer left out), as a fraction of the page's height."""
    page = page_boxes(document)[index]
    _top, first, last, _bottom = _page_extent(page)
    return float((last - first) / page.margin_height())


def _page_extent(page: Any) -> tuple[float, float, float, float]:
    """A page's content area (top, bottom) and where its text and pictures begin and end,
    as (top, first, last, bottom); on a page without any, they begin and end at its top."""
    from weasyprint.formatting_structure import boxes

    tops: list[float] = []
    bottoms: list[float] = []

    def walk(box: Any) -> None:
        if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)) or (
            getattr(box, "element_tag", None) == "{http://www.w3.org/2000/svg}svg"
        ):
            tops.append(box.position_y)
            bottoms.append(box.position_y + box.margin_height())
            return
        for child in getattr(box, "children", []):
            walk(child)

    for child in page.children:
        if not isinstance(child, boxes.MarginBox):
            walk(child)
    top = page.content_box_y()
    bottom = top + page.height
    if not tops:
        return top, top, top, bottom
    return top, min(tops), max(bottoms), bottom


def scope_header_cells(document: Any, pdf: Any) -> None:
    """Give every table header cell its /Scope: WeasyPrint ties headers to data cells with
    /IDs and /Headers, but writes no /Scope, which PDF/UA checkers look for on /TH
    (Matterhorn 15-003). A header in the table's head is a column's; one in its body
    begins a row, as the templates write them (`<th scope="row">`)."""
    import pydyf  # type: ignore[import-untyped]  # untyped, like WeasyPrint

    parents = {}
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem":
            parents[obj.reference] = obj
    for obj in parents.values():
        if obj.get("S") != "/TH":
            continue
        row = parents.get(obj.get("P"))
        group = parents.get(row.get("P")) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        attributes = obj.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = obj["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = "/Column" if in_head else "/Row"


def _longest_section(document: Any) -> str | None:
    """The `data-section` whose boxes take the most height across all pages."""
    heights: dict[str, float] = {}

    def walk(box: Any) -> None:
        element = getattr(box, "element", None)
        name = (
            element.get("data-section") if element is not None and hasattr(element, "get") else None
        )
        if name and getattr(box, "element_tag", None) == "section":
            heights[name] = heights.get(name, 0.0) + box.margin_height()
            return
        for child in getattr(box, "children", []):
            walk(child)

    for box in page_boxes(document):
        walk(box)
    return max(heights, key=heights.__getitem__) if heights else None


def page_boxes(document: Any) -> list[Any]:
    """The laid-out box of each page of a rendered document.

    WeasyPrint has no public way to walk its layout, so this is the one place that uses
    its private `Page._page_box`; tests/test_build.py (the longest part of a long handout)
    and tests/test_handout_print.py fail loudly on a WeasyPrint
    version that renames it (the version range in pyproject.toml is the one tested)."""
    return [page._page_box for page in document.pages]
