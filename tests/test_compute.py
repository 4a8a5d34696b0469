"""Stage 3: derived figures, checked against sums worked by hand."""

from __future__ import annotations

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.compute.money import (
    benefit_value,
    chart_months,
    return_on_investment,
    risk_value,
    yearly_range,
)
from buildcase.compute.schedule import Ramp, Schedule, Stream
from buildcase.compute.statistics import margin_bounds, margin_of_error
from buildcase.models.quantities import Estimate, Percent
from buildcase.models.sections import Benefit, Risk
from buildcase.validate.survey import share_of_answers

from .conftest import PROPOSALS, REFERENCE


# A steady annual gain against a cost paid at the start, on compute's one timeline
# (`compute.schedule`): the cases worked by hand below.
def gain_over_horizon(
    annual_gain: float, years: int, rate: float | None, ramp: Ramp | None = None
) -> float:
    return Schedule((Stream(annual_gain),), ramp or Ramp(0, 0), 0.0).present_gain_by(
        12 * years, rate
    )


def payback_months(
    cost: float, annual_gain: float | None, ramp: Ramp | None = None, rate: float | None = None
) -> float | None:
    if annual_gain is None or annual_gain <= 0:
        return None
    return Schedule((Stream(annual_gain),), ramp or Ramp(0, 0), cost).payback(rate)


def net_by_month(
    cost: float, annual_gain: float, ramp: Ramp, rate: float | None, months: int
) -> tuple[float, ...]:
    return Schedule((Stream(annual_gain),), ramp, cost).net_by_month(months, rate)


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    proposal, _ = check_proposal(REFERENCE)
    return build_case(proposal, REFERENCE.name)


@pytest.fixture(scope="module")
def ranged():  # type: ignore[no-untyped-def]
    folder = PROPOSALS / "sales-enablement-journey"
    proposal, _ = check_proposal(folder)
    return build_case(proposal, folder.name)


def test_expected_annual_loss_of_doing_nothing(case) -> None:  # type: ignore[no-untyped-def]
    # 20% x 1,500,000 + 35% x 250,000 + 50% x 300,000
    assert [r.value.expected for r in case.risks] == [300_000, 87_500, 150_000]
    assert case.lead.expected_loss == 537_500


def test_the_reference_return(case) -> None:  # type: ignore[no-untyped-def]
    f = case.lead
    assert f.cost == 52_000 + 72_000 + 38_000 + 22_000 == 184_000
    assert case.cost_per_participant == pytest.approx(184_000 / 1_200)
    assert case.pilot_cost == 9_000
    assert f.annual_benefit == 240_000 + 60_000
    assert [b.value.share for b in case.benefits if b.value] == [0.8, 0.2]
    # No gain in the 6-week pilot; it grows over the 10 weeks left of the 16 and is in full
    # from week 16. Months: 6 weeks = 1.3846, 10 weeks = 2.3077; $25,000 a month in full.
    first_year = 25_000 * (12 - 6 * 12 / 52 - 10 * 12 / 52 / 2)  # 9.4615 full months
    assert f.gain_over_horizon == pytest.approx(first_year)  # $236,538
    assert f.roi == pytest.approx((first_year - 184_000) / 184_000 * 100)  # 28.6%
    assert f.benefit_cost_ratio == pytest.approx(first_year / 184_000)
    # 7.36 months of full gain repay the cost, plus the pilot and half the ramp
    assert f.payback_months == pytest.approx(6 * 12 / 52 + 10 * 12 / 52 / 2 + 7.36)  # 9.9
    assert f.net_value == pytest.approx(first_year - 184_000)
    assert case.plan_weeks == 6 + 8 + 2
    assert not case.has_ranges and case.lead is case.likely


@pytest.mark.parametrize(
    ("likelihood", "impact", "loss"),
    [("0%", 1000, 0), ("100%", 1000, 1000), (None, 1000, None), ("10%", None, None)],
)
def test_expected_loss_edges(likelihood, impact, loss) -> None:  # type: ignore[no-untyped-def]
    value = risk_value(Risk(title="r", likelihood=likelihood, impact=impact), "likely")
    assert (value and value.expected) == loss


def test_phillips_adjustment() -> None:
    value = benefit_value(
        Benefit(title="b", goals=["g"], annual_value=100_000, attribution="50%", confidence="80%"),
        "likely",
    )
    assert value.adjusted == 100_000 * 0.5 * 0.8 == 40_000


def test_risk_reduction_gives_residual_and_avoided_loss() -> None:
    value = risk_value(
        Risk(title="r", likelihood="20%", impact=1_000_000, reduction="50%"), "likely"
    )
    assert (value.expected, value.residual, value.avoided) == (200_000, 100_000, 100_000)


def test_discounted_gain_over_three_years() -> None:
    # each month's 100,000 / 12 discounted from its end: a geometric series in v = 1.1^(-1/12)
    v = 1.1 ** (-1 / 12)
    assert gain_over_horizon(100_000, 3, 0.10) == pytest.approx(
        100_000 / 12 * v * (1 - v**36) / (1 - v), abs=0.01
    )  # 254,650.55, against 248,685 with each year's gain at its end
    assert gain_over_horizon(100_000, 3, None) == 300_000


# A 24-week roll-out after a 6-week pilot (request.duration: 30 weeks), $120,000 a year in
# full ($10,000 a month), costing $50,000.
PILOT, ROLLOUT = 6 * 12 / 52, 24 * 12 / 52  # 1.3846 and 5.5385 months
RAMP = Ramp(6, 24)


def full_months_by(month: float) -> float:
    """The same ramp, written out by hand: zero, a triangle, then a rectangle."""
    if month <= PILOT:
        return 0.0
    if month <= PILOT + ROLLOUT:
        return (month - PILOT) ** 2 / 2 / ROLLOUT
    return ROLLOUT / 2 + month - PILOT - ROLLOUT


def test_payback_waits_for_the_people_to_be_trained() -> None:
    # 5 months of full gain, after the pilot and half the roll-out: 1.38 + 2.77 + 5 = 9.15
    assert payback_months(50_000, 120_000, RAMP) == pytest.approx(PILOT + ROLLOUT / 2 + 5)
    # repaid within the ramp: (t - 1.38)^2 / (2 x 5.54) = 1 month of full gain -> t = 4.71
    assert payback_months(10_000, 120_000, RAMP) == pytest.approx(PILOT + (2 * ROLLOUT) ** 0.5)
    assert payback_months(50_000, 120_000) == pytest.approx(5)  # no ramp: from day one


def test_the_horizon_return_and_npv_follow_the_ramp() -> None:
    year = gain_over_horizon(120_000, 1, None, RAMP)
    assert year == pytest.approx(10_000 * (ROLLOUT / 2 + 12 - PILOT - ROLLOUT))  # 78,461.54
    assert return_on_investment(year, 50_000) == pytest.approx(56.92, abs=0.01)
    npv = sum(
        10_000 * (full_months_by(k) - full_months_by(k - 1)) / 1.1 ** (k / 12) for k in range(1, 13)
    )
    assert gain_over_horizon(120_000, 1, 0.10, RAMP) == pytest.approx(npv)  # 75,270
    discounted = payback_months(50_000, 120_000, RAMP, 0.10)
    assert discounted is not None and discounted > payback_months(50_000, 120_000, RAMP)


def test_the_author_can_say_when_the_gain_starts_and_how_fast_it_grows(workspace) -> None:  # type: ignore[no-untyped-def]
    from .conftest import MINIMAL, write_proposal

    text = MINIMAL + (
        "request: {duration: 30 weeks, pilot: {participants: 10, duration: 6 weeks}}\n"
        "financials: {benefits_start: 12 weeks, benefits_ramp: 4 weeks}\n"
    )
    proposal, _ = check_proposal(write_proposal(workspace, text))
    ramp = build_case(proposal, "p").ramp
    assert (ramp.start_weeks, ramp.length_weeks) == (12, 4)  # in full from week 16
    # after week 12, half of the 4-week ramp, then 5 months of full gain
    assert payback_months(50_000, 120_000, ramp) == pytest.approx((12 + 4 / 2) * 12 / 52 + 5)


def test_zero_cost_and_no_gain_have_no_return() -> None:
    assert return_on_investment(100_000, 0) is None
    assert return_on_investment(None, 50_000) is None
    assert payback_months(50_000, None) is None
    assert payback_months(50_000, 0) is None
    assert payback_months(0, 10_000) == 0


def test_margin_of_error_with_finite_population_correction() -> None:
    # 1.96 x sqrt(.65 x .35 / 2400) = 1.91 pts; x sqrt(8600 / 10999) = 1.69 pts
    assert margin_of_error(0.65, 2400) == pytest.approx(1.908, abs=0.001)
    assert margin_of_error(0.65, 2400, 11000) == pytest.approx(1.687, abs=0.001)
    assert margin_of_error(0.79, 24, 24) == 0
    with pytest.raises(ValueError, match="larger than the population"):
        margin_of_error(0.5, 200, 100)


def test_reference_stats_carry_their_margins(case) -> None:  # type: ignore[no-untyped-def]
    assert round(case.figures["asked-by-friends"].margin, 1) == 1.7
    assert case.figures["altimeter-policy"].margin is None  # external evidence has none


def test_a_margin_of_error_runs_from_none_to_all_at_most() -> None:
    assert margin_bounds(65, 1.7) == pytest.approx((65 - 1.7, 65 + 1.7))  # 63.3 to 66.7
    assert margin_bounds(3, 4.1) == pytest.approx((0, 3 + 4.1))  # not -1.1%
    assert margin_bounds(98, 3.5) == pytest.approx((98 - 3.5, 100))  # not 101.5%
    assert margin_bounds(79, 0) == (79, 79)  # a census: no margin


def test_survey_figures_carry_the_ends_of_their_margins(case, ranged) -> None:  # type: ignore[no-untyped-def]
    # 65% of 2,400 of 11,000: 1.96 x sqrt(.65 x .35 / 2400) x sqrt(8600 / 10999) = 1.687 pts
    friends = case.figures["asked-by-friends"]
    assert (friends.low, friends.high) == pytest.approx((65 - 1.687, 65 + 1.687), abs=0.001)
    external = case.figures["altimeter-policy"]
    assert (external.low, external.high) == (None, None)  # no margin, no ends
    folder = PROPOSALS / "support-coaching-programme"
    census = build_case(check_proposal(folder)[0], folder.name).figures["leads-no-time"]
    assert census.census and (census.low, census.high) == (79, 79)  # all 24 answered


def test_share_of_answers_ignores_blanks_case_and_spaces() -> None:
    assert share_of_answers(["Yes", " yes", "No", "", "YES "], ["Yes"]) == (75.0, 4)
    assert share_of_answers(["", " "], ["Yes"]) == (0.0, 0)


def test_three_scenarios_from_ranges(ranged) -> None:  # type: ignore[no-untyped-def]
    low, likely, high = (ranged.scenarios[n] for n in ("conservative", "likely", "optimistic"))
    # win-rate-lift: 500,000 / 900,000 / 1,200,000 x 70% attribution x 80% confidence
    assert [low.annual_benefit, likely.annual_benefit, high.annual_benefit] == pytest.approx(
        [280_000 + 610_000, 504_000 + 610_000, 672_000 + 610_000]
    )
    # stalled-cloud: 25% / 40% / 55% x 1,500,000, halved by training
    assert low.avoided_loss == pytest.approx(0.25 * 1_500_000 * 0.5)
    assert ranged.has_ranges and ranged.lead is low
    assert low.roi < likely.roi < high.roi


def test_a_yearly_figure_is_a_range_where_the_cases_differ(ranged, case) -> None:  # type: ignore[no-untyped-def]
    low, high = ranged.scenarios["conservative"], ranged.scenarios["optimistic"]
    # stalled-cloud 25% / 55% x 1,500,000, with 30% x 600,000 and 70% x 250,000 in both
    assert yearly_range(low.expected_loss, high.expected_loss, ranged.has_ranges) == (
        pytest.approx(0.25 * 1_500_000 + 0.30 * 600_000 + 0.70 * 250_000),  # 730,000
        pytest.approx(0.55 * 1_500_000 + 0.30 * 600_000 + 0.70 * 250_000),  # 1,180,000
    )
    assert yearly_range(300_000, 300_000, True) is None  # the cases agree: one value
    assert yearly_range(100, 200, False) is None  # no estimate is a range
    assert yearly_range(None, 200, True) is None
    lead = case.lead  # no ranges: every case the same
    assert yearly_range(lead.expected_loss, lead.expected_loss, case.has_ranges) is None


def test_the_payback_series_runs_to_the_horizon_or_past_a_later_payback() -> None:
    assert chart_months(12, 9.9) == 12  # paid back within the horizon: to the horizon
    assert chart_months(12, 12.0) == 12  # paid back at the horizon: not after it
    assert chart_months(12, None) == 12  # never paid back
    assert chart_months(12, 14.2) == 15 + 3  # after it: three months past the payback
    assert chart_months(12, 118.5) == 120  # no further than ten years
    # $150,000 repaid by $10,000 a month from day one: at month 15, after a 12-month horizon
    paid = payback_months(150_000, 120_000)
    assert paid == pytest.approx(15)
    series = net_by_month(150_000, 120_000, Ramp(0, 0), None, chart_months(12, paid))
    assert len(series) == 18 + 1  # months 0 to 18
    assert series[0] == -150_000 and series[12] == pytest.approx(12 * 10_000 - 150_000)
    assert series[-1] == pytest.approx(18 * 10_000 - 150_000)  # $30,000


def test_the_horizon_in_months(case, ranged) -> None:  # type: ignore[no-untyped-def]
    assert case.lead.horizon_months == 12 * 1  # the reference: one year, paid back at 9.9
    assert len(case.lead.net_by_month) == 12 + 1  # months 0 to 12, no further
    assert ranged.lead.horizon_months == 12 * 3  # financials.horizon_years: 3


def test_transfer_gap(ranged) -> None:  # type: ignore[no-untyped-def]
    t = ranged.transfer
    assert (t.planned_rate, t.baseline_rate) == (Percent(60), Percent(20))
    assert t.value_at_baseline == pytest.approx(t.value_at_plan * 20 / 60)
    assert t.difference == pytest.approx(t.value_at_plan * 40 / 60)
    # on the case the summary leads with (the conservative one: estimates are ranges),
    # never the likely case under a conservative headline (format 1.2, issue 26)
    assert t.value_at_plan == ranged.lead.annual_benefit
    assert ranged.lead.annual_benefit < ranged.likely.annual_benefit


def test_headline_figures_are_the_most_cited(case) -> None:  # type: ignore[no-untyped-def]
    # know-policy, read-policy and want-content are cited twice; asked-by-friends once.
    assert [f.id for f in case.headline] == [
        "know-policy",
        "read-policy",
        "want-content",
        "asked-by-friends",
    ]


def test_every_quoted_figure_carries_its_n_or_source(case) -> None:  # type: ignore[no-untyped-def]
    for figure in case.figures.values():
        assert figure.n or (figure.source and figure.year)
    assert case.figures["want-content"].n == 1850  # the stat's own n overrides the survey's
    assert case.figures["asked-by-friends"].n == 2400


def test_sources_are_numbered_once_each_in_reading_order(case) -> None:  # type: ignore[no-untyped-def]
    executives = case.editions[0]
    names = [s.source if not s.survey else f"survey n={s.n}" for s in executives.sources]
    assert names == [
        "survey n=2400",
        "survey n=1850",
        "Brinkerhoff, impact evaluation studies of corporate training",
        "Altimeter Group, Social Business Readiness",
    ]
    assert executives.notes["know-policy"] == executives.notes["asked-by-friends"] == 1
    # crisis cites two Altimeter figures and read-policy
    assert executives.view_notes[case.risks[0].anchor] == [1, 4]


def test_estimates_read_their_points() -> None:
    e = Estimate(1, 2, 3)
    assert (e.pick("low"), e.pick("likely"), e.pick("high"), e.is_range) == (1, 2, 3, True)
    assert not Estimate(2, 2, 2).is_range
