"""A deck that argues (issue 27): every main-line title states a finding, never a label;
the main line runs need -> risk if we don't -> what people will do differently -> what's in
it for us -> the case -> the plan -> how we will show results -> the decision; every list is
shared evenly between its slide and the slides below it, none cut, with "and N more below";
the notes are a talk track with the likely question's answer; the author's `headline`
wins; the logo on the title and decision slides; and `check` warns of a deck without
opening or closing words.

Every example and its department heads' decks are rendered in this process (no engines):
the decks are HTML, and reading them is a second, not a build.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from buildcase.compute import build_case
from buildcase.compute.story import STORY, carried, even_split
from buildcase.i18n import language
from buildcase.render.case import render_case
from buildcase.render.decks import MOST
from buildcase.render.formatting import Formatter
from buildcase.workspace import template_dirs
from buildcase.workspace.layout import logo_name

from .conftest import MINIMAL, PROPOSALS, REFERENCE, run_cli, write_proposal
from .test_consistency import model, rendered
from .test_present import slides_of

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())

# The labels the issue retired as titles: a board reads titles, and these say nothing.
GENERIC = {
    "In our own numbers", "The key numbers", "What our people told us", "The risks",
    "Questions and answers", "Risk if we don't", "What's in it for us", "What's in it for you",
    "At the moments that matter", "What your people will do differently", "The plan",
    "What we will report, and when", "What we ask you to approve today", "The decision",
    "The commitments we need now", "What it does to your numbers", "What we need from you",
    "What we need from each department head", "The business case", "The costs", "Sources",
}  # fmt: skip
# A slide's list is continued on the slides named so, below it.
CONTINUED = {
    "need": "need-more", "risks": "risks-more", "impact": "impact-more",
    "benefits": "benefits-more", "measures": "measures-more", "asks": "asks-more",
    "numbers": "numbers-more",
}  # fmt: skip


@dataclass
class Slide:
    name: str
    title: str  # the h2, as read
    text: str  # what the slide shows, spaces collapsed
    notes: str
    markup: str  # the slide's own HTML


def read(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def deck(markup: str) -> list[list[Slide]]:
    """The deck's horizontal line, each stack its slides from the top down."""
    leaves = re.findall(r'<section data-slide="[^"]+"[^>]*>.*?</section>', markup, re.S)
    line = slides_of(markup).line
    flat = [s for stack in line for s in stack]
    assert len(flat) == len(leaves)
    found = iter(zip(flat, leaves, strict=True))
    stacks = []
    for stack in line:
        made = []
        for _ in stack:
            parsed, leaf = next(found)
            h2 = re.search(r"<h2>(.*?)</h2>", leaf, re.S)
            made.append(
                Slide(parsed["slide"], read(h2[1]) if h2 else "",
                      " ".join((parsed["text"] + " " + parsed["prose"]).split()),
                      " ".join((parsed["notes"] or "").split()), leaf)
            )  # fmt: skip
        stacks.append(made)
    return stacks


@pytest.fixture(scope="module")
def decks() -> dict[str, tuple[Any, dict[str, list[list[Slide]]]]]:
    """Every example's case and its decks, by deck file, rendered once."""
    made = {}
    for name in EXAMPLES:
        case, out = rendered(PROPOSALS / name)
        made[name] = (case, {f: deck(text) for f, text in out.decks.items()})
    return made


def main_decks(decks: dict[str, Any]) -> list[tuple[str, str, Any, list[list[Slide]]]]:
    return [
        (example, file, case, stacks)
        for example, (case, by_file) in decks.items()
        for file, stacks in by_file.items()
        if file != "present-results.html"
    ]


# --- the arithmetic -----------------------------------------------------------------------


def test_a_list_is_shared_evenly_and_whole() -> None:
    assert [len(s) for s in even_split(range(4), 3)] == [2, 2]  # never 3 + 1
    assert [len(s) for s in even_split(range(7), 4)] == [4, 3]
    assert [len(s) for s in even_split(range(10), 3)] == [3, 3, 2, 2]  # 4 slides of 10
    assert [len(s) for s in even_split(range(3), 3)] == [3]
    assert even_split([], 3) == []
    items = list("abcdefghijk")
    assert [x for share in even_split(items, 4) for x in share] == items  # all, in order


def test_a_continued_table_carries_what_the_slides_above_add_up_to() -> None:
    shares = [[5.0, None], [2.5, 1.0], [4.0]]
    assert carried(shares, lambda x: x) == [0.0, 5.0, 5.0 + 2.5 + 1.0]


# --- the titles and the order -------------------------------------------------------------


def test_every_main_line_title_states_a_finding(decks: dict[str, Any]) -> None:
    for example, file, _case, stacks in main_decks(decks):
        for stack in stacks:
            top = stack[0]
            if top.name == "title":
                continue
            assert top.title, (example, file, top.name)
            assert top.title not in GENERIC, (example, file, top.name, top.title)


def test_the_results_deck_s_titles_state_what_happened(decks: dict[str, Any]) -> None:
    """After the pilot the board reads the same way: each title says what was realized,
    how many benefits and measures met their forecast, a miss as plainly as a hit."""
    reported = [(e, c, f["present-results.html"]) for e, (c, f) in decks.items()
                if "present-results.html" in f]  # fmt: skip
    assert reported, "no example reports results"
    for example, case, stacks in reported:
        r, titles = case.results, {s.name: s.title for stack in stacks for s in stack}
        fmt = Formatter(case.proposal.currency, language(case.proposal.language))
        assert titles["promised"] == (
            f"{fmt.money(r.value.achieved)} a year realized, against "
            f"{fmt.money(r.value.promised)} forecast"
        ), example
        met = len([b for b in r.benefits if b.status == "met"])
        assert titles["benefits"] == f"{met} of {len(r.benefits)} benefits met their forecast"
        if r.measures:
            hit = len([m for m in r.measures if m.status == "met"])
            assert titles["measures"] == f"{hit} of {len(r.measures)} measures met their target"
        assert not set(titles.values()) & {"Promised against achieved", "Benefit by benefit, a year",
                                           "How we will show results"}  # fmt: skip


def test_the_main_line_tells_the_story_in_order(decks: dict[str, Any]) -> None:
    for example, file, _case, stacks in main_decks(decks):
        tops = [s[0].name for s in stacks]
        told = [t for t in tops if t in STORY or t == "close-asks"]
        told = ["decision" if t == "close-asks" else t for t in told]
        if told and told[0] == "asks":
            told = told[1:]  # a head's deck opens with their asks, and ends on them
        assert told == sorted(told, key=STORY.index), (example, file, tops)
        assert told[-1] == "decision", (example, file)
        assert "need" in told and "risks" in told and "benefits" in told, (example, file)


def test_the_risks_slide_names_the_biggest_risk_and_its_expected_loss(
    decks: dict[str, Any],
) -> None:
    case, by_file = decks[REFERENCE.name]
    risks = next(s[0] for s in by_file["present.html"] if s[0].name == "risks")
    biggest = max(case.risks, key=lambda r: r.value.expected)
    assert risks.title.startswith(biggest.risk.title)
    assert f"${biggest.value.expected:,.0f} a year" in risks.title


# --- nothing left over, nothing cut ---------------------------------------------------------


def counted(slide: Slide) -> int:
    """How many items of its list a slide shows: cards, list rows, table rows, questions."""
    m = slide.markup
    return (
        m.count('class="bc-figure"') + m.count("<li>") + m.count("<li ") + m.count("<dt>")
        + len(re.findall(r"<tr><t[dh] scope=\"row\">|<tr><td>(?!</td>)", m))
    )  # fmt: skip


def test_every_list_is_shared_evenly_between_its_slides(decks: dict[str, Any]) -> None:
    for example, file, _case, stacks in main_decks(decks):
        for stack in stacks:
            for name in ("questions", "sources"):
                shares = [counted(s) for s in stack if s.name == name]
                if shares:
                    assert max(shares) - min(shares) <= 1, (example, file, name, shares)
            top = stack[0]
            more = CONTINUED.get(top.name)
            if more:
                shares = [counted(s) for s in stack if s.name in (top.name, more)]
                if top.name == "need":
                    shares = [
                        s.markup.count('class="bc-figure"')
                        for s in stack
                        if s.name in ("need", more)
                    ]
                assert max(shares) - min(shares) <= 1, (example, file, top.name, shares)


def shown_text(stack: list[Slide], *names: str) -> str:
    return " ".join(s.text for s in stack if s.name in names)


def stack_of(stacks: list[list[Slide]], name: str) -> list[Slide]:
    return next(s for s in stacks if s[0].name == name)


def test_every_item_of_every_list_is_on_a_slide(decks: dict[str, Any]) -> None:
    """Compared with the proposal's own counts: every benefit, risk, behaviour, measure,
    support group, question and cost item, across the slide and the slides below it."""
    for example in EXAMPLES:
        case, by_file = decks[example]
        p = model(PROPOSALS / example)
        stacks = by_file["present.html"]
        tops = [s[0].name for s in stacks]
        benefits = shown_text(stack_of(stacks, "benefits"), "benefits", "benefits-more")
        assert all(read(b.title) in benefits for b in p.benefits), example
        risks = shown_text(stack_of(stacks, "risks"), "risks", "risks-more")
        assert all(read(r.title) in risks for r in p.risks), example
        if p.behaviours:
            impact = shown_text(stack_of(stacks, "impact"), "impact", "impact-more")
            assert all(read(b.action) in impact for b in p.behaviours), example
        measures = shown_text(stack_of(stacks, "measures"), "measures", "measures-more")
        assert all(read(mv.metric) in measures for mv in p.measures), example
        if "plan" in tops and p.support:
            support = shown_text(stack_of(stacks, "plan"), "support")
            assert all(read(g.who) in support for g in p.support), example
        decision = stacks[-1]
        questions = shown_text(decision, "questions")
        assert all(read(o.concern) in questions for o in p.objections), example
        costs = shown_text(decision, "costs")
        assert all(read(c.item) in costs for c in p.costs), example
        sources = [s for s in decision if s.name == "sources"]
        assert sum(s.markup.count("<li>") for s in sources) == len(case.editions[0].sources)


def test_a_list_that_continues_says_how_many_more_are_below(decks: dict[str, Any]) -> None:
    seen = 0
    for example, file, _case, stacks in main_decks(decks):
        for stack in stacks:
            for kind in ("support", "questions", "costs", "sources", *CONTINUED):
                same = [s for s in stack if s.name in (kind, CONTINUED.get(kind, kind))]
                for i, slide in enumerate(same[:-1]):
                    rest = sum(counted(s) for s in same[i + 1 :])
                    if kind == "need":
                        rest = sum(s.markup.count('class="bc-figure"') for s in same[i + 1 :])
                    if kind in ("support", "costs"):
                        continue  # carried and total rows: checked by the hours test
                    assert f"and {rest} more below" in slide.text, (example, file, kind, i)
                    seen += 1
                if same:
                    assert "more below" not in same[-1].text, (example, file, kind)
    assert seen >= 5  # the examples do continue lists


def hours(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def test_an_hours_table_adds_up_on_every_slide(decks: dict[str, Any]) -> None:
    """department-heads-rollout asks 17 support groups for their time: five slides, each
    opening with the hours of those above, the last closing with the total."""
    case, by_file = decks["department-heads-rollout"]
    support = [s for s in stack_of(by_file["present.html"], "plan") if s.name == "support"]
    assert [len(x) for x in even_split(case.impact.groups, MOST["groups"])] == [4, 4, 3, 3, 3]
    assert len(support) == 5
    running = 0.0
    for i, slide in enumerate(support):
        cells = [hours(read(c)) for c in re.findall(r'<td class="n">(.*?)</td>', slide.markup)
                 if read(c) not in ("", "–")]  # fmt: skip
        if i:
            assert cells[0] == pytest.approx(running)  # from the slides above
            cells = cells[1:]
        if i == len(support) - 1:
            *rows, total = cells
            assert sum(rows) + running == pytest.approx(total)
            assert total == pytest.approx(case.impact.total_hours)
        else:
            running += sum(cells)


# --- the talk track -------------------------------------------------------------------------


def test_the_notes_say_the_finding_then_the_likely_question_and_its_answer(
    decks: dict[str, Any],
) -> None:
    p = model(REFERENCE)
    stacks = decks[REFERENCE.name][1]["present.html"]
    for stack in stacks:
        top = stack[0]
        if top.name in STORY:
            assert top.notes.startswith(f"Say: {top.title}"), top.name
            assert "If asked:" in top.notes, top.name
    # "My team has no time for training." (time) is the plan's question; "What if the goals
    # are not met?" (failure) the measures'.
    by_concern = {o.concern: o.answer for o in p.objections}
    plan = stack_of(stacks, "plan")[0].notes
    assert "Likely question: My team has no time for training." in plan
    assert read(by_concern["My team has no time for training."]) in plan
    measures = stack_of(stacks, "measures")[0].notes
    assert read(by_concern["What if the goals are not met?"]) in measures
    said = plan.index("Say:"), plan.index("Likely question:"), plan.index("If asked:")
    assert list(said) == sorted(said)  # the sentence, the question, then the formulas


# --- the author's own title, the logo -----------------------------------------------------


def test_an_authors_headline_is_the_title_of_its_slide(tmp_path: Path) -> None:
    folder = tmp_path / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    yaml = folder / "proposal.yaml"
    text = yaml.read_text(encoding="utf-8")
    risk = "  - id: crisis\n"
    benefit = "  - id: ambassadors\n"
    assert risk in text and benefit in text
    text = text.replace(
        risk, risk + "    headline: One viral post would cost more than all of it\n"
    )
    text = text.replace(
        benefit, benefit + "    headline: Our people already talk about us; let them\n"
    )
    yaml.write_text(text, encoding="utf-8")
    stacks = deck(rendered(folder)[1].decks["present.html"])
    assert stack_of(stacks, "risks")[0].title == "One viral post would cost more than all of it"
    assert stack_of(stacks, "benefits")[0].title == "Our people already talk about us; let them"


def test_the_logo_is_on_the_title_and_decision_slides(decks: dict[str, Any]) -> None:
    example = PROPOSALS / "support-coaching-programme"
    logo = example / "logo.svg"
    where = logo_name(logo.suffix)  # where the site publishes it, beside the deck
    case = build_case(model(example), example.name)
    folders = template_dirs(example, example.parent.parent)
    out = render_case(case, folders, "a4", "", logo=logo.resolve().as_uri())
    for markup in out.decks.values():
        stacks = deck(markup)
        title, decision = stacks[0][0], stacks[-1][0]
        for slide in (title, decision):
            assert '<img class="bc-logo' in slide.markup and f'src="{where}"' in slide.markup
        assert not any(f'src="{where}"' in s.markup for st in stacks[1:-1] for s in st)
    plain = decks[REFERENCE.name][1]["present.html"]
    assert "bc-logo" not in plain[0][0].markup  # no logo given, none shown


# --- check ------------------------------------------------------------------------------------


def test_check_warns_of_a_deck_without_opening_or_closing_words(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    objections = "objections:\n  - concern: No time\n    answer: Short sessions\n"
    write_proposal(workspace, MINIMAL + objections + "notes:\n  opening: Start with the survey.\n")
    code, _, err = run_cli(capsys, "check", "proposals/p")
    assert code == 0
    warned = [line for line in err.splitlines() if "notes." in line]
    assert len(warned) == 1
    assert re.match(r"proposals/p/proposal\.yaml:\d+:\d+: warning: notes\.closing: ", warned[0])
    assert "guide: buildcase guide format" in err
    write_proposal(workspace, MINIMAL + objections + "notes:\n  opening: Hi.\n  closing: Bye.\n")
    code, _, err = run_cli(capsys, "check", "--strict", "proposals/p")
    assert "notes." not in err


def test_a_heads_asks_beside_a_total_they_do_not_add_up_to_say_why(
    decks: dict[str, Any],
) -> None:
    """A head's asks slide lists each ask's time and money, then their people's time in
    all. The Head of Sales' asks add up to it: 120 x 8 + 12 x 24 + 3 (the head's own) =
    1,251 hours. The Head of Customer Support's name 140 x 8 + 10 x 18 = 1,300 hours, and
    the time in all is 1,303: the head's own 3 hours are support asked with no ask of its
    own. That slide says how the time is counted; the Sales slide need not."""
    _case, by_file = decks["department-heads-rollout"]
    said = "It counts each person's training and the support asked of them, once"

    def asks(file: str) -> str:
        return next(s.text for stack in by_file[file] for s in stack if s.name == "asks")

    sales, support = asks("present-sales.html"), asks("present-support.html")
    assert f"{120 * 8 + 12 * 24 + 3:,} hours" in sales and said not in sales
    assert f"{140 * 8:,} hours" in support and f"{10 * 18:,} hours" in support
    assert f"{140 * 8 + 10 * 18 + 3:,} hours" in support and said in support
