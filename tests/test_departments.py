"""Format 1.2's department heads, computed: what each head is asked for, their own people's
hours (never the programme's), their numbers, the need split between what training can
close and what it cannot, and the commitments an approved budget now asks for. Every
figure is worked by hand in the test from tests/proposals/departments/proposal.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.models.quantities import PartialDate

from .conftest import DEPARTMENTS, MINIMAL, run_cli, write_proposal


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    folder = tmp_path_factory.mktemp("ws") / "proposals" / DEPARTMENTS.name
    shutil.copytree(DEPARTMENTS, folder)
    proposal, _ = check_proposal(folder)
    return build_case(proposal, folder.name)


def audience(case: Case, id_: str):  # type: ignore[no-untyped-def]
    return next(a for a in case.audiences if a.audience.id == id_)


def test_a_heads_people_hours_are_their_own_never_the_programmes(case: Case) -> None:
    support = audience(case, "support")
    assert support.impact is not None
    # 140 agents x 6 hours each (request.hours_per_participant) at the request's 40 an
    # hour, plus the team leads who name them: 14 x 8 hours at their own 55 an hour.
    assert support.impact.hours == 140 * 6 + 14 * 8
    assert support.impact.cost == 140 * 6 * 40 + 14 * 8 * 55
    assert support.impact.hours != 200 * 6  # the whole programme's participants
    sales = audience(case, "sales")
    assert sales.impact is not None
    assert sales.impact.hours == 60 * 6  # no support entry names sales
    assert sales.impact.cost == 60 * 6 * 40


def test_each_ask_says_its_hours_and_their_cost(case: Case) -> None:
    release, coach = audience(case, "support").asks
    assert (release.total, release.cost, release.own) == (140 * 6, 140 * 6 * 40, False)
    assert release.ask.by == PartialDate(2027, 2, 26)
    assert (coach.total, coach.cost) == (None, None)  # an ask with no hours names none
    _, open_it = audience(case, "sales").asks
    # the head's own hour, at the ask's own rate rather than the request's 40
    assert (open_it.total, open_it.cost, open_it.own) == (1, 1 * 90, True)


def test_a_kpi_is_tied_to_the_value_of_its_benefit(case: Case) -> None:
    fcr, repeats = audience(case, "support").kpis
    assert fcr.higher and fcr.benefit is not None
    # fewer repeat contacts is a lower number, and the same benefit: valued once, above
    assert not repeats.higher and repeats.repeats and not fcr.repeats
    assert fcr.benefit.benefit.id == "fewer-repeats"
    assert fcr.benefit.value is not None
    # 180,000 a year x 60% attribution x 80% confidence (no ranges: the likely case)
    assert fcr.benefit.value.adjusted == pytest.approx(180_000 * 0.60 * 0.80)
    [renewals] = audience(case, "sales").kpis
    assert renewals.higher and renewals.kpi.baseline == 410 and renewals.kpi.target == 440


def test_a_head_is_shown_only_their_own_evidence(case: Case) -> None:
    support = {f.id for f in audience(case, "support").figures}
    # tagged for them (repeat-calls), and cited by their benefit and risk
    assert support == {"repeat-calls", "no-feedback", "vendor-teams"}
    sales = {f.id for f in audience(case, "sales").figures}
    # cited by their benefit and risk; not the support team's repeat contacts
    assert sales == {"sales-unsure", "vendor-teams"}


def test_the_need_is_split_in_the_authors_terms(case: Case) -> None:
    split = case.need_split
    assert split is not None
    assert (split.closable, split.other) == (70, 30)
    [skills] = split.closable_parts
    [management] = split.other_parts
    assert skills.cause == "skills" and management.cause == "management"
    assert management.note == "Team leads do not review calls with their agents"
    assert [s.who for s in management.addressed_by] == ["Team leads"]


def test_an_approved_budget_asks_for_commitments_not_money(case: Case) -> None:
    assert case.wording.action == "commitments"
    c = case.commitments
    assert c is not None
    assert c.approved == PartialDate(2026, 11, 20)
    assert (c.heads, c.asks) == (2, 2 + 2)
    assert c.hours == (140 * 6 + 14 * 8) + 60 * 6
    assert c.by == PartialDate(2027, 3, 31)  # the latest date an ask gives


def test_a_proposal_not_yet_approved_still_asks_for_money(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL + "request:\n  budget: 9000\n")
    proposal, _ = check_proposal(folder)
    case = build_case(proposal, folder.name)
    assert case.commitments is None and case.wording.action == "ask"


def test_the_department_fields_are_checked_through_the_command_line(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(DEPARTMENTS, workspace / "proposals" / "d")
    code, _, err = run_cli(capsys, "check", "--strict", "proposals/d")
    assert code == 0, err
    text = (workspace / "proposals" / "d" / "proposal.yaml").read_text(encoding="utf-8")
    (workspace / "proposals" / "d" / "proposal.yaml").write_text(
        text.replace("participants: 140", "participants: 180"), encoding="utf-8"
    )
    code, _out, err = run_cli(capsys, "check", "--strict", "proposals/d")
    assert code == 1
    # 180 + 60 of the 200 participants
    assert f"add up to {180 + 60:,}, more than the 200" in err


def test_a_percent_kpi_says_its_percent_once() -> None:
    from buildcase.compute.departments import kpi_unit
    from buildcase.models.sections import Kpi

    def unit(text: str, baseline: str | int) -> str | None:
        return kpi_unit(Kpi.model_validate({"metric": "m", "unit": text, "baseline": baseline,
                                            "target": baseline}))  # fmt: skip

    assert unit("%", "54%") is None  # 54% → 60%, never "54% %"
    assert unit("% of sellers", "54%") == "of sellers"  # 54% of sellers
    assert unit("days", 12) == "days"
