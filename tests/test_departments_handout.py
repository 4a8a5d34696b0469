"""The handouts of format 1.2's department heads (issue 25), read from the PDFs the command
line built of tests/proposals/departments: a head's handout leads with what we need from
them and what it does to their numbers, counts their people's time and never the
programme's, an approved budget is never asked for again, the need is split in the
author's terms, every handout fits its two pages, and the length estimate knows the new
parts. German labels are checked in-process."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from buildcase.compute import build_case, handout_length
from buildcase.render.case import render_case
from buildcase.workspace import template_dirs

from .conftest import ROOT
from .test_editions import pdf_of
from .test_german_wording import rendered_in_german, shown
from .test_handout_length import laid_out_mm, unbounded_model

DEPARTMENTS = ROOT / "tests" / "proposals" / "departments"
ASKS = [
    "Release each agent for two three-hour sessions in February",
    "Name one team lead per shift as the floor coach",
]
NOTE = "Team leads do not review calls with their agents"


def handout_text(site: Path, name: str) -> str:
    return pdf_of(site / name)[1]


def before_their_columns(text: str) -> str:
    """The handout's text before what is in it for them: what it leads with."""
    end = text.find("What's in it for you")
    assert end > 0, text[:600]
    return text[:end]


@pytest.mark.slow
@pytest.mark.pdf
def test_a_heads_handout_leads_with_what_we_need_and_their_numbers(
    departments_site: Path,
) -> None:
    text = handout_text(departments_site, "handout-support.pdf")
    lead = before_their_columns(text)
    masthead = "Prepared by Ines Marlow, Head of Learning"
    need = re.search(r"what we need (now )?from you", lead, re.IGNORECASE)
    assert need, lead[:400]
    # Right after the masthead, before the programme's figures.
    assert lead.index(masthead) < need.start() < lead.index("The whole programme")
    asks = [lead.index(ask) for ask in ASKS]
    numbers = lead.index("What it does to your numbers")
    assert need.start() < min(asks) and max(asks) < numbers
    # The ask's time: 140 agents x 6 hours each; its cost at request.hourly_cost, $40.
    assert f"140 × 6 hours = {140 * 6} hours" in lead
    assert f"${140 * 6 * 40:,}" in lead
    assert "26 February 2027" in lead and "29 January 2027" in lead
    # Their KPI, baseline -> target in its unit, and the benefit's value a year:
    # $180,000 x 60% attribution x 80% confidence.
    kpi = lead[numbers:]
    # a percent says its unit: never "(%) 62%"
    assert re.search(r"First-contact resolution 62% 70% Fewer repeat contacts", kpi)
    assert f"${round(180_000 * 0.60 * 0.80):,}" in kpi
    # a second number moving the same benefit is not valued again, to be added up
    assert re.search(r"Repeat contacts a month 8,000 6,500 Fewer repeat contacts valued above", kpi)
    assert kpi.count(f"${round(180_000 * 0.60 * 0.80):,}") == 1


@pytest.mark.slow
@pytest.mark.pdf
def test_a_heads_handout_counts_their_peoples_hours_never_the_programmes(
    departments_site: Path,
) -> None:
    text = handout_text(departments_site, "handout-support.pdf")
    # Their 140 participants x 6 hours each, and the 14 team leads x 8 hours who support them.
    theirs = 140 * 6 + 14 * 8
    assert f"= {theirs} hours" in text
    # The participants' hours at $40, the team leads' at their own $55.
    assert f"${140 * 6 * 40 + 14 * 8 * 55:,} of their time" in text
    # Never the programme's 200 participants x 6 hours, nor every head's hours together.
    programme = 200 * 6
    assert f"{programme:,} hours" not in text
    assert f"{programme + 14 * 8:,} hours" not in text
    # The head of sales: their 60 advisers x 6 hours; their own hour said as theirs.
    sales = handout_text(departments_site, "handout-sales.pdf")
    assert f"60 participants × 6 hours (${60 * 6 * 40:,}) = {60 * 6} hours" in sales
    assert "1 hour of your own time" in sales
    assert f"{programme:,} hours" not in sales


@pytest.mark.slow
@pytest.mark.pdf
def test_an_approved_budget_leads_with_the_commitments_and_is_never_asked_for(
    departments_site: Path,
) -> None:
    text = handout_text(departments_site, "handout.pdf")
    line = "Budget approved on 20 November 2026: what we need now from each department head"
    assert text.index(line) < text.index("Head of Customer Support") < text.index("What's in it")
    # Each head's people's time: support 140 x 6 + 14 x 8, sales 60 x 6; and together.
    assert f"{140 * 6 + 14 * 8} hours, ${140 * 6 * 40 + 14 * 8 * 55:,}" in text
    assert f"{60 * 6} hours, ${60 * 6 * 40:,}" in text
    assert f"The departments' people's time: {140 * 6 + 14 * 8 + 60 * 6:,} hours" in text
    assert "Budget approved $120,000" in text
    for name in ("handout.pdf", "handout-support.pdf", "handout-sales.pdf"):
        shown = handout_text(departments_site, name)
        assert not re.search(r"\bapprove\b", shown, re.IGNORECASE), name
        for asking in ("The ask", "Decision by"):
            assert asking not in shown, (name, asking)


@pytest.mark.slow
@pytest.mark.pdf
def test_the_need_is_split_in_the_authors_terms(departments_site: Path) -> None:
    for name in ("handout.pdf", "handout-support.pdf"):
        text = handout_text(departments_site, name)
        assert "Training can close 70% of the gap: a gap in skills." in text, name
        assert f"Training cannot close 30%: a matter of management ({NOTE})." in text, name
        assert "Working on it: Team leads." in text, name
        # The management share is never called a gap in skills.
        assert not re.search(r"30%[^.]*skills", text), name


@pytest.mark.slow
@pytest.mark.pdf
def test_every_handout_fits_two_pages(departments_site: Path) -> None:
    handouts = sorted(departments_site.glob("handout*.pdf"))
    assert [p.name for p in handouts] == ["handout-sales.pdf", "handout-support.pdf", "handout.pdf"]
    for path in handouts:
        assert pdf_of(path)[0] <= 2, path.name


@pytest.mark.slow
@pytest.mark.pdf
def test_the_length_estimate_knows_the_new_parts_and_stays_under_the_layout(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "proposals" / DEPARTMENTS.name
    shutil.copytree(DEPARTMENTS, folder)
    case = build_case(unbounded_model(folder), folder.name)
    search_path = template_dirs(folder, tmp_path)
    handouts = render_case(case, search_path, "a4", "2026-11-25T00:00:00Z").handouts
    a4 = handout_length.PAPERS[0]
    for edition in case.editions:
        parts = handout_length.handout_parts(case, edition, a4)
        names = [part.name for part in parts]
        if edition.audience is not None:
            # In the order of the handout: right after the masthead.
            assert names[1:3] == ["what we need from you", "what it does to your numbers"]
            for name in names[1:3]:
                assert f'data-section="{name}"' in handouts[edition.file]
        bound = sum(part.height for part in parts)
        assert bound <= laid_out_mm(handouts[edition.file], folder, search_path), edition.file
        assert handout_length.fewest_pages(case, edition)[0] <= 2, edition.file


def test_the_new_parts_read_in_german(tmp_path: Path) -> None:
    folder = tmp_path / "proposals" / DEPARTMENTS.name
    shutil.copytree(DEPARTMENTS, folder)
    rendered = rendered_in_german(folder)
    support = shown(rendered.handouts["handout-support.pdf"])
    executives = shown(rendered.handouts["handout.pdf"])
    assert "Budget am 20. November 2026 genehmigt: was wir jetzt von Ihnen brauchen" in support
    assert "Was es mit Ihren Kennzahlen macht" in support
    assert "Zeit Ihrer Mitarbeitenden insgesamt" in support
    assert "Eine Schulung kann 70 % der Lücke schließen: eine Lücke in den Fähigkeiten." in support
    assert "30 % kann eine Schulung nicht schließen: eine Frage der Führung" in support
    assert "Was wir von jeder Abteilungsleitung brauchen" in rendered.decks["present.html"]
    assert "Zeit der Mitarbeitenden der Abteilungen" in executives
    english = ["What we need", "Your people's time", "Training can", "Working on it", "by 2"]
    for text in (support, executives, shown(rendered.decks["present-support.html"])):
        for label in english:
            assert label not in text, label
