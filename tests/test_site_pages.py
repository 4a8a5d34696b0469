"""Issue 31: a page of the site reads as a board paper. The finding and its figure, with its
source, stand in the body; how a figure was computed and where it was taken from (the
survey's file and column, the margin's finite-population correction, a sum worked out,
what counts as met) is told once, in one collapsed "How this was computed" note at the
page's foot. The plan's tables are one style, and a "When" never breaks inside a value,
on a phone (390 px) as on a large screen; the results page keeps its result in view.

Read from the examples built once a session through the command line (`examples_site`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from .browser.helpers import browser, static_server  # noqa: F401 (browser is a fixture)
from .conftest import PROPOSALS

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())

# What the templates write about method and provenance (templates/site/*.md.j2, grepped for
# "computed from", "correction", "bc-howto", "How this is calculated"), each sentence as it
# begins: none of it may stand in a page's body. How people's time stands to the budget is
# said in the body where it is the cost basis (`bc-cost-basis`, issue 26: never left to a
# note), and in the note where it explains a table of hours (the plan, a head's page).
METHOD = (
    "computed from",  # the survey's file and column (evidence)
    "finite-population correction",  # the margin of error (evidence)
    "How the margin of error is calculated",
    "How this is calculated",  # the expected loss's sum (risks)
    "Your people's time in all counts their training",  # a head's page
    "A measure is met when the actual reaches the target",  # the plan's measures
    "Each forecast is scaled to the",  # the results
    "credited to training, ×",
    "The rows above added up",
    "(value a year − cost) ÷ cost",
    "Measure in the plan: baseline",
    "Success cases are examples of what the training brought",
    "Chosen because they serve the goals",  # a head's benefits and risks
    "none were chosen for you yet",
)
NOTE = re.compile(r'<details class="bc-method">.*?</details>', re.S)
# The pages that tell their method in their own way, left to their own issue: the business
# case works its return out in the body, as the case it makes (case.md.j2).
OWN_WAY = {"case.html", "whatif.html"}


def site_pages(folder: Path) -> list[Path]:
    """An example's pages, its decks left out (slides, whose notes are the speaker's)."""
    return sorted(p for p in folder.glob("*.html") if not p.name.startswith("present"))


def article(path: Path) -> str:
    """A page's own content: the article, without the theme's header, search and footer."""
    raw = path.read_text(encoding="utf-8")
    start = raw.index("<article")
    return raw[start : raw.index("</article>", start)]


def text(markup: str) -> str:
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_method_and_provenance_are_in_one_note_at_the_foot(
    examples_site: Path, example: str
) -> None:
    problems = []
    for path in site_pages(examples_site / example):
        page = article(path)
        notes = NOTE.findall(page)
        where = f"{example}/{path.name}"
        if len(notes) > 1:
            problems.append(f"{where}: {len(notes)} notes, not one")
        if path.name in OWN_WAY:
            continue
        body = NOTE.sub(" ", page)
        if "bc-howto" in body:
            problems.append(f"{where}: a bc-howto paragraph in the body")
        said = text(body)
        problems += [f"{where}: {phrase!r} in the body" for phrase in METHOD if phrase in said]
        if notes:  # at the foot: nothing of the page after it but the argument's order
            after = page[page.index(notes[0]) + len(notes[0]) :]
            rest = re.sub(
                r'<nav class="bc-pagenav".*?</nav>|<span class="bc-logo-plate"[^>]*></span>',
                "",
                after,
                flags=re.S,
            )
            if text(rest).strip():
                problems.append(f"{where}: the note is not at the foot: {text(rest)[:80]!r}")
            if "How this was computed" not in notes[0]:
                problems.append(f"{where}: the note has no summary")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow
def test_every_sentence_moved_is_still_on_its_page(examples_site: Path) -> None:
    """Nothing is lost: what the body said is said in the note, with its figures."""
    support = examples_site / "support-coaching-programme"
    plan = text(NOTE.search(article(support / "plan.html"))[0])  # type: ignore[index]
    # 240 x 5 hours + 236 hours of support, at €32: €45,952 beside a budget of €168,000
    assert (
        "People's time is not part of the budget, but it is counted in the cost the return is "
        "computed on. Budget: €168,000; people's time: €45,952. Full cost: €168,000 for the "
        "training + €45,952 of people's time = €213,952." in plan
    )
    assert "A measure is met when the actual reaches the target" in plan
    head = text(NOTE.search(article(support / "audience-team-leads.html"))[0])  # type: ignore[index]
    assert "counted in the cost the return is computed on. Before, during and after" in head
    assert (
        'href="plan.html#support"' in NOTE.search(article(support / "audience-team-leads.html"))[0]
    )  # type: ignore[index]
    evidence = text(NOTE.search(article(support / "evidence.html"))[0])  # type: ignore[index]
    assert "computed from responses.csv, column Feedback on own tickets, past month" in evidence
    assert "the finite-population correction for a population of N = 240" in evidence
    sales = examples_site / "sales-enablement-journey"
    results = text(NOTE.search(article(sales / "results.html"))[0])  # type: ignore[index]
    # 30 trained of 300 planned; the promised return (107,750 - 36,000) / 36,000 = 199.3%, up
    assert "Each forecast is scaled to the 30 people trained of 300 (conservative case)" in results
    assert "($107,750 − $36,000) ÷ $36,000 = 200%" in results
    assert "Measure in the plan: baseline 22%, two quarters after roll-out" in results
    assert "Success cases are examples of what the training brought" in results
    # the figure keeps its source in the body: the follow-up survey, its n and margin, its file
    body = text(NOTE.sub(" ", article(sales / "results.html")))
    assert "Follow-up survey, n = 28 of 30 trained, ± 4.9 pts (follow-up.csv)" in body
    risks = text(NOTE.search(article(support / "risks.html"))[0])  # type: ignore[index]
    # 60% x 270,000 + 50% x 300,000 + 25% x 400,000 = 412,000
    assert "60% × €270,000 + 50% × €300,000 + 25% × €400,000 = €412,000" in risks


class Tables(HTMLParser):
    """Each table of a page with the class of the element that holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.holders: list[str] = []
        self.classed: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.holders.append(self._open[-1] if self._open else "")
            self.classed.append(dict(attrs).get("class") or "")
        if tag == "div":
            self._open.append(dict(attrs).get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._open:
            self._open.pop()


WHEN = re.compile(r'<(?:td|th)[^>]*class="bc-when"[^>]*>(.*?)</t[dh]>', re.S)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_the_plan_s_tables_are_one_style_and_a_when_keeps_its_values(
    examples_site: Path, example: str
) -> None:
    page = article(examples_site / example / "plan.html")
    tables = Tables()
    tables.feed(page)
    assert len(tables.holders) >= 2
    # one class for every table (the theme styles a table without a class of its own)
    assert set(tables.holders) == {"bc-table bc-plan"}, tables.holders
    assert set(tables.classed) == {""}
    # every date or duration of a "When" or a phase's duration held to its words: a figure
    # never stands beside an ordinary space ("12 months", "week 8 of", "6 weeks")
    cells = [c for c in WHEN.findall(page) if re.search(r"\d", c)]
    assert cells, "no When or duration with a figure"
    for cell in cells:
        assert not re.search(r"\d[ \n]|[ \n]\d", cell), cell


# --- in a browser, at the widths a board reads at ------------------------------------------

WIDTHS = (390, 1366, 1920)
# Each run of words holding a figure, joined by no-break spaces, that is laid out over more
# than one line; and each result of the results table outside the window.
MEASURE = r"""() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.bc-when')) {
    if (!cell.getClientRects().length) continue;
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (const m of node.data.matchAll(/[^ \n\t]*\d[^ \n\t]*/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                                        .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  const width = document.documentElement.clientWidth;
  const hidden = [...document.querySelectorAll('.bc-results .bc-result')].filter(e => {
    const r = e.getBoundingClientRect();
    const wrap = e.closest('.md-typeset__scrollwrap');
    const seen = wrap ? wrap.getBoundingClientRect() : {left: 0, right: width};
    return r.width === 0 || r.left < Math.max(seen.left, 0) - 1 || r.right > Math.min(seen.right, width) + 1;
  }).map(e => e.textContent.trim());
  return {broken, hidden, results: document.querySelectorAll('.bc-results .bc-result').length};
}"""


@pytest.fixture(scope="module")
def served(examples_site: Path) -> Iterator[str]:
    with static_server(examples_site) as url:
        yield url


@pytest.mark.slow
@pytest.mark.browser
def test_a_when_never_breaks_inside_a_value_and_the_result_stays_in_view(
    examples_site: Path,
    served: str,
    browser: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    tab = context.new_page()
    problems, results = [], 0
    try:
        pages = [(e, "plan.html") for e in EXAMPLES]
        pages += [
            (e, "results.html") for e in EXAMPLES if (examples_site / e / "results.html").is_file()
        ]
        assert any(name == "results.html" for _, name in pages)
        for example, name in pages:
            tab.set_viewport_size({"width": WIDTHS[0], "height": 900})
            tab.goto(f"{served}{example}/{name}")
            tab.evaluate("document.fonts.ready")
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 900})
                m = tab.evaluate(MEASURE)
                where = f"{example}/{name} at {width}"
                problems += [f"{where}: a value broken over lines: {v!r}" for v in m["broken"]]
                problems += [f"{where}: result out of view: {v!r}" for v in m["hidden"]]
                results += m["results"]
    finally:
        context.close()
    assert results > 0, "no result was measured"
    assert problems == [], "\n".join(problems)


def test_the_start_page_s_files_row_goes_with_the_files_it_links() -> None:
    """The start page offers the files to take away (the slides' PDF, the PowerPoint, the
    model) in a row of their own, below the three things to do; where none of them is made
    (the live preview makes none), the row goes too, not left an empty box."""
    from buildcase.render.pages import without_links

    start = (
        '<p class="bc-actions"><a class="md-button" href="present.html">Present</a></p>\n'
        '<p class="bc-actions bc-actions--files"><a class="md-button" href="present.pdf" '
        'download>Slides (PDF)</a> <a class="md-button" href="deck.pptx" download>Slides '
        "(PowerPoint)</a></p>\n<p>The case</p>"
    )
    some = without_links({"index.md": start}, ["deck.pptx"])["index.md"]
    assert 'href="present.pdf"' in some and "deck.pptx" not in some
    none = without_links({"index.md": start}, ["present.pdf", "deck.pptx"])["index.md"]
    assert "bc-actions--files" not in none and 'href="present.html"' in none
    assert none.endswith("<p>The case</p>")
