"""The engines, MkDocs and WeasyPrint, kept warm in worker processes.

Importing WeasyPrint costs half a second and a site or handout takes a few tenths more,
while loading, validating and rendering a proposal takes a few hundredths. So the main
process does those stages for every proposal and hands each proposal's site and handout to
a pool of workers, one per core: the workers import the engines once, while the main
process is still reading YAML, and stay warm for every proposal after. A single proposal's
site and its handouts are made side by side.

The engines themselves are `mkdocs/` (the site, the live preview's server, the guide) and
`weasyprint/` (the handouts and the decks' PDFs), the only modules that import either
library; `pipe_worker.py` feeds the live preview's worker. A deck's PDF is laid out in the
same workers as the handouts, beside them: a proposal's decks together, in one task, as
they share most of their slides (`weasyprint.decks.render_decks`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the board pack's data, made by render; imported where it is made
    from buildcase.render.slides import SlideData
    from buildcase.render.workbook_sheets import Book


@dataclass(frozen=True)
class SiteTask:
    base_config: Path
    pages: dict[str, str]
    nav: list[Any]
    site_name: str
    assets_dir: Path
    site_dir: Path
    epoch: int
    logo: Path | None = None
    brand_css: str = ""
    language: str = "en"
    description: str = ""  # HTML-escaped: the meta description search engines show
    slug: str = ""  # the proposal's folder: its site is published at <site_url>/<slug>/


@dataclass(frozen=True)
class HandoutTask:
    html: str
    base_dir: Path
    allowed_dirs: list[Path]


@dataclass(frozen=True)
class DeckTask:
    """A proposal's decks (file name -> HTML, as published beside index.html), for their
    PDFs: one task, as they are laid out together (see `weasyprint.decks.render_decks`)."""

    decks: dict[str, str]
    assets_dir: Path  # what the site publishes as ASSETS
    allowed_dirs: list[Path]  # what it may load: the proposal folder first, then templates
    logo: Path | None = None  # what the site publishes as `logo_name(logo)`


def make_site(task: SiteTask) -> list[str]:
    from buildcase.engines.mkdocs import build_site

    return build_site(
        base_config=task.base_config,
        pages=task.pages,
        nav=task.nav,
        site_name=task.site_name,
        assets_dir=task.assets_dir,
        site_dir=task.site_dir,
        epoch=task.epoch,
        logo=task.logo,
        brand_css=task.brand_css,
        language=task.language,
        description=task.description,
        slug=task.slug,
    )


def make_handout(task: HandoutTask) -> Any:
    from buildcase.engines.weasyprint import render_handout

    return render_handout(task.html, task.base_dir, task.allowed_dirs)


def make_deck_pdfs(task: DeckTask) -> dict[str, Any]:
    from buildcase.engines.weasyprint.decks import render_decks

    return render_decks(task.decks, task.assets_dir, task.allowed_dirs, task.logo)


def deck_pdf_name(deck: str) -> str:
    """The PDF of the deck `deck` (present.html -> present.pdf), published beside it."""
    return f"{deck.removesuffix('.html')}.pdf"


def deck_pdfs(
    engines: Engines, decks: dict[str, str], like: HandoutTask, logo: Path | None
) -> dict[str, Future[Any]]:
    """Each deck's PDF on its way, by its file name (present.pdf beside present.html),
    from `decks` (file name -> HTML); a deck may load what the handout `like` may. The
    decks go to one worker together: they share most of their slides."""
    if not decks:
        return {}
    task = DeckTask(decks, like.base_dir, like.allowed_dirs, logo)
    together = engines.submit(make_deck_pdfs, task)
    return {deck_pdf_name(name): one_of(together, name) for name in decks}


def one_of(together: Future[Any], name: str) -> Future[Any]:
    """The future of `name`'s result among what `together` (a dict by name) comes to: done,
    failed or cancelled as it is."""
    one: Future[Any] = Future()

    def follow(done: Future[Any]) -> None:
        failure = None if done.cancelled() else done.exception()
        if done.cancelled():
            one.cancel()
        elif failure is not None:
            one.set_exception(failure)
        else:
            one.set_result(done.result()[name])

    together.add_done_callback(follow)
    return one


@dataclass(frozen=True)
class PptxTask:
    """A deck as PowerPoint (the board pack, issue 29): its HTML as published, the figures
    its charts were drawn from, the logo, and the moment it is dated."""

    html: str
    slides: SlideData
    logo: Path | None
    moment: datetime


@dataclass(frozen=True)
class WorkbookTask:
    """The model as a workbook of live formulas (the board pack, issue 29)."""

    book: Book


BOARD_PACK_TASKS = (PptxTask, WorkbookTask)
WORKBOOK = "model.xlsx"


def make_pptx(task: PptxTask) -> bytes:
    from buildcase.engines.pptx import deck_pptx

    return deck_pptx(task.html, task.slides, task.logo, task.moment)


def make_workbook(task: WorkbookTask) -> bytes:
    from buildcase.engines.xlsx import workbook_bytes

    return workbook_bytes(task.book)


def pptx_name(deck: str) -> str:
    """The PowerPoint of the deck `deck`: present.html -> deck.pptx, present-hr.html ->
    deck-hr.pptx (the names a board pack is asked for)."""
    return "deck" + deck.removeprefix("present").removesuffix(".html") + ".pptx"


def board_pack(
    engines: Engines,
    decks: dict[str, str],
    slides: SlideData | None,
    book: Book | None,
    logo: Path | None,
    moment: datetime,
) -> dict[str, Future[bytes]]:
    """The board pack on its way, by file name: each deck of `decks` as PowerPoint where
    there are `slides` (its charts' data), and the model where there is a `book`."""
    made: dict[str, Future[bytes]] = {}
    if slides is not None:
        for name, html in decks.items():
            made[pptx_name(name)] = engines.submit(make_pptx, PptxTask(html, slides, logo, moment))
    if book is not None:
        made[WORKBOOK] = engines.submit(make_workbook, WorkbookTask(book))
    return made


def warm_up(
    first: Callable[[], None] | None = None, sites: bool = True, forker: int | None = None
) -> None:
    """Set up a new worker: run `first` (the scheduler's: letting go of what the worker
    inherited and must not hold, such as the output folder's lock), end with the build, and
    import the engines it will run while the main process is still reading proposals: both,
    or only WeasyPrint for a worker that makes no site (`sites`), which would otherwise
    spend a third of a second of a core on importing MkDocs for nothing.

    "End with the build" is asked of the system only by a worker forked by the build's
    thread, `forker`: the system ends a worker when the *thread* that forked it ends, and
    the pool forks a replacement for a worker that ended from a thread of its own, which
    ends as the pool closes. Such a replacement, stopped while it waited for work, died
    holding the pool's task queue lock, and the pool's clean-up waited for it for ever. A
    replacement still ends with the build: its task queue closes when the build ends."""
    if first is not None:
        first()
    if forker is None or threading.get_ident() == forker:
        _die_with_parent()
    if sites:
        from buildcase.engines import mkdocs as site  # noqa: F401
    from buildcase.engines import weasyprint as handout

    handout.warm_up()


def _die_with_parent() -> None:
    """On Linux, ask to be stopped when the build that forked us is killed."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Engines(Protocol):
    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]: ...

    def grown(self) -> bool: ...

    def renewed(self) -> Engines: ...

    def close(self) -> None: ...


class InlineEngines:
    """Runs each task at once in this process: for one proposal, or where forking is not
    possible."""

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(function(task))
        except Exception as e:  # an interrupt is not the task's failure: let it stop the build
            future.set_exception(e)
        return future

    def grown(self) -> bool:
        return False

    def renewed(self) -> InlineEngines:
        return self

    def close(self) -> None:
        pass

    def __enter__(self) -> InlineEngines:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class PoolEngines:
    """A pool of warm worker processes, forked from this process.

    A worker whose memory has grown past twice what it first used (and past
    MEMORY_FLOOR_MB) gets the whole pool renewed by the build, from its own thread, once
    the work in flight is done. The pool's own worker replacement (`maxtasksperchild`) is
    not used: it forks from one of the pool's threads, which deadlocked now and then.
    """

    def __init__(self, workers: int, first: Callable[[], None] | None = None, sites: bool = True):
        self.workers = workers
        self.first = first
        self.sites = sites  # whether its workers make sites too, or only PDFs
        self.pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=warm_up, initargs=(first, sites, threading.get_ident())
        )
        self.first_rss: dict[int, int] = {}  # worker pid -> MB after its first task
        self.last_rss: dict[int, int] = {}  # worker pid -> MB after its latest task

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def done(outcome: tuple[Any, int, int]) -> None:
            result, pid, rss = outcome
            self.first_rss.setdefault(pid, rss)
            self.last_rss[pid] = rss
            future.set_result(result)

        self.pool.apply_async(
            _measured, (function, task), callback=done, error_callback=future.set_exception
        )
        return future

    def grown(self) -> bool:
        return any(
            rss > max(2 * self.first_rss[pid], MEMORY_FLOOR_MB)
            for pid, rss in self.last_rss.items()
        )

    def renewed(self) -> PoolEngines:
        self.close()
        return PoolEngines(self.workers, self.first, self.sites)

    def close(self) -> None:
        """Let the workers finish what they were given, and end. Then every worker and
        thread of the pool has ended, and the clean-up the pool runs when it is collected
        (multiprocessing's `_terminate_pool`) has nothing left to stop, but would wait for
        ever for the task queue's lock if a worker was killed while it waited for work,
        holding it: it is called off. (Its private `_terminate`; were it renamed, the
        clean-up would run as before, and tests/test_engines.py would fail.)"""
        self.pool.close()
        self.pool.join()
        clean_up = getattr(self.pool, "_terminate", None)
        if clean_up is not None:
            clean_up.cancel()

    def terminate(self) -> None:
        """Stop the workers at once. A worker that ignores the pool's SIGTERM (one that
        took a signal in the instant after its fork, before its default handling was
        back) would hang the join for ever: one still there after KILL_AFTER_S is killed.
        Not before: a worker killed while it holds the task queue's lock would hang the
        pool's own clean-up instead. A worker holds nothing else: the parent stages and
        publishes every file."""
        workers = list(getattr(self.pool, "_pool", ()))
        timer = threading.Timer(KILL_AFTER_S, _kill, (workers,))
        timer.daemon = True
        timer.start()
        try:
            self.pool.terminate()
            self.pool.join()
        finally:
            timer.cancel()

    def __enter__(self) -> PoolEngines:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0]:
            self.terminate()
        else:
            self.close()


MEMORY_FLOOR_MB = 600
KILL_AFTER_S = 30  # a terminated worker still alive then is killed (`PoolEngines.terminate`)


def _kill(workers: list[Any]) -> None:
    for process in workers:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            if process.exitcode is None:
                process.kill()


def _measured(function: Callable[[Any], Any], task: Any) -> tuple[Any, int, int]:
    """In a worker: the task's result, with the worker's pid and resident memory after it,
    so the pool can tell a worker that grows without reaching into the pool's processes."""
    result = function(task)
    pid = os.getpid()
    return result, pid, _rss_mb(pid)


def _rss_mb(pid: int | None) -> int:
    """A process's resident memory in MB, from /proc (0 where there is none)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") // 2**20


class SplitEngines:
    """For one proposal: its site in this process, its handouts and decks' PDFs in workers
    forked at once, importing WeasyPrint while this process reads the YAML; side by side.

    One worker per core, not one fewer: a proposal's handouts (four or five, a few tenths of
    a second each) are most of its work and its site a small part, so with one worker on
    two cores this process sat idle for a second once its site was made. (One proposal
    cold, medians of 6: 2.53 s -> 2.14 s for the reference, 3.01 s -> 2.35 s for
    safety-huddle-coaching.) Its workers import WeasyPrint alone: the site is made here."""

    def __init__(self, workers: int | None = None, first: Callable[[], None] | None = None):
        self.inline = InlineEngines()
        self.worker = PoolEngines(workers or (os.cpu_count() or 1), first, sites=False)

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        if isinstance(task, (HandoutTask, DeckTask, *BOARD_PACK_TASKS)):
            return self.worker.submit(function, task)
        return self.inline.submit(function, task)

    def grown(self) -> bool:
        return False

    def renewed(self) -> SplitEngines:
        return self

    def close(self) -> None:
        self.worker.close()

    def terminate(self) -> None:
        """Stop the workers at once, dropping what they are making (a closing preview)."""
        self.worker.terminate()

    def __enter__(self) -> SplitEngines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.worker.__exit__(*exc)


def engines_for(
    proposals: int, jobs: int | None = None, first: Callable[[], None] | None = None
) -> InlineEngines | PoolEngines | SplitEngines:
    """Warm workers, one per core, or none where there is no fork (or one core); each
    worker runs `first` as it starts. No more than four a proposal: a proposal is some ten
    tasks (its handouts and its decks' PDFs), and a worker more would only import
    WeasyPrint."""
    workers = min(jobs or os.cpu_count() or 1, 4 * proposals)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return InlineEngines()
    if proposals == 1:
        return SplitEngines(workers, first)
    return PoolEngines(workers, first)
