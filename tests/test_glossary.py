"""One name for each figure (issue 26): every money figure on every example's pages,
handouts and slides, in English and in German, is labelled with a name from the glossary
(docs/reference/glossary.md), and each headline figure is the lead scenario's figure of the
business case's table, rounded as headlines round it.

Rendered without the engines: the labels and figures are in the HTML WeasyPrint and MkDocs
are given, and reading it is a second, not a build.
"""

from __future__ import annotations

import html
import math
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from buildcase.compute import Case
from buildcase.render.case import Rendered

from .conftest import PROPOSALS, ROOT
from .test_consistency import rendered
from .test_german_build import in_german

GLOSSARY = ROOT / "docs" / "reference" / "glossary.md"
EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").exists())

# A money figure in any of the examples' currencies, as English or German writes it.
MONEY = r"(?:[$€£]|CHF\xa0)-?\d[\d.,]*|-?\d[\d.,]*\xa0(?:€|£|\$|CHF)"
TAGS = r"(?:\s*</?[a-z][^>]*>\s*)*"

# Where an output labels a money figure: the label is the first group; the figure follows.
LABELLED = [
    re.compile(p)
    for p in (
        r'class="bc-decision__label">([^<]+)</span>' + TAGS + r"(?=" + MONEY + ")",
        r'class="bc-big__label">([^<]+)</span>' + TAGS + r"(?=" + MONEY + ")",
        r'class="big__label">([^<]+)</p>' + TAGS + r"(?=" + MONEY + ")",
        r'class="(?:bc-column__total|total)">' + TAGS + r"([^<:]+):\s*<strong>(?=" + MONEY + ")",
        r'<span class="k">([^<]+)</span>\s*(?=' + MONEY + ")",
        r"<dt>([^<]+)</dt>\s*<dd>(?=" + MONEY + ")",
        # a table row's own label, the figure in the next cell
        r"<tr[^>]*>\s*<t[hd](?: scope=\"row\")?>" + TAGS + r"([^<]+?)"
        r"(?:<span class=\"(?:source|bc-muted)\">[^<]*</span>)?" + TAGS + r"</t[hd]>\s*"
        r"<td[^>]*>" + TAGS + r"(?=" + MONEY + ")",
        # a line of key figures: `Gain a year <strong>$300,000</strong> · Paid back in ...`
        r'(?:class="(?:bc-decision__return|decision__line|bc-recommendation__figures)">|· )'
        + TAGS
        + r"([^<·]+?):?\s*<strong>(?="
        + MONEY
        + ")",
    )
]

# What a label may add to a glossary name: which part, which case, which years, as of when.
QUALIFIERS = [
    re.compile(p)
    for p in (
        r"^(?:As of|Stand) [^:]+: ",
        r",? (?:a year|pro Jahr)$",
        r", (?:all benefits|your benefits|your risks|first year"
        r"|alle Nutzen|Ihre Nutzen|Ihre Risiken|erstes Jahr)$",
        r", (?:conservative|likely|optimistic) case$",
        r", (?:vorsichtige Schätzung|wahrscheinlicher Fall|optimistischer Fall)$",
        r" \((?:the whole programme|das ganze Programm)\)$",
        r", (?:discounted at|abgezinst mit) [\d.,]+ ?%$",
        r",? (?:over|über) [\d.,]+ (?:years?|Jahre?)$",
    )
]


@dataclass(frozen=True)
class Term:
    name: str
    german: str
    forms: tuple[str, ...]  # the other ways the outputs write it, in either language


def glossary() -> list[Term]:
    """The glossary's table, as the docs define it."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        row = re.match(r"^\| \*\*(.+?)\*\* \| (.+?) \| (.*?) \|", line)
        if row:
            forms = tuple(f.strip() for f in row[3].split(";") if f.strip())
            terms.append(Term(row[1], row[2], forms))
    return terms


def names() -> set[str]:
    return {n for t in glossary() for n in (t.name, t.german, *t.forms)}


def shortened(label: str) -> list[str]:
    """The label, then the label less one qualifier after another: one of them should be a
    glossary name (`Value a year` is one, and so is `Gain` of `Gain a year`)."""
    forms = [re.sub(r"\s+", " ", label).strip()]
    changed = True
    while changed:
        changed = False
        for qualifier in QUALIFIERS:
            shorter = qualifier.sub("", forms[-1])
            if shorter != forms[-1]:
                forms.append(shorter)
                changed = True
    return forms


def named(label: str, known: set[str]) -> str:
    """The glossary name a label gives, or, where it gives none, the label bared."""
    forms = shortened(label)
    return next((f for f in forms if f in known), forms[-1])


def labels(markup: str) -> Iterator[str]:
    for pattern in LABELLED:
        for m in pattern.finditer(markup):
            yield html.unescape(m[1]).replace("\xa0", " ").strip()


def authored(folder: Path) -> list[str]:
    """Every string the author wrote: a cost item's or a benefit's name labels its own
    figure, and is theirs to choose."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and len(node) > 3:
            found.append(node.strip())

    for path in folder.glob("*.yaml"):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    """Every example rendered in English, and again in German."""
    made = {}
    for name in EXAMPLES:
        made[name, "en"] = rendered(PROPOSALS / name)[1]
        german = tmp_path_factory.mktemp(f"de-{name}") / "proposals" / name
        shutil.copytree(PROPOSALS / name, german)
        in_german(german)
        made[name, "de"] = rendered(german)[1]
    return made


def every_output(made: Rendered) -> dict[str, str]:
    return {**made.pages, **made.handouts, **made.decks}


# --- the glossary itself ------------------------------------------------------------------


def test_the_glossary_names_each_quantity_once_in_each_language() -> None:
    terms = glossary()
    assert len(terms) >= 20
    english = [t.name for t in terms]
    german = [t.german for t in terms]
    assert len(set(english)) == len(english) and len(set(german)) == len(german)
    # "Return" names one figure only: the return on investment.
    assert [t.name for t in terms if "return" in t.name.lower()] == ["Return on investment"]


def test_each_german_name_is_the_one_the_catalogue_translates_it_to() -> None:
    catalogue = yaml.safe_load((ROOT / "templates/i18n/de.yaml").read_text(encoding="utf-8"))
    messages = catalogue["messages"]
    for term in glossary():  # a name the templates write whole is in the catalogue
        assert messages.get(term.name, term.german) == term.german, term.name
    assert sum(term.name in messages for term in glossary()) >= 15


def test_the_glossary_is_in_the_documentation_nav() -> None:
    assert "reference/glossary.md" in (ROOT / "docs/mkdocs.yml").read_text(encoding="utf-8")


def test_a_label_outside_the_glossary_is_found() -> None:
    """The check itself: the names this issue retired are caught, the qualified forms of a
    glossary name are not."""
    page = (
        '<span class="bc-decision__label">Return</span><span class="bc-decision__value">'
        '<span class="bc-nowrap">$300,000</span></span>'
        '<p class="bc-column__total">Benefits credited to training: <strong>$1</strong></p>'
        '<tr><th scope="row">Value a year, all benefits, conservative case</th>'
        '<td class="n">$5</td></tr>'
        '<p class="decision__line">The ask <strong>$9</strong> · Gain a year <strong>$3</strong>'
    )
    found = [named(label, names()) for label in labels(page)]
    assert found == [
        "Return",
        "Benefits credited to training",
        "Value a year",
        "The ask",
        "Gain a year",
    ]
    assert {"Value a year", "The ask", "Gain"} <= names()
    assert not {"Return", "Benefits credited to training"} & names()


# --- every output -------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_money_label_of_every_output_is_in_the_glossary(
    outputs: dict[tuple[str, str], Rendered], name: str
) -> None:
    known = names()
    theirs = authored(PROPOSALS / name)
    outside: dict[str, set[str]] = {}
    seen = 0
    for language in ("en", "de"):
        for file, markup in every_output(outputs[name, language]).items():
            for label in labels(markup):
                seen += 1
                if named(label, known) in known or any(label.startswith(t) for t in theirs):
                    continue
                if re.match(r"^[\d.,]+ (?:hours|Stunden)$", label):  # a row's hours
                    continue
                outside.setdefault(label, set()).add(f"{language}:{file}")
    assert seen > 50  # the check reads the labels; it did not just find none
    assert outside == {}


# --- headline figures are the lead scenario's -----------------------------------------------


def money(text: str) -> float:
    """`$1,077,500` or `1.077.500 €` as a number."""
    digits = re.sub(r"[^\d,.-]", "", text)
    return float(digits.replace(",", ""))


def significant(amount: float) -> float:
    """Three significant figures, as the glossary says headlines round money."""
    if amount == 0:
        return 0.0
    return float(round(amount, min(0, 3 - (math.floor(math.log10(abs(amount))) + 1))))


def table_column(case_page: str, label: str) -> list[str]:
    """One row of the business case's table, a cell for each scenario."""
    row = re.search(
        r"<tr[^>]*><td>(?:<strong>)?" + re.escape(label) + r"(?:</strong>)?</td>(.*?)</tr>",
        case_page,
    )
    assert row, label
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])
    ]


def lead_column(case_page: str, case: Case) -> int:
    """Which of the table's columns is the scenario the headlines lead with."""
    headers = re.findall(r'<th scope="col" class="bc-num">([^<]+)</th>', case_page)
    if len(headers) <= 1:
        return 0
    lead = "Conservative" if case.wording.conservative else "Likely"
    return next(i for i, h in enumerate(headers) if h.startswith(lead))


def card(index: str, label: str) -> str:
    found = re.search(
        r'class="bc-decision__label">' + re.escape(label) + r"</span>" + TAGS + r"([^<]+)",
        index,
    )
    assert found, label
    return html.unescape(found[1])


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_headline_figures_are_the_lead_scenarios_of_the_case_table(name: str) -> None:
    case, made = rendered(PROPOSALS / name)
    index, page = made.pages["index.md"], made.pages["case.md"]
    if case.decision.annual_gain is None:
        pytest.fail(f"{name} shows no gain: every example argues one")
    column = lead_column(page, case)
    gain = money(table_column(page, "Gain a year")[column])
    payback = float(table_column(page, "Payback")[column].split()[0])
    # the headline rounds: three significant figures, whole months rounded up
    assert money(card(index, "Gain")) == significant(gain)
    assert card(index, "Paid back in") == f"{math.ceil(round(payback, 1))} months"
    title = re.search(r"^# (.+)$", index, flags=re.M)
    assert title
    if case.wording.action != "commitments":  # once approved, the title asks for help
        # a figure and its unit are joined by a no-break space, so as never to part
        heading = html.unescape(title[1]).replace("\xa0", " ")
        assert f"a gain of {card(index, 'Gain')} a year" in heading
    roi = table_column(
        page,
        "Return on investment"
        + {"counted": ", on the full cost", "shown": ", people's time not counted"}.get(
            case.wording.time_cost or "", ""
        ),
    )[column]
    assert f"a return of {roi} over" in html.unescape(index)
    loss = table_column(page, "Cost of doing nothing, a year")[column]
    assert money(card(index, "Cost of doing nothing")) == significant(money(loss))
    # the handout's and the slides' headline figures are the same rounded figures
    handout, deck = made.handouts["handout.pdf"], made.decks["present.html"]
    for output in (handout, deck):
        text = html.unescape(output)
        assert card(index, "Gain") in text and card(index, "Paid back in") in text
