"""Issue 26, format 1.2: the warnings of people's time that cannot be costed and of a long
horizon over which every benefit lasts at full value, the error of a `decay` of 100%, and
`results.ask` shown with the recommendation, first, on the results handout and the
report-back deck; the portfolio's status once a proposal has results.

The warnings run through the command line (`check`), as an author meets them; the
results' outputs are rendered in-process for the fast tier, and built through the command
line (the PDF read back) in the slow one."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pypdf
import pytest

from buildcase.cli import main
from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.i18n import language
from buildcase.render.case import render_case
from buildcase.render.environment import environment_for
from buildcase.render.formatting import Formatter
from buildcase.render.portfolio import portfolio_row, render_portfolio
from buildcase.workspace import template_dirs

from .conftest import MINIMAL, ROOT, run_cli, write_proposal

# --- the warnings, through `check` ----------------------------------------------------------

SUPPORT = """\
support:
  - who: Managers
    when: after
    does: Check in with each starter two weeks later
    people: 40
    hours: 2
"""


def check(workspace: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str]:
    folder = write_proposal(workspace, text)
    code, _, err = run_cli(capsys, "check", str(folder))
    return code, err


def lines_about(err: str, field: str) -> list[str]:
    return [line for line in err.splitlines() if f": {field}: " in line]


def test_hours_without_an_hourly_cost_are_warned_of_with_every_group_and_its_numbers(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = "request:\n  participants: 1200\n  hours_per_participant: 6\n"
    code, err = check(workspace, capsys, MINIMAL + request + SUPPORT)
    assert code == 0, err
    # One warning, at the first hours written, naming both groups: 1,200 x 6 h and 40 x 2 h.
    assert lines_about(err, "request.hours_per_participant") == [
        "proposals/p/proposal.yaml:20:26: warning: request.hours_per_participant: the time of "
        "1,200 people for 6 hours each and of 40 people for 2 hours each (Managers) is not "
        "costed: give `request.hourly_cost` (what an hour of their time costs, with its "
        "on-costs), or a `support` entry's own `hourly_cost`, and it is counted in the cost "
        "the return is computed on"
    ]
    assert lines_about(err, "support[0].hours") == []
    assert "guide: buildcase guide time-cost" in err


def test_an_hourly_cost_silences_it_and_a_groups_own_rate_counts_for_that_group(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = "request:\n  participants: 1200\n  hours_per_participant: 6\n  hourly_cost: 38\n"
    code, err = check(workspace, capsys, MINIMAL + request + SUPPORT)
    assert (code, "not costed" in err, "time-cost" in err) == (0, False, False), err
    # Without the request's rate, the managers' own rate costs theirs; the participants' stay
    # uncosted, and only they are named.
    own = SUPPORT + "    hourly_cost: 55\n"
    request = "request:\n  participants: 1200\n  hours_per_participant: 1.5\n"
    _, err = check(workspace, capsys, MINIMAL + request + own)
    assert lines_about(err, "request.hours_per_participant") == [
        "proposals/p/proposal.yaml:20:26: warning: request.hours_per_participant: the time of "
        "1,200 people for 1.5 hours each is not costed: give `request.hourly_cost` (what an "
        "hour of their time costs, with its on-costs), and it is counted in the cost the "
        "return is computed on"
    ]


def test_support_hours_alone_are_warned_of_at_the_entry(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, err = check(workspace, capsys, MINIMAL + SUPPORT)
    assert [line.split(": warning: ")[1] for line in lines_about(err, "support[0].hours")] == [
        "support[0].hours: the time of 40 people for 2 hours each (Managers) is not costed: "
        "give `request.hourly_cost` (what an hour of their time costs, with its on-costs), or "
        "a `support` entry's own `hourly_cost`, and it is counted in the cost the return is "
        "computed on"
    ]


def test_hours_without_the_number_of_people_who_give_them(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = "request:\n  hours_per_participant: 6\n  hourly_cost: 30\n"
    support = SUPPORT.replace("    people: 40\n", "")
    _, err = check(workspace, capsys, MINIMAL + request + support)
    assert [line.split(": warning: ")[1] for line in err.splitlines() if "how many" in line] == [
        "request.hours_per_participant: 6 hours each, but of how many participants? Give "
        "`request.participants`: until then their time is not counted in the cost",
        "support[0].hours: 2 hours each, but of how many people (Managers)? Give this "
        "entry's `people`: until then their time is not counted in the cost",
    ]
    fixed = "request:\n  participants: 50\n  hours_per_participant: 6\n  hourly_cost: 30\n"
    _, err = check(workspace, capsys, MINIMAL + fixed + SUPPORT)
    assert "how many" not in err and "not costed" not in err, err


def test_participants_without_their_hours_where_an_hour_has_a_cost(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = "request:\n  participants: 1200\n  hourly_cost: 38\n"
    _, err = check(workspace, capsys, MINIMAL + request)
    assert [line.split(": warning: ")[1] for line in lines_about(err, "request.participants")] == [
        "request.participants: the time of 1,200 participants cannot be costed: give "
        "`request.hours_per_participant` (the hours each spends away from work); an hour of "
        "their time costs 38 USD (`request.hourly_cost`), so their time is part of the cost"
    ]
    # Without an hourly cost, a count of participants asks for nothing (a 1.0 proposal).
    _, err = check(workspace, capsys, MINIMAL + "request:\n  participants: 1200\n")
    assert lines_about(err, "request.participants") == []


def test_a_time_cost_with_no_time_to_count(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, err = check(workspace, capsys, MINIMAL + "financials:\n  time_cost: counted\n")
    assert [line.split(": warning: ")[1] for line in lines_about(err, "financials.time_cost")] == [
        "financials.time_cost: `time_cost: counted`, but no one's time is costed: give "
        "`request.hours_per_participant` and `request.hourly_cost` (and, for the support "
        "around the training, each `support` entry's `people` and `hours`)"
    ]
    request = "request:\n  participants: 10\n  hours_per_participant: 6\n  hourly_cost: 30\n"
    _, err = check(workspace, capsys, MINIMAL + request + "financials:\n  time_cost: counted\n")
    assert "time-cost" not in err, err


VALUED = MINIMAL.replace(
    "    goals: [retention]\nrisks:", "    goals: [retention]\n    annual_value: 20000\nrisks:"
)


@pytest.mark.parametrize("years", [3, 5])
def test_a_horizon_over_two_years_where_every_benefit_lasts_it_at_full_value(
    workspace: Path, capsys: pytest.CaptureFixture[str], years: int
) -> None:
    _, err = check(workspace, capsys, VALUED + f"financials:\n  horizon_years: {years}\n")
    assert [
        line.split(": warning: ")[1] for line in lines_about(err, "financials.horizon_years")
    ] == [
        f"financials.horizon_years: every benefit is counted for all {years} years at its "
        "full value: give `lasts` (how long the gain lasts once it starts) or `decay` (the "
        "share of its value it loses each year) to the benefits that fade, as people move on "
        "and habits slip"
    ]
    assert "guide: buildcase guide benefits-over-years" in err


@pytest.mark.parametrize(
    ("horizon", "benefit"),
    [
        (2, ""),  # two years at full value: fair enough, no warning
        (3, "    lasts: 18 months\n"),
        (3, "    decay: 20%\n"),
        (3, "    lasts: 10 years\n"),  # longer than the horizon: fine
    ],
    ids=["two-years", "lasts", "decay", "lasts-beyond-the-horizon"],
)
def test_the_horizon_warning_is_silent_where_a_benefit_says_how_long_it_lasts(
    workspace: Path, capsys: pytest.CaptureFixture[str], horizon: int, benefit: str
) -> None:
    text = VALUED.replace("    annual_value: 20000\n", "    annual_value: 20000\n" + benefit)
    code, err = check(workspace, capsys, text + f"financials:\n  horizon_years: {horizon}\n")
    assert code == 0 and "horizon_years" not in err, err


def test_a_decay_of_100_percent_is_an_error_and_99_is_not(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = VALUED.replace("    annual_value: 20000\n", "    annual_value: 20000\n    decay: 100%\n")
    code, err = check(workspace, capsys, text)
    assert code == 1
    assert lines_about(err, "benefits[0].decay") == [
        "proposals/p/proposal.yaml:15:12: error: benefits[0].decay: a decay of 100% leaves "
        "nothing of the gain after its first year: `decay` must be below 100%; for a gain "
        "that stops, write `lasts` (`lasts: 1 year`)"
    ]
    code, err = check(workspace, capsys, text.replace("decay: 100%", "decay: 99%"))
    assert code == 0 and "decay" not in err, err


# --- results.ask -----------------------------------------------------------------------------

PLAN = """\
title: Sales coaching
organization: Northwind
prepared_by: {name: Dana Reyes, role: Head of L&D}
date: 2026-11-22
summary: Coach every seller.
request: {budget: 184000, participants: 1200, duration: 16 weeks}
goals:
  - {id: growth, title: Grow}
benefits:
  - {id: ambassadors, title: Ambassadors, goals: [growth], annual_value: 240000}
risks:
  - {title: A crisis, likelihood: 20%, impact: 1500000}
"""

RESULTS = """\
results:
  as_of: 2027-09-30
  stage: pilot
  trained: 40
  spent: 9300
  benefits:
    - {benefit: ambassadors, annual_value: 6000}
  recommendation: fix
  note: Scale only with the manager check-in
  ask:
    budget: 60000
    participants: 120
    by: 2027-10-31
    condition: Only with the weekly manager check-in in every team
"""

ASK = (
    "We now ask: $60,000 for 120 more people, by 31 October 2027, on one condition: "
    "Only with the weekly manager check-in in every team"
)
RECOMMENDATION = "Our recommendation: fix it, then go on"


def text_of(markup: str) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    raw = re.sub(r"<aside class=\"notes\">.*?</aside>", " ", raw, flags=re.S)
    raw = re.sub(r"</?(?:span|strong|em|a)\b[^>]*>", "", raw)  # inline: no space in the text
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).strip()


def rendered(workspace: Path, text: str) -> tuple[str, str]:
    """The results handout's HTML and the report-back deck's, rendered in-process."""
    folder = write_proposal(workspace, text)
    proposal, _ = check_proposal(folder)
    case = build_case(proposal, folder.name)
    out = render_case(case, template_dirs(folder, ROOT), "a4", "")
    return out.handouts["results.pdf"], out.decks["present-results.html"]


def test_the_ask_comes_with_the_recommendation_before_any_figure(workspace: Path) -> None:
    handout, deck = rendered(workspace, PLAN + RESULTS)
    page = text_of(handout)
    assert f"{RECOMMENDATION} {ASK} Scale only with the manager check-in" in page
    assert page.index(ASK) < page.index("Promised against achieved")
    slides = text_of(deck)
    # The title slide: the recommendation, then the ask; and again on the closing slide.
    assert f"{RECOMMENDATION} {ASK}" in slides
    assert slides.index(ASK) < slides.index("Promised against achieved")
    assert slides.count(ASK) == 2


@pytest.mark.parametrize(
    ("ask", "said"),
    [
        ("  ask: {budget: 60000}\n", "We now ask: $60,000"),
        ("  ask: {participants: 1}\n", "We now ask: training for 1 more person"),
        ("  ask: {by: 2027-10-31}\n", "We now ask: a decision, by 31 October 2027"),
        ("  ask: {condition: Only with managers}\n", "We now ask: a decision, on one condition: Only with managers"),
    ],
    ids=["budget", "participants", "by", "condition"],
)  # fmt: skip
def test_each_part_of_the_ask_is_optional(workspace: Path, ask: str, said: str) -> None:
    results = RESULTS[: RESULTS.index("  ask:")] + ask
    handout, _ = rendered(workspace, PLAN + results)
    page = text_of(handout)
    assert f"{RECOMMENDATION} {said} Scale only" in page


def test_without_an_ask_nothing_is_asked(workspace: Path) -> None:
    handout, deck = rendered(workspace, PLAN + RESULTS[: RESULTS.index("  ask:")])
    assert "We now ask" not in handout and "We now ask" not in deck


def test_the_ask_in_german(workspace: Path) -> None:
    german = PLAN.replace("summary:", "language: de\ncurrency: EUR\nsummary:")
    handout, deck = rendered(workspace, german + RESULTS)
    said = (
        "Wir bitten jetzt um: 60.000 € für 120 weitere Personen, bis 31. Oktober 2027, unter "
        "einer Bedingung: Only with the weekly manager check-in in every team"
    )
    assert said in text_of(handout) and said in text_of(deck)


def test_the_sites_macro_says_the_same(workspace: Path) -> None:
    """templates/site/_results_ask.j2, as the results page includes it."""
    folder = write_proposal(workspace, PLAN + RESULTS)
    proposal, _ = check_proposal(folder)
    assert proposal.results is not None
    env = environment_for([ROOT / "templates"])
    template = env.from_string(
        '{% from "site/_results_ask.j2" import results_ask with context %}{{ results_ask(ask) }}'
    )
    fmt = Formatter("USD", language("en"))
    out = template.render(ask=proposal.results.ask, fmt=fmt, _=language("en").gettext)
    assert out.startswith('<p class="bc-recommendation__ask">')
    assert text_of(out) == ASK


# --- the portfolio ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "lang", "status"),
    [
        ("pilot", "en", "Pilot reported"),
        ("roll-out", "en", "Roll-out reported"),
        ("complete", "en", "Complete"),
        ("pilot", "de", "Pilotprojekt ausgewertet"),
    ],
)
def test_the_portfolio_status_reads_what_the_results_report(
    stage: str, lang: str, status: str
) -> None:
    results = {
        "stage": stage, "as_of": "2027-03-31", "roi_promised": 148.0, "roi_achieved": 115.0,
        "recommendation": "fix",
    }  # fmt: skip
    entry = {"title": "T", "organization": "O", "handouts": [], "lang": lang,
             "status": "approved", "results": results}  # fmt: skip
    row = portfolio_row(entry)
    assert (row["status"], row["status_text"]) == ("reported", status)
    page = render_portfolio({"t": entry}, [ROOT / "templates"])
    assert f'<span class="status status--reported">{status}</span>' in page
    # Without results, the campaign's decision, as before.
    before = portfolio_row({**entry, "results": None})
    assert before["status"] == "approved" and before["status_text"] in {"Approved", "Genehmigt"}


# --- built through the command line ----------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The proposal with results and an ask, and one without results, built into one
    output folder (so the portfolio lists both), through `buildcase build`."""
    workspace = tmp_path_factory.mktemp("ask")
    (workspace / "proposals").mkdir()
    write_proposal(workspace, PLAN + RESULTS, slug="reported")
    write_proposal(workspace, MINIMAL, slug="plain")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workspace)
        assert main(["build", "--out", str(workspace / "site")]) == 0
    return workspace / "site"


def pdf_text(path: Path) -> str:
    pages = pypdf.PdfReader(path).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pages))


@pytest.mark.slow
@pytest.mark.pdf
def test_the_results_handout_asks_first_with_the_recommendation(built: Path) -> None:
    text = pdf_text(built / "reported" / "results.pdf")
    assert RECOMMENDATION in text
    ask = text.index("We now ask:")
    assert text.index(RECOMMENDATION) < ask < text.index("Promised against achieved")
    # The PDF's text may break a line anywhere in the sentence: compare it without spaces.
    tight = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", ASK) in tight


@pytest.mark.slow
def test_the_report_back_deck_and_the_portfolio(built: Path) -> None:
    deck = text_of((built / "reported" / "present-results.html").read_text(encoding="utf-8"))
    assert f"{RECOMMENDATION} {ASK}" in deck
    index = (built / "index.html").read_text(encoding="utf-8")
    rows = text_of(index)
    assert "Pilot reported" in rows
    assert index.count("status--reported") == 2  # the style, and the one reported proposal
