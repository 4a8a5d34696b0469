"""The workbook as plain data, for `engines/xlsx.py` to write: cells (text, number or
formula), the sheets they sit on, their A1 references and the names finance reads the
formulas by; the schedule's arithmetic as Excel formulas; and the Timeline sheet, one row a
month, that the gain over the horizon and the payback are read from. No spreadsheet
library here: a test can read every formula as a string."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from buildcase.compute.schedule import LONGEST_PAYBACK_MONTHS

# How a cell looks, by key (`engines/xlsx.py` holds the formats): text styles, and the
# number formats of a figure's unit. A cell an author's input fills is `input` besides.
TEXT_STYLES = ("title", "heading", "header", "text", "note", "label")
NUMBER_STYLES = ("money", "percent", "count", "hours", "weeks", "years", "months", "ratio",
                 "number", "flag")  # fmt: skip
EXCEL_NAME = re.compile(r"[a-z][a-z0-9_]{0,200}")  # ours only: never from proposal text


@dataclass(frozen=True)
class Cell:
    """One cell: `kind` says how it is written. Text from the proposal is always `text`,
    written as a string, so that a title beginning with `=` stays a title."""

    kind: str  # "text", "number" or "formula" (the formula without its leading `=`)
    value: str | float
    style: str = "text"
    input: bool = False  # an input finance may change: unlocked, in the input colour
    name: str | None = None  # the defined name the formulas read it by
    cached: float | str | None = None  # a formula's result, where the model knows it


@dataclass
class Sheet:
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (row, column), from 0
    widths: tuple[float, ...] = ()  # each column's width, in characters
    freeze: tuple[int, int] = (0, 0)  # rows and columns that stay in view
    ranges: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # named

    def ref(self, row: int, col: int, fixed: bool = True) -> str:
        """The cell's A1 reference within its sheet (`$C$5`, or `C5`)."""
        dollar = "$" if fixed else ""
        return f"{dollar}{column_letters(col)}{dollar}{row + 1}"

    def full_ref(self, row: int, col: int) -> str:
        return f"{quoted(self.title)}!{self.ref(row, col)}"

    def span(self, top: int, left: int, bottom: int, right: int, fixed: bool = True) -> str:
        return f"{self.ref(top, left, fixed)}:{self.ref(bottom, right, fixed)}"


@dataclass(frozen=True)
class Book:
    """The whole workbook. `mirrors` says which figure of the computed case each named
    figure of the Case sheet is: (name, scenario, what), `what` an attribute of
    `compute.records.Scenario` or `benefit:<anchor>`, `expected:<anchor>`,
    `avoided:<anchor>`; a return is a fraction here and a percent there."""

    sheets: tuple[Sheet, ...]
    money_format: str  # an amount in the proposal's currency, as Excel writes it
    title: str
    author: str
    created: datetime.datetime
    language: str
    mirrors: tuple[tuple[str, str, str], ...]

    @property
    def names(self) -> dict[str, str]:
        """Every defined name and what it refers to (`'Inputs'!$C$5`)."""
        found: dict[str, str] = {}
        for sheet in self.sheets:
            for (row, col), cell in sorted(sheet.cells.items()):
                if cell.name:
                    found[cell.name] = sheet.full_ref(row, col)
            for name, (top, left, bottom, right) in sheet.ranges.items():
                found[name] = f"{quoted(sheet.title)}!{sheet.span(top, left, bottom, right)}"
        return found

    def named(self, name: str) -> tuple[Sheet, int, int]:
        """The sheet, row and column of the cell known by `name`."""
        for sheet in self.sheets:
            for (row, col), cell in sheet.cells.items():
                if cell.name == name:
                    return sheet, row, col
        raise KeyError(name)


def column_letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def quoted(title: str) -> str:
    """A sheet's name as a formula refers to it: always quoted, so a translated name with a
    space or a letter outside A-Z reads the same."""
    return "'" + title.replace("'", "''") + "'"


def text(value: str, style: str = "text") -> Cell:
    return Cell("text", value, style)


def number(value: float, style: str, name: str | None = None, given: bool = True) -> Cell:
    """An input's value: `given` where finance may change it."""
    return Cell("number", float(value), style, input=given, name=checked(name))


def formula(
    expression: str, style: str, name: str | None = None, cached: float | str | None = None
) -> Cell:
    """A formula; `cached`, its result as the Python model computed it, is stored with it
    for a reader that shows stored results rather than recalculating (LibreOffice's
    default for .xlsx; Excel recalculates every formula as it opens the file)."""
    return Cell("formula", expression, style, name=checked(name), cached=cached)


def checked(name: str | None) -> str | None:
    """A defined name, made by this code from indices, never from the proposal's text."""
    if name is not None and not EXCEL_NAME.fullmatch(name):
        raise ValueError(f"not a name buildcase makes: {name!r}")
    return name


# --- the arithmetic Excel is given -----------------------------------------------------------

MONTHS_A_WEEK = "12/52"  # compute.schedule.MONTHS_A_WEEK, as a formula writes it


def ramp_accrued(t: str, start: str = "ramp_start_months", length: str = "ramp_months") -> str:
    """compute.schedule.Ramp.full_months_by(t): months' worth of the full monthly gain
    accrued by `t`; nothing before the ramp starts, a quadratic along it, linear after."""
    since = f"({t}-{start})"
    return (
        f"IF({since}<=0,0,IF({since}<={length},{since}^2/(2*{length}),{length}/2+{since}-{length}))"
    )


def ramp_inverse(x: str, start: str = "ramp_start_months", length: str = "ramp_months") -> str:
    """The month by which `x` months' worth of the full gain has accrued: `ramp_accrued`
    solved for its argument (x > 0)."""
    return f"IF({x}<={length}/2,{start}+SQRT(2*{length}*{x}),{start}+{length}/2+{x})"


def annuity(payments: str, rate: str = "discount_rate") -> str:
    """What `payments` yearly payments of 1, the first today, are worth today:
    compute.schedule.Schedule.yearly_over in one formula."""
    return f"IF({rate}=0,{payments},(1-(1+{rate})^(-({payments})))/(1-(1+{rate})^(-1)))"


# --- the Timeline sheet ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    """A benefit's part of the gain as the Case and Timeline sheets read it: the base of
    its inputs' names, and whether it ends (`lasts`)."""

    anchor: str
    base: str  # benefit_1: benefit_1_value_low, benefit_1_attribution ...
    title: str
    ends: bool


MONTH, ACCRUED, DISCOUNT, PAID, FIRST_STREAM = range(5)
PER_SCENARIO = 3  # gain this month, gain so far, paid back
VALUES, FADES, ENDS, ACCRUED_AT_END = 8, 11, 12, 13  # the rows of the streams' block
TOP = 15  # the monthly table's header row; month 0 is the row below
MONTHS = LONGEST_PAYBACK_MONTHS  # the horizon is at most ten years: 120 months
Scenarios = tuple[tuple[str, str], ...]
Label = Callable[[str], str]


def timeline_sheet(
    scenarios: Scenarios, benefits: list[Stream], avoided: bool, upfront: str, yearly: str,
    ramp: tuple[float, float], _: Label,
) -> Sheet:  # fmt: skip
    """One row a month, from 0 to LONGEST_PAYBACK_MONTHS: compute.schedule.Schedule's gain,
    its present value and the cost paid, and whether the cost is covered yet, in each
    scenario. `upfront` and `yearly` are the payments as formulas (the same in every
    scenario); `ramp` its start and length in months, as the model has them. Its named
    ranges run from month 0: a month's row is its number + 1."""
    streams = len(benefits) + (1 if avoided else 0)
    first_scenario = FIRST_STREAM + streams
    widths = (10, 14, 12, 16, *([18] * streams), *([16] * PER_SCENARIO * len(scenarios)))
    sheet = Sheet(_("Timeline"), widths=widths, freeze=(TOP + 1, 1))
    put = sheet.cells.__setitem__
    put((0, 0), text(_("Timeline: the gain month by month"), "title"))
    for row, line in enumerate((
        "A helper table: no single Excel formula gives a gain that grows as people are "
        "trained, fades each year and ends. One row a month, every cell a formula over the "
        "inputs; the Case sheet reads the gain over the horizon and the payback from here.",
        "The payback inside its month is worked out on the Case sheet: discounted, "
        "interpolated between the month's ends; undiscounted, solved on the ramp's curve, "
        "exact unless a benefit ends within that very month.",
    ), 1):  # fmt: skip
        put((row, 0), text(_(line), "note"))
    put((4, 0), text(_("Gain starts, months from the start"), "label"))
    put((4, 2), formula(f"ramp_start_weeks*{MONTHS_A_WEEK}", "months", "ramp_start_months",
                        ramp[0]))  # fmt: skip
    put((5, 0), text(_("Months for the gain to reach its full value"), "label"))
    put((5, 2), formula(f"ramp_weeks*{MONTHS_A_WEEK}", "months", "ramp_months", ramp[1]))
    _stream_block(sheet, scenarios, benefits, avoided, _)
    _monthly_header(sheet, scenarios, benefits, avoided, _)
    values = {s: sheet.span(VALUES + i, FIRST_STREAM, VALUES + i, first_scenario - 1)
              for i, (s, _p) in enumerate(scenarios)}  # fmt: skip
    for month in range(MONTHS + 1):
        _month_row(sheet, month, scenarios, benefits, avoided, values, upfront, yearly)
    first, last = TOP + 1, TOP + 1 + MONTHS
    sheet.ranges["month_accrued"] = (first, ACCRUED, last, ACCRUED)
    sheet.ranges["cost_paid"] = (first, PAID, last, PAID)
    for i, (s, _p) in enumerate(scenarios):
        col = first_scenario + PER_SCENARIO * i
        sheet.ranges[f"gain_so_far_{s}"] = (first, col + 1, last, col + 1)
        sheet.ranges[f"paid_back_{s}"] = (first, col + 2, last, col + 2)
    return sheet


def _stream_block(sheet: Sheet, scenarios: Scenarios, benefits: list[Stream], avoided: bool,
                  _: Label) -> None:  # fmt: skip
    """Each stream of the gain, one a column: its value a year in each scenario (from the
    Case sheet), how much it fades a year, the month it ends, and the ramp by then."""
    put = sheet.cells.__setitem__
    put((VALUES - 1, 0), text(_("Part of the gain"), "header"))
    for row, (s, _p) in enumerate(scenarios, VALUES):
        put((row, 0), text(f"{_('Value a year')}, {_('scenario-case-in-sentence:' + s)}", "label"))
    put((FADES, 0), text(_("Fades each year"), "label"))
    put((ENDS, 0), text(_("Ends, months from the start"), "label"))
    put((ACCRUED_AT_END, 0), text(_("Full months of gain by its end"), "label"))
    never = text(_("never"), "note")
    for i, b in enumerate(benefits):
        col = FIRST_STREAM + i
        put((VALUES - 1, col), text(b.title, "header"))
        for row, (s, _p) in enumerate(scenarios, VALUES):
            put((row, col), formula(f"value_{b.base}_{s}", "money"))
        put((FADES, col), formula(f"{b.base}_decay", "percent"))
        ends = f"ramp_start_months+{b.base}_lasts_weeks*{MONTHS_A_WEEK}"
        put((ENDS, col), formula(ends, "months") if b.ends else never)
        at_end = ramp_accrued(sheet.ref(ENDS, col))
        put((ACCRUED_AT_END, col), formula(at_end, "months") if b.ends else never)
    if avoided:
        col = FIRST_STREAM + len(benefits)
        put((VALUES - 1, col), text(_("Losses avoided"), "header"))
        for row, (s, _p) in enumerate(scenarios, VALUES):
            put((row, col), formula(f"losses_avoided_{s}", "money"))
        for row in (FADES, ENDS, ACCRUED_AT_END):
            put((row, col), never)


def _monthly_header(sheet: Sheet, scenarios: Scenarios, benefits: list[Stream], avoided: bool,
                    _: Label) -> None:  # fmt: skip
    heads = [_("Month"), _("Full months of gain so far"), _("Discount factor"),
             _("Cost paid by the month's start")]  # fmt: skip
    heads += [f"{_('Share of a year')}: {b.title}" for b in benefits]
    heads += [f"{_('Share of a year')}: {_('Losses avoided')}"] if avoided else []
    for s, _p in scenarios:
        case = _("scenario-case:" + s)
        heads += [f"{case}: {_(h)}" for h in ("gain this month", "gain so far",
                  "paid back (1) or not yet (0)")]  # fmt: skip
    for col, head in enumerate(heads):
        sheet.cells[(TOP, col)] = text(head, "header")


def _month_row(
    sheet: Sheet, month: int, scenarios: Scenarios, benefits: list[Stream], avoided: bool,
    values: dict[str, str], upfront: str, yearly: str,
) -> None:  # fmt: skip
    """Month `month`'s row: compute.schedule's arithmetic for the month that ends then."""
    row = TOP + 1 + month
    put = sheet.cells.__setitem__

    def at(col: int, back: int = 0) -> str:
        return sheet.ref(row - back, col, False)

    put((row, MONTH), Cell("number", float(month), "count"))
    put((row, ACCRUED), formula(ramp_accrued(at(MONTH)), "number"))
    first_scenario = FIRST_STREAM + len(benefits) + (1 if avoided else 0)
    if month == 0:
        for i in range(len(scenarios)):
            col = first_scenario + PER_SCENARIO * i
            put((row, col + 1), Cell("number", 0.0, "money"))
            put((row, col + 2), Cell("number", 0.0, "flag"))
        return
    m, ramp, ramp_before = at(MONTH), at(ACCRUED), at(ACCRUED, 1)
    put((row, DISCOUNT), formula(f"(1+discount_rate)^({m}/12)", "number"))
    year = f"INT(({m}-1)/12)"
    cost = upfront + (f"+{yearly}*{annuity(f'{year}+1')}" if yearly != "0" else "")
    put((row, PAID), formula(cost, "money"))
    for i, b in enumerate(benefits):
        share = f"({ramp}-{ramp_before})"
        if b.ends:  # the ramp up to the month it ends, and no further
            end = sheet.ref(ACCRUED_AT_END, FIRST_STREAM + i)
            share = f"(MIN({ramp},{end})-MIN({ramp_before},{end}))"
        put((row, FIRST_STREAM + i), formula(f"(1-{b.base}_decay)^{year}*{share}/12", "number"))
    if avoided:
        put((row, first_scenario - 1), formula(f"({ramp}-{ramp_before})/12", "number"))
    shares = sheet.span(row, FIRST_STREAM, row, first_scenario - 1, False)
    for i, (s, _p) in enumerate(scenarios):
        col = first_scenario + PER_SCENARIO * i
        so_far, back_before = at(col + 1), at(col + 2, 1)
        put((row, col), formula(f"SUMPRODUCT({values[s]},{shares})", "money"))
        put((row, col + 1), formula(f"{at(col + 1, 1)}+{at(col)}/{at(DISCOUNT)}", "money"))
        put((row, col + 2),
            formula(f"IF(OR({back_before}=1,{so_far}>={at(PAID)}),1,0)", "flag"))  # fmt: skip


def payback(scenario: str, upfront: str, yearly: str, never: str, none: str) -> str:
    """compute.schedule.Schedule.payback on the Timeline: in the first month the gain so
    far covers the cost paid by the month's start (`payback_month_<scenario>`),
    interpolated where discounted; undiscounted, solved on the ramp's curve, the month's
    gain taken to follow the ramp (exact unless a benefit ends within that month)."""
    m = f"payback_month_{scenario}"

    def at(cells: str, back: int) -> str:  # a month's row is its number + 1
        return f"INDEX({cells},{m}+{1 - back})"

    so_far, before = at(f"gain_so_far_{scenario}", 0), at(f"gain_so_far_{scenario}", 1)
    paid, ramp, ramp_before = at("cost_paid", 0), at("month_accrued", 0), at("month_accrued", 1)
    step = f"({so_far}-{before})"
    within = f"({ramp_before}+({paid}-{before})*({ramp}-{ramp_before})/{step})"
    solved = f"IF(discount_rate<>0,{m}-1+({paid}-{before})/{step},{ramp_inverse(within)})"
    return (f"IF(gain_a_year_{scenario}>0,IF({upfront}+{yearly}<=0,0,"
            f"IF(ISNUMBER({m}),{solved},{never})),{none})")  # fmt: skip


def payback_month(scenario: str, never: str) -> str:
    """The first month whose end finds the cost covered: its row in the Timeline, less 1."""
    flags = f"paid_back_{scenario}"
    return f"IF(INDEX({flags},{MONTHS + 1})=1,MATCH(1,{flags},0)-1,{never})"
