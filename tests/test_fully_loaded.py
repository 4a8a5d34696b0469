"""People's time in the cost (format 1.2, `financials.time_cost`; issue 26), read from what
the command line built: where the time is counted (the default where `request.hourly_cost`
is given), the start page, the handouts and the deck show the full cost in its two parts,
the training's money and people's time, with the return computed on it and the return on
the training's money alone beside it, labelled; no output says the time is beside the
budget and not part of the cost. Where it is only shown (`time_cost: shown`), every output
that shows the return says, next to it, that the time is not counted and what it is worth.
A cost paid yearly says so, with its total over the horizon. The split is in no part a
long handout drops. Every figure is worked here by hand from the proposal's YAML."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case, handout_length
from buildcase.render.case import render_case
from buildcase.workspace import template_dirs

from .conftest import PROPOSALS, ROOT, write_proposal
from .test_editions import pdf_of
from .test_german_wording import shown
from .test_present import slides

SUPPORT = PROPOSALS / "support-coaching-programme"

# --- support-coaching-programme, worked by hand from its YAML ------------------------------
# costs.yaml: five one-off items, the request's budget (the pilot's €14,000 is inside it).
TRAINING = 38_000 + 46_000 + 42_000 + 30_000 + 12_000  # €168,000
# request: 240 participants x 5 hours; support: 4 x 2, 2 x 6, 24 x 8 and 4 x 6 hours; all at
# request.hourly_cost, €32.
TIME = 240 * 5 * 32 + (4 * 2 + 2 * 6 + 24 * 8 + 4 * 6) * 32  # €38,400 + €7,552 = €45,952
FULL = TRAINING + TIME  # €213,952
# No gain until the pilot ends (week 6); it grows evenly to its full €540,000 a year by the
# end of the programme (week 20), so a one-year horizon holds 12 - 6/52*12 - 14/52*12/2
# = 12 - 3 = 9 months of the full gain.
GAIN = (210_000 + 180_000 + 150_000) * 9 / 12  # €405,000
ROI = round((GAIN - FULL) / FULL * 100)  # 89%
ROI_TRAINING = round((GAIN - TRAINING) / TRAINING * 100)  # 141%
# Paid back once the gain reaches the full cost: 3 months (the 6 weeks, and half the 14
# weeks' ramp) plus the full cost in months of the full gain, €45,000 a month.
PAYBACK = 3 + FULL / 45_000  # 7.75 months

# --- a proposal that shows people's time but leaves it out of the return ------------------
SHOWN = """\
title: Coaching for shift leads
organization: Acme Logistics
prepared_by:
  name: Ann Lee
  role: L&D lead
date: 2026-11-02
currency: EUR
summary: Train our shift leads to coach their teams on the floor.
request:
  budget: 40000
  participants: 100
  duration: 10 weeks
  hours_per_participant: 4
  hourly_cost: 30
financials:
  horizon_years: 2
  time_cost: shown
goals:
  - id: safety
    title: Fewer accidents on the floor
benefits:
  - title: Fewer lost-time injuries
    goals: [safety]
    annual_value: 60000
risks:
  - title: A serious accident
    goals: [safety]
    likelihood: 20%
    impact: 100000
costs:
  - item: Coaching workshops
    amount: 30000
  - item: Coaching app licences
    amount: 10000
    recurring: yearly
support:
  - who: Site managers
    when: after
    does: Watch one coaching round a month with each shift lead
    people: 10
    hours: 6
    hourly_cost: 60
"""
# The workshops once, the licences in each of the two years of the horizon.
SHOWN_TRAINING = 30_000 + 10_000 * 2  # €50,000
# 100 participants x 4 hours at €30, and the site managers' 10 x 6 hours at their own €60.
SHOWN_TIME = 100 * 4 * 30 + 10 * 6 * 60  # €15,600

# What a counted time must never be called.
NOT_PART = re.compile(r"not part of it|never added|beside the budget, not|not added to the budget")


def euros(amount: float) -> str:
    return f"€{amount:,.0f}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """support-coaching-programme and the `shown` proposal, built once by the command line
    (one build, so they share its engines)."""
    workspace = tmp_path_factory.mktemp("fully-loaded")
    time_shown = write_proposal(workspace, SHOWN, "time-shown")
    out = workspace / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", str(SUPPORT), str(time_shown), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def page(site: Path, name: str) -> str:
    """A page of a built site as a reader sees it, the Material frame left out."""
    source = (site / name).read_text(encoding="utf-8")
    article = re.search(r"<article\b.*?</article>", source, flags=re.S)
    assert article, name
    return shown(article.group(0))


def slide(deck: Path, name: str) -> tuple[str, str]:
    """The first slide called `name` in the deck: its text and its notes, one space apart."""
    for stack in slides(deck).line:
        for s in stack:
            if s["slide"] == name:
                return " ".join(s["text"].split()), " ".join((s["notes"] or "").split())
    raise AssertionError(f"{deck.name} has no slide {name}")


def test_the_hand_worked_figures_are_the_proposals() -> None:
    """The figures above are read off the proposal as written: a changed example says so
    here, not as a puzzling mismatch below."""
    data = yaml.safe_load((SUPPORT / "proposal.yaml").read_text(encoding="utf-8"))
    costs = yaml.safe_load((SUPPORT / "costs.yaml").read_text(encoding="utf-8"))["costs"]
    request = data["request"]
    assert [c["amount"] for c in costs] == [38_000, 46_000, 42_000, 30_000, 12_000]
    assert TRAINING == request["budget"] == 168_000
    assert (request["participants"], request["hours_per_participant"]) == (240, 5)
    assert request["hourly_cost"] == 32
    assert [(s["people"], s["hours"]) for s in data["support"]] == [(4, 2), (2, 6), (24, 8), (4, 6)]
    assert not any("hourly_cost" in s for s in data["support"])
    assert "time_cost" not in (data.get("financials") or {})  # counted: the default
    assert (TIME, FULL, GAIN, ROI, ROI_TRAINING) == (45_952, 213_952, 405_000, 89, 141)
    assert round(PAYBACK, 1) == 7.8


# --- time counted -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_start_page_shows_the_full_cost_in_its_two_parts(built: Path) -> None:
    text = page(built / SUPPORT.name, "index.html")
    split = f"{euros(TRAINING)} for the training + {euros(TIME)} of people's time = {euros(FULL)}"
    assert f"Full cost: {split}." in text, text[:1500]
    # The return and the payback as computed on it, the return on the training alone beside.
    # the headline's whole months, rounded up: 7.75 months is paid back in the 8th
    assert f"Paid back in {math.ceil(round(PAYBACK, 1))} months" in text
    assert f"a return of {ROI}% over 1 year; people's time counted" in text
    assert f"without people's time the return would be {ROI_TRAINING}%" in text
    # Under the decision, before anything else is told.
    assert text.index("Paid back in") < text.index("Full cost:") < text.index("The need:")


@pytest.mark.slow
def test_the_business_case_and_the_costs_show_the_split(built: Path) -> None:
    case = page(built / SUPPORT.name, "case.html")
    assert f"Full cost {euros(FULL)}" in case
    assert f"People's time {euros(TIME)}" in case
    assert f"Return on investment, on the full cost {ROI}%" in case
    assert f"Return on investment without people's time {ROI_TRAINING}%" in case
    # The calculation shown: each group's people x hours x rate, and both returns' formulas.
    groups = " + ".join(
        f"{n} × {h} hours × €32" for n, h in ((240, 5), (4, 2), (2, 6), (24, 8), (4, 6))
    )
    assert f"{groups} = {euros(TIME)}" in case
    assert f"({euros(GAIN)} − {euros(FULL)}) ÷ {euros(FULL)} × 100 = {ROI}%" in case
    assert (
        f"({euros(GAIN)} − {euros(TRAINING)}) ÷ {euros(TRAINING)} × 100 = {ROI_TRAINING}%" in case
    )
    assert f"the full cost of {euros(FULL)} is repaid after {PAYBACK:.1f} months" in case
    costs = page(built / SUPPORT.name, "costs.html")
    assert f"Cost of training {euros(TRAINING)}" in costs
    assert f"People's time (1,436 hours) {euros(TIME)} Full cost {euros(FULL)}" in costs


@pytest.mark.slow
@pytest.mark.pdf
def test_every_handout_shows_the_split_beside_the_return(built: Path) -> None:
    split = (
        f"ROI over 1 year: {ROI}%, on the full cost of {euros(FULL)} ({euros(TRAINING)} for "
        f"the training + {euros(TIME)} of people's time); {ROI_TRAINING}% without people's time."
    )
    handouts = sorted((built / SUPPORT.name).glob("handout*.pdf"))
    assert len(handouts) == 4  # the executives' and three department heads'
    for handout in handouts:
        pages, text = pdf_of(handout)
        assert pages <= 2, handout.name
        assert split in text, (handout.name, text[:1200])
    # The executives' business case: the full cost and the formula of the return on it.
    text = pdf_of(built / SUPPORT.name / "handout.pdf")[1]
    full = f"{euros(TRAINING)} for the training + {euros(TIME)} of people's time = {euros(FULL)}"
    assert f"FULL COST {full}" in text  # its label set in capitals
    formula = f"({euros(GAIN)} − {euros(FULL)}) ÷ {euros(FULL)}"
    assert f"{ROI}% = {formula}; {ROI_TRAINING}% without people's time" in text


@pytest.mark.slow
def test_the_deck_shows_the_split_on_the_case_and_the_decision(built: Path) -> None:
    deck = built / SUPPORT.name / "present.html"
    parts = f"{euros(TRAINING)} for the training + {euros(TIME)} of people's time"
    text, notes = slide(deck, "case")
    assert f"Full cost {euros(FULL)} {parts}" in text
    assert f"{ROI}% {ROI_TRAINING}% without people's time" in text
    assert f"Full cost: {parts} = {euros(FULL)}." in notes
    assert f"= ({euros(GAIN)} − {euros(FULL)}) ÷ {euros(FULL)}." in notes
    assert f"({euros(GAIN)} − {euros(TRAINING)}) ÷ {euros(TRAINING)} = {ROI_TRAINING}%" in notes
    text, notes = slide(deck, "decision")
    assert f"Paid back in {math.ceil(round(PAYBACK, 1))} months" in text
    assert f"Full cost {euros(FULL)} = {parts}" in text
    assert f"Full cost: {parts} = {euros(FULL)}; every return is computed on it." in notes
    assert f"ROI over 1 year: {ROI}% = ({euros(GAIN)} − {euros(FULL)}) ÷ {euros(FULL)}." in notes
    text, _ = slide(deck, "costs")
    assert f"People's time {euros(TIME)} Full cost {euros(FULL)}" in text


@pytest.mark.slow
@pytest.mark.pdf
def test_no_output_says_counted_time_is_not_part_of_the_cost(built: Path) -> None:
    folder = built / SUPPORT.name
    outputs = {p.name: shown(p.read_text(encoding="utf-8")) for p in folder.glob("*.html")}
    outputs |= {p.name: pdf_of(p)[1] for p in folder.glob("*.pdf")}
    assert "index.html" in outputs and "present.html" in outputs and "handout.pdf" in outputs
    said = {name: NOT_PART.findall(text) for name, text in outputs.items()}
    assert {name: found for name, found in said.items() if found} == {}


# --- time shown beside the return, not counted --------------------------------------------------


@pytest.mark.slow
@pytest.mark.pdf
def test_where_time_is_only_shown_every_return_says_so_and_what_it_is_worth(built: Path) -> None:
    folder = built / "time-shown"
    left_out = (
        f"The return is computed on the training's cost of {euros(SHOWN_TRAINING)}; people's "
        f"time, worth {euros(SHOWN_TIME)}, is not counted in it."
    )
    index = page(folder, "index.html")
    # Next to the return: in the payback's note, and in the line under the decision.
    note = r"Paid back in [\d.]+ months a return of \d+% over 2 years; people's time not counted"
    assert re.search(note, index), index[:1200]
    assert left_out in index
    assert index.index("Paid back in") < index.index(left_out) < index.index("Download the handout")
    case = page(folder, "case.html")
    assert left_out in case
    assert f"People's time, not counted in the return {euros(SHOWN_TIME)}" in case
    assert re.search(r"Return on investment, people's time not counted \d+%", case)
    handout = pdf_of(folder / "handout.pdf")[1]
    assert re.search(
        rf"ROI over 2 years: \d+%, on a cost of {euros(SHOWN_TRAINING)}\. People's time, worth "
        rf"{euros(SHOWN_TIME)}, is not counted in the return\.",
        handout,
    ), handout[:1200]
    text, notes = slide(folder / "present.html", "decision")
    assert f"People's time, worth {euros(SHOWN_TIME)}, is not counted in the return." in text
    assert left_out in notes
    text, _ = slide(folder / "present.html", "case")
    assert f"People's time, worth {euros(SHOWN_TIME)}, is not counted in the return." in text
    for name, output in {"index": index, "case": case, "handout": handout, "deck": text}.items():
        assert "Full cost" not in output, name  # nothing counts it


@pytest.mark.slow
@pytest.mark.pdf
def test_a_yearly_cost_says_so_with_its_total_over_the_horizon(built: Path) -> None:
    folder = built / "time-shown"
    costs = page(folder, "costs.html")
    assert f"Coaching app licences (€10,000 a year, for 2 years) {euros(10_000 * 2)}" in costs
    assert f"Cost of training, over 2 years {euros(SHOWN_TRAINING)}" in costs
    assert f"People's time, not counted in the return (460 hours) {euros(SHOWN_TIME)}" in costs
    case = page(folder, "case.html")
    licences = f"€10,000 a year, for 2 years ({euros(10_000 * 2)})"
    assert f"€30,000 + {licences} = {euros(SHOWN_TRAINING)}" in case
    text, notes = slide(folder / "present.html", "costs")
    assert f"Cost of training, over 2 years {euros(SHOWN_TRAINING)}" in text
    assert f"Coaching app licences {licences} = {euros(SHOWN_TRAINING)}" in notes
    handout = pdf_of(folder / "handout.pdf")[1]
    assert f"Coaching app licences {licences} = {euros(SHOWN_TRAINING)} over 2 years" in handout


# --- the handout never drops the split; the bound knows it -----------------------------------


VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "source", "wbr"})


class _Optional(HTMLParser):
    """The text of a handout's HTML, each piece with whether a part the layout may drop
    (`data-optional`) holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.pieces: list[tuple[bool, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        optional = any(k == "data-optional" for k, _ in attrs)
        self.stack.append(optional or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.pieces.append((bool(self.stack) and self.stack[-1], data))


def kept_text(html: str) -> str:
    """What is left of a handout when every optional part is dropped."""
    parser = _Optional()
    parser.feed(html)
    return " ".join(" ".join(text for optional, text in parser.pieces if not optional).split())


@pytest.fixture(scope="module")
def support_case() -> Case:
    proposal, _ = check_proposal(SUPPORT)
    return build_case(proposal, SUPPORT.name)


def test_the_split_is_in_no_part_a_long_handout_drops(support_case: Case) -> None:
    handouts = render_case(
        support_case, template_dirs(SUPPORT, ROOT), "a4", "2026-11-22T00:00:00Z"
    ).handouts
    split = f"{euros(TRAINING)} for the training + {euros(TIME)} of people's time"
    for name, html in handouts.items():
        kept = kept_text(html)
        assert split in kept, name
        assert f"{ROI_TRAINING}% without people's time" in kept, name


def test_the_bound_counts_the_line_that_says_what_the_return_is_computed_on(
    support_case: Case,
) -> None:
    """The decision's part holds, at the least, its box, its big figures and one line of
    the notes that carries the split."""
    executives = next(e for e in support_case.editions if e.audience is None)
    parts = handout_length.handout_parts(support_case, executives, handout_length.PAPERS[0])
    decision = next(p for p in parts if p.name == "the decision")
    least = handout_length.DECISION_BOX + handout_length.BIG_FIGURES + handout_length.SMALL.line
    assert decision.height >= least


@pytest.mark.slow
@pytest.mark.pdf
def test_the_bound_is_never_more_than_the_layout_with_peoples_time(
    support_case: Case,
) -> None:
    from .test_handout_length import laid_out_mm

    search_path = template_dirs(SUPPORT, ROOT)
    handouts = render_case(support_case, search_path, "a4", "2026-11-22T00:00:00Z").handouts
    for edition in support_case.editions:
        bound = sum(
            part.height
            for part in handout_length.handout_parts(
                support_case, edition, handout_length.PAPERS[0]
            )
        )
        assert bound <= laid_out_mm(handouts[edition.file], SUPPORT, search_path), edition.file


# --- in German --------------------------------------------------------------------------------


def test_the_split_reads_in_german(tmp_path: Path) -> None:
    folder = tmp_path / "proposals" / SUPPORT.name
    shutil.copytree(SUPPORT, folder)
    yaml_file = folder / "proposal.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("currency: EUR", "currency: EUR\nlanguage: de"))
    proposal, _ = check_proposal(folder)
    rendered = render_case(build_case(proposal, folder.name), template_dirs(folder, ROOT), "a4", "")
    start = shown(rendered.pages["index.md"])
    assert (
        "Vollkosten: 168.000 € für die Schulung + 45.952 € Zeit der Mitarbeitenden = 213.952 €"
        in start
    )
    assert "ohne die Zeit der Mitarbeitenden läge die Rendite bei 141 %" in start
    handout = shown(rendered.handouts["handout.pdf"])
    assert "auf die Vollkosten von 213.952 €" in handout
    for output in (start, handout, shown(rendered.decks["present.html"])):
        for english in ("Full cost", "for the training", "people's time", "without people"):
            assert english not in output
