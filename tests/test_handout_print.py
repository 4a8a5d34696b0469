"""The handout as printed and as read by assistive technology: a tagged PDF with its title
and language, fonts embedded, text in reading order, at most two sheets of A4 or US Letter,
nothing running off a page, and no blank page.

WeasyPrint says nothing when a box runs past its page (no warning, no log record), so the
overflow test lays the handout out again with WeasyPrint and measures every box against its
page's content area.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pytest

from buildcase.commands.build import build
from buildcase.engines import weasyprint as handout_module
from buildcase.engines.weasyprint import render_handout
from buildcase.engines.weasyprint.fetcher import confined_fetcher
from buildcase.pipeline import HANDOUT

from .conftest import REFERENCE, ROOT

# Every test reads handouts laid out once by WeasyPrint: the PDF tier.
pytestmark = [pytest.mark.slow, pytest.mark.pdf]

PAPERS = {"a4": (595, 842), "letter": (612, 792)}  # in points
TITLE = "Social media training for every employee"
INSTALL_POPPLER = "pdftoppm is missing: apt-get install -y poppler-utils (./run test does this)"
TOLERANCE = 0.5  # CSS px a box may poke out by (rounding)


@dataclass
class Printed:
    """A handout as built, and the HTML and folders `build` handed to WeasyPrint for it."""

    pdf: Path
    html: str
    base_dir: Path
    allowed_dirs: list[Path]


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """The reference handout built on each paper size, in this process, recording what
    WeasyPrint is given (the executives' handout comes first)."""
    made = {}
    for paper in PAPERS:
        out = tmp_path_factory.mktemp(f"handout-{paper}")
        calls: list[tuple[str, Path, list[Path]]] = []

        def recording(
            html: str, base_dir: Path, allowed_dirs: list[Path], calls: list[Any] = calls
        ) -> Any:
            made = render_handout(html, base_dir, allowed_dirs)
            calls.append((made.html, base_dir, allowed_dirs))  # what was laid out
            return made

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(handout_module, "render_handout", recording)
            assert not build([REFERENCE], ROOT, out, paper=paper, jobs=1).failed
        assert calls, "build did not lay out a handout"
        made[paper] = Printed(out / REFERENCE.name / HANDOUT, *calls[0])
    return made


@pytest.fixture(scope="module")
def a4(handouts: dict[str, Printed]) -> pypdf.PdfReader:
    return pypdf.PdfReader(handouts["a4"].pdf)


def catalog(reader: pypdf.PdfReader) -> Any:
    return reader.trailer["/Root"].get_object()


def is_true(value: Any) -> bool:
    """A PDF boolean that is true (pypdf's BooleanObject is not Python's True)."""
    return isinstance(value, pypdf.generic.BooleanObject) and bool(value.value)


# --- tagged, titled, in a language ------------------------------------------------------


def test_the_handout_is_a_tagged_pdf(a4: pypdf.PdfReader) -> None:
    root = catalog(a4)
    assert "/StructTreeRoot" in root
    assert is_true(root["/MarkInfo"].get_object().get("/Marked"))
    tree = root["/StructTreeRoot"].get_object()
    assert tree.get("/K") is not None  # the tree has content


def struct_elements(reader: pypdf.PdfReader) -> list[Any]:
    """Every structure element of the tagged PDF, depth first."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "/S" in node:
            found.append(node)
            walk(node.get("/K", []))

    walk(catalog(reader)["/StructTreeRoot"].get_object().get("/K", []))
    return found


def test_the_structure_tree_has_headings_paragraphs_and_figures(a4: pypdf.PdfReader) -> None:
    kinds = {str(e["/S"]) for e in struct_elements(a4)}
    assert {"/H1", "/H2", "/P"} <= kinds, kinds
    assert "/Figure" in kinds, kinds  # the charts


def test_the_charts_in_the_handout_carry_alternative_text(a4: pypdf.PdfReader) -> None:
    figures = [e for e in struct_elements(a4) if str(e["/S"]) == "/Figure"]
    assert figures
    assert [f.get("/Alt") for f in figures if not f.get("/Alt")] == []


def test_the_handout_has_its_title_and_shows_it(a4: pypdf.PdfReader) -> None:
    assert a4.metadata.title == TITLE
    preferences = catalog(a4).get("/ViewerPreferences")
    assert preferences is not None and is_true(preferences.get_object().get("/DisplayDocTitle"))


def test_the_handout_states_its_language(a4: pypdf.PdfReader) -> None:
    assert str(catalog(a4).get("/Lang", "")).lower().startswith("en")


# --- fonts and text ---------------------------------------------------------------------


def fonts(reader: pypdf.PdfReader) -> dict[str, Any]:
    """Every font used on any page or inside any form XObject or pattern, by base name."""
    found: dict[str, Any] = {}
    seen: set[int] = set()

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found[str(font.get("/BaseFont", font.get("/Name", "?")))] = font
            walk(font.get("/Resources"))  # a Type3 font's glyphs
        for kind in ("/XObject", "/Pattern"):
            for inner in (resources.get(kind) or {}).values():
                walk(inner.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


def font_descriptor(font: Any) -> Any:
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor.get_object() if descriptor is not None else None


def test_every_font_is_embedded(a4: pypdf.PdfReader) -> None:
    found = fonts(a4)
    assert found
    missing = []
    for name, font in found.items():
        descriptor = font_descriptor(font)
        if font.get("/Subtype") == "/Type3":
            continue  # glyphs drawn in the file itself
        if descriptor is None or not any(
            k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            missing.append(name)
    assert missing == []


def extracted(reader: pypdf.PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))


def test_text_is_extracted_in_reading_order(a4: pypdf.PdfReader) -> None:
    text = extracted(a4).lower().replace("’", "'")
    order = [TITLE.lower(), "the ask", "what's in it for us", "risk if we don't"]
    positions = [text.find(words) for words in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))
    assert "$184,000" in text


# --- paper ------------------------------------------------------------------------------


@pytest.mark.parametrize("paper", list(PAPERS))
def test_the_handout_fits_two_sheets_of_each_paper(
    handouts: dict[str, Printed], paper: str
) -> None:
    reader = pypdf.PdfReader(handouts[paper].pdf)
    assert 1 <= len(reader.pages) <= 2
    for page in reader.pages:
        size = (round(page.mediabox.width), round(page.mediabox.height))
        assert size == PAPERS[paper]
    assert TITLE in extracted(reader)


def lay_out(printed: Printed, html: str | None = None) -> Any:
    """The handout laid out by WeasyPrint, as `buildcase.engines.weasyprint` does it."""
    import weasyprint

    fetcher = confined_fetcher(weasyprint, printed.allowed_dirs)
    return weasyprint.HTML(
        string=printed.html if html is None else html,
        base_url=printed.base_dir.as_uri() + "/",
        url_fetcher=fetcher,
    ).render()


def paints(box: Any) -> bool:
    """Whether a box puts ink on the page: text, an image or chart, a background or a
    border. (A box that only makes room, such as a table pulled into the margin by a
    negative margin to line its cells up, does not.)"""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
        return True
    style = box.style
    if style["background_color"].alpha > 0 or any(
        image[0] != "none" for image in style["background_image"]
    ):
        return True
    return any(
        style[f"border_{side}_width"] > 0
        and style[f"border_{side}_style"] not in ("none", "hidden")
        for side in ("top", "right", "bottom", "left")
    )


def overflowing_boxes(document: Any) -> list[str]:
    """Boxes that put ink outside their page: page content outside the content area, the
    running header and footer outside the sheet."""
    from weasyprint.formatting_structure import boxes

    found: list[str] = []

    def describe(box: Any) -> str:
        tag = getattr(box, "element_tag", "?")
        text = getattr(box, "text", None)
        classes = box.element.get("class", "") if getattr(box, "element", None) is not None else ""
        return f"{type(box).__name__} <{tag} class={classes!r}>" + (
            f" {text[:40]!r}" if text else ""
        )

    def walk(box: Any, area: tuple[float, float, float, float], number: int) -> None:
        left, top, right, bottom = area
        width, height = box.border_width(), box.border_height()
        if width > 0 and height > 0 and paints(box):
            x, y = box.border_box_x(), box.border_box_y()
            if (
                x < left - TOLERANCE
                or y < top - TOLERANCE
                or x + width > right + TOLERANCE
                or y + height > bottom + TOLERANCE
            ):
                found.append(
                    f"page {number}: {describe(box)} at ({x:.1f}, {y:.1f}) "
                    f"{width:.1f}x{height:.1f} outside ({left:.1f}, {top:.1f})-"
                    f"({right:.1f}, {bottom:.1f})"
                )
        for child in getattr(box, "children", []):
            walk(child, area, number)

    for number, page_box in enumerate(handout_module.page_boxes(document), 1):
        content = (
            page_box.content_box_x(),
            page_box.content_box_y(),
            page_box.content_box_x() + page_box.width,
            page_box.content_box_y() + page_box.height,
        )
        sheet = (0.0, 0.0, page_box.margin_width(), page_box.margin_height())
        for child in page_box.children:
            walk(child, sheet if isinstance(child, boxes.MarginBox) else content, number)
    return found


@pytest.mark.parametrize("paper", list(PAPERS))
def test_nothing_runs_off_a_page(handouts: dict[str, Printed], paper: str) -> None:
    document = lay_out(handouts[paper])
    assert len(document.pages) == len(pypdf.PdfReader(handouts[paper].pdf).pages)
    assert len(document.pages) <= 2
    assert overflowing_boxes(document) == []


def test_the_overflow_check_sees_a_line_too_long_for_the_page(
    handouts: dict[str, Printed],
) -> None:
    wide = '<p style="white-space: nowrap">' + "an unbreakable line of text " * 20 + "</p>"
    printed = handouts["a4"]
    document = lay_out(printed, printed.html.replace("</body>", wide + "</body>"))
    found = overflowing_boxes(document)
    assert any("an unbreakable line" in f for f in found), found


# --- not blank --------------------------------------------------------------------------


def page_colours(pdf: Path, tmp_path: Path) -> list[int]:
    """How many distinct colours each page shows, rendered at 30 dpi."""
    if not shutil.which("pdftoppm"):
        pytest.fail(INSTALL_POPPLER, pytrace=False)
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
        counts = []
        for png in sorted(tmp_path.glob("p-*.png")):
            with Image.open(png) as image:
                counts.append(len(image.convert("RGB").getcolors(maxcolors=1 << 24) or []))
        return counts
    # Without Pillow: raw PPM, whose pixel bytes follow a three-line header.
    subprocess.run(["pdftoppm", "-r", "30", str(pdf), str(tmp_path / "p")], check=True)
    return [
        len(set(ppm.read_bytes().split(b"\n", 3)[3])) for ppm in sorted(tmp_path.glob("p-*.ppm"))
    ]


@pytest.mark.parametrize("paper", list(PAPERS))
def test_no_printed_page_is_blank(handouts: dict[str, Printed], paper: str, tmp_path: Path) -> None:
    counts = page_colours(handouts[paper].pdf, tmp_path)
    assert counts and len(counts) == len(pypdf.PdfReader(handouts[paper].pdf).pages)
    assert all(count > 8 for count in counts), counts
