"""Format 1.1: the need, the impact map and the managers' part, from the YAML to the pages."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
import yaml

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case

from .conftest import MINIMAL, PROPOSALS, ROOT, run_cli, write_proposal
from .test_handout_print import struct_elements

SUPPORT = PROPOSALS / "support-coaching-programme"
ACTIONS = [
    "Review two of the agent's own tickets with them and agree one habit to change",
    "Settle it in the call with the refund rules they practised, escalating only what the "
    "rules do not cover",
    "Read the first ticket and fix the cause, not the symptom",
]
NEED = (
    "The need: Three in five agents get no feedback on their own tickets, so the habits "
    "behind repeat contacts go unfixed"
)
# Format 1.2: people's time is counted in the cost where request.hourly_cost is given.
COUNTED = (
    "People's time is not part of the budget, but it is counted in the cost the return is "
    "computed on."
)


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


@pytest.mark.slow
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
    # the diagram's title names every behaviour, in full, before its longer description
    assert title.startswith("What people will do differently: " + "; ".join(ACTIONS) + ": ")
    assert 'viewBox="0 0 800 ' in svg[0] and 'width="100%"' in svg[0]
    assert "data-search-exclude" in svg[0]
    # in the navigation, after "Risk if we don't"
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert nav.index('href="risks.html"') < nav.index('href="impact.html"')


@pytest.mark.slow
def test_the_need_opens_the_start_page(site: Path) -> None:
    page = text_of(site / "index.html")
    assert NEED in page
    assert "from 39% today to 95%" in page and "A gap in skills, which training can close." in page
    assert page.index("The ask") < page.index("The need:") < page.index("Three in five of our")


@pytest.mark.slow
def test_the_plan_page_has_the_before_during_after_table_and_the_hours(site: Path) -> None:
    page = text_of(site / "plan.html")
    for label in ("Before the training", "During the training", "After the training"):
        assert label in page
    assert "Sit in on one coaching slot per team lead a month" in page
    # participants 240 x 5 h = 1,200 h; groups 4x2 + 2x6 + 24x8 + 4x6 = 236 h; at €32 an hour
    assert "1,200 hours" in page and "1,436 hours" in page and "€45,952" in page
    # Format 1.2: the time is counted in the cost the return is computed on (issue 26).
    assert COUNTED in page and "Budget: €168,000" in page


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
        "    ask:\n      - do: Release new starters for a morning\n"
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


# --- the handouts and the audiences, from the built output --------------------------------


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(path).pages))


@pytest.mark.slow
@pytest.mark.pdf
def test_the_need_opens_the_handout_and_the_map_is_drawn_in_it(site: Path) -> None:
    reader = pypdf.PdfReader(site / "handout.pdf")
    assert len(reader.pages) == 2
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert NEED in first and "from 39% today to 95%" in first
    assert first.index("Approve €168,000") < first.index("The need:") < first.index("THE KEY")
    text = pdf_text(site / "handout.pdf")
    # the impact map, in place of the plan's timeline chart, with the time it asks beside it
    assert "Do, at the moment that matters" in text and "Weeks from the start" not in text
    assert "Each participant: 5 hours away from the job, 1,200 hours in all" in text
    assert "1,436 hours, worth €45,952 at €32 an hour" in text
    assert COUNTED in text
    # the diagram is a figure of the tagged PDF, its alternative text naming the behaviours
    alts = [
        str(e.get("/Alt"))
        for e in struct_elements(reader)
        if str(e["/S"]) == "/Figure" and e.get("/Alt")
    ]
    assert any(alt.startswith("What people will do differently: " + ACTIONS[0]) for alt in alts)


# Each audience: the behaviours naming them, and the support entries naming them, in hours.
THEIRS = {
    "team-leads": (
        [ACTIONS[0]],
        ["Team leads, during the training", "24 × 8 hours = 192 hours", "€6,144"],
    ),
    "head-of-support": (
        ACTIONS[:2],
        [
            "Support managers, before the training",
            "4 × 2 hours = 8 hours",
            "4 × 6 hours = 24 hours",
        ],
    ),
    "workforce-planning": (
        ACTIONS[1:],
        ["Workforce planning, before the training", "2 × 6 hours = 12 hours", "€384"],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("audience", list(THEIRS))
def test_each_audience_page_says_what_their_people_will_do_differently(
    site: Path, audience: str
) -> None:
    """Format 1.2: the page leads with what we need from them (the hours asked of their
    people), and says what their people, and only theirs, will do differently."""
    actions, hours = THEIRS[audience]
    page = text_of(site / f"audience-{audience}.html")
    page = page[page.rindex("What we need from you") :]
    needed = page[: page.index("What you care about")]
    for words in hours:
        assert words in needed
    theirs = page[page.index("What your people will do differently") :]
    theirs = theirs[: theirs.index("The numbers that matter to you")]
    for action in actions:
        assert action in theirs
    for other in set(ACTIONS) - set(actions):
        assert other not in theirs
    # Never the whole programme's time (240 participants x 5 hours = 1,200 hours): the
    # example gives no audience its `participants`, so a head is told their groups' time.
    assert f"{240 * 5:,} hours" not in page
    assert COUNTED in page


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("audience", list(THEIRS))
def test_each_audience_handout_leads_with_what_their_people_will_do_differently(
    site: Path, audience: str
) -> None:
    actions, hours = THEIRS[audience]
    reader = pypdf.PdfReader(site / f"handout-{audience}.pdf")
    assert len(reader.pages) == 2
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert NEED in first
    start = first.index("What your people will do differently")
    assert first.index("Approve €168,000") < start < first.index("WHAT YOU CARE ABOUT")
    mine = first[start : first.index("WHAT YOU CARE ABOUT")]
    for action in actions:
        assert action in mine
    for words in hours:
        assert words in mine
    assert "The time it asks of your people:" in mine and "5 hours away from the job" in mine
    assert COUNTED in mine


@pytest.mark.slow
@pytest.mark.pdf
def test_our_own_data_is_listed_beside_the_survey_never_as_research(site: Path) -> None:
    page = text_of(site / "evidence.html")
    page = page[page.index("Every figure in this proposal") :]
    own, research = page.index("Our own data"), page.index("External research")
    assert page.index("Velora support team survey") < own < research
    # cited with its year once: the source's name already ends with it (issue 31)
    internal = "Velora ticketing system, repeat-contact report for July to September 2026"
    assert own < page.index(internal) < research
    assert f"{internal}, 2026" not in page
    assert page.index("Promote, survey of its certified") > research
    handout = pdf_text(site / "handout.pdf")
    assert "Our own data: Velora ticketing system, repeat-contact report" in handout
    assert "Our own data: Promote" not in handout
    # a figure from our own records is cited as such where it is quoted on the site
    risks = (site / "risks.html").read_text(encoding="utf-8")
    assert "our own data: Velora ticketing system" in html.unescape(risks)


def test_an_internal_source_is_not_research_in_the_model() -> None:
    case = build_case(check_proposal(SUPPORT)[0], SUPPORT.name)
    assert case.figures["repeat-contacts"].internal
    assert not case.figures["virtual-sessions"].internal
    [edition] = [e for e in case.editions if e.audience is None]
    assert [s.internal for s in edition.sources if not s.survey] == [False, True]


def test_the_reference_proposal_is_untouched_by_version_1_1(tmp_path: Path) -> None:
    case = build_case(check_proposal(PROPOSALS / "social-media-training")[0], "r")
    assert case.impact.rows == [] and case.impact.need is None
    assert all(a.impact is not None and a.impact.rows == [] for a in case.audiences)


# --- the schema and the skeleton -------------------------------------------------------


def test_the_schema_covers_version_1_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "schema")
    schema = yaml.safe_load(out)
    assert code == 0
    defs = schema["$defs"]
    for name in ("need", "behaviours", "support"):
        assert name in schema["properties"]
    assert set(defs["Need"]["properties"]) == {
        "gap", "metric", "current", "desired", "cause", "causes", "seen_doing_it", "evidence"
    }  # fmt: skip
    assert defs["Need"]["required"] == ["gap"]
    assert {"id", "who", "moment", "action", "instead_of", "learns", "benefits",
            "audiences", "notes"} == set(defs["Behaviour"]["properties"])  # fmt: skip
    assert set(defs["Behaviour"]["required"]) == {"id", "who", "moment", "action", "benefits"}
    assert {"who", "when", "does", "people", "hours"} <= set(defs["Support"]["properties"])
    when = defs["Support"]["properties"]["when"]
    enums = [e for choice in [when, *when.get("anyOf", [])] for e in choice.get("enum", [])]
    assert {"before", "during", "after"} <= set(enums)
    request = defs["Request"]["properties"]
    assert "hours_per_participant" in request and "hourly_cost" in request
    assert defs["Evidence"]["properties"]["internal"]["type"] == "boolean"


def uncomment(text: str) -> str:
    """The skeleton with its commented examples of version 1.1 (and evidence) switched on."""
    out, block = [], False
    for line in text.splitlines():
        if re.match(r"^# (need|evidence|behaviours|support):", line):
            block = True
            out.append(line[2:])
        elif block and line.startswith("#   "):
            out.append(line[2:])
        else:
            block = False
            m = re.match(r"^  # (hours_per_participant|hourly_cost):", line)
            out.append("  " + line[4:] if m else line)
    return "\n".join(out) + "\n"


@pytest.mark.slow
def test_the_skeleton_shows_every_addition_and_each_example_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "new", "demo")[0] == 0
    path = tmp_path / "proposals" / "demo" / "proposal.yaml"
    text = path.read_text()
    for example in ("# need:", "# behaviours:", "# support:", "# hours_per_participant:",
                    "# hourly_cost:", "#     internal: true"):  # fmt: skip
        assert example in text, example
    assert run_cli(capsys, "check", "--strict")[0] == 0  # as written
    path.write_text(uncomment(text))
    code, out, err = run_cli(capsys, "check", "--strict")
    assert (code, err) == (0, ""), out + err  # and with every example switched on
    proposal = check_proposal(path.parent)[0]
    assert proposal.need is not None and proposal.need.cause == "skills"
    assert [b.id for b in proposal.behaviours] == ["hold-one-to-ones"]
    assert [s.when for s in proposal.support] == ["before", "after"]
    assert proposal.request is not None and proposal.request.hourly_cost == 45
    assert [e.internal for e in proposal.evidence] == [False, True]


# --- each rule of format 1.1, one unit test apiece ----------------------------------------


@pytest.mark.parametrize("cause", ["motivation", "process", "tools", "management"])
def test_each_cause_training_alone_cannot_fix_warns_without_managers(
    workspace: Path, capsys: pytest.CaptureFixture[str], cause: str
) -> None:
    text = MINIMAL + f"need:\n  gap: A gap\n  cause: {cause}\n"
    [warning] = warnings_of(capsys, write_proposal(workspace, text, slug=cause))
    assert f"need.cause: this need may not be a training need: its cause is '{cause}'" in warning


@pytest.mark.parametrize("cause", ["skills", "knowledge", "confidence"])
def test_a_cause_training_can_fix_does_not_warn(
    workspace: Path, capsys: pytest.CaptureFixture[str], cause: str
) -> None:
    text = MINIMAL + f"need:\n  gap: A gap\n  cause: {cause}\n  seen_doing_it: false\n"
    assert warnings_of(capsys, write_proposal(workspace, text, slug=cause)) == []


def test_support_without_managers_does_not_answer_the_need_warning(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = NEED_NOT_TRAINING.replace("motivation", "process") + (
        "support:\n  - who: The HR team\n    when: after\n    does: Send a reminder\n"
    )
    [warning] = warnings_of(capsys, write_proposal(workspace, text))
    assert "need.cause: this need may not be a training need" in warning
    for who in ("Line managers", "Team leaders", "Supervisors"):
        fixed = text.replace("The HR team", who)
        slug = who.lower().replace(" ", "-")
        assert warnings_of(capsys, write_proposal(workspace, fixed, slug=slug)) == []


def test_a_warning_of_format_1_1_is_an_error_with_strict(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, NEED_NOT_TRAINING)
    code, out, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 1 and "error: need.cause: this need may not be a training need" in out + err


def test_an_internal_source_still_gets_the_staleness_warning(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL.replace(
        "    goals: [retention]\n", "    goals: [retention]\n    evidence: [hr]\n", 1
    )
    text += (
        "evidence:\n  - id: hr\n    label: of leavers left in their first year\n"
        "    value: 40%\n    source: HR records\n    year: 2019\n    internal: true\n"
    )
    [warning] = warnings_of(capsys, write_proposal(workspace, text))
    assert "evidence[0].year: evidence 'hr' is from 2019" in warning


def test_a_support_entry_naming_an_unknown_audience_is_a_located_error(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL + (
        "audiences:\n  - id: hr\n    title: HR\n    cares_about: [retention]\n    message: Hi\n"
        "support:\n  - who: Managers\n    when: after\n    does: Check in\n"
        "    audiences: [h-r]\n"
    )
    code, out, err = run_cli(capsys, "check", str(write_proposal(workspace, text)))
    assert code == 1
    assert re.search(
        r"proposal\.yaml:27:17: error: support\[0\]\.audiences\[0\]: no audience has the id "
        r"'h-r'",
        out + err,
    )


def test_need_desired_must_be_the_kind_of_current(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL + "need:\n  gap: A gap\n  current: 33%\n  desired: 90\n"
    code, out, err = run_cli(capsys, "check", str(write_proposal(workspace, text)))
    assert code == 1
    assert "need.desired: current is a percent, so desired must be a percent too" in out + err
