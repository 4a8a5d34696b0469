"""The what-if panel (issue 28) runs on the same model: its data (`compute.whatif`), checked
in Python, and its arithmetic (`templates/assets/whatif.js`), checked in Chromium against
the Python model at hundreds of random settings of every example; the panel itself, driven
by the keyboard and the mouse's way of setting a value, opened from disk, with no request."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute.impact import build_impact
from buildcase.compute.records import Scenario
from buildcase.compute.sensitivity import Model, Sensitivity, drivers, sensitivities
from buildcase.compute.whatif import ALWAYS, MOST_MOVED, apply_settings, whatif_model

from .conftest import PROPOSALS, REFERENCE, ROOT, write_proposal
from .test_sensitivity import model_of

WHATIF_JS = ROOT / "templates" / "assets" / "whatif.js"
EXAMPLES = sorted(p.parent for p in PROPOSALS.glob("*/proposal.yaml"))
SETTINGS_IN_ALL = 200
SETTINGS_EACH = math.ceil(SETTINGS_IN_ALL / len(EXAMPLES)) + 5  # random, beside the corners

# Every path of the arithmetic the examples leave out: a yearly cost over a discounted
# horizon, a pilot paid on top, a benefit that fades and one that ends, a reduced risk with
# a range, support time at its own rate and at the request's.
EVERY_PATH = """\
title: Every path of the timeline
organization: Acme
prepared_by: {name: Ann Lee, role: L&D lead}
date: 2026-11-01
summary: Coach our managers.
goals:
  - {id: retention, title: Keep our people}
request:
  participants: 60
  duration: 16 weeks
  hours_per_participant: 12
  hourly_cost: 45
  pilot: {participants: 10, duration: 4 weeks, budget: 15000, included: false}
financials:
  horizon_years: 3
  discount_rate: 10%
  application_rate: 50%
costs:
  - {item: Coaching, amount: 90000}
  - {item: Platform licence, amount: 20000, recurring: yearly}
support:
  - {who: Managers, when: after, does: Coach weekly, people: 8, hours: 10, hourly_cost: 80}
  - {who: Buddies, when: during, does: Pair up, people: 12, hours: 6}
benefits:
  - title: Fewer people leave
    goals: [retention]
    annual_value: {low: 120000, likely: 150000, high: 200000}
    attribution: 60%
    confidence: 80%
    decay: 20%
  - title: Faster starts
    goals: [retention]
    annual_value: 50000
    lasts: 18 months
risks:
  - title: A key client leaves
    likelihood: {low: 10%, likely: 20%, high: 30%}
    impact: 250000
    reduction: 40%
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Model]:
    """Each example's model, and the proposal that takes every path of the arithmetic."""
    workspace = tmp_path_factory.mktemp("whatif")
    every = write_proposal(workspace, EVERY_PATH, "every-path")
    found = {}
    for folder in [*EXAMPLES, every]:
        found[folder.name] = model_of(check_proposal(folder, workspace=ROOT)[0], folder.name)
    return found


@pytest.fixture(scope="module")
def moved(models: dict[str, Model]) -> dict[str, list[Sensitivity]]:
    """Each case's tornado, found once for the module: the costliest step here."""
    return {name: sensitivities(model) for name, model in models.items()}


@pytest.fixture(scope="module")
def made(
    models: dict[str, Model], moved: dict[str, list[Sensitivity]]
) -> dict[str, dict[str, Any]]:
    """What each case's panel reads, made from the tornado the build has found already."""
    return {name: whatif_model(model, moved[name]) for name, model in models.items()}


def figures(lead: Scenario) -> dict[str, float | None]:
    """The figures the panel shows, as Python computes them, under the panel's names."""
    return {
        "roi": lead.roi,
        "net": lead.net_value,
        "payback": lead.payback_months,
        "gain": lead.gain_over_horizon,
        "annualGain": lead.annual_gain,
        "cost": lead.cost,
    }


# --- the data the panel reads -------------------------------------------------------------


@pytest.mark.parametrize("name", [f.name for f in EXAMPLES])
def test_each_slider_is_bounded_by_its_driver_s_range(
    models: dict[str, Model],
    moved: dict[str, list[Sensitivity]],
    made: dict[str, dict[str, Any]],
    name: str,
) -> None:
    model = models[name]
    by_key = {d.key: d for d, _ in drivers(model)}
    sliders = made[name]["sliders"]
    assert sliders, f"{name}: no slider"
    for s in sliders:
        driver = by_key[s["key"]]
        assert (s["min"], s["value"], s["max"]) == (driver.low, driver.value, driver.high)
        assert (s["kind"], s["unit"]) == (driver.what, driver.unit)
    keys = [s.driver.key for s in moved[name]]
    wanted = {*keys[:MOST_MOVED], *(k for k in keys if k in ALWAYS)}
    assert {s["key"] for s in sliders} == wanted


def test_a_slider_names_the_benefit_or_risk_it_sets(made: dict[str, dict[str, Any]]) -> None:
    every = made["every-path"]
    assert any(s["index"] is not None for s in every["sliders"])
    for s in every["sliders"]:
        owner, _, anchor = s["key"].partition(":")
        if owner.startswith(("benefit-", "risk-")):
            entries = every["benefits"] if owner.startswith("benefit-") else every["risks"]
            assert entries[s["index"]]["anchor"] == anchor
        else:
            assert s["index"] is None


def test_the_model_is_plain_json_and_the_same_with_the_tornado_given_or_not(
    models: dict[str, Model], made: dict[str, dict[str, Any]]
) -> None:
    for name in models:
        assert json.loads(json.dumps(made[name], allow_nan=False)) == made[name], name
    assert whatif_model(models[REFERENCE.name]) == made[REFERENCE.name]


def test_people_s_time_is_split_where_the_hourly_cost_moves_it(
    models: dict[str, Model], made: dict[str, dict[str, Any]]
) -> None:
    """Every path: 60 participants x 12 h and the buddies' 12 x 6 h at the request's $45,
    the managers' 8 x 10 h at their own $80; together, the time the return is costed on."""
    model = models["every-path"]
    time = made["every-path"]["time"]
    assert time["counted"] is True
    assert (time["participants"], time["hours_per_participant"]) == (60, 12)
    assert time["support_hours_at_hourly_cost"] == 12 * 6
    assert time["support_cost_at_own_rates"] == 8 * 10 * 80
    whole = (60 * 12 + 12 * 6) * 45 + 8 * 10 * 80
    assert build_impact(model.proposal, []).total_cost == whole


def test_the_leading_values_give_the_leading_case_exactly(
    models: dict[str, Model], made: dict[str, dict[str, Any]]
) -> None:
    for name, model in models.items():
        every = {s["key"]: s["value"] for s in made[name]["sliders"]}
        again = model.lead(apply_settings(model, every))
        assert figures(again) == figures(model.lead()), name


def test_the_application_rate_scales_the_values_the_other_sliders_set(
    models: dict[str, Model],
) -> None:
    """Applied last whatever the order given: a benefit set to $100,000 at the planned 50%
    is worth $80,000 at 40%."""
    model = models["every-path"]
    key = f"benefit-value:{model.benefit_anchors[0]}"
    for settings in ({key: 100_000.0, "application-rate": 40.0},
                     {"application-rate": 40.0, key: 100_000.0}):  # fmt: skip
        value = apply_settings(model, settings).benefits[0].annual_value
        assert value is not None
        assert value.pick(model.point) == pytest.approx(80_000.0, rel=1e-12)


def test_a_setting_of_no_driver_of_the_case_is_refused(models: dict[str, Model]) -> None:
    with pytest.raises(KeyError, match="discount-rate"):
        apply_settings(models[REFERENCE.name], {"discount-rate": 5.0})


# --- the same figures in Chromium ---------------------------------------------------------


def random_settings(made: dict[str, Any], seed: str, count: int) -> list[dict[str, float]]:
    """The leading case, every slider at its low and at its high, then `count` settings of
    several sliders at once (at least two, where there are two), each anywhere in its range."""
    sliders = made["sliders"]
    chosen: list[dict[str, float]] = [{}]
    chosen += [{s["key"]: s[end] for s in sliders} for end in ("min", "max")]
    rng = random.Random(seed)
    for _ in range(count):
        moved = rng.sample(sliders, rng.randint(min(2, len(sliders)), len(sliders)))
        chosen.append({s["key"]: rng.uniform(s["min"], s["max"]) for s in moved})
    return chosen


class Recorder:
    """Every request a page makes: those leaving the disk aborted, all of them kept."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Any) -> None:
        self.urls.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.fallback()
        else:
            route.abort("blockedbyclient")

    def console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def outside(self) -> list[str]:
        return [u for u in self.urls if not u.startswith("file://")]


def open_panel_page(browser: Any, folder: Path) -> tuple[Any, Any, Recorder]:
    """A page from disk that loads whatif.js by its file:// address, as a site opened
    from disk does, every request recorded: its context, the page and the recorder."""
    html = folder / "panel.html"
    html.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>What if</title>'
        f'<script src="{WHATIF_JS.as_uri()}"></script></head>'
        '<body><main id="panel"></main></body></html>',
        encoding="utf-8",
    )
    context = browser.new_context()
    recorder = Recorder()
    context.route("**/*", recorder.route)
    page = context.new_page()
    page.on("pageerror", lambda error: recorder.errors.append(str(error)))
    page.on("console", recorder.console)
    page.goto(html.as_uri(), wait_until="load")
    return context, page, recorder


@pytest.fixture(scope="module")
def opened(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Recorder]]:
    """One page for the module's checks: the arithmetic needs no fresh page."""
    context, page, recorder = open_panel_page(browser, tmp_path_factory.mktemp("whatif-page"))
    yield page, recorder
    context.close()


COMPUTE_ALL = "([model, all]) => all.map(s => window.buildcaseWhatIf.compute(model, s))"


def close(name: str, python: float | None, browser: float | None) -> bool:
    """To the unit for money, to a hundredth for a return in points or a payback in months;
    a figure Python leaves undefined is null in the browser."""
    if python is None or browser is None:
        return python is None and browser is None
    if name in {"roi", "payback"}:
        return abs(python - browser) <= 0.01
    return abs(python - browser) <= max(1.0, 1e-9 * abs(python))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", [*(f.name for f in EXAMPLES), "every-path"])
def test_the_browser_computes_what_python_computes(
    opened: tuple[Any, Recorder],
    models: dict[str, Model],
    made: dict[str, dict[str, Any]],
    name: str,
) -> None:
    page, recorder = opened
    model = models[name]
    all_settings = random_settings(made[name], name, SETTINGS_EACH)
    computed = page.evaluate(COMPUTE_ALL, [made[name], all_settings])
    wrong = []
    for settings, there in zip(all_settings, computed, strict=True):
        here = figures(model.lead(apply_settings(model, settings)))
        wrong += [(settings, k, here[k], there[k]) for k in here if not close(k, here[k], there[k])]
    assert wrong == [], f"{len(wrong)} figures differ, the first: {wrong[:3]}"
    assert recorder.outside() == [] and recorder.errors == []


# --- the panel ----------------------------------------------------------------------------

NAMES = {
    "benefit-value:benefit-ambassadors": "Ambassadors' value a year",
    "benefit-attribution:benefit-ambassadors": "Ambassadors: credited to training",
    "benefit-confidence:benefit-ambassadors": "Ambassadors: confidence",
    "benefit-value:benefit-confidence": "Confidence's value a year",
    "ramp": "Weeks until the gain is full",
}


def shown(page: Any) -> dict[str, str]:
    """The figures the panel shows, by name."""
    found: dict[str, str] = page.eval_on_selector_all(
        "[data-figure]",
        "all => Object.fromEntries(all.map(o => [o.dataset.figure, o.textContent]))",
    )
    return found


def formatted(lead: Scenario) -> dict[str, str]:
    """The figures as the panel writes them in English: whole dollars and percents,
    months to a tenth."""
    assert lead.roi is not None and lead.net_value is not None and lead.cost is not None
    assert lead.payback_months is not None and lead.gain_over_horizon is not None
    return {
        "roi": f"{lead.roi:.0f}%",
        "net": f"${lead.net_value:,.0f}",
        "payback": f"{lead.payback_months:.1f} months",
        "gain": f"${lead.gain_over_horizon:,.0f}",
        "cost": f"${lead.cost:,.0f}",
    }


@pytest.mark.slow
@pytest.mark.browser
def test_the_panel_s_sliders_are_labelled_bounded_and_move_the_figures(
    opened: tuple[Any, Recorder], models: dict[str, Model], made: dict[str, dict[str, Any]]
) -> None:
    page, recorder = opened
    model = models[REFERENCE.name]
    reference = made[REFERENCE.name]
    page.evaluate(
        "([model, names]) => window.buildcaseWhatIf.mount("
        "document.getElementById('panel'), model, {drivers: names})",
        [reference, NAMES],
    )
    assert "your assumptions, not the proposal's" in page.inner_text(".bc-whatif__note")
    for s in reference["sliders"]:
        slider = page.get_by_label(NAMES[s["key"]])
        assert slider.get_attribute("type") == "range" and slider.is_visible()
        bounds = [float(slider.get_attribute(a) or "nan") for a in ("min", "max")]
        assert [*bounds, float(slider.input_value())] == [s["min"], s["max"], s["value"]]
    assert shown(page) == formatted(model.lead())
    first = page.get_by_label(NAMES[reference["sliders"][0]["key"]])
    assert first.get_attribute("aria-valuetext") == "$240,000"

    page.keyboard.press("Tab")  # the first slider is the first thing to reach
    assert page.evaluate("document.activeElement.type") == "range"
    page.keyboard.press("ArrowRight")
    moved = {reference["sliders"][0]["key"]: float(first.input_value())}
    assert moved[reference["sliders"][0]["key"]] > reference["sliders"][0]["value"]
    assert shown(page) == formatted(model.lead(apply_settings(model, moved)))
    assert first.get_attribute("aria-valuetext") == f"${float(first.input_value()):,.0f}"

    ramp = page.get_by_label(NAMES["ramp"])
    ramp.fill("12")
    moved["ramp"] = 12.0
    assert shown(page) == formatted(model.lead(apply_settings(model, moved)))
    assert ramp.get_attribute("aria-valuetext") == "12 weeks"
    assert recorder.outside() == [] and recorder.errors == []


@pytest.mark.slow
@pytest.mark.browser
def test_the_recorder_sees_the_script_from_disk_and_stops_a_request_leaving_it(
    browser: Any, tmp_path: Path
) -> None:
    """So that "no request" above means what it says."""
    context, page, recorder = open_panel_page(browser, tmp_path)
    try:
        assert WHATIF_JS.as_uri() in recorder.urls
        assert recorder.outside() == []
        page.evaluate("fetch('https://example.invalid/x').catch(() => null)")
        assert recorder.outside() == ["https://example.invalid/x"]
    finally:
        context.close()
