"""German proposals read as a German reader reads them, and checked as German is written.

A German build's pages, handouts and decks show no word of buildcase's own English: their
text, the text their stylesheets generate (the handout's page count) and what is read out
in place of a chart or a control. The words the author wrote are theirs and stay as written
(these examples are in English), so they are taken out before the check; what is left is
buildcase's, and must be German, but for the words German spells the same.

The checks that read the author's words read German words too: a `support` entry naming
`Führungskräfte` names managers, an objection about `Zeit` is about time, and a measure
due `12 Monate nach dem Roll-out` is as late as one due `12 months after roll-out`.
"""

from __future__ import annotations

import ast
import csv
import functools
import html
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case, portfolio_entry
from buildcase.compute.views import guess_theme
from buildcase.i18n import language
from buildcase.markup import plain_text
from buildcase.render.case import render_case
from buildcase.render.portfolio import render_portfolio
from buildcase.validate.consistency import when_in_months
from buildcase.workspace import template_dirs

from .conftest import MINIMAL, PROPOSALS, REFERENCE, ROOT, run_cli, write_proposal

# The reference proposal, one with objections, support and a logo, and one with results.
EXAMPLES = (REFERENCE.name, "support-coaching-programme", "sales-enablement-journey")

# Words of buildcase's English that a German page may show all the same: the months German
# spells the same, and Material's own `Navigation`.
SAME_IN_GERMAN = frozenset({"april", "august", "september", "november", "navigation"})

WORD = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*")

# Keys whose values are ids or keys of the format (`id: hr`, `when: before`): not text a
# reader is shown, so not taken for the author's words.
KEYS = frozenset(
    {
        "id", "goals", "benefits", "risks", "evidence", "audiences", "benefit", "cause",
        "status", "theme", "when", "stage", "recommendation", "application_baseline",
        "decision", "conducted", "measured",
    }
)  # fmt: skip


def in_german(folder: Path) -> None:
    """The proposal in `folder` written for German readers, in euros."""
    yaml_file = folder / "proposal.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(re.sub(r"(?m)^currency: \w+$", "currency: EUR\nlanguage: de", text))


def generated(source: str) -> str:
    """The text a page's stylesheets generate: the strings of their `content` properties."""
    styles = re.findall(r"<style\b[^>]*>(.*?)</style>", source, flags=re.S)
    return " ".join(
        s for style in styles for value in re.findall(r"\bcontent\s*:([^;}]*)", style)
        for s in re.findall(r'"([^"]*)"', value)
    )  # fmt: skip


def shown(source: str) -> str:
    """What a reader is shown of a page (Markdown), a deck or a handout, one space apart:
    its text, the text its stylesheets generate and what is read out in place of a
    picture or a control (`alt`, `aria-label`, `title`); not its markup, nor a page's
    options, anchors and link addresses."""
    text = re.sub(r"\A---\n.*?\n---\n", " ", source, flags=re.S)  # the page's options
    text = re.sub(r"\{:?\s*[#.][^}\n]*\}", " ", text)  # an anchor: `{ #figures }`
    text = re.sub(r"\]\([^)\s]*\)", "]", text)  # a link's address
    css = generated(text)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    said = re.findall(r'\b(?:alt|aria-label|title|placeholder)="([^"]*)"', text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(" ".join([text, *said, css])))


def _strings(value: object, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str) and is_text(value, key):
        yield value


def is_text(value: str, key: str) -> bool:
    """Whether a value is text a reader is shown, not an id or a key of the format."""
    return bool(WORD.search(value)) and (key not in KEYS or not re.fullmatch(r"[\w-]+", value))


def authors_words(folder: Path) -> re.Pattern[str]:
    """Every text the author wrote in `folder` (its YAML files, its survey's CSV), as a
    reader is shown it, the longest first: to be taken out of what buildcase wrote."""
    texts = [s for f in folder.glob("*.yaml") for s in _strings(yaml.safe_load(f.read_text()))]
    for f in folder.glob("*.csv"):
        texts += [cell for row in csv.reader(io.StringIO(f.read_text())) for cell in row]
    plain = {re.sub(r"\s+", " ", plain_text(t)).strip() for t in texts if WORD.search(t)}
    ordered = sorted(plain, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)")


def _code_strings(path: Path) -> list[str]:
    """The strings of a module's code, not its docstrings (which quote German examples)."""
    nodes = list(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
    docstrings = {id(n.value) for n in nodes if isinstance(n, ast.Expr)}
    return [
        n.value for n in nodes
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]  # fmt: skip


@functools.cache
def english_words() -> frozenset[str]:
    """Every word of buildcase's own English, less those German labels use too (`Budget`,
    `Team`, `in`): its labels (each German message's English, the English catalogue's),
    the text of its templates, what its stylesheets generate, the site's base settings
    and the strings of the code that computes and renders."""
    german = language("de").messages
    texts = [*german, *language("en").messages.values()]
    templates = ROOT / "templates"
    for path in [*templates.rglob("*.j2"), *templates.rglob("*.css")]:
        source = re.sub(r"\{([{%#]).*?[}%#]\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        texts.append(
            generated(f"<style>{source}</style>") if path.suffix == ".css" else shown(source)
        )
    texts += _strings(yaml.safe_load((templates / "mkdocs.yml").read_text(encoding="utf-8")))
    for folder in ("render", "compute"):
        for path in (ROOT / "buildcase" / folder).rglob("*.py"):
            texts += _code_strings(path)
    english = {w.lower() for t in texts for w in WORD.findall(t)}
    return frozenset(english - {w.lower() for t in german.values() for w in WORD.findall(
        re.sub(r"\{\w*\}", " ", t)  # not a placeholder's name: `{results}`
    )})  # fmt: skip


@dataclass(frozen=True)
class Output:
    source: str  # as buildcase wrote it
    text: str  # as a reader is shown it
    ours: str  # the same, the author's words taken out: what buildcase wrote


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Output]:
    """The examples in German, rendered once in this process: every page, deck and handout,
    by `slug/file`, and the portfolio's rows as `portfolio` (its own labels are English,
    whatever the language of the proposals it lists)."""
    workspace = tmp_path_factory.mktemp("german")
    outputs: dict[str, Output] = {}
    entries: dict[str, dict[str, Any]] = {}
    authors: list[re.Pattern[str]] = []
    for slug in EXAMPLES:
        folder = workspace / "proposals" / slug
        shutil.copytree(PROPOSALS / slug, folder)
        in_german(folder)
        case = build_case(check_proposal(folder)[0], slug)
        rendered = render_case(case, template_dirs(folder, ROOT), "a4", "")
        words = authors_words(folder)
        for name, source in {**rendered.pages, **rendered.decks, **rendered.handouts}.items():
            text = shown(source)
            outputs[f"{slug}/{name}"] = Output(source, text, words.sub(" ¶ ", text))
        titles = " · ".join(nav_titles(rendered.nav))
        outputs[f"{slug}/navigation"] = Output(titles, titles, words.sub(" ¶ ", titles))
        entries[slug] = portfolio_entry(case)
        authors.append(words)
    index = render_portfolio(entries, [ROOT / "templates"])
    rows = re.search(r"<tbody>.*</tbody>", index, flags=re.S)
    assert rows is not None
    ours = text = shown(rows[0])
    for words in authors:
        ours = words.sub(" ¶ ", ours)
    outputs["portfolio"] = Output(rows[0], text, ours)
    return outputs


def nav_titles(nav: list[object]) -> Iterator[str]:
    """The titles of the site's navigation, sections' too."""
    for entry in nav:
        assert isinstance(entry, dict)
        for title, target in entry.items():
            yield str(title)
            if isinstance(target, list):
                yield from nav_titles(target)


def english_left(outputs: dict[str, str]) -> dict[str, list[str]]:
    """Each English word of buildcase's left in the outputs, with where it is (the first
    place in each output), in context."""
    english = english_words() - SAME_IN_GERMAN
    found: dict[str, list[str]] = {}
    for name, text in outputs.items():
        seen = set()
        for m in WORD.finditer(text):
            word = m[0].lower()
            if word in english and word not in seen:
                seen.add(word)
                context = text[max(0, m.start() - 50) : m.end() + 30]
                found.setdefault(m[0], []).append(f"{name}: …{context}…")
    return found


# --- every word buildcase writes is German ---------------------------------------------------


def test_a_german_build_shows_no_english_word_of_buildcase(german: dict[str, Output]) -> None:
    assert len(german) > 40  # the pages, decks, handouts and navigation of three proposals
    assert english_left({name: out.ours for name, out in german.items()}) == {}


def test_the_check_finds_an_english_label(german: dict[str, Output]) -> None:
    """The check itself: a label left in English is found, among German words; the author's
    words are taken out, or their English would be found too."""
    assert sorted(english_left({"x": "Ertrag in einem Jahr; Return in a year"})) == [
        "Return",
        "year",
    ]
    page = german[f"{REFERENCE.name}/index.md"]
    assert "Northwind Foods" in page.text and "Northwind Foods" not in page.ours
    assert "the" in {word.lower() for word in english_left({"index.md": page.text})}


def test_the_handouts_count_their_pages_in_german(german: dict[str, Output]) -> None:
    handouts = [name for name in german if name.endswith(".pdf")]
    assert f"{EXAMPLES[2]}/results.pdf" in handouts and len(handouts) >= 9
    for name in handouts:
        footer = 'content: "Seite " counter(page) " von " counter(pages)'
        assert footer in german[name].source, name


def test_a_german_row_of_the_portfolio_is_german(german: dict[str, Output]) -> None:
    rows = german["portfolio"]
    assert rows.source.count('<tr lang="de">') == len(EXAMPLES)
    # A status begins with a capital, and keeps the German noun's (not `Mit bedingungen`).
    assert "Mit Bedingungen genehmigt" in rows.text
    # (107.750 - 36.000) / 36.000 = 199,3 %, the promise rounded up (compute/results.py)
    assert "Rendite (ROI), erstes Jahr 115 % gegenüber 200 % Prognose" in rows.text
    assert "Geschäftsleitung" in rows.text and "Ergebnisse" in rows.text


def test_no_count_follows_a_dative_preposition_in_the_nominative(
    german: dict[str, Output],
) -> None:
    """`in 29,3 Monaten`, `nach 2 Jahren`: CLDR writes the nominative (`Monate`), which a
    preposition asking for the dative cannot take."""
    preposition = r"\b(?:in|nach|von|mit|binnen|innerhalb|seit|vor|aus|bei|zu)"
    nominative = re.compile(preposition + r" [\d.,]+ (?:Monate|Jahre|Tage)\b")
    found = {name: m[0] for name, out in german.items() for m in nominative.finditer(out.text)}
    assert found == {}


def test_the_sites_colour_scheme_toggles_are_named_in_german() -> None:
    """Material shows the base configuration's names as they are; they are English labels."""
    from buildcase.engines.mkdocs import site_overrides

    theme = site_overrides(ROOT / "templates" / "mkdocs.yml", [], "Titel", "de")["theme"]
    names = [scheme["toggle"]["name"] for scheme in theme["palette"]]
    assert names == ["Zum dunklen Design wechseln", "Zum hellen Design wechseln"]


@pytest.mark.slow
@pytest.mark.pdf
def test_a_german_site_and_handout_as_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Built through the command line: the site's pages as MkDocs and Material make them
    (the colour scheme's toggle too), and the handout's page count as WeasyPrint prints it."""
    folder = tmp_path / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    in_german(folder)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "build", str(folder))
    assert code == 0, out + err
    site = tmp_path / "site" / REFERENCE.name
    words = authors_words(folder)
    pages = {p.name: words.sub(" ¶ ", shown(p.read_text())) for p in site.glob("*.html")}
    assert len(pages) > 10 and english_left(pages) == {}
    assert 'title="Zum dunklen Design wechseln"' in (site / "index.html").read_text()
    handout = pypdf.PdfReader(site / "handout.pdf").pages
    footers = [page.extract_text().splitlines()[-1][-13:] for page in handout]
    assert footers == ["Seite 1 von 2", "Seite 2 von 2"]


# --- the checks read German ------------------------------------------------------------------

GERMAN_NEED = (
    MINIMAL
    + """\
language: de
currency: EUR
need:
  gap: Neue Mitarbeitende füllen ihre Zeitnachweise nicht aus
  cause: process
support:
  - who: WHO
    when: after
    does: Fragen in jedem Monatsgespräch nach den Zeitnachweisen
"""
)


@pytest.mark.parametrize(
    "who",
    [
        "Führungskräfte",
        "Teamleiter",
        "Teamleiter:innen",
        "Vorgesetzte",
        "Abteilungsleiterinnen",
        "Leitung",
        "Schichtleitung",
        "Geschäftsführung",
        "Manager",
        "Die Führungskräfte der Filialen",
    ],
)
def test_a_german_support_entry_names_managers(
    workspace: Path, capsys: pytest.CaptureFixture[str], who: str
) -> None:
    """No "may not be a training need" warning, so `--strict` passes."""
    folder = write_proposal(workspace, GERMAN_NEED.replace("WHO", who))
    code, out, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 0 and "warning" not in out + err, out + err


@pytest.mark.parametrize(
    "who", ["Die Personalabteilung", "Lernbegleiter", "Das Einführungsteam", "Trainer"]
)
def test_a_german_support_entry_without_managers_still_warns(
    workspace: Path, capsys: pytest.CaptureFixture[str], who: str
) -> None:
    """Words that only look like a manager's: a companion, the roll-out's team."""
    folder = write_proposal(workspace, GERMAN_NEED.replace("WHO", who))
    code, out, err = run_cli(capsys, "check", "--strict", str(folder))
    assert code == 1 and "error: need.cause: this need may not be a training need" in out + err


@pytest.mark.parametrize(
    ("concern", "theme"),
    [
        ("Meine Leute haben keine Zeit für noch eine Schulung", "time"),
        ("Das ist nicht meine Aufgabe, sondern die der Personalabteilung", "not-my-job"),
        ("Wir sind unterbesetzt und müssen unsere Zielvorgaben erreichen", "capacity"),
        ("Was, wenn es scheitert?", "failure"),
        ("Das ist zu teuer", "cost"),
        ("Wir haben noch nie Coaching gemacht", "inexperience"),
        ("Was sagt der Betriebsrat?", "other"),
        # English reads as before: no German cue is part of an English word
        ("We cannot determine the personal benefit", "other"),
        ("Our people are too busy", "time"),
    ],
)
def test_an_objections_theme_is_guessed_from_german_words(concern: str, theme: str) -> None:
    assert guess_theme(concern) == theme


def test_a_measure_due_after_the_horizon_in_german(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = "request: {duration: 16 weeks, pilot: {participants: 10, duration: 6 weeks}}\n"
    measure = "measures:\n  - {metric: Austritte, baseline: 58, target: 46, when: WHEN}\n"
    late = measure.replace("WHEN", "12 Monate nach dem Roll-out")
    folder = write_proposal(workspace, MINIMAL + "language: de\n" + request + late)
    code, out, err = run_cli(capsys, "check", str(folder))
    warning = (
        "warning: measures[0].when: '12 Monate nach dem Roll-out' is about 16 months from the "
        "proposal's date, after the 1-year horizon"
    )
    assert code == 0 and warning in out + err
    p = check_proposal(folder)[0]  # dated 2026-11-01, the roll-out 16 weeks long
    assert when_in_months(p, "am Ende des Roll-outs") == pytest.approx(16 * 12 / 52)
    assert when_in_months(p, "zwei Quartale nach dem Pilotprojekt") == pytest.approx(
        6 * 12 / 52 + 6
    )
    assert when_in_months(p, "in 18 Monaten") == 18
    assert when_in_months(p, "innerhalb von 1,5 Jahren") == 18
    assert when_in_months(p, "Juni 2027") == 7 and when_in_months(p, "Mär. 2028") == 16
    assert when_in_months(p, "für Neueinstellungen nach dem Pilotprojekt") is None
