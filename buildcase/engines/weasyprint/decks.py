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

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from buildcase.engines.weasyprint import scope_header_cells
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


def render_deck(
    html: str, assets_dir: Path, allowed_dirs: list[Path], logo: Path | None = None
) -> DeckPdf:
    """The deck `html` as a tagged PDF (PDF/UA), one slide a page.

    `assets_dir` is what the site publishes as its assets, `logo` the proposal's logo;
    `allowed_dirs` the folders it may load files from: the proposal folder first, then the
    template folders (see `fetcher.confined_fetcher`). A file of the proposal folder it may
    not load is a RenderError located at that file: the PDF is not made."""
    import weasyprint

    fetcher = confined_fetcher(weasyprint, allowed_dirs)
    source = printable(html, site_files(assets_dir, logo))
    with captured_warnings("weasyprint") as warnings:
        body, own = own_style(source, allowed_dirs)
        style = weasyprint.CSS(url=print_stylesheet(allowed_dirs).as_uri(), url_fetcher=fetcher)
        document = weasyprint.HTML(string=body, url_fetcher=fetcher).render(
            stylesheets=[*own.sheets, style], font_config=own.fonts, counter_style=own.counters
        )
        pdf = document.write_pdf(pdf_variant="pdf/ua-1", finisher=scope_header_cells)
    forbidden = [*own.forbidden, *fetcher.forbidden]  # attachments: fetched as it is written
    if forbidden:
        raise forbidden[0].error(WHAT)
    refused = [
        f"refused to load {url}: only the site's assets and files inside the proposal folder"
        for url in dict.fromkeys([*own.refused(), *fetcher.refused])
    ]
    found = [w for w in dict.fromkeys([*own.warnings, *warnings]) if not SCREEN_ONLY.match(w)]
    return DeckPdf(pdf, len(document.pages), [*refused, *found])


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


STYLESHEET_LINK = re.compile(r"<link\b[^>]*\brel=[\"']?stylesheet\b[^>]*>", re.I)
NOTES = re.compile(r'<aside class="notes">.*?</aside>', re.S)


def printable(html: str, site: dict[str, str]) -> str:
    """The deck's HTML as WeasyPrint lays it out: without links to stylesheets (reveal.js's
    screen layout), and every `src`, `href` and `url(...)` that begins with a path of
    `site` pointing where that file is. Text from the proposal cannot start such an
    attribute: its quotes are escaped.

    The speaker notes, which the print stylesheet hides, are taken out before: parsed and
    styled for nothing, they cost a tenth of the layout."""
    html = NOTES.sub("", STYLESHEET_LINK.sub("", html))
    paths = "|".join(re.escape(p) for p in sorted(site, key=len, reverse=True))
    address = re.compile(rf"(\b(?:src|href)=\"|url\([\"']?)({paths})")
    return address.sub(lambda m: m.group(1) + site[m.group(2)], html)
