"""The workbook's Inputs sheet: every input the money model reads (`compute.money`,
`compute.schedule`, people's time from `compute.impact`), one a row, with its defined name,
its value (low / likely / high where the author gave a range), its unit and its source;
and, below, the survey figures and the evidence those sources number."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from buildcase.compute import Case
from buildcase.compute.money import gain_ramp
from buildcase.compute.records import Figure
from buildcase.models.quantities import Estimate, Percent
from buildcase.render.formatting import Formatter
from buildcase.render.workbook_sheets import Cell, Sheet, Stream, formula, number, text

# The columns of the sheet.
LABEL, LOW, LIKELY, HIGH, UNIT, NAME, SOURCE = range(7)


@dataclass(frozen=True)
class Hazard:
    """A risk with a likelihood and an impact, and whether training reduces it."""

    anchor: str
    base: str  # risk_1: risk_1_likelihood_low, risk_1_impact_high, risk_1_reduction
    title: str
    reduced: bool


@dataclass
class Inputs:
    """The Inputs sheet, and what the other sheets need to know of it: which inputs
    exist, by the names their formulas read."""

    sheet: Sheet
    benefits: list[Stream] = field(default_factory=list)
    risks: list[Hazard] = field(default_factory=list)
    application_rate: bool = False  # the benefits scale with application_rate
    once: list[str] = field(default_factory=list)  # paid once: cost items, budget, pilot
    yearly: list[str] = field(default_factory=list)  # paid every year
    costed: bool = False  # some money is paid (compute.money.Costs: one-off or yearly)
    time: list[str] = field(default_factory=list)  # people x hours x hourly cost, each
    time_counted: bool = False


class _Rows:
    """Rows added one below the other."""

    def __init__(self, sheet: Sheet, first: int):
        self.sheet, self.row = sheet, first

    def put(self, cells: dict[int, Cell]) -> int:
        for col, cell in cells.items():
            self.sheet.cells[(self.row, col)] = cell
        self.row += 1
        return self.row - 1

    def skip(self) -> None:
        self.row += 1


def inputs_sheet(case: Case, fmt: Formatter, title: str) -> Inputs:
    _ = fmt._
    sheet = Sheet(title, widths=(52, 14, 14, 14, 12, 30, 80), freeze=(3, 1))
    found = Inputs(sheet)
    rows = _Rows(sheet, 0)
    rows.put({LABEL: text(_("Inputs"), "title")})
    rows.put({LABEL: text(_("Change a value in the input colour and every figure on the "
                            "Case sheet follows."), "note")})  # fmt: skip
    heads = ("Input", "Low", "Likely", "High", "Unit", "Name", "Source")
    rows.put({i: text(_(h), "header") for i, h in enumerate(heads)})
    numbers = {f.id: i + 1 for i, f in enumerate(case.figures.values())}
    cited = _citing(numbers, _)
    add = _adder(rows, _)
    _timeline_inputs(case, add, rows, _)
    _cost_inputs(case, found, add, rows, _)
    _benefit_inputs(case, found, add, rows, cited, _)
    _risk_inputs(case, found, add, rows, cited, _)
    survey = case.proposal.survey
    _sources(case.figures.values(), survey.title if survey else "", rows, fmt)
    return found


Add = Callable[..., None]


def _adder(rows: _Rows, _: Callable[[str], str]) -> Add:
    """A function adding one input's row: one value, or an estimate's three points (a
    single value in Likely, Low and High equal to it until finance makes it a range)."""

    def add(label: str, value: float | Estimate[float], style: str, unit: str, name: str,
            source: str) -> None:  # fmt: skip
        cells: dict[int, Cell] = {LABEL: text(label, "label"), UNIT: text(unit)}
        if isinstance(value, Estimate):
            likely = number(value.likely, style, f"{name}_likely")
            if value.is_range:
                cells[LOW] = number(value.low, style, f"{name}_low")
                cells[HIGH] = number(value.high, style, f"{name}_high")
            else:
                at = rows.sheet.ref(rows.row, LIKELY)
                cells[LOW] = formula(at, style, f"{name}_low", value.likely)
                cells[HIGH] = formula(at, style, f"{name}_high", value.likely)
            cells[LIKELY] = likely
            cells[NAME] = text(f"{name}_low, _likely, _high", "note")
        else:
            cells[LIKELY] = number(value, style, name)
            cells[NAME] = text(name, "note")
        cells[SOURCE] = text(source)
        rows.put(cells)

    return add


def _citing(numbers: dict[str, int], _: Callable[[str], str]) -> Callable[[list[str]], str]:
    def cited(evidence: list[str]) -> str:
        found = sorted({numbers[e] for e in evidence if e in numbers})
        estimate = _("The author's estimate")
        if not found:
            return estimate
        return f"{estimate}; {_('Evidence')}: " + ", ".join(f"[{n}]" for n in found)

    return cited


def _timeline_inputs(case: Case, add: Add, rows: _Rows, _: Callable[[str], str]) -> None:
    p = case.proposal
    settings = p.financials
    given, default = _("As written in the proposal"), _("Not given: the model's default")
    rows.put({LABEL: text(_("The horizon and the timeline"), "heading")})
    years = settings.horizon_years if settings else 1
    add(_("Horizon"), years, "years", _("years"), "horizon_years",
        given if settings else default)  # fmt: skip
    rate = settings.discount_rate if settings else None
    add(_("Discount rate"), rate.fraction if rate else 0.0, "percent", _("a year"),
        "discount_rate", given if rate else _("Not given: not discounted"))  # fmt: skip
    ramp = gain_ramp(p)
    start_given = bool(settings and settings.benefits_start)
    add(
        _("No gain until week"),
        ramp.start_weeks,
        "weeks",
        _("weeks"),
        "ramp_start_weeks",
        given if start_given else _("The pilot's duration: no gain during the pilot"),
    )
    length_given = bool(settings and settings.benefits_ramp is not None)
    evenly = _("The rest of the programme: people trained at an even pace")
    add(_("Weeks for the gain to reach its full value"), ramp.length_weeks, "weeks",
        _("weeks"), "ramp_weeks", given if length_given else evenly)  # fmt: skip
    planned = settings.application_rate if settings else None
    if planned is not None and planned.value:
        add(_("Application rate the benefits were estimated at"), planned.fraction, "percent",
            "%", "application_rate_planned", given)  # fmt: skip
        add(_("Application rate"), planned.fraction, "percent", "%", "application_rate",
            _("Change it and every benefit scales in proportion"))  # fmt: skip


def _cost_inputs(case: Case, found: Inputs, add: Add, rows: _Rows, _: Callable[[str], str]) -> None:
    """The money paid (compute.money.programme_costs) and people's time at its hourly
    cost (compute.impact.build_impact), each term as those functions have it."""
    p, currency = case.proposal, case.proposal.currency
    given = _("As written in the proposal")
    rows.skip()
    rows.put({LABEL: text(_("Costs"), "heading")})
    for i, item in enumerate(p.costs, 1):
        yearly = item.recurring == "yearly"
        name = f"cost_{i}"
        add(item.item, item.amount, "money", f"{currency}, {_('a year')}" if yearly else currency,
            name, given)  # fmt: skip
        (found.yearly if yearly else found.once).append(name)
    request = p.request
    if not p.costs and request and request.budget is not None:
        add(_("Budget"), request.budget, "money", currency, "budget", given)
        found.once.append("budget")
    found.costed = bool(p.costs) or bool(request and request.budget is not None)
    pilot = request.pilot if request else None
    if found.costed and pilot and not pilot.included and pilot.budget is not None:
        add(_("Pilot, on top of the budget"), pilot.budget, "money", currency, "pilot_budget",
            given)  # fmt: skip
        found.once.append("pilot_budget")
    rate = request.hourly_cost if request else None
    if rate is not None:
        add(_("Hourly cost"), rate, "money", currency, "hourly_cost", given)
    hours = request.hours_per_participant if request else None
    if request and hours is not None and request.participants is not None and rate is not None:
        add(_("Participants"), request.participants, "count", _("people"), "participants",
            given)  # fmt: skip
        add(_("Hours per participant"), hours, "hours", _("hours"), "hours_per_participant",
            given)  # fmt: skip
        found.time.append("participants*hours_per_participant*hourly_cost")
    for i, s in enumerate(p.support, 1):
        own = s.hourly_cost
        if s.people is None or s.hours is None or (own is None and rate is None):
            continue  # not costed, as compute.impact leaves it
        rows.put({LABEL: text(s.who, "label"), SOURCE: text(_("Support"), "note")})
        add(f"  {_('People')}", s.people, "count", _("people"), f"support_{i}_people", given)
        add(f"  {_('Hours each')}", s.hours, "hours", _("hours"), f"support_{i}_hours", given)
        rate_name = "hourly_cost"
        if own is not None:
            rate_name = f"support_{i}_hourly_cost"
            add(f"  {_('Hourly cost')}", own, "money", currency, rate_name, given)
        found.time.append(f"support_{i}_people*support_{i}_hours*{rate_name}")
    mode = p.financials.time_cost if p.financials else None
    found.time_counted = bool(found.time) and mode != "shown"


def _benefit_inputs(
    case: Case, found: Inputs, add: Add, rows: _Rows, cited: Callable[[list[str]], str],
    _: Callable[[str], str],
) -> None:  # fmt: skip
    currency = case.proposal.currency
    valued = [view for view in case.benefits if view.benefit.annual_value is not None]
    if not valued:
        return
    rows.skip()
    rows.put({LABEL: text(_("Benefits"), "heading")})
    default = _("Not given: the model's default")
    for i, view in enumerate(case.benefits, 1):
        b = view.benefit
        if b.annual_value is None:
            continue
        base = f"benefit_{i}"
        rows.put({LABEL: text(b.title, "label")})
        source = cited(list(b.evidence))
        add(f"  {_('Estimated value')}", b.annual_value, "money", f"{currency}, {_('a year')}",
            f"{base}_value", source)  # fmt: skip
        for what, label in (("attribution", "Attribution"), ("confidence", "Confidence")):
            share: Percent | None = getattr(b, what)
            add(f"  {_(label)}", share.fraction if share else 1.0, "percent", "%",
                f"{base}_{what}", _("The author's estimate") if share else default)  # fmt: skip
        add(f"  {_('Fades each year')}", b.decay.fraction if b.decay else 0.0, "percent", "%",
            f"{base}_decay", _("The author's estimate") if b.decay else default)  # fmt: skip
        if b.lasts is not None:
            add(f"  {_('Lasts, once the gain starts')}", b.lasts.weeks, "weeks", _("weeks"),
                f"{base}_lasts_weeks", _("The author's estimate"))  # fmt: skip
        found.benefits.append(Stream(view.anchor, base, b.title, b.lasts is not None))
    settings = case.proposal.financials
    found.application_rate = bool(
        settings and settings.application_rate and settings.application_rate.value
    )


def _risk_inputs(
    case: Case, found: Inputs, add: Add, rows: _Rows, cited: Callable[[list[str]], str],
    _: Callable[[str], str],
) -> None:  # fmt: skip
    valued = [v for v in case.risks if v.risk.likelihood and v.risk.impact]
    if not valued:
        return
    rows.skip()
    rows.put({LABEL: text(_("Risks"), "heading")})
    for i, view in enumerate(case.risks, 1):
        r = view.risk
        if r.likelihood is None or r.impact is None:
            continue
        base = f"risk_{i}"
        rows.put({LABEL: text(r.title, "label")})
        source = cited(list(r.evidence))
        odds = r.likelihood
        add(f"  {_('Likelihood per year')}",
            Estimate(odds.low.fraction, odds.likely.fraction, odds.high.fraction), "percent",
            "%", f"{base}_likelihood", source)  # fmt: skip
        add(f"  {_('Impact if it happens')}", r.impact, "money", case.proposal.currency,
            f"{base}_impact", source)  # fmt: skip
        if r.reduction is not None:
            add(f"  {_('Reduction')}", r.reduction.fraction, "percent", "%",
                f"{base}_reduction", _("The author's estimate"))  # fmt: skip
        found.risks.append(Hazard(view.anchor, base, r.title, r.reduction is not None))


def _sources(figures: Iterable[Figure], survey: str, rows: _Rows, fmt: Formatter) -> None:
    """The survey figures and evidence the inputs' sources number, each with what makes it
    traceable: a survey's n and margin of error, a publisher and year."""
    _ = fmt._
    listed = list(figures)
    if not listed:
        return
    rows.skip()
    rows.put({LABEL: text(_("Sources"), "heading")})
    heads = {LABEL: "Figure", LIKELY: "Value", HIGH: "Respondents (n)",
             UNIT: "Margin of error", NAME: "Year", SOURCE: "Source"}  # fmt: skip
    rows.put({col: text(_(h), "header") for col, h in heads.items()})
    for i, figure in enumerate(listed, 1):
        rows.put(_source_row(i, figure, survey, fmt))


def _source_row(i: int, figure: Figure, survey: str, fmt: Formatter) -> dict[int, Cell]:
    _ = fmt._
    cells: dict[int, Cell] = {LABEL: text(f"[{i}] {figure.label}")}
    value = figure.value
    if isinstance(value, Percent):
        cells[LIKELY] = number(value.fraction, "percent", given=False)
    else:
        cells[LIKELY] = number(value, "count", given=False)
    if figure.is_survey:
        if figure.n is not None:
            cells[HIGH] = number(figure.n, "count", given=False)
        if figure.census and figure.n is not None:
            cells[UNIT] = text(fmt.census(figure.n))
        elif figure.margin is not None:
            cells[UNIT] = text(fmt.points(figure.margin))
        cells[SOURCE] = text(survey)
    else:
        if figure.year is not None:
            cells[NAME] = number(figure.year, "number", given=False)
        where = figure.source or ""
        cells[SOURCE] = text(f"{where} ({figure.url})" if figure.url else where)
    return cells
