"""Numbers a sceptical CFO cannot fault: the same outcome counted twice, a stat's population,
shares written as fractions, currency codes, contradictions between sections, and a census
shown as one. Checks by `check`, figures by compute, and what the pages and handout say,
rendered without the engines."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import Case, build_case
from buildcase.compute.statistics import margin_of_error
from buildcase.errors import ProposalInvalid
from buildcase.models.currencies import nearest_currencies
from buildcase.models.parsers import parse_percent_or_count
from buildcase.models.quantities import Percent
from buildcase.models.sections import Proposal
from buildcase.render.case import Rendered, render_case
from buildcase.validate.consistency import content_words, stem, when_in_months
from buildcase.workspace import template_dirs

from .conftest import MINIMAL, PROPOSALS, REFERENCE, write_proposal

SALES = PROPOSALS / "sales-enablement-journey"
SUPPORT = PROPOSALS / "support-coaching-programme"


def messages(folder: Path) -> list[str]:
    """Every problem `check` reports, as printed after the file's name."""
    try:
        _, found = check_proposal(folder)
    except ProposalInvalid as e:
        found = e.problems
    return [str(p).split(".yaml:", 1)[1] for p in found]


def check(workspace: Path, text: str) -> list[str]:
    return messages(write_proposal(workspace, text))


def model(folder: Path) -> Proposal:
    return check_proposal(folder)[0]


def rendered(folder: Path) -> tuple[Case, Rendered]:
    case = build_case(model(folder), folder.name)
    return case, render_case(case, template_dirs(folder, folder.parent.parent), "a4", "")


def text(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


BENEFIT_AND_RISK = """\
  - id: quality
    title: Safe care
survey:
  title: Ward survey
  conducted: 2026-09
  respondents: 400
  stats:
    - {{id: leaving, label: are thinking of leaving, value: 34%}}
benefits:
  - title: {benefit}
    goals: [retention, quality]
    evidence: [leaving]
    annual_value: 90000
risks:
  - title: {risk}
    goals: [{goal}]
    evidence: [{evidence}]
    likelihood: 40%
    impact: 200000
    reduction: 50%
"""


def with_benefit_and_risk(
    benefit: str, risk: str, goal: str = "retention", evidence: str = "leaving"
) -> str:
    head = MINIMAL.split("benefits:")[0]
    extra = BENEFIT_AND_RISK.format(benefit=benefit, risk=risk, goal=goal, evidence=evidence)
    return head + extra


# --- 1. double counting -----------------------------------------------------------------------


def test_a_valued_benefit_and_a_reduced_risk_with_the_same_goal_and_evidence(
    workspace: Path,
) -> None:
    found = check(workspace, with_benefit_and_risk("Nurses stay longer", "Turnover on wards"))
    assert found == [
        "30:16: warning: risks[0].reduction: benefits[0] 'Nurses stay longer' and this risk may "
        "count the same outcome twice: both serve the goal 'retention' and cite 'leaving'; the "
        "benefit's annual_value and the loss this reduction avoids are both added to the gain, "
        "so count it in one of them only"
    ]


def test_titles_naming_the_same_thing_are_counted_twice_too(workspace: Path) -> None:
    text_ = with_benefit_and_risk(
        "Fewer nurses leave", "Losing experienced nurses", goal="quality", evidence="leaving"
    ).replace("evidence: [leaving]\n    likelihood", "likelihood")
    found = check(workspace, text_)
    assert [m for m in found if "reduction" in m] == [
        "29:16: warning: risks[0].reduction: benefits[0] 'Fewer nurses leave' and this risk may "
        "count the same outcome twice: their titles share the word 'nurses'; the benefit's "
        "annual_value and the loss this reduction avoids are both added to the gain, so count "
        "it in one of them only"
    ]


def test_different_outcomes_are_not_flagged(workspace: Path) -> None:
    # a goal in common but no figure in common, and no word in common
    text_ = with_benefit_and_risk("Nurses stay longer", "A data breach", evidence="leaving")
    text_ = text_.replace("    evidence: [leaving]\n    likelihood", "    likelihood")
    assert check(workspace, text_) == []
    # a risk training does not reduce adds nothing to the gain
    text_ = with_benefit_and_risk("Nurses stay longer", "Nurses leave").replace(
        "    reduction: 50%\n", ""
    )
    assert check(workspace, text_) == []


def test_the_rule_on_words_is_stop_words_and_endings() -> None:
    assert stem("nurses") == stem("nurse") == "nurs"
    assert stem("leaving") == stem("leave") == stem("leavers")
    assert list(content_words("Fewer nurses leave")) == ["nurs", "leav"]
    assert content_words("Training for all our employees every year") == {}


# --- 2. populations ---------------------------------------------------------------------------

SURVEY = """\
survey:
  title: Pulse
  conducted: 2026-09
  respondents: 300
  population: 1500
  stats:
    - {id: asked, label: are asked, value: 65%}
    - {id: managers, label: of managers were never shown how, value: 62%, respondents: 38}
"""


def test_a_stat_with_its_own_respondents_does_not_borrow_the_survey_population(
    workspace: Path,
) -> None:
    folder = write_proposal(workspace, MINIMAL + SURVEY)
    assert messages(folder) == [
        "25:88: warning: survey.stats[1].respondents: stat 'managers' has its own respondents "
        "but no population of its own, so the survey's 1,500 is not assumed for it (nor in its "
        "margin of error); if its 38 were drawn from those 1,500, write `population: 1500`; if "
        "another group was asked, its size"
    ]
    figures = build_case(model(folder), "p").figures
    assert figures["managers"].population is None
    assert figures["managers"].margin == pytest.approx(margin_of_error(0.62, 38))
    assert figures["asked"].population == 1500  # the survey's n, the survey's population
    stated = MINIMAL + SURVEY.replace("respondents: 38}", "respondents: 38, population: 40}")
    folder = write_proposal(workspace, stated, slug="q")
    assert messages(folder) == []
    managers = build_case(model(folder), "q").figures["managers"]
    assert managers.margin == pytest.approx(margin_of_error(0.62, 38, 40))


def test_stats_computed_from_the_survey_data_keep_its_population() -> None:
    figures = build_case(model(SUPPORT), SUPPORT.name).figures
    assert figures["may-leave"].population == 240
    assert figures["leads-no-time"].population == 24


def test_respondents_above_the_population_are_said_once(workspace: Path) -> None:
    survey = SURVEY.replace("respondents: 300", "respondents: 3000").replace(
        ", respondents: 38}", "}"
    )
    found = check(workspace, MINIMAL + survey)
    assert found == [
        "21:16: error: survey.respondents: 3,000 respondents is more than the population of 1,500"
    ]


# --- 3. fractions -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.58, "0.58", " 0.58 "])
def test_a_fraction_where_a_percent_is_expected_names_the_percent(value: object) -> None:
    with pytest.raises(ValueError, match=r"for a share of 0\.58, write '58%'$"):
        parse_percent_or_count(value)


def test_a_stat_written_as_a_fraction(workspace: Path) -> None:
    stat = SURVEY.replace("value: 62%, respondents: 38", "value: 0.58, respondents: 38")
    found = check(workspace, MINIMAL + stat)
    assert found == [
        "25:70: error: survey.stats[1].value: expected a percent; for a share of 0.58, write '58%'"
    ]


def test_a_percent_under_one_percent_asks_whether_a_fraction_was_meant(workspace: Path) -> None:
    text_ = MINIMAL.replace("likelihood: 30%", "likelihood: {low: 0.2%, likely: 0.5%, high: 1%}")
    text_ += "financials: {discount_rate: 0.08%}\n"
    assert check(workspace, text_) == [
        "16:23: warning: risks[0].likelihood.low: 0.2% is under 1%; if a share of 0.2 was "
        "meant, write '20%'",
        "16:37: warning: risks[0].likelihood.likely: 0.5% is under 1%; if a share of 0.5 was "
        "meant, write '50%'",
        "18:29: warning: financials.discount_rate: 0.08% is under 1%; if a share of 0.08 was "
        "meant, write '8%'",
    ]


def test_zero_and_one_percent_are_not_doubted(workspace: Path) -> None:
    text_ = (
        MINIMAL.replace("likelihood: 30%", "likelihood: 1%") + "financials: {discount_rate: 0%}\n"
    )
    assert check(workspace, text_) == []


def test_a_measure_written_as_a_fraction(workspace: Path) -> None:
    text_ = MINIMAL + (
        "measures:\n  - {metric: Feel supported, baseline: 0.41, target: 75%, when: end of pilot}\n"
    )
    assert check(workspace, text_) == [
        "19:40: warning: measures[0].baseline: 0.41 is read as an amount of money (0.41 USD); "
        "if it is a share, write '41%'"
    ]


# --- 4. currency ------------------------------------------------------------------------------


def test_an_unknown_currency_names_the_nearest_codes(workspace: Path) -> None:
    assert check(workspace, MINIMAL + "currency: XYZ\n") == [
        "18:11: error: currency: 'XYZ' is not an ISO 4217 currency code; did you mean 'XAF', "
        "'XCD', 'XCG'?"
    ]
    assert nearest_currencies("GPB") == ["GBP"]  # two letters swapped
    assert nearest_currencies("EUE") == ["EUR"]


def test_a_lowercase_currency_is_still_read(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL + "currency: gbp\n")
    assert messages(folder) == [] and model(folder).currency == "GBP"


# --- 5. contradictions --------------------------------------------------------------------


def test_a_plan_that_does_not_add_up_to_the_duration_asked_for(workspace: Path) -> None:
    plan = (
        "plan:\n  - {phase: Pilot, duration: 6 weeks}\n  - {phase: Roll-out, duration: 3 months}\n"
    )
    found = check(workspace, MINIMAL + "request: {duration: 16 weeks}\n" + plan)
    assert found == [
        "20:3: warning: plan: the plan's phases add up to 19 weeks, but request.duration is 16 "
        "weeks; make them agree (the payback counts the gain as people are trained over "
        "request.duration)"
    ]
    # 6 weeks and 2 months are 14.7 weeks: within half a week of 15 weeks
    plan = plan.replace("3 months", "2 months")
    assert check(workspace, MINIMAL + "request: {duration: 15 weeks}\n" + plan) == []


PILOT = "request: {budget: 184000, pilot: {participants: 40, duration: 6 weeks, budget: 9000}}\n"


def test_a_pilot_inside_the_budget_cannot_cost_more_than_it(workspace: Path) -> None:
    dear = PILOT.replace("budget: 9000", "budget: 190000")
    assert check(workspace, MINIMAL + dear) == [
        "18:80: warning: request.pilot.budget: the pilot's 190,000 USD is more than the budget "
        "of 184,000 USD it is part of; if the pilot comes on top of the budget, write "
        "`included: false` in request.pilot"
    ]
    on_top = dear.replace("budget: 190000}", "budget: 190000, included: false}")
    assert check(workspace, MINIMAL + on_top) == []


def test_the_case_page_says_whether_the_pilot_is_part_of_the_budget(workspace: Path) -> None:
    _, pages = rendered(REFERENCE)
    assert "The pilot's $9,000 is part of the $184,000." in text(pages.pages["case.md"])
    folder = write_proposal(
        workspace, MINIMAL + PILOT.replace("budget: 9000}", "budget: 9000, included: false}")
    )
    case, pages = rendered(folder)
    assert case.total_cost == 184_000 + 9_000  # on top: the programme costs both
    assert "The pilot's $9,000 comes on top of the $184,000: $193,000 in all." in text(
        pages.pages["case.md"]
    )


def test_a_measure_due_after_the_horizon(workspace: Path) -> None:
    measures = "measures:\n  - {metric: Leavers, baseline: 58, target: 46, when: WHEN}\n"
    request = "request: {duration: 16 weeks, pilot: {participants: 10, duration: 6 weeks}}\n"
    late = MINIMAL + request + measures.replace("WHEN", "12 months after roll-out")
    assert check(workspace, late) == [
        "20:55: warning: measures[0].when: '12 months after roll-out' is about 16 months from "
        "the proposal's date, after the 1-year horizon the return is counted over; measure "
        "within it, or set `financials.horizon_years` to 2"
    ]
    assert check(workspace, late + "financials: {horizon_years: 2}\n") == []
    p = model(write_proposal(workspace, MINIMAL + request, slug="q"))  # dated 2026-11-01
    assert when_in_months(p, "end of roll-out") == pytest.approx(16 * 12 / 52)
    assert when_in_months(p, "two quarters after the pilot") == pytest.approx(6 * 12 / 52 + 6)
    assert when_in_months(p, "in 18 months") == 18
    assert when_in_months(p, "by 2028-03") == 16
    assert when_in_months(p, "June 2027") == 7
    assert when_in_months(p, "for hires who start after the pilot") is None


def test_the_examples_measure_within_reach_of_their_horizon() -> None:
    # the sales journey counts its return over three years
    assert not [m for m in messages(SALES) if "measures[" in m]


# --- 1 (pages). the gain as its two parts -------------------------------------------------------


def test_the_gain_is_shown_as_benefits_plus_losses_avoided() -> None:
    case, pages = rendered(SALES)
    lead = case.lead
    assert lead.annual_benefit and lead.avoided_loss
    line = "Value of the benefits + losses avoided = gain: $890,000 + $187,500 = $1,077,500 a year"
    assert line in text(pages.pages["case.md"])
    handout = "Gain a year = value of the benefits $890,000 + losses avoided $187,500"
    assert handout in text(pages.handouts["handout.pdf"])


def test_no_sum_where_there_is_no_loss_avoided() -> None:
    _, pages = rendered(REFERENCE)
    assert "losses avoided = gain" not in text(pages.pages["case.md"])


# --- 6. census --------------------------------------------------------------------------------


def test_a_census_says_all_answered_instead_of_a_margin() -> None:
    case, pages = rendered(SUPPORT)
    leads = case.figures["leads-no-time"]
    assert leads.census and leads.margin == 0
    evidence = text(pages.pages["evidence.md"])
    assert "all 24 answered" in evidence and "± 0.0 pts" not in evidence
    benefits = text(pages.pages["benefits.md"])
    assert "( all 24 answered )" in benefits and "n = 24" not in benefits
    handout = text(pages.handouts["handout.pdf"])
    assert (
        "of team leads say queue pressure leaves them no time to coach: 79%, all 24 answered"
        in handout  # the survey chart's text alternative
    )
    assert "all 24 answered." in handout  # its source note
    assert "± 0.0" not in handout and "n = 24" not in handout
    chart = re.search(
        r'<svg class="bc-chart bc-chart--survey".*?</svg>', pages.pages["evidence.md"], re.S
    )
    assert chart and "79%, all 24 answered" in chart[0]


def test_a_census_in_german() -> None:
    from buildcase.i18n import language
    from buildcase.render.formatting import Formatter

    assert Formatter("EUR", language("de")).census(1200) == "alle 1.200 haben geantwortet"


def test_not_every_small_survey_is_a_census() -> None:
    case = build_case(model(SUPPORT), SUPPORT.name)
    assert not case.figures["may-leave"].census
    assert Percent(79) == case.figures["leads-no-time"].value
