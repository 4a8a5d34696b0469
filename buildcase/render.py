"""Stage 4, render: a computed Case -> the site's Markdown pages and the handout's HTML.

Templates are found the way MkDocs' `custom_dir` works: the proposal's own `templates/`
first, then the workspace's `templates/`, then the defaults shipped with buildcase. They
are strict (a missing variable fails) and escape everything; they format, never compute.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import charts
from .compute import AudienceView, Case
from .errors import Location, RenderError
from .i18n import Language, language
from .markup import escape_text, inline_markdown, plain_text
from .models import Duration, Estimate, PartialDate, Percent

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$",
                    "AUD": "A$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ",
                    "DKK": "DKK ", "ZAR": "R ", "BRL": "R$", "MXN": "MX$", "SGD": "S$"}  # fmt: skip


PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Page:
    """One page of the site: its file, its title, its template, where it sits in the nav."""

    file: str
    title: str
    template: str
    section: str | None = None  # the navigation section it sits under
    in_nav: bool = True  # internal pages are built but left out of the navigation
    audience: AudienceView | None = None


@dataclass
class Rendered:
    pages: dict[str, str]  # file name -> Markdown
    nav: list[Any]  # MkDocs nav entries: {title: file} or {section: [{title: file}]}
    handouts: dict[str, str]  # file name -> HTML, the executives' first


def site_pages(case: Case, _: Callable[[str], str]) -> list[Page]:
    """The pages of the site; a page appears only when its section is given."""
    p = case.proposal
    has_money = case.lead.annual_gain is not None or case.lead.expected_loss is not None
    heads = _("For department heads")
    candidates = [
        (True, Page("index.md", _("Summary"), "site/index.md.j2")),
        (True, Page("benefits.md", _("What's in it for us"), "site/benefits.md.j2")),
        (True, Page("risks.md", _("Risk if we don't"), "site/risks.md.j2")),
        (has_money, Page("case.md", _("The business case"), "site/case.md.j2")),
        (bool(p.survey or p.evidence), Page("evidence.md", _("Evidence"), "site/evidence.md.j2")),
        (True, Page("goals.md", _("Leadership goals"), "site/goals.md.j2")),
        (bool(p.plan or p.measures), Page("plan.md", _("Plan and measures"), "site/plan.md.j2")),
        (bool(p.costs), Page("costs.md", _("Costs"), "site/costs.md.j2")),
        (bool(p.objections), Page("questions.md", _("Questions and answers"), "site/questions.md.j2")),  # noqa: E501
        (bool(p.audiences), Page("departments.md", _("Overview"), "site/departments.md.j2", heads)),
        *((True, Page(f"{a.anchor}.md", a.audience.title, "site/audience.md.j2", heads, audience=a))
          for a in case.audiences),
        (bool(p.campaign), Page("campaign.md", _("Buy-in plan"), "site/campaign.md.j2",
                                in_nav=bool(p.campaign and not p.campaign.internal))),
    ]  # fmt: skip
    return [page for present, page in candidates if present]


def navigation(pages: list[Page]) -> list[Any]:
    """MkDocs' nav: pages in order, those of a section gathered under its title."""
    nav: list[Any] = []
    sections: dict[str, list[Any]] = {}
    for page in pages:
        if not page.in_nav:
            continue
        if page.section is None:
            nav.append({page.title: page.file})
        else:
            if page.section not in sections:
                sections[page.section] = []
                nav.append({page.section: sections[page.section]})
            sections[page.section].append({page.title: page.file})
    return nav


class Formatter:
    """Numbers, dates and durations written for the reader, in the proposal's currency and
    language: thousands separators, the currency symbol where the language puts it, and
    no false precision (money to the unit, computed shares to whole percents)."""

    def __init__(self, currency: str, language: Language):
        self.currency = currency
        self.symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ").strip()
        self.language = language
        self._ = language.gettext

    def number(self, value: float, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        return text.translate({ord(","): "\0", ord("."): self.language.decimal}).replace(
            "\0", self.language.group
        )

    def money(self, amount: float | None) -> str:
        if amount is None:
            return "–"
        decimals = 0 if abs(amount) >= 100 or float(amount).is_integer() else 2
        sign, amount = ("-" if amount < 0 else ""), abs(amount)
        return sign + self.language.money.format(
            symbol=self.symbol, amount=self.number(amount, decimals)
        )

    def count(self, n: float | None) -> str:
        return "–" if n is None else self.number(n)

    def pct(self, value: Percent) -> str:
        return self.number(value.value, value.decimals) + "%"

    def value(self, value: Percent | float | None) -> str:
        """A stat's or a measure's figure: `65%`, `1,200`."""
        if value is None:
            return "–"
        if isinstance(value, Percent):
            return self.pct(value)
        return self.number(value, 0 if float(value).is_integer() else 2)

    def date(self, value: PartialDate | None) -> str:
        if value is None:
            return "–"
        month = self.language.months[value.month - 1]
        if value.day:
            return self.language.date.format(day=value.day, month=month, year=value.year)
        return self.language.month_year.format(month=month, year=value.year)

    def duration(self, value: Duration | None) -> str:
        if value is None:
            return "–"
        one, many = self.language.units[value.unit]
        amount = self.number(value.amount, 0 if value.amount.is_integer() else 1)
        return f"{amount} {one if value.amount == 1 else many}"

    def weeks(self, weeks: float | None) -> str:
        return "–" if weeks is None else f"{self.number(weeks)} {self.language.units['week'][1]}"

    def estimate(self, value: Estimate | None) -> str:
        """One value, or a range with its likely point: `$100,000–$300,000 (likely $200,000)`."""
        if value is None:
            return "–"
        one = self.pct if isinstance(value.likely, Percent) else self.money
        if not value.is_range:
            return one(value.likely)
        return f"{one(value.low)}–{one(value.high)} ({self._('likely')} {one(value.likely)})"

    def share(self, fraction: float | None) -> str:
        """A computed share, to whole percents: no false precision."""
        return "–" if fraction is None else self.number(fraction * 100) + "%"

    def percent(self, value: float | None) -> str:
        """A computed percentage such as an ROI."""
        return "–" if value is None else self.number(value) + "%"

    def ratio(self, value: float | None) -> str:
        return "–" if value is None else self.number(value, 1)

    def months(self, value: float | None) -> str:
        return (
            "–" if value is None else f"{self.number(value, 1)} {self.language.units['month'][1]}"
        )

    def points(self, margin: float) -> str:
        return f"± {self.number(margin, 1)} {self._('pts')}"

    def margin(self, figure: object) -> str:
        """A survey figure with its margin of error: `65% ± 1.7 pts`."""
        value = getattr(figure, "value", None)
        margin = getattr(figure, "margin", None)
        text = self.value(value)  # type: ignore[arg-type]
        return f"{text} {self.points(margin)}" if margin is not None else text


def _finalize(value: object) -> object:
    """Every value a template prints: Markup as is, anything else escaped for HTML and Markdown."""
    if isinstance(value, Markup):
        return value
    return escape_text("" if value is None else value)


@functools.lru_cache(maxsize=16)
def template_environment(search_path: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per search path, kept: compiling templates is most of rendering,
    and Jinja recompiles a template only when its file changes."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = inline_markdown
    env.filters["plain"] = plain_text
    return env


def render_case(
    case: Case, search_path: list[Path], paper: str, pdf_date: str, audience: str | None = None,
    logo: str | None = None,
) -> Rendered:  # fmt: skip
    """Render every page of the site and every handout's HTML from one Case.

    With `audience`, only that department head's edition of the handout is rendered
    (beside the executives').
    """
    env = template_environment(tuple(p for p in search_path if p.is_dir()))
    lang = language(case.proposal.language)
    fmt = Formatter(case.proposal.currency, lang)
    pages = site_pages(case, lang.gettext)
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
            if pg.in_nav and pg.file != "index.md" and pg.audience is None
        ],
        "paper": PAPER_SIZES[paper],
        "pdf_date": pdf_date,
        "charts": case_charts(case, fmt),
        "brand": brand_css(case.proposal),
        "logo": logo,  # the handout's: a file URI inside the proposal folder
    }
    rendered = {
        page.file: _render(env, page.template, {**context, "a": page.audience}) for page in pages
    }
    editions = [
        e for e in case.editions if e.audience is None or audience in (None, e.audience.audience.id)
    ]
    handouts = {
        e.file: _render(env, "handout/handout.html.j2", {**context, "e": e}) for e in editions
    }
    return Rendered(rendered, navigation(pages), handouts)


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
    survey = [f for f in case.figures.values() if f.is_survey and isinstance(f.value, Percent)]
    if survey:
        bars = [
            charts.Bar(
                plain_text(f.label),
                f.value.value,  # type: ignore[union-attr]
                None if f.margin is None else max(f.value.value - f.margin, 0),  # type: ignore[union-attr]
                None if f.margin is None else min(f.value.value + f.margin, 100),  # type: ignore[union-attr]
                fmt.margin(f),
            )
            for f in survey
        ]
        title = (
            case.proposal.survey.title
            + ": "
            + fmt._("share of respondents, with 95% margins of error")
        )  # type: ignore[union-attr]
        found["survey"] = charts.bar_chart(bars, title, "survey", scale_max=100)
    lead = case.lead
    sized = [
        (r.risk.title, v.likelihood, v.impact, v.expected)
        for r in case.risks
        if (v := lead.risks.get(r.anchor))
    ]
    if sized:
        found["risks"] = charts.risk_chart(sized, fmt.money, fmt._)
    money = _money_bars(case, fmt)
    if money:
        title = fmt._("Cost of training against the cost of doing nothing")
        found["cost"] = charts.bar_chart(money, title, "cost")
    if lead.cost and lead.annual_gain and lead.annual_gain > 0:
        months = max(12 * lead.horizon_years, math.ceil(lead.payback_months or 0) + 3)
        found["payback"] = charts.payback_chart(
            lead.cost, lead.annual_gain, min(months, 120), fmt.money, fmt._, fmt.number
        )
    if case.timeline:
        phases = [(plain_text(t.phase.phase), t.start_week, t.end_week) for t in case.timeline]
        found["timeline"] = charts.timeline_chart(phases, fmt._)
    return found


def _money_bars(case: Case, fmt: Formatter) -> list[charts.Bar]:
    low, likely, high = (case.scenarios[n] for n in ("conservative", "likely", "optimistic"))
    bars = []
    if likely.cost is not None:
        bars.append(
            charts.Bar(
                fmt._("Training, once"),
                likely.cost,
                text=fmt.money(likely.cost),
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
                fmt._(label), value, lo if ranged else None, hi if ranged else None, text, color
            )
        )
    return bars if len(bars) > 1 else []


def _render(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        where = Location(Path(e.filename or name), e.lineno or 1)
        raise RenderError(where, f"template syntax: {e.message}") from e
    except jinja2.TemplateError as e:
        raise RenderError(Location(Path(_template_file(env, name))), f"template: {e}") from e


def _template_file(env: jinja2.Environment, name: str) -> str:
    try:
        _, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return name
    return filename or name


STATUS_LABELS = {
    "pending": "Pending",
    "approved": "Approved",
    "approved-with-conditions": "Approved with conditions",
    "declined": "Declined",
}


def render_portfolio(entries: dict[str, dict[str, Any]], search_path: list[Path]) -> str:
    """The index of every proposal in an output folder, newest first."""
    env = template_environment(tuple(p for p in search_path if p.is_dir()))
    ordered = sorted(
        entries.items(), key=lambda item: (item[1].get("date", ""), item[0]), reverse=True
    )
    listed = [(slug, e) for slug, e in ordered if e.get("title")]
    return _render(env, "portfolio.html.j2", {"entries": listed, "statuses": STATUS_LABELS})
