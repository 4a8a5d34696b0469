"""Stage 4, render: a computed Case -> the site's Markdown pages and the handout's HTML.

Templates are found the way MkDocs' `custom_dir` works: the proposal's own `templates/`
first, then the workspace's `templates/`, then the defaults shipped with buildcase. They
are strict (a missing variable fails) and escape everything; they format, never compute.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import charts
from .compute import Case
from .errors import Location, RenderError
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
    """One page of the site: its file, its title in the navigation, its template."""

    file: str
    title: str
    template: str


@dataclass
class Rendered:
    pages: dict[str, str]  # file name -> Markdown
    nav: list[tuple[str, str]]  # (title, file)
    handout_html: str


def site_pages(case: Case) -> list[Page]:
    """The pages of the site; a page appears only when its section is given."""
    p = case.proposal
    has_money = case.lead.annual_gain is not None or case.lead.expected_loss is not None
    candidates = [
        (True, Page("index.md", "Summary", "site/index.md.j2")),
        (True, Page("benefits.md", "What's in it for us", "site/benefits.md.j2")),
        (True, Page("risks.md", "Risk if we don't", "site/risks.md.j2")),
        (has_money, Page("case.md", "The business case", "site/case.md.j2")),
        (bool(p.survey or p.evidence), Page("evidence.md", "Evidence", "site/evidence.md.j2")),
        (True, Page("goals.md", "Leadership goals", "site/goals.md.j2")),
        (bool(p.plan or p.measures), Page("plan.md", "Plan and measures", "site/plan.md.j2")),
        (bool(p.costs), Page("costs.md", "Costs", "site/costs.md.j2")),
        (bool(p.objections), Page("questions.md", "Questions and answers", "site/questions.md.j2")),
        (
            bool(p.audiences),
            Page("departments.md", "For department heads", "site/departments.md.j2"),
        ),
    ]
    return [page for present, page in candidates if present]


class Formatter:
    """Numbers, dates and durations written for the reader, in the proposal's currency."""

    def __init__(self, currency: str):
        self.currency = currency
        self.symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")

    def money(self, amount: float | None) -> str:
        if amount is None:
            return "–"
        decimals = 0 if abs(amount) >= 100 or float(amount).is_integer() else 2
        return f"{self.symbol}{amount:,.{decimals}f}"

    def count(self, n: int | float | None) -> str:
        return "–" if n is None else f"{n:,.0f}"

    def value(self, value: Percent | int | float | None) -> str:
        """A stat's or a measure's figure: `65%`, `1,200`."""
        if value is None:
            return "–"
        return str(value) if isinstance(value, Percent) else f"{value:,g}"

    def date(self, value: PartialDate | None) -> str:
        if value is None:
            return "–"
        month = MONTHS[value.month - 1]
        return f"{value.day} {month} {value.year}" if value.day else f"{month} {value.year}"

    def duration(self, value: Duration | None) -> str:
        return "–" if value is None else str(value)

    def weeks(self, weeks: float | None) -> str:
        return "–" if weeks is None else f"{weeks:,.0f} weeks"

    def estimate(self, value: Estimate | None) -> str:
        """One value, or a range with its likely point: `$100,000–$300,000 (likely $200,000)`."""
        if value is None:
            return "–"
        one = str if isinstance(value.likely, Percent) else self.money
        if not value.is_range:
            return one(value.likely)
        return f"{one(value.low)}–{one(value.high)} (likely {one(value.likely)})"

    def share(self, fraction: float | None) -> str:
        """A computed share, to whole percents: no false precision."""
        return "–" if fraction is None else f"{fraction * 100:.0f}%"

    def percent(self, value: float | None) -> str:
        """A computed percentage such as an ROI."""
        return "–" if value is None else f"{value:,.0f}%"

    def ratio(self, value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    def months(self, value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} months"

    def margin(self, figure: object) -> str:
        """A survey figure with its margin of error: `65% ± 1.7 pts`."""
        value = getattr(figure, "value", None)
        margin = getattr(figure, "margin", None)
        return f"{value} ± {margin:.1f} pts" if margin is not None else self.value(value)  # type: ignore[arg-type]


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
    case: Case, search_path: list[Path], paper: str, pdf_date: str, handout_name: str
) -> Rendered:
    """Render every page of the site and the handout's HTML from one Case."""
    env = template_environment(tuple(p for p in search_path if p.is_dir()))
    pages = site_pages(case)
    context = {
        "case": case,
        "p": case.proposal,
        "fmt": Formatter(case.proposal.currency),
        "pages": {page.file for page in pages},
        "handout": handout_name,
        "paper": PAPER_SIZES[paper],
        "pdf_date": pdf_date,
    }
    context["charts"] = case_charts(case, context["fmt"])  # type: ignore[arg-type]
    rendered = {page.file: _render(env, page.template, context) for page in pages}
    handout = _render(env, "handout/handout.html.j2", context)
    return Rendered(rendered, [(page.title, page.file) for page in pages], handout)


def case_charts(case: Case, fmt: Formatter) -> dict[str, Markup]:
    """The charts of this case, by name; a chart is left out when its figures are missing."""
    found: dict[str, Markup] = {}
    survey = [f for f in case.figures.values() if f.is_survey and isinstance(f.value, Percent)]
    if survey:
        bars = [
            charts.Bar(
                f"{f.value} {f.label}",
                f.value.value,  # type: ignore[union-attr]
                None if f.margin is None else max(f.value.value - f.margin, 0),  # type: ignore[union-attr]
                None if f.margin is None else min(f.value.value + f.margin, 100),  # type: ignore[union-attr]
                fmt.margin(f),
            )
            for f in survey
        ]
        title = f"{case.proposal.survey.title}: share of respondents, with 95% margins of error"  # type: ignore[union-attr]
        found["survey"] = charts.bar_chart(bars, title, "survey", scale_max=100)
    lead = case.lead
    sized = [
        (r.risk.title, v.likelihood, v.impact, v.expected)
        for r in case.risks
        if (v := lead.risks.get(r.anchor))
    ]
    if sized:
        found["risks"] = charts.risk_chart(sized, fmt.money)
    money = _money_bars(case, fmt)
    if money:
        found["cost"] = charts.bar_chart(
            money, "Cost of training against the cost of doing nothing", "cost"
        )
    if lead.cost and lead.annual_gain and lead.annual_gain > 0:
        months = max(12 * lead.horizon_years, math.ceil(lead.payback_months or 0) + 3)
        found["payback"] = charts.payback_chart(
            lead.cost, lead.annual_gain, min(months, 120), fmt.money
        )
    return found


def _money_bars(case: Case, fmt: Formatter) -> list[charts.Bar]:
    low, likely, high = (case.scenarios[n] for n in ("conservative", "likely", "optimistic"))
    bars = []
    if likely.cost is not None:
        bars.append(
            charts.Bar(
                "Training, once", likely.cost, text=fmt.money(likely.cost), color=charts.TRAINING
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
            charts.Bar(label, value, lo if ranged else None, hi if ranged else None, text, color)
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
