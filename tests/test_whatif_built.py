"""The what-if panel as a user reaches it (issue 28): the page of its own in a built site,
right after the business case, and the back-up slide of the deck, each opened from disk in
Chromium. The panel mounts with no request leaving the disk and no error, starts at the
proposal's figures as Python computes them, and moves the viewer's figures only: the
proposal's, written by the build, stay as they are. A German build says it in German.
tests/test_whatif.py checks the arithmetic itself at hundreds of settings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute.sensitivity import Model
from buildcase.compute.whatif import apply_settings, whatif_model

from .conftest import REFERENCE, ROOT
from .test_german_build import in_german
from .test_sensitivity import model_of
from .test_whatif import Recorder, formatted, shown

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FIGURES = ["roi", "net", "payback", "gain", "cost"]
DECK_SLIDE = 'section[data-slide="whatif"]'


@pytest.fixture(scope="module")
def reference_model() -> Model:
    return model_of(check_proposal(REFERENCE, workspace=ROOT)[0], REFERENCE.name)


@pytest.fixture(scope="module")
def german_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference proposal written for German readers, in euros, built through the
    command line: no session fixture builds a German proposal."""
    workspace = tmp_path_factory.mktemp("whatif-german")
    folder = workspace / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    in_german(folder)
    out = workspace / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", str(folder), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out / REFERENCE.name


def opened(browser: Any, file: Path, **options: Any) -> tuple[Any, Any, Recorder]:
    """`file` opened from disk, every request recorded (those leaving the disk stopped)
    and every error kept: its context, the page and the recorder."""
    context = browser.new_context(**options)
    recorder = Recorder()
    context.route("**/*", recorder.route)
    page = context.new_page()
    page.on("pageerror", lambda error: recorder.errors.append(str(error)))
    page.on("console", recorder.console)
    page.goto(file.as_uri(), wait_until="load")
    return context, page, recorder


@pytest.fixture
def whatif_page(browser: Any, examples_site: Path) -> Iterator[tuple[Any, Recorder]]:
    context, page, recorder = opened(browser, examples_site / REFERENCE.name / "whatif.html")
    page.wait_for_selector(".bc-whatif__range", timeout=10_000)  # the panel mounted
    yield page, recorder
    context.close()


def proposal_column(page: Any) -> dict[str, str]:
    """The proposal's figures, as the build wrote them beside the panel."""
    found: dict[str, str] = page.eval_on_selector_all(
        "[data-proposal]",
        "all => Object.fromEntries(all.map(o => [o.dataset.proposal, o.textContent]))",
    )
    return found


def embedded_model(page: Any, scope: str = "") -> dict[str, Any]:
    text = page.text_content(f"{scope} script[data-bc-whatif-model]".strip())
    found: dict[str, Any] = json.loads(text)
    return found


# --- the site's page -----------------------------------------------------------------------


def test_the_page_follows_the_business_case_in_the_navigation(examples_site: Path) -> None:
    index = (examples_site / REFERENCE.name / "index.html").read_text(encoding="utf-8")
    nav = re.findall(r'<a href="([^"#]+\.html)" class="md-nav__link', index)
    assert "whatif.html" in nav, nav
    assert nav[nav.index("case.html") + 1] == "whatif.html"


def test_the_panel_mounts_from_disk_at_the_proposal_s_figures(
    whatif_page: tuple[Any, Recorder], reference_model: Model
) -> None:
    page, recorder = whatif_page
    assert embedded_model(page) == whatif_model(reference_model)
    sliders = page.locator(".bc-whatif__range")
    assert sliders.count() == len(whatif_model(reference_model)["sliders"]) > 0
    leading = formatted(reference_model.lead())
    assert proposal_column(page) == leading
    assert shown(page) == leading
    assert "your assumptions, not the proposal's" in page.inner_text(".bc-whatif__note")
    assert page.get_by_role("columnheader", name="Your assumptions").is_visible()
    assert page.get_by_role("columnheader", name="The proposal").is_visible()
    assert "whatif.js" in " ".join(recorder.urls)  # loaded from the site's own folder
    assert recorder.outside() == [] and recorder.errors == []


def test_moving_a_slider_moves_the_viewer_s_figures_only(
    whatif_page: tuple[Any, Recorder], reference_model: Model
) -> None:
    page, recorder = whatif_page
    spec = whatif_model(reference_model)["sliders"][0]
    slider = page.locator(".bc-whatif__range").first
    slider.fill(str(spec["min"]))
    moved = formatted(
        reference_model.lead(apply_settings(reference_model, {spec["key"]: spec["min"]}))
    )
    assert shown(page) == moved
    assert shown(page)["roi"] != formatted(reference_model.lead())["roi"]
    assert proposal_column(page) == formatted(reference_model.lead())
    assert recorder.outside() == [] and recorder.errors == []


def test_without_javascript_the_page_shows_the_proposal_s_figures(
    browser: Any, examples_site: Path, reference_model: Model
) -> None:
    context, page, recorder = opened(
        browser, examples_site / REFERENCE.name / "whatif.html", java_script_enabled=False
    )
    try:
        assert proposal_column(page) == formatted(reference_model.lead())
        assert page.locator(".bc-whatif__range").count() == 0
        assert "proposal's own" in page.inner_text(".bc-whatif-compare__noscript")
        assert recorder.outside() == []
    finally:
        context.close()


def test_a_german_site_s_panel_speaks_german(browser: Any, german_site: Path) -> None:
    context, page, recorder = opened(browser, german_site / "whatif.html")
    try:
        page.wait_for_selector(".bc-whatif__range", timeout=10_000)
        assert page.inner_text("h1") == "Was wäre, wenn?"
        assert "Ihren Annahmen, nicht denen des Vorschlags" in page.inner_text(".bc-whatif__note")
        assert page.get_by_role("columnheader", name="Ihre Annahmen").is_visible()
        labels = page.locator(".bc-whatif__label").all_inner_texts()
        assert any(label.endswith(": Wert pro Jahr") for label in labels), labels
        assert "Wochen, bis der Gewinn seine volle Höhe erreicht" in labels
        assert shown(page)["payback"].endswith(" Monate")
        assert shown(page) == proposal_column(page)  # Intl writes what Babel wrote
        assert "€" in shown(page)["net"]
        assert recorder.outside() == [] and recorder.errors == []
    finally:
        context.close()


# --- the deck's back-up slide --------------------------------------------------------------


def test_the_deck_s_back_up_slide_works_and_keeps_the_deck_still(
    browser: Any, examples_site: Path, reference_model: Model
) -> None:
    context, page, recorder = opened(
        browser,
        examples_site / REFERENCE.name / "present.html",
        viewport={"width": 1280, "height": 720},
    )
    try:
        assert page.locator(DECK_SLIDE).count() == 1, "no what-if slide among the back-up slides"
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=10_000)
        page.evaluate(
            "s => { const i = Reveal.getIndices(document.querySelector(s)); Reveal.slide(i.h, i.v); }",
            DECK_SLIDE,
        )
        slide = page.locator(DECK_SLIDE)
        slide.locator(".bc-whatif__range").first.wait_for(state="visible", timeout=10_000)
        assert embedded_model(page, DECK_SLIDE) == whatif_model(reference_model)
        leading = formatted(reference_model.lead())
        assert shown(page) == leading and proposal_column(page) == leading

        where = page.evaluate("Reveal.getIndices()")
        slider = slide.locator(".bc-whatif__range").first
        slider.focus()
        for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowRight"):
            page.keyboard.press(key)
        assert page.evaluate("Reveal.getIndices()") == where  # the deck did not move
        spec = whatif_model(reference_model)["sliders"][0]
        value = float(slider.input_value())
        assert value != spec["value"]
        moved = reference_model.lead(apply_settings(reference_model, {spec["key"]: value}))
        assert shown(page) == formatted(moved)
        assert proposal_column(page) == leading
        assert recorder.outside() == [] and recorder.errors == []
    finally:
        context.close()
