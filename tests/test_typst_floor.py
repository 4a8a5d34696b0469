"""The Typst floor of issue 32 (benchmarks/typst_floor.py): the same handout as WeasyPrint
lays out, made by Typst, so that the benchmark compares the same work. Read from the PDF
Typst writes: every heading and key figure of the handout's HTML is in its text, every
chart and image is placed with its alt text, in the handout's fonts, as a PDF/UA-1 that
`pdfua check` passes, and the warm compiles are timed. What the proposal writes reaches
Typst as text, never as markup."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pdfplumber
import pikepdf
import pytest

from buildcase.commands.check import check_proposal
from buildcase.compute import build_case
from buildcase.render.case import render_case
from buildcase.workspace import default_templates_dir, template_dirs

from .conftest import PROPOSALS, ROOT
from .test_german_build import in_german
from .test_pdfua import pdfua_failures

EXAMPLE = "support-coaching-programme"  # a logo, four charts, a table, lists, footnotes
ASSETS = default_templates_dir() / "assets"  # where buildcase lays the handout out from


def typst_floor() -> ModuleType:
    """benchmarks/typst_floor.py, which is no package: imported from its file."""
    path = ROOT / "benchmarks" / "typst_floor.py"
    spec = importlib.util.spec_from_file_location("typst_floor", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("typst_floor", module)
    spec.loader.exec_module(module)
    return module


def handout_html(folder: Path, workspace: Path) -> str:
    """The executives' handout as buildcase renders it, and as the benchmark's bare
    `weasyprint` lays it out (benchmarks/run.py, `rendered_proposal`)."""
    proposal, _warnings = check_proposal(folder)
    case = build_case(proposal, folder.name)
    b = proposal.branding
    logo = (folder / b.logo).resolve().as_uri() if b and b.logo else None
    search_path = template_dirs(folder, workspace)
    rendered = render_case(case, search_path, proposal.paper, "", None, logo)
    return rendered.handouts["handout.pdf"]


class Shown(HTMLParser):
    """What a reader of the handout must find: its headings and key figures, and the alt
    text of its charts (an inline <svg>'s <title>) and images."""

    WANTED = frozenset({"figure__value", "big__value"})

    def __init__(self, html: str):
        super().__init__()
        self.headings: list[str] = []
        self.figures: list[str] = []
        self.alts: list[str] = []
        self.open: list[list[str] | None] = []  # where the text of each open element goes
        self.in_svg = 0
        self.svg_title: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg":
            self.in_svg += 1
        if self.in_svg:
            if tag == "title" and self.in_svg == 1:
                self.svg_title = ""
            return
        if tag == "img":
            self.alts.append(values.get("alt") or "")
            return
        classes = set((values.get("class") or "").split())
        target = None
        if tag in ("h1", "h2", "h3"):
            target = self.headings
        elif classes & self.WANTED:
            target = self.figures
        if target is not None:
            target.append("")
        self.open.append(target)

    def handle_endtag(self, tag: str) -> None:
        if self.in_svg:
            if tag == "title" and self.svg_title is not None:
                self.alts.append(" ".join(self.svg_title.split()))
                self.svg_title = None
            self.in_svg -= tag == "svg"
            return
        if tag not in ("img", "meta", "link", "br") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.svg_title is not None:
            self.svg_title += data
        for target in self.open:
            if target is not None:
                target[-1] += data


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squeezed(text: str) -> str:
    """Text as compared: case and white space aside (the labels are set in capitals, and
    a heading may wrap)."""
    return re.sub(r"\s+", "", text).casefold()


def figure_alts(pdf: pikepdf.Pdf) -> list[str]:
    """The alt text of every /Figure of the PDF's structure tree: its placed images."""
    found: list[str] = []

    def walk(element: object) -> None:
        if isinstance(element, pikepdf.Array):
            for kid in element:
                walk(kid)
        elif isinstance(element, pikepdf.Dictionary):
            if element.get("/S") == "/Figure":
                found.append(str(element.get("/Alt", "")))
            if "/K" in element:
                walk(element.K)

    walk(pdf.Root.StructTreeRoot)
    return found


@pytest.mark.slow
@pytest.mark.pdf
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_typst_handout_has_the_same_content(tmp_path: Path, language: str) -> None:
    folder = tmp_path / "proposals" / EXAMPLE
    shutil.copytree(PROPOSALS / EXAMPLE, folder)
    if language == "de":
        in_german(folder)
    html = handout_html(folder, tmp_path)
    shown = Shown(html)
    assert shown.headings and shown.figures, "nothing to look for"
    assert len(shown.alts) == html.count("<svg") + html.count("<img") == 5  # 4 charts, a logo

    work = tmp_path / "typst"
    seconds, pages = typst_floor().typst_handout_seconds(html, ASSETS, work, repeats=1)

    assert len(seconds) == 1 and all(s > 0 for s in seconds)
    pdf_path = work / "typst-handout.pdf"
    text = pdf_text(pdf_path)
    for wanted in [*shown.headings, *shown.figures]:
        assert squeezed(wanted) in squeezed(text), wanted
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) == pages
        # Every chart and the logo placed, each once, with its alt text (PDF/UA asks it).
        assert sorted(figure_alts(pdf)) == sorted(shown.alts)
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
        assert str(pdf.Root.Lang) == language
    assert pdfua_failures({"the Typst handout": pdf_path}) == {}  # as buildcase's handouts
    with pdfplumber.open(pdf_path) as pdf:
        fonts = {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars}
    assert fonts and all(f.startswith("Inter") for f in fonts), fonts


ESCAPES = r"""#let x = 1; $a$ *b* _c_ `d` <e> @f [g] \h "i" 'j' // k /* l */ -- m === n
+ o 1. p https://q.example ~r {s} (t) #{u} \u{41}"""


def test_the_proposal_s_text_is_never_read_as_markup(tmp_path: Path) -> None:
    # A handout whose every paragraph is Typst's syntax: it must print as written.
    faces = "".join(
        f'@font-face {{ font-family: "Inter"; font-weight: {weight}; '
        f'src: url("fonts/Inter-{name}.otf"); }}'
        for weight, name in [(400, "Regular"), (700, "Bold")]
    )
    lines = ESCAPES.splitlines()
    html = (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(lines[0])}</title>"
        f"<style>{faces}</style></head><body><h1>A &lt;title&gt; ] [</h1>"
        + "".join(f"<p>{escape(line)}</p><ul><li><strong>{escape(line)}</strong></li></ul>"
                  for line in lines)
        + "</body></html>"
    )  # fmt: skip
    seconds, pages = typst_floor().typst_handout_seconds(html, ASSETS, tmp_path, repeats=1)
    assert pages == 1 and seconds[0] > 0
    text = pdf_text(tmp_path / "typst-handout.pdf")
    assert "A <title> ] [" in text
    for line in lines:
        assert text.count(line) == 2, (line, text)
