"""Fast while it grows (issue 32), what the preview's speed may not change: the gain the
schedule keeps in parts is the very sum it worked out afresh at every call, to the last
bit; the return's solver, which leaves the payback unsolved, finds the same return; and
the pages rendered first, then the rest, are what `build` renders all at once.

The preview itself is tested in tests/test_serve.py; speed in benchmarks/save_to_page.py."""

from __future__ import annotations

import random

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.compute.impact import build_impact, hours_of, time_cost
from buildcase.compute.schedule import Ramp, Schedule, Stream
from buildcase.compute.sensitivity import Model, drivers
from buildcase.render.case import render_case, render_pages_first
from buildcase.workspace import template_dirs

from .conftest import PROPOSALS, REFERENCE, ROOT


def gain_afresh(schedule: Schedule, month: float) -> float:
    """The gain by `month` as `Schedule.gain_by` worked it out before it kept its parts:
    every stream, year by year, each year's part computed anew, added in the same order."""
    total, ramp = 0.0, schedule.ramp
    for stream in schedule.streams:
        end = month if stream.ends is None else min(month, stream.ends)
        year, start = 0, 0.0
        while start < end:
            stop = min(end, 12.0 * (year + 1))
            accrued = ramp.full_months_by(stop) - ramp.full_months_by(start)
            total += stream.annual / 12 * (1 - stream.decay) ** year * accrued
            start, year = stop, year + 1
    return total


def some_schedule(rnd: random.Random) -> Schedule:
    """A schedule of the kinds a proposal makes: a ramp, streams that fade or end."""
    streams = tuple(
        Stream(
            rnd.uniform(0, 1e6),
            rnd.choice([0.0, rnd.random()]),
            rnd.choice([None, 12.0, 24.0, rnd.uniform(0, 130)]),
        )
        for _ in range(rnd.randint(1, 5))
    )
    ramp = Ramp(rnd.choice([0.0, 12.0, rnd.uniform(0, 60)]), rnd.choice([0.0, rnd.uniform(0, 80)]))
    return Schedule(streams, ramp, rnd.uniform(0, 2e6), rnd.choice([0.0, rnd.uniform(0, 2e5)]))


def test_the_gain_kept_in_parts_is_the_gain_worked_afresh_to_the_last_bit() -> None:
    rnd = random.Random(32)
    for _ in range(300):
        schedule = some_schedule(rnd)
        months = [0, 1, 6.5, 11, 12, 12.0, 13, 24, 36.25, 60, 119, 120, rnd.uniform(0, 130)]
        for month in rnd.sample(months, len(months)):  # in any order: the parts are kept
            assert schedule.gain_by(month) == gain_afresh(schedule, month), (schedule, month)


@pytest.fixture(scope="module")
def model() -> Model:
    proposal, _ = check_proposal(REFERENCE)
    case = build_case(proposal, REFERENCE.name)
    return case._model()


def test_the_return_solved_without_the_payback_is_the_same_return(model: Model) -> None:
    """The return's break-even is solved without the payback (most of the arithmetic);
    every figure it reads is the one the full case gives, whatever the driver."""
    for driver, apply in drivers(model):
        for value in (driver.low, driver.value, driver.high):
            proposal = apply(value)
            full, lean = model.lead(proposal), model.lead(proposal, payback=False)
            assert lean.payback_months is None and lean.net_by_month == ()
            assert (lean.roi, lean.cost, lean.gain_over_horizon, lean.net_value) == (
                full.roi,
                full.cost,
                full.gain_over_horizon,
                full.net_value,
            ), driver.key


def test_the_time_cost_apart_from_the_impact_map_is_the_impact_maps() -> None:
    """The solver costs people's time without building the impact map: the same cost."""
    costs = []
    for folder in sorted(PROPOSALS.iterdir()):
        proposal, _ = check_proposal(folder)
        cost = time_cost(*hours_of(proposal))
        assert cost == build_impact(proposal, []).total_cost, folder.name
        costs.append(cost)
    assert any(cost for cost in costs)  # some proposal asks for time at a cost


@pytest.mark.parametrize("folder", [REFERENCE, PROPOSALS / "department-heads-rollout"])
def test_the_pages_first_then_the_rest_are_the_case_rendered_at_once(folder) -> None:  # type: ignore[no-untyped-def]
    """The preview renders the pages, publishes them, then the handouts and the decks:
    the same files, the same text, as `build` renders all at once; and it knows the
    handouts and decks to come before they are rendered."""
    proposal, _ = check_proposal(folder)
    search_path = template_dirs(folder, ROOT)
    whole = render_case(build_case(proposal, folder.name), search_path, "a4", "")
    first = render_pages_first(build_case(proposal, folder.name), search_path, "a4", "")
    assert first.handouts == {} and first.decks == {}
    assert first.pages == whole.pages and first.nav == whole.nav
    assert first.handouts_coming == list(whole.handouts)
    assert first.decks_coming == list(whole.decks)
    assert first.rest is not None
    rest = first.rest()
    assert (rest.pages, rest.handouts, rest.decks) == (whole.pages, whole.handouts, whole.decks)
    assert rest.rest is None and rest.handouts_coming == []
