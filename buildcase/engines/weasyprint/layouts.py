"""The handout laid out with some of its optional parts hidden, as often as fitting it
takes: its HTML parsed once for all of them, its charts' drawings out of it (parsed once,
as the PDF is written: `svg_as_images`), and its stylesheets and fonts once per process
for every handout that has the same ones (and a deck's, for every deck: `decks`).
"""

from __future__ import annotations

import atexit
import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from buildcase.engines.weasyprint.fetcher import (
    Forbidden,
    Places,
    Stamp,
    confined_fetcher,
    url_stamp,
)
from buildcase.logs import captured_warnings


class Layouts:
    """The handout laid out with some of its optional parts hidden, as often as fitting
    it takes, from one parse of its HTML and stylesheets kept from earlier handouts."""

    def __init__(self, html: str, base_dir: Path, allowed_dirs: list[Path]):
        import weasyprint

        self.weasyprint = weasyprint
        self.fetcher = confined_fetcher(weasyprint, allowed_dirs)
        base_url = base_dir.as_uri() + "/"
        split = parsed_stylesheets(html, base_url, allowed_dirs)
        self.parsed: ParsedStyles | None = split[1] if split else None
        body = svg_as_images(split[0] if split else html)
        self.source = weasyprint.HTML(string=body, base_url=base_url, url_fetcher=self.fetcher)

    def lay_out(self, hidden: list[int]) -> Any:
        """The layout with the optional parts of these ranks hidden."""
        sheets = [*self.parsed.sheets] if self.parsed else []
        if hidden:
            sheets.append(self.weasyprint.CSS(string=hiding_css(hidden)))
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


SVG = re.compile(r"<svg\b([^>]*)>(.*?)</svg>", re.S)
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
TITLE = re.compile(r"<title\b[^>]*>.*?</title>", re.S)
VIEW_BOX = re.compile(r'\bviewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"')
# What keeps an SVG inline: a link or url() to anything but its own parts, a DOCTYPE, an
# entity, a comment or a processing instruction, a <style>, an SVG inside.
NOT_AS_IMAGE = re.compile(r"""href\s*=\s*["'](?!#)|url\((?!#)|<!|<\?|<style|<svg""", re.I)


def svg_as_images(html: str) -> str:
    """`html` with each chart's drawing out of the document: an <svg> keeps its own
    attributes and <title> (what its stylesheet and its PDF tag read), and holds its
    drawing as one <image> of the same SVG, which WeasyPrint parses once, as it writes.

    An SVG written inline is parsed with the HTML and styled, element by element, at every
    layout, though nothing in a stylesheet reaches inside it: a chart is half the elements
    of a handout. Out of the document, the HTML parses in a third of the time and each
    layout takes 5 to 10% less; the pages look and are tagged the same. An SVG is kept
    inline unless it is a complete, namespaced XML document with a viewBox that loads
    nothing and declares nothing (`NOT_AS_IMAGE`): so that, drawn as an image from a
    `data:` URI, it draws exactly as it did, and its XML is parsed with no entity to
    expand."""
    return SVG.sub(_svg_as_image, html)


def _svg_as_image(svg: re.Match[str]) -> str:
    whole, attributes, inside = svg.group(0), svg.group(1), svg.group(2)
    box = VIEW_BOX.search(attributes)
    if box is None or NOT_AS_IMAGE.search(inside) or NOT_AS_IMAGE.search(attributes):
        return whole
    try:
        if ElementTree.fromstring(whole).tag != f"{SVG_NAMESPACE}svg":
            return whole
    except ElementTree.ParseError:
        return whole
    x, y, width, height = box.groups()
    title = TITLE.search(inside)
    data = base64.b64encode(whole.encode()).decode("ascii")
    image = f'x="{x}" y="{y}" width="{width}" height="{height}"'
    return (
        f"<svg{attributes}>{title.group(0) if title else ''}"
        f'<image {image} href="data:image/svg+xml;base64,{data}"/></svg>'
    )


def hiding_css(ranks: list[int]) -> str:
    """A stylesheet hiding the optional parts of these ranks. Given to WeasyPrint as a
    user stylesheet, whose `!important` no author rule can override."""
    return "".join(f'[data-optional="{n}"] {{ display: none !important; }}' for n in ranks)


@dataclass(frozen=True)
class ParsedStyles:
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
            url_stamp(url, places) == stamp for url, stamp in self.fetches
        )

    def followed_by(self, more: ParsedStyles) -> ParsedStyles:
        """These stylesheets, then `more`, parsed into the same fonts and counter styles."""
        return ParsedStyles(
            [*self.sheets, *more.sheets],
            self.fonts,
            self.counters,
            (*self.fetches, *more.fetches),
            [*self.warnings, *more.warnings],
            [*self.forbidden, *more.forbidden],
        )


def _fonts_on_disk(fonts: Any) -> bool:
    """Whether the copies of the fonts WeasyPrint made when it parsed @font-face are still
    there: they are in the temporary folder, which a build makes private to itself and
    removes at its end. (The private `_folder` of WeasyPrint's FontConfiguration; were it
    renamed, nothing would be kept, and tests/test_handout_stylesheets.py would say so.)"""
    folder: Any = getattr(fonts, "_folder", False)
    return folder is None or (folder is not False and Path(folder).is_dir())


STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_PARSED: dict[tuple[Any, ...], ParsedStyles] = {}
atexit.register(_PARSED.clear)  # font copies are removed while the interpreter still can
PARSED_KEPT = 8  # sets of stylesheets a process keeps: one a language, one more a brand
LOADS = re.compile(r"@font-face|@counter-style|@import|url\(", re.I)


def parsed_stylesheets(
    html: str, base_url: str | None, allowed_dirs: list[Path], important: bool = False
) -> tuple[str, ParsedStyles] | None:
    """The handout without its <style> elements and those stylesheets parsed, once per
    process; or None where taking them out of the document could change the cascade.

    WeasyPrint parses a document's stylesheets and loads their fonts at every layout, a
    third of the time of one. Parsed stylesheets can be kept if given as user stylesheets,
    whose rules then lose to the `style` attributes as rules in <style> do, as long as no
    <link> or other stylesheet stays in the document and no rule says `!important`
    (an important user rule would win over the user stylesheet hiding optional parts).
    `important` allows it where the document has no such stylesheet to lose to: a deck,
    whose print stylesheet's rules come after its own and win on equal specificity.

    Where the stylesheets after the first load nothing (no font, no counter style, no
    file), the first is kept on its own too, with its fonts, for every handout that has
    it: the handout's own stylesheet is the same for every proposal in a language, and
    only its second, the paper and the brand's colours, differs from one proposal to the
    next. Parsing it and loading its fonts anew cost each proposal 0.02 s, and as much
    again to drop them."""
    texts = STYLE.findall(html)
    if (
        not texts
        or len(texts) != len(re.findall(r"<style\b", html, re.I))
        or re.search(r"<link\b", html, re.I)
        or (not important and any("!important" in text for text in texts))
    ):
        return None
    places = Places.of(allowed_dirs)
    parsed = _kept(texts, base_url, places)
    if parsed is None and len(texts) > 1 and not any(LOADS.search(t) for t in texts[1:]):
        first = _kept(texts[:1], base_url, places) or _parse(texts[:1], base_url, allowed_dirs)
        _keep(texts[:1], base_url, first)  # as a document with that stylesheet alone
        parsed = first.followed_by(_parse(texts[1:], base_url, allowed_dirs, first))
    parsed = parsed or _parse(texts, base_url, allowed_dirs)
    _keep(texts, base_url, parsed)
    return STYLE.sub("", html), parsed


def _kept(texts: list[str], base_url: str | None, places: Places) -> ParsedStyles | None:
    """The parse kept of these stylesheets, if a parse for these places would be the same."""
    parsed = _PARSED.pop((tuple(texts), base_url), None)
    return parsed if parsed is not None and parsed.still_fetched_alike(places) else None


def _keep(texts: list[str], base_url: str | None, parsed: ParsedStyles) -> None:
    """Keep the parse of these stylesheets, as the one used last, unless its handout fails
    (it may not load a file): nothing to keep it for."""
    while len(_PARSED) >= PARSED_KEPT:
        del _PARSED[next(iter(_PARSED))]  # the one used longest ago
    if not parsed.forbidden:
        _PARSED[(tuple(texts), base_url)] = parsed


def _parse(
    texts: list[str],
    base_url: str | None,
    allowed_dirs: list[Path],
    after: ParsedStyles | None = None,
) -> ParsedStyles:
    """Stylesheets parsed as WeasyPrint parses a document's <style> elements, through a
    fetcher confined as the document's is, and what they fetched; into the fonts and
    counter styles of the stylesheets they follow, `after`, if any."""
    import weasyprint
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration

    fetcher = confined_fetcher(weasyprint, allowed_dirs)
    fonts = after.fonts if after else FontConfiguration()
    counters = after.counters if after else CounterStyle()
    with captured_warnings("weasyprint") as warnings:
        options = {"font_config": fonts, "counter_style": counters, "url_fetcher": fetcher}
        sheets = [weasyprint.CSS(string=text, base_url=base_url, **options) for text in texts]
    fetches = tuple(fetcher.asked)
    return ParsedStyles(sheets, fonts, counters, fetches, list(warnings), list(fetcher.forbidden))
