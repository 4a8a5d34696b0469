"""`buildcase serve`: a live preview that rebuilds the site as the author edits, and the
handout right after.

Each rebuild goes through the same pipeline as `build`, so what the author previews is
what `build` will produce. The site is made in this process, kept warm between edits (a
page whose inputs have not changed is not made again), and shown as soon as it is ready;
the handout follows from a warm worker, started only once the site is published, without
holding the page back. A rebuild that fails prints its errors and leaves the last good
preview.

The server (`engines.mkdocs.preview`: MkDocs' live reload, told of a save by the system's
file events, answering only its own address, within limits) and the engines
(`engines.pipe_worker`: the site, and the handout worker) are the engines'; this module
joins them to the pipeline, and stops at once on Ctrl+C, SIGTERM or SIGHUP, whether sent to
it or to its process group.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from buildcase.engines.mkdocs.preview import PreviewServer
from buildcase.engines.pipe_worker import PreviewEngines
from buildcase.errors import BuildcaseError, ProposalInvalid, problem_text
from buildcase.markup import escape_text
from buildcase.pipeline import Job, Options, prepare
from buildcase.workspace.config import CONFIG

# Over the page, in the page's own document: fixed, readable, dismissed by fixing the edit.
OVERLAY = (
    '<div id="buildcase-errors" role="alert" style="position:fixed;inset:auto 0 0 0;'
    "z-index:10000;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.5rem;"
    "background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;"
    'font:15px/1.5 system-ui,sans-serif;box-shadow:0 -4px 16px rgba(0,0,0,.2)">'
    "<strong>This edit has errors; the page shows the last good build.</strong>"
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

    @property
    def engines(self) -> PreviewEngines:
        if self._engines is None:
            self._engines = PreviewEngines(self.root)  # its worker inherits the temporary folder
        return self._engines

    @property
    def root(self) -> Path:
        return self.out / self.folder.name

    def rebuild(self) -> bool:
        """Rebuild the site now and the handout in the background; False if it failed."""
        started = time.perf_counter()
        try:
            # no board pack: the preview shows the site; `build` writes the pack
            options = Options(self.workspace, self.out, strict=self.strict, formats=frozenset())
            with self.engines.site_first():  # the page the author waits for, then handouts
                job = prepare(self.folder, options, self.engines)
                warnings = job.publish_site(self.root)
                for outdated in self.pending:  # the last build's, not started: never shown
                    outdated.cancel()
        except ProposalInvalid as e:
            self._failed([problem_text(problem) for problem in e.problems])
            return False
        except BuildcaseError as e:
            self._failed([str(e)])
            return False
        self.problems = []
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(
            f"rebuilt the site in {time.perf_counter() - started:.2f} s; the handout follows",
            file=sys.stderr,
        )
        self.latest += 1
        number, self.pending = self.latest, list(job.handouts.values())
        for name, future in job.handouts.items():
            future.add_done_callback(
                functools.partial(self._handout_done, job, number=number, name=name)
            )
        return True

    def _failed(self, problems: list[str]) -> None:
        self.problems = [*problems, "not rebuilt; the preview shows the last good build"]
        for line in problems:
            print(line, file=sys.stderr)
        print("buildcase: not rebuilt; the preview shows the last good build", file=sys.stderr)

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
        partial = self.root / f".{name}.part"
        try:
            partial.write_bytes(handout.pdf)
            os.replace(partial, self.root / name)
        except OSError as e:
            print(f"buildcase: cannot write {self.root / name}: {e.strerror}", file=sys.stderr)
            return
        print(f"rebuilt {name}", file=sys.stderr)

    def close(self) -> None:
        """Stop the worker and remove the preview folder, with every temporary file."""
        try:
            if self._engines is not None:
                self._engines.close()  # a handout still being made is for a closing preview
        finally:
            tempfile.tempdir = self.saved_tempdir
            shutil.rmtree(self.out, ignore_errors=True)


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
