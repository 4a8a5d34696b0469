"""`buildcase serve`: a live preview that rebuilds the site as the author edits, and the
handout right after.

Each rebuild goes through the same pipeline as `build`, so what the author previews is
what `build` will produce. The site is made in this process, kept warm between edits (a
page whose inputs have not changed is not made again), and shown as soon as it is ready;
the decks and the handouts' HTML are rendered after it is shown (the first build's decks
before: the start page links to them), and the handouts follow from a warm worker,
started only once the site is published, without holding the page back. A rebuild that
fails prints its errors and leaves the last good preview.

The server (`engines.mkdocs.preview`: MkDocs' live reload, told of a save by the system's
file events, answering only its own address, within limits) and the engines
(`engines.pipe_worker`: the site, and the handout worker) are the engines'; this module
joins them to the pipeline, and stops at once on Ctrl+C, SIGTERM or SIGHUP, whether sent to
it or to its process group.
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from buildcase.engines.mkdocs.preview import PreviewServer
from buildcase.engines.pipe_worker import PreviewEngines
from buildcase.errors import BuildcaseError, OutputError, ProposalInvalid, problem_text
from buildcase.markup import escape_text
from buildcase.pipeline import Job, Options, prepare
from buildcase.workspace.config import CONFIG
from buildcase.write.output import write_atomically

# How long what follows a rebuild (its decks, its handouts' HTML) waits once the browser is
# told to reload: rendered at once, it took the processor and the interpreter's lock from
# the reload, and the page showed an edit 70-100 ms later (benchmarks/save_to_page.py).
FOLLOW_AFTER_SECONDS = 0.2
CLOSE_WAIT_SECONDS = 1.0  # for a follow-up under way to end, as the preview closes
# Over the page, in the page's own document: fixed, readable, dismissed by fixing the edit.
OVERLAY = (
    '<div id="buildcase-errors" role="alert" style="position:fixed;inset:auto 0 0 0;'
    "z-index:10000;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.5rem;"
    "background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;"
    'font:15px/1.5 system-ui,sans-serif;box-shadow:0 -4px 16px rgba(0,0,0,.2)">'
    "<strong>This edit has errors.</strong>"
    '<ul style="margin:.5rem 0 0;padding-left:1.2rem;font-family:monospace">{lines}</ul></div>'
)


class Preview:
    """One proposal's preview: a private output folder, rebuilt on every change.

    Every temporary file of the preview, the worker's included, lies in that folder
    (`tempfile` points there while the preview lasts), so closing it leaves nothing behind.
    """

    def __init__(self, folder: Path, workspace: Path, strict: bool = False):
        self.folder, self.workspace, self.strict = folder.absolute(), workspace.absolute(), strict
        self.out = Path(tempfile.mkdtemp(prefix="buildcase-serve-"))
        self.saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(self.out)
        # Started by the first build, once the port is taken: a port in use then starts
        # no worker.
        self._engines: PreviewEngines | None = None
        self.latest = 0  # the newest good rebuild; an older handout arriving late is dropped
        self.pending: list[Future[Any]] = []  # the newest rebuild's handouts, not yet made
        self.problems: list[str] = []  # of the last rebuild, shown over the page until fixed
        # What follows a rebuild (its decks and handouts) once the browser has been told to
        # reload, which is once `rebuild` returns; a rebuild, or what follows one, at a time.
        self.lock = threading.Lock()
        self.follower = ThreadPoolExecutor(max_workers=1, thread_name_prefix="follower")
        self.followed: Future[None] | None = None  # the newest rebuild's follow-up
        self.closing = threading.Event()
        # Tells the browser to load the page again (the server's, once it serves): for an
        # error found after the page was shown, so that it shows over the page.
        self.reload: Callable[[], None] = lambda: None

    @property
    def engines(self) -> PreviewEngines:
        if self._engines is None:
            self._engines = PreviewEngines(self.root)  # its worker inherits the temporary folder
        return self._engines

    @property
    def root(self) -> Path:
        return self.out / self.folder.name

    def rebuild(self) -> bool:
        """Rebuild the site now, its decks and the handouts' HTML right after it is shown,
        and the handouts in the background; False if it failed."""
        with self.lock:
            job = self._site_rebuilt()
            if job is None:
                return False
            self.latest += 1
            number = self.latest
            if job.following is None:  # all rendered before it was published: a first build
                self._handouts_follow(job, number)
        if job.following is not None:
            self.followed = self.follower.submit(self._follow, job, number)
        return True

    def _site_rebuilt(self) -> Job | None:
        """The rebuild's job once its site is published; None if it failed."""
        started = time.perf_counter()
        try:
            # no board pack: the preview shows the site; `build` writes the pack
            options = Options(self.workspace, self.out, strict=self.strict, formats=frozenset())
            with self.engines.site_first():  # the page the author waits for, then handouts
                job = prepare(self.folder, options, self.engines, preview=True)
                warnings = job.publish_site(self.root)
                for outdated in self.pending:  # the last build's, not started: never shown
                    outdated.cancel()
        except ProposalInvalid as e:
            self._failed([problem_text(problem) for problem in e.problems])
            return None
        except BuildcaseError as e:
            self._failed([str(e)])
            return None
        self.problems = []
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(
            f"rebuilt the site in {time.perf_counter() - started:.2f} s; the handout follows",
            file=sys.stderr,
        )
        return job

    def _follow(self, job: Job, number: int) -> None:
        """In the follower, once the browser has reloaded the site: the decks and the
        handouts' HTML rendered, each deck replacing the last build's, the handouts on their
        way; nothing for a rebuild a newer one has replaced, or a preview closing."""
        if self.closing.wait(FOLLOW_AFTER_SECONDS):
            return
        with self.lock:
            if number != self.latest or self.closing.is_set():
                return
            try:
                decks = job.follow()
            except ProposalInvalid as e:
                self._not_followed([problem_text(problem) for problem in e.problems])
                return
            except Exception as e:  # a preview reports and goes on
                self._not_followed([str(e)])
                return
            replaced = [name for name, deck in decks.items() if self._replaced(name, deck.encode())]
            for name in replaced:
                print(f"rebuilt {name}", file=sys.stderr)
            if replaced:  # a deck open in the browser shows this edit too
                self.reload()
            self._handouts_follow(job, number)

    def _handouts_follow(self, job: Job, number: int) -> None:
        """Each handout of `job` written into the preview once made (`_handout_done`)."""
        self.pending = list(job.handouts.values())
        for name, future in job.handouts.items():
            future.add_done_callback(
                functools.partial(self._handout_done, job, number=number, name=name)
            )

    def _failed(self, problems: list[str]) -> None:
        self.problems = [*problems, "not rebuilt; the preview shows the last good build"]
        for line in problems:
            print(line, file=sys.stderr)
        print("buildcase: not rebuilt; the preview shows the last good build", file=sys.stderr)

    def _not_followed(self, problems: list[str]) -> None:
        """Said in the terminal and over the page, which is already shown: the decks and
        handouts stay the last good build's until an edit fixes what stopped them."""
        if self.closing.is_set():
            return
        said = "the decks and handouts were not rebuilt; the preview has the last good ones"
        self.problems = [*problems, said]
        for line in problems:
            print(line, file=sys.stderr)
        print(f"buildcase: {said}", file=sys.stderr)
        self.reload()

    def overlay(self) -> str:
        """What the browser shows over the page while the last edit has errors: the same
        lines as the terminal, escaped; nothing once the edit is fixed."""
        if not self.problems:
            return ""
        lines = "".join(f"<li>{escape_text(line)}</li>" for line in self.problems)
        return OVERLAY.format(lines=lines)

    def _handout_done(self, job: Job, future: Future[Any], number: int, name: str) -> None:
        if number != self.latest or future.cancelled():  # outdated, or the preview is closing
            return
        try:
            handout = job.handout(name, future)
        except Exception as e:  # a preview reports and goes on
            print(f"buildcase: {name} was not rebuilt: {e}", file=sys.stderr)
            return
        if self._replaced(name, handout.pdf):
            print(f"rebuilt {name}", file=sys.stderr)

    def _replaced(self, name: str, data: bytes) -> bool:
        """The preview's file `name` replaced by `data` all at once, so that the browser
        never reads half of it; False, said, where it cannot be written."""
        if self.closing.is_set():  # the folder is going: nothing to write it into
            return False
        try:
            write_atomically(self.root / name, data)
        except OutputError as e:
            print(f"buildcase: {e}", file=sys.stderr)
            return False
        return True

    def close(self) -> None:
        """Stop the worker and remove the preview folder, with every temporary file."""
        self.closing.set()  # a follow-up under way ends with the render it is in
        self.follower.shutdown(wait=False, cancel_futures=True)
        # and writes nothing after it: wait for it, a moment, before the folder goes
        following = self.lock.acquire(timeout=CLOSE_WAIT_SECONDS)
        try:
            if self._engines is not None:
                self._engines.close()  # a handout still being made is for a closing preview
        finally:
            tempfile.tempdir = self.saved_tempdir
            shutil.rmtree(self.out, ignore_errors=True)
            if following:
                self.lock.release()


def serve(folder: Path, workspace: Path, *, host: str, port: int, strict: bool = False) -> None:
    """Take the port, build the preview, serve it until stopped; the preview folder and
    the worker go with it. A port in use is a ServeError before anything is built.

    Ctrl+C, SIGTERM and SIGHUP reach this function as a KeyboardInterrupt (the command line
    turns each into one): the server stops taking requests, the worker is killed and the
    folder removed, within a second.
    """
    preview = Preview(folder, workspace, strict)
    try:
        server = PreviewServer(preview.rebuild, preview.root, host, port, preview.overlay)
        try:
            url = server.take_port()
            preview.reload = server.reload
            for path in watched_paths(folder, workspace):
                server.watch(str(path))
            if not preview.rebuild():
                raise BuildcaseError(
                    f"{folder}: the first build failed; fix the errors above and run serve again"
                )
            print(f"serving {folder.name} on {url} (Ctrl+C to stop)", file=sys.stderr)
            server.serve_until_stopped()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        preview.close()
    print(f"stopped serving {folder.name}", file=sys.stderr)


def watched_paths(folder: Path, workspace: Path) -> list[Path]:
    """What a rebuild reads: the proposal, the workspace's templates and its mkdocs.yml."""
    return [p for p in (folder, workspace / "templates", workspace / CONFIG) if p.exists()]
