"""The decks' PDFs (issue 27), read from what the command line wrote: every build writes
present.pdf beside present.html (and each audience's and the results' deck beside theirs),
one slide a 16:9 page with the slide's own text and figures, in the vendored fonts, the
speaker notes left out; the start page offers it. What the deck may load is confined as
the handout's is. In a browser, reveal.js's print mode keeps the slides' padding. pdfua's
checks of the same files are in test_pdfua.py."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest

from buildcase.engines.weasyprint.decks import printable, render_deck
from buildcase.workspace import default_templates_dir
from buildcase.workspace.layout import ASSETS

from .conftest import MINIMAL, PROPOSALS, REFERENCE, ROOT, run_cli, write_proposal

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
SLIDE = (1280 * 0.75, 720 * 0.75)  # PDF points: the 1280 x 720 CSS px reveal.js lays out
# A figure as a reader reads it: an amount (a currency symbol or code before it), a
# percentage, a count; compared without spaces, which PDF text extraction moves around.
FIGURE = re.compile(r"(?:[$€£]|\b[A-Z]{3}\s)?\d(?:[\d,.]*\d)?(?:\s?%)?")
NOT_SHOWN = {"aside", "title", "desc", "style", "script"}  # notes; an SVG's alt text


class ShownSlides(HTMLParser):
    """The slides of a deck in the order reveal.js shows them, a section holding no
    section, each with the text it shows: without its speaker notes, nor an SVG's <title>
    and <desc> (read aloud, never drawn)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict[str, Any]] = []  # sections: their text, whether they hold one
        self.hidden: list[str] = []  # the elements not shown that we are inside
        self.shown: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NOT_SHOWN:
            self.hidden.append(tag)
        elif tag == "section":
            if self.open:
                self.open[-1]["stack"] = True
            self.open.append({"text": "", "stack": False})

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and tag == self.hidden[-1]:
            self.hidden.pop()
        elif tag == "section" and self.open:
            section = self.open.pop()
            if not section["stack"]:
                self.shown.append(section["text"])

    def handle_data(self, data: str) -> None:
        if self.open and not self.hidden:
            self.open[-1]["text"] += data + " "


def shown_slides(deck: Path) -> list[str]:
    parser = ShownSlides()
    parser.feed(deck.read_text(encoding="utf-8"))
    return parser.shown


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, as poppler's pdftotext extracts it."""
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils (./run test does this)")
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.split("\f")[: len(pypdf.PdfReader(pdf).pages)]


def squeezed(text: str) -> str:
    return "".join(text.split())


def decks(site: Path) -> list[Path]:
    """Every deck of every example, as built."""
    found = sorted(site.glob("*/present*.html"))
    assert {d.parent.name for d in found} == set(EXAMPLES)
    return found


@pytest.mark.slow
@pytest.mark.pdf
def test_every_deck_has_its_pdf_beside_it(examples_site: Path) -> None:
    for deck in decks(examples_site):
        pdf = deck.with_suffix(".pdf")
        assert pdf.read_bytes().startswith(b"%PDF-"), pdf


@pytest.mark.slow
@pytest.mark.pdf
def test_one_page_a_slide_and_sub_slide_each_16_by_9(examples_site: Path) -> None:
    for deck in decks(examples_site):
        pages = pypdf.PdfReader(deck.with_suffix(".pdf")).pages
        assert len(pages) == len(shown_slides(deck)), deck
        for page in pages:
            size = (float(page.mediabox.width), float(page.mediabox.height))
            assert size == pytest.approx(SLIDE), deck
            assert size[0] / size[1] == pytest.approx(16 / 9)


@pytest.mark.slow
@pytest.mark.pdf
def test_every_figure_of_a_slide_is_on_its_page(examples_site: Path) -> None:
    for deck in decks(examples_site):
        pages = page_texts(deck.with_suffix(".pdf"))
        slides = shown_slides(deck)
        assert len(pages) == len(slides), deck
        for number, (slide, page) in enumerate(zip(slides, pages, strict=True), 1):
            printed = squeezed(page)
            missing = [f for f in FIGURE.findall(slide) if squeezed(f) not in printed]
            assert missing == [], (deck.name, number, " ".join(slide.split())[:80])


class Pictures(HTMLParser):
    """The pictures a deck shows, in order, by their alternative text: an image's `alt`,
    a chart's (an inline SVG's first <title>); none from the speaker notes."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []
        self.notes = 0
        self.unnamed = False  # inside an SVG whose title is still to come
        self.reading = False  # inside that title

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "aside" and "notes" in (a.get("class") or ""):
            self.notes += 1
        elif self.notes:
            return
        elif tag == "img":
            self.alts.append(a.get("alt") or "")
        elif tag == "svg":
            self.unnamed = True
        elif tag == "title" and self.unnamed:
            self.unnamed, self.reading = False, True
            self.alts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "aside" and self.notes:
            self.notes -= 1
        elif tag == "title":
            self.reading = False

    def handle_data(self, data: str) -> None:
        if self.reading:
            self.alts[-1] += data


def figure_alts(pdf: Path) -> list[str]:
    """The alternative text of each /Figure of a tagged PDF, in the order of its tags."""
    import pikepdf

    def walk(node: Any) -> Any:
        if isinstance(node, pikepdf.Array):
            for child in node:
                yield from walk(child)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            yield from walk(node.get("/K"))

    with pikepdf.open(pdf) as opened:
        tags = list(walk(opened.Root.StructTreeRoot.get("/K")))
        return [str(e.get("/Alt", "")) for e in tags if e.get("/S") == "/Figure"]


@pytest.mark.slow
@pytest.mark.pdf
def test_every_chart_and_picture_of_a_deck_is_in_its_pdf_with_its_alternative_text(
    examples_site: Path,
) -> None:
    """The charts are inline SVG and the logo an image beside the deck (where the site
    publishes it): each is drawn in the PDF, a /Figure with the text a screen reader says."""
    logos = 0
    for deck in decks(examples_site):
        parser = Pictures()
        parser.feed(deck.read_text(encoding="utf-8"))
        shown = [" ".join(alt.split()) for alt in parser.alts]
        assert [" ".join(a.split()) for a in figure_alts(deck.with_suffix(".pdf"))] == shown
        logos += 'src="assets/buildcase/brand/logo' in deck.read_text(encoding="utf-8")
    assert logos  # an example with a logo shows it in its decks


@pytest.mark.slow
@pytest.mark.pdf
def test_a_deck_loads_its_fonts_and_its_logo_without_a_warning(examples_site: Path) -> None:
    """A picture that does not load is drawn as its alternative text, and a missing font
    as another: only the warnings tell. The example with a logo, its deck laid out again."""
    import yaml

    from buildcase.workspace import template_dirs

    folder = PROPOSALS / "support-coaching-programme"
    branding = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))["branding"]
    html = (examples_site / folder.name / "present.html").read_text(encoding="utf-8")
    assert 'src="assets/buildcase/brand/logo' in html
    allowed = [folder, *template_dirs(folder, ROOT)]
    logo = (folder / branding["logo"]).resolve()
    made = render_deck(html, default_templates_dir() / "assets", allowed, logo)
    assert made.warnings == []  # nothing refused, nothing failed to load


@pytest.mark.slow
@pytest.mark.pdf
def test_the_speaker_notes_are_not_printed(examples_site: Path) -> None:
    deck = examples_site / REFERENCE.name / "present.html"
    printed = " ".join(" ".join(page_texts(deck.with_suffix(".pdf"))).split())
    assert "Approve $184,000" in printed  # the title slide's action
    assert "Open with the decision" in deck.read_text(encoding="utf-8")  # in the notes
    assert "Open with the decision" not in printed


@pytest.mark.slow
@pytest.mark.pdf
def test_the_slides_are_set_in_the_vendored_fonts(examples_site: Path) -> None:
    pdf = pypdf.PdfReader(examples_site / REFERENCE.name / "present.pdf")
    fonts = set()
    for page in pdf.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(name.startswith("Inter") for name in fonts), fonts


@pytest.mark.slow
@pytest.mark.pdf
def test_the_start_page_offers_the_slides_as_a_pdf(examples_site: Path) -> None:
    for example in EXAMPLES:
        start = (examples_site / example / "index.html").read_text(encoding="utf-8")
        link = re.search(r'<a\b[^>]*href="present\.pdf"[^>]*>([^<]*)</a>', start)
        assert link and " download" in link.group(0), example
        assert link.group(1) == "Slides (PDF)"
        assert (examples_site / example / "present.pdf").is_file()


@pytest.mark.slow
@pytest.mark.pdf
def test_buildcase_build_writes_the_deck_pdf(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    code, _out, err = run_cli(capsys, "build", "proposals/p", "--out", "site")
    assert code == 0, err
    folder = workspace / "site" / "p"
    pages = pypdf.PdfReader(folder / "present.pdf").pages
    assert len(pages) == len(shown_slides(folder / "present.html"))
    assert "Onboarding training" in (pages[0].extract_text() or "")
    assert 'href="present.pdf"' in (folder / "index.html").read_text(encoding="utf-8")


# --- what a deck may load ------------------------------------------------------------------

DECK = """<!DOCTYPE html><html lang="en"><head><title>Deck</title>
<link rel="stylesheet" href="assets/buildcase/vendor/reveal.js/dist/reveal.css">
<style>@font-face {{ font-family: "Inter"; src: url("assets/buildcase/fonts/Inter-Regular.otf"); }}
.reveal {{ font-family: Inter; font-size: 32px; }}</style></head>
<body><div class="reveal"><div class="slides">
<section><p>First</p>{body}<aside class="notes"><p>Say this</p></aside></section>
<section><section><p>Second</p></section><section><p>Third</p></section></section>
</div></div></body></html>"""


def test_a_deck_is_laid_out_without_reveal_js_and_with_the_site_s_assets() -> None:
    site = {f"{ASSETS}/": "file:///templates/assets/"}
    said = "<p>Our assets/buildcase/ folder, said src=&#34;assets/buildcase/x&#34;</p>"
    html = printable(DECK.format(body=said), site)
    assert "reveal.css" not in html and "Say this" not in html  # nor the speaker notes
    assert 'url("file:///templates/assets/fonts/Inter-Regular.otf")' in html
    assert "Our assets/buildcase/ folder, said src=&#34;assets/buildcase/x&#34;" in html


def test_a_deck_prints_from_its_fonts_as_opentype_where_it_offers_them() -> None:
    """WeasyPrint unpacks WOFF2 in Python, six times as slow as it loads OpenType."""
    site = {f"{ASSETS}/": "file:///templates/assets/"}
    woff2 = 'url("assets/buildcase/fonts/Inter-Bold.woff2") format("woff2")'
    otf = 'url("assets/buildcase/fonts/Inter-Bold.otf") format("opentype")'
    only = 'url("assets/buildcase/fonts/Extra.woff2") format("woff2")'
    eot = "url(Old.woff2) format('woff2'), url(Old.eot) format('embedded-opentype')"
    style = f"@font-face {{ src: {woff2}, {otf}; }} @font-face {{ src: {only}; }}"
    style += f"@font-face {{ src: {eot}; }}"
    said = "<p>url(a.woff2) format(woff2), url(a.otf)</p>"  # the author's words, as written
    html = printable(DECK.format(body=said).replace("</style>", f"{style}</style>"), site)
    style_text = html[html.index("<style>") : html.index("</style>")]
    assert "Inter-Bold.woff2" not in style_text
    assert 'url("file:///templates/assets/fonts/Inter-Bold.otf") format("opentype")' in style_text
    assert 'url("file:///templates/assets/fonts/Extra.woff2")' in style_text  # the only one
    assert eot in style_text  # WeasyPrint cannot load the other: the WOFF2 stays
    assert said in html


@pytest.mark.slow
@pytest.mark.pdf
def test_a_deck_pdf_loads_nothing_from_outside_the_build(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the slides")
    body = (
        f'<img src="{secret.as_uri()}" alt="x"><img src="https://example.com/x.png" alt="y">'
        f'<img src="{ASSETS}/../../../{secret.name}" alt="z">'
    )
    proposal = tmp_path / "proposal"
    proposal.mkdir()
    allowed = [proposal, default_templates_dir()]
    made = render_deck(DECK.format(body=body), default_templates_dir() / "assets", allowed)
    assert made.pages == 3  # the first slide, and the stack's two sub-slides
    refused = [w for w in made.warnings if w.startswith("refused to load")]
    assert len(refused) == 3, made.warnings
    assert any(secret.as_uri() in w for w in refused) and any("example.com" in w for w in refused)
    text = " ".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(made.pdf)).pages)
    assert "Say this" not in text and "Third" in text
    again = render_deck(DECK.format(body=body), default_templates_dir() / "assets", allowed)
    assert again.pdf == made.pdf  # the same bytes from the same deck


# --- a proposal's decks, laid out together ----------------------------------------------

AUDIENCE = """<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<style>.reveal {{ font-size: 32px; }}</style></head>
<body><div class="reveal"><div class="slides">
{slides}
</div></div></body></html>"""
SHARED = "<section><p>The need</p></section>"
STACK = "<section><section><p>Risk one</p></section><section><p>Risk two</p></section></section>"


def pdf_pages(made: Any) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in pdf_reader(made).pages]


def pdf_reader(made: Any) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(made.pdf))


@pytest.mark.pdf
def test_decks_laid_out_together_are_the_decks_laid_out_alone(tmp_path: Path) -> None:
    """A proposal's decks share most slides and are laid out together, each distinct slide
    once: each deck's PDF has its own slides, in its order, under its own title, as if laid
    out alone; what WeasyPrint warns of is told once, and only what it warns of in a deck
    alone (not the same id on two decks' slides)."""
    from buildcase.engines.weasyprint.decks import render_decks

    decks = {
        "present.html": AUDIENCE.format(
            title="Our case",
            slides=f"{SHARED}\n{STACK}\n<section><p id='c'>The decision</p></section>",
        ),
        "present-hr.html": AUDIENCE.format(
            title="Our case &amp; HR",
            slides=f"<section><p id='c'>What we ask of HR</p></section>\n{SHARED}\n{STACK}"
            '<section><img src="https://example.com/x.png" alt="a picture"></section>',
        ),
    }
    allowed = [tmp_path, default_templates_dir()]
    assets = default_templates_dir() / "assets"
    together = render_decks(decks, assets, allowed)
    for name, html in decks.items():
        alone = render_deck(html, assets, allowed)
        assert pdf_pages(together[name]) == pdf_pages(alone), name
        assert together[name].pages == alone.pages == len(pdf_pages(alone))
    assert pdf_pages(together["present.html"]) == [
        "The need",
        "Risk one",
        "Risk two",
        "The decision",
    ]
    assert pdf_reader(together["present.html"]).metadata.title == "Our case"
    assert pdf_reader(together["present-hr.html"]).metadata.title == "Our case & HR"
    told = [w for made in together.values() for w in made.warnings]
    assert [w for w in told if w.startswith("refused to load https://example.com/")] == [
        "refused to load https://example.com/x.png: only the site's assets and files inside"
        " the proposal folder"
    ]
    assert (
        len(told)
        == len(set(told))
        == len(render_deck(decks["present-hr.html"], assets, allowed).warnings)
    )


@pytest.mark.pdf
def test_a_deck_whose_slides_cannot_be_told_apart_is_laid_out_alone(tmp_path: Path) -> None:
    """A proposal's own deck template may write anything: text between its slides, which
    would be on no slide's page laid out apart, keeps the deck whole, and its PDF the same
    as laid out alone."""
    from buildcase.engines.weasyprint.decks import render_decks, taken_apart

    odd = AUDIENCE.format(title="Odd", slides=f"{SHARED}<p>Between the slides</p>{STACK}")
    plain = AUDIENCE.format(title="Plain", slides=f"{SHARED}\n{STACK}")
    assert taken_apart(odd) is None and taken_apart(plain) is not None
    allowed = [tmp_path, default_templates_dir()]
    assets = default_templates_dir() / "assets"
    together = render_decks({"a.html": odd, "b.html": plain}, assets, allowed)
    assert pdf_pages(together["a.html"]) == pdf_pages(render_deck(odd, assets, allowed))
    assert "Between the slides" in " ".join(pdf_pages(together["a.html"]))
    assert pdf_pages(together["b.html"]) == ["The need", "Risk one", "Risk two"]


@pytest.mark.pdf
def test_decks_whose_slides_are_not_a_page_each_are_laid_out_alone(tmp_path: Path) -> None:
    """A workspace's own print stylesheet may let a slide run over several pages: the shared
    layout, a page a slide no longer, is given up for each deck laid out alone."""
    from buildcase.engines.weasyprint.decks import PRINT_CSS, render_decks

    templates = tmp_path / "templates"
    (templates / PRINT_CSS).parent.mkdir(parents=True)
    (templates / PRINT_CSS).write_text("@page { size: 400px 200px; margin: 0 }", "utf-8")
    long = "<section>" + "<p>A long slide</p>" * 12 + "</section>"
    decks = {
        "present.html": AUDIENCE.format(title="One", slides=f"{SHARED}\n{long}"),
        "present-hr.html": AUDIENCE.format(title="Two", slides=f"{long}\n{SHARED}"),
    }
    allowed = [tmp_path, templates, default_templates_dir()]
    assets = default_templates_dir() / "assets"
    together = render_decks(decks, assets, allowed)
    for name, html in decks.items():
        alone = render_deck(html, assets, allowed)
        assert alone.pages > 2  # the long slide runs over
        assert pdf_pages(together[name]) == pdf_pages(alone), name


@pytest.mark.slow
@pytest.mark.pdf
def test_an_example_s_deck_as_built_is_the_deck_laid_out_alone(
    examples_site: Path, tmp_path: Path
) -> None:
    """An example's audience deck as the build wrote it (laid out with the proposal's other
    decks) against the same deck laid out alone: the same pages, the same text."""
    from buildcase.workspace import template_dirs

    folder = PROPOSALS / "support-coaching-programme"
    deck = sorted((examples_site / folder.name).glob("present-*.html"))[0]
    allowed = [folder, *template_dirs(folder, ROOT)]
    logo = folder / "logo.svg"
    alone = render_deck(deck.read_text("utf-8"), default_templates_dir() / "assets", allowed, logo)
    (tmp_path / "alone.pdf").write_bytes(alone.pdf)
    assert page_texts(deck.with_suffix(".pdf")) == page_texts(tmp_path / "alone.pdf")
    assert len(page_texts(tmp_path / "alone.pdf")) == len(shown_slides(deck)) > 20


# --- reveal.js's print mode, in a browser ----------------------------------------------------

# Each printed slide as reveal.js lays it out for print: its padding, and where its first
# label stands against the slide's box and the band in the proposal's colour across its top.
PRINTED = """() => [...document.querySelectorAll('.pdf-page section:not(.stack)')].map(s => {
  const box = s.getBoundingClientRect(), style = getComputedStyle(s);
  const label = s.querySelector('.bc-eyebrow, h1, h2');
  const band = parseFloat(getComputedStyle(s, '::before').height) || 0;
  const at = label ? label.getBoundingClientRect() : null;
  return {slide: s.dataset.slide, top: parseFloat(style.paddingTop),
          left: parseFloat(style.paddingLeft),
          label: at && {top: at.top - box.top, left: at.left - box.left,
                        right: box.right - at.right, bottom: box.bottom - at.bottom},
          band};
})"""


@pytest.mark.slow
@pytest.mark.browser
def test_printing_from_the_browser_keeps_the_slides_padding(
    examples_site: Path, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto((examples_site / REFERENCE.name / "present.html").as_uri() + "?print-pdf")
    page.wait_for_selector(".pdf-page section", state="attached")
    printed = page.evaluate(PRINTED)
    context.close()
    assert len(printed) == len(shown_slides(examples_site / REFERENCE.name / "present.html"))
    for slide in printed:
        assert slide["top"] >= 40 and slide["left"] >= 60, slide  # as on screen: 44 / 64
        label = slide["label"]
        assert label and label["top"] >= slide["band"] + 20, slide  # clear of the band
        assert min(label["left"], label["right"], label["bottom"]) >= 0, slide  # inside


@pytest.mark.slow
def test_one_proposal_lays_its_decks_out_in_a_worker_beside_its_handouts() -> None:
    """A deck's PDF is a few handouts' work: it goes to the workers, never to this process,
    which makes the site meanwhile."""
    from buildcase import engines

    split = engines.engines_for(1, jobs=2)
    try:
        deck = engines.DeckTask({}, Path("."), [])
        assert split.submit(worker_pid, deck).result(timeout=60) != os.getpid()
    finally:
        split.close()


def worker_pid(task: Any) -> int:
    return os.getpid()


class WithoutDeckPdfs:
    """Engines that make everything in this process except the decks' PDFs, whose futures
    come back cancelled, as the live preview's do."""

    def submit(self, function: Any, task: Any) -> Any:
        from concurrent.futures import Future

        from buildcase import engines

        if isinstance(task, engines.DeckTask):
            future: Future[Any] = Future()
            future.cancel()
            return future
        return engines.InlineEngines().submit(function, task)


@pytest.mark.slow
def test_a_site_whose_engines_make_no_deck_pdf_does_not_link_one(workspace: Path) -> None:
    from buildcase.engines import DeckTask
    from buildcase.engines.pipe_worker import PreviewEngines
    from buildcase.pipeline import Options, prepare
    from buildcase.write.staging import locked_output

    preview = PreviewEngines(workspace / "preview")
    try:  # the preview's engines make none
        assert preview.submit(worker_pid, DeckTask({}, Path("."), [])).cancelled()
    finally:
        preview.close()
    folder = write_proposal(workspace, MINIMAL)
    out = workspace / "site"
    with locked_output(out):
        prepare(folder, Options(workspace, out), WithoutDeckPdfs()).finish()  # type: ignore[arg-type]
    start = (out / "p" / "index.html").read_text(encoding="utf-8")
    assert 'href="present.html"' in start and "present.pdf" not in start
    assert not (out / "p" / "present.pdf").exists()
