"""`buildcase serve`: a live preview that rebuilds the site as the author edits, and the
handout right after.

Each rebuild goes through the same pipeline as `build`, so what the author previews is
what `build` will produce. The site is made in this process, kept warm between edits, and
shown as soon as it is ready; the handout follows from a warm worker without holding the
page back. A rebuild that fails prints its errors and leaves the last good preview.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .build import ProposalJob
from .errors import BuildcaseError, ProposalInvalid
from .workspace import CONFIG


class PreviewEngines:
    """The site in this process (warm across edits), the handout in one warm worker."""

    def __init__(self) -> None:
        from .engines import InlineEngines, PoolEngines, make_handout

        self.inline = InlineEngines()
        self.pool = PoolEngines(1)
        self.make_handout = make_handout

    def submit(self, function: Any, task: Any) -> Future[Any]:
        engines = self.pool if function is self.make_handout else self.inline
        return engines.submit(function, task)

    def close(self) -> None:
        """Stop the worker at once: a handout it is still making is for a closing preview."""
        self.pool.pool.terminate()
        self.pool.pool.join()


class Preview:
    """One proposal's preview: a private output folder, rebuilt on every change.

    Every temporary file of the preview, the worker's included, lies in that folder
    (`tempfile` points there while the preview lasts), so closing it leaves nothing behind.
    """

    def __init__(self, folder: Path, workspace: Path, strict: bool = False):
        self.folder, self.workspace, self.strict = folder.absolute(), workspace.absolute(), strict
        self.out = Path(tempfile.mkdtemp(prefix="buildcase-serve-"))
        self.saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(self.out)
        self.engines = PreviewEngines()  # the worker inherits the temporary folder
        self.latest = 0  # the newest rebuild; an older handout arriving late is dropped

    @property
    def root(self) -> Path:
        return self.out / self.folder.name

    def rebuild(self) -> bool:
        """Rebuild the site now and the handout in the background; False if it failed."""
        self.latest += 1
        number, started = self.latest, time.perf_counter()
        try:
            job, site_warnings = self._new_site()
        except ProposalInvalid as e:
            for problem in e.problems:
                print(problem, file=sys.stderr)
            print("buildcase: not rebuilt; the preview shows the last good build", file=sys.stderr)
            return False
        except BuildcaseError as e:
            print(f"buildcase: {e}", file=sys.stderr)
            return False
        for warning in [*job.warnings, *site_warnings]:
            print(warning, file=sys.stderr)
        print(
            f"rebuilt the site in {time.perf_counter() - started:.2f} s; the handout follows",
            file=sys.stderr,
        )
        for name, future in job.handouts.items():
            future.add_done_callback(lambda done, name=name: self._handout_done(done, number, name))
        return True

    def _new_site(self) -> tuple[ProposalJob, list[str]]:
        """The job of this rebuild and MkDocs' warnings, once its site is in place, with the
        last handouts until the new ones are ready; its staging folder goes on any failure."""
        from .write import discard, output_error, publish

        job = ProposalJob.start(
            self.folder, self.workspace, self.out, self.strict, None, self.engines, ""
        )
        try:
            site_warnings = job.site.result()
            for name in job.handouts:
                if (self.root / name).exists():
                    shutil.copyfile(self.root / name, job.staged / name)
            publish(job.staged, self.out, self.folder.name)
        except OSError as e:  # a full disk
            raise output_error(e, self.root) from e
        finally:
            discard(job.staged)  # published by now, or not to be
        return job, site_warnings

    def _handout_done(self, future: Future[Any], number: int, name: str) -> None:
        from .handout import HandoutTooLong

        if number != self.latest:
            return
        try:
            handout = future.result()
        except HandoutTooLong as e:
            print(
                f"buildcase: the handout runs to {e.pages} pages; the longest part is {e.longest}",
                file=sys.stderr,
            )
            return
        except Exception as e:  # a preview reports and goes on
            print(f"buildcase: the handout failed: {e}", file=sys.stderr)
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
            self.engines.close()
        finally:
            tempfile.tempdir = self.saved_tempdir
            shutil.rmtree(self.out, ignore_errors=True)


def serve(folder: Path, workspace: Path, *, host: str, port: int, strict: bool = False) -> None:
    """Take the port, build the preview, serve it until interrupted; the preview folder
    goes with it. A port in use is a ServeError before anything is built."""
    from .site import serve_live

    preview = Preview(folder, workspace, strict)

    def first_build(url: str) -> None:
        if not preview.rebuild():
            raise BuildcaseError(
                f"{folder}: the first build failed; fix the errors above and run serve again"
            )
        print(f"serving {folder.name} on {url} (Ctrl+C to stop)", file=sys.stderr)

    watch = [folder, workspace / "templates", workspace / CONFIG]
    try:
        serve_live(
            preview.rebuild, preview.root, [p for p in watch if p.exists()], host, port, first_build
        )
    finally:
        preview.close()
