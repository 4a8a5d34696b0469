"""What the outputs say where a choice is made (`compute.wording`), and the label catalogues
that turn each choice into text: the templates only print what they are given."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from buildcase.compute import Case, build_case
from buildcase.compute.money import SCENARIOS
from buildcase.compute.wording import action, margin_example, own_numbers, scenario_names
from buildcase.i18n import available_languages, language
from buildcase.load import load_proposal
from buildcase.models.plan import MOMENTS
from buildcase.models.sections import CAUSES
from buildcase.render.template_data import plain
from buildcase.validate import validate_proposal

from .conftest import MINIMAL, PROPOSALS, REFERENCE, ROOT, write_proposal

TEMPLATES = ROOT / "templates"


def case_of(folder: Path) -> Case:
    proposal, _ = validate_proposal(load_proposal(folder))
    return build_case(proposal, folder.name)


@pytest.fixture(scope="module")
def reference() -> Case:
    return case_of(REFERENCE)


@pytest.fixture(scope="module")
def ranged() -> Case:
    """Estimates given as ranges: the conservative case leads."""
    return case_of(PROPOSALS / "sales-enablement-journey")


@pytest.fixture(scope="module")
def coaching() -> Case:
    """Own records beside research, the hours asked, measures measured, an internal campaign."""
    return case_of(PROPOSALS / "support-coaching-programme")


# --- the choices ----------------------------------------------------------------------------


def test_the_decision_is_asked_in_the_fullest_sentence_its_figures_allow(reference: Case) -> None:
    d = reference.decision
    assert action(d) == "ask-gain-payback"
    assert action(dataclasses.replace(d, payback_months=None)) == "ask-gain"
    assert action(dataclasses.replace(d, annual_gain=None)) == "ask"
    assert action(dataclasses.replace(d, ask=None)) is None


def test_a_proposal_that_asks_for_nothing_has_no_decision_sentence(workspace: Path) -> None:
    case = case_of(write_proposal(workspace, MINIMAL))
    assert case.wording.action is None
    assert case.wording.has_money  # a risk's expected loss is a business case still


def test_ranges_lead_with_the_conservative_case_and_show_all_three(
    reference: Case, ranged: Case
) -> None:
    assert (ranged.wording.conservative, ranged.wording.scenario_names) == (
        True,
        ["conservative", "likely", "optimistic"],
    )
    assert (reference.wording.conservative, reference.wording.scenario_names) == (False, ["likely"])
    assert scenario_names(False) == ["likely"]


def test_the_return_is_shown_as_a_sum_only_where_it_has_both_parts(
    reference: Case, ranged: Case
) -> None:
    assert ranged.decision.avoided_loss and ranged.wording.gain_split
    assert not reference.decision.avoided_loss and not reference.wording.gain_split


def test_own_records_and_outside_research_are_told_apart_in_the_proposals_order(
    coaching: Case,
) -> None:
    w, evidence = coaching.wording, coaching.proposal.evidence
    assert [f.id for f in w.own_figures] == [e.id for e in evidence if e.internal]
    assert [f.id for f in w.research_figures] == [e.id for e in evidence if not e.internal]
    assert w.own_figures and w.research_figures
    assert all(f.internal for f in w.own_figures) and not any(
        f.internal for f in w.research_figures
    )


def test_the_margin_is_worked_through_on_the_surveys_first_figure(reference: Case) -> None:
    survey = reference.proposal.survey
    assert survey is not None
    first = reference.figures[survey.stats[0].id]
    assert reference.wording.margin_example == first and first.margin is not None


def test_a_census_has_no_margin_to_work_through(reference: Case) -> None:
    survey = reference.proposal.survey
    assert survey is not None
    first = reference.figures[survey.stats[0].id]
    everyone = dataclasses.replace(first, n=100, population=100, margin=None)
    case = dataclasses.replace(reference, figures={**reference.figures, first.id: everyone})
    assert everyone.census and margin_example(case) is None


def test_the_hours_table_starts_with_the_participants(coaching: Case) -> None:
    impact = coaching.impact
    assert impact.participants is not None
    assert coaching.wording.hours_rows == [impact.participants, *impact.groups]


def test_each_behaviour_names_the_department_heads_whose_people_do_it(coaching: Case) -> None:
    whose = coaching.wording.whose_people
    assert list(whose) == [r.anchor for r in coaching.impact.rows]
    for row in coaching.impact.rows:
        assert [a.audience.id for a in whose[row.anchor]] == [
            a.audience.id for a in coaching.audiences if a.audience.id in row.behaviour.audiences
        ]


def test_an_internal_campaigns_status_stays_off_the_handout(coaching: Case) -> None:
    campaign = coaching.proposal.campaign
    assert campaign is not None and campaign.internal and coaching.status
    assert coaching.wording.public_status is None
    public = coaching.proposal.model_copy(
        update={"campaign": campaign.model_copy(update={"internal": False})}
    )
    assert build_case(public, coaching.slug).wording.public_status == coaching.status


def test_results_columns_appear_once_a_measure_is_measured(coaching: Case, reference: Case) -> None:
    assert any(m.status for m in coaching.measures) and coaching.wording.measured
    assert not any(m.status for m in reference.measures) and not reference.wording.measured


def test_a_department_heads_edition_lists_only_the_goals_they_answer_for(reference: Case) -> None:
    w = reference.wording
    assert [g.goal.id for g in w.executives.goals] == [
        g.goal.id for g in reference.goals if g.benefits or g.risks
    ]
    for a in reference.audiences:
        theirs = {g.id for g in a.goals}
        listed = {g.goal.id for g in w.audiences[a.audience.id].goals}
        assert listed <= theirs if theirs else listed == {g.goal.id for g in w.executives.goals}
        assert w.audiences[a.audience.id].rows == reference.impact.rows_for(a.audience.id)


def test_in_our_own_numbers_only_where_every_figure_is_ours(reference: Case) -> None:
    research = next(f for f in reference.figures.values() if not f.is_survey and not f.internal)
    survey = next(f for f in reference.figures.values() if f.is_survey)
    own = dataclasses.replace(research, internal=True)
    assert own_numbers([survey, own]) and own_numbers([])
    assert not own_numbers([survey, research])


def test_a_proposals_own_templates_can_read_the_wording(reference: Case) -> None:
    """The sandbox hands templates plain data: the wording's fields, and nothing callable."""
    w = plain(reference).wording
    assert w.action == "ask-gain-payback" and w.executives.goals
    assert w.margin_example.id == reference.wording.margin_example.id


# --- the catalogues -------------------------------------------------------------------------


def keyed(code: str) -> set[str]:
    """The labels of a catalogue that stand for a key: `family:key`."""
    return {
        label for label in language(code).messages if re.fullmatch(r"[a-z-]+:[a-z-][a-z -]*", label)
    }


def families_in_templates() -> set[str]:
    """Every family a template prints a key of: `_("moment:" ~ g.when)`."""
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.j2"):
        found |= set(re.findall(r"""_\(\s*["']([a-z-]+):["']\s*~""", path.read_text()))
    return found


# The keys compute can hand a template, by family.
KEYS = {
    "headline": {"ask-gain-payback", "ask-gain", "ask"},
    "decision-line": {"ask-gain-payback", "ask-gain", "ask"},
    "scenario": {name for name, _ in SCENARIOS},
    "scenario-case": {name for name, _ in SCENARIOS},
    "scenario-case-in-sentence": {name for name, _ in SCENARIOS},
    "moment": set(MOMENTS),
    "moment-in-sentence": set(MOMENTS),
    "cause": set(CAUSES),
    "missed": {"application", "value", "cost", "return"},
    "chosen": {"goals", "all"},
}


@pytest.mark.parametrize("code", available_languages())
def test_every_catalogue_has_every_key_compute_can_give(code: str) -> None:
    missing = {f"{family}:{key}" for family, keys in KEYS.items() for key in keys} - keyed(code)
    assert missing == set()


@pytest.mark.parametrize("code", available_languages())
def test_every_catalogue_has_the_same_keys_as_english(code: str) -> None:
    assert keyed(code) == keyed("en")


def test_every_family_a_template_prints_is_in_the_catalogues() -> None:
    families = {label.split(":")[0] for label in keyed("en")}
    assert families_in_templates() - families == set()
    assert set(KEYS) <= families_in_templates()


def test_a_count_nouns_forms_are_translated() -> None:
    nouns: set[str] = set()
    for path in TEMPLATES.rglob("*.j2"):
        for one, other in re.findall(
            r'count_of\([^,]+,\s*"([^"]+)",\s*"([^"]+)"\)', path.read_text()
        ):
            nouns |= {one, other}
    # Benefits and risks are named where they were counted (the handout's goals, issue 31).
    assert nouns >= {"hour", "hours", "phase", "phases"}
    for code in available_languages():
        if code != "en":
            assert nouns - set(language(code).messages) == set(), code


def test_the_catalogues_are_valid_yaml_with_unique_labels() -> None:
    """A label written twice would silently keep the last translation."""
    for path in (TEMPLATES / "i18n").glob("*.yaml"):
        labels = [next(iter(d)) for d in _entries(path)]
        assert len(labels) == len(set(labels)), path.name


def _entries(path: Path) -> list[dict[str, str]]:
    """Each `label: translation` line of a catalogue, parsed alone."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("  ") and not line.lstrip().startswith("#"):
            try:
                parsed = yaml.safe_load(line)
            except yaml.YAMLError:
                continue  # a label or a translation folded over two lines
            if isinstance(parsed, dict):
                entries.append(parsed)
    return entries


# --- the templates only format --------------------------------------------------------------


def template_lines() -> list[tuple[str, int, str]]:
    return [
        (path.relative_to(TEMPLATES).as_posix(), number, line)
        for path in sorted(TEMPLATES.rglob("*.j2"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    ]


def test_no_template_keeps_a_table_of_labels() -> None:
    """A label table is a catalogue family (`_("moment:" ~ key)`), kept once per language."""
    tables = [(f, n) for f, n, line in template_lines() if re.search(r"{%-?\s*set \w+ = {", line)]
    assert tables == []


def test_no_template_makes_a_plural_by_hand() -> None:
    """`fmt.count_of(n, "benefit", "benefits")` picks the form the language's rule asks for,
    and a label's case is the catalogue's (German capitalizes its nouns). The portfolio's
    counts are written by an English Formatter (`render.portfolio`)."""
    by_hand = re.compile(r"""!= 1 else _\(|"s" if |\|capitalize|\|lower\b|\|upper\b""")
    found = [(f, n) for f, n, line in template_lines() if by_hand.search(line)]
    assert found == []


def test_no_template_line_is_longer_than_200_characters() -> None:
    assert [(f, n) for f, n, line in template_lines() if len(line) > 200] == []
