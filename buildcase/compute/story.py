"""Compute, story: what each slide of a deck argues, and how its lists share the slides.

A board reads a deck's titles, so each title of the main line states a finding (the
strongest figure, the biggest risk with its expected loss, the return in one phrase), or
the author's own words where they gave them (`headline` on a benefit or a risk). Which
finding each slide states is chosen here, once per edition, as a key and the item it is
worded from; the deck's template words and formats it. The likely question a presenter
should expect on each slide is matched here too, from the proposal's `objections`.

Lists are shared between a slide and the slides below it evenly (`even_split`): four
cards at three a slide are two and two, never three and a slide holding one, and nothing
is cut without a word.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from buildcase.compute.briefing import Decision
from buildcase.compute.records import BenefitView, Edition, Figure, ObjectionView, RiskView

T = TypeVar("T")

# The main line of a deck, in the order its argument runs: situation, complication,
# resolution, the ask. A department head's deck opens with their asks and numbers.
STORY = ("asks", "need", "risks", "impact", "benefits", "case", "plan", "measures", "decision")

# The questions each slide is likely to draw: words a concern uses (English and German),
# then the concerns behind objections (`theme`). A cue in the words wins over a theme.
SLIDE_CUES: dict[str, tuple[str, ...]] = {
    "measures": (
        "how will we know", "worked", "numbers", "measure", "not met", "nothing changes",
        "woher wissen", "gewirkt", "zahlen", "messen", "nicht erreicht",
    ),
    "case": ("cost", "money", "budget", "kosten", "geld"),
    "need": ("already", "why now", "schon", "warum jetzt"),
}  # fmt: skip
SLIDE_THEMES: dict[str, tuple[str, ...]] = {
    "asks": ("time", "capacity"),
    "impact": ("inexperience", "not-my-job"),
    "case": ("cost",),
    "plan": ("time", "capacity", "inexperience"),
    "measures": ("failure",),
}


def even_split(items: Sequence[T], most: int) -> list[list[T]]:
    """`items` on as few slides as hold them at `most` a slide, shared evenly: the first
    slides take one more where the count does not divide (7 at 4 a slide: 4 + 3; 4 at 3:
    2 + 2), so that no slide looks like a leftover; nothing is left out."""
    if not items:
        return []
    slides = math.ceil(len(items) / max(most, 1))
    size, extra = divmod(len(items), slides)
    shares, start = [], 0
    for i in range(slides):
        end = start + size + (1 if i < extra else 0)
        shares.append(list(items[start:end]))
        start = end
    return shares


def carried(shares: list[list[T]], amount: Callable[[T], float | None]) -> list[float]:
    """What the slides before each one add up to, so a continued table can open with it
    and its visible rows still add up to the total it ends with (an unknown amount is
    counted as nothing, as the table shows it: a dash)."""
    before, running = [], 0.0
    for share in shares:
        before.append(running)
        running += sum(a for a in map(amount, share) if a is not None)
    return before


@dataclass(frozen=True)
class Story:
    """What the main line of one edition's deck argues: each slide's finding, as a key
    and the item it is worded from, and the question each slide is likely to draw."""

    lead: Figure | None  # the need slide's finding: the strongest figure, said first
    risk: RiskView | None  # the biggest risk: the largest expected loss, else the first
    risk_key: str | None  # own (the author's headline), loss (with its expected loss), plain
    benefit: BenefitView | None  # the benefit the slide leads with
    benefit_key: str | None  # own, total (all benefits' value a year), value, plain
    case_key: str | None  # roi-payback, gain-payback, gain, loss; None: no money
    plan_key: str  # pilot, weeks, phases
    questions: dict[str, ObjectionView] = field(default_factory=dict)  # by slide


def story(edition: Edition, decision: Decision, plan_weeks: float | None, shown: set[str]) -> Story:
    """The findings of one edition's deck: the executives' (all benefits and risks) or a
    department head's (theirs). `shown` names the slides of STORY the deck has: a question
    is matched only to a slide that will be said."""
    risk, risk_key = risk_finding(edition.risks)
    benefit, benefit_key = benefit_finding(edition.benefits, edition.audience is None, decision)
    return Story(
        lead=edition.headline[0] if edition.headline else None,
        risk=risk,
        risk_key=risk_key,
        benefit=benefit,
        benefit_key=benefit_key,
        case_key=case_finding(decision),
        plan_key="pilot" if decision.pilot else ("weeks" if plan_weeks else "phases"),
        questions=likely_questions(edition.objections, shown),
    )


def risk_finding(risks: list[RiskView]) -> tuple[RiskView | None, str | None]:
    """The risk the slide leads with: the author's headline first, then the largest
    expected loss (the board's first question is "how much?"), then the first."""
    own = next((r for r in risks if r.risk.headline), None)
    if own:
        return own, "own"
    valued = [r for r in risks if r.value is not None]
    if valued:
        return max(valued, key=lambda r: r.value.expected if r.value else 0.0), "loss"
    return (risks[0], "plain") if risks else (None, None)


def benefit_finding(
    benefits: list[BenefitView], everything: bool, decision: Decision
) -> tuple[BenefitView | None, str | None]:
    """What the benefits slide says first: the author's headline; for the executives, what
    all benefits are worth a year; for a head, their most valuable benefit."""
    own = next((b for b in benefits if b.benefit.headline), None)
    if own:
        return own, "own"
    valued = [b for b in benefits if b.value is not None]
    biggest = max(valued, key=lambda b: b.value.adjusted if b.value else 0.0) if valued else None
    if everything and decision.annual_benefit is not None and len(benefits) > 1:
        return biggest, "total"
    if biggest:
        return biggest, "value"
    return (benefits[0], "plain") if benefits else (None, None)


def case_finding(d: Decision) -> str | None:
    """The return in one phrase, the fullest the figures allow."""
    if d.roi is not None and d.payback_months is not None:
        return "roi-payback"
    if d.annual_gain is not None:
        return "gain-payback" if d.payback_months is not None else "gain"
    return "loss" if d.expected_loss is not None else None


def likely_questions(
    objections: list[ObjectionView], shown: set[str] | None = None
) -> dict[str, ObjectionView]:
    """For each slide of the story, the objection it most likely draws, each used once:
    one whose words name the slide's subject first, then one whose concern is the
    slide's; a slide nothing matches has none."""
    left = list(objections)
    found: dict[str, ObjectionView] = {}
    slides = [s for s in STORY if shown is None or s in shown]
    for rule in (_cued, _themed):
        for slide in slides:
            match = next((o for o in left if slide not in found and rule(slide, o)), None)
            if match:
                found[slide] = match
                left.remove(match)
    return {slide: found[slide] for slide in STORY if slide in found}


def _cued(slide: str, o: ObjectionView) -> bool:
    words = o.objection.concern.lower()
    return any(cue in words for cue in SLIDE_CUES.get(slide, ()))


def _themed(slide: str, o: ObjectionView) -> bool:
    return o.theme in SLIDE_THEMES.get(slide, ())
