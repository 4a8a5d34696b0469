"""The presentation deck (issue 14), read from the output of the command line: the slides
in the order of the story, the decision's figures equal to the handout's, nothing loaded
from outside the machine, reveal.js vendored with its licence, and `buildcase present`.
Every example's decks in Chromium are in test_present_examples.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pypdf
import pytest

from buildcase.render.decks import author_notes, opening_closing

from .conftest import MINIMAL, REFERENCE, copy_reference, run_cli, write_proposal

ROOT = Path(__file__).resolve().parent.parent
VENDOR = Path("assets/buildcase/vendor/reveal.js")
# Situation, complication, resolution, ask (issue 27): the risk of not training comes
# before what training brings.
MAIN_LINE = ["title", "need", "risks", "benefits", "case", "plan", "measures", "decision"]
AUDIENCES = ["sales", "hr", "support"]  # the reference's, in its order


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference built once by the command line, as a user runs it."""
    target = tmp_path_factory.mktemp("present")
    done = subprocess.run(
        [sys.executable, "-m", "buildcase", "build", "--out", str(target), str(REFERENCE)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target / REFERENCE.name


class Slides(HTMLParser):
    """The deck's sections as reveal.js reads them: the horizontal line, each with its
    vertical slides; and every `src` and `href`, with the tag that holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.line: list[list[dict[str, Any]]] = []  # horizontal -> its slides
        self.open: list[dict[str, Any]] = []
        self.urls: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.in_notes = 0
        self.in_prose = ""  # the tag of the author's own prose being read, if any

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in ("src", "href"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name] or ""))
        if tag == "aside" and "notes" in (a.get("class") or ""):
            self.in_notes += 1
            if self.open:
                self.open[-1]["notes"] = ""
        if "bc-prose" in (a.get("class") or "").split():
            self.in_prose = tag
        if tag != "section":
            return
        self.depth += 1
        slide = {"slide": a.get("data-slide"), "text": "", "prose": "", "notes": None}
        if self.depth == 1:
            self.line.append([slide] if slide["slide"] else [])
        else:
            self.line[-1].append(slide)
        self.open.append(slide)

    def handle_endtag(self, tag: str) -> None:
        self.handle_data(" ")  # the end of a cell or a line is a space when read
        if tag == self.in_prose:
            self.in_prose = ""
        if tag == "section":
            self.depth -= 1
            self.open.pop()
        elif tag == "aside" and self.in_notes:
            self.in_notes -= 1

    def handle_data(self, data: str) -> None:
        if not self.open:
            return
        key = "notes" if self.in_notes else "prose" if self.in_prose else "text"
        self.open[-1][key] = (self.open[-1][key] or "") + data


def slides(path: Path) -> Slides:
    parser = Slides()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_a_deck_for_the_executives_and_one_for_each_audience(out: Path) -> None:
    assert (out / "present.html").is_file()
    for audience in AUDIENCES:
        assert (out / f"present-{audience}.html").is_file()


@pytest.mark.slow
def test_the_main_line_tells_the_story_in_order(out: Path) -> None:
    line = [stack[0]["slide"] for stack in slides(out / "present.html").line]
    assert line == MAIN_LINE


@pytest.mark.slow
def test_detail_sits_below_its_slide(out: Path) -> None:
    below = {stack[0]["slide"]: [s["slide"] for s in stack[1:]] for stack in slides(
        out / "present.html").line}  # fmt: skip
    # the survey's five bars, drawn at a size a room can read (issue 27), take two slides
    assert below["need"] == ["need-more", "need-chart", "need-chart"]
    assert below["benefits"] == ["benefit"] * 3
    assert below["risks"] == ["risks-chart", "risk", "risk", "risk"]
    assert below["case"] == ["cost", "payback"]
    # the back-up slides: the questions, how far each estimate moves the return and the
    # sliders to try one's own (issue 28), the costs, the sources
    assert below["decision"] == ["questions", "questions", "tornado", "whatif", "costs", "sources"]


@pytest.mark.slow
def test_an_audience_deck_leads_with_their_concerns(out: Path) -> None:
    line = slides(out / "present-sales.html").line
    assert [stack[0]["slide"] for stack in line][:2] == ["title", "for-you"]
    assert "quota attainment" in line[1][0]["text"]
    assert line[-1][0]["slide"] == "decision"


@pytest.mark.slow
def test_every_slide_has_speaker_notes(out: Path) -> None:
    for stack in slides(out / "present.html").line:
        for slide in stack:
            assert slide["notes"] and slide["notes"].strip(), slide["slide"]
    need = slides(out / "present.html").line[1][0]["notes"]
    assert "n = 2,400" in need and "Northwind employee social media survey" in need


def _figures(text: str) -> list[str]:
    return re.findall(r"\$[\d,]+|\d+(?:\.\d)? months|\d+ January 2027", text)


@pytest.mark.slow
@pytest.mark.pdf
def test_the_decision_slide_holds_the_handouts_figures(out: Path) -> None:
    decision = slides(out / "present.html").line[-1][0]["text"]
    figures = _figures(decision)
    # the payback of 9.9 months, as headlines give it: whole months, rounded up (issue 26)
    assert {"$184,000", "$300,000", "10 months", "15 January 2027"} <= set(figures)
    handout = " ".join(
        page.extract_text() or "" for page in pypdf.PdfReader(out / "handout.pdf").pages
    )
    handout = re.sub(r"\s+", " ", handout)
    for figure in figures:
        assert figure in handout, figure


@pytest.mark.slow
def test_nothing_is_loaded_from_outside_the_machine(out: Path) -> None:
    for name in ["present.html", *(f"present-{a}.html" for a in AUDIENCES)]:
        for tag, _attribute, url in slides(out / name).urls:
            if tag == "a":  # an author's link in the text is the reader's to follow
                continue
            assert not re.match(r"(?i)\s*(https?:)?//", url), (name, tag, url)
            assert (out / url).is_file(), (name, url)  # relative, and shipped beside it
    css = (out / "present.html").read_text(encoding="utf-8")
    assert "@import" not in css
    for url in re.findall(r"url\(\s*[\"']?([^\"')]*)", css):  # the fonts: the site's own
        assert (out / url).is_file(), url


@pytest.mark.slow
def test_reveal_js_is_vendored_with_its_licence(out: Path) -> None:
    for folder in (ROOT / "templates" / "assets" / "vendor" / "reveal.js", out / VENDOR):
        licence = (folder / "LICENSE").read_text(encoding="utf-8")
        assert "Hakim El Hattab" in licence and "Permission is hereby granted" in licence
        assert (folder / "dist" / "reveal.js").is_file()
        assert (folder / "dist" / "plugin" / "notes.js").is_file()
    readme = (ROOT / "templates/assets/vendor/reveal.js/README.txt").read_text(encoding="utf-8")
    assert "npm pack reveal.js@6.0.2" in readme


def test_the_authors_notes_are_read_where_the_format_has_them() -> None:
    assert author_notes(SimpleNamespace(notes="Mention the *2024* incident")) == (
        "Mention the *2024* incident"
    )
    assert author_notes(SimpleNamespace(title="no notes")) is None
    assert author_notes(SimpleNamespace(notes="  ")) is None
    proposal = SimpleNamespace(notes=SimpleNamespace(opening="Hello", closing=None))
    assert opening_closing(proposal, "opening") == "Hello"
    assert opening_closing(proposal, "closing") is None
    assert opening_closing(SimpleNamespace(notes={"closing": "Thank you"}), "closing") == (
        "Thank you"
    )


def _rendered(folder: Path) -> Any:
    """The reference's pages, handouts and decks, rendered in this process."""
    from buildcase.compute import build_case
    from buildcase.load import load_proposal
    from buildcase.render.case import render_case
    from buildcase.validate import validate_proposal
    from buildcase.workspace import own_templates, template_dirs

    proposal, _ = validate_proposal(load_proposal(folder))
    case = build_case(proposal, folder.name)
    search_path = template_dirs(folder, folder.parent.parent)
    return render_case(case, search_path, "a4", "", untrusted=own_templates(folder))


def test_with_ranges_the_conservative_case_leads_and_the_others_sit_below(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    yaml = folder / "proposal.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace(
            "annual_value: 240000", "annual_value: {low: 150000, likely: 240000, high: 300000}"
        ),
        encoding="utf-8",
    )
    deck = tmp_path / "present.html"
    deck.write_text(_rendered(folder).decks["present.html"], encoding="utf-8")
    line = slides(deck).line
    case = next(stack for stack in line if stack[0]["slide"] == "case")
    assert "conservative case" in case[0]["text"].lower()
    assert [s["slide"] for s in case[1:]] == ["scenarios", "cost", "payback"]
    for scenario in ("Conservative case", "Likely case", "Optimistic case"):
        assert scenario in case[1]["text"]


@pytest.mark.slow
def test_a_proposals_own_template_overrides_the_deck_in_the_sandbox(tmp_path: Path) -> None:
    folder = tmp_path / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    (folder / "templates" / "present").mkdir(parents=True)
    (folder / "templates" / "present" / "deck.html.j2").write_text(
        "<h1>{{ p.title }}: {{ fmt.money(case.decision.ask) }}</h1>\n", encoding="utf-8"
    )
    decks = _rendered(folder).decks
    assert decks["present.html"] == "<h1>Social media training for every employee: $184,000</h1>\n"
    assert set(decks) == {"present.html", *(f"present-{a}.html" for a in AUDIENCES)}


@pytest.mark.slow
def test_present_builds_then_opens_the_deck_in_the_browser(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_reference(workspace)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    code, out, _ = run_cli(capsys, "present", str(folder), "--audience", "hr")
    deck = workspace / "site" / folder.name / "present-hr.html"
    assert code == 0 and deck.is_file()
    assert opened == [deck.resolve().as_uri()]
    assert out.strip() == f"opened {deck.resolve()}"


@pytest.mark.slow
def test_present_prints_the_path_where_there_is_no_browser(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_reference(workspace)
    monkeypatch.setattr("webbrowser.open", lambda url: False)  # what it says with none
    code, out, _ = run_cli(capsys, "present", str(folder))
    deck = (workspace / "site" / folder.name / "present.html").resolve()
    assert code == 0 and out.strip() == f"the deck is {deck}"
    code, out, _ = run_cli(capsys, "present", str(folder), "--no-open")
    assert code == 0 and out.strip() == f"the deck is {deck}"


def test_present_reports_a_bad_proposal_and_opens_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_proposal(workspace, MINIMAL.replace("date: 2026-11-01", "date: soon"))
    monkeypatch.setattr("webbrowser.open", lambda url: pytest.fail("opened a browser"))
    code, out, err = run_cli(capsys, "present", str(folder))
    assert code == 1 and out == ""
    assert "proposal.yaml:6:7: error: date: expected a date" in err


def test_the_authors_speaker_notes_reach_the_slides_and_nothing_else(tmp_path: Path) -> None:
    """Format 1.1's `notes`: top-level opening and closing, and on a benefit, a risk, a
    goal, an audience and an objection; in the presenter's notes only."""
    folder = tmp_path / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    yaml = folder / "proposal.yaml"
    text = yaml.read_text(encoding="utf-8")
    text += "notes:\n  opening: Start with the Leeds recall rumour\n  closing: Ask for the date\n"
    text = text.replace(
        "    annual_value: 240000\n",
        "    annual_value: 240000\n    notes: Mention the sales director's own example\n",
    )
    yaml.write_text(text, encoding="utf-8")
    rendered = _rendered(folder)
    deck = slides_of(rendered.decks["present.html"])
    notes = " ".join(s["notes"] or "" for stack in deck.line for s in stack)
    for said in ("Start with the Leeds recall rumour", "Ask for the date",
                 "Mention the sales director's own example"):  # fmt: skip
        assert said in notes
        assert all(said not in page for page in rendered.pages.values())
        assert all(said not in handout for handout in rendered.handouts.values())
    title = deck.line[0][0]["notes"]
    assert title.strip().startswith("Start with the Leeds recall rumour")


def slides_of(html: str) -> Slides:
    parser = Slides()
    parser.feed(html)
    return parser
