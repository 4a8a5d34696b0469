"""`buildcase build`: the scheduler around the pipeline (`pipeline.py`).

It takes the output folder's lock, skips the proposals whose inputs have not changed,
keeps a window of proposals in flight (this process prepares the next while the engines'
workers make the earlier ones), renews workers whose memory grew, publishes each proposal
as it comes back, and writes the portfolio index. A failed proposal does not stop the
others, and a handout too long for two pages does not stop the rest of its proposal: it is
published without that handout (`Built.left_out`; `BuildReport.left_out` counts them), and
the command fails naming it. This is buildcase as a library: the command line only parses
options and calls `build`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from buildcase.engines import Engines, PoolEngines, SplitEngines, engines_for
from buildcase.errors import BuildcaseError
from buildcase.pipeline import BOARD_PACK, Built, Job, Options, inputs_fingerprint, prepare
from buildcase.render.portfolio import render_portfolio
from buildcase.workspace import base_config, template_dirs
from buildcase.write.fingerprint import forget_shared
from buildcase.write.output import refused_targets, write_portfolio_page
from buildcase.write.record import close_inherited_locks, recorded_fingerprint, recorded_summaries
from buildcase.write.staging import locked_output


@dataclass
class Failed:
    folder: Path
    error: BuildcaseError


@dataclass
class BuildReport:
    out: Path
    built: list[Built] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # unchanged since their last build
    failed: list[Failed] = field(default_factory=list)
    seconds: float = 0.0
    portfolio: Path | None = None  # out/index.html, written when several proposals are built
    portfolio_error: BuildcaseError | None = None  # why it could not be (not buildcase's)

    @property
    def left_out(self) -> int:
        """Handouts too long for two pages, left out of proposals otherwise published."""
        return sum(len(built.left_out) for built in self.built)


# Called after each proposal: (proposals done, of how many, its folder, "built",
# "built, a handout left out", "unchanged" or "failed").
Progress = Callable[[int, int, Path, str], None]


def build(
    folders: list[Path],
    workspace: Path,
    out: Path,
    *,
    strict: bool = False,
    paper: str | None = None,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    audience: str | None = None,
    internal: bool = False,
    formats: frozenset[str] = BOARD_PACK,
) -> BuildReport:
    """Build each proposal into `out/<slug>/`, skipping those whose inputs have not
    changed since their last build; a failed proposal does not stop the others."""

    started = time.perf_counter()
    out, workspace = out.absolute(), workspace.absolute()
    options = Options(workspace, out, strict, paper, audience, internal, formats)
    report = BuildReport(out)
    forget_shared()  # templates may have changed since an earlier build in this process
    done = _counter(len(folders), progress)
    base_config(workspace)  # a mkdocs.yml that must not be read is refused before out/ is made
    refused = refused_targets(folders, out)
    with locked_output(out):
        todo = []
        for folder in (f.absolute() for f in folders):
            if reserved := refused.get(folder):
                report.failed.append(Failed(folder, reserved))
                done(folder, "failed")
                continue
            fingerprint = inputs_fingerprint(folder, options)
            if not force and _is_current(out, folder.name, fingerprint):
                report.skipped.append(folder)
                done(folder, "unchanged")
            else:
                todo.append((folder, fingerprint))
        engines = engines_for(len(todo), jobs, first=close_inherited_locks)
        try:
            # A window of proposals in flight: this process prepares the next ones while
            # the workers make the earlier ones, and publishes each as it comes back.
            in_flight: deque[Job] = deque()
            submitted = False  # whether the workers were given anything to make
            for folder, fingerprint in todo:
                try:
                    in_flight.append(prepare(folder, options, engines, fingerprint))
                    submitted = True
                except BuildcaseError as e:
                    report.failed.append(Failed(folder, e))
                    done(folder, "failed")
                while len(in_flight) >= IN_FLIGHT:
                    _finish(in_flight.popleft(), report, done)
                if engines.grown():  # a worker's memory grew: finish what is out, renew them
                    while in_flight:
                        _finish(in_flight.popleft(), report, done)
                    engines = engines.renewed()
            while in_flight:
                _finish(in_flight.popleft(), report, done)
        except BaseException as e:  # interrupted: stop the workers now, rather than wait
            engines.__exit__(type(e), e, e.__traceback__)
            raise
        if submitted:
            engines.close()
        else:  # every proposal refused before its layout: its refusal waits for nothing
            _stop(engines)
        if len(folders) > 1:
            try:
                report.portfolio = write_portfolio(out, workspace)
            except BuildcaseError as e:  # someone else's index.html: the proposals stand
                report.portfolio_error = e
    report.seconds = time.perf_counter() - started
    return report


def write_portfolio(out: Path, workspace: Path) -> Path:
    """`out/index.html`: every proposal built into `out`, linking to its site and handouts;
    OutputError if an index.html there is not one buildcase wrote."""

    search_path = template_dirs(None, workspace)
    return write_portfolio_page(out, render_portfolio(recorded_summaries(out), search_path))


IN_FLIGHT = 12  # proposals prepared ahead of the workers


def _stop(engines: Engines) -> None:
    """Workers given nothing to make, stopped at once rather than waited for: all they
    would finish is importing the engines."""
    if isinstance(engines, (PoolEngines, SplitEngines)):
        engines.terminate()
    else:
        engines.close()


def _finish(job: Job, report: BuildReport, done: Callable[[Path, str], None]) -> None:
    try:
        built = job.finish()
        report.built.append(built)
        done(job.folder, "built, a handout left out" if built.left_out else "built")
    except BuildcaseError as e:
        report.failed.append(Failed(job.folder, e))
        done(job.folder, "failed")


def _is_current(out: Path, slug: str, fingerprint: str) -> bool:

    return recorded_fingerprint(out / slug) == fingerprint


def _counter(total: int, progress: Progress | None) -> Callable[[Path, str], None]:
    count = 0

    def done(folder: Path, status: str) -> None:
        nonlocal count
        count += 1
        if progress:
            progress(count, total, folder, status)

    return done
