"""A handout's HTML is parsed once for all its layouts, and its stylesheets and fonts once per
process for every handout that has the same ones (issue 14: fifty proposals build in a
fifth less time). Neither may change what is laid out, nor what a proposal may fetch: a
parse kept from one proposal serves another only where it would fetch the same files.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pypdf
import pytest

from buildcase.compute import build_case
from buildcase.engines import weasyprint as handout_module
from buildcase.engines.weasyprint import layouts as layouts_module
from buildcase.engines.weasyprint import optional_ranks, page_boxes, render_handout
from buildcase.engines.weasyprint.fetcher import confined_fetcher
from buildcase.engines.weasyprint.layouts import Layouts
from buildcase.load import load_proposal
from buildcase.render.case import render_case
from buildcase.validate import validate_proposal
from buildcase.workspace import default_templates_dir, template_dirs

from .conftest import PROPOSALS, REFERENCE, ROOT

# Every test lays out handouts with WeasyPrint: the PDF tier.
pytestmark = [pytest.mark.slow, pytest.mark.pdf]

EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
ASSETS = default_templates_dir() / "assets"
FONTS = ASSETS / "fonts"


def placed(document: Any) -> list[tuple[int, str, float, float, float, float]]:
    """Every piece of text and every picture of a layout, with its page and its box."""
    from weasyprint.formatting_structure import boxes

    found = []

    def walk(box: Any, page: int) -> None:
        if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)) or (
            getattr(box, "element_tag", None) == "{http://www.w3.org/2000/svg}svg"
        ):
            text = getattr(box, "text", "")
            size = (box.position_x, box.position_y, box.margin_width(), box.margin_height())
            found.append((page, text, *(round(float(v), 2) for v in size)))
            return
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(page_boxes(document)):
        walk(page, number)
    return found


def laid_out_from_its_own_html(html: str, allowed: list[Path], hidden: list[int]) -> Any:
    """The handout as WeasyPrint lays out its HTML, the parts of these ranks hidden by a
    rule in the document itself: as the handout was laid out before any parse was kept."""
    import weasyprint

    fetcher = confined_fetcher(weasyprint, allowed)
    text = handout_module._without(html, hidden)
    return weasyprint.HTML(
        string=text, base_url=ASSETS.as_uri() + "/", url_fetcher=fetcher
    ).render()


def example_handouts(slug: str) -> tuple[dict[str, str], list[Path]]:
    """An example's handouts' HTML, and the folders they may fetch from."""
    folder = PROPOSALS / slug
    proposal, _ = validate_proposal(load_proposal(folder))
    search_path = template_dirs(folder, ROOT)
    rendered = render_case(build_case(proposal, slug), search_path, "a4", "D:20261122000000Z")
    return rendered.handouts, [folder, *search_path]


@pytest.mark.parametrize("slug", EXAMPLES)
def test_kept_stylesheets_lay_out_each_example_as_its_own_html_does(slug: str) -> None:
    """Every line, chart and picture at the same place on the same page, for the fullest
    and the barest handout, and a department head's; the second and third handouts use
    the parse the first one kept."""
    handouts, allowed = example_handouts(slug)
    department = next(name for name in handouts if name.startswith("handout-"))
    executives = handouts["handout.pdf"]
    candidates = [
        (executives, []),
        (executives, optional_ranks(executives)),
        (handouts[department], []),
    ]
    for html, hidden in candidates:
        kept = Layouts(html, ASSETS, allowed)
        assert kept.parsed is not None, "the shipped handout's stylesheets are kept"
        expected = placed(laid_out_from_its_own_html(html, allowed, hidden))
        assert placed(kept.lay_out(hidden)) == expected, (slug, hidden)


def test_a_parse_is_kept_only_while_the_copies_of_its_fonts_are_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint copies the fonts into the temporary folder, which a build makes private
    and removes at its end: a process that builds again (`buildcase serve`, a test run)
    must not set text in fonts that are gone, which WeasyPrint measures as no width."""
    handouts, allowed = example_handouts(REFERENCE.name)
    html = handouts["handout.pdf"]
    private = tmp_path / "private"
    private.mkdir()
    layouts_module._PARSED.clear()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    first = Layouts(html, ASSETS, allowed)
    assert Layouts(html, ASSETS, allowed).parsed is first.parsed  # kept, so it saves time
    monkeypatch.undo()
    shutil.rmtree(private)  # as the build's private temporary folder is removed

    after = Layouts(html, ASSETS, allowed)
    assert after.parsed is not first.parsed
    assert placed(after.lay_out([])) == placed(laid_out_from_its_own_html(html, allowed, []))


def handout_html(style: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>T</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )


def font_sizes(pdf: bytes) -> set[float]:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return {round(c["size"], 1) for page in document.pages for c in page.chars}


def test_a_stylesheet_that_says_important_keeps_its_place_in_the_cascade(tmp_path: Path) -> None:
    """Moved out of the document, a rule marked !important would beat a `style` attribute
    marked !important; so such a handout is laid out from its own stylesheets."""
    html = handout_html(
        "p { font-size: 30pt !important; }",
        '<p style="font-size: 10pt !important">Ten point</p>'
        '<p data-optional="1">Hidden when it does not fit</p>',
    )
    handout = render_handout(html, ASSETS, [tmp_path, ASSETS])
    assert font_sizes(handout.pdf) == {10.0, 30.0}
    # ...and its optional parts are still hidden by a rule no author rule can override.
    layouts = Layouts(
        html.replace("<p data", '<p style="display: block !important" data'), ASSETS, [tmp_path]
    )
    assert layouts.parsed is None
    text = "".join(t for _page, t, *_box in placed(layouts.lay_out([1])))
    assert "Ten point" in text and "Hidden" not in text


def test_every_handout_sharing_a_parse_reports_what_it_refused_and_warned(
    tmp_path: Path,
) -> None:
    style = '@import url("http://127.0.0.1:9/evil.css"); p { colour: red; }'
    html = handout_html(style, "<p>Text</p>")
    first = render_handout(html, ASSETS, [tmp_path, ASSETS])
    second = render_handout(html.replace("Text", "Other text"), ASSETS, [tmp_path, ASSETS])
    for handout in (first, second):
        assert any("refused to load http://127.0.0.1:9/evil.css" in w for w in handout.warnings)
        assert any("colour" in w for w in handout.warnings), handout.warnings


def embedded_fonts(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds, without their subset prefix ("ABCDEF+")."""
    import io

    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def text_width(pdf: bytes) -> float:
    """How wide the handout's one line is set: wider in a bold font than in a regular one."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        chars = document.pages[0].chars
        return float(max(c["x1"] for c in chars) - min(c["x0"] for c in chars))


def font_handout(font: Path) -> str:
    """A handout in a font of the proposal's own, named by its absolute address so that
    every proposal's handout has the very same stylesheet."""
    style = f'@font-face {{ font-family: "Own"; src: url("{font.as_uri()}"); }} p {{ font-family: "Own"; }}'
    return handout_html(style, "<p>Set in the proposal's own font</p>")


def test_a_parse_kept_for_one_proposal_does_not_fetch_for_another(tmp_path: Path) -> None:
    """The first proposal's folder holds the font; the second's does not, so its handout
    is refused the font, as it would be had it been parsed first."""
    first, second = tmp_path / "first", tmp_path / "second"
    second.mkdir()
    (first / "fonts").mkdir(parents=True)
    shutil.copyfile(FONTS / "Inter-Bold.otf", first / "fonts" / "own.otf")
    html = font_handout(first / "fonts" / "own.otf")

    mine = render_handout(html, ASSETS, [first, ASSETS])
    assert any(name.startswith("Own") for name in embedded_fonts(mine.pdf))
    assert not any("refused" in w for w in mine.warnings)

    theirs = render_handout(html, ASSETS, [second, ASSETS])
    assert not any(name.startswith("Own") for name in embedded_fonts(theirs.pdf))
    assert any(
        f"refused to load {(first / 'fonts' / 'own.otf').as_uri()}" in w for w in theirs.warnings
    )


def test_a_font_file_changed_since_the_last_handout_is_read_again(tmp_path: Path) -> None:
    """`buildcase serve` keeps its process: a font the author replaces shows at once."""
    font = tmp_path / "fonts" / "own.otf"
    font.parent.mkdir()
    shutil.copyfile(FONTS / "Inter-Bold.otf", font)
    html = font_handout(font)
    bold = text_width(render_handout(html, ASSETS, [tmp_path, ASSETS]).pdf)
    shutil.copyfile(FONTS / "Inter-Regular.otf", font)
    regular = text_width(render_handout(html, ASSETS, [tmp_path, ASSETS]).pdf)
    layouts_module._PARSED.clear()  # as a new process would parse it
    assert regular == text_width(render_handout(html, ASSETS, [tmp_path, ASSETS]).pdf)
    assert regular < bold
