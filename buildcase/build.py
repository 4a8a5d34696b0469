"""The orchestrator: one function per command, each reading like the pipeline.

    load -> validate -> compute -> render -> site + handout (engines) -> write

This is buildcase as a library: the command line only parses options and calls these.
Loading, validating, computing and rendering happen here, in this process, for every
proposal; the engines (MkDocs and WeasyPrint) run in warm workers (`engines`); the
output is published by `write` once both halves are done.
"""

from __future__ import annotations

import datetime
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import escape

from .compute import Case, build_case
from .compute.results import results_summary
from .engines import (
    Engines,
    HandoutTask,
    InlineEngines,
    PoolEngines,
    SiteTask,
    SplitEngines,
    engines_for,
    make_handout,
    make_site,
)
from .errors import BuildcaseError, Location, RenderError, WorkspaceError, problem_text
from .fingerprint import forget_shared, input_fingerprint
from .handout import HandoutTooLong
from .load import ROOT_FILE, load_proposal
from .markup import plain_text, title_html
from .models import PartialDate
from .qr import read_site_url
from .render import render_case, render_portfolio
from .validate import validate_proposal
from .workspace import base_config, default_templates_dir, own_templates, template_dirs
from .write import (
    discard,
    locked_output,
    new_staging_folder,
    output_error,
    publish,
    recorded_fingerprint,
    recorded_summaries,
    refused_targets,
    write_portfolio_page,
)

HANDOUT = "handout.pdf"


@dataclass
class Built:
    slug: str
    folder: Path
    pages: int
    handout_pages: int
    warnings: list[str]
    seconds: float


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


# Called after each proposal: (proposals done, of how many, its folder, "built",
# "unchanged" or "failed").
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
) -> BuildReport:
    """Build each proposal into `out/<slug>/`, skipping those whose inputs have not
    changed since their last build; a failed proposal does not stop the others."""

    started = time.perf_counter()
    out, workspace = out.absolute(), workspace.absolute()
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
            fingerprint = inputs_fingerprint(folder, workspace, strict, paper, audience)
            if not force and _is_current(out, folder.name, fingerprint):
                report.skipped.append(folder)
                done(folder, "unchanged")
            else:
                todo.append((folder, fingerprint))
        engines = engines_for(len(todo), jobs)
        try:
            # A window of proposals in flight: this process prepares the next ones while
            # the workers make the earlier ones, and publishes each as it comes back.
            in_flight: deque[ProposalJob] = deque()
            submitted = False  # whether the workers were given anything to make
            for folder, fingerprint in todo:
                try:
                    job = ProposalJob.start(
                        folder, workspace, out, strict, paper, engines, fingerprint, audience
                    )
                    in_flight.append(job)
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


def _finish(job: ProposalJob, report: BuildReport, done: Callable[[Path, str], None]) -> None:
    try:
        report.built.append(job.finish())
        done(job.folder, "built")
    except BuildcaseError as e:
        report.failed.append(Failed(job.folder, e))
        done(job.folder, "failed")


def build_proposal(
    folder: Path, workspace: Path, out: Path, *, strict: bool = False, paper: str | None = None
) -> Built:
    """Build one proposal in this process; the previous output survives any failure."""

    out.mkdir(parents=True, exist_ok=True)
    folder, workspace, out = folder.absolute(), workspace.absolute(), out.absolute()
    fingerprint = inputs_fingerprint(folder, workspace, strict, paper)
    with locked_output(out):  # records the output, so that a later build may replace it
        return ProposalJob.start(
            folder, workspace, out, strict, paper, InlineEngines(), fingerprint
        ).finish()


def inputs_fingerprint(
    folder: Path, workspace: Path, strict: bool, paper: str | None, audience: str | None = None
) -> str:

    options = f"strict={strict} paper={paper} audience={audience}"
    return input_fingerprint(
        folder, template_dirs(folder, workspace), base_config(workspace), options
    )


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


@dataclass
class ProposalJob:
    """One proposal on its way: rendered here, its site and handout made by the engines."""

    folder: Path
    out: Path
    staged: Path
    fingerprint: str
    pages: int
    warnings: list[str]
    site: Future[list[str]]
    handouts: dict[str, Future[Any]]  # file name -> its handout, the executives' first
    started: float
    summary: dict[str, Any]  # what the portfolio index says of this proposal
    decks: dict[str, str] = field(default_factory=dict)  # present*.html -> HTML, ready

    @classmethod
    def start(
        cls, folder: Path, workspace: Path, out: Path, strict: bool, paper: str | None,
        engines: Engines, fingerprint: str, audience: str | None = None,
    ) -> ProposalJob:  # fmt: skip

        started = time.perf_counter()
        # 1-2. Load the YAML with positions, validate it into typed models (a handout that
        # cannot fit its two pages is refused here, as by `check`, before any layout).
        loaded = load_proposal(folder)
        proposal, problems = validate_proposal(loaded, strict=strict, workspace=workspace)
        # 3. Compute every derived figure once, for both outputs.
        case = build_case(proposal, folder.name)
        if audience and audience not in (ids := [a.audience.id for a in case.audiences]):
            raise RenderError(
                Location(folder / ROOT_FILE),
                f"--audience {audience}: this proposal has no such audience; "
                f"its audiences: {', '.join(ids) or 'none'}",
            )
        # 4. Render the site's pages and the handout's HTML from the same case.
        search_path = template_dirs(folder, workspace)
        epoch = source_epoch(proposal.date)
        # The logo as validated: the regular file its name leads to, links followed once.
        logo = (
            Path(os.path.realpath(folder / proposal.branding.logo))
            if proposal.branding and proposal.branding.logo
            else None
        )
        rendered = render_case(
            case,
            search_path,
            paper or proposal.paper,
            pdf_date(epoch),
            audience,
            logo.as_uri() if logo else None,
            own_templates(folder),
            site_url=read_site_url(base_config(workspace)),
        )
        # 5. Hand the site and the handout to the engines, to be made into a staging folder.
        assets = default_templates_dir() / "assets"
        staged = new_staging_folder(out, folder.name)
        allowed = [folder, *search_path]
        handouts = {
            name: engines.submit(make_handout, HandoutTask(html_text, assets, allowed))
            for name, html_text in rendered.handouts.items()
        }
        site = engines.submit(
            make_site,
            SiteTask(
                base_config=base_config(workspace),
                pages=rendered.pages,
                nav=rendered.nav,
                site_name=title_html(proposal.title),  # MkDocs and Material do not escape it
                assets_dir=assets,
                site_dir=staged,
                epoch=epoch,
                logo=logo,
                brand_css=str(rendered.brand_css),
                language=proposal.language,
                description=str(escape(plain_text(proposal.summary))),
            ),
        )
        warnings = [problem_text(p) for p in problems]
        return cls(
            folder,
            out,
            staged,
            fingerprint,
            len(rendered.pages),
            warnings,
            site,
            handouts,
            started,
            portfolio_entry(case),
            rendered.decks,
        )

    def finish(self) -> Built:
        """Wait for the site and every handout; publish them together, or leave the old
        output alone."""

        try:
            site_warnings = self.site.result()
            handouts = {name: self.handout(name, future) for name, future in self.handouts.items()}
            # 6. Write: the handouts join the site, and the whole is swapped into place.
            for name, handout in handouts.items():
                (self.staged / name).write_bytes(handout.pdf)
            for name, deck in self.decks.items():  # the slides, beside index.html
                (self.staged / name).write_text(deck, encoding="utf-8")
        except OSError as e:  # a full disk, a read-only folder: here or in an engine
            discard(self.staged)
            raise output_error(e, self.out / self.folder.name) from e
        except BaseException:
            discard(self.staged)
            raise
        target = publish(self.staged, self.out, self.folder.name, self.fingerprint, self.summary)
        warnings = [
            *self.warnings,
            *(f"{self.folder}: site: {w}" for w in site_warnings),
            *(f"{self.folder}: {name}: {w}" for name, h in handouts.items() for w in h.warnings),
        ]
        pages = handouts[HANDOUT].pages if HANDOUT in handouts else 0
        return Built(
            self.folder.name,
            target,
            self.pages,
            pages,
            warnings,
            time.perf_counter() - self.started,
        )

    def publish_site(self, previous: Path) -> list[str]:
        """For the live preview: publish the site as soon as it is made, keeping the
        handouts of `previous` until the new ones follow; its warnings, or an error with
        the staging folder gone."""

        try:
            site_warnings = self.site.result()
            for name, deck in self.decks.items():
                (self.staged / name).write_text(deck, encoding="utf-8")
            for name in self.handouts:
                if (previous / name).exists():
                    shutil.copyfile(previous / name, self.staged / name)
            publish(self.staged, self.out, self.folder.name, self.fingerprint, self.summary)
        except OSError as e:  # a full disk
            raise output_error(e, self.out / self.folder.name) from e
        finally:
            discard(self.staged)  # published by now, or not to be
        return [*self.warnings, *(f"{self.folder}: site: {w}" for w in site_warnings)]

    def handout(self, name: str, future: Future[Any]) -> Any:
        """The handout `name` once made; RenderError, located, when it runs too long."""

        try:
            return future.result()
        except HandoutTooLong as e:
            raise RenderError(
                Location(self.folder / ROOT_FILE),
                f"{name} runs to {e.pages} pages; at most 2 fit on the table. "
                f"The longest part is {e.longest or 'unknown'}: shorten it rather than "
                "have buildcase shrink the text",
            ) from None


def portfolio_entry(case: Case) -> dict[str, Any]:
    """What the portfolio index lists of a proposal, recorded with its output (as values,
    formatted when the index is rendered), so the index can list proposals this build did
    not touch."""
    p, r = case.proposal, case.proposal.request
    return {
        "title": p.title,
        "organization": p.organization,
        "date": str(p.date),
        "currency": p.currency,
        "lang": p.language,
        "budget": r.budget if r else None,
        "participants": r.participants if r else None,
        "duration": str(r.duration) if r and r.duration else None,
        "status": case.status,
        "handouts": [
            [e.file, e.audience.audience.title if e.audience else None] for e in case.editions
        ],
        "results": results_summary(case.results) if case.results else None,
    }


LATEST_EPOCH = 4_102_444_799  # 2099-12-31T23:59:59Z, as the proposal's dates (limits)


def source_epoch(date: PartialDate) -> int:
    """The moment the outputs say they were made: the proposal's date, so the same input
    gives the same bytes; SOURCE_DATE_EPOCH, where set, wins, as reproducible-build tools
    expect."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit() or int(epoch) > LATEST_EPOCH:
            raise WorkspaceError(
                f"SOURCE_DATE_EPOCH={epoch[:40]} is not a moment buildcase can state: give "
                f"whole seconds since 1970, at most {LATEST_EPOCH} (the end of 2099)"
            )
        return int(epoch)
    moment = datetime.datetime(date.year, date.month, date.day or 1, tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def pdf_date(epoch: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
