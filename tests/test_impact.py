"""Format 1.1: the need, the impact map and the managers' part, from the YAML to the pages."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from buildcase.check import check_proposal
from buildcase.compute import build_case

from .conftest import MINIMAL, PROPOSALS, ROOT, run_cli, write_proposal

SUPPORT = PROPOSALS / "support-coaching-programme"


def text_of(path: Path) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example built from the command line, as an author builds it."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", str(SUPPORT), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out / SUPPORT.name


def test_the_impact_map_page_shows_every_behaviour(site: Path) -> None:
    page = text_of(site / "impact.html")
    assert "What people will do differently" in page
    for moment, action in [
        ("The weekly 15-minute slot with each agent", "Review two of the agent's own tickets"),
        ("A subscriber disputes a charge and threatens to cancel", "Settle it in the call"),
        ("A customer contacts us a second time", "Read the first ticket and fix the cause"),
    ]:
        assert moment in page and action in page
    raw = (site / "impact.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="bc-chart bc-chart--impact".*?</svg>', raw, re.S)
    assert svg is not None
    title = html.unescape(re.search(r"<title[^>]*>(.*?)</title>", svg[0], re.S)[1])  # type: ignore[index]
    assert title.startswith("What people will do differently: Review two")
    assert 'viewBox="0 0 480 ' in svg[0] and 'width="100%"' in svg[0]
    assert "data-search-exclude" in svg[0]
    # in the navigation, after "Risk if we don't"
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert nav.index('href="risks.html"') < nav.index('href="impact.html"')


def test_the_need_opens_the_start_page(site: Path) -> None:
    page = text_of(site / "index.html")
    assert "The need: Three in five agents get no feedback on their own tickets" in page
    assert "from 39% today to 95%" in page and "which training can close" in page
    assert page.index("We ask for") < page.index("The need:") < page.index("Three in five of our")


def test_the_plan_page_has_the_before_during_after_table_and_the_hours(site: Path) -> None:
    page = text_of(site / "plan.html")
    for label in ("Before the training", "During the training", "After the training"):
        assert label in page
    assert "Sit in on one coaching slot per team lead a month" in page
    # participants 240 x 5 h = 1,200 h; groups 4x2 + 2x6 + 24x8 + 4x6 = 236 h; at €32 an hour
    assert "1,200 hours" in page and "1,436 hours" in page and "€45,952" in page
    assert "beside the budget and not part of it" in page and "Budget: €168,000" in page


def test_the_hours_are_computed_and_never_added_to_the_budget() -> None:
    case = build_case(check_proposal(SUPPORT)[0], SUPPORT.name)
    impact = case.impact
    assert impact.participants is not None and impact.participants.total == 1200
    assert [g.total for g in impact.groups] == [8, 12, 192, 24]
    assert impact.total_hours == 1436 and impact.total_cost == 1436 * 32
    assert case.decision.ask == 168000 and case.total_cost == 168000
    assert [len(impact.support[m]) for m in ("before", "during", "after")] == [2, 1, 1]
    assert [r.behaviour.id for r in impact.rows_for("workforce-planning")] == [
        "settle-disputes",
        "fix-the-cause",
    ]


def test_a_version_1_proposal_gets_no_impact_page(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    case = build_case(check_proposal(folder)[0], folder.name)
    assert case.impact.rows == [] and case.impact.need is None and case.impact.total_hours is None


NEED_NOT_TRAINING = (
    MINIMAL
    + """\
need:
  gap: New starters do not fill in their timesheets
  cause: motivation
"""
)


def warnings_of(capsys: pytest.CaptureFixture[str], folder: Path) -> list[str]:
    code, out, err = run_cli(capsys, "check", str(folder))
    assert code == 0, out + err
    return [line for line in (out + err).splitlines() if ": warning: " in line]


def test_a_need_training_cannot_fix_without_support_is_a_located_warning(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, NEED_NOT_TRAINING)
    [warning] = warnings_of(capsys, folder)
    assert re.search(
        r"proposal\.yaml:\d+:10: warning: need\.cause: this need may not be a", warning
    )
    assert "'motivation'" in warning and "`support`" in warning
    seen = MINIMAL + "need:\n  gap: They know how\n  cause: skills\n  seen_doing_it: true\n"
    [warning] = warnings_of(capsys, write_proposal(workspace, seen, slug="seen"))
    assert "need.seen_doing_it: " in warning and "seen them do it right" in warning


def test_managers_in_support_answer_the_need_warning_but_after_is_still_asked(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = NEED_NOT_TRAINING + (
        "support:\n  - who: Line managers\n    when: before\n    does: Explain why it matters\n"
    )
    [warning] = warnings_of(capsys, write_proposal(workspace, text))
    assert "support: nothing is planned for `after`" in warning


def test_behaviours_are_checked_for_their_ids_and_unreached_benefits(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL.replace(
        "  - title: New starters stay longer\n    goals: [retention]\n",
        "  - id: stay\n    title: New starters stay longer\n    goals: [retention]\n"
        "  - id: faster\n    title: New starters are productive sooner\n    goals: [retention]\n",
    ) + (
        "audiences:\n  - id: hr\n    title: HR\n    cares_about: [retention]\n    message: Hi\n"
        "behaviours:\n  - id: ask\n    who: New starters\n    moment: First week\n"
        "    action: Ask their buddy\n    benefits: [stya]\n    audiences: [h-r]\n"
    )
    code, out, err = run_cli(capsys, "check", str(write_proposal(workspace, text)))
    assert code == 1
    assert (
        "behaviours[0].benefits[0]: no benefit has the id 'stya'; did you mean 'stay'?" in out + err
    )
    assert "behaviours[0].audiences[0]: no audience has the id 'h-r'" in out + err
    fixed = text.replace("[stya]", "[stay]").replace("[h-r]", "[hr]")
    [warning] = warnings_of(capsys, write_proposal(workspace, fixed, slug="fixed"))
    assert "benefits[1]: no behaviour leads to this benefit" in warning


def test_wrong_kinds_in_the_new_sections_are_located(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL + (
        "need:\n  gap: A gap\n  cause: laziness\n"
        "support:\n  - who: Managers\n    when: later\n    does: Check in\n    hours: lots\n"
    )
    code, out, err = run_cli(capsys, "check", str(write_proposal(workspace, text)))
    assert code == 1
    assert "need.cause: expected one of skills, knowledge" in out + err
    assert "support[0].when: expected one of before, during, after" in out + err
    assert "support[0].hours: expected a number of hours" in out + err
