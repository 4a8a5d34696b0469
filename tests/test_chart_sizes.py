"""The reference site's charts as Chromium renders them: text at least 14 px at the widths
an executive opens the site at, never outside its chart, and kept out of the search index.

Debian's chromium, driven by Playwright (see tests/browser/helpers.py), on the site built
once for the module and opened from disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildcase.commands.build import build

from .conftest import REFERENCE, ROOT

# Chart text measured in Chromium on a built site: the browser tier.
pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHART_PAGES = ["evidence.html", "risks.html", "case.html", "plan.html"]
SCREENS = [(1366, 768), (1024, 768), (1920, 1080)]
MIN_PX = 14

# Each chart's texts: its rendered font size in px, and how far its box runs outside the
# chart's own box (0 when inside).
MEASURE = """() => [...document.querySelectorAll('svg.bc-chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const column = svg.closest('article, .md-content__inner, body').getBoundingClientRect();
  return {
    chart: svg.getAttribute('class').split(' ').pop(),
    width: box.width, column: column.width,
    texts: [...svg.querySelectorAll('text')].map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent,
              px: parseFloat(getComputedStyle(t).fontSize) * box.width / svg.viewBox.baseVal.width,
              outside: Math.max(box.left - r.left, r.right - box.right, 0)};
    }),
  };
})"""

# Material sets a figure `width: fit-content`, so a chart as wide as 100% of its figure is
# as wide as the figure's caption: narrower than its column. The site's stylesheet has to
# give the chart figure its column (`.md-typeset .bc-figure-chart { width: 100%; }`);
# take the mark off once it does.


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chart-site")
    report = build([REFERENCE], ROOT, out)
    assert report.failed == [], report.failed
    return out / REFERENCE.name


@pytest.fixture(scope="module")
def measured(browser: Any, site: Path) -> Iterator[dict[tuple[int, str], list[dict[str, Any]]]]:
    found: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for width, height in SCREENS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for name in CHART_PAGES:
            page.goto((site / name).as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready")
            found[width, name] = page.evaluate(MEASURE)
            assert found[width, name], f"no chart on {name}"
        context.close()
    yield found


@pytest.mark.parametrize("width", [w for w, _ in SCREENS])
@pytest.mark.parametrize("name", CHART_PAGES)
def test_no_chart_text_runs_outside_its_chart(
    measured: dict[tuple[int, str], list[dict[str, Any]]], name: str, width: int
) -> None:
    outside = [
        (c["chart"], t["text"], round(t["outside"], 1))
        for c in measured[width, name]
        for t in c["texts"]
        if t["outside"] > 0.5
    ]
    assert outside == []


@pytest.mark.parametrize("width", [w for w, _ in SCREENS])
def test_every_chart_text_is_at_least_14_px(
    measured: dict[tuple[int, str], list[dict[str, Any]]], width: int
) -> None:
    small = [
        (name, c["chart"], round(c["width"]), t["text"], round(t["px"], 1))
        for name in CHART_PAGES
        for c in measured[width, name]
        for t in c["texts"]
        if t["px"] < MIN_PX - 0.01
    ]
    assert small == []


@pytest.mark.parametrize("width", [w for w, _ in SCREENS])
def test_chart_text_is_at_least_14_px_at_the_column_width(
    browser: Any, site: Path, width: int
) -> None:
    """The charts' own design, whatever the figure around them: set as wide as the
    column (up to the site's 32rem cap), every chart text is at least 14 px."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    small = []
    for name in CHART_PAGES:
        page.goto((site / name).as_uri(), wait_until="load")
        page.add_style_tag(content=".md-typeset .bc-figure-chart { width: 100%; }")
        for c in page.evaluate(MEASURE):
            small += [(name, c["chart"], t["text"], round(t["px"], 1)) for t in c["texts"]
                      if t["px"] < MIN_PX - 0.01]  # fmt: skip
    context.close()
    assert small == []


def test_chart_text_stays_out_of_the_search_index(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d.get("text", "") + " " + d.get("title", "") for d in index["docs"])
    assert "The business case" in text  # the index is there
    for chart_text in ("Months from the start", "Likelihood per year", "Share of respondents",
                       "months-$184k", "Weeks from the start"):  # fmt: skip
        assert chart_text not in text
