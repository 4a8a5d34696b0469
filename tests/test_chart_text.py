"""No chart clips its text: every text element of every chart of every example, in English
and in German, lies inside the shape it is written in (a box of the impact map, a bar), or
inside the chart where it stands on its own, as Chromium lays it out in the font the site
ships. A word too long for its box is broken with a hyphen rather than run out of it.

The charts are rendered in this process (the site's and the handouts' charts, as
`chart_data.case_charts` draws them) and measured together on one page, in one browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.i18n import language
from buildcase.render.chart_data import case_charts
from buildcase.render.charts.impact_map import MapBehaviour, MapResult, impact_map
from buildcase.render.formatting import Formatter

from .browser.helpers import browser  # noqa: F401 (the fixture)
from .conftest import PROPOSALS, ROOT
from .test_german_build import in_german

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FONTS = ROOT / "templates" / "assets" / "fonts"
EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())

# Each text's box (in the chart's own units) against the smallest rectangle or circle whose
# box holds the text's anchor, else against the chart's viewBox.
OUTSIDE = """() => [...document.querySelectorAll('figure')].flatMap(figure => {
  const svg = figure.querySelector('svg');
  const view = svg.viewBox.baseVal;
  const shapes = [...svg.querySelectorAll('rect, circle')].map(s => s.getBBox())
    .filter(b => b.width > 0 && b.height > 0);
  const inside = (b, s) => b.x >= s.x - 0.5 && b.y >= s.y - 0.5
    && b.x + b.width <= s.x + s.width + 0.5 && b.y + b.height <= s.y + s.height + 0.5;
  return [...svg.querySelectorAll('text')].flatMap(t => {
    // Across, the text's advance; up and down, its ink: the cap height above the baseline
    // and the descenders below (the font's line box reaches past both).
    const box = t.getBBox(), x = t.x.baseVal[0].value, y = t.y.baseVal[0].value;
    const size = parseFloat(t.getAttribute('font-size'));
    const b = {x: box.x, width: box.width, y: y - 0.74 * size, height: 0.98 * size};
    const holders = shapes.filter(s => x >= s.x && x <= s.x + s.width && y >= s.y && y <= s.y + s.height)
      .sort((p, q) => p.width * p.height - q.width * q.height);
    const holder = holders[0] || {x: view.x, y: view.y, width: view.width, height: view.height};
    return inside(b, holder) ? [] : [`${figure.id}: "${t.textContent}" (${Math.round(b.x)}..` +
      `${Math.round(b.x + b.width)}) outside ${holders[0] ? 'its shape' : 'the chart'} ` +
      `(${Math.round(holder.x)}..${Math.round(holder.x + holder.width)})`];
  });
})"""

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@font-face {{ font-family: "Inter"; font-weight: 400; src: url("{fonts}/Inter-Regular.woff2"); }}
@font-face {{ font-family: "Inter"; font-weight: 600; src: url("{fonts}/Inter-SemiBold.woff2"); }}
@font-face {{ font-family: "Inter"; font-weight: 700; src: url("{fonts}/Inter-Bold.woff2"); }}
figure {{ width: 800px; margin: 0 0 1rem; }} svg {{ width: 100%; height: auto; }}
</style></head><body>{figures}</body></html>"""


def charts_of(folder: Path, slug: str) -> dict[str, str]:
    """The charts of the proposal in `folder`, by name, as its site and handouts draw them."""
    case = build_case(check_proposal(folder, workspace=ROOT)[0], slug)
    fmt = Formatter(case.proposal.currency, language(case.proposal.language))
    return {name: str(svg) for name, svg in case_charts(case, fmt).items()}


@pytest.fixture(scope="module")
def every_chart(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every chart of every example, in English and in German, by `slug/language/name`."""
    workspace = tmp_path_factory.mktemp("charts")
    charts: dict[str, str] = {}
    for slug in EXAMPLES:
        charts |= {f"{slug}/en/{n}": svg for n, svg in charts_of(PROPOSALS / slug, slug).items()}
        german = workspace / slug
        shutil.copytree(PROPOSALS / slug, german)
        in_german(german)
        charts |= {f"{slug}/de/{n}": svg for n, svg in charts_of(german, slug).items()}
    return charts


def outside(browser: Any, charts: dict[str, str], folder: Path) -> list[str]:  # noqa: F811
    """Each text of `charts` outside its shape, as Chromium lays the charts out."""
    figures = "".join(f'<figure id="{name}">{svg}</figure>' for name, svg in charts.items())
    page_file = folder / "charts.html"
    page_file.write_text(PAGE.format(fonts=FONTS.as_uri(), figures=figures), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri())
        page.evaluate("document.fonts.ready")
        return list(page.evaluate(OUTSIDE))
    finally:
        page.close()


def test_every_text_of_every_chart_inside_its_shape(
    browser: Any,  # noqa: F811
    every_chart: dict[str, str],
    tmp_path: Path,
) -> None:
    assert any("/de/" in name for name in every_chart)
    assert outside(browser, every_chart, tmp_path) == []


def test_a_german_compound_too_long_for_its_box_is_hyphenated(
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The impact map's narrow columns and a word German builds without spaces: before,
    "Konsumentenkreditbeschwerden" ran out of its box and was cut off."""
    word = "Konsumentenkreditbeschwerdebearbeitungszeit"
    svg = impact_map(
        [MapBehaviour(word, "Kundenberatungsteamleitungen", "im Gespräch", word, (0,))],
        [MapResult("Weniger " + word, (0,))],
        ["Kundenzufriedenheitsbefragungsergebnisse"],
    )
    assert "-</text>" in str(svg)  # broken with a hyphen, not squeezed or cut
    assert outside(browser, {"german-map": str(svg)}, tmp_path) == []
