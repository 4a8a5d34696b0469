"""The rendered reveal.js deck read back as plain slides: the main line and the slides
below each, every slide's eyebrow, title, blocks of text, lists, tables, big figures,
facts, chart and speaker notes, so that the PowerPoint says what the HTML deck says and
never disagrees with it. Text stays text: a link keeps its words and loses its address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import lxml.html  # type: ignore[import-untyped]  # lxml ships no type hints

_Element = Any  # an lxml element

# Characters an XML document cannot hold: dropped, as a browser shows nothing for them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\r\n]+")
# The classes of a block whose children are tiles side by side: big figures, KPIs, shares.
_TILES = {"bc-figures", "bc-big-grid", "bc-decision__grid", "bc-kpis", "bc-split"}
# What a slide holds that a reader does not see: code, and what shows only without it.
_UNSEEN = {"script", "noscript", "style", "template"}
# Slides that work in a browser alone: the what-if panel's sliders are scripts, which a
# PowerPoint cannot run; its figures are the case slide's.
BROWSER_ONLY = {"whatif"}
_BLOCK_TAGS = {"p", "div", "ul", "ol", "dl", "table"}


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    muted: bool = False


@dataclass
class Para:
    """A paragraph: its runs, and its role (the class it had: `bc-figure__value`...)."""

    runs: list[Run] = field(default_factory=list)
    role: str = ""

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Cell:
    text: list[Run]
    header: bool = False  # a column's heading or a row's
    numeric: bool = False


@dataclass
class Block:
    """One part of a slide, in reading order. `kind`: text, list, table, tiles, facts or
    chart; `style`: the classes it had."""

    kind: str
    style: str = ""
    paras: list[Para] = field(default_factory=list)  # text; a list's items; facts' pairs
    items: list[list[Para]] = field(default_factory=list)  # a list's items, a tile's lines
    rows: list[tuple[list[Cell], str]] = field(default_factory=list)  # a table's, with class
    start: int = 1  # an ordered list's first number
    chart: str = ""  # the chart's name (its SVG's class `bc-chart--NAME`)
    alt: str = ""  # the chart's text alternative (its SVG's <title>)
    listed: str = ""  # what the chart's part lists (its SVG's <desc>)


@dataclass
class Slide:
    name: str  # data-slide
    classes: str
    eyebrow: str
    title: str
    heading: str  # h1 (the title slide) or h2
    blocks: list[Block]
    notes: list[Para]
    below: bool  # a slide below the first of its stack
    stack: int  # the number of its stack on the main line, from 0
    logo: bool  # the HTML shows the logo on it


@dataclass
class Deck:
    title: str
    language: str
    slides: list[Slide]


def read_deck(markup: str) -> Deck:
    """The deck's slides in the order a presenter meets them: each stack's slides from the
    top down, the stacks from left to right."""
    root = lxml.html.document_fromstring(_CONTROL.sub("", markup))
    container = root.find_class("slides")[0]
    slides: list[Slide] = []
    for stack, top in enumerate(e for e in container if e.tag == "section"):
        leaves = [top] if top.get("data-slide") else [e for e in top if e.tag == "section"]
        leaves = [e for e in leaves if e.get("data-slide") not in BROWSER_ONLY]
        for i, leaf in enumerate(leaves):
            slides.append(_slide(leaf, stack, below=i > 0))
    title = root.find(".//title")
    return Deck(
        _clean(title.text_content()) if title is not None else "", root.get("lang") or "en", slides
    )


def _slide(section: _Element, stack: int, below: bool) -> Slide:
    eyebrow, title, heading = "", "", "h2"
    blocks: list[Block] = []
    notes: list[Para] = []
    logo = False
    for child in section:
        tag, cls = child.tag, child.get("class") or ""
        if tag == "header":
            eyebrow, title = _text_of(child, "p"), _text_of(child, "h2")
        elif tag == "h1":
            title, heading = _clean(child.text_content()), "h1"
        elif "bc-eyebrow" in cls.split():
            eyebrow = _clean(child.text_content())
        elif tag == "aside":
            notes = _notes(child)
        elif tag == "img":
            logo = True
        elif isinstance(tag, str):
            blocks += _blocks(child)
    return Slide(
        section.get("data-slide") or "", section.get("class") or "", eyebrow, title, heading,
        blocks, notes, below, stack, logo,
    )  # fmt: skip


def _text_of(parent: _Element, tag: str) -> str:
    found = parent.find(tag)
    return "" if found is None else _clean(found.text_content())


def _blocks(e: _Element) -> list[Block]:
    """A slide's child as blocks (a wrapper of several, as several)."""
    tag, cls = e.tag, e.get("class") or ""
    classes = set(cls.split())
    if tag == "figure":
        return [_chart(e, cls)]
    if tag in ("ul", "ol"):
        start = int(e.get("start") or 1) if tag == "ol" else 0
        items = [_item(li) for li in e if li.tag == "li"]
        return [Block("list", cls, items=items, start=start)]
    if tag == "table":
        return [_table(e, cls)]
    if tag == "dl":
        return [_facts(e, cls)]
    if tag == "div" and classes & _TILES:
        tiles = [_tile(child) for child in e if isinstance(child.tag, str)]
        return [Block("tiles", cls, items=tiles)]
    kids = [c for c in e if isinstance(c.tag, str) and c.tag not in _UNSEEN]
    if tag == "div" and kids and all(c.tag in _BLOCK_TAGS for c in kids):
        return [b for child in kids for b in _blocks(child)]
    if tag in _UNSEEN:
        return []
    para = Para(_runs(e), cls)
    return [Block("text", cls, paras=[para])] if para.text.strip() else []


def _chart(figure: _Element, cls: str) -> Block:
    svg = next((e for e in figure.iter() if _local(e.tag) == "svg"), None)
    if svg is None:
        return Block("text", cls, paras=[Para(_runs(figure), cls)])
    name = next(
        (c.removeprefix("bc-chart--") for c in (svg.get("class") or "").split()
         if c.startswith("bc-chart--") and c != "bc-chart--slide"),
        "",
    )  # fmt: skip
    title = next((e for e in svg if _local(e.tag) == "title"), None)
    desc = next((e for e in svg if _local(e.tag) == "desc"), None)
    return Block(
        "chart", cls, chart=name,
        alt=_clean(title.text_content()) if title is not None else "",
        listed=_clean(desc.text_content()) if desc is not None else "",
    )  # fmt: skip


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _item(li: _Element) -> list[Para]:
    """A list item: its parts (title, meta, amount) each a paragraph, by its class."""
    parts = [c for c in li if c.tag == "span" and "bc-list__" in (c.get("class") or "")]
    if not parts:
        return [Para(_runs(li), "")]
    return [Para(_runs(p), p.get("class") or "") for p in parts]


def _table(table: _Element, cls: str) -> Block:
    rows: list[tuple[list[Cell], str]] = []
    for tr in table.iter("tr"):
        data = [c for c in tr if c.tag == "td"]
        if data and all(c.find(".//output") is not None for c in data):
            continue  # a row a script fills in (the what-if panel's): empty in a file
        cells = [
            Cell(_runs(c), c.tag == "th", "n" in (c.get("class") or "").split())
            for c in tr
            if c.tag in ("td", "th")
        ]
        head = tr.getparent() is not None and tr.getparent().tag == "thead"
        rows.append((cells, "head" if head else tr.get("class") or ""))
    return Block("table", cls, rows=rows)


def _facts(dl: _Element, cls: str) -> Block:
    """A definition list (facts, questions and answers) as alternating term and text."""
    paras = [Para(_runs(e), e.tag) for e in dl.iter("dt", "dd")]
    return Block("facts", cls, paras=paras)


def _tile(e: _Element) -> list[Para]:
    """One tile: its lines (value, label, note...), each with its class as its role."""
    lines = [c for c in e if isinstance(c.tag, str)]
    if not lines:
        return [Para(_runs(e), e.get("class") or "")]
    return [Para(_runs(c), c.get("class") or "") for c in lines]


def _runs(e: _Element, bold: bool = False, muted: bool = False) -> list[Run]:
    """The text of `e` as runs, bold where it is strong; a `<br>` a line break (`\\v`);
    an SVG or an image gives nothing; a link its words only."""
    runs: list[Run] = []
    if e.text:
        runs.append(Run(e.text, bold, muted))
    for child in e:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            runs.append(Run("\v", bold, muted))
        elif tag and _local(tag) not in ("svg", "img", "aside", *_UNSEEN):
            strong = bold or tag in ("strong", "b", "dt")
            quiet = muted or "bc-muted" in (child.get("class") or "")
            runs += _runs(child, strong, quiet)
        if child.tail:
            runs.append(Run(child.tail, bold, muted))
    return _joined(runs)


def _joined(runs: list[Run]) -> list[Run]:
    """Runs with their spaces collapsed as a browser shows them, neighbours of one style
    merged, and no space at either end."""
    merged: list[Run] = []
    for run in runs:
        text = _SPACES.sub(" ", run.text)
        if merged and (merged[-1].bold, merged[-1].muted) == (run.bold, run.muted):
            merged[-1] = Run(merged[-1].text + text, run.bold, run.muted)
        else:
            merged.append(Run(text, run.bold, run.muted))
    for i, run in enumerate(merged):  # no space after a line break or a space
        before = merged[i - 1].text if i else "\v"
        if before.endswith((" ", "\v")) and run.text.startswith(" "):
            merged[i] = Run(run.text.lstrip(" "), run.bold, run.muted)
    if merged:
        merged[0] = Run(merged[0].text.lstrip(), merged[0].bold, merged[0].muted)
        merged[-1] = Run(merged[-1].text.rstrip(), merged[-1].bold, merged[-1].muted)
    return [r for r in merged if r.text]


def _notes(aside: _Element) -> list[Para]:
    """The speaker notes: each paragraph, and each item of a list as a paragraph."""
    paras: list[Para] = []
    for e in aside.iter("p", "li", "div"):
        if e.tag == "div" and any(c.tag in ("p", "ul", "ol", "div") for c in e):
            continue  # its paragraphs are read on their own
        para = Para(_runs(e), "li" if e.tag == "li" else "")
        if para.text.strip():
            paras.append(para)
    return paras


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
