"""The decks read across a room and wear the proposal's colours (issue 27): every slide of
every example's decks, main line and sub-slides, opened in Chromium at 1280 x 720, and
every text on it measured as rendered, charts included; a branded example's charts drawn
in its `primary`, red and green kept for loss and gain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from buildcase.render.charts.colours import neutral_colour
from buildcase.render.charts.svg import GAIN, GRID, LOSS, TRAINING

from .conftest import PROPOSALS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
SMALLEST = 24  # px on a 1280 x 720 screen: read from the back of a meeting room
BRANDED = "department-heads-rollout"  # primary: '#24506b'

# Every text of the current slide with its size as rendered: the computed font size times
# the scale the element is drawn at on the screen. For SVG text that is its screen
# transform (the viewBox, then reveal.js's scaling of the slide); for HTML, the ratio of
# its box on the screen to its layout box (reveal.js's scale, and any transform inside).
MEASURE = """() => {
  const slide = Reveal.getCurrentSlide();
  const found = [];
  for (const e of slide.querySelectorAll('*')) {
    if (e.closest('aside.notes')) continue;
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const box = e.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    let scale;
    if (e instanceof SVGGraphicsElement) {
      const m = e.getScreenCTM();
      scale = Math.hypot(m.a, m.b);
    } else {
      scale = e.offsetWidth ? box.width / e.offsetWidth : Reveal.getScale();
    }
    const px = parseFloat(getComputedStyle(e).fontSize) * scale;
    found.push([Math.round(px * 10) / 10, e.textContent.trim().slice(0, 60)]);
  }
  const i = Reveal.getIndices();
  return {at: `${i.h}/${i.v || 0} ${slide.dataset.slide}`, texts: found};
}"""


def every_slide(page: Any) -> list[dict[str, Any]]:
    """Every slide of the open deck, main line and sub-slides, each measured where it
    stands (reveal.js's own order: down a stack, then on)."""
    measured = []
    for h, stack in enumerate(
        page.evaluate(
            "Reveal.getHorizontalSlides().map(s => s.querySelectorAll(':scope > section').length)"
        )
    ):
        for v in range(max(stack, 1)):
            page.evaluate(f"Reveal.slide({h}, {v})")
            measured.append(page.evaluate(MEASURE))
    return measured


def open_deck(browser: Any, deck: Path) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(deck.as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    page.evaluate("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    page.evaluate("document.fonts.ready.then(() => true)")
    return context, page


@pytest.mark.parametrize("example", EXAMPLES)
def test_no_text_on_any_slide_renders_under_24_px(
    examples_site: Path, browser: Any, example: str
) -> None:
    decks = sorted((examples_site / example).glob("present*.html"))
    assert decks, f"{example} has no deck"
    small = []
    for deck in decks:
        context, page = open_deck(browser, deck)
        slides = every_slide(page)
        total = page.evaluate("Reveal.getTotalSlides()")
        context.close()
        assert len(slides) == total, deck.name  # every slide measured, sub-slides too
        assert any(t for s in slides for t in s["texts"]), deck.name
        small += [
            (deck.name, s["at"], px, text)
            for s in slides
            for px, text in s["texts"]
            if px < SMALLEST
        ]
    assert small == [], "\n".join(f"{d} slide {at}: {px} px {text!r}" for d, at, px, text in small)


def test_a_branded_deck_draws_its_charts_in_its_primary_colour(
    examples_site: Path, browser: Any
) -> None:
    """The neutral series (survey bars, the cost, the plan's phases) in the proposal's
    `primary`; red and green only where a loss or a gain is drawn; never the default."""
    primary = neutral_colour("#24506b")
    context, page = open_deck(browser, examples_site / BRANDED / "present.html")
    painted = page.evaluate(
        """() => [...document.querySelectorAll('.reveal svg.bc-chart')].map(svg => [
             [...svg.classList].find(c => c.startsWith('bc-chart--') && c !== 'bc-chart--slide'),
             [...svg.querySelectorAll('rect, circle, path')].flatMap(e =>
               [getComputedStyle(e).fill, getComputedStyle(e).stroke])])"""
    )
    context.close()
    by_chart: dict[str, set[str]] = {}
    for chart, colours in painted:
        by_chart.setdefault(chart, set()).update(colours)
    as_css = {c: _rgb(c) for c in (primary, TRAINING, LOSS, GAIN, GRID)}
    for chart in ("bc-chart--survey", "bc-chart--cost", "bc-chart--timeline"):
        assert as_css[primary] in by_chart[chart], chart
    for chart, colours in by_chart.items():
        assert as_css[TRAINING] not in colours, chart
    assert as_css[LOSS] in by_chart["bc-chart--risks"]  # the risks: losses, in red
    assert as_css[LOSS] in by_chart["bc-chart--cost"] and as_css[GAIN] in by_chart["bc-chart--cost"]
    assert as_css[primary] not in by_chart["bc-chart--risks"]


def _rgb(colour: str) -> str:
    """A hex colour as getComputedStyle writes it."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"
