"""The model as a workbook finance can audit and change (`model.xlsx`): the inputs, each
named and sourced; the case in each scenario, every computed cell an Excel formula over
the inputs; and the month-by-month timeline those formulas need. Plain data (`Book`),
written by `engines/xlsx.py`.

The formulas are `compute.money` and `compute.schedule` written for Excel, step for step,
so that at the proposal's inputs they give the site's figures (tests/test_workbook.py
recomputes them with an engine we did not write). One step is no single Excel formula: the
gain over the horizon and the payback, which follow the ramp as people are trained, a
benefit's fading and its end, month by month. The Timeline sheet works them out, one row
a month, every cell a formula too; the payback inside its month is solved on the ramp's
curve, exactly unless a benefit stops within that very month (then it falls within it).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable

from buildcase.compute import Case
from buildcase.compute.money import SCENARIOS, programme_costs
from buildcase.i18n import language
from buildcase.render.formatting import Formatter
from buildcase.render.workbook_inputs import Inputs, inputs_sheet
from buildcase.render.workbook_sheets import (
    Book,
    Cell,
    Sheet,
    annuity,
    formula,
    payback,
    payback_month,
    text,
    timeline_sheet,
)

LABEL, HOW = 0, 4
COLUMNS = {scenario: i + 1 for i, (scenario, _point) in enumerate(SCENARIOS)}
POINT = dict(SCENARIOS)
NO_VALUE = "\u2013"
Row = Callable[[str, str], str]  # (scenario, point) -> the formula
Known = Callable[[str], "float | str | None"]  # scenario -> a formula's result


def model_workbook(case: Case, created: datetime.datetime | None = None) -> Book:
    """The workbook of `case`. `created` is the moment its properties state (the build's,
    `write.moment`); by default the proposal's date, so a rebuild gives the same bytes."""
    p = case.proposal
    fmt = Formatter(p.currency, language(p.language))
    _ = fmt._
    inputs = inputs_sheet(case, fmt, _("Inputs"))
    sheet = Sheet(_("Case"), widths=(50, 18, 18, 18, 90), freeze=(6, 1))
    mirrors: list[tuple[str, str, str]] = []  # (name, scenario, what)
    _CaseSheet(case, inputs, sheet, fmt, mirrors).write()
    sheets = [sheet, inputs.sheet]  # the case first: what finance opens on
    if _gains(inputs):
        avoided = any(r.reduced for r in inputs.risks)
        ramp = (case.ramp.start, case.ramp.length)
        sheets.append(timeline_sheet(SCENARIOS, inputs.benefits, avoided, _upfront(inputs),
                                     _yearly(inputs), ramp, _))  # fmt: skip
    moment = created or datetime.datetime(p.date.year, p.date.month, p.date.day or 1)
    return Book(
        sheets=tuple(sheets),
        money_format=money_format(fmt),
        title=p.title,
        author=p.prepared_by.name,
        created=moment.replace(tzinfo=None),
        language=p.language,
        mirrors=tuple(mirrors),
    )


def mirrored(case: Case, scenario: str, what: str) -> float | None:
    """The figure of `case` a named cell of the Case sheet shows (`Book.mirrors`); a
    return as a fraction, as the cell formats it."""
    found = case.scenarios[scenario]
    kind, _sep, anchor = what.partition(":")
    if kind == "benefit":
        return found.benefits[anchor].adjusted
    if kind in ("expected", "avoided"):
        value: float | None = getattr(found.risks[anchor], kind)
        return value
    value = getattr(found, what)
    if what in ("roi", "roi_without_time") and value is not None:
        return float(value) / 100
    return value


def money_format(fmt: Formatter) -> str:
    """An amount in whole units of the proposal's currency, in Excel's notation: the
    currency's symbol where the language puts it (`"€"#,##0`, `#,##0" €"`)."""
    shown = fmt.money(1234567.0)
    first = next(i for i, c in enumerate(shown) if c.isdigit())
    last = max(i for i, c in enumerate(shown) if c.isdigit())
    before, after = shown[:first], shown[last + 1 :]
    positive = f"{_quoted(before)}#,##0{_quoted(after)}"
    return f"{positive};-{positive}"


def _quoted(literal: str) -> str:
    return f'"{literal}"' if literal else ""


def _gains(inputs: Inputs) -> bool:
    """Whether the case has a gain (compute.money: a valued benefit or a reduced risk)."""
    return bool(inputs.benefits) or any(r.reduced for r in inputs.risks)


def _upfront(inputs: Inputs) -> str:
    """What is paid at month 0: the money paid once, and people's time where it is counted
    (compute.money.money_in_scenario's `upfront`), the same in every scenario; the likely
    case's cells are read."""
    terms = ["cost_once_likely"] if inputs.costed else []
    terms += ["people_time_likely"] if inputs.time_counted else []
    return "+".join(terms) or "0"


def _yearly(inputs: Inputs) -> str:
    return "yearly_cost_likely" if inputs.yearly else "0"


def _cost(inputs: Inputs) -> str | None:
    """The cost every return is computed on, by its name's base: the full cost where
    people's time is counted, else the training's money; None where nothing is paid."""
    if inputs.time_counted:
        return "full_cost"
    return "training_cost" if inputs.costed else None


def _credited(base: str, scale: str) -> Row:
    """A benefit's value a year: compute.money.benefit_value, its value scaled by the
    application rate as compute.sensitivity scales it."""
    return lambda s, p: f"{base}_value_{p}{scale}*{base}_attribution*{base}_confidence"


def _expected(base: str) -> Row:
    return lambda s, p: f"{base}_likelihood_{p}*{base}_impact_{p}"


def _avoided(base: str) -> Row:
    return lambda s, p: f"{base}_likelihood_{p}*{base}_reduction*{base}_impact_{p}"


def _text_in_formula(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _CaseSheet:
    """The Case sheet, row by row: an about block, then costs, benefits, risks, return."""

    def __init__(self, case: Case, inputs: Inputs, sheet: Sheet, fmt: Formatter,
                 mirrors: list[tuple[str, str, str]]):  # fmt: skip
        self.case, self.inputs, self.sheet, self.fmt = case, inputs, sheet, fmt
        self._ = fmt._
        self.mirrors = mirrors
        self.row = 0

    def put(self, cells: dict[int, Cell]) -> int:
        for col, cell in cells.items():
            self.sheet.cells[(self.row, col)] = cell
        self.row += 1
        return self.row - 1

    def figure(self, label: str, base: str, row: Row, style: str, how: str,
               mirror: str | None = None, known: Known | None = None) -> int:  # fmt: skip
        """One figure in each scenario, named `<base>_<scenario>`, stored with its result
        where the model knows it: the figure it `mirror`s, or what `known` says."""
        cells: dict[int, Cell] = {LABEL: text(label, "label"), HOW: text(how, "note")}
        for scenario, col in COLUMNS.items():
            name = f"{base}_{scenario}"
            value = known(scenario) if known else None
            if mirror:
                self.mirrors.append((name, scenario, mirror))
                value = self.result(scenario, mirror)
            cells[col] = formula(row(scenario, POINT[scenario]), style, name, value)
        return self.put(cells)

    def payback_month(self, scenario: str) -> float | str:
        """The month the payback falls in: (month - 1, month]."""
        months = self.case.scenarios[scenario].payback_months
        return self._("not within 10 years") if months is None else max(1, math.ceil(months))

    def result(self, scenario: str, what: str) -> float | str:
        """The figure a row mirrors, as the Python model has it and the cell shows it."""
        found = mirrored(self.case, scenario, what)
        if found is not None:
            return found
        gain = self.case.scenarios[scenario].annual_gain
        if what == "payback_months" and gain and gain > 0:
            return self._("not within 10 years")
        return NO_VALUE

    def heading(self, label: str) -> None:
        self.row += 1 if self.row else 0
        self.put({LABEL: text(label, "heading")})

    def total(self, label: str, base: str, first: int, last: int, style: str, how: str,
              mirror: str) -> None:  # fmt: skip
        """The sum of rows `first` to `last`, in each scenario."""
        span = self.sheet.span

        def added(s: str, _point: str) -> str:
            return f"SUM({span(first, COLUMNS[s], last, COLUMNS[s], False)})"

        self.figure(label, base, added, style, how, mirror)

    def write(self) -> None:
        _, p = self._, self.case.proposal
        self.put({LABEL: text(p.title, "title")})
        for line in (
            "Every figure on this sheet is an Excel formula over the Inputs sheet: the site, "
            "the handouts and the slides show these formulas' results at the proposal's inputs.",
            "Change an input on the Inputs sheet and every figure here follows. The gain over "
            "the horizon and the payback are worked out month by month on the Timeline sheet.",
            "The conservative, likely and optimistic cases read each estimate at the low, "
            "likely and high point of its range.",
        ):
            self.put({LABEL: text(_(line), "note")})
        self.row += 1
        heads = {LABEL: _("Figure"), HOW: _("How it is worked out")}
        heads |= {c: _(f"scenario-case:{s}") for s, c in COLUMNS.items()}
        self.put({col: text(label, "header") for col, label in heads.items()})
        self.costs()
        self.benefits()
        self.risks()
        self.returns()

    def costs(self) -> None:
        inputs, _ = self.inputs, self._
        if not inputs.costed and not inputs.time:
            return
        self.heading(_("Costs"))
        if inputs.costed:
            once = "+".join(inputs.once) or "0"
            how = _("The one-off cost items, and the pilot where it comes on top")
            paid = programme_costs(self.case.proposal, self.case.impact.total_cost).one_off
            self.figure(_("Cost of training, once"), "cost_once", lambda s, p: once, "money", how,
                        known=lambda s: paid)  # fmt: skip
        if inputs.yearly:
            yearly = "+".join(inputs.yearly)
            self.figure(_("Yearly costs, a year"), "yearly_cost", lambda s, p: yearly, "money",
                        _("The cost items paid every year"), "yearly_cost")  # fmt: skip
        if inputs.time:
            time = "+".join(inputs.time)
            label = (
                _("People's time")
                if inputs.time_counted
                else _("People's time, shown beside the cost, not counted in it")
            )
            self.figure(label, "people_time", lambda s, p: time, "money",
                        _("People × hours × hourly cost, for the participants and each "
                          "support group"), "time_cost")  # fmt: skip
        if inputs.costed:
            factor = annuity("horizon_years")
            years = f"+yearly_cost_{{s}}*{factor}" if inputs.yearly else ""
            self.figure(_("Cost of training over the horizon"), "training_cost",
                        lambda s, p: f"cost_once_{s}" + years.format(s=s), "money",
                        _("Once, plus each year's payment at the start of its year, "
                          "discounted at the discount rate"), "training_cost")  # fmt: skip
            if not inputs.time_counted:
                self.mirrors += [(f"training_cost_{s}", s, "cost") for s in COLUMNS]
        if inputs.time_counted:
            training = "training_cost_{s}+" if inputs.costed else ""
            self.figure(_("Full cost"), "full_cost",
                        lambda s, p: training.format(s=s) + f"people_time_{s}", "money",
                        _("Cost of training + people's time"), "cost")  # fmt: skip

    def benefits(self) -> None:
        inputs, _ = self.inputs, self._
        if not inputs.benefits:
            return
        self.heading(_("Value a year"))
        scale = "*application_rate/application_rate_planned" if inputs.application_rate else ""
        how = _("Estimated value × attribution × confidence")
        if scale:
            how += " × " + _("application rate ÷ the rate it was estimated at")
        rows = [
            self.figure(b.title, f"value_{b.base}", _credited(b.base, scale), "money", how,
                        f"benefit:{b.anchor}")
            for b in inputs.benefits
        ]  # fmt: skip
        self.total(_("Value a year, all benefits"), "value_all_benefits", rows[0], rows[-1],
                   "money", _("The rows above added up"), "annual_benefit")  # fmt: skip

    def risks(self) -> None:
        inputs, _ = self.inputs, self._
        if not inputs.risks:
            return
        self.heading(_("Expected loss"))
        how = _("Likelihood per year × impact if it happens")
        rows = [
            self.figure(r.title, f"expected_loss_{r.base}", _expected(r.base), "money", how,
                        f"expected:{r.anchor}")
            for r in inputs.risks
        ]  # fmt: skip
        self.total(_("Cost of doing nothing, a year"), "cost_of_doing_nothing", rows[0],
                   rows[-1], "money", _("The rows above added up"), "expected_loss")  # fmt: skip
        reduced = [r for r in inputs.risks if r.reduced]
        if not reduced:
            return
        self.heading(_("Losses avoided"))
        how = _("Likelihood per year × reduction × impact if it happens")
        rows = [
            self.figure(r.title, f"avoided_{r.base}", _avoided(r.base), "money", how,
                        f"avoided:{r.anchor}")
            for r in reduced
        ]  # fmt: skip
        self.total(_("Losses avoided, a year"), "losses_avoided", rows[0], rows[-1], "money",
                   _("The rows above added up"), "avoided_loss")  # fmt: skip
        self.figure(_("Left after training, a year"), "left_after_training",
                    lambda s, p: f"cost_of_doing_nothing_{s}-losses_avoided_{s}", "money",
                    _("Cost of doing nothing − losses avoided"), "residual_loss")  # fmt: skip

    def returns(self) -> None:
        inputs, _ = self.inputs, self._
        if not _gains(inputs):
            return
        self.heading(_("The return"))
        parts = ["value_all_benefits_{s}"] if inputs.benefits else []
        parts += ["losses_avoided_{s}"] if any(r.reduced for r in inputs.risks) else []
        gain = "+".join(parts)
        self.figure(_("Gain a year"), "gain_a_year", lambda s, p: gain.format(s=s), "money",
                    _("Value a year, all benefits + losses avoided"), "annual_gain")  # fmt: skip
        self.figure(_("Gain over the horizon"), "gain_over_horizon",
                    lambda s, p: f"INDEX(gain_so_far_{s},horizon_years*12+1)", "money",
                    _("Month by month as people are trained, less what fades or ends; each "
                      "month's gain discounted at the discount rate (Timeline sheet)"),
                    "gain_over_horizon")  # fmt: skip
        cost = _cost(inputs)
        if cost is None:
            return
        rate = self.case.proposal.financials
        net = "Net present value" if rate and rate.discount_rate else "Net value"
        self.figure(_(net), "net_value", lambda s, p: f"gain_over_horizon_{s}-{cost}_{s}",
                    "money", _("Gain over the horizon − cost"), "net_value")  # fmt: skip
        none = _text_in_formula(NO_VALUE)
        self.figure(_("Return on investment"), "roi",
                    lambda s, p: f"IF({cost}_{s}<>0,(gain_over_horizon_{s}-{cost}_{s})/"
                    f"{cost}_{s},{none})", "percent", _("Net value ÷ cost"), "roi")  # fmt: skip
        self.figure(_("Benefit-cost ratio"), "benefit_cost_ratio",
                    lambda s, p: f"IF({cost}_{s}<>0,gain_over_horizon_{s}/{cost}_{s},{none})",
                    "ratio", _("Gain over the horizon ÷ cost"), "benefit_cost_ratio")  # fmt: skip
        upfront, yearly = _upfront(inputs), _yearly(inputs)
        never = _text_in_formula(_("not within 10 years"))
        self.figure(_("Paid back in month"), "payback_month",
                    lambda s, p: payback_month(s, never), "count",
                    _("The first month at whose end the gain so far covers the cost paid "
                      "by its start (Timeline sheet)"), known=self.payback_month)  # fmt: skip
        self.figure(_("Payback, months"), "payback",
                    lambda s, p: payback(s, upfront, yearly, never, none), "months",
                    _("Within that month: interpolated where discounted, else solved on "
                      "the ramp's curve"), "payback_months")  # fmt: skip
        if inputs.time_counted and inputs.costed:
            self.figure(_("Return on the training's money alone"), "roi_without_time",
                        lambda s, p: f"IF(training_cost_{s}<>0,(gain_over_horizon_{s}-"
                        f"training_cost_{s})/training_cost_{s},{none})", "percent",
                        _("The return without people's time in the cost"),
                        "roi_without_time")  # fmt: skip
