"""The decks' PDFs: every slide of a deck a 16:9 page, laid out by WeasyPrint from the
deck's own HTML, so that "send me the slides" is answered without a browser at build time.

The deck is laid out as it is published, with its own inline style (the slides' look) and
`present/deck-print.css` as a user stylesheet: each slide and sub-slide a page of the size
reveal.js lays a slide out in, the speaker notes left out. reveal.js's own stylesheet is
left out: it places slides on a screen, one at a time.

What the deck loads from the site's assets (its fonts, the logo) is loaded from where the
site copies them from, through the handouts' confined fetcher: a proposal pulls nothing
from elsewhere into its slides. The deck is laid out without a base URL, so that its links
to the other decks stay relative in the PDF, as they are beside it; a relative address
that is not the site's assets is not loaded (WeasyPrint says so, as a warning).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from buildcase.engines.weasyprint import scope_header_cells
from buildcase.engines.weasyprint.chart_labels import labels_in_html, labels_under_their_figure
from buildcase.engines.weasyprint.fetcher import confined_fetcher
from buildcase.engines.weasyprint.layouts import ParsedStyles, parsed_stylesheets
from buildcase.logs import captured_warnings
from buildcase.workspace.layout import ASSETS, logo_name

PRINT_CSS = Path("present", "deck-print.css")  # in the template folders, the first found
WHAT = "the deck's PDF"  # in the message of a file it may not load


@dataclass
class DeckPdf:
    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


def render_decks(
    decks: dict[str, str], assets_dir: Path, allowed_dirs: list[Path], logo: Path | None = None
) -> dict[str, DeckPdf]:
    """Each deck of `decks` (file name -> HTML, as published) as a tagged PDF (PDF/UA), one
    slide a page, by the same file name.

    A proposal's decks are mostly the same slides: a department head's deck is the
    executives' argument with that head's own ask. So the decks that differ only in their
    slides (and title) are laid out together, as one document of their distinct slides,
    and each deck's PDF is written from its own pages of it: for the reference proposal,
    61 slides laid out where its four decks have 108, a quarter less work. A deck whose
    slides cannot be told apart (a proposal's own template may write anything) is laid out
    on its own, as is any deck where the shared document does not come out a page a slide.

    `assets_dir` is what the site publishes as its assets, `logo` the proposal's logo;
    `allowed_dirs` the folders it may load files from: the proposal folder first, then the
    template folders (see `fetcher.confined_fetcher`). A file of the proposal folder it may
    not load is a RenderError located at that file: no PDF is made. What WeasyPrint warns
    of while laying out slides that decks share is told once, with the first of them."""
    site = site_files(assets_dir, logo)
    sources = {name: printable(html, site) for name, html in decks.items()}
    made: dict[str, DeckPdf] = {}
    for group in shared_layouts(sources):
        made.update(laid_out_together(group, allowed_dirs))
    return {name: made[name] for name in decks}


def render_deck(
    html: str, assets_dir: Path, allowed_dirs: list[Path], logo: Path | None = None
) -> DeckPdf:
    """The deck `html` as a tagged PDF (PDF/UA), one slide a page (see `render_decks`)."""
    return render_decks({"deck": html}, assets_dir, allowed_dirs, logo)["deck"]


@dataclass
class Slides:
    """A printable deck taken apart: what surrounds its slides (its <title> left out), its
    <title>, and each slide as the text that lays it out alone: a sub-slide inside the
    opening tag of its stack. `source` is the deck whole."""

    source: str
    frame: tuple[str, str]
    title: str
    slides: list[str]


def shared_layouts(sources: dict[str, str]) -> list[dict[str, Slides | str]]:
    """The decks of `sources` in groups laid out together: those with the same frame
    (stylesheet, language) share a group; a deck whose slides cannot be taken apart is a
    group of its own, as its whole HTML."""
    groups: dict[object, dict[str, Slides | str]] = {}
    for name, source in sources.items():
        slides = taken_apart(source)
        key: object = slides.frame if slides is not None else name
        groups.setdefault(key, {})[name] = slides if slides is not None else source
    return list(groups.values())


TITLE = re.compile(r"<title>.*?</title>", re.S)
SLIDES_START = '<div class="slides">'
SECTION_TAG = re.compile(r"<(/?)section\b[^>]*>")


def taken_apart(source: str) -> Slides | None:
    """The deck's slides, each a page; None unless its slides are sections (stacks of
    them one deep) inside the one slides <div> its template writes, and its title one."""
    head_end = source.find(SLIDES_START)
    titles = TITLE.findall(source[:head_end])
    if head_end < 0 or len(titles) != 1 or source.count(SLIDES_START) != 1:
        return None
    start = head_end + len(SLIDES_START)
    slides: list[str] = []
    open_tags: list[tuple[int, str, int]] = []  # (where, the tag, slides found before it)
    end, after_opening = start, False
    for tag in SECTION_TAG.finditer(source, start):
        closing = bool(tag.group(1))
        if source[end : tag.start()].strip() and not (after_opening and closing):
            return None  # something outside a slide: on no page of its own, or on one
        end, after_opening = tag.end(), not closing
        if not closing:
            open_tags.append((tag.start(), tag.group(0), len(slides)))
            if len(open_tags) > 2:
                return None
            continue
        if not open_tags:
            return None
        opened, _tag, before = open_tags.pop()
        if len(slides) == before:  # nothing inside it was a slide: it is one
            stack = "".join(t for _w, t, _b in open_tags)
            slides.append(stack + source[opened : tag.end()] + "</section>" * len(open_tags))
    if open_tags or not slides:
        return None
    head = source[:start]
    frame = (TITLE.sub("", head), source[end:])
    return Slides(source, frame, titles[0], slides)


def laid_out_together(
    group: dict[str, Slides | str], allowed_dirs: list[Path]
) -> dict[str, DeckPdf]:
    """Each deck of the group written from one layout of their distinct slides; a deck
    given whole (a str), or a group whose layout is not a page a slide, laid out alone."""
    made = {
        name: Layout(deck, allowed_dirs).pdfs({name: Part()})[name]
        for name, deck in group.items()
        if isinstance(deck, str)
    }
    decks = {name: deck for name, deck in group.items() if isinstance(deck, Slides)}
    if decks:
        distinct = list(dict.fromkeys(s for deck in decks.values() for s in deck.slides))
        page = {slide: i for i, slide in enumerate(distinct)}
        first = next(iter(decks.values()))
        head, tail = first.frame
        html = head.replace("<head>", f"<head>{first.title}", 1) + "\n".join(distinct) + tail
        layout = Layout(html, allowed_dirs)
        if len(layout.document.pages) == len(distinct):
            parts = {name: Part([page[s] for s in d.slides], d.title) for name, d in decks.items()}
            made.update(told_as_alone(layout.pdfs(parts), decks))
        else:  # not a page a slide: each deck as it is
            for name, deck in decks.items():
                made[name] = Layout(deck.source, allowed_dirs).pdfs({name: Part()})[name]
    return {name: made[name] for name in group}


ANCHOR_TWICE = re.compile(r"Anchor defined twice: '(.*)'$")


def told_as_alone(made: dict[str, DeckPdf], decks: dict[str, Slides]) -> dict[str, DeckPdf]:
    """The PDFs without the warnings the shared layout alone gives: an id twice in it, where
    two decks show the same chart on different slides, but no deck has it twice."""

    def twice_in_a_deck(anchor: str) -> bool:
        given = f'id="{anchor}"'
        return any("".join(d.slides).count(given) > 1 for d in decks.values())

    for pdf in made.values():
        pdf.warnings = [
            w for w in pdf.warnings
            if not (m := ANCHOR_TWICE.search(w)) or twice_in_a_deck(m.group(1))
        ]  # fmt: skip
    return made


@dataclass
class Part:
    """A deck's pages of a layout (all of them: None), and its <title> if not the layout's."""

    pages: list[int] | None = None
    title: str | None = None


class Layout:
    """A deck's HTML laid out for print, ready to write the PDFs of some of its pages."""

    def __init__(self, html: str, allowed_dirs: list[Path]):
        import weasyprint

        self.fetcher = confined_fetcher(weasyprint, allowed_dirs)
        with captured_warnings("weasyprint") as self.warnings:
            body, self.own = own_style(html, allowed_dirs)
            url = print_stylesheet(allowed_dirs).as_uri()
            style = weasyprint.CSS(url=url, url_fetcher=self.fetcher)
            self.document = weasyprint.HTML(string=body, url_fetcher=self.fetcher).render(
                stylesheets=[*self.own.sheets, style],
                font_config=self.own.fonts,
                counter_style=self.own.counters,
            )

    def pdfs(self, parts: dict[str, Part]) -> dict[str, DeckPdf]:
        """Each part's PDF, by its name; the layout's warnings with the first."""
        made: dict[str, tuple[bytes, int]] = {}
        with captured_warnings("weasyprint") as warnings:  # attachments: fetched as written
            for name, part in parts.items():
                made[name] = self.written(part)
        forbidden = [*self.own.forbidden, *self.fetcher.forbidden]
        if forbidden:
            raise forbidden[0].error(WHAT)
        refused = [
            f"refused to load {url}: only the site's assets and files inside the proposal folder"
            for url in dict.fromkeys([*self.own.refused(), *self.fetcher.refused])
        ]
        told = dict.fromkeys([*self.own.warnings, *self.warnings, *warnings])
        found = [*refused, *(w for w in told if not SCREEN_ONLY.match(w))]
        return {
            name: DeckPdf(pdf, pages, found if i == 0 else [])
            for i, (name, (pdf, pages)) in enumerate(made.items())
        }

    def written(self, part: Part) -> tuple[bytes, int]:
        document = self.document
        if part.pages is not None:
            document = document.copy([document.pages[i] for i in part.pages])
            document.metadata = copy.copy(document.metadata)
            document.metadata.title = title_text(part.title or "")
        pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=finished)
        return pdf, len(document.pages)


def finished(document: Any, pdf: Any) -> None:
    """The deck's PDF before it is written: its tables' headers scoped as the handout's,
    its charts' labels read as part of their figure (`chart_labels`)."""
    scope_header_cells(document, pdf)
    labels_under_their_figure(pdf)


def title_text(title: str) -> str:
    """The text of a <title> element, as WeasyPrint would take it for the PDF's title."""
    inner = re.sub(r"^<title>|</title>$", "", title)
    return " ".join(unescape(inner).split())


def own_style(html: str, allowed_dirs: list[Path]) -> tuple[str, ParsedStyles]:
    """The deck without its <style> and that style parsed, once a process for every deck
    that has the same (a proposal's decks do): a tenth of the time of a deck. Its rules
    may say `!important`: the print stylesheet, given after, wins where both do. A deck
    whose style cannot be taken out (a proposal's own template may write anything) keeps
    it, and is given no style here."""
    kept = parsed_stylesheets(html, None, allowed_dirs, important=True)
    return kept if kept else (html, ParsedStyles([], None, None, (), [], []))


# The deck's style is written for browsers: a property WeasyPrint does not know (such as
# `text-shadow`) is one paper does without, not a problem the author can act on.
SCREEN_ONLY = re.compile(r"Ignored `[^`]*` at \d+:\d+, unknown property\.$")


def print_stylesheet(allowed_dirs: list[Path]) -> Path:
    """The deck's print stylesheet: the first of the template folders (after the proposal
    folder) that has one, as a template is found; buildcase's own, the last, always has."""
    folders = allowed_dirs[1:]
    found = [d / PRINT_CSS for d in folders if os.path.lexists(d / PRINT_CSS)]
    return found[0] if found else folders[-1] / PRINT_CSS


def site_files(assets_dir: Path, logo: Path | None) -> dict[str, str]:
    """What the site publishes beside the decks, by the path a deck gives it: the logo
    (as the site's theme names it) and the assets folder, each as a URL WeasyPrint loads."""
    files = {logo_name(logo.suffix): logo.as_uri()} if logo is not None else {}
    return {**files, f"{ASSETS}/": assets_dir.as_uri() + "/"}


# A <link> to a stylesheet; neither run of its attributes crosses a '<', so that each try
# stops at the next tag (a page of unclosed `<link ` took the square of its length).
STYLESHEET_LINK = re.compile(r"<link\b[^<>]*\brel=[\"']?stylesheet\b[^<>]*>", re.I)
NOTES, NOTES_END = '<aside class="notes">', "</aside>"
# A WOFF2 font source followed by the same font as OpenType or TrueType, in an
# @font-face's `src` (no part of a URL runs across a quote, a bracket or a space).
WOFF2_FIRST = re.compile(
    r"""url\(\s*(["']?)[^"'()\s]*\.woff2\1\s*\)\s*format\(\s*["']?woff2["']?\s*\)\s*,\s*"""
    r"""(?=url\(\s*["']?[^"'()\s]*\.(?:otf|ttf)["']?\s*\))""",
    re.I,
)


def without_notes(html: str) -> str:
    """`html` without its speaker notes, found with `str.find` (see `in_style_elements`)."""
    parts, at = [], 0
    while (start := html.find(NOTES, at)) >= 0 and (end := html.find(NOTES_END, start)) >= 0:
        parts.append(html[at:start])
        at = end + len(NOTES_END)
    return "".join([*parts, html[at:]])


def in_style_elements(html: str, change: Callable[[str], str]) -> str:
    """`html` with the text of each <style> element changed; found with `str.find`, in
    one pass whatever a proposal's own template writes (a regular expression looking for
    each `<style`'s end would read the rest of the page again for each)."""
    lower, parts, at = html.lower(), [], 0
    while (start := lower.find("<style", at)) >= 0:
        if lower[start + 6 : start + 7] not in (" ", "\t", "\n", "\r", "\f", "/", ">"):
            parts.append(html[at : start + 6])  # <styles>: another element
            at = start + 6
            continue
        opened, end = lower.find(">", start), lower.find("</style>", start)
        if opened < 0 or end < 0:
            break
        parts += [html[at : opened + 1], change(html[opened + 1 : end])]
        at = end
    return "".join([*parts, html[at:]])


def printable(html: str, site: dict[str, str]) -> str:
    """The deck's HTML as WeasyPrint lays it out: without links to stylesheets (reveal.js's
    screen layout), and every `src`, `href` and `url(...)` that begins with a path of
    `site` pointing where that file is. Text from the proposal cannot start such an
    attribute: its quotes are escaped.

    The speaker notes, which the print stylesheet hides, are taken out before: parsed and
    styled for nothing, they cost a tenth of the layout. The charts' labels are set as HTML
    text over them (`chart_labels`): a fifth of the time, drawn as SVG text. A font given
    as WOFF2 and then as OpenType or TrueType is loaded from the latter: WeasyPrint unpacks a
    WOFF2 font in Python, 0.05 s for the deck's four, once a process, where the same font
    as OpenType loads in 0.01 s; the PDF embeds the same glyphs."""
    html = labels_in_html(without_notes(STYLESHEET_LINK.sub("", html)))
    html = in_style_elements(html, lambda style: WOFF2_FIRST.sub("", style))
    paths = "|".join(re.escape(p) for p in sorted(site, key=len, reverse=True))
    address = re.compile(rf"(\b(?:src|href)=\"|url\([\"']?)({paths})")
    return address.sub(lambda m: m.group(1) + site[m.group(2)], html)
