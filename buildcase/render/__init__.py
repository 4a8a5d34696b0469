"""Stage 4, render: a computed Case -> the site's Markdown pages and the handout's HTML.

Templates are found the way MkDocs' `custom_dir` works: the proposal's own `templates/`
first, then the workspace's `templates/`, then the defaults shipped with buildcase. They
are strict (a missing variable fails) and escape everything; they format, never compute.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from buildcase.compute import AudienceView, Case
from buildcase.errors import Location, Problem, RenderError
from buildcase.models.parsers import parse_date, parse_duration
from buildcase.models.quantities import Percent
from buildcase.render import charts
from buildcase.render.decks import (
    HEIGHT,
    RESULTS_DECK,
    RESULTS_DECK_TEMPLATE,
    VENDOR,
    WIDTH,
    author_notes,
    decks,
    opening_closing,
)
from buildcase.render.decks import TEMPLATE as DECK_TEMPLATE
from buildcase.render.formatting import Formatter
from buildcase.render.i18n import language
from buildcase.render.markup import escape_text, inline_markdown, nav_label, plain_text
from buildcase.render.qr import site_link
from buildcase.render.sandbox import (
    ConfinedLoader,
    ConfinedRenderFailed,
    ProposalSandbox,
    refused_entries,
    run_confined,
    sandboxed_environment,
    template_line,
)
from buildcase.render.template_data import plain_context
from buildcase.template_cache import compiled_templates

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
RESULTS_HANDOUT, RESULTS_TEMPLATE = "results.pdf", "results/results.html.j2"


@dataclass(frozen=True)
class Page:
    """One page of the site: its file, its title, its template, where it sits in the nav."""

    file: str
    title: str
    template: str
    section: str | None = None  # the navigation section it sits under
    audience: AudienceView | None = None


@dataclass
class Rendered:
    pages: dict[str, str]  # file name -> Markdown
    nav: list[Any]  # MkDocs nav entries: {title: file} or {section: [{title: file}]}
    handouts: dict[str, str]  # file name -> HTML, the executives' first
    brand_css: Markup  # the proposal's colours, for the site's stylesheet too
    decks: dict[str, str] = field(default_factory=dict)  # present*.html -> HTML (present.py)


def site_pages(case: Case, _: Callable[[str], str], *, internal: bool = False) -> list[Page]:
    """The pages of the site; a page appears only when its section is given.

    An internal page (the buy-in plan, unless `campaign.internal: false`: the L&D team's
    notes on the leaders being won over) is no page of the published site at all. Left
    out here, it is never rendered, so its text cannot reach the site's folder, its
    search index or sitemap, a handout or a deck. `internal=True` asks for it, in the
    navigation, for an edition the L&D team keeps to itself.
    """
    p = case.proposal
    shown_campaign = bool(p.campaign and (internal or not p.campaign.internal))
    has_money = case.lead.annual_gain is not None or case.lead.expected_loss is not None
    heads = _("For department heads")
    candidates = [
        (True, Page("index.md", _("Summary"), "site/index.md.j2")),
        (case.results is not None, Page("results.md", _("Results"), "site/results.md.j2")),
        (True, Page("benefits.md", _("What's in it for us"), "site/benefits.md.j2")),
        (True, Page("risks.md", _("Risk if we don't"), "site/risks.md.j2")),
        (bool(p.behaviours), Page("impact.md", _("What people will do differently"), "site/impact.md.j2")),  # noqa: E501
        (has_money, Page("case.md", _("The business case"), "site/case.md.j2")),
        (bool(p.survey or p.evidence), Page("evidence.md", _("Evidence"), "site/evidence.md.j2")),
        (True, Page("goals.md", _("Leadership goals"), "site/goals.md.j2")),
        (bool(p.plan or p.measures or p.support), Page("plan.md", _("Plan and measures"), "site/plan.md.j2")),  # noqa: E501
        (bool(p.costs), Page("costs.md", _("Costs"), "site/costs.md.j2")),
        (bool(p.objections), Page("questions.md", _("Questions and answers"), "site/questions.md.j2")),  # noqa: E501
        (bool(p.audiences), Page("departments.md", _("Overview"), "site/departments.md.j2", heads)),
        *((True, Page(f"{a.anchor}.md", a.audience.title, "site/audience.md.j2", heads, audience=a))
          for a in case.audiences),
        (shown_campaign, Page("campaign.md", _("Buy-in plan"), "site/campaign.md.j2")),
    ]  # fmt: skip
    return [page for present, page in candidates if present]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs' nav: pages in order, those of a section gathered under its title."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        title = nav_label(page.title)  # Material prints navigation labels unescaped
        if page.section is None:
            nav.append({title: page.file})
        else:
            if page.section not in sections:
                sections[page.section] = []
                nav.append({nav_label(page.section): sections[page.section]})
            sections[page.section].append({title: page.file})
    return nav


def _finalize(value: object) -> object:
    """Every value a template prints: Markup as is, anything else escaped for HTML and Markdown."""
    if isinstance(value, Markup):
        return value
    return escape_text("" if value is None else value)


@jinja2.pass_context
def _markdown(context: jinja2.runtime.Context, text: object) -> Markup:
    """`|md`: a text's inline Markdown as safe HTML. A handout is a document on its own,
    laid out from a folder of this machine: there a link without a scheme (`policy.html`)
    would point into that folder, so it is shown as text."""
    handout = (context.name or "").startswith(("handout/", "results/"))
    return inline_markdown(text, relative_links=not handout)


@functools.lru_cache(maxsize=16)
def template_environment(
    search_path: tuple[Path, ...], untrusted: Path | None = None
) -> jinja2.Environment:
    """One environment per search path, kept: compiling templates is most of rendering,
    and Jinja recompiles a template only when its file changes. Trusted templates, once
    compiled, are also kept on disk for the next run (`template_cache`).

    `untrusted` is a proposal's own templates folder, searched first: with it, every
    template renders in the sandbox (see `sandbox`)."""
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "finalize": _finalize,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if untrusted is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            bytecode_cache=compiled_templates(),
            **options,
        )
    else:
        env = sandboxed_environment(untrusted, list(search_path), **options)
    env.filters["md"] = _markdown
    env.filters["plain"] = plain_text
    return env


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
    trusted = tuple(p for p in search_path if p.is_dir() and p != untrusted)
    env = template_environment(trusted, untrusted)
    if untrusted is None:
        return _render_case(env, case, paper, pdf_date, audience, logo, site_url, internal)
    try:
        return run_confined(
            lambda: _render_case(env, case, paper, pdf_date, audience, logo, site_url, internal)
        )
    except ConfinedRenderFailed as e:
        raise RenderError(Location(untrusted), str(e)) from None


def _render_case(
    env: jinja2.Environment, case: Case, paper: str, pdf_date: str, audience: str | None,
    logo: str | None, site_url: str | None = None, internal: bool = False,
) -> Rendered:  # fmt: skip
    lang = language(case.proposal.language)
    fmt = Formatter(case.proposal.currency, lang)
    pages = site_pages(case, lang.gettext, internal=internal)
    brand = brand_css(case.proposal)
    context = {
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
    }
    rendered = {
        page.file: _render(env, page.template, {**context, "a": page.audience}) for page in pages
    }
    editions = [
        e for e in case.editions if e.audience is None or audience in (None, e.audience.audience.id)
    ]
    # The handout's own: where the site is published (site_url in mkdocs.yml), with a QR code.
    site = site_link(site_url, case.slug, lang.gettext("QR code to the proposal's site, {address}"))
    handouts = {
        e.file: _render(env, "handout/handout.html.j2", {**context, "e": e, "site": site})
        for e in editions
    }
    if case.results is not None:  # the results handout (results/results.html.j2)
        handouts[RESULTS_HANDOUT] = _render(env, RESULTS_TEMPLATE, {**context, "r": case.results})
    helpers = {"author_notes": author_notes, "opening_closing": opening_closing}
    slides = {
        k.file: _render(env, DECK_TEMPLATE, {**context, **helpers, "deck": k, "a": k.audience})
        for k in decks(case, audience)
    }
    if case.results is not None:  # the report back to the leaders (present/results.html.j2)
        deck = {"r": case.results, "vendor": VENDOR, "width": WIDTH, "height": HEIGHT}
        slides[RESULTS_DECK] = _render(env, RESULTS_DECK_TEMPLATE, {**context, **deck})
    return Rendered(rendered, navigation(pages), handouts, brand, slides)


def brand_css(proposal: Any) -> Markup:
    """The proposal's colours as CSS custom properties; parse_colour admits only hex."""
    b = proposal.branding
    rules = []
    if b and b.primary:
        rules.append(f"--bc-primary: {b.primary};")
    if b and b.accent:
        rules.append(f"--bc-accent: {b.accent};")
    return Markup(" ".join(rules))


def case_charts(case: Case, fmt: Formatter) -> dict[str, Markup]:
    """The charts of this case, by name; a chart is left out when its figures are missing."""
    found: dict[str, Markup] = {}
    survey = [
        (f, f.value) for f in case.figures.values() if f.is_survey and isinstance(f.value, Percent)
    ]
    if survey and case.proposal.survey:  # survey figures come from the survey
        bars = [
            charts.Bar(
                plain_text(f.label),
                share.value,
                None if f.margin is None else max(share.value - f.margin, 0),
                None if f.margin is None else min(share.value + f.margin, 100),
                fmt.margin(f),
            )
            for f, share in survey
        ]
        title = (
            case.proposal.survey.title
            + ": "
            + fmt._("share of respondents, with 95% margins of error")
        )
        found["survey"] = charts.bar_chart(
            bars, title, "survey", scale_max=100, axis=fmt._("Share of respondents"),
            ticks=lambda v: fmt.share(v / 100),
        )  # fmt: skip
    lead = case.lead
    sized = [
        (r.risk.title, v.likelihood, v.impact, v.expected)
        for r in case.risks
        if (v := lead.risks.get(r.anchor))
    ]
    if sized:
        found["risks"] = charts.risk_chart(sized, fmt.money, fmt._, fmt.compact_money)
    money = _money_bars(case, fmt)
    if money:
        title = fmt._("Cost of training against the cost of doing nothing")
        found["cost"] = charts.bar_chart(
            money, title, "cost", axis=fmt._("Amount"),
            ticks=fmt.compact_money,
        )  # fmt: skip
    if lead.net_by_month:
        # The line ends at the horizon, at the net value the table gives; it runs on (dashed)
        # only to show a payback that comes after the horizon.
        horizon = 12 * lead.horizon_years
        basis = (
            fmt._("Net present value so far, discounted at {rate}").format(
                rate=fmt.share(lead.discount_rate)
            )
            if lead.discount_rate
            else fmt._("Net value so far, not discounted")
        )
        paid_later = lead.payback_months is not None and lead.payback_months > horizon
        months = lead.net_by_month if paid_later else lead.net_by_month[: horizon + 1]
        found["payback"] = charts.payback_chart(
            months, lead.payback_months, fmt.money, fmt._, fmt.number, horizon=horizon,
            axis=basis, compact=fmt.compact_money,
        )  # fmt: skip
    impact = case.impact
    if impact.rows:
        results = {id(v): k for k, v in enumerate(impact.benefits)}
        goals = {g.id: j for j, g in enumerate(impact.goals)}
        found["impact"] = charts.impact_map(
            [
                charts.MapBehaviour(
                    plain_text(r.behaviour.learns or ""),
                    plain_text(r.behaviour.who),
                    plain_text(r.behaviour.moment),
                    plain_text(r.behaviour.action),
                    tuple(results[id(v)] for v in r.benefits),
                )
                for r in impact.rows
            ],
            [
                charts.MapResult(
                    plain_text(v.benefit.title),
                    tuple(goals[g.id] for g in v.goals if g.id in goals),
                )
                for v in impact.benefits
            ],
            [plain_text(g.title) for g in impact.goals],
            fmt._,
        )
    if case.timeline:
        phases = [(plain_text(t.phase.phase), t.start_week, t.end_week) for t in case.timeline]
        found["timeline"] = charts.timeline_chart(phases, fmt._)
    return found


def _money_bars(case: Case, fmt: Formatter) -> list[charts.Bar]:
    """The one-off cost and the yearly flows, each value saying which it is."""
    low, likely, high = (case.scenarios[n] for n in ("conservative", "likely", "optimistic"))
    bars = []
    if likely.cost is not None:
        bars.append(
            charts.Bar(
                fmt._("Training, once"),
                likely.cost,
                text=charts.whole(f"{fmt.money(likely.cost)} {fmt._('once')}"),
                color=charts.TRAINING,
            )
        )
    for attribute, label, color in (
        ("expected_loss", "Doing nothing: expected loss a year", charts.LOSS),
        ("annual_gain", "Training: gain a year", charts.GAIN),
    ):
        value = getattr(likely, attribute)
        if value is None:
            continue
        lo, hi = getattr(low, attribute), getattr(high, attribute)
        ranged = case.has_ranges and lo != hi
        text = f"{fmt.money(lo)}–{fmt.money(hi)}" if ranged else fmt.money(value)
        bars.append(
            charts.Bar(
                fmt._(label),
                value,
                lo if ranged else None,
                hi if ranged else None,
                charts.whole(f"{text} {fmt._('a year')}"),
                color,
            )
        )
    return bars if len(bars) > 1 else []


def _render(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    """One template rendered; in the sandbox, from plain data only (`template_data`).

    Whatever a template raises (a refused call, a division by zero, a recursion, a name
    with a NUL) becomes a RenderError located at the template's line."""
    if isinstance(env, ProposalSandbox):
        context = plain_context(context)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        where = Location(Path(e.filename or name), e.lineno or 1)
        raise RenderError(where, f"template syntax: {e.message}") from e
    except jinja2.TemplateError as e:
        raise RenderError(_error_location(env, name, e), f"template: {e}") from e
    except (MemoryError, RenderError):
        raise
    except Exception as e:  # a template's own fault: located, not an internal error
        message = f"template: {type(e).__name__}: {str(e)[:300]}"
        raise RenderError(_error_location(env, name, e), message) from e


def _error_location(env: jinja2.Environment, name: str, error: Exception) -> Location:
    """Where a template failed: the line of a proposal's own template where the traceback
    passes through one, else of any other template, else the file that was asked for."""
    for folder in _template_folders(env):
        found = template_line(error, folder)
        if found:
            return Location(*found)
    return Location(Path(_template_file(env, name)))


def _template_folders(env: jinja2.Environment) -> list[Path]:
    """The folders templates are loaded from, a proposal's own first."""
    loaders = getattr(env.loader, "loaders", [env.loader])
    folders = []
    for loader in loaders:
        if isinstance(loader, ConfinedLoader):
            folders.append(loader.folder)
        elif isinstance(loader, jinja2.FileSystemLoader):
            folders.extend(Path(p) for p in loader.searchpath)
    return folders


def _template_file(env: jinja2.Environment, name: str) -> str:
    if env.loader is None:
        return name
    try:
        _, filename, _ = env.loader.get_source(env, name)
    except (jinja2.TemplateError, OSError, ValueError):  # missing, or refused by the loader
        return name
    return filename or name


def render_portfolio(entries: dict[str, dict[str, Any]], search_path: list[Path]) -> str:
    """The index of every proposal in an output folder, newest first, each written in its
    own language and currency from the values its output recorded."""
    env = template_environment(tuple(p for p in search_path if p.is_dir()))
    ordered = sorted(
        entries.items(), key=lambda item: (item[1].get("date", ""), item[0]), reverse=True
    )
    listed = [(slug, portfolio_row(e)) for slug, e in ordered if e.get("title")]
    return _render(env, "portfolio.html.j2", {"entries": listed})


def portfolio_row(entry: dict[str, Any]) -> dict[str, Any]:
    """One proposal's line in the portfolio: its recorded values, formatted."""
    lang = language(entry.get("lang") or "en")
    fmt, _ = Formatter(entry.get("currency") or "USD", lang), lang.gettext
    budget, participants, duration = (entry.get(k) for k in ("budget", "participants", "duration"))
    ask = [
        fmt.money(budget) if budget is not None else None,
        f"{fmt.count(participants)} {_('participants')}" if participants else None,
        fmt.duration(parse_duration(duration)) if duration else None,
    ]
    status, results = entry.get("status"), entry.get("results")
    if isinstance(results, dict):  # recorded by this buildcase (compute.results)
        results = {
            **results,
            "stage_text": _(f"stage:{results['stage']}"),
            "recommendation_text": _(f"recommendation:{results['recommendation']}"),
            "roi_text": _("{achieved} against {promised} forecast").format(
                achieved=fmt.percent(results["roi_achieved"]),
                promised=fmt.percent(results["roi_promised"]),
            ),
        }
    return {
        **entry,
        "results": results if isinstance(results, dict) else None,
        "ask": " · ".join(a for a in ask if a),
        "date_text": fmt.date(parse_date(entry["date"])) if entry.get("date") else "",
        "status_text": _(f"status:{status}").capitalize() if status else None,
    }


def template_problems(case: Case, search_path: list[Path], untrusted: Path) -> list[Problem]:
    """What `check` says of a proposal's own templates: what the confined loader refuses,
    syntax errors with their line, and what a trial render in the sandbox refuses (the
    render the build would do, without the engines)."""
    refused = refused_entries(untrusted)
    if refused:
        return [Problem(Location(path), "templates", why) for path, why in refused]
    trusted = tuple(p for p in search_path if p.is_dir() and p != untrusted)
    env = template_environment(trusted, untrusted)
    try:
        problems = run_confined(lambda: _syntax_problems(env, untrusted))
        if not problems:
            render_case(case, search_path, case.proposal.paper, "", None, None, untrusted)
    except ConfinedRenderFailed as e:
        return [Problem(Location(untrusted), "templates", str(e))]
    except RenderError as e:
        return [Problem(e.location or Location(untrusted), "templates", e.message)]
    return problems


def _syntax_problems(env: jinja2.Environment, untrusted: Path) -> list[Problem]:
    """Every template of the proposal's own that does not compile, with its line."""
    problems = []
    for name in ConfinedLoader(untrusted).list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as e:
            where = Location(Path(e.filename or untrusted / name), e.lineno or 1)
            problems.append(Problem(where, "templates", f"template syntax: {e.message}"))
    return problems
