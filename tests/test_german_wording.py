"""German as a German reader writes it, in every page, deck and handout: an abbreviation
that ends a sentence ends it with its own full stop (`± 1,7 Pkt.`, never `Pkt..`), and a
count of months never follows a preposition that asks for the dative (`in 9,9 Monate`):
CLDR's unit format, which writes the months, gives the nominative only."""

from __future__ import annotations

import html
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from markupsafe import Markup

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.i18n import language
from buildcase.render.case import Rendered, render_case
from buildcase.render.formatting import Formatter
from buildcase.workspace import template_dirs

from .conftest import REFERENCE, ROOT, write_proposal
from .test_results import PILOT, PLAN


def rendered_in_german(folder: Path) -> Rendered:
    """The proposal in `folder` rendered in German (in euros), in this process."""
    yaml_file = folder / "proposal.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("currency: USD", "currency: EUR\nlanguage: de"))
    proposal, _ = check_proposal(folder)
    return render_case(build_case(proposal, folder.name), template_dirs(folder, ROOT), "a4", "")


def shown(source: str) -> str:
    """What a reader sees of a page, a deck or a handout: the text, one space apart."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The reference proposal in German: every page, deck and handout, as shown."""
    folder = tmp_path_factory.mktemp("workspace") / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    rendered = rendered_in_german(folder)
    return {
        name: shown(source)
        for name, source in {**rendered.pages, **rendered.decks, **rendered.handouts}.items()
    }


def test_a_sentence_ends_once_after_an_abbreviation() -> None:
    german, english = Formatter("EUR", language("de")), Formatter("USD", language("en"))
    assert german.sentence(german.points(1.7)) == "± 1,7 Pkt."
    assert english.sentence(english.points(1.7)) == "± 1.7 pts."
    assert german.sentence("n = 2.400") == "n = 2.400."
    ended = german.sentence(Markup("<i>±</i> 1,7 Pkt."))
    assert isinstance(ended, Markup) and ended == Markup("<i>±</i> 1,7 Pkt.")


def test_no_full_stop_is_doubled_in_german(german: dict[str, str]) -> None:
    doubled = {
        name: text[max(0, m.start() - 60) : m.end()]
        for name, text in german.items()
        for m in re.finditer(r"Pkt\. ?\.", text)
    }
    assert doubled == {}
    # The margin's worked example on the evidence page, and a source on the slides.
    assert "65 % von n = 2.400: ± 1,7 Pkt. Mit 95 % Sicherheit" in german["evidence.md"]
    assert "n = 2.400 von 11.000, ± 1,7 Pkt. " in german["present.html"]


def test_the_results_notes_end_once_after_the_margin(workspace: Path) -> None:
    """The application rate with its margin and neither a plan nor a baseline after it:
    the margin ends the presenter's sentence."""
    plan = PLAN.replace("financials: {application_rate: 60%, application_baseline: typical}\n", "")
    folder = write_proposal(workspace, plan + "currency: USD\n" + textwrap.dedent(PILOT))
    deck = rendered_in_german(folder).decks["present-results.html"]
    assert "n = 36 von 40 geschult, ± 5,3 Pkt.</p>" in deck


def test_no_count_of_months_follows_a_dative_preposition(german: dict[str, str]) -> None:
    nominative = {
        name: m[0]
        for name, text in german.items()
        for m in re.finditer(r"\b(?:in|nach|von|mit|binnen|innerhalb) [\d.,]+ Monate\b", text)
    }
    assert nominative == {}


def test_the_payback_reads_as_german(german: dict[str, str]) -> None:
    # The decision's sentence and its figure, in the headline's whole months (9.9 months,
    # rounded up: 10); the business case's payback, in words, to the tenth.
    decision = "184.000 € genehmigen: Gewinn von 300.000 € pro Jahr, Amortisationsdauer 10 Monate"
    assert decision in german["index.md"] and decision in german["handout.pdf"]
    assert "Amortisationsdauer 10 Monate" in german["present.html"]
    assert (
        "bis die Kosten von 184.000 € zurückgewonnen sind, dauert es 9,9 Monate."
        in german["case.md"]
    )
