"""`buildcase guide`: buildcase's own documentation, opened at the page a message points to.

An installed buildcase has no repository beside it, so a warning cannot name a file such
as docs/how-to/pilot.md, and there is no web address of ours to link to. Instead the docs
ship inside the package (`buildcase.docs`, the repository's docs/ folder), each warning
names a topic, and `buildcase guide TOPIC` builds the docs with MkDocs into this user's
cache and opens the topic's section from disk: offline, and rebuilt only when the docs or
the tools that build them change.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from buildcase.cache.folders import (
    DESCRIPTORS_SUPPORTED,
    FOLDER_FLAGS,
    CacheFolder,
    cache_folder,
    cache_root,
    read_file_at,
    temporary_name,
    write_new_file_at,
)
from buildcase.errors import GuideError, nearest, quoted

CONFIG = "mkdocs.yml"  # in the docs folder, shared with the repository's mkdocs-docs.yml
# What builds the site besides the docs: a new version may lay it out differently.
BUILDERS = ("mkdocs", "mkdocs-material", "pymdown-extensions")
# How a built site's folder is laid out, in its name: a site built by a buildcase before
# marked folders (which this one leaves alone, not knowing them for its own) never has the
# name that this one's would.
SITE_LAYOUT = "marked"
STALE_SECONDS = 3600  # a build folder left this long by a killed run is removed


@dataclass(frozen=True)
class Topic:
    """Where a topic is read: a page, and a section of it, so that a warning's reader lands
    on the paragraph that answers it rather than at the top of a long page."""

    page: str  # under docs/, as the nav names it
    anchor: str  # the section's id as MkDocs' toc makes it; "" for the top of the page
    title: str  # one line, for --list


def _page(page: str, title: str) -> Topic:
    return Topic(page, "", title)


# Every page, then the sections the warnings point to, in the order of the nav. A test
# builds the docs and checks that each page and anchor is there.
TOPICS: dict[str, Topic] = {
    "tutorial": _page("tutorial.md", "Your first proposal in twenty minutes"),
    "finance-head": _page("how-to/finance-head.md", "Win over a finance head"),
    "leader-goals": Topic(
        "how-to/finance-head.md",
        "1-lead-with-their-goal-not-your-course",
        "Lead with the goal a leader answers for: every goal served by a benefit",
    ),
    "cost-of-doing-nothing": Topic(
        "how-to/finance-head.md",
        "3-price-the-cost-of-doing-nothing",
        "Price the cost of doing nothing: each risk's likelihood and impact",
    ),
    "audiences": Topic(
        "how-to/finance-head.md",
        "6-hand-them-the-page-they-will-read",
        "A department head's own page and handout, and what fills its columns",
    ),
    "time-cost": Topic(
        "how-to/finance-head.md",
        "7-count-peoples-time-in-the-cost-fully-loaded",
        "Count people's time in the cost (fully loaded): hours, people and an hour's cost",
    ),
    "benefits-over-years": Topic(
        "how-to/finance-head.md",
        "8-tell-several-years-truly",
        "Tell several years truly: yearly costs, and benefits that last or fade",
    ),
    "survey-numbers": _page("how-to/survey-numbers.md", "Make your own numbers persuade"),
    "margin-of-error": Topic(
        "how-to/survey-numbers.md",
        "3-give-every-number-its-n-and-its-margin-of-error",
        "Give every survey number its n, its population and its margin of error",
    ),
    "small-sample": Topic(
        "how-to/survey-numbers.md",
        "4-ask-at-least-30-people-or-all-of-them",
        "Ask at least 30 people, or all of them",
    ),
    "recent-evidence": Topic(
        "how-to/survey-numbers.md",
        "6-put-outside-research-second-and-keep-it-recent",
        "Put outside research second, and keep it recent",
    ),
    "own-records": Topic(
        "how-to/survey-numbers.md",
        "7-count-your-organizations-own-records-as-your-own",
        "Count your organization's own records as your own (`internal: true`)",
    ),
    "no-time": _page("how-to/no-time.md", 'Answer "we have no time"'),
    "department-heads": _page(
        "how-to/department-heads.md", "Ask department heads for their help (format 1.2)"
    ),
    "department-asks": Topic(
        "how-to/department-heads.md",
        "1-ask-for-what-you-need-in-hours-and-dates",
        "Ask each department head for what you need, in hours and dates",
    ),
    "budget-approved": Topic(
        "how-to/department-heads.md",
        "3-when-the-budget-is-already-approved",
        "When the budget is already approved: ask for commitments, not money",
    ),
    "need-causes": Topic(
        "how-to/department-heads.md",
        "4-split-the-need-between-training-and-management",
        "Split the need between what training can close and what it cannot",
    ),
    "inexperience-and-fear": _page(
        "how-to/inexperience-and-fear.md", 'Answer "inexperience" and "fear of failure"'
    ),
    "training-need": Topic(
        "how-to/inexperience-and-fear.md",
        "check-the-need-first",
        "Check that the need is a training need at all",
    ),
    "estimate-value": _page("how-to/estimate-value.md", "Estimate a benefit's value credibly"),
    "double-counting": Topic(
        "how-to/estimate-value.md",
        "5-do-not-count-the-same-saving-twice",
        "Do not count the same saving twice, as a benefit and as a risk",
    ),
    "pilot": _page("how-to/pilot.md", "Design a pilot that proves something"),
    "pilot-budget": Topic(
        "how-to/pilot.md",
        "3-give-it-its-own-budget-and-time",
        "Give the pilot its own budget and time",
    ),
    "measure-in-time": Topic(
        "how-to/pilot.md",
        "6-plan-the-report-before-you-start",
        "Plan the report before you start, and measure while the return is counted",
    ),
    "report-results": _page("how-to/report-results.md", "Report results honestly"),
    "write-results": Topic(
        "how-to/report-results.md",
        "2-write-it-down",
        "Write the results down: trained, spent, as of",
    ),
    "commands": _page("reference/commands.md", "Commands and options"),
    "handout-length": Topic(
        "reference/commands.md",
        "a-handout-too-long-for-two-pages",
        "A handout too long for two pages: what to cut, and what build does meanwhile",
    ),
    "format": _page("proposal-format.md", "The proposal format"),
    "section-files": Topic(
        "proposal-format.md", "where-it-lives", "Where a proposal lives: its folder and files"
    ),
    "values": Topic(
        "proposal-format.md",
        "values",
        "How values are written: percents, money, dates, text and links",
    ),
    "adds-up": Topic(
        "proposal-format.md",
        "what-does-not-add-up",
        "What does not add up across sections: costs, plan, fractions, populations",
    ),
    "security": _page("reference/security.md", "Security: what a proposal can and cannot do"),
    "glossary": _page("reference/glossary.md", "Glossary: one name for each figure"),
    "method": _page(
        "explanation/method.md", "The method: Phillips ROI, attribution and confidence"
    ),
    "impact-map": _page("explanation/impact-map.md", "The impact map"),
    "behaviours": Topic(
        "explanation/impact-map.md",
        "why-check-asks-for-it",
        "Why every benefit needs a behaviour that leads to it",
    ),
    "transfer": _page("explanation/transfer.md", "Why transfer fails without managers"),
    "follow-up": Topic(
        "explanation/transfer.md",
        "what-it-means-for-a-proposal",
        "What managers do after the training, and why it is planned",
    ),
    "sensitivity": _page("explanation/sensitivity.md", "Break-even and sensitivity"),
}


def topic_list() -> str:
    """Every topic and its title, one a line, for `--list`."""
    width = max(map(len, TOPICS))
    return "\n".join(f"{name:<{width}}  {topic.title}" for name, topic in TOPICS.items())


def unknown_topic(name: str) -> str:
    """The message for a topic that is not in the table, with the likely one meant."""
    guess = nearest(name, list(TOPICS))
    hint = f"; did you mean '{guess}'?" if guess else ""
    return f"no guide topic {quoted(name)}{hint} (`buildcase guide --list` lists them)"


def topic_uri(site: Path, name: str | None) -> str:
    """The address that opens `name`'s section of the built guide, or its start page."""
    if name is None:
        return (site / "index.html").as_uri()
    topic = TOPICS[name]
    page = (site / topic.page).with_suffix(".html").as_uri()
    return f"{page}#{topic.anchor}" if topic.anchor else page


# --- the docs, and the site built from them -----------------------------------------------


def docs_folder() -> Path:
    """The docs shipped in the package, else the repository's docs/ beside it: a clone run
    with PYTHONPATH has no buildcase.docs unless someone linked it, and an editable
    install may map only the `buildcase` package itself."""
    spec = importlib.util.find_spec("buildcase.docs")
    shipped = list(spec.submodule_search_locations or []) if spec else []
    candidates = [Path(p) for p in shipped] + [Path(__file__).resolve().parents[2] / "docs"]
    for folder in candidates:
        if (folder / CONFIG).is_file():
            return folder.resolve()
    raise GuideError(
        "buildcase's documentation is not installed with it (no buildcase/docs/mkdocs.yml); "
        "reinstall buildcase"
    )


def docs_fingerprint(docs: Path) -> str:
    """What the built guide depends on, as one short hash: the docs' files, names and
    contents, the versions of the tools that build them, and `SITE_LAYOUT`."""
    digest = hashlib.sha256()
    digest.update(f"{SITE_LAYOUT}\n".encode())
    for name in BUILDERS:
        digest.update(f"{name} {_version(name)}\n".encode())
    for path in sorted(p for p in docs.rglob("*") if p.is_file()):
        digest.update(path.relative_to(docs).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def guide_site() -> Path:
    """The built guide: the cached one while the docs are unchanged, else built anew into
    a folder of its own, then renamed into place, so that no reader (nor a second run at
    the same moment) ever sees half a site. Without a private cache folder, a fresh
    temporary one, left for the browser to read (and removed by a later run). Only
    folders `guide` made and marked are ever removed (`_remove_marked`)."""
    docs = docs_folder()
    with cache_folder("guide", cache_root()) as cache:
        if cache is not None:
            return _cached_guide(docs, cache)
    _remove_stale_temporary()
    return _temporary_guide(docs)


# Every folder `guide` builds into holds this file, written when the folder is made, naming
# the folder (device and inode, so that a copy elsewhere does not carry it): `guide`
# removes a folder only if it holds its marker, so never one it did not make, whatever a
# cache or temporary folder holds by mistake or by design. A dot file: MkDocs leaves those
# alone when it empties the folder it builds into.
MARKER = ".buildcase-guide"
TEMPORARY_PREFIX = "buildcase-guide-"


def _cached_guide(docs: Path, cache: CacheFolder) -> Path:
    name = docs_fingerprint(docs)
    if not _is_built(cache.fd, name):
        _build_into_place(docs, cache, name)
        _remove_stale(cache.fd, keep=name)
    return cache.path / name


def _temporary_guide(docs: Path) -> Path:
    site = Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX))
    if DESCRIPTORS_SUPPORTED:  # elsewhere (Windows) it is not marked, so never removed
        with _opened(site) as fd:
            _mark(fd)
    build_guide(docs, site)
    return site


def _build_into_place(docs: Path, cache: CacheFolder, name: str) -> None:
    staging = temporary_name(name)
    os.mkdir(staging, 0o700, dir_fd=cache.fd)
    try:
        _mark_folder(cache.fd, staging)
        build_guide(docs, cache.path / staging)
        if not _is_built(cache.fd, name):
            _remove_marked(cache.fd, name)  # a site without its start page is broken
        try:
            os.rename(staging, name, src_dir_fd=cache.fd, dst_dir_fd=cache.fd)
        except OSError as e:
            if not _is_built(cache.fd, name):  # not another run's site that arrived first
                raise GuideError(
                    f"the guide could not be put in place at {cache.path / name}: {e.strerror}"
                ) from e
    finally:
        _remove_marked(cache.fd, staging)  # gone already if it was renamed into place


def _remove_stale(cache: int, keep: str) -> None:
    """Earlier versions' sites, and build folders that a killed run left an hour ago: only
    folders `guide` made (`_remove_marked`); whatever else is in the cache stays."""
    for name in _names_in(cache):
        if name == keep:
            continue
        building = name.startswith(".") and name.endswith(".tmp")  # perhaps by another run
        _remove_marked(cache, name, min_age=STALE_SECONDS if building else 0)


def _remove_stale_temporary() -> None:
    """This user's guides built without a cache by earlier runs, once no browser is likely
    to be reading them (an hour on): they would otherwise pile up in the temporary folder.
    Only folders `guide` made and marked: others' and the user's own stay."""
    if not DESCRIPTORS_SUPPORTED:
        return
    try:
        folder = os.open(tempfile.gettempdir(), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        for name in _names_in(folder):
            if name.startswith(TEMPORARY_PREFIX):
                _remove_marked(folder, name, min_age=STALE_SECONDS)
    finally:
        os.close(folder)


# --- folders marked as the guide's, and their removal ----------------------------------------


def _marker_text(folder: os.stat_result) -> bytes:
    return f"made by buildcase guide: folder {folder.st_dev}:{folder.st_ino}\n".encode()


def _mark(fd: int) -> None:
    """Mark the folder open at `fd` as made by `guide`, so that a later run may remove it."""
    write_new_file_at(fd, MARKER, _marker_text(os.fstat(fd)))


def _mark_folder(parent: int, name: str) -> None:
    with _opened(name, parent) as fd:
        _mark(fd)


def _is_marked(fd: int) -> bool:
    """Whether the folder open at `fd` is this user's and holds the marker `guide` wrote
    into it (a regular file, this user's, naming this very folder)."""
    folder = os.fstat(fd)
    if folder.st_uid != os.geteuid():
        return False
    try:
        return read_file_at(fd, MARKER, 200, private=True) == _marker_text(folder)
    except OSError:
        return False


def _is_built(parent: int, name: str) -> bool:
    """Whether `name` in the folder open at `parent` is a whole site `guide` built: a
    marked folder with its start page."""
    try:
        with _opened(name, parent) as fd:
            start = os.stat("index.html", dir_fd=fd, follow_symlinks=False)
            return _is_marked(fd) and stat.S_ISREG(start.st_mode)
    except OSError:
        return False


def _remove_marked(parent: int, name: str, min_age: float = 0) -> None:
    """Remove folder `name` of the folder open at `parent`, and all it holds, if `guide`
    made it (`_is_marked`) and it was last changed at least `min_age` seconds ago. A link,
    a file or any other folder is left as it is; inside, links are removed, never
    followed. Best effort: what cannot be removed now is left for a later run."""
    try:
        with _opened(name, parent) as fd:
            recent = time.time() - os.fstat(fd).st_mtime < min_age
            if recent or not _is_marked(fd):
                return
            _empty(fd, keep=MARKER)
            os.unlink(MARKER, dir_fd=fd)  # last: a removal cut short stays marked
        os.rmdir(name, dir_fd=parent)
    except OSError:
        return


def _empty(folder: int, keep: str = "") -> None:
    """Remove everything in the folder open at `folder` but `keep`, never following a link:
    each sub-folder is opened relative to its parent without following one, and a link
    is removed itself."""
    with os.scandir(folder) as entries:
        contents = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    for name, is_folder in contents:
        if name == keep:
            continue
        if is_folder:
            with _opened(name, folder) as fd:
                _empty(fd)
            os.rmdir(name, dir_fd=folder)
        else:
            os.unlink(name, dir_fd=folder)


@contextlib.contextmanager
def _opened(name: str | Path, parent: int | None = None) -> Iterator[int]:
    """Folder `name` (of the folder open at `parent`) opened without following a link at
    its last step, and closed after the `with`."""
    fd = os.open(name, FOLDER_FLAGS, dir_fd=parent)
    try:
        yield fd
    finally:
        os.close(fd)


def _names_in(folder: int) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries]
    except OSError:
        return []


def build_guide(docs: Path, site: Path) -> None:
    """Build the docs into `site` (the MkDocs engine's `build_docs`), imported only now:
    listing the topics or opening a guide already built needs no MkDocs."""
    from buildcase.engines.mkdocs.docs import build_docs

    build_docs(docs, CONFIG, site)
