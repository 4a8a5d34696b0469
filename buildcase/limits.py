"""Every limit a proposal folder is held to, in one place (documented in
docs/proposal-format.md, "Limits").

A proposal is handed from person to person; whatever it holds, `check` must answer in a
moment and `build` must not exhaust the machine. So each limit is checked while the folder
is read and validated, before anything expensive (laying out a handout, building a site),
and each is far above what a real proposal needs: the reference proposal and the examples
use a few percent of any of them.
"""

from __future__ import annotations

# --- files ---------------------------------------------------------------------------------

# One YAML file, and all of a proposal's YAML files together. PyYAML reads about 1 MB a
# second in pure Python, so this bounds reading to about two seconds; the reference
# proposal is 7 kB.
MAX_FILE_BYTES = 2_000_000
MAX_YAML_BYTES = 2_000_000

# Values (keys, mappings, lists, scalars) in all YAML files together. A proposal at every
# entry limit below, with every list of ids full, holds about 10,600 (tests/bad/
# huge-document-at-every-limit); the examples hold 420-520. Without it, a 2 MB flow list
# of a million numbers took 126 s and 2.2 GB to refuse.
MAX_VALUES = 20_000

MAX_DEPTH = 40  # nesting of lists and mappings; a proposal needs four or five levels

# A number written in the YAML, in characters. 10^15 (MAX_AMOUNT) has 16 digits; Python
# refuses to read an integer of more than 4,300 digits at all.
MAX_NUMBER_CHARS = 30

# The survey's CSV export. The example's 100 responses take 8.6 kB: this is room for
# tens of thousands of respondents with comments, and about 150 MB of memory at worst.
MAX_CSV_BYTES = 5_000_000
MAX_CSV_COLUMNS = 1_000  # questions of one survey; every column name is a suggestion

# --- the logo --------------------------------------------------------------------------------

# A raster logo (PNG, JPEG, GIF, WebP). It is shown about 40 pixels high; the dimensions
# are read from the file's header, so a decompression bomb (a 9000 x 9000 PNG of a few
# kB decodes to 243 MB) is refused before any program decodes it.
MAX_LOGO_BYTES = 1_000_000
MAX_LOGO_SIDE = 4_096  # pixels, either side
MAX_LOGO_PIXELS = 16_777_216  # 4096 x 4096

# An SVG logo. WeasyPrint draws an SVG in Python at roughly half a millisecond a shape
# (a 1.9 MB SVG took 20 s); the example logo is 476 bytes with 4 shapes. Elements are
# counted with every <use> expanded, which is where a small file can hide a huge drawing.
MAX_SVG_BYTES = 100_000
MAX_SVG_ELEMENTS = 2_000

# --- figures ------------------------------------------------------------------------------

MAX_COUNT = 10**10  # more people than there are
MAX_AMOUNT = 10**15  # more money than any training budget

# --- text -----------------------------------------------------------------------------------

# A key without quotes: YAML itself reads no longer implicit key (the YAML 1.2 spec's limit,
# which PyYAML keeps), so a longer one is reported as too long rather than as a missing ': '.
MAX_KEY = 1024
MAX_ID = 60  # an id names an anchor, and an audience's handout file (handout-ID.pdf)
MAX_TITLE = 200  # a title must fit a slide and a line of the handout
MAX_LINE = 300  # a name, a label, a cost item, a phase: a line of a table, a chip
MAX_TEXT = 3_000  # a paragraph, not a paste of a whole document

# --- entries --------------------------------------------------------------------------------

# How many entries a list may hold, and why. The handout is two pages, and the
# executives' edition lists every benefit and risk, every goal, every phase of the plan,
# every cost and measure and charts every survey stat. Measured with the shortest
# possible entries (a two-word title, no detail), two pages hold 21 benefits, 20 risks,
# 50 goals, 37 phases and 26 survey stats; each limit is that, rounded up, so that no
# proposal whose handout could be made is refused, while the work done before the page
# count is checked stays small (1,000 benefits took 113 s of layout to be refused).
# Costs and measures are one line of text each in the handout, which holds hundreds of
# short ones; they, and the sections shown whole only on the site (evidence, objections,
# the campaign), get 50, more than a reader can weigh. Each audience gets a handout (a
# PDF) and a page of its own: 12 is every department head of a large company.
MAX_ENTRIES: dict[tuple[str, ...], tuple[int, str]] = {
    ("benefits",): (25, "the two-page handout lists every one"),
    ("risks",): (25, "the two-page handout lists every one"),
    ("goals",): (50, "the handout's table of goals shows every one"),
    ("plan",): (40, "the handout's timeline shows every phase"),
    ("costs",): (50, "the handout lists every cost"),
    ("measures",): (50, "the handout lists every measure"),
    ("survey", "stats"): (30, "the handout's survey chart shows every stat"),
    ("evidence",): (50, "more is more than a reader can weigh"),
    ("objections",): (50, "more is more than a reader can weigh"),
    ("audiences",): (12, "each audience gets a handout and a page of its own"),
    ("audiences", "cares_about"): (12, "the handout shows them on one line"),
    ("audiences", "ask"): (6, "what we need from a head leads their two-page handout"),
    ("audiences", "kpis"): (6, "their numbers follow their asks on the handout's first page"),
    ("survey", "stats", "answers"): (50, "more than any question offers"),
    ("behaviours",): (25, "the impact map draws every one"),
    ("support",): (30, "the plan's before/during/after table shows every one"),
    ("campaign", "consulted"): (50, "the campaign page lists every one"),
    ("campaign", "questions"): (50, "the campaign page lists every one"),
    ("campaign", "conditions"): (50, "the campaign page lists every one"),
    ("campaign", "report_back"): (50, "the campaign page lists every one"),
    ("results", "benefits"): (25, "the two-page results handout lists every one"),
    ("results", "successes"): (8, "the two-page results handout tells every one"),
    ("results", "obstacles"): (8, "the two-page results handout lists every one"),
    ("results", "follow_up", "answers"): (50, "more than any question offers"),
}
# Within these limits a proposal can still hold more text than two pages (25 benefits of
# 3,000 characters): each handout's length is bounded from the text it shows, before any
# layout, and a handout that cannot fit is refused (compute/handout_length.py).

# A list of ids (a benefit's goals and evidence, an audience's benefits): each id once,
# so never more than the longest section it may cite (evidence and stats together).
MAX_IDS = 80


def max_entries(section: tuple[str, ...]) -> int:
    """The most entries the list at `section` (a field path without indices) may hold."""
    return MAX_ENTRIES[section][0]


# --- dates and durations ----------------------------------------------------------------

# The proposal's date is when its outputs say they were made (SOURCE_DATE_EPOCH), and a
# site's sitemap.xml.gz stores that moment as an unsigned 32-bit number of seconds since
# 1970: 1970-01-01 to 2106-02-07. Every date keeps to the same, rounder, range.
FIRST_DATE = (1970, 1, 1)
LAST_DATE = (2099, 12, 31)

MAX_HOURS = 2_000  # hours asked of one person: a working year
MAX_DURATION_YEARS = 10  # as the financial horizon: a plan or a request longer is a typo

MAX_PERCENT_DECIMALS = 4  # `12.3456%`: each is printed with the decimals it was given

# --- messages --------------------------------------------------------------------------------

MAX_QUOTE = 80  # characters of a value quoted in a message
MAX_MESSAGE = 500  # characters of one message: a few lines of a terminal
MAX_FIELD = 120  # characters of a field path in a message (an unknown key may be long)
MAX_PROBLEMS = 100  # problems printed for one proposal; the rest are counted
