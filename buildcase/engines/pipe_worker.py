"""The live preview's engines: its site made in this process from what the last build
left (`PreviewSite`), its handouts one at a time in a warm worker process fed through a
pipe (`PreviewEngines` says why not the pool `build` uses).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildcase.engines import (
    BOARD_PACK_TASKS,
    DeckTask,
    HandoutTask,
    InlineEngines,
    SiteTask,
    warm_up,
)
from buildcase.logs import captured_warnings
from buildcase.workspace.layout import ASSETS

if TYPE_CHECKING:  # MkDocs is imported where a site is made
    from buildcase.engines.mkdocs import Made

# Signals that stop the preview: the worker takes their default action, dying at once.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The handouts follow the page: the worker yields the CPU to the preview and the browser.
WORKER_NICENESS = 10


class PreviewSite:
    """The preview's site, made from what the last build left (issue 32): an edit to one
    figure makes again the pages that show it, not the whole site.

    The docs folder MkDocs reads stays from build to build, each file written only if it
    changed (buildcase's assets, only if one of them did); and each page or file whose
    inputs have not changed is linked from the published site (`build_reusing`), if the
    file there is still the one made then (the same inode: a build whose site was not
    published leaves other files there). The site is then published whole, as before.
    """

    def __init__(self, published: Path) -> None:
        self.published = published  # the live site, which unchanged files are linked from
        self.docs: Path | None = None  # made by the first build, where `tempfile` points
        self.written: dict[str, bytes] = {}  # the docs folder's files, as last written
        self.assets = ""  # the signature of the assets last copied there
        self.made: dict[str, Made] = {}  # what the last build made, by destination
        self.folders: set[str] = set()  # made in this build's site folder

    def build(self, task: SiteTask) -> list[str]:
        """The site of `task`, as `make_site` makes it; MkDocs' warnings."""
        from buildcase.engines import mkdocs as engine

        files, overrides = engine.site_inputs(task)
        docs, self.folders = self._hold(task.assets_dir, files), set()
        inputs = repr((overrides, task.base_config.read_bytes(), task.epoch))
        with (
            captured_warnings("mkdocs") as warnings,
            engine.source_date_epoch(task.epoch),
            engine.mkdocs_errors(task.base_config),
        ):
            config = engine.site_config(task.base_config, docs, task.site_dir, overrides)
            made = engine.build_reusing(config, inputs, files, self._reuse, warnings)
        for uri, file in made.items():
            file.inode = file.inode or _inode(task.site_dir / uri)
        self.made = made
        return warnings

    def _hold(self, assets_dir: Path, files: dict[str, bytes]) -> Path:
        """The docs folder, made to hold buildcase's assets and `files`."""
        from buildcase.engines.mkdocs import ThemeListing, copy_assets

        docs = self.docs = self.docs or Path(tempfile.mkdtemp(prefix=".docs.", suffix=".tmp"))
        if (assets := ThemeListing([str(assets_dir)]).signature) != self.assets:
            shutil.rmtree(docs / ASSETS, ignore_errors=True)
            copy_assets(assets_dir, docs / ASSETS)
            self.assets, self.written = assets, {}
        for name in self.written.keys() - files.keys():
            (docs / name).unlink(missing_ok=True)
        for name, data in files.items():
            if self.written.get(name) != data:
                (docs / name).parent.mkdir(parents=True, exist_ok=True)
                (docs / name).write_bytes(data)
        self.written = files
        return docs

    def _reuse(self, uri: str, key: str, target: str) -> Made | None:
        """The file the last build made at `uri`, linked to `target`, if it was made from
        `key` and is the very file published there; else None."""
        made = self.made.get(uri)
        if not key or made is None or made.key != key or made.inode is None:
            return None
        try:
            if _inode(self.published / uri) != made.inode:
                return None
            if (folder := os.path.dirname(target)) not in self.folders:
                os.makedirs(folder, exist_ok=True)
                self.folders.add(folder)
            os.link(self.published / uri, target)
        except OSError:  # gone, or a file system without links: made again
            return None
        return made


def _inode(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


class WorkerLost(Exception):
    """The handout worker ended while making a handout: it was killed from outside (by the
    system short of memory, say)."""


class PreviewEngines:
    """The preview's engines: its site made in this process, its handouts one at a time in
    a warm worker process, fed through a pipe by a thread of ours.

    Not the multiprocessing pool `build` uses: an idle pool worker waits for work holding a
    lock shared with this process, so a Ctrl+C sent to the whole process group (as a
    terminal sends it) killed the worker holding that lock, and stopping the pool then
    waited for that lock for ever. A pipe holds no lock: a worker that dies is an end of
    file here, and stopping it is a kill and a wait. A worker killed from outside is
    replaced for the next handout.

    While the preview makes its site (`site_first`), no handout is started: the worker
    would take the CPU the site and the browser's reload need, and the author is waiting
    for the page. It lays out handouts at a lower priority than the preview for the same
    reason, and skips those cancelled because a newer edit has come.

    It makes no deck's PDF: a deck's takes as long as a few handouts, and its one worker
    would be laying out the slides of an edit long gone while the next edit's handouts
    wait. A deck's PDF comes back cancelled, and the preview's site does not link to it;
    `build` makes them. So does the board pack (a deck's PowerPoint, the workbook).
    """

    def __init__(self, published: Path) -> None:
        self._site = PreviewSite(published)
        self._inline = InlineEngines()
        self._tasks: queue.SimpleQueue[tuple[Callable[[Any], Any], Any, Future[Any]] | None]
        self._tasks = queue.SimpleQueue()
        # The worker is started, replaced and stopped under the lock, so that close() stops
        # whichever worker there is and none is started after it.
        self._lock = threading.Lock()
        self._closing = False
        self._site_made = threading.Event()  # cleared while the site comes first
        self._site_made.set()
        # Forked here, from the thread that builds, before the server's threads exist.
        self._worker: tuple[BaseProcess, Connection] | None = _start_worker()
        self._feeder = threading.Thread(target=self._feed, name="handout feeder", daemon=True)
        self._feeder.start()

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        if isinstance(task, (DeckTask, *BOARD_PACK_TASKS)):  # not made: see the docstring
            future: Future[Any] = Future()
            future.cancel()
            return future
        if isinstance(task, SiteTask):  # made from what the last build left
            return self._inline.submit(self._site.build, task)
        if not isinstance(task, HandoutTask):
            return self._inline.submit(function, task)
        future = Future()
        self._tasks.put((function, task, future))
        return future

    @contextlib.contextmanager
    def site_first(self) -> Iterator[None]:
        """No handout is started until the block (making and publishing the site) ends."""
        self._site_made.clear()
        try:
            yield
        finally:
            self._site_made.set()

    def grown(self) -> bool:
        return False

    def renewed(self) -> PreviewEngines:
        return self

    def close(self) -> None:
        """Stop the worker at once, dropping the handouts not yet made: they are for a
        preview that is closing."""
        with self._lock:
            self._closing = True
            self._site_made.set()
            if self._worker is not None:
                process, _pipe = self._worker
                process.kill()
                process.join(timeout=5)
        self._tasks.put(None)
        self._feeder.join(timeout=5)

    def _feed(self) -> None:
        """In the feeder thread: send each handout to the worker and settle its future with
        what comes back; once the preview closes, cancel the rest."""
        while (item := self._tasks.get()) is not None:
            function, task, future = item
            self._site_made.wait()
            if future.cancelled():  # for an edit long gone
                continue
            worker = self._live_worker()
            if worker is None:
                future.cancel()
                continue
            process, pipe = worker
            try:
                pipe.send((function, task))
                made, outcome = pipe.recv()
            except (EOFError, OSError):  # the worker died: it was killed
                self._forget(worker)
                self._settle_lost(future, process)
                continue
            except Exception as e:  # what it sent back cannot be read here
                made, outcome = False, e
            with contextlib.suppress(InvalidStateError):  # cancelled while it was made
                if made:
                    future.set_result(outcome)
                else:
                    future.set_exception(outcome)
        if self._worker is not None:
            self._worker[1].close()

    def _live_worker(self) -> tuple[BaseProcess, Connection] | None:
        """The worker, started anew if the last one was killed; None once closing."""
        with self._lock:
            if self._closing:
                return None
            if self._worker is None:
                self._worker = _start_worker()
            return self._worker

    def _forget(self, worker: tuple[BaseProcess, Connection]) -> None:
        with self._lock:
            self._worker = None
        worker[1].close()

    def _settle_lost(self, future: Future[Any], process: BaseProcess) -> None:
        """A handout whose worker died: dropped if the preview is stopping (the signal that
        stops it reached the worker too), else a failure that names the cause."""
        process.join(timeout=5)
        stopping = process.exitcode in {-number for number in STOP_SIGNALS}
        if self._closing or stopping:
            future.cancel()
        else:
            lost = WorkerLost(f"the handout worker ended (exit code {process.exitcode})")
            with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                future.set_exception(lost)


def _start_worker() -> tuple[BaseProcess, Connection]:
    """A new handout worker, forked now, and this process's end of its pipe."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_work, args=(theirs, ours), name="handout worker", daemon=True)
    process.start()
    theirs.close()  # the worker holds it: its death is then an end of file on ours
    return process, ours


def _work(pipe: Connection, parents_end: Connection) -> None:
    """In the worker: make each handout sent and send back what came of it, until the
    preview closes its end of the pipe (or dies: the kernel then stops the worker)."""
    parents_end.close()  # or it would never see the preview's end close
    for number in STOP_SIGNALS:  # however the preview was started: die at once, quietly
        signal.signal(number, signal.SIG_DFL)
    os.nice(WORKER_NICENESS)
    warm_up(sites=False)
    while True:
        try:
            function, task = pipe.recv()
        except EOFError:
            return
        try:
            outcome: tuple[bool, Any] = (True, function(task))
        except Exception as e:
            outcome = (False, e)
        try:
            pipe.send(outcome)
        except OSError:  # the preview has gone
            return
        except Exception:  # an error that does not pickle: send what it says
            pipe.send((False, RuntimeError(repr(outcome[1]))))
