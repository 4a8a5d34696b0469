"""`buildcase guide` and the `guide:` line under every warning.

The command runs as a user runs it (`python -m buildcase guide ...`, with its own cache
folder), and the built guide is read back: each topic's page and section must be there.
Every warning the code can emit is made to fire here, by a proposal, and must name a
topic of the table; a scan of the source checks that no place that makes a warning was
left without a case.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import buildcase.commands.guide as guide
from buildcase.commands.guide import TOPICS, docs_folder, guide_site
from buildcase.errors import Problem

from .conftest import MINIMAL, ROOT, run_cli, write_proposal
from .test_cache_security import no_home

DOCS = ROOT / "docs"
PACKAGE = ROOT / "buildcase"
MUST_WORK = ROOT / "tests" / "bad" / "must-work"


def run_guide(cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buildcase", "guide", *args],
        cwd=cache.parent,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(cache), **env},
    )


def page_of(stdout: str) -> tuple[Path, str]:
    """The file and the section of the address the command printed."""
    match = re.fullmatch(r"(?:opened|the page is) (file://\S+)\n", stdout)
    assert match, stdout
    address = urlparse(match[1])
    return Path(unquote(address.path)), address.fragment


def ids_in(page: Path) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder shared by this module's runs of the command: the first one builds."""
    return tmp_path_factory.mktemp("cache")


# --- the command ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_topic_opens_its_page_at_its_section_quietly(cache: Path) -> None:
    done = run_guide(cache, "pilot-budget", "--no-open")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no MkDocs log, no banner: the build is quiet
    page, section = page_of(done.stdout)
    assert page.is_file() and page.name == "pilot.html" and page.parent.name == "how-to"
    assert page.is_relative_to(cache / "buildcase" / "guide")
    assert section == "3-give-it-its-own-budget-and-time"
    assert section in ids_in(page)
    assert "Give it its own budget and time" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_without_a_topic_it_opens_the_start_page_in_the_browser(cache: Path) -> None:
    # BROWSER=true: the browser is the command `true`, which "opens" the page and succeeds.
    done = run_guide(cache, BROWSER="true")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("opened file://")
    page, section = page_of(done.stdout)
    assert page.name == "index.html" and section == ""
    assert "Where to start" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_second_run_opens_the_same_build(cache: Path) -> None:
    first, _ = page_of(run_guide(cache, "format", "--no-open").stdout)
    built = first.stat().st_mtime_ns
    second, _ = page_of(run_guide(cache, "format", "--no-open").stdout)
    assert second == first and second.stat().st_mtime_ns == built
    assert len(list((cache / "buildcase" / "guide").iterdir())) == 1


def test_list_names_every_topic_with_its_title_and_builds_nothing(tmp_path: Path) -> None:
    done = run_guide(tmp_path / "cache", "--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(TOPICS)
    for line, topic in zip(lines, TOPICS.values(), strict=True):
        assert line.endswith(f"  {topic.title}")
    assert not (tmp_path / "cache" / "buildcase" / "guide").exists()


def test_an_unknown_topic_is_a_usage_error_naming_the_nearest(tmp_path: Path) -> None:
    done = run_guide(tmp_path / "cache", "pilot-budgte", "--no-open")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "buildcase: error: no guide topic 'pilot-budgte'; did you mean 'pilot-budget'? "
        "(`buildcase guide --list` lists them)\n"
    )
    far = run_guide(tmp_path / "cache", "zzz")
    assert far.returncode == 2 and "did you mean" not in far.stderr and "--list" in far.stderr


@pytest.mark.slow
def test_a_change_to_the_docs_rebuilds_the_guide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs, ignore=shutil.ignore_patterns("before"))
    monkeypatch.setattr(guide, "docs_folder", lambda: docs)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert run_cli(capsys, "guide", "pilot", "--no-open")[0] == 0
    old = guide_site()
    page = docs / "how-to" / "pilot.md"
    page.write_text(page.read_text() + "\nA sentence added since.\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "guide", "pilot", "--no-open")
    assert (code, err) == (0, "")
    new, _ = page_of(out)
    assert "A sentence added since." in new.read_text(encoding="utf-8")
    assert not old.exists()  # the outdated build is removed, not kept beside the new one
    assert [p.name for p in (tmp_path / "cache" / "buildcase" / "guide").iterdir()] == [
        new.relative_to(tmp_path / "cache" / "buildcase" / "guide").parts[0]
    ]


@pytest.fixture
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The guide's cache folder, made writable by every user: so not to be used."""
    shared = tmp_path / "cache" / "buildcase" / "guide"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return shared


@pytest.mark.slow
def test_a_cache_others_can_write_to_is_not_used(
    tmp_path: Path, shared_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = shared_cache
    code, out, _ = run_cli(capsys, "guide", "--no-open")
    page, _ = page_of(out)
    try:
        assert code == 0 and page.is_file()
        assert not page.is_relative_to(tmp_path / "cache")
        assert list(shared.iterdir()) == []
    finally:
        shutil.rmtree(page.parent, ignore_errors=True)  # the fresh temporary folder


@pytest.fixture
def stand_in_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guide built as a one-page stand-in, for the tests about where it is built and
    what is removed, where MkDocs' part is not the point."""

    def build(docs: Path, site: Path) -> None:
        (site / "index.html").write_text("the guide", encoding="utf-8")

    monkeypatch.setattr(guide, "build_guide", build)


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder, for this test alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A user's home, with folders that nothing `guide` does may remove."""
    home = tmp_path / "home"
    for name in HOME_FOLDERS:
        (home / name).mkdir(parents=True)
        (home / name / "keep.txt").write_text("mine")
    return home


HOME_FOLDERS = (".ssh", "Documents", "Photos")


def is_intact(home: Path) -> bool:
    return all((home / name / "keep.txt").read_text() == "mine" for name in HOME_FOLDERS)


def guide_folder_of(capsys: pytest.CaptureFixture[str]) -> Path:
    """`buildcase guide --no-open` run: the folder of the guide it points to."""
    code, out, err = run_cli(capsys, "guide", "--no-open")
    assert code == 0, err
    return page_of(out)[0].parent


@pytest.mark.parametrize("shared", [False, True], ids=["private", "others can write to it"])
def test_a_guide_folder_linked_to_home_is_not_used_and_home_is_left_alone(
    tmp_path: Path,
    home: Path,
    temporary: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stand_in_build: None,
    shared: bool,
) -> None:
    """Issue 33: with `guide` in the cache linked to the home folder, the clean-up of
    earlier builds removed every folder in the home."""
    (tmp_path / "cache" / "buildcase").mkdir(parents=True, mode=0o700)
    if shared:
        (tmp_path / "cache" / "buildcase").chmod(0o777)
    (tmp_path / "cache" / "buildcase" / "guide").symlink_to(home)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built_in = guide_folder_of(capsys).parent
    assert is_intact(home)
    assert sorted(p.name for p in home.iterdir()) == sorted(HOME_FOLDERS)
    assert built_in == temporary  # not the linked folder


def test_only_folders_the_guide_made_are_removed_from_its_cache(
    tmp_path: Path,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stand_in_build: None,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    earlier = guide_folder_of(capsys)
    (earlier / "assets").mkdir()
    (earlier / "assets" / "home").symlink_to(home)  # removed, never followed
    (earlier / "photos").symlink_to(home / "Photos")
    cache = earlier.parent
    (cache / "notes").mkdir()
    (cache / "notes" / "keep.txt").write_text("mine")
    unmarked = cache / "0123456789abcdef"  # as an older buildcase built them: not marked
    unmarked.mkdir()
    (unmarked / "index.html").write_text("an older guide")
    monkeypatch.setattr(guide, "docs_fingerprint", lambda docs: "fedcba9876543210")  # new docs
    now = guide_folder_of(capsys)
    assert now == cache / "fedcba9876543210"
    assert not earlier.exists()
    assert (cache / "notes" / "keep.txt").is_file() and (unmarked / "index.html").is_file()
    assert is_intact(home)


def test_without_a_cache_its_own_earlier_temporary_guides_are_removed_an_hour_on(
    shared_cache: Path,
    temporary: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    stand_in_build: None,
) -> None:
    old = guide_folder_of(capsys)
    recent = guide_folder_of(capsys)
    assert old.parent == recent.parent == temporary
    mine = temporary / "buildcase-guide-mine"  # named alike, not made by guide
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    link = temporary / "buildcase-guide-link"
    link.symlink_to(home)
    two_hours_ago = time.time() - 7200
    for folder in (old, mine):
        os.utime(folder, (two_hours_ago, two_hours_ago))
    os.utime(link, (two_hours_ago, two_hours_ago), follow_symlinks=False)
    newest = guide_folder_of(capsys)
    assert not old.exists()  # no browser reads it any more
    assert recent.exists() and newest.exists()  # one may still be reading these
    assert (mine / "keep.txt").is_file() and link.is_symlink() and is_intact(home)


def test_without_a_home_folder_the_guide_is_built_in_a_temporary_folder(
    temporary: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stand_in_build: None,
) -> None:
    no_home(monkeypatch)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert guide_folder_of(capsys).parent == temporary


# --- the table of topics ---------------------------------------------------------------------


@pytest.mark.slow
def test_every_topic_is_a_page_and_a_section_of_the_built_guide(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    site = guide_site()
    for name, topic in TOPICS.items():
        page = (site / topic.page).with_suffix(".html")
        assert page.is_file(), f"{name}: no page {topic.page}"
        assert not topic.anchor or topic.anchor in ids_in(page), f"{name}: no #{topic.anchor}"


def test_every_page_of_the_docs_has_a_topic() -> None:
    pages = {
        p.relative_to(DOCS).as_posix()
        for p in DOCS.rglob("*.md")
        if "before" not in p.parts and p.name != "index.md"
    }
    assert pages == {t.page for t in TOPICS.values() if not t.anchor}


def test_the_docs_are_found_from_a_clone(monkeypatch: pytest.MonkeyPatch) -> None:
    # With or without the package's buildcase.docs, a checkout finds its own docs/.
    assert docs_folder() == DOCS.resolve()
    monkeypatch.setattr(guide.importlib.util, "find_spec", lambda name: None)
    assert docs_folder() == DOCS.resolve()


# --- every warning names a topic -------------------------------------------------------------

SURVEY = """\
survey:
  title: Staff survey
  conducted: 2026-09
  stats:
    - id: asked
      label: of staff were asked
      value: 40%
"""

# Two department heads, each asked for something, with {a} and {b} of the participants.
HEADS = """\
audiences:
  - id: ops
    title: Head of Operations
    cares_about: [output]
    message: Your teams keep their starters
    participants: {a}
    ask:
      - do: Release your starters for a morning
  - id: hr
    title: Head of HR
    cares_about: [retention]
    message: Fewer starters leave
    participants: {b}
    ask:
      - do: Share the leavers' exit interviews
"""

# A proposal for each warning: MINIMAL with what makes it fire, the start of the message,
# and the topic it must name. Cases under tests/bad/must-work are named by their folder.
CASES: dict[str, tuple[str, str, str]] = {
    "no-closing-notes": (  # issue 27: the deck's last words are the presenter's
        MINIMAL
        + "objections:\n  - {concern: No time, answer: Short sessions}\n"
        + "notes:\n  opening: Start with the survey.\n",
        "no `notes.closing`",
        "format",
    ),
    "stat-without-respondents": (
        MINIMAL + SURVEY,
        "stat 'asked' has no number of respondents",
        "margin-of-error",
    ),
    "small-sample": (
        MINIMAL + SURVEY.replace("  stats:", "  respondents: 20\n  stats:"),
        "stat 'asked' rests on 20 respondents",
        "small-sample",
    ),
    "old-evidence": (
        MINIMAL
        + "evidence:\n  - {id: study, label: x, value: 10%, source: A study, year: 2015}\n",
        "evidence 'study' is from 2015",
        "recent-evidence",
    ),
    "goal-unserved": (
        MINIMAL.replace("benefits:", "  - id: alone\n    title: Alone\nbenefits:"),
        "no benefit serves the goal 'alone'",
        "leader-goals",
    ),
    "risk-without-size": (
        MINIMAL.replace("    likelihood: 30%\n    impact: 10000\n", ""),
        "this risk has neither likelihood nor impact",
        "cost-of-doing-nothing",
    ),
    "costs-and-budget": (
        MINIMAL + "request: {budget: 5000}\ncosts:\n  - {item: Design, amount: 4000}\n",
        "the costs add up to 4,000 USD",
        "adds-up",
    ),
    "raw-html": (
        MINIMAL.replace("Train new starters.", "Train <b>new</b> starters."),
        "raw HTML is not allowed in text",
        "values",
    ),
    "refused-link": (
        MINIMAL.replace("Train new starters.", "Train [new](javascript:alert) starters."),
        "a link to 'javascript:' is not allowed",
        "values",
    ),
    "audience-column": (
        MINIMAL
        + "audiences:\n  - id: hr\n    title: HR\n    cares_about: [Retention]\n"
        "    message: They stay.\n    goals: [retention]\n",
        "audience 'hr' gets no risk",
        "audiences",
    ),
    "not-a-training-need": (
        MINIMAL + "need:\n  gap: They do not fill in timesheets\n  cause: motivation\n",
        "this need may not be a training need",
        "training-need",
    ),
    "benefit-without-behaviour": (
        MINIMAL.replace("risks:", "  - id: faster\n    title: Faster\n    goals: [retention]\nrisks:")
        + "behaviours:\n  - id: ask\n    who: Starters\n    moment: Day one\n"
        "    action: Ask for help\n    benefits: [faster]\n",
        "no behaviour leads to this benefit",
        "behaviours",
    ),
    "nothing-after": (
        MINIMAL + "support:\n  - {who: Managers, when: before, does: Brief them}\n",
        "nothing is planned for `after`",
        "follow-up",
    ),
    "percent-under-one": (
        MINIMAL.replace("likelihood: 30%", "likelihood: 0.5%"),
        "0.5% is under 1%",
        "adds-up",
    ),
    "double-counting-shared-goal-and-evidence": ("", "may count the same outcome twice", "double-counting"),
    "measure-as-fraction": ("", "0.41 is read as an amount of money", "adds-up"),
    "plan-longer-than-request": ("", "the plan's phases add up to", "adds-up"),
    "pilot-budget-above-budget": ("", "the pilot's 9,000 USD is more than", "pilot-budget"),
    "measure-after-horizon": ("", "'12 months after roll-out' is about 16 months", "measure-in-time"),
    "results-as-of": ("", "the results are dated", "write-results"),
    "results-trained": ("", "150 trained is more than", "write-results"),
    "results-spent": ("", "70,000 USD spent is more than", "write-results"),
    "stat-respondents-without-population": ("", "has its own respondents but no population", "margin-of-error"),
    "misnamed-section-file": (MINIMAL, "this file is not read; did you mean benefits.yaml?", "section-files"),
    "audiences-more-participants": (
        MINIMAL + "request:\n  participants: 100\n" + HEADS.format(a=80, b=40),
        "the audiences' `participants` add up to 120, more than the 100", "department-asks",
    ),
    "approved-asks-nothing": (
        MINIMAL + "request:\n  budget: 9000\n  approved: 2026-10-01\n",
        "the budget is approved and no audience has an `ask`", "budget-approved",
    ),
    "handout-too-long": (  # 12 benefits of 2,990 characters: the bound proves it, unlaid out
        MINIMAL.replace(
            "  - title: New starters stay longer\n    goals: [retention]\n",
            "".join(
                f"  - title: Benefit {i}\n    detail: {'Starters stay. ' * 199}\n"
                "    goals: [retention]\n" for i in range(12)
            ),
        ),
        "handout.pdf runs to at least", "handout-length",
    ),
    "attribution-above-closable": (
        MINIMAL.replace("    goals: [retention]\n", "    goals: [retention]\n    attribution: 90%\n", 1)
        + "need:\n  gap: Starters leave\n  causes:\n    - {cause: skills, share: 60%}\n"
        "    - {cause: management, share: 40%}\n",
        "90% of this gain is credited to training, but training can close 60%", "need-causes",
    ),
    "time-not-costed": (
        "", "the time of 1,200 people for 6 hours each and of 40 people for 2 hours each "
        "(Managers) is not costed: give `request.hourly_cost`", "time-cost",
    ),
    "participants-without-hours": ("", "the time of 1,200 participants cannot be costed", "time-cost"),
    "hours-without-participants": (
        MINIMAL + "request:\n  hours_per_participant: 6\n  hourly_cost: 30\n",
        "6 hours each, but of how many participants? Give `request.participants`:", "time-cost",
    ),
    "support-hours-without-people": (
        MINIMAL + "support:\n  - {who: Managers, when: after, does: Check in, hours: 1.5}\n",
        "1.5 hours each, but of how many people (Managers)? Give this entry's `people` and an "
        "`hourly_cost`", "time-cost",
    ),
    "time-cost-without-time": (
        MINIMAL + "financials:\n  time_cost: shown\n",
        "`time_cost: shown`, but no one's time is costed", "time-cost",
    ),
    "benefits-last-the-horizon": (
        "", "every benefit is counted for all 3 years at its full value", "benefits-over-years",
    ),
    "logo-vanishes-on-the-header": ("", "the logo is drawn mostly in #0b6e4f", "format"),
}  # fmt: skip


def case_folder(workspace: Path, name: str, text: str) -> Path:
    if name.startswith("results-"):
        name = "results-warnings"
    if not text:
        return Path(shutil.copytree(MUST_WORK / name, workspace / "proposals" / name))
    folder = write_proposal(workspace, text, slug=name)
    if name == "misnamed-section-file":
        (folder / "benefit.yaml").write_text("- title: x\n")
    return folder


def warnings_with_topics(err: str) -> Iterator[tuple[str, str]]:
    """Each warning line of `check`'s output and the topic on the line beneath it."""
    lines = err.splitlines()
    for i, line in enumerate(lines):
        if ": warning: " in line or ": error: " in line:
            beneath = lines[i + 1] if i + 1 < len(lines) else ""
            topic = re.fullmatch(r"    guide: buildcase guide (\S+)", beneath)
            yield line, topic[1] if topic else ""


@pytest.fixture
def made_at() -> Iterator[set[tuple[str, int]]]:
    """Where each warning made while the fixture is in use was made: the file and line of
    the call to `warn`, or of the Problem itself where a module makes it directly."""
    places: set[tuple[str, int]] = set()
    original = Problem.__post_init__

    def record(self: Problem) -> None:
        original(self)
        if self.severity == "warning":
            frame = sys._getframe(2)
            while frame.f_code.co_name == "warn":
                frame = frame.f_back  # type: ignore[assignment]
            places.add((frame.f_code.co_filename, frame.f_lineno))

    Problem.__post_init__ = record  # type: ignore[method-assign]
    try:
        yield places
    finally:
        Problem.__post_init__ = original  # type: ignore[method-assign]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("strict", [False, True], ids=["warning", "strict"])
def test_each_warning_names_a_topic_of_the_guide(
    workspace: Path, capsys: pytest.CaptureFixture[str], name: str, strict: bool
) -> None:
    text, message, topic = CASES[name]
    folder = case_folder(workspace, name, text)
    args = ["check", *(["--strict"] if strict else []), str(folder)]
    code, _, err = run_cli(capsys, *args)
    assert code == (1 if strict else 0), err
    found = [(line, t) for line, t in warnings_with_topics(err) if message in line]
    assert len(found) == 1, err
    line, named = found[0]
    assert (": error: " if strict else ": warning: ") in line
    assert named == topic and topic in TOPICS, err


def warning_sites() -> dict[tuple[str, int], int]:
    """Every call in buildcase/ that makes a warning: to a `warn` helper, or a Problem of
    severity "warning"; as (file, first line) -> last line."""
    sites: dict[tuple[str, int], int] = {}
    for path in PACKAGE.rglob("*.py"):
        if "templates" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "warn"]
        inside_helper = {id(n) for h in helpers for n in ast.walk(h)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in inside_helper:
                continue
            name = getattr(node.func, "id", None)
            words = [a.value for a in node.args if isinstance(a, ast.Constant)]
            words += [k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)]
            if name == "warn" or (name == "Problem" and "warning" in words):
                sites[(str(path), node.lineno)] = node.end_lineno or node.lineno
    return sites


def test_every_place_that_makes_a_warning_has_a_case(
    workspace: Path, capsys: pytest.CaptureFixture[str], made_at: set[tuple[str, int]]
) -> None:
    for name, (text, _, _) in CASES.items():
        run_cli(capsys, "check", str(case_folder(workspace, f"{name}", text)))
        shutil.rmtree(workspace / "proposals")
        (workspace / "proposals").mkdir()
    sites = warning_sites()
    assert len(sites) >= 20, sites  # the scan finds them
    missed = [
        f"{Path(file).relative_to(ROOT)}:{first}"
        for (file, first), last in sites.items()
        if not any(f == file and first <= line <= last for f, line in made_at)
    ]
    assert missed == [], f"warnings no case in CASES makes: {missed}"


@pytest.mark.slow
def test_build_prints_the_guide_line_under_a_warning(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL.replace("    likelihood: 30%\n    impact: 10000\n", ""))
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert list(warnings_with_topics(err)) == [
        (
            "proposals/p/proposal.yaml:15:5: warning: risks[0]: this risk has neither "
            "likelihood nor impact, so its size cannot be shown",
            "cost-of-doing-nothing",
        )
    ]
