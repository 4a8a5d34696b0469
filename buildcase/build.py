"""The orchestrator: one function per command, each reading like the pipeline.

    load -> validate -> compute -> render -> site + handout -> write

This is buildcase as a library: the command line only parses options and calls these.
"""

from __future__ import annotations

import datetime
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .compute import build_case
from .errors import BuildcaseError, Location, Problem, ProposalInvalid, RenderError
from .load import ROOT_FILE, load_proposal
from .markup import plain_text
from .models import PartialDate, Proposal
from .validate import validate_proposal

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
    failed: list[Failed] = field(default_factory=list)
    seconds: float = 0.0


def check_proposal(folder: Path, strict: bool = False) -> tuple[Proposal, list[Problem]]:
    """Load and validate one proposal: its model and warnings, or ProposalInvalid."""
    loaded = load_proposal(folder)
    return validate_proposal(loaded, strict=strict)


def build(
    folders: list[Path],
    workspace: Path,
    out: Path,
    *,
    strict: bool = False,
    paper: str | None = None,
) -> BuildReport:
    """Build each proposal into `out/<slug>/`; a failed proposal does not stop the others."""
    from .write import locked_output

    started = time.perf_counter()
    out = out.absolute()
    report = BuildReport(out)
    with locked_output(out):
        for folder in folders:
            try:
                report.built.append(
                    build_proposal(folder, workspace, out, strict=strict, paper=paper)
                )
            except BuildcaseError as e:
                report.failed.append(Failed(folder, e))
    report.seconds = time.perf_counter() - started
    return report


def build_proposal(
    folder: Path, workspace: Path, out: Path, *, strict: bool = False, paper: str | None = None
) -> Built:
    """Build one proposal's site and handout; the previous output survives any failure."""
    from .handout import HandoutTooLong, render_handout
    from .render import default_templates_dir, render_case, template_dirs
    from .site import build_site
    from .workspace import base_config
    from .write import publish, staging_folder

    started = time.perf_counter()
    out, folder, workspace = out.absolute(), folder.absolute(), workspace.absolute()
    # 1-2. Load the YAML with positions, validate it into typed models.
    loaded = load_proposal(folder)
    proposal, problems = validate_proposal(loaded, strict=strict)
    # 3. Compute every derived figure once, for both outputs.
    case = build_case(proposal, loaded.slug)
    # 4. Render the site's pages and the handout's HTML from the same case.
    search_path = template_dirs(folder, workspace)
    paper_size = paper or proposal.paper
    epoch = source_epoch(proposal.date)
    rendered = render_case(case, search_path, paper_size, pdf_date(epoch), HANDOUT)
    assets = default_templates_dir() / "assets"
    # 5. Make the handout and the site in a staging folder, then swap it into place.
    with staging_folder(out, loaded.slug) as staged:
        try:
            handout = render_handout(rendered.handout_html, assets, [folder, *search_path])
        except HandoutTooLong as e:
            raise RenderError(
                Location(folder / ROOT_FILE),
                f"the handout runs to {e.pages} pages; at most 2 fit on the table. "
                f"The longest part is {e.longest or 'unknown'}: shorten it rather than "
                "have buildcase shrink the text",
            ) from None
        site_warnings = build_site(
            base_config=base_config(workspace),
            pages=rendered.pages,
            nav=rendered.nav,
            site_name=html.escape(plain_text(proposal.title)),  # MkDocs does not escape it
            assets_dir=assets,
            site_dir=staged,
            epoch=epoch,
        )
        (staged / HANDOUT).write_bytes(handout.pdf)
        target = publish(staged, out, loaded.slug)
    warnings = [str(p) for p in problems]
    warnings += [f"{folder}: site: {w}" for w in site_warnings]
    warnings += [f"{folder}: handout: {w}" for w in handout.warnings]
    return Built(
        slug=loaded.slug,
        folder=target,
        pages=len(rendered.pages),
        handout_pages=handout.pages,
        warnings=warnings,
        seconds=time.perf_counter() - started,
    )


def source_epoch(date: PartialDate) -> int:
    """The moment the outputs say they were made: the proposal's date, so the same input
    gives the same bytes; SOURCE_DATE_EPOCH, where set, wins, as reproducible-build tools
    expect."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return int(epoch)
    moment = datetime.datetime(date.year, date.month, date.day or 1, tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def pdf_date(epoch: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["BuildReport", "Built", "Failed", "ProposalInvalid", "build", "check_proposal"]
