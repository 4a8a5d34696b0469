"""Every page of every example as a board paper holds at the widths an executive reads it
at, from a phone (390 px) to a large screen (1920 px): nothing runs off the side, the
decision's figures stand on one baseline, a figure never parts from its unit, the results
page keeps its met/missed column in view, and every proposal in the portfolio says where
it stands.

One browser and one page for the whole module, over the examples built once a session
(`examples_site`): each page is opened once and measured at every width by resizing it,
which costs a layout, not a load.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser.helpers import browser, static_server  # noqa: F401 (browser is a fixture)
from .conftest import PROPOSALS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WIDTHS = (390, 1024, 1366, 1920)
HEIGHT = 900
EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())

# What one page shows at the width it is laid out at, measured in one call: how far the
# document runs past the window, and the element that does; the decision's tiles and the
# key figures whose values do not share a baseline with the rest of their row; each value
# that falls onto more than one line; a tile's label on more than one line; and, on the
# results page, a result cell outside the window.
MEASURE = """() => {
  const lines = el => {  // text boxes whose heights overlap are on one line, whatever their size
    const range = document.createRange(); range.selectNodeContents(el);
    const boxes = [...range.getClientRects()].filter(r => r.width > 0).sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const r of boxes) {
      if (r.top >= bottom - 2) { count += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom);
    }
    return Math.max(count, 1);
  };
  const name = el => el.className || el.tagName;
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('.md-content *, main *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && !e.closest('.md-typeset__scrollwrap, pre');
  }).slice(0, 3).map(e => name(e) + ': ' + e.textContent.trim().slice(0, 40));
  const baselines = [];
  for (const grid of document.querySelectorAll('.bc-decision, .bc-figures')) {
    const rows = {};
    for (const item of grid.children) {
      const value = item.querySelector('.bc-decision__value, .bc-figure__value');
      if (!value) continue;
      const top = Math.round(item.getBoundingClientRect().top);
      (rows[top] = rows[top] || []).push(value);
    }
    for (const values of Object.values(rows)) {
      const bottoms = values.map(v => v.getBoundingClientRect().bottom);
      if (Math.max(...bottoms) - Math.min(...bottoms) > 1)
        baselines.push(values.map(v => v.textContent.trim()).join(' | '));
    }
  }
  const split = [...document.querySelectorAll(
      '.bc-decision__value, .bc-figure__value, .bc-amount, .bc-nowrap, .bc-result, ' +
      '.bc-card__value, .bc-date, td.date')]
    .filter(e => e.getClientRects().length && lines(e) > 1).map(e => e.textContent.trim());
  const labels = [...document.querySelectorAll('.bc-decision__label')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || lines(e) > 1).map(e => e.textContent.trim());
  const results = [...document.querySelectorAll('.bc-results .bc-result')].filter(e => {
    const r = e.getBoundingClientRect();
    const wrap = e.closest('.md-typeset__scrollwrap');  // a table scrolled sideways hides it
    const seen = wrap ? wrap.getBoundingClientRect() : {left: 0, right: width};
    return r.left < Math.max(seen.left, 0) - 1 || r.right > Math.min(seen.right, width) + 1;
  }).map(e => e.textContent.trim());
  return {overflow: document.documentElement.scrollWidth - width, wide, baselines, split,
          labels, results};
}"""


@pytest.fixture(scope="module")
def served(examples_site: Path) -> Iterator[str]:
    with static_server(examples_site) as url:
        yield url


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    """One page, reused for every page of every example: a resize is cheaper than a tab."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT})
    page = context.new_page()
    yield page
    context.close()


def site_pages(folder: Path) -> list[str]:
    """The site's pages of one example (its decks are slides, measured elsewhere)."""
    return sorted(p.name for p in folder.glob("*.html") if not p.name.startswith("present"))


def measured(tab: Any, url: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The page at `url`, measured at each width."""
    tab.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    tab.goto(url)
    tab.evaluate("document.fonts.ready")
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": HEIGHT})
        yield width, tab.evaluate(MEASURE)


def faults(where: str, m: dict[str, Any]) -> list[str]:
    """What is wrong with one page at one width, said with where."""
    found = []
    if m["overflow"] > 0:
        found.append(f"{where}: runs {m['overflow']} px past the window ({m['wide']})")
    found += [f"{where}: values off one baseline: {row}" for row in m["baselines"]]
    found += [f"{where}: value and unit split over lines: {v!r}" for v in m["split"]]
    found += [f"{where}: a tile's label wraps or is cut: {v!r}" for v in m["labels"]]
    found += [f"{where}: result out of view: {v!r}" for v in m["results"]]
    return found


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_page_holds_at_every_width(
    example: str, examples_site: Path, served: str, tab: Any
) -> None:
    problems = []
    for name in site_pages(examples_site / example):
        url = f"{served}{example}/{name}"
        for width, m in measured(tab, url):
            problems += faults(f"{example}/{name} at {width}", m)
    assert problems == [], "\n".join(problems)


def test_the_results_page_is_measured(examples_site: Path) -> None:
    """The result column's check above has something to look at: an example reports."""
    assert any((examples_site / e / "results.html").is_file() for e in EXAMPLES)


STATUSES = """() => [...document.querySelectorAll('tbody tr')].map(tr => {
  const s = tr.querySelector('.status');
  return {title: tr.querySelector('strong').textContent,
          status: s ? s.textContent.trim() : '', visible: s ? s.getBoundingClientRect().width > 0 : false};
})"""


def test_portfolio_holds_and_every_proposal_has_a_status(
    examples_site: Path, served: str, tab: Any
) -> None:
    problems = []
    for width, m in measured(tab, f"{served}index.html"):
        problems += faults(f"portfolio at {width}", m)
        rows = tab.evaluate(STATUSES)
        assert len(rows) == len(EXAMPLES)
        problems += [f"{r['title']} at {width}: no status" for r in rows if not r["status"]]
        problems += [f"{r['title']} at {width}: status hidden" for r in rows if not r["visible"]]
    assert problems == [], "\n".join(problems)
