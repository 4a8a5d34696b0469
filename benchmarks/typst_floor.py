"""The floor of issue 32's handout target: the same handout made by Typst, timed warm.

Issue 32 asks for a handout within 3x of Typst's time for the same content, PDF/UA kept.
`typst_handout_seconds` takes the handout's HTML as buildcase writes it (the very file the
bare `weasyprint` of benchmarks/run.py lays out), turns it into a Typst document with the
same content and compiles that with one warm `typst.Compiler`, as a tagged PDF/UA-1:

- every heading, paragraph, list item, table row and cell, footnote marker and key figure,
  as text in the same order (what CSS hides, Typst leaves out too; what CSS adds, the
  running footer and the address after a link, Typst adds);
- every chart, each inline <svg> written to a file beside the document and placed as an
  image (alt text: the chart's <title>), and every <img> (the logo);
- the fonts of the handout's @font-face rules (Inter), and no system font;
- A4, the handout's margins and type sizes, its side-by-side rows as grids.

The look follows templates/handout/handout.css where Typst says it easily
(benchmarks/typst/handout.typ); fidelity of look matters less than the same work: as much
text, as many tables, images and fonts.

The HTML is read with the standard library's html.parser, and all text goes into Typst as
string literals (`#"..."`), so no character of the proposal's can be read as markup.
"""

from __future__ import annotations

import base64
import itertools
import re
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

import typst

TEMPLATE = Path(__file__).resolve().parent / "typst" / "handout.typ"
MAIN = "handout.typ"  # the document written into workdir
STYLE = "handout-style.typ"  # the template, copied beside it
PDF = "typst-handout.pdf"  # the warm-up compile's PDF, for a person to look at
COPIES = "copies"  # a copy of the document for each timed compile
PDF_STANDARD: Final = "ua-1"
PAGES_LABEL = "bc-pages"

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})  # fmt: skip
SKIPPED = frozenset({"head", "script", "style", "template", "noscript"})
INLINE = frozenset({"a", "abbr", "b", "br", "cite", "code", "em", "i", "q", "s", "small",
                    "span", "strong", "sub", "sup", "time", "u"})  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

# What a class does to the words inside its element (a function of handout.typ; "@" stands
# for the proposal's primary colour as the first argument).
TEXT_STYLES = {
    "masthead__org": "org(@)",
    "masthead__meta": "muted",
    "label": "eyebrow",
    "decision__action": "action",
    "decision__by": "big-label",
    "big__label": "big-label",
    "big__note": "muted",
    "figure__value": "figure-value(@)",
    "entry__meta": "muted",
    "entry__fix": "fix",
    "muted": "muted",
    "k": "key",
    "goals__by": "by",
    "cares__message": "message",
    "chip": "chip",
    "decision__notes": "quiet",
    "decision__split": "quiet",
    "howto": "quiet",
    "sources": "quiet",
    "map__hours": "quiet",
    "note": "note(@)",
    "source": "source",
    "result--met": 'result(rgb("#1b7f5c"))',
    "result--missed": 'result(rgb("#b3261e"))',
    "result--none": "result(grey)",
}
# The value of a big figure, in the colour of its box.
BIG_VALUES = {"big--gain": "gain-value", "big--loss": "loss-value"}
# Spans shown as a block of their own (`display: block` in the CSS).
OWN_LINE = frozenset({"k", "goals__by", "source"})
# Boxes: what draws a border or a background around a whole block.
BOXES = {
    "masthead": "masthead(@)",
    "decision": 'panel(@, rgb("#f3f4f8"))',
    "recommendation": 'panel(@, rgb("#f3f4f8"))',
    "needs": 'panel(accent, rgb("#f3f4f8"))',
    "cares": 'panel(accent, rgb("#f3f4f8"))',
    "column--gain": 'column-box(rgb("#1b7f5c"), rgb("#f1f8f4"), rgb("#1b7f5c"))',
    "column--risk": 'column-box(rgb("#b3261e"), rgb("#fcf2f1"), rgb("#b3261e"))',
    "cases__success": 'column-box(rgb("#1b7f5c"), rgb("#f1f8f4"), rgb("#1b7f5c"))',
    "cases__obstacle": 'column-box(rgb("#b3261e"), rgb("#fcf2f1"), rgb("#b3261e"))',
    "contacts": "contacts-box",
    "figure": "figure-cell",
    "big": "big-cell(@)",
    "big--gain": 'big-cell(rgb("#1b7f5c"))',
    "big--loss": 'big-cell(rgb("#b3261e"))',
    "total": "total",
}
# Blocks the CSS keeps on one page (`break-inside: avoid`) and draws no box around.
KEPT = frozenset({"figures", "money", "pair-section", "plan-line", "yours", "map", "numbers",
                  "status", "entries", "pair"})  # fmt: skip
# Side by side (CSS tables and flex): each child element a column, of these widths.
GRIDS: dict[str, tuple[str, ...]] = {
    "decision__figures": (),  # () : as many equal columns as children
    "figures__grid": (),
    "entries": (),
    "pair": ("112mm", "1fr"),
    "contacts": ("1fr", "88mm"),
    "cases": (),
}
GUTTERS = {"decision__figures": "4mm", "figures__grid": "4mm", "entries": "2.5mm",
           "pair": "5mm", "contacts": "6mm", "cases": "5mm"}  # fmt: skip
# How wide a chart inside an element of this class is drawn.
CHART_WIDTHS = {"pair__chart": "112mm", "plan-line__chart": "112mm", "map__chart": "148mm",
                "site__qr": "20mm"}  # fmt: skip
# A heading inside an element of this class, styled as a label.
LABEL_HEADINGS = frozenset({"sources"})
# `.plan-line__chart ~ .plan-text .plan-text__phases { display: none; }`: a class that hides
# another inside the siblings after it.
HIDES_LATER = {"plan-line__chart": "plan-text__phases"}
# Column widths of a table, by its header cell's class.
COLUMN_WIDTHS = {"goals__goal": "42%", "n": "auto"}
FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}", re.S)
FONT_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
FONT_FAMILY = re.compile(r"""font-family\s*:\s*["']?([^"';]+)["']?""")
COLOUR_VAR = r"--bc-{}\s*:\s*(#[0-9a-fA-F]{{3,8}})"
MARGIN_BOX = re.compile(r"@bottom-(left|right)\s*{([^}]*)}")
CONTENT = re.compile(r"content\s*:\s*([^;]*)")
CONTENT_PART = re.compile(  # a string, counter(page) or string(title)
    r""""([^"]*)"|'([^']*)'|counter\(\s*(\w+)\s*\)|string\(\s*([\w-]+)\s*\)"""
)
STRING_SET = re.compile(r"([^{}]+?)\s*{[^{}]*string-set\s*:\s*([\w-]+)\s+content\(\)")
DEFAULT_PRIMARY = "#3949ab"
BREAKS = re.compile(r"(?:#linebreak\(\)){2,}")  # a span on its own line after another


class TypstFloorError(Exception):
    """The handout could not be turned into Typst, or Typst could not compile it."""


# --- the HTML, as a tree ----------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    source: str = ""  # an <svg>'s own markup, as written
    title: str = ""  # an <svg>'s <title>

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class HandoutParser(HTMLParser):
    """The handout's body as a tree of Nodes; its title, language and stylesheets apart.
    An <svg> is kept whole, as written (html.parser lowercases attribute names, and SVG's
    `viewBox` is case-sensitive)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.root = Node("root")
        self.stack = [self.root]
        self.title = ""
        self.lang = "en"
        self.styles: list[str] = []
        self.skipping: list[str] = []  # the skipped elements we are inside
        self.svg: Node | None = None  # the <svg> we are inside
        self.svg_start = 0
        self.svg_depth = 0
        self.in_svg_title = False
        self.feed(html)
        self.close()

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html" and values.get("lang"):
            self.lang = values["lang"]
        if self.svg is not None:
            self.svg_depth += tag == "svg"
            self.in_svg_title = tag == "title" and self.svg_depth == 1 and not self.svg.title
            return
        if self.skipping or tag in SKIPPED:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag == "svg":
            self.svg, self.svg_start, self.svg_depth = Node("svg", values), self.position(), 1
            return
        node = Node(tag, values)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.svg is not None:
            self.in_svg_title = False
            if tag == "svg":
                self.svg_depth -= 1
                if self.svg_depth == 0:
                    end = self.html.index(">", self.position()) + 1
                    self.svg.source = self.html[self.svg_start : end]
                    self.stack[-1].children.append(self.svg)
                    self.svg = None
            return
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        for depth in range(len(self.stack) - 1, 0, -1):  # close what was left open, too
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.svg is not None:
            if self.in_svg_title:
                self.svg.title += data
            return
        if self.skipping:
            if self.skipping[-1] == "title":
                self.title += data
            elif self.skipping[-1] == "style":
                self.styles.append(data)
            return
        self.stack[-1].children.append(data)


def text_of(node: Node | str) -> str:
    if isinstance(node, str):
        return node
    return node.title if node.tag == "svg" else "".join(map(text_of, node.children))


def elements(node: Node, *tags: str) -> list[Node]:
    """The child elements of `node` with one of these tags."""
    return [c for c in node.children if isinstance(c, Node) and c.tag in tags]


def is_inline(node: Node | str) -> bool:
    return isinstance(node, str) or node.tag in INLINE


def hide_what_css_hides(node: Node) -> None:
    """Take out what the CSS does not show: `hidden` elements, and what HIDES_LATER says."""
    node.children = [c for c in node.children if not (isinstance(c, Node) and "hidden" in c.attrs)]
    hiding: set[str] = set()
    for child in node.children:
        if not isinstance(child, Node):
            continue
        for cls in hiding:
            remove_class(child, cls)
        hiding |= {HIDES_LATER[c] for c in child.classes if c in HIDES_LATER}
        hide_what_css_hides(child)


def remove_class(node: Node, cls: str) -> None:
    node.children = [c for c in node.children if not (isinstance(c, Node) and cls in c.classes)]
    for child in node.children:
        if isinstance(child, Node):
            remove_class(child, cls)


def collapse_whitespace(node: Node) -> None:
    """Collapse white space as CSS does (`white-space: normal`): a run of it is one space,
    none at the start or the end of a block, nor twice across inline elements."""
    run: list[tuple[Node, int]] = []
    for index, child in enumerate(node.children):
        if isinstance(child, str):
            run.append((node, index))
        elif child.tag in INLINE:
            run.extend(inline_texts(child))
        else:
            collapse_run(run)
            run = []
            collapse_whitespace(child)
    collapse_run(run)


def inline_texts(node: Node) -> list[tuple[Node, int]]:
    """Where each text inside an inline element is: its parent and its index there; a
    line break (a <br>, either side of a span on a line of its own) as index -1."""
    if node.tag == "br":
        return [(node, -1)]
    places: list[tuple[Node, int]] = []
    for index, child in enumerate(node.children):
        places.extend([(node, index)] if isinstance(child, str) else inline_texts(child))
    if OWN_LINE & set(node.classes):
        return [(node, -1), *places, (node, -1)]
    return places


def collapse_run(places: list[tuple[Node, int]]) -> None:
    after_space = True  # the start of a block, or of a line
    texts: list[tuple[Node, int]] = []
    for owner, index in places:
        if index < 0:  # a line ends: no space at its end nor at the next one's start
            after_space = True
            for before, at in reversed(texts):
                before.children[at] = text = str(before.children[at]).rstrip(" ")
                if text:
                    break
            continue
        text = re.sub(r"\s+", " ", str(owner.children[index]))
        if after_space:
            text = text.lstrip(" ")
        if text:
            after_space = text.endswith(" ")
        owner.children[index] = text
        texts.append((owner, index))
    for owner, index in reversed(texts):  # no space at the end of a block
        text = str(owner.children[index]).rstrip(" ")
        owner.children[index] = text
        if text:
            break


# --- the tree, as Typst markup ------------------------------------------------------------


def typst_string(text: str) -> str:
    """A Typst string literal: nothing in it is read as markup or code."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Context:
    """What an element's ancestors decide about it."""

    chart_width: str = "100%"
    big_value: str = "big-value"  # the style of a `.big__value` here
    label_headings: bool = False


@dataclass
class Converter:
    """The body of a handout -> Typst markup; its charts and images written to `workdir`."""

    workdir: Path
    assets_dir: Path
    charts: int = 0
    images: int = 0
    written: list[Path] = field(default_factory=list)  # the charts and images

    def markup(self, nodes: list[Node | str], context: Context) -> str:
        """Block content: each run of inline content a paragraph, each block on its own."""
        parts: list[str] = []
        for inline, group in itertools.groupby(nodes, key=is_inline):
            if inline:
                parts.append(self.paragraph(list(group), context))
            else:
                parts.extend(self.block(node, context) for node in group if isinstance(node, Node))
        return "\n\n".join(part for part in parts if part)

    def paragraph(self, nodes: list[Node | str], context: Context) -> str:
        """Inline content; no line break at its start or end, nor two in a row."""
        text = BREAKS.sub("#linebreak()", "".join(self.inline(n, context) for n in nodes))
        return text.strip().removeprefix("#linebreak()").removesuffix("#linebreak()")

    def inline(self, node: Node | str, context: Context) -> str:
        if isinstance(node, str):
            return f"#{typst_string(node)}" if node else ""
        inner = "".join(self.inline(c, context) for c in node.children)
        if node.tag == "br":
            return "#linebreak()"
        if node.tag in ("strong", "b"):
            inner = f"#strong[{inner}]"
        elif node.tag in ("em", "i"):
            inner = f"#emph[{inner}]"
        elif node.tag == "sub":
            inner = f"#sub[{inner}]"
        elif node.tag == "sup" and "note" not in node.classes:
            inner = f"#super[{inner}]"
        elif node.tag == "a" and node.attrs.get("href", "").startswith("http"):
            inner += f"#{typst_string(' (' + node.attrs['href'] + ')')}"  # handout.css ::after
        inner = self.styled(node, inner, context)
        if OWN_LINE & set(node.classes):
            inner = f"#linebreak(){inner}#linebreak()"
        return inner

    def styled(self, node: Node, inner: str, context: Context) -> str:
        for cls in node.classes:
            style = context.big_value if cls == "big__value" else TEXT_STYLES.get(cls)
            if style and inner:
                inner = f"#{call(style)}[{inner}]"
        return inner

    def block(self, node: Node, context: Context) -> str:
        tag, classes = node.tag, node.classes
        if tag == "svg":
            return self.chart(node, context.chart_width)
        if tag == "img":
            return self.image(node)
        if tag in HEADINGS:
            inner = self.styled(node, self.markup(node.children, context), context)
            if context.label_headings:
                inner = f"#eyebrow[{inner}]"
            return f"#heading(level: {HEADINGS[tag]})[{inner}]"
        if tag in ("ul", "ol"):
            items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
            args = ", ".join(f"[{self.markup(li.children, context)}]" for li in items)
            return f"#{'list' if tag == 'ul' else 'enum'}({args})"
        if tag == "table":
            return self.table(node, context)
        for cls in classes:
            context = replace(
                context,
                chart_width=CHART_WIDTHS.get(cls, context.chart_width),
                big_value=BIG_VALUES.get(cls, context.big_value),
                label_headings=context.label_headings or cls in LABEL_HEADINGS,
            )
        grid = next((c for c in classes if c in GRIDS), None)
        inner = self.grid(node, grid, context) if grid else self.markup(node.children, context)
        inner = self.styled(node, inner, context) if inner else ""
        boxes = [c for c in classes if c in BOXES]  # the last: BEM's modifier, if any
        if boxes:
            inner = f"#{call(BOXES[boxes[-1]])}[{inner}]"
        elif KEPT & set(classes) and inner:
            inner = f"#kept[{inner}]"
        return inner

    def grid(self, node: Node, cls: str, context: Context) -> str:
        cells = [c for c in node.children if isinstance(c, Node)]
        widths = GRIDS[cls] if len(GRIDS[cls]) == len(cells) else ("1fr",) * len(cells)
        args = ", ".join(f"[{self.block(c, context)}]" for c in cells)
        columns = "(" + ", ".join(widths) + ",)"
        return f"#grid(columns: {columns}, column-gutter: {GUTTERS[cls]}, {args})"

    def table(self, node: Node, context: Context) -> str:
        head: list[str] = []
        body: list[str] = []
        widths: list[str] = []
        for group in node.children:
            if not isinstance(group, Node):
                continue
            rows = [group] if group.tag == "tr" else elements(group, "tr")
            for row in rows:
                cells = elements(row, "th", "td")
                if group.tag == "thead" and not widths:
                    widths = [
                        next((COLUMN_WIDTHS[c] for c in cell.classes if c in COLUMN_WIDTHS), "1fr")
                        for cell in cells
                        for _ in range(int(cell.attrs.get("colspan", "1") or 1))
                    ]
                target = head if group.tag == "thead" else body
                target.extend(self.cell(c, group.tag == "thead", context) for c in cells)
                width = sum(int(c.attrs.get("colspan", "1") or 1) for c in cells)
                widths += ["1fr"] * (width - len(widths))
        header = f"table.header({', '.join(head)}), " if head else ""
        return f"#table(columns: ({', '.join(widths)},), {header}{', '.join(body)})"

    def cell(self, node: Node, in_head: bool, context: Context) -> str:
        inner = self.markup(node.children, context)
        if node.tag == "th":
            inner = f"#big-label[{inner}]" if in_head else f"#text(weight: 700)[{inner}]"
        options = []
        if int(node.attrs.get("colspan", "1") or 1) > 1:
            options.append(f"colspan: {node.attrs['colspan']}")
        if int(node.attrs.get("rowspan", "1") or 1) > 1:
            options.append(f"rowspan: {node.attrs['rowspan']}")
        if "n" in node.classes:
            options.append("align: right")
        return f"table.cell({', '.join(options)})[{inner}]" if options else f"[{inner}]"

    def chart(self, node: Node, width: str) -> str:
        """An inline <svg>, written to a file of its own and placed as an image."""
        self.charts += 1
        name = f"chart-{self.charts}.svg"
        (self.workdir / name).write_text(standalone_svg(node.source), encoding="utf-8")
        self.written.append(self.workdir / name)
        alt = " ".join(node.title.split()) or "chart"
        return f"#image({typst_string(name)}, width: {width}, alt: {typst_string(alt)})"

    def image(self, node: Node) -> str:
        """An <img>, copied beside the document (Typst reads files inside its root only)."""
        src = node.attrs.get("src", "")
        data = image_bytes(src, self.assets_dir)
        self.images += 1
        if src.startswith("data:"):
            suffix = "." + src[5:].split(";")[0].split(",")[0].split("/")[-1].split("+")[0]
        else:
            suffix = Path(urllib.parse.urlparse(src).path).suffix
        name = f"image-{self.images}{suffix or '.png'}"
        (self.workdir / name).write_bytes(data)
        self.written.append(self.workdir / name)
        alt = typst_string(node.attrs.get("alt", "") or "image")
        if "masthead__logo" in node.classes:
            size = 'height: 11mm, width: 33mm, fit: "contain"'
            return f"#place(top + right, image({typst_string(name)}, {size}, alt: {alt}))"
        return f"#image({typst_string(name)}, alt: {alt})"


def call(style: str) -> str:
    """A style of the tables above as a Typst call: "@" is the primary colour."""
    return style.replace("@", "primary")


def standalone_svg(source: str) -> str:
    """An inline <svg> as a file of its own: the size of its viewBox (the page sets its
    width), and `currentColor` the colour the handout's CSS gives it."""
    start = source.index(">") + 1
    tag = source[:start]
    tag = re.sub(r'\s(width|height|color)="[^"]*"', "", tag)
    box = re.search(r'viewBox="([^"]*)"', tag)
    size = ""
    if box:
        _x, _y, w, h = box.group(1).replace(",", " ").split()
        size = f' width="{w}" height="{h}"'
    if "xmlns=" not in tag:
        size += ' xmlns="http://www.w3.org/2000/svg"'
    return tag[:4] + size + ' color="#1f2933"' + tag[4:] + source[start:]


def image_bytes(src: str, assets_dir: Path) -> bytes:
    if src.startswith("data:"):
        meta, _, payload = src.partition(",")
        if meta.endswith(";base64"):
            return base64.b64decode(payload)
        return urllib.parse.unquote_to_bytes(payload)
    if src.startswith("file:"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(src).path)).read_bytes()
    if "://" in src:
        raise TypstFloorError(f"the handout loads {src}: only files and data: URIs are read")
    return (assets_dir / urllib.parse.unquote(src)).read_bytes()


# --- the handout's stylesheet: its fonts and colours --------------------------------------


def font_faces(styles: str, assets_dir: Path) -> tuple[str, list[Path]]:
    """The family of the handout's @font-face rules and the folders of their files."""
    family = ""
    folders: list[Path] = []
    for rule in FONT_FACE.findall(styles):
        if not family and (name := FONT_FAMILY.search(rule)):
            family = name.group(1).strip()
        for url in FONT_URL.findall(rule):
            if url.startswith("file:"):
                path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
            else:
                path = assets_dir / urllib.parse.unquote(url)
            if path.is_file() and path.parent not in folders:
                folders.append(path.parent)
    if not folders:
        raise TypstFloorError(f"no @font-face font of the handout found under {assets_dir}")
    return family, folders


def footer(styles: str, body: Node) -> dict[str, str]:
    """The running footer of the handout's @page rules, each side as a Typst array: its
    strings, the texts its `string()`s take from the body (`string-set`), and its page
    counters as `(counter: "page")` for the template to fill in."""
    named = {}
    for selector, name in STRING_SET.findall(styles):
        node = select(body, selector.split(",")[-1].split())
        if node is not None and name not in named:
            named[name] = " ".join(text_of(node).split())
    sides = {}
    for side, rule in MARGIN_BOX.findall(styles):
        content = CONTENT.search(rule)
        parts = []
        for double, single, counter, string in CONTENT_PART.findall(content[1] if content else ""):
            if counter:
                parts.append(f"(counter: {typst_string(counter)})")
            else:
                parts.append(typst_string(named.get(string, "") if string else double or single))
        sides[side] = "(" + "".join(f"{part}, " for part in parts) + ")"
    return sides


def select(node: Node, compounds: list[str]) -> Node | None:
    """The first element a descendant selector of tags and classes (`.masthead h1`) finds."""
    for compound in compounds:
        found = first(node, compound_matcher(compound))
        if found is None:
            return None
        node = found
    return node


def compound_matcher(compound: str) -> Callable[[Node], bool]:
    """Whether an element matches one compound of a selector: `h1`, `.org`, `p.org`."""
    tag, *classes = compound.split(".")
    return lambda n: (not tag or n.tag == tag) and set(classes) <= set(n.classes)


def first(node: Node, matches: Callable[[Node], bool]) -> Node | None:
    """The first element in `node` that `matches`, in document order."""
    for child in node.children:
        if not isinstance(child, Node):
            continue
        if matches(child):
            return child
        if (found := first(child, matches)) is not None:
            return found
    return None


def colour(styles: str, name: str, default: str) -> str:
    found = re.findall(COLOUR_VAR.format(name), styles)
    return found[-1] if found else default  # the last rule wins: the proposal's brand


# --- the document, and its time ------------------------------------------------------------


@dataclass(frozen=True)
class TypstHandout:
    main: Path  # the document, in its folder with the files below
    files: list[Path]  # every file it reads: the document, its style, charts and images
    fonts: list[Path]  # the folders of the handout's fonts


def typst_handout(handout_html: str, assets_dir: Path, workdir: Path) -> TypstHandout:
    """Write the Typst document of the same content as `handout_html` into `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    parsed = HandoutParser(handout_html)
    styles = "\n".join(parsed.styles)
    family, fonts = font_faces(styles, assets_dir)
    body = parsed.root
    hide_what_css_hides(body)
    collapse_whitespace(body)
    primary = colour(styles, "primary", DEFAULT_PRIMARY)
    accent = colour(styles, "accent", primary)
    converter = Converter(workdir, assets_dir)
    content = converter.markup(body.children, Context())
    h1 = select(body, ["h1"])
    title = " ".join(parsed.title.split()) or " ".join(text_of(h1 or body).split())
    sides = footer(styles, body)
    settings = ", ".join([
        f"title: {typst_string(title)}",
        f"footer-left: {sides.get('left', '()')}",
        f"footer-right: {sides.get('right', '()')}",
        f"lang: {typst_string(parsed.lang.split('-')[0].lower())}",
        f"font: {typst_string(family or 'Inter')}",
    ])  # fmt: skip
    shutil.copyfile(TEMPLATE, workdir / STYLE)
    main = workdir / MAIN
    main.write_text(
        f'#import "{STYLE}": *\n'
        f'#let primary = rgb("{primary}")\n'
        f'#let accent = rgb("{accent}")\n'
        f"#show: handout.with({settings})\n\n"
        f"{content}\n\n"
        f"#context [#metadata(counter(page).final().first()) <{PAGES_LABEL}>]\n",
        encoding="utf-8",
    )
    return TypstHandout(main, [main, workdir / STYLE, *converter.written], fonts)


def typst_handout_seconds(
    handout_html: str, assets_dir: Path, workdir: Path, repeats: int
) -> tuple[list[float], int]:
    """Typst's warm time for the same handout, and its page count.

    `handout_html` is the handout as buildcase renders it; `assets_dir` the folder its
    relative URLs (the fonts) are read from; `workdir` a folder for the Typst document
    (`handout.typ`), its charts and `typst-handout.pdf`, the PDF of one untimed warm-up
    compile, for a person to look at.
    Then one warm `typst.Compiler` (its fonts loaded) compiles the document `repeats`
    times more, each time to a PDF/UA-1 in memory, timed: their seconds, and the page count.

    Each timed compile is of a copy of the document in a folder of its own (written before
    the clock starts), so that it is a handout the compiler has not seen: Typst remembers
    what it laid out, and a compile of an unchanged document costs a fraction of one of a
    new handout (about 5 ms against 30), which is not the work a build asks of it."""
    document = typst_handout(handout_html, assets_dir, workdir)
    shutil.rmtree(workdir / COPIES, ignore_errors=True)  # an earlier run's
    copies = []
    for n in range(1, repeats + 1):
        folder = workdir / COPIES / str(n)
        folder.mkdir(parents=True)
        for file in document.files:
            shutil.copyfile(file, folder / file.name)
        copies.append(folder / MAIN)
    compiler = typst.Compiler(
        input=document.main,
        root=workdir,
        font_paths=list(document.fonts),
        ignore_system_fonts=True,
    )
    try:
        compiler.compile(output=workdir / PDF, format="pdf", pdf_standards=PDF_STANDARD)
        seconds = []
        for main in copies:
            started = time.perf_counter()
            compiler.compile(input=main, format="pdf", pdf_standards=PDF_STANDARD)
            seconds.append(time.perf_counter() - started)
        pages = compiler.query(f"<{PAGES_LABEL}>", field="value", one=True)
    except typst.TypstError as e:
        raise TypstFloorError(f"{document.main}: {e.message}\n{e.diagnostic}") from e
    return seconds, int(pages)
