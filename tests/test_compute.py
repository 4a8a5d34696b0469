"""Stage 3: derived figures, checked against sums worked by hand."""

from __future__ import annotations

import pytest

from buildcase.build import check_proposal
from buildcase.compute import build_case
from buildcase.compute.money import (
    benefit_value,
    gain_over_horizon,
    payback_months,
    return_on_investment,
    risk_value,
)
from buildcase.compute.statistics import margin_of_error, share_of_answers
from buildcase.models import Benefit, Estimate, Percent, Risk

from .conftest import PROPOSALS, REFERENCE


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
    assert f.roi == pytest.approx((300_000 - 184_000) / 184_000 * 100)  # 63.0%
    assert f.benefit_cost_ratio == pytest.approx(300_000 / 184_000)
    assert f.payback_months == pytest.approx(184_000 / (300_000 / 12))  # 7.36
    assert f.net_value == 116_000
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
    # 100,000 / 1.1 + 100,000 / 1.21 + 100,000 / 1.331
    assert gain_over_horizon(100_000, 3, 0.10) == pytest.approx(
        90_909.09 + 82_644.63 + 75_131.48, abs=0.01
    )
    assert gain_over_horizon(100_000, 3, None) == 300_000


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


def test_transfer_gap(ranged) -> None:  # type: ignore[no-untyped-def]
    t = ranged.transfer
    assert (t.planned_rate, t.baseline_rate) == (Percent(60), Percent(20))
    assert t.value_at_baseline == pytest.approx(t.value_at_plan * 20 / 60)
    assert t.difference == pytest.approx(t.value_at_plan * 40 / 60)


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
