"""A lower bound on each handout's length, from the text it shows, before any layout.

A handout may take two pages, and laying one out is what costs: WeasyPrint takes about a
tenth of a second a page. A proposal within every limit can still hold 25 benefits and 25
risks of 3,000 characters each, whose handouts the build laid out on 52 pages each (6 s;
20 s with 12 audiences) before it could find them too long. So `check` and `build` measure
here, from the computed case, the text each handout shows, set in the handout's own font
at the sizes of its stylesheet (templates/handout/handout.css): a handout that cannot fit
is reported without being laid out. It never stops the rest of a build: `check` warns of
it, and `build` publishes everything else, leaves that handout out and fails naming it.

The measure is a lower bound, so that no handout that would fit is reported: text is set
as tightly as it could be (each line filled to its last glyph, each glyph at its narrowest
in the handout's fonts and kerned as closely as any pair can be), each part at its
smallest (one line where it may take several), no space counted for page breaks, the
optional parts (the charts and the goals' table, which a long handout leaves out) not at
all, and on the paper, A4 or letter, that holds the most. It cannot tell that a handout
fits: a handout it lets through is laid out (by `check`, through the engines, and by
`build`), and one that the layout finds too long is reported in the same words
(`compute.checks.too_long_problem`), located by the part the layout found longest.

It knows buildcase's own handout only: where a proposal or its workspace brings its own
handout templates, which may set the text at any size, only the layout tells.
"""

from __future__ import annotations

import functools
import math
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from buildcase.compute import Case
from buildcase.compute.records import Edition, RiskView
from buildcase.load import Path_
from buildcase.markup import plain_text
from buildcase.models.sections import Behaviour, Proposal
from buildcase.workspace import default_templates_dir

MAX_PAGES = 2  # as handout.MAX_PAGES, which this module must not import (WeasyPrint)
MM_PER_PT = 25.4 / 72

# The templates the handout is made from: where any is overridden, the bound does not hold.
HANDOUT_TEMPLATES = ("handout/handout.html.j2", "handout/handout.css", "site/_macros.j2")


@dataclass(frozen=True)
class Paper:
    """A page's content box in mm: the paper less the margins of handout.css's @page
    (11 mm at the top, 13 mm at the foot and the sides)."""

    width: float
    height: float


PAPERS = (Paper(210 - 26, 297 - 24), Paper(215.9 - 26, 279.4 - 24))  # A4, letter


@dataclass(frozen=True)
class Type:
    """Text as handout.css sets it: its size in pt and its line height, times the size."""

    size: float
    leading: float = 1.25  # the html element's, inherited

    @property
    def line(self) -> float:
        """The height of one line, in mm."""
        return self.size * self.leading * MM_PER_PT


# Every text but the footnote markers is set at 9 pt or more (issue 31).
BODY = Type(9)
SUMMARY = Type(9, 1.3)
TITLE = Type(14, 1.15)
ENTRY_TITLE = Type(9)
SMALL = Type(9)  # a benefit's or risk's figures and mitigation
PLAN = Type(9)
TABLE = Type(9)
SMALLEST = Type(9)  # the sources, the labels, a table's head
MESSAGE = Type(10)  # an audience's message
HEADING = Type(11)  # a section's h2
COLUMN_HEADING = Type(11)
ROW = 1.2  # a table row's paddings

# The smallest height of the parts whose text the bound does not measure, in mm (the
# margins and paddings of handout.css; a big figure of the decision, the payback chart).
DECISION_BOX = 6.5  # its paddings and margin, with nothing in it
BIG_FIGURES = 12.0  # the ask, the return, the payback, the cost of doing nothing
BUSINESS_CASE = 15.0  # the heading and one figure
PAYBACK_CHART = 50.0  # 112 mm wide, as drawn; not one of the charts a long handout drops
KEY_NUMBERS = 13.0
CONTACTS = 5.0

# The least width, in thousandths of an em, that each printable ASCII character (" " to "~")
# can take in the four fonts the handout is set in (templates/assets/fonts/Inter-*.otf:
# Regular, Italic, SemiBold and Bold): its narrowest advance, less the most that any
# kerning pair beginning with it takes off ("r." is set closer than "r" and "."). The
# test in tests/test_handout_length.py reads it from the fonts again.
_ADVANCES = (
    231, 278, 227, 630, 637, 744, 548, 44, 350, 328, 363, 551, 143, 352, 139, 294,
    573, 419, 589, 585, 607, 580, 578, 411, 565, 572, 213, 217, 630, 562, 562, 444,
    786, 545, 650, 687, 673, 598, 465, 713, 690, 264, 463, 544, 409, 762, 691, 715,
    491, 715, 615, 637, 511, 649, 562, 840, 573, 545, 562, 350, 224, 328, 332, 343,
    497, 480, 518, 484, 620, 486, 269, 558, 517, 237, 237, 458, 237, 795, 511, 496,
    515, 557, 292, 448, 323, 507, 477, 732, 477, 477, 501, 350, 326, 328, 579,
)  # fmt: skip
_NARROWEST = min(_ADVANCES) / 1000  # for a character not in the table, whatever its font
_WIDEST = max(_ADVANCES) / 1000
_BREAKS = re.compile(r"[ \t\n\r\f\v]+")  # where a line may break (not a no-break space)


@functools.lru_cache(maxsize=4096)  # every edition of a handout shows the same texts
def text_lines(text: str, kind: Type, width: float) -> int:
    """The fewest lines `text` can take, set in `kind` on lines `width` mm wide.

    A word wider than a line takes one line of its own, overflowing it. The others take
    their width and a space's each, and a line holds a line's width and the space dropped
    where it breaks."""
    words = _BREAKS.split(text.strip())
    if words == [""]:
        return 0
    line = width / (kind.size * MM_PER_PT)  # in ems
    space = _advance(" ")
    # Only a word of many characters can be wider than a line: measure those alone.
    fewest = line / _WIDEST  # characters, all of the widest
    long = [w for w in words if len(w) >= fewest and _width(w) >= line]
    rest = _width("".join(words)) - sum(_width(w) for w in long)
    shared = (rest + space * (len(words) - len(long))) / (line + space)
    return len(long) + math.ceil(shared - 1e-9)  # 1e-9: what the sums add up wrong


def text_height(text: str, kind: Type, width: float) -> float:
    """The least height, in mm, of `text` set in `kind` on lines `width` mm wide."""
    return text_lines(text, kind, width) * kind.line


def _width(text: str) -> float:
    """The least width of `text`, in ems."""
    return sum(_advance(c) * n for c, n in Counter(text).items())


def _advance(character: str) -> float:
    """The least width of a character, in ems: from the table, or by the letter an accented
    one is built on; none for a mark that joins the one before; else the least there is."""
    code = ord(character)
    if 32 <= code < 127:
        return _ADVANCES[code - 32] / 1000
    if unicodedata.category(character) in ("Mn", "Me", "Cf"):
        return 0.0
    base = unicodedata.normalize("NFKD", character)[:1]
    if base != character and base and 32 <= ord(base) < 127:
        return _ADVANCES[ord(base) - 32] / 1000
    return _NARROWEST


# --- the parts of a handout ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One part of a handout, as the bound sees it."""

    name: str  # as the layout names it: its data-section in handout.html.j2
    field: Path_  # the proposal's section it shows most of: what to shorten
    height: float  # in mm, at the least


def handout_parts(case: Case, edition: Edition, paper: Paper) -> list[Part]:
    """The parts of one edition of the handout, top to bottom, each at its least height;
    in the order of handout.html.j2, and with the margins of handout.css, in mm."""
    width = paper.width
    decision = _decision(case, edition) + _decision_more(case, edition, width)
    parts = [
        Part("the title", ("title",), _masthead(case.proposal, width)),
        *_needs(case, edition, width),
        Part("the decision", ("request",), decision),
        *_opening(case, edition, width),
        _key_numbers(edition),
        _columns(edition, width),
        _questions(edition, width),
        _business_case(case),
        _plan(case, width),
        _contacts(edition, width),
    ]
    return [part for part in parts if part.height > 0]


def _opening(case: Case, edition: Edition, width: float) -> list[Part]:
    """The executives' summary; or what an audience cares about, with its message, and
    what its people will do differently."""
    a = edition.audience
    if a is None:
        summary = text_height(_plain(case.proposal.summary), SUMMARY, width)
        return [Part("the summary", ("summary",), summary + 3)]
    index = case.proposal.audiences.index(a.audience)
    # The box's paddings and rule, its label and a line of chips above the message.
    message = 16 + text_height(_plain(a.audience.message), MESSAGE, width - 8)
    parts = [Part("what you care about", ("audiences", index), message)]
    if a.impact and a.impact.rows:
        lines = sum(text_lines(_row(r.behaviour), BODY, width - 4) for r in a.impact.rows)
        rows = 8 + lines * BODY.line  # under a heading
        parts.append(Part("what your people will do differently", ("behaviours",), rows))
    return parts


def _needs(case: Case, edition: Edition, width: float) -> list[Part]:
    """What we need from a department head, then what it does to their numbers (format
    1.2): first on their edition, each a table of a row a line high at least, under a
    heading; the asks in a box, with a line of their people's time under the table."""
    a = edition.audience
    if a is None:
        return []
    index = case.proposal.audiences.index(a.audience)
    head = SMALLEST.line + 1.6  # a table's head, with its paddings
    parts = []
    if a.asks:
        rows = sum(
            text_lines(_plain(v.ask.do), TABLE, width - 7) * TABLE.line + ROW for v in a.asks
        )
        time = TABLE.line + 1.2 if a.impact and a.impact.hours is not None else 0
        height = 4.5 + Type(12, 1.25).line + 1.5 + head + rows + time + 3  # box, h2, margin
        parts.append(Part("what we need from you", ("audiences", index, "ask"), height))
    if a.kpis:
        rows = len(a.kpis) * (TABLE.line + ROW)
        height = HEADING.line + 1 + head + rows + 3
        parts.append(Part("what it does to your numbers", ("audiences", index, "kpis"), height))
    return parts


def _decision_more(case: Case, edition: Edition, width: float) -> float:
    """What the decision's box holds beside its figures (format 1.2): on the executives'
    edition of an approved budget, a row for each department head asked and a line of
    their people's time; on every edition, the need split between what training can
    close and what it cannot, a paragraph of small text with the author's notes."""
    more = 0.0
    asked = [a for a in case.audiences if a.asks]
    if edition.audience is None and case.commitments is not None and asked:
        more += SMALLEST.line + 1.6 + len(asked) * (TABLE.line + ROW) + 1.5
        more += TABLE.line + 2 if case.commitments.hours is not None else 0
    if case.need_split is not None:
        words = [c.note or "" for c in case.need_split.parts]
        words += [f"{s.who} {s.does}" for c in case.need_split.parts for s in c.addressed_by]
        text = _plain(" ".join(words))
        more += max(1, text_lines(text, SMALL, width - 7)) * SMALL.line + 0.5
    return more


def _key_numbers(edition: Edition) -> Part:
    """The figures an edition leads with, in a row: one line of them, at the least."""
    return Part("the key numbers", ("survey",), KEY_NUMBERS if edition.headline else 0)


def _questions(edition: Edition, width: float) -> Part:
    """An audience's objections, each a paragraph: its concern, then the answer."""
    if edition.audience is None or not edition.objections:
        return Part("your questions", ("objections",), 0)
    answers = sum(
        text_height(_plain(f"{o.objection.concern} {o.objection.answer}"), BODY, width) + 0.8
        for o in edition.objections
    )
    return Part("your questions", ("objections",), 7.5 + answers)  # under a heading


def _business_case(case: Case) -> Part:
    """The return and the cost of doing nothing, beside the payback chart where there is
    one: that chart is not among those a long handout leaves out."""
    d = case.decision
    if d.annual_gain is None and d.expected_loss is None:
        return Part("the business case", ("request",), 0)
    height = PAYBACK_CHART if case.lead.net_by_month else BUSINESS_CASE
    return Part("the business case", ("request",), height)


def _masthead(p: Proposal, width: float) -> float:
    """The organization, the title and the line under it, the rule and the space below."""
    return text_height(_plain(p.title), TITLE, width) + 2 * SMALL.line + 5


def _decision(case: Case, edition: Edition) -> float:
    """The box of the decision: its big figures, where it has any; on the edition of a
    department head asked for something, a line of them instead (the business case below
    explains them). Under the figures, what the return is computed on (format 1.2, people's
    time counted or left out): the split is never in a part a long handout drops, and
    takes a line of the notes at the least."""
    d = case.decision
    figures = (d.ask, d.annual_gain, d.payback_months, d.expected_loss)
    if not any(f is not None for f in figures):
        return DECISION_BOX
    if _compact(edition):
        return DECISION_BOX + BODY.line  # the line holds the split too
    basis = SMALL.line if case.wording.time_cost and d.roi is not None else 0.0
    return DECISION_BOX + BIG_FIGURES + basis


def _compact(edition: Edition) -> bool:
    """Whether the decision is told in a line: on the edition of a head asked for something."""
    return edition.audience is not None and bool(edition.audience.asks)


def _columns(edition: Edition, page_width: float) -> Part:
    """The benefits' box, then the risks': each the full width, its entries two to a row,
    a row as tall as its taller entry. A benefit's line of figures is counted where it has
    a value: the goals it serves are told there only where the goals' table is not."""
    # A box is padded 3.5 mm on either side; its rows are 5 mm wider than that, with
    # 2.5 mm between and around their two cells.
    width = (page_width - 7 + 5 - 3 * 2.5) / 2
    benefits = [
        _entry(b.benefit.title, b.benefit.detail, b.value is not None, None, width)
        for b in edition.benefits
    ]
    risks = [
        _entry(r.risk.title, r.risk.detail, _risk_figures(r), r.risk.mitigation, width)
        for r in edition.risks
    ]
    frame = 5 + COLUMN_HEADING.line  # the rule, the paddings, the heading, the margin
    boxes = [_rows(entries) + frame for entries in (benefits, risks) if entries]
    taller: Path_ = ("benefits",) if sum(benefits) >= sum(risks) else ("risks",)
    return Part("the two columns", taller, sum(boxes))


def _rows(entries: list[float]) -> float:
    """Entries two to a row, each row as tall as its taller entry and 1 mm below it."""
    return sum(max(entries[i : i + 2]) + 1 for i in range(0, len(entries), 2))


def _risk_figures(view: RiskView) -> bool:
    """Whether a risk's entry has its line of figures: its expected loss, or either half."""
    shown = (view.value, view.risk.likelihood, view.risk.impact)
    return any(v is not None for v in shown)


def _entry(
    title: str, detail: str | None, figures: bool, mitigation: str | None, width: float
) -> float:
    """A benefit or risk in its row: its title, detail, figures and mitigation, 0.5 mm
    apart."""
    blocks = [text_height(_plain(title), ENTRY_TITLE, width)]
    if detail:
        blocks.append(text_height(_plain(detail), BODY, width))
    if figures:
        blocks.append(SMALL.line)
    if mitigation:
        blocks.append(text_height(_plain(mitigation), SMALL, width))
    return sum(blocks) + 0.5 * (len(blocks) - 1)


def _plan(case: Case, width: float) -> Part:
    """The plan, the costs and the measures, each a paragraph of small text.

    The plan's phases are written out only beside the impact map: otherwise the timeline
    chart shows them, and hides the paragraph even where the chart is left out."""
    p = case.proposal
    phases = p.plan if case.impact.rows else []
    texts: list[tuple[Path_, str]] = [
        (("plan",), " ".join(f"{phase.phase} ({phase.duration})" for phase in phases)),
        (("costs",), " ".join(c.item for c in p.costs)),
        (("measures",), " ".join(f"{m.metric} ({m.when})" for m in p.measures)),
    ]
    heights = {field: text_height(_plain(text), PLAN, width) for field, text in texts if text}
    if not heights:
        return Part("the plan and costs", ("plan",), 0)
    longest = max(heights, key=heights.__getitem__)
    heading = HEADING.line + 1 if p.plan else 0
    return Part("the plan and costs", longest, heading + sum(heights.values()) + 2.5)


def _contacts(edition: Edition, width: float) -> Part:
    """Who prepared it, and the numbered sources of the figures quoted."""
    sources = [
        f"{s.source or ''} {s.year or ''} {s.url or ''}" for s in edition.sources if not s.survey
    ]
    listed = sum(text_height(_plain(s), SMALLEST, width - 4) for s in sources)
    return Part("the contacts", ("evidence",), CONTACTS + listed)


def _row(behaviour: Behaviour) -> str:
    """A behaviour as an audience's handout lists it: who, at what moment, does what."""
    return " ".join(_plain(w) for w in (behaviour.who, behaviour.moment, behaviour.action))


@functools.lru_cache(maxsize=4096)
def _plain(text: str | None) -> str:
    """The text a reader sees, without its Markdown."""
    return plain_text(text) if text else ""


# --- the bound ------------------------------------------------------------------------------


def least_pages(parts: list[Part], paper: Paper) -> int:
    """The fewest pages these parts can take on this paper."""
    return math.ceil(sum(part.height for part in parts) / paper.height)


def fewest_pages(case: Case, edition: Edition) -> tuple[int, list[Part]]:
    """The fewest pages an edition of the handout can take, and its parts, on the paper
    that holds the most of it: `build --paper` may choose either."""
    best: tuple[int, list[Part]] | None = None
    for paper in PAPERS:
        parts = handout_parts(case, edition, paper)
        pages = least_pages(parts, paper)
        if best is None or pages < best[0]:
            best = (pages, parts)
    assert best is not None, "there is a paper"
    return best


def handout_templates_overridden(search_path: list[Path]) -> bool:
    """Whether a folder searched before buildcase's own holds a template of the handout."""
    own = default_templates_dir()
    return any(
        os.path.lexists(folder / name)
        for folder in search_path
        if folder != own
        for name in HANDOUT_TEMPLATES
    )
