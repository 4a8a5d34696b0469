"""Stage 3: derived figures, checked against sums worked by hand."""

from __future__ import annotations

import pytest

from buildcase.build import check_proposal
from buildcase.compute import build_case, expected_loss
from buildcase.models import Percent, Risk

from .conftest import REFERENCE


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    proposal, _ = check_proposal(REFERENCE)
    return build_case(proposal, REFERENCE.name)


def test_expected_annual_loss_of_doing_nothing(case) -> None:  # type: ignore[no-untyped-def]
    # 20% x 1,500,000 + 35% x 250,000 + 50% x 300,000
    assert [r.expected_loss for r in case.risks] == [300_000, 87_500, 150_000]
    assert case.expected_annual_loss == 537_500


def test_costs_and_value(case) -> None:  # type: ignore[no-untyped-def]
    assert case.total_cost == 52_000 + 72_000 + 38_000 + 22_000 == 184_000
    assert case.cost_per_participant == pytest.approx(184_000 / 1_200)
    assert case.total_annual_value == 240_000 + 60_000
    assert case.plan_weeks == 6 + 8 + 2


@pytest.mark.parametrize(
    ("likelihood", "impact", "loss"),
    [
        (Percent(0), 1000, 0),
        (Percent(100), 1000, 1000),
        (None, 1000, None),
        (Percent(10), None, None),
    ],
)
def test_expected_loss_edges(likelihood, impact, loss) -> None:  # type: ignore[no-untyped-def]
    assert expected_loss(Risk(title="r", likelihood=likelihood, impact=impact)) == loss


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
    names = [s.source if not s.survey else f"survey n={s.n}" for s in case.sources]
    assert names == [
        "survey n=2400",
        "survey n=1850",
        "Brinkerhoff, impact evaluation studies of corporate training",
        "Altimeter Group, Social Business Readiness",
    ]
    assert case.notes["know-policy"] == case.notes["asked-by-friends"] == 1
    assert case.risks[0].notes == [1, 4]  # crisis cites two Altimeter figures and read-policy
