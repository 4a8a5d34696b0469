"""The live preview's engines: its site made in this process, its handouts one at a time in
a warm worker process fed through a pipe (`PreviewEngines` says why not the pool `build`
uses).
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from buildcase.engines import BOARD_PACK_TASKS, DeckTask, HandoutTask, InlineEngines, warm_up

# Signals that stop the preview: the worker takes their default action, dying at once.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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

    It makes no deck's PDF: a deck's takes as long as a few handouts, and its one worker
    would be laying out the slides of an edit long gone while the next edit's handouts
    wait. A deck's PDF comes back cancelled, and the preview's site does not link to it;
    `build` makes them. So does the board pack (a deck's PowerPoint, the workbook).
    """

    def __init__(self) -> None:
        self._inline = InlineEngines()
        self._tasks: queue.SimpleQueue[tuple[Callable[[Any], Any], Any, Future[Any]] | None]
        self._tasks = queue.SimpleQueue()
        # The worker is started, replaced and stopped under the lock, so that close() stops
        # whichever worker there is and none is started after it.
        self._lock = threading.Lock()
        self._closing = False
        # Forked here, from the thread that builds, before the server's threads exist.
        self._worker: tuple[BaseProcess, Connection] | None = _start_worker()
        self._feeder = threading.Thread(target=self._feed, name="handout feeder", daemon=True)
        self._feeder.start()

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        if isinstance(task, (DeckTask, *BOARD_PACK_TASKS)):  # not made: see the docstring
            future: Future[Any] = Future()
            future.cancel()
            return future
        if not isinstance(task, HandoutTask):
            return self._inline.submit(function, task)
        future = Future()
        self._tasks.put((function, task, future))
        return future

    def grown(self) -> bool:
        return False

    def renewed(self) -> PreviewEngines:
        return self

    def close(self) -> None:
        """Stop the worker at once, dropping the handouts not yet made: they are for a
        preview that is closing."""
        with self._lock:
            self._closing = True
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
                future.set_exception(e)
                continue
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
            future.set_exception(
                WorkerLost(f"the handout worker ended (exit code {process.exitcode})")
            )


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
    warm_up()
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
