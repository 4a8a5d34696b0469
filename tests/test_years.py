"""Format 1.2's fully loaded case and several years told truly, worked by hand: people's
time in the cost (the participants' and two support groups', one at its own rate), a
licence paid every year of a three-year horizon, a benefit that stops and one that fades.
Every figure is computed in the test from the proposal written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case

from .conftest import MINIMAL, write_proposal

# MINIMAL without its benefits and risks, to give its own.
BASE = MINIMAL.split("benefits:")[0]
RISK = """\
risks:
  - title: New starters leave
    goals: [retention]
"""


def case_of(workspace: Path, text: str) -> Case:
    folder = write_proposal(workspace, BASE + text + RISK)
    proposal, _ = check_proposal(folder)
    return build_case(proposal, folder.name)


LOADED = """\
request:
  budget: 50000
  participants: 100
  hours_per_participant: 4
  hourly_cost: 30
support:
  - who: Team managers
    when: after
    does: Coach each starter for an hour a month
    people: 10
    hours: 6
    hourly_cost: 60
  - who: HR partners
    when: before
    does: Brief the managers
    people: 5
    hours: 2
benefits:
  - title: New starters stay longer
    goals: [retention]
    annual_value: 120000
"""


def test_the_return_counts_peoples_time_fully_loaded(workspace: Path) -> None:
    lead = case_of(workspace, LOADED).lead
    time = 100 * 4 * 30 + 10 * 6 * 60 + 5 * 2 * 30  # participants, managers at 60, HR
    assert lead.time_cost == time == 15_900
    assert lead.time_counted
    assert lead.training_cost == 50_000
    assert lead.cost == 50_000 + time
    # one year, no ramp (no pilot, no duration): the gain over the horizon is a year's
    assert lead.roi == pytest.approx((120_000 - (50_000 + time)) / (50_000 + time) * 100)
    assert lead.benefit_cost_ratio == pytest.approx(120_000 / (50_000 + time))
    assert lead.net_value == pytest.approx(120_000 - (50_000 + time))
    assert lead.payback_months == pytest.approx((50_000 + time) / (120_000 / 12))
    # the budget-only figure, to stand beside it, labelled
    assert lead.roi_without_time == pytest.approx((120_000 - 50_000) / 50_000 * 100)


def test_time_shown_is_left_out_of_the_return_but_still_costed(workspace: Path) -> None:
    text = LOADED + "financials:\n  time_cost: shown\n"
    lead = case_of(workspace, text).lead
    assert lead.time_cost == 100 * 4 * 30 + 10 * 6 * 60 + 5 * 2 * 30
    assert not lead.time_counted
    assert lead.cost == 50_000
    assert lead.roi == pytest.approx((120_000 - 50_000) / 50_000 * 100)
    assert lead.payback_months == pytest.approx(50_000 / (120_000 / 12))
    assert lead.roi_without_time is None  # the return already is the budget's alone


def test_without_an_hourly_cost_no_time_is_counted(workspace: Path) -> None:
    lead = case_of(workspace, LOADED.replace("  hourly_cost: 30\n", "")).lead
    # only the managers, who have a rate of their own, are costed
    assert lead.time_cost == 10 * 6 * 60
    assert lead.cost == 50_000 + 10 * 6 * 60


YEARLY = """\
costs:
  - item: Workshops
    amount: 30000
  - item: Platform licence
    amount: 10000
    recurring: yearly
financials:
  horizon_years: 3
benefits:
  - title: New starters stay longer
    goals: [retention]
    annual_value: 36000
"""


def test_a_yearly_cost_is_paid_in_every_year_of_the_horizon(workspace: Path) -> None:
    lead = case_of(workspace, YEARLY).lead
    cost = 30_000 + 3 * 10_000  # the licence in each of three years
    gain = 3 * 36_000
    assert lead.yearly_cost == 10_000
    assert lead.cost == lead.training_cost == cost
    assert lead.gain_over_horizon == pytest.approx(gain)
    assert lead.roi == pytest.approx((gain - cost) / cost * 100)
    # 3,000 a month: 36,000 by month 12 does not reach the 40,000 paid in year 1; the
    # second licence is paid at month 12, so payback is when 50,000 is reached
    assert lead.payback_months == pytest.approx((30_000 + 2 * 10_000) / (36_000 / 12))
    # the chart's net value dips when each year's licence falls due
    net = lead.net_by_month
    assert net[0] == -(30_000 + 10_000)
    assert net[12] == pytest.approx(12 * 3_000 - (30_000 + 2 * 10_000))


def test_a_yearly_cost_discounted_is_paid_at_the_start_of_each_year(workspace: Path) -> None:
    text = YEARLY.replace("  horizon_years: 3\n", "  horizon_years: 3\n  discount_rate: 10%\n")
    lead = case_of(workspace, text).lead
    assert lead.cost == pytest.approx(30_000 + 10_000 + 10_000 / 1.1 + 10_000 / 1.1**2)


FADING = """\
financials:
  horizon_years: 3
benefits:
  - title: Starters hired in the pilot stay longer
    goals: [retention]
    annual_value: 24000
    lasts: 1 year
  - title: New starters are productive sooner
    goals: [retention]
    annual_value: 12000
    decay: 50%
request:
  budget: 30000
"""


def test_a_benefit_that_stops_and_one_that_fades(workspace: Path) -> None:
    lead = case_of(workspace, FADING).lead
    lasting = 24_000 * 1  # one year of three, from the start (no pilot, no ramp)
    fading = 12_000 * (1 + 0.5 + 0.5**2)  # year k: 12,000 x (1 - 50%)^(k-1)
    assert lead.gain_over_horizon == pytest.approx(lasting + fading)
    assert lead.roi == pytest.approx((lasting + fading - 30_000) / 30_000 * 100)
    # the annual gain said "a year" is year 1's, at full run
    assert lead.annual_gain == 24_000 + 12_000
    # paid back within year 1: 3,000 a month (2,000 + 1,000) reaches 30,000 at month 10
    assert lead.payback_months == pytest.approx(30_000 / ((24_000 + 12_000) / 12))
