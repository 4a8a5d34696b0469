"""One case rendered: every page of the site, every handout's HTML and every deck, from
the same computed `Case` and one template context; for the live preview, the pages first
and the rest when asked (`render_pages_first`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from buildcase.compute import Case
from buildcase.compute.records import Edition
from buildcase.errors import Location, RenderError
from buildcase.i18n import Language, language
from buildcase.models.sections import Proposal
from buildcase.render.chart_data import case_charts, slide_charts
from buildcase.render.decks import (
    HEIGHT,
    RESULTS_DECK,
    RESULTS_DECK_TEMPLATE,
    VENDOR,
    WIDTH,
    author_notes,
    carried_hours,
    carried_money,
    decks,
    logo_src,
    opening_closing,
    slides_of,
)
from buildcase.render.decks import TEMPLATE as DECK_TEMPLATE
from buildcase.render.environment import environment_for, render_template
from buildcase.render.formatting import Formatter
from buildcase.render.pages import Page, navigation, site_pages
from buildcase.render.qr import site_link
from buildcase.render.sandbox import ConfinedRenderFailed, run_confined
from buildcase.render.whatif import PAGE as WHATIF_PAGE
from buildcase.render.whatif import panel
from buildcase.validate.logo import plated

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
RESULTS_HANDOUT, RESULTS_TEMPLATE = "results.pdf", "results/results.html.j2"


@dataclass
class Rendered:
    pages: dict[str, str]  # file name -> Markdown
    nav: list[Any]  # MkDocs nav entries: {title: file} or {section: [{title: file}]}
    handouts: dict[str, str]  # file name -> HTML, the executives' first
    brand_css: Markup  # the proposal's colours, for the site's stylesheet too
    decks: dict[str, str] = field(default_factory=dict)  # present*.html -> HTML (present.py)
    # the pages alone, first (`render_pages_first`): what renders the whole case, and the
    # handouts and decks that will be rendered, by file name
    rest: Callable[[], Rendered] | None = None
    handouts_coming: list[str] = field(default_factory=list)
    decks_coming: list[str] = field(default_factory=list)


def render_case(
    case: Case, search_path: list[Path], paper: str, pdf_date: str, audience: str | None = None,
    logo: str | None = None, untrusted: Path | None = None, site_url: str | None = None,
    internal: bool = False,
) -> Rendered:  # fmt: skip
    """Render every page of the site and every handout's HTML from one Case.

    With `audience`, only that department head's edition of the handout is rendered
    (beside the executives'). `untrusted` is the proposal's own templates folder, if it
    has one: then everything renders sandboxed, in a child process with limits. With
    `internal`, the L&D team's edition: the internal pages too (`site_pages`).
    """
    env = environment_for(search_path, untrusted)
    if untrusted is None:
        return _render_case(env, case, paper, pdf_date, audience, logo, site_url, internal)
    try:
        return run_confined(
            lambda: _render_case(env, case, paper, pdf_date, audience, logo, site_url, internal)
        )
    except ConfinedRenderFailed as e:
        raise RenderError(Location(untrusted), str(e)) from None


def render_pages_first(
    case: Case, search_path: list[Path], paper: str, pdf_date: str, audience: str | None = None,
    logo: str | None = None, untrusted: Path | None = None, site_url: str | None = None,
    internal: bool = False,
) -> Rendered:  # fmt: skip
    """The site's pages alone, and (`rest`) what renders the whole case, reusing them and
    their context: the live preview shows its page without waiting for the handouts' HTML
    and the decks. A proposal's own templates render all at once, in their sandbox
    (`render_case`): the context does not outlive the child."""
    if untrusted is not None:
        whole = render_case(case, search_path, paper, pdf_date, audience, logo, untrusted,
                            site_url, internal)  # fmt: skip
        first = replace(whole, handouts={}, decks={}, rest=lambda: whole)
    else:
        env = environment_for(search_path, None)
        first = _pages_first(env, case, paper, pdf_date, audience, logo, site_url, internal)
    return replace(first, handouts_coming=handout_files(case, audience),
                   decks_coming=deck_files(case, audience))  # fmt: skip


def handout_files(case: Case, audience: str | None = None) -> list[str]:
    """The handouts `render_case` renders, by file name, in its order: known before."""
    files = [e.file for e in _editions(case, audience)]
    return [*files, RESULTS_HANDOUT] if case.results is not None else files


def deck_files(case: Case, audience: str | None = None) -> list[str]:
    """The decks `render_case` renders, by file name, in its order: known before."""
    files = [k.file for k in decks(case, audience)]
    return [*files, RESULTS_DECK] if case.results is not None else files


def _render_case(
    env: jinja2.Environment, case: Case, paper: str, pdf_date: str, audience: str | None,
    logo: str | None, site_url: str | None = None, internal: bool = False,
) -> Rendered:  # fmt: skip
    """`render_case` in `env`: the pages, then the handouts, then the decks, from one
    context (so a failure is reported for the first of them, in that order)."""
    first = _pages_first(env, case, paper, pdf_date, audience, logo, site_url, internal)
    assert first.rest is not None, "the rest of the case is rendered when asked"
    return first.rest()


def _pages_first(
    env: jinja2.Environment, case: Case, paper: str, pdf_date: str, audience: str | None,
    logo: str | None, site_url: str | None, internal: bool,
) -> Rendered:  # fmt: skip
    """The pages rendered in `env`, with what renders the whole case (`rest`: its handouts,
    then its decks, from the same context)."""
    lang = language(case.proposal.language)
    pages = site_pages(case, lang.gettext, internal=internal)
    brand = brand_css(case.proposal)
    context = _template_context(case, lang, pages, paper, pdf_date, brand, logo)
    markdown = {
        page.file: render_template(env, page.template, {**context, "a": page.audience})
        for page in pages
    }
    first = Rendered(markdown, navigation(pages), {}, brand)

    def rest() -> Rendered:
        handouts = _handouts(env, case, context, audience, site_url, lang)
        return replace(first, handouts=handouts, decks=_decks(env, case, context, audience))

    return replace(first, rest=rest)


def _template_context(
    case: Case, lang: Language, pages: list[Page], paper: str, pdf_date: str, brand: Markup,
    logo: str | None,
) -> dict[str, Any]:  # fmt: skip
    """What every template of the case is given: the case, the Formatter, the labels, the
    site's pages, the paper, the charts, the proposal's colours and logo."""
    fmt = Formatter(case.proposal.currency, lang)
    return {
        "case": case,
        "p": case.proposal,
        "fmt": fmt,
        "_": lang.gettext,
        "lang": lang.code,
        "pages": {page.file for page in pages},
        "page_links": [
            (pg.file.removesuffix(".md") + ".html", pg.title)
            for pg in pages
            if pg.file != "index.md" and pg.audience is None
        ],
        "paper": PAPER_SIZES[paper],
        "pdf_date": pdf_date,
        "charts": case_charts(case, fmt),
        "brand": brand,
        "logo": logo,  # the handout's: a file URI inside the proposal folder
        "logo_plate": plated(logo, _primary(case.proposal)),  # a light plate in the header
        "whatif": panel(case, any(pg.file == WHATIF_PAGE for pg in pages)),  # its page, slide
    }


def _handouts(
    env: jinja2.Environment, case: Case, context: dict[str, Any], audience: str | None,
    site_url: str | None, lang: Language,
) -> dict[str, str]:  # fmt: skip
    """Each handout's HTML, by file name, the executives' first: with `audience`, only that
    department head's edition beside it; the results handout where there are results."""
    editions = _editions(case, audience)
    # The handout's own: where the site is published (site_url in mkdocs.yml), with a QR code.
    site = site_link(site_url, case.slug, lang.gettext("QR code to the proposal's site, {address}"))
    handouts = {
        e.file: render_template(env, "handout/handout.html.j2", {**context, "e": e, "site": site})
        for e in editions
    }
    if case.results is not None:  # the results handout (results/results.html.j2)
        results = {**context, "r": case.results}
        handouts[RESULTS_HANDOUT] = render_template(env, RESULTS_TEMPLATE, results)
    return handouts


def _editions(case: Case, audience: str | None) -> list[Edition]:
    """The handouts' editions: with `audience`, the executives' and that audience's."""
    return [
        e for e in case.editions if e.audience is None or audience in (None, e.audience.audience.id)
    ]


def _decks(
    env: jinja2.Environment, case: Case, context: dict[str, Any], audience: str | None
) -> dict[str, str]:
    """Each deck's HTML, by file name; the report back to the leaders where there are
    results."""
    helpers = {
        "author_notes": author_notes,
        "opening_closing": opening_closing,
        "slides_of": slides_of,
        "carried_hours": carried_hours,
        "carried_money": carried_money,
        "deck_logo": logo_src(context["logo"]),
        **_slide_charts(case, context["fmt"]),
    }
    slides = {
        k.file: render_template(
            env, DECK_TEMPLATE, {**context, **helpers, "deck": k, "a": k.audience}
        )
        for k in decks(case, audience)
    }
    if case.results is not None:  # the report back to the leaders (present/results.html.j2)
        deck = {"r": case.results, "vendor": VENDOR, "width": WIDTH, "height": HEIGHT, **helpers}
        slides[RESULTS_DECK] = render_template(env, RESULTS_DECK_TEMPLATE, {**context, **deck})
    return slides


def _slide_charts(case: Case, fmt: Formatter) -> dict[str, Any]:
    """A deck's charts, drawn for a slide (`chart_data.slide_charts`): `slide_charts` holds
    each chart's parts, one a slide; `charts` their first parts, for a template that shows
    one slide a chart."""
    parts = slide_charts(case, fmt)
    return {"slide_charts": parts, "charts": {name: chart[0] for name, chart in parts.items()}}


def _primary(proposal: Proposal) -> str | None:
    return proposal.branding.primary if proposal.branding else None


def brand_css(proposal: Proposal) -> Markup:
    """The proposal's colours as CSS custom properties; parse_colour admits only hex."""
    b = proposal.branding
    rules = []
    if b and b.primary:
        rules.append(f"--bc-primary: {b.primary};")
    if b and b.accent:
        rules.append(f"--bc-accent: {b.accent};")
    return Markup(" ".join(rules))
