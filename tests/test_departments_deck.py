"""The decks of format 1.2's department heads (issue 25), read from the HTML the command line
built of tests/proposals/departments: a head's deck opens its argument with their asks
and their numbers and ends on their asks, not on the board's budget; the executives' deck
of an approved budget leads with the commitments and closes on them; no deck asks anyone
to approve the money; the need slide splits the need in the author's terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_present import slides

pytestmark = [pytest.mark.slow]

ASKS = [
    "Release each agent for two three-hour sessions in February",
    "Name one team lead per shift as the floor coach",
]
DECKS = ["present.html", "present-support.html", "present-sales.html"]


def line(site: Path, name: str) -> list[list[dict[str, str]]]:
    """The deck's horizontal line, each stack with its slides below."""
    return slides(site / name).line


def text_of(slide: dict[str, str]) -> str:
    return re.sub(r"\s+", " ", slide["text"] + " " + slide["prose"])


def test_a_heads_deck_opens_its_argument_with_their_asks_and_numbers(
    departments_site: Path,
) -> None:
    stacks = line(departments_site, "present-support.html")
    assert [s[0]["slide"] for s in stacks][:4] == ["title", "asks", "numbers", "for-you"]
    asks, numbers = text_of(stacks[1][0]), text_of(stacks[2][0])
    assert "What we need from you" in asks
    for ask in ASKS:
        assert ask in asks
    # 140 agents x 6 hours each, at $40 an hour; their people's time in all adds the 14
    # team leads x 8 hours (at $55) who support them.
    assert f"140 × 6 hours = {140 * 6} hours" in asks and f"${140 * 6 * 40:,}" in asks
    assert f"{140 * 6 + 14 * 8} hours" in asks
    assert f"${140 * 6 * 40 + 14 * 8 * 55:,} of their time" in asks
    assert "First-contact resolution" in numbers and "62% → 70%" in numbers
    # The benefit it moves: $180,000 x 60% attribution x 80% confidence.
    assert f"Fewer repeat contacts: ${round(180_000 * 0.60 * 0.80):,} a year" in numbers


def test_a_heads_deck_ends_on_their_asks(departments_site: Path) -> None:
    for name in ("present-support.html", "present-sales.html"):
        stacks = line(departments_site, name)
        last = stacks[-1][0]
        assert last["slide"] == "close-asks", name
        assert "What we need from you" in text_of(last), name
        assert "decision" not in [s[0]["slide"] for s in stacks], name
        # The back-up slides stay below it, for questions.
        assert [s["slide"] for s in stacks[-1][1:]][-1] == "sources", name
    closing = text_of(line(departments_site, "present-support.html")[-1][0])
    for ask in ASKS:
        assert ask in closing
    assert f"{140 * 6 + 14 * 8} hours" in closing


def test_no_head_is_shown_the_programmes_hours_as_theirs(departments_site: Path) -> None:
    deck = (departments_site / "present-support.html").read_text(encoding="utf-8")
    for programme in (200 * 6, 200 * 6 + 14 * 8):
        assert f"{programme:,} hours" not in deck


def test_the_executives_deck_leads_and_closes_with_the_commitments(
    departments_site: Path,
) -> None:
    stacks = line(departments_site, "present.html")
    assert [s[0]["slide"] for s in stacks][:2] == ["title", "commitments"]
    title, commitments = text_of(stacks[0][0]), text_of(stacks[1][0])
    assert (
        "Budget approved on 20 November 2026: what we need now from each department head" in title
    )
    assert "Head of Customer Support" in commitments and "Head of Sales" in commitments
    assert f"{140 * 6 + 14 * 8} hours" in commitments and f"{60 * 6} hours" in commitments
    # Each head's asks on a slide below, the head of sales' own hour said as theirs.
    below = stacks[1][1:]
    assert [s["slide"] for s in below] == ["commitment", "commitment"]
    for ask in ASKS:
        assert ask in text_of(below[0])
    assert "1 hour of their own time" in text_of(below[1])
    decision = stacks[-1][0]
    assert decision["slide"] == "decision"
    closing = text_of(decision)
    assert "Budget approved $120,000" in closing
    # Every head's people's time: 200 participants x 6 hours + 14 team leads x 8 hours.
    assert f"{200 * 6 + 14 * 8:,} hours" in closing
    assert "From 2 department heads 4 commitments" in closing
    assert "the last by 31 March 2027" in closing


def test_no_deck_asks_anyone_to_approve_the_money(departments_site: Path) -> None:
    for name in DECKS:
        for stack in line(departments_site, name):
            for slide in stack:
                said = text_of(slide) + " " + (slide["notes"] or "")
                assert not re.search(r"\bapprove\b", said, re.IGNORECASE), (name, slide["slide"])
                for asking in ("The ask", "Decision by"):
                    assert asking not in said, (name, slide["slide"], asking)


def test_the_need_slide_splits_the_need_in_the_authors_terms(departments_site: Path) -> None:
    for name in DECKS:
        need = next(s[0] for s in line(departments_site, name) if s[0]["slide"] == "need")
        said = text_of(need)
        assert re.search(r"70% Training can close it: a gap in skills", said), name
        assert re.search(
            r"30% Training cannot close it: a matter of management\. "
            r"Team leads do not review calls with their agents",
            said,
        ), name
        assert "Working on it: Team leads" in said, name
        assert not re.search(r"30%[^.]*skills", said), name
