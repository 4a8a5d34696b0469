"""Compute, wording: what the pages, handouts and decks say where a choice is to be made.

Which sentence asks for the decision, which scenarios a table shows, which evidence is the
organization's own, which goals an edition's table lists: each is decided here, once, from
the computed case, so that a template only prints the label or the figures it is given
(`templates/` format, they do not compute) and the site, the handouts and the decks cannot
choose differently. A choice between labels is returned as a key (`ask-gain`,
`conservative`), which a template turns into text with the language's catalogue
(`_("headline:" ~ key)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from buildcase.compute.briefing import Decision
from buildcase.compute.impact import Impact
from buildcase.compute.money import CostRow, cost_over_years, cost_rows, items_over_years
from buildcase.compute.records import (
    AudienceView,
    Edition,
    Figure,
    GoalView,
    HoursAsked,
    ImpactRow,
    MeasureView,
    Scenario,
)
from buildcase.compute.story import Story, story
from buildcase.models.sections import Proposal

# The deck's first slide of figures shows this many of an edition's headline figures.
NEED_SLIDE_FIGURES = 3


class Case(Protocol):
    """What the wording reads of the computed case: compute's `Case`, named by its shape
    here because the package that defines it imports this module (no circle)."""

    proposal: Proposal
    figures: dict[str, Figure]
    goals: list[GoalView]
    audiences: list[AudienceView]
    measures: list[MeasureView]
    editions: list[Edition]
    status: str | None
    has_ranges: bool
    pilot_cost: float | None
    pilot_included: bool
    cost_before_pilot: float | None
    decision: Decision
    impact: Impact
    plan_weeks: float | None

    @property
    def lead(self) -> Scenario: ...


@dataclass(frozen=True)
class EditionWording:
    """The choices that differ between editions: the executives' or one department head's
    handout and deck."""

    goals: list[GoalView]  # the goals table's rows: those its benefits or risks speak to
    rows: list[ImpactRow]  # what people will do differently, as the edition tells it
    own_numbers: bool  # the deck's first figures are all the organization's own
    story: Story  # what each slide of the deck's main line argues (compute.story)


@dataclass(frozen=True)
class Wording:
    """The choices of wording of one case, the same for the site, the handouts and the
    decks: the keys of the sentences and labels to print, the flags that say which
    sentence applies, and the lists a page shows in the order it shows them."""

    action: str | None  # the decision's sentence: ask-gain-payback, ask-gain, ask, commitments
    # (the budget is approved: what each head is asked for); None: nothing asked
    conservative: bool  # every figure shown is the conservative case, and says so
    scenario_names: list[str]  # the scenarios a table of figures shows, in order
    has_money: bool  # a gain or a cost of doing nothing is computed: the business case
    gain_split: bool  # the return has both parts (benefits, losses avoided): shown as a sum
    pilot_on_top: bool  # the pilot's budget is added to the costs, a line of its own
    ask_adds_pilot: bool  # the ask is the budget plus a pilot on top of it, said beside it
    pilot_in_cost: bool  # the cost's calculation says how the pilot's budget sits in it
    gain_waits_for_pilot: bool  # the gain starts when the pilot ends (no start date given)
    own_figures: list[Figure]  # the organization's own records, on the Evidence page
    research_figures: list[Figure]  # outside research, on the Evidence page
    margin_example: Figure | None  # the survey figure that shows how a margin is worked out
    hours_rows: list[HoursAsked]  # the hours table: the participants first, then each group
    time_cost: str | None  # people's time: "counted" in the cost every return is computed
    # on, or "shown" beside it and left out (format 1.2); None where it has no cost
    cost_rows: list[CostRow]  # the cost items, a yearly one with its total over the horizon
    items_over_years: float | None  # the items over the horizon, where one is paid yearly
    cost_over_years: float | None  # and the pilot on top: the training's money, not discounted
    whose_people: dict[str, list[AudienceView]]  # by impact row anchor: whose people do it
    public_status: str | None  # the campaign's status, where the handout may state it
    measured: bool  # some measure has an actual: its result is shown
    executives: EditionWording
    audiences: dict[str, EditionWording]  # by audience id


def case_wording(case: Case) -> Wording:
    """Every choice of wording of one case, made once for every output."""
    d, p = case.decision, case.proposal
    executives = next(edition_wording(case, e) for e in case.editions if e.audience is None)
    audiences = {
        e.audience.audience.id: edition_wording(case, e) for e in case.editions if e.audience
    }
    return Wording(
        action=action(d),
        conservative=d.scenario == "conservative",
        scenario_names=scenario_names(case.has_ranges),
        has_money=d.annual_gain is not None or d.expected_loss is not None,
        gain_split=bool(d.annual_benefit and d.avoided_loss),
        pilot_on_top=not case.pilot_included and case.pilot_cost is not None,
        ask_adds_pilot=ask_adds_pilot(d),
        pilot_in_cost=case.pilot_cost is not None and case.cost_before_pilot is not None,
        gain_waits_for_pilot=gain_waits_for_pilot(p),
        own_figures=evidence_figures(case, internal=True),
        research_figures=evidence_figures(case, internal=False),
        margin_example=margin_example(case),
        hours_rows=hours_rows(case.impact),
        time_cost=time_cost(case.lead),
        cost_rows=cost_rows(p, d.horizon_years),
        items_over_years=items_over_years(p, d.horizon_years),
        cost_over_years=cost_over_years(p, d.horizon_years),
        whose_people=whose_people(case),
        public_status=public_status(case),
        measured=any(m.status for m in case.measures),
        executives=executives,
        audiences=audiences,
    )


def action(d: Decision) -> str | None:
    """Which sentence asks for the decision: the fullest the figures allow (the ask, what
    it returns a year, when it pays back), down to the ask alone; None when nothing is
    asked. The catalogues' `headline:` and `decision-line:` keys hold the sentences. A
    budget already approved is never asked for again: the commitments are."""
    if d.approved is not None:
        return "commitments"
    if d.ask is None:
        return None
    if d.annual_gain is None:
        return "ask"
    return "ask-gain" if d.payback_months is None else "ask-gain-payback"


def scenario_names(ranged: bool) -> list[str]:
    """The scenarios a table shows: all three where an estimate is a range (they differ),
    else the likely one alone."""
    return ["conservative", "likely", "optimistic"] if ranged else ["likely"]


def ask_adds_pilot(d: Decision) -> bool:
    """Whether the ask is larger than the budget by a pilot on top of it: then the outputs
    say so, so the two amounts are not read as a contradiction."""
    pilot = d.pilot
    return bool(pilot and not pilot.included and pilot.budget is not None and d.budget is not None)


def gain_waits_for_pilot(p: Proposal) -> bool:
    """Whether the gain starts at the end of the pilot: there is a pilot, and the author gave
    no start of the benefits of their own."""
    pilot = p.request.pilot if p.request else None
    return bool(pilot and not (p.financials and p.financials.benefits_start))


def evidence_figures(case: Case, internal: bool) -> list[Figure]:
    """The evidence's figures in the proposal's order: the organization's own records, or
    outside research; the Evidence page gives each kind its own table."""
    return [case.figures[e.id] for e in case.proposal.evidence if e.internal == internal]


def margin_example(case: Case) -> Figure | None:
    """The survey's first figure, to work its margin of error through, where it has one (a
    census has none)."""
    survey = case.proposal.survey
    if not survey or not survey.stats:
        return None
    first = case.figures[survey.stats[0].id]
    return first if first.margin is not None and not first.census else None


def hours_rows(impact: Impact) -> list[HoursAsked]:
    """The rows of the hours table: the participants' own time first, then each group's."""
    first = [impact.participants] if impact.participants is not None else []
    return [*first, *impact.groups]


def time_cost(lead: Scenario) -> str | None:
    """How people's time stands to the return: "counted" in the cost it is computed on (the
    split is shown wherever the cost is), "shown" beside it and left out (every return
    then says so, and what the time is worth), or None where the time has no cost."""
    if lead.time_cost is None:
        return None
    return "counted" if lead.time_counted else "shown"


def whose_people(case: Case) -> dict[str, list[AudienceView]]:
    """For each behaviour of the impact map, the department heads whose people do it."""
    return {
        row.anchor: [a for a in case.audiences if a.audience.id in row.behaviour.audiences]
        for row in case.impact.rows
    }


def public_status(case: Case) -> str | None:
    """The campaign's status, where the handout may state it: an internal campaign's is the
    L&D team's alone."""
    campaign = case.proposal.campaign
    return case.status if campaign and not campaign.internal else None


def edition_wording(case: Case, edition: Edition) -> EditionWording:
    """The choices of one edition: a department head's reads their goals, their people's
    behaviours and their own figures."""
    a = edition.audience
    rows = case.impact.rows_for(a.audience.id) if a else case.impact.rows
    return EditionWording(
        goals=edition_goals(case.goals, a),
        rows=rows,
        own_numbers=own_numbers(edition.headline[:NEED_SLIDE_FIGURES]),
        story=story(edition, case.decision, case.plan_weeks, story_slides(case, edition, rows)),
    )


def story_slides(case: Case, edition: Edition, rows: list[ImpactRow]) -> set[str]:
    """The slides of the story an edition's deck has, each where it has something to say."""
    p, d = case.proposal, case.decision
    has = {
        "asks": bool(edition.audience and edition.audience.asks),
        "need": bool(edition.headline),
        "risks": bool(edition.risks),
        "impact": bool(rows),
        "benefits": bool(edition.benefits),
        "case": d.annual_gain is not None or d.expected_loss is not None,
        "plan": bool(p.plan or d.pilot),
        "measures": bool(case.measures),
        "decision": True,
    }
    return {slide for slide, shown in has.items() if shown}


def edition_goals(goals: list[GoalView], audience: AudienceView | None) -> list[GoalView]:
    """The goals an edition's table lists: those a benefit or a risk speaks to, and of a
    department head's edition, only the goals they answer for (where they name any)."""
    theirs = {g.id for g in audience.goals} if audience else set()
    return [g for g in goals if (not theirs or g.goal.id in theirs) and (g.benefits or g.risks)]


def own_numbers(figures: list[Figure]) -> bool:
    """Whether every figure is the organization's own (its survey or its records), so the
    deck can say "in our own numbers"."""
    return all(f.is_survey or f.internal for f in figures)
