"""The one module that talks to WeasyPrint: the handout's HTML -> a PDF of at most two pages.

WeasyPrint is imported only when a PDF is made (importing it costs about half a second),
and it fetches nothing but files inside the folders it is given and `data:` URIs: a
proposal handed over by someone else cannot pull `/etc/passwd` or a web address into it.
A handout is laid out up to a few times to fit its two pages: its HTML is parsed once for
all of them, and its stylesheets and fonts once per process for every handout that has the
same ones (see `Layouts`). WeasyPrint has no type hints, so its objects are typed `Any` here.
"""

from __future__ import annotations

import atexit
import mimetypes
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from buildcase.errors import Location, RenderError
from buildcase.load.files import Unreadable, read_below, status_below
from buildcase.logs import captured_warnings

MAX_PAGES = 2
Stamp = tuple[int, int] | str | None  # what a URL was when fetched: see `_stamp`
# A picture, font or attachment of the proposal's own, fetched by the handout: a file
# larger is a mistake or an attack (it would be read into memory whole).
MAX_FETCHED_BYTES = 32_000_000


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


def warm_up() -> None:
    """Pay WeasyPrint's import (about half a second) before the first handout is due."""
    import weasyprint  # noqa: F401


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
    then the template folders (see `_confined_fetcher`). A file of the proposal folder it
    may not load (a hard link, a symbolic link, not a regular file) is a RenderError
    located at that file: the handout is not made."""
    with captured_warnings("weasyprint") as warnings:
        layouts = Layouts(html, base_dir, allowed_dirs)
        document, hidden = _fitted(layouts.lay_out, optional_ranks(html))
        layouts.refuse_forbidden()
        if len(document.pages) > MAX_PAGES:
            raise HandoutTooLong(len(document.pages), _longest_section(document))
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", finisher=_scope_header_cells)
        layouts.refuse_forbidden()  # attachments are fetched as the PDF is written
    messages = [
        f"refused to load {url}: only files inside the proposal folder and the templates"
        for url in dict.fromkeys(layouts.refused())
    ]
    found = dict.fromkeys([*layouts.parse_warnings(), *warnings])
    return Handout(pdf, len(document.pages), [*messages, *found], _without(html, hidden))


class Layouts:
    """The handout laid out with some of its optional parts hidden, as often as fitting
    it takes, from one parse of its HTML and stylesheets kept from earlier handouts."""

    def __init__(self, html: str, base_dir: Path, allowed_dirs: list[Path]):
        import weasyprint

        self.weasyprint = weasyprint
        self.fetcher = _confined_fetcher(weasyprint, allowed_dirs)
        base_url = base_dir.as_uri() + "/"
        split = _parsed_stylesheets(html, base_url, allowed_dirs)
        self.parsed: _Parsed | None = split[1] if split else None
        body = split[0] if split else html
        self.source = weasyprint.HTML(string=body, base_url=base_url, url_fetcher=self.fetcher)

    def lay_out(self, hidden: list[int]) -> Any:
        """The layout with the optional parts of these ranks hidden."""
        sheets = [*self.parsed.sheets] if self.parsed else []
        if hidden:
            sheets.append(self.weasyprint.CSS(string=_hiding(hidden)))
        if self.parsed is None:
            return self.source.render(stylesheets=sheets)
        fonts, counters = self.parsed.fonts, self.parsed.counters
        return self.source.render(stylesheets=sheets, font_config=fonts, counter_style=counters)

    def refused(self) -> list[str]:
        """What the fetcher refused, for the stylesheets (even when parsed earlier) too."""
        return [*(self.parsed.refused() if self.parsed else []), *self.fetcher.refused]

    def refuse_forbidden(self) -> None:
        """Raise the RenderError of the first file of the proposal folder that the handout
        asked for and may not load, if any. (A parse that asked for one is never kept.)"""
        forbidden = [*(self.parsed.forbidden if self.parsed else []), *self.fetcher.forbidden]
        if forbidden:
            raise forbidden[0].error()

    def parse_warnings(self) -> list[str]:
        """What WeasyPrint warned of when it parsed the stylesheets, maybe earlier."""
        return list(self.parsed.warnings) if self.parsed else []


OPTIONAL = re.compile(r'data-optional="(\d+)"')
MIN_FILL = 1 / 3  # of a page's height: a last page holding less looks left over


def optional_ranks(html: str) -> list[int]:
    """The ranks of the optional parts in `html`, lowest first."""
    return sorted({int(n) for n in OPTIONAL.findall(html)})


def _hiding(ranks: list[int]) -> str:
    """A stylesheet hiding the optional parts of these ranks. Given to WeasyPrint as a
    user stylesheet, whose `!important` no author rule can override."""
    return "".join(f'[data-optional="{n}"] {{ display: none !important; }}' for n in ranks)


def _without(html: str, ranks: list[int]) -> str:
    """`html` with its optional parts of these ranks hidden."""
    if not ranks:
        return html
    head = html.find("</head>")
    style = f"<style>{_hiding(ranks)}</style>"
    return html[:head] + style + html[head:] if head >= 0 else style + html


def _fitted(lay_out: Callable[[list[int]], Any], ranks: list[int]) -> tuple[Any, list[int]]:
    """The layout with as many optional parts as two pages hold (see `render_handout`),
    and the ranks it leaves out. `lay_out` lays the handout out with some ranks hidden.

    A layout costs a few tenths of a second, so a candidate that the first layout shows
    cannot fit is not laid out: leaving parts out frees at most their own height and the
    space left blank at the foot of the pages kept (see `_might_fit`)."""
    ranks = list(ranks)
    dropped: list[int] = []
    document = full = lay_out([])
    heights = _optional_heights(full)
    while len(document.pages) > MAX_PAGES and ranks:
        dropped.append(ranks.pop())
        if ranks and not _might_fit(full, sum(heights.get(n, 0.0) for n in dropped), MAX_PAGES):
            continue
        document = lay_out(list(dropped))
    if (
        len(document.pages) == MAX_PAGES
        and ranks
        and page_fill(document, -1) < MIN_FILL
        and _might_fit(document, sum(heights.get(n, 0.0) for n in ranks), 1)
    ):
        single = lay_out(dropped + ranks)
        if len(single.pages) == 1:
            return single, dropped + ranks
    return document, dropped


@dataclass(frozen=True)
class _Parsed:
    """A handout's stylesheets, parsed once for every handout that has the same ones."""

    sheets: list[Any]  # weasyprint.CSS, in the order of the <style> elements
    fonts: Any  # the FontConfiguration their @font-face rules loaded the fonts into
    counters: Any  # the CounterStyle their @counter-style rules went into
    fetches: tuple[tuple[str, Stamp], ...]  # each URL they asked for, and its stamp then
    warnings: list[str]  # what WeasyPrint warned of while parsing them
    forbidden: list[Forbidden]  # files of the proposal folder they may not load

    def refused(self) -> list[str]:
        return [url for url, stamp in self.fetches if stamp is None]

    def still_fetched_alike(self, places: Places) -> bool:
        """Whether a parse for these places would fetch the very same files and refuse the
        same URLs: handouts of other proposals, with other folders, share the parse."""
        return _fonts_on_disk(self.fonts) and all(
            _stamp(url, places) == stamp for url, stamp in self.fetches
        )


def _fonts_on_disk(fonts: Any) -> bool:
    """Whether the copies of the fonts WeasyPrint made when it parsed @font-face are still
    there: they are in the temporary folder, which a build makes private to itself and
    removes at its end. (The private `_folder` of WeasyPrint's FontConfiguration; were it
    renamed, nothing would be kept, and tests/test_handout_stylesheets.py would say so.)"""
    folder: Any = getattr(fonts, "_folder", False)
    return folder is None or (folder is not False and Path(folder).is_dir())


STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_PARSED: dict[tuple[Any, ...], _Parsed] = {}
atexit.register(_PARSED.clear)  # font copies are removed while the interpreter still can
PARSED_KEPT = 8  # sets of stylesheets a process keeps (each proposal's brand makes one)


def _parsed_stylesheets(
    html: str, base_url: str, allowed_dirs: list[Path]
) -> tuple[str, _Parsed] | None:
    """The handout without its <style> elements and those stylesheets parsed, once per
    process; or None where taking them out of the document could change the cascade.

    WeasyPrint parses a document's stylesheets and loads their fonts at every layout, a
    third of the time of one. Parsed stylesheets can be kept if given as user stylesheets,
    whose rules then lose to the `style` attributes as rules in <style> do, as long as no
    <link> or other stylesheet stays in the document and no rule says `!important`."""
    texts = STYLE.findall(html)
    if (
        not texts
        or len(texts) != len(re.findall(r"<style\b", html, re.I))
        or re.search(r"<link\b", html, re.I)
        or any("!important" in text for text in texts)
    ):
        return None
    key = (tuple(texts), base_url)
    parsed = _PARSED.pop(key, None)
    if parsed is None or not parsed.still_fetched_alike(Places.of(allowed_dirs)):
        parsed = _parse(texts, base_url, allowed_dirs)
    while len(_PARSED) >= PARSED_KEPT:
        del _PARSED[next(iter(_PARSED))]  # the one used longest ago
    if not parsed.forbidden:  # the handout fails: nothing to keep it for
        _PARSED[key] = parsed
    return STYLE.sub("", html), parsed


def _parse(texts: list[str], base_url: str, allowed_dirs: list[Path]) -> _Parsed:
    """Stylesheets parsed as WeasyPrint parses a document's <style> elements, through a
    fetcher confined as the document's is, and what they fetched."""
    import weasyprint
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _confined_fetcher(weasyprint, allowed_dirs)
    fonts, counters = FontConfiguration(), CounterStyle()
    with captured_warnings("weasyprint") as warnings:
        options = {"font_config": fonts, "counter_style": counters, "url_fetcher": fetcher}
        sheets = [weasyprint.CSS(string=text, base_url=base_url, **options) for text in texts]
    fetches = tuple(fetcher.asked)
    return _Parsed(sheets, fonts, counters, fetches, list(warnings), list(fetcher.forbidden))


SLACK = 3.0  # CSS px (0.8 mm): margins that may collapse differently once a part is gone


def _might_fit(document: Any, freed: float, pages: int) -> bool:
    """Whether `document`, less parts `freed` high in all, could fit on `pages` pages.

    Only if what runs past those pages is no taller than the freed height plus the blank
    space at the foot of the pages kept (a part left out can let a block held over by
    `break-inside: avoid` move up). When this says no, no layout can say yes; when it says
    yes, a layout decides."""
    extents = [_page_extent(page) for page in page_boxes(document)]
    blank = sum(bottom - last for _top, _first, last, bottom in extents[:pages])
    past = sum(last - top for top, _first, last, _bottom in extents[pages:])
    return past <= freed + blank + SLACK


def _optional_heights(document: Any) -> dict[int, float]:
    """The height each rank of optional parts takes in `document`, all pages together."""
    heights: dict[int, float] = {}

    def walk(box: Any) -> None:
        element: Any = getattr(box, "element", None)
        rank = element.get("data-optional") if hasattr(element, "get") else None
        if rank is not None and getattr(box, "element_tag", None) not in ("html", "body"):
            heights[int(rank)] = heights.get(int(rank), 0.0) + box.margin_height()
            return
        for child in getattr(box, "children", []):
            walk(child)

    for page in page_boxes(document):
        walk(page)
    return heights


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


def _scope_header_cells(document: Any, pdf: Any) -> None:
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


@dataclass(frozen=True)
class Places:
    """The folders a handout may load files from. The proposal folder's files are held to
    the rules of every file a proposal names (README, "It reads nothing from elsewhere"):
    each is read by its own name, through no link, and must be a regular file with one
    name, since a hard link may be a file from anywhere under a name inside. The template
    folders (the workspace's and buildcase's) are trusted: their files are followed
    through links that stay inside them, and may have several names (fonts installed by
    a package manager often do)."""

    proposal: Path | None  # links resolved
    proposal_names: tuple[Path, ...]  # the absolute names a URL may give it: as given, resolved
    trusted: tuple[Path, ...]  # links resolved

    @classmethod
    def of(cls, allowed_dirs: list[Path]) -> Places:
        """The places of `render_handout`'s `allowed_dirs`: the proposal folder first."""
        if not allowed_dirs:
            return cls(None, (), ())
        folder, *trusted = allowed_dirs
        names = tuple(dict.fromkeys([Path(os.path.abspath(folder)), folder.resolve()]))
        return cls(folder.resolve(), names, tuple(d.resolve() for d in trusted))

    def in_proposal(self, path: str) -> ProposalFile | None:
        """The file `path` names in the proposal folder, read as it is written (no link
        followed), or None if it names none there."""
        written = Path(os.path.normpath(path))
        for name in self.proposal_names:
            if self.proposal is not None and written.is_relative_to(name):
                return ProposalFile(written, self.proposal, written.relative_to(name))
        return None

    def trusted_file(self, path: str) -> Path | None:
        """The file `path` leads to, links followed, if it is inside a template folder and
        not in the proposal folder (reached from outside it through a link)."""
        real = Path(path).resolve()
        if self.proposal is not None and real.is_relative_to(self.proposal):
            return None
        return real if any(real.is_relative_to(root) for root in self.trusted) else None


class ProposalFile(NamedTuple):
    """A file of the proposal folder, as a URL names it."""

    written: Path  # as the URL writes it, for messages
    folder: Path  # the proposal folder, links resolved
    relative: Path  # below it


@dataclass(frozen=True)
class Forbidden:
    """A file of the proposal folder that the handout asked for and may not load, and why
    (`reason` reads after "which")."""

    path: Path
    reason: str

    def error(self) -> RenderError:
        return RenderError(
            Location(self.path), f"the handout may not load this file, which {self.reason}"
        )


def _local_path(url: str) -> str | None:
    """The path a `file:` URL names on this machine, or None for any other URL (a `file:`
    URL naming another host would be fetched from the network)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


def _stamp(url: str, places: Places) -> Stamp:
    """None for a URL the handout may not fetch; for a file it may, its size and time of
    change; "data" for a data: URI."""
    if urlsplit(url).scheme == "data":
        return "data"
    path = _local_path(url)
    if path is None:
        return None
    found = places.in_proposal(path)
    if found is not None:
        try:
            status = status_below(found.folder, found.relative, MAX_FETCHED_BYTES)
        except Unreadable:
            return None
        return status.st_size, status.st_mtime_ns
    real = places.trusted_file(path)
    try:
        trusted = os.stat(real) if real is not None else None
    except OSError:
        return None
    if trusted is None or not stat.S_ISREG(trusted.st_mode):
        return None
    return trusted.st_size, trusted.st_mtime_ns


def _confined_fetcher(weasyprint: Any, allowed_dirs: list[Path]) -> Any:
    """A URL fetcher for data: URIs and files of the `Places` of `allowed_dirs` (the
    proposal folder first, then the template folders); its `refused` lists the URLs it
    refused, its `forbidden` the files of the proposal folder it may not load (each fails
    the handout), its `asked` everything asked for, with its stamp.

    A file of the proposal folder is read here, by `read_below`, and its stamp taken
    from the descriptor read: checking a name and then letting WeasyPrint open it again
    would leave a moment to swap the file for a link."""
    places = Places.of(allowed_dirs)

    class ConfinedFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]  # untyped WeasyPrint: URLFetcher is Any
        refused: list[str]
        forbidden: list[Forbidden]
        asked: list[tuple[str, Stamp]]

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = _local_path(url)
            found = places.in_proposal(path) if path is not None else None
            if found is not None:
                return self.proposal_file(url, found)
            stamp = _stamp(url, places)
            self.asked.append((url, stamp))
            if stamp is not None:
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"buildcase does not fetch {url}")

        def proposal_file(self, url: str, found: ProposalFile) -> Any:
            try:
                data, status = read_below(found.folder, found.relative, MAX_FETCHED_BYTES)
            except Unreadable as e:
                self.asked.append((url, None))
                if e.kind == "missing":  # a picture not there: a warning, as for any URL
                    self.refused.append(url)
                else:
                    self.forbidden.append(Forbidden(found.written, e.reason))
                raise ValueError(f"buildcase does not fetch {url}: it {e.reason}") from None
            self.asked.append((url, (status.st_size, status.st_mtime_ns)))
            kind = mimetypes.guess_type(found.relative.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, data, {"Content-Type": kind})

    fetcher = ConfinedFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    fetcher.refused = []
    fetcher.forbidden = []
    fetcher.asked = []
    return fetcher


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
