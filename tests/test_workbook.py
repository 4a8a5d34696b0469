"""`model.xlsx`: the money model as live formulas (render/workbook.py, engines/xlsx.py).

Every example's workbook is recomputed by an engine we did not write (the `formulas`
package) and every figure of its Case sheet found equal to the figure the site shows, in
every scenario; then three inputs are changed in the workbook and the recomputed figures
compared with the Python model run on the same inputs. Proposal text stays text.

Tolerances: the workbook does the model's arithmetic step for step (the payback inside its
month in closed form where Python bisects to a billionth of a month), so only rounding
differs, far below these bounds; the bounds are what a reader can see: money to half the
unit the tables show, a return to 0.005 points (pages show whole percents), a ratio to
0.005 (two decimals shown), a payback to 0.05 month (one decimal shown).

`formulas` takes 8 to 35 s to load one example's workbook (some 2,000 formulas, most of
them the Timeline's 121 months) and 2 to 6 s to recompute it, on two busy cores: those
tests are `slow` (each example is loaded once, for both of its tests).
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.compute.sensitivity import Model
from buildcase.compute.whatif import apply_settings
from buildcase.engines.xlsx import workbook_bytes
from buildcase.models.plan import Financials
from buildcase.models.quantities import Duration, Percent
from buildcase.models.sections import Proposal
from buildcase.render.workbook import mirrored, model_workbook
from buildcase.render.workbook_sheets import Book

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "proposals").iterdir() if (p / "proposal.yaml").is_file())
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TOLERANCE = {"money": 0.5, "percent": 0.005 / 100, "ratio": 0.005, "months": 0.05}
UNIT = {"roi": "percent", "roi_without_time": "percent", "benefit_cost_ratio": "ratio",
        "payback_months": "months"}  # fmt: skip


@functools.cache
def proposal_of(folder: Path) -> Proposal:
    return check_proposal(folder)[0]


def case_of(proposal: Proposal, slug: str) -> Case:
    return build_case(proposal, slug)


def written(case: Case, folder: Path) -> tuple[Book, Path]:
    book = model_workbook(case)
    path = folder / "model.xlsx"
    path.write_bytes(workbook_bytes(book))
    return book, path


def key(book: Book, path: Path, name: str) -> str:
    """A named cell as `formulas` knows it: `'[model.xlsx]CASE'!B12`."""
    sheet, row, col = book.named(name)
    return f"'[{path.name}]{sheet.title.upper()}'!{sheet.ref(row, col, False)}"


def assert_mirrors(book: Book, path: Path, solution: Any, case: Case) -> int:
    """Every named figure of the Case sheet, recomputed, against the Python model's."""
    wrong = []
    for name, scenario, what in book.mirrors:
        got = solution[key(book, path, name)].value[0, 0]
        want = mirrored(case, scenario, what)
        unit = UNIT.get(what, "money")
        if want is None:
            ok = isinstance(got, str)
        else:
            ok = not isinstance(got, str) and abs(float(got) - want) <= TOLERANCE[unit]
        if not ok:
            wrong.append(f"{name} ({what}): workbook {got!r}, model {want!r}")
    assert not wrong, "\n".join(wrong)
    return len(book.mirrors)


# --- what the file holds (fast) -------------------------------------------------------------


def sheet_xml(data: bytes, title: str) -> tuple[ElementTree.Element, list[str]]:
    """A sheet's XML by its title, and the shared strings."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        titles = [s.get("name") for s in workbook.find("x:sheets", NS) or []]
        index = titles.index(title) + 1
        shared = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        strings = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in shared]
        return ElementTree.fromstring(z.read(f"xl/worksheets/sheet{index}.xml")), strings


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_every_number_on_the_case_sheet_is_a_formula(folder: Path) -> None:
    """No pasted value: a number on the Case sheet is a formula's result (its stored
    result beside it), never a number typed in."""
    book = model_workbook(case_of(proposal_of(folder), folder.name))
    root, _strings = sheet_xml(workbook_bytes(book), book.sheets[0].title)
    cells = root.iter(f"{{{NS['x']}}}c")
    numbers = [c for c in cells if c.get("t") in (None, "n") and c.find("x:v", NS) is not None]
    assert numbers, "the Case sheet shows figures"
    pasted = [c.get("r") for c in numbers if c.find("x:f", NS) is None]
    assert not pasted, f"numbers without a formula on the Case sheet: {pasted}"


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_the_same_proposal_gives_the_same_bytes(folder: Path) -> None:
    case = case_of(proposal_of(folder), folder.name)
    first, again = workbook_bytes(model_workbook(case)), workbook_bytes(model_workbook(case))
    assert first == again
    date = case.proposal.date
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
        names = z.namelist()
    assert f"{date.year:04d}-{date.month:02d}-{date.day or 1:02d}T00:00:00Z" in core
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n], names


def test_titles_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    """A benefit titled `=HYPERLINK(...)`, a risk `@SUM(...)`, a cost item `+1` and a
    support group `-2`: each is a string cell, none a formula, and no formula names them."""
    folder = next(f for f in EXAMPLES if f.name == "support-coaching-programme")
    p = proposal_of(folder)
    hostile = {
        "benefit": '=HYPERLINK("https://example.invalid/x","Click")',
        "risk": "@SUM(A1:A9)",
        "cost": "+1+1",
        "support": "-2+3",
    }
    benefits = [p.benefits[0].model_copy(update={"title": hostile["benefit"]}), *p.benefits[1:]]
    risks = [p.risks[0].model_copy(update={"title": hostile["risk"]}), *p.risks[1:]]
    costs = [p.costs[0].model_copy(update={"item": hostile["cost"]}), *p.costs[1:]]
    support = [p.support[0].model_copy(update={"who": hostile["support"]}), *p.support[1:]]
    changed = p.model_copy(
        update={"benefits": benefits, "risks": risks, "costs": costs, "support": support}
    )
    book = model_workbook(case_of(changed, "hostile"))
    data = workbook_bytes(book)
    found = []
    for sheet in book.sheets:
        root, strings = sheet_xml(data, sheet.title)
        for c in root.iter(f"{{{NS['x']}}}c"):
            formula = c.find("x:f", NS)
            assert formula is None or not re.search(r"HYPERLINK|SUM\(A1", formula.text or "")
            value = c.find("x:v", NS)
            if (
                c.get("t") == "s"
                and value is not None
                and strings[int(value.text or 0)] in (hostile.values())
            ):
                assert formula is None
                found.append(strings[int(value.text or 0)])
    assert set(found) == set(hostile.values()), found
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not [n for n in z.namelist() if "hyperlink" in n.lower() or (n.endswith(".rels")
                    and b"External" in z.read(n))]  # fmt: skip


def test_a_single_value_estimate_has_one_input_and_a_range_three() -> None:
    """Finance changes one cell for a value given once; a range's three points are each an
    input. A single value's low and high follow its likely value."""
    folder = next(f for f in EXAMPLES if f.name == "department-heads-rollout")
    book = model_workbook(case_of(proposal_of(folder), folder.name))
    inputs = next(s for s in book.sheets if any(c.name == "hourly_cost" for c in s.cells.values()))
    cells = {c.name: c for c in inputs.cells.values() if c.name}
    assert cells["hourly_cost"].input and cells["hourly_cost"].kind == "number"
    ranged = [n[: -len("_low")] for n, c in cells.items() if n.endswith("_low") and c.input]
    single = [n[: -len("_low")] for n, c in cells.items() if n.endswith("_low") and not c.input]
    assert ranged and single
    for base in single:
        low, likely = cells[f"{base}_low"], cells[f"{base}_likely"]
        assert low.kind == "formula" and likely.input and low.cached == likely.value


# --- recomputed by another engine (slow) ----------------------------------------------------

# Three inputs each example's workbook is changed in, the first three it has: the workbook's
# cell (or a range's three) and the driver `compute.whatif.apply_settings` sets the same way.
CHANGES = (
    ("application_rate", "application-rate", 0.7),
    ("hourly_cost", "hourly-cost", 1.5),
    ("benefit_1_value", "benefit-value:", 0.6),
    ("discount_rate", "discount-rate", 1.5),
    ("risk_1_reduction", "risk-reduction:", 0.5),
    ("benefit_2_attribution", "benefit-attribution:", 0.5),
    ("ramp_weeks", "ramp", 1.5),
)


def changes_for(book: Book, case: Case) -> list[tuple[list[str], str, float, float]]:
    """(the workbook's cells, the driver, the workbook's value, the driver's value)."""
    names = book.names
    found = []
    for base, driver, factor in CHANGES:
        cells = [n for n in (base, f"{base}_low", f"{base}_likely", f"{base}_high") if n in names]
        if not cells:
            continue
        sheet, row, col = book.named(cells[-1] if len(cells) == 1 else f"{base}_likely")
        value = float(sheet.cells[(row, col)].value) * factor
        if not value:
            continue  # not given (no discounting): the model has no such driver
        if driver.endswith(":"):
            kind, index = base.split("_")[0], int(base.split("_")[1]) - 1
            views = case.benefits if kind == "benefit" else case.risks
            driver += views[index].anchor
        percent = base.endswith(("rate", "reduction", "attribution"))
        found.append((cells, driver, value, value * 100 if percent else value))
    return found[:3]


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.name)
def recomputed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An example's workbook, loaded once into `formulas` for the tests below."""
    formulas = pytest.importorskip("formulas")
    folder: Path = request.param
    case = case_of(proposal_of(folder), folder.name)
    book, path = written(case, tmp_path_factory.mktemp(folder.name))
    model = formulas.ExcelModel().loads(str(path)).finish()
    return folder, case, book, path, model


@pytest.mark.slow
def test_every_figure_recomputed_is_the_sites(recomputed: Any) -> None:
    _folder, case, book, path, model = recomputed
    checked = assert_mirrors(book, path, model.calculate(), case)
    assert checked >= 3 * 10, "every scenario's costs, values, losses and return"


@pytest.mark.slow
def test_three_inputs_changed_in_the_workbook_follow_the_model(recomputed: Any) -> None:
    folder, case, book, path, model = recomputed
    changes = changes_for(book, case)
    assert len(changes) == 3, changes
    inputs = {}
    for cells, _driver, value, _setting in changes:
        for name in cells:
            sheet, row, col = book.named(name)
            if sheet.cells[(row, col)].input:
                inputs[key(book, path, name)] = value
    point = "low" if case.has_ranges else "likely"
    anchors = tuple(b.anchor for b in case.benefits), tuple(r.anchor for r in case.risks)
    lead = Model(case.proposal, *anchors, case.lead.scenario, point)
    changed = apply_settings(lead, {driver: setting for _c, driver, _v, setting in changes})
    expected = case_of(changed, folder.name)
    assert expected.lead.roi != case.lead.roi, "the changes move the return"
    assert_mirrors(book, path, model.calculate(inputs=inputs), expected)


@pytest.mark.slow
def test_yearly_costs_an_ending_benefit_and_time_shown_recompute(tmp_path: Path) -> None:
    """What no example has: a yearly cost over a three-year discounted horizon, a benefit
    that lasts a year and one that fades, and people's time shown beside the cost, not in
    it."""
    formulas = pytest.importorskip("formulas")
    folder = next(f for f in EXAMPLES if f.name == "support-coaching-programme")
    p = proposal_of(folder)
    costs = [*p.costs[:-1], p.costs[-1].model_copy(update={"recurring": "yearly"})]
    benefits = [
        p.benefits[0].model_copy(update={"lasts": Duration(52, "week")}),
        p.benefits[1].model_copy(update={"decay": Percent(30)}),
        *p.benefits[2:],
    ]
    financials = (p.financials or Financials.model_validate({})).model_copy(
        update={"horizon_years": 3, "discount_rate": Percent(6), "time_cost": "shown"}
    )
    changed = p.model_copy(update={"costs": costs, "benefits": benefits, "financials": financials})
    case = case_of(changed, "variant")
    assert case.lead.yearly_cost and case.lead.time_cost and not case.lead.time_counted
    book, path = written(case, tmp_path)
    model = formulas.ExcelModel().loads(str(path)).finish()
    assert_mirrors(book, path, model.calculate(), case)
