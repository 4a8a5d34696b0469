"""The pipeline, one proposal at a time: the stages in order.

    load -> validate -> compute -> render -> engines -> write

`build_one` reads as that list. `prepare` runs stages 1 to 4 in this process and hands
the site, the handouts and the decks' PDFs to the engines (5), which may be warm worker
processes; the returned `Job` waits for them and writes the output atomically (6). The
scheduler (`commands/build.py`) prepares several proposals while the engines work, and the
live preview (`commands/serve.py`) publishes the site before its handouts and decks follow; both
call `prepare`, so every command builds a proposal the same way.

A handout too long for two pages fails alone: the rest is published without it and without
the links to it, and the build names it, located at what to shorten (`Built.left_out`).
One known too long before any layout (the bound of `compute.handout_length`, or an earlier
layout of the same inputs) is not laid out; where the layout finds one, the site is made
again without the links. Neither a page too many nor an earlier build's is published.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from buildcase.compute import Case, build_case, portfolio_entry
from buildcase.compute.checks import (
    case_problems,
    laid_out_too_long,
    only_warnings,
    proven_too_long,
)
from buildcase.engines import (
    WORKBOOK,
    Engines,
    HandoutTask,
    SiteTask,
    board_pack,
    deck_pdf_name,
    deck_pdfs,
    make_handout,
    make_site,
    pptx_name,
)
from buildcase.engines.weasyprint import HandoutTooLong, Length
from buildcase.engines.weasyprint.lengths import known_lengths, remember_lengths
from buildcase.errors import Location, Problem, RenderError, problem_text
from buildcase.load import LoadedProposal, load_proposal
from buildcase.markup import plain_text, title_html
from buildcase.render.pages import without_links
from buildcase.validate import validate_proposal
from buildcase.workspace import base_config, default_templates_dir, own_templates, template_dirs
from buildcase.workspace.config import read_site_url
from buildcase.workspace.layout import ROOT_FILE
from buildcase.write.fingerprint import input_fingerprint
from buildcase.write.moment import pdf_date, source_epoch
from buildcase.write.output import output_error, publish
from buildcase.write.staging import discard, new_staging_folder

if TYPE_CHECKING:  # rendering is imported where a proposal is rendered: `check` seldom does
    from buildcase.render.case import Rendered

HANDOUT = "handout.pdf"
BOARD_PACK = frozenset({"pptx", "xlsx"})  # what `--formats` may ask for, all by default
LEFT_OUT = "it was left out of the output, and no page links to it, until it fits"


@dataclass(frozen=True)
class Options:
    """How to build: the same for every proposal of one command."""

    workspace: Path  # the folder holding mkdocs.yml, proposals/ and templates/
    out: Path  # the output folder; each proposal goes to out/<slug>/
    strict: bool = False  # warnings are errors
    paper: str | None = None  # "a4" or "letter"; None: the proposal's own
    audience: str | None = None  # only this department head's handout and deck
    internal: bool = False  # the L&D team's edition: internal pages included
    formats: frozenset[str] = BOARD_PACK  # of the board pack: "pptx", "xlsx"

    def described(self) -> str:
        """The options that change the output, for its fingerprint."""
        return (
            f"strict={self.strict} paper={self.paper} audience={self.audience} "
            f"internal={self.internal} formats={','.join(sorted(self.formats))}"
        )


@dataclass
class Built:
    slug: str
    folder: Path
    pages: int
    handout_pages: int
    warnings: list[str]
    seconds: float
    left_out: dict[str, Problem] = field(default_factory=dict)  # too long: file -> error
    later: list[str] = field(default_factory=list)  # present*.pdf and the board pack, written


def build_one(folder: Path, options: Options, engines: Engines) -> Built:
    """One proposal built into `options.out`, or its previous output left as it was.

    The caller holds the output folder's lock (`write.staging.locked_output`)."""
    return prepare(folder, options, engines).finish()


def prepare(
    folder: Path, options: Options, engines: Engines, fingerprint: str = "", preview: bool = False
) -> Job:
    """Stages 1 to 5: the proposal read, checked, computed and rendered here, its site and
    handouts handed to the engines. For the live `preview`, the handouts and
    decks are rendered, and the handouts handed on, by `Job.follow`; no deck's PDF is made."""
    started = time.perf_counter()
    fingerprint = fingerprint or inputs_fingerprint(folder, options)
    # 1. Load: the YAML with positions, and the files it names, within limits.
    source = load_proposal(folder)
    # 2. Validate: typed models; every problem located, warnings apart.
    proposal, problems = validate_proposal(source, strict=options.strict)
    # 3. Compute: every derived figure, once, for every output; then the checks that need
    # them, their problems reported with validate's.
    case = build_case(proposal, folder.name)
    found = case_problems(case, source, options.workspace)
    problems = only_warnings([*problems, *found], options.strict)
    refuse_unknown_audience(case, options.audience, folder)
    lengths = lengths_fingerprint(folder, options)  # a handout too long, known before layout
    known = known_too_long(case, source, options, known_lengths(lengths), LEFT_OUT)
    # 4. Render: the site's pages, the handouts' HTML and the decks, from the same case.
    logo = logo_file(folder, case)
    rendered = render_for(case, folder, options, logo, pages_first=preview)
    files = rendered.handouts_coming or list(rendered.handouts)
    # 5. Engines: MkDocs makes the site and WeasyPrint the handouts and the decks' PDFs,
    # into a staging folder; a handout known to be too long is not laid out, and the site
    # does not link to it, nor to a deck's PDF the engines do not make (the preview's).
    left_out = {name: p for name, p in known.items() if name in files}
    staged = new_staging_folder(options.out, folder.name)
    made = {name: html for name, html in rendered.handouts.items() if name not in left_out}
    handouts = submit_handouts(engines, made, folder, options)
    slides = deck_pdfs(engines, rendered.decks, handout_task("", folder, options), logo)
    pack = board_pack_for(case, rendered, engines, logo, options)
    made_later = {**slides, **pack}
    unmade = [name for name, future in made_later.items() if future.cancelled()]
    unmade += [deck_pdf_name(name) for name in rendered.decks_coming]  # no deck, no PDF
    unasked = [name for name in (pptx_name("present.html"), WORKBOOK) if name not in pack]
    task = site_task(case, rendered, staged, logo, options, [*left_out, *unmade, *unasked])
    site = engines.submit(make_site, task)

    def locate(name: str, length: Length) -> Problem:
        return laid_out_too_long(case, source.source, name, length.pages, length.longest, LEFT_OUT)

    return Job(
        folder=folder,
        out=options.out,
        staged=staged,
        fingerprint=fingerprint,
        pages=len(rendered.pages),
        warnings=[problem_text(p) for p in problems],
        site=site,
        handouts=handouts,
        started=started,
        summary=portfolio_entry(case),
        decks=rendered.decks,
        later={name: future for name, future in made_later.items() if name not in unmade},
        left_out=left_out,
        remake=Remake(engines, task, locate, lengths, files),
        following=rendered if rendered.rest else None,
        submit=functools.partial(submit_handouts, engines, folder=folder, options=options),
    )


def render_for(
    case: Case, folder: Path, options: Options, logo: Path | None, pages_first: bool = False
) -> Rendered:
    """Stage 4 for `options`: the whole case, or its pages first (`render_pages_first`)."""
    from buildcase.render.case import render_case, render_pages_first

    return (render_pages_first if pages_first else render_case)(
        case, template_dirs(folder, options.workspace), options.paper or case.proposal.paper,
        pdf_date(source_epoch(case.proposal.date)), options.audience,
        logo.as_uri() if logo else None, own_templates(folder),
        site_url=read_site_url(base_config(options.workspace)), internal=options.internal,
    )  # fmt: skip


def board_pack_for(
    case: Case, rendered: Rendered, engines: Engines, logo: Path | None, options: Options
) -> dict[str, Future[Any]]:
    """The board pack `options.formats` asks for, on its way (issue 29): each deck as
    PowerPoint, the model as a workbook of live formulas; dated like the PDFs."""
    from buildcase.render.slides import slide_data
    from buildcase.render.workbook import model_workbook

    moment = datetime.fromtimestamp(source_epoch(case.proposal.date), timezone.utc)
    slides = slide_data(case) if "pptx" in options.formats else None
    book = model_workbook(case, moment) if "xlsx" in options.formats else None
    return board_pack(engines, rendered.decks, slides, book, logo, moment)


def lengths_fingerprint(folder: Path, options: Options) -> str:
    """What the handouts of `folder` are made from, for `engines.weasyprint.lengths`: the
    same for `check` and for a `build` with the same paper, whatever else it is asked."""
    return input_fingerprint(
        folder,
        template_dirs(folder, options.workspace),
        base_config(options.workspace),
        f"handouts paper={options.paper} internal={options.internal}",
    )


def known_too_long(
    case: Case, loaded: LoadedProposal, options: Options, known: dict[str, Length], then: str
) -> dict[str, Problem]:
    """The handouts known to be too long without a layout, by file name, each a warning
    located at what to shorten: by the bound, or by an earlier layout (`known`)."""
    search_path = template_dirs(loaded.folder, options.workspace)
    found = proven_too_long(case, loaded.source, search_path, then)
    for name, length in known.items():
        if not length.fits and name not in found:
            found[name] = laid_out_too_long(
                case, loaded.source, name, length.pages, length.longest, then
            )
    return found


def refuse_unknown_audience(case: Case, audience: str | None, folder: Path) -> None:
    if audience and audience not in (ids := [a.audience.id for a in case.audiences]):
        raise RenderError(
            Location(folder / ROOT_FILE),
            f"--audience {audience}: this proposal has no such audience; "
            f"its audiences: {', '.join(ids) or 'none'}",
        )


def logo_file(folder: Path, case: Case) -> Path | None:
    """The logo as validated: the regular file its name leads to."""
    b = case.proposal.branding
    return Path(os.path.realpath(folder / b.logo)) if b and b.logo else None


def submit_handouts(
    engines: Engines, handouts: dict[str, str], folder: Path, options: Options
) -> dict[str, Future[Any]]:
    """Each handout's HTML to WeasyPrint."""
    return {
        name: engines.submit(make_handout, handout_task(html_text, folder, options))
        for name, html_text in handouts.items()
    }


def handout_task(html: str, folder: Path, options: Options) -> HandoutTask:
    """A handout for WeasyPrint (to make, or for `check` to measure), which may load files
    of the proposal folder (first: the strict one) and of the template folders."""
    assets = default_templates_dir() / "assets"
    return HandoutTask(html, assets, [folder, *template_dirs(folder, options.workspace)])


def site_task(
    case: Case, rendered: Rendered, staged: Path, logo: Path | None, options: Options,
    without: Iterable[str] = (),
) -> SiteTask:  # fmt: skip
    """The site of the rendered case, for MkDocs; without links to the handouts `without`."""
    proposal = case.proposal
    return SiteTask(
        base_config=base_config(options.workspace),
        pages=without_links(rendered.pages, without),
        nav=rendered.nav,
        site_name=title_html(proposal.title),  # MkDocs and Material do not escape it
        assets_dir=default_templates_dir() / "assets",
        site_dir=staged,
        epoch=source_epoch(proposal.date),
        logo=logo,
        brand_css=str(rendered.brand_css),
        language=proposal.language,
        description=str(escape(plain_text(proposal.summary))),
        slug=case.slug,
    )


def inputs_fingerprint(folder: Path, options: Options) -> str:
    """What the output of `folder` is made from: its files, the templates, mkdocs.yml,
    buildcase's code and the options."""
    return input_fingerprint(
        folder,
        template_dirs(folder, options.workspace),
        base_config(options.workspace),
        options.described(),
    )


@dataclass(frozen=True)
class Remake:
    """What a job needs to make its site again without links to a handout its layout finds
    too long, to say where to shorten it, and to keep what its layouts found."""

    engines: Engines
    site: SiteTask
    locate: Callable[[str, Length], Problem]  # a handout too long -> its warning, located
    lengths: str  # the fingerprint its handouts' lengths are kept under
    files: list[str]  # its handouts, in the order they are reported


@dataclass
class Job:
    """One proposal on its way: prepared here, its site and handouts made by the engines,
    written by `finish`."""

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
    remake: Remake
    decks: dict[str, str] = field(default_factory=dict)  # present*.html -> HTML, ready
    # made by the engines after the site and handouts: present*.pdf (a deck's PDF) and the
    # board pack (deck*.pptx, model.xlsx), by file name
    later: dict[str, Future[Any]] = field(default_factory=dict)
    left_out: dict[str, Problem] = field(default_factory=dict)  # too long: file -> warning
    following: Rendered | None = None  # the preview's pages, until `follow` renders the rest
    submit: Callable[[dict[str, str]], dict[str, Future[Any]]] | None = None

    def finish(self) -> Built:
        """Wait for the site and every handout; publish them together, less the handouts
        too long for two pages, or leave the old output alone."""
        try:
            site_warnings = self.site.result()
            handouts, too_long = {}, {}
            for name, future in self.handouts.items():
                try:
                    handouts[name] = future.result()
                except HandoutTooLong as e:
                    too_long[name] = Length(e.pages, e.longest)
            if too_long:  # the site links to them: made again without those links
                site_warnings = self.site_without([*self.left_out, *too_long])
            # 6. Write: the handouts join the site, and the whole is swapped into place.
            for name, handout in handouts.items():
                (self.staged / name).write_bytes(handout.pdf)
            for name, deck in self.decks.items():  # the slides, beside index.html
                (self.staged / name).write_text(deck, encoding="utf-8")
            later = {name: future.result() for name, future in self.later.items()}
            slides = {name: made for name, made in later.items() if name.endswith(".pdf")}
            for name, made in later.items():  # each deck's PDF beside it, the board pack
                (self.staged / name).write_bytes(made if isinstance(made, bytes) else made.pdf)
        except OSError as e:  # a full disk, a read-only folder: here or in an engine
            discard(self.staged)
            raise output_error(e, self.out / self.folder.name) from e
        except BaseException:
            discard(self.staged)
            raise
        made = {name: Length(handout.pages) for name, handout in handouts.items()}
        remember_lengths(self.remake.lengths, {**made, **too_long})
        found = {n: self.remake.locate(n, length) for n, length in too_long.items()}
        self.left_out = {
            n: p for n in self.remake.files if (p := self.left_out.get(n) or found.get(n))
        }
        target = publish(
            self.staged,
            self.out,
            self.folder.name,
            "" if self.left_out else self.fingerprint,  # not current: built again next time
            self.published_summary(),
        )
        warnings = [
            *self.warnings,
            *(f"{self.folder}: site: {w}" for w in site_warnings),
            *(f"{self.folder}: {name}: {w}" for name, h in handouts.items() for w in h.warnings),
            *(f"{self.folder}: {name}: {w}" for name, s in slides.items() for w in s.warnings),
        ]
        pages = handouts[HANDOUT].pages if HANDOUT in handouts else 0
        return Built(
            self.folder.name,
            target,
            self.pages,
            pages,
            warnings,
            time.perf_counter() - self.started,
            {name: problem.as_error() for name, problem in self.left_out.items()},
            sorted(later),
        )

    def site_without(self, files: list[str]) -> list[str]:
        """The site made again without links to `files`, into a new staging folder (the one
        made with them discarded); its warnings."""
        discard(self.staged)
        self.staged = new_staging_folder(self.out, self.folder.name)
        pages = without_links(self.remake.site.pages, files)
        task = replace(self.remake.site, pages=pages, site_dir=self.staged)
        warnings: list[str] = self.remake.engines.submit(make_site, task).result()
        return warnings

    def published_summary(self) -> dict[str, Any]:
        """What the portfolio index lists: the handouts published, not those left out."""
        listed = self.summary.get("handouts") or []
        return {**self.summary, "handouts": [h for h in listed if h[0] not in self.left_out]}

    def publish_site(self, previous: Path) -> list[str]:
        """For the live preview: publish the site as soon as it is made, keeping the
        handouts of `previous` until the new ones follow; its warnings (and the handouts
        left out as too long), or an error with the staging folder gone."""
        try:
            site_warnings = self.site.result()
            if self.following and not all(
                (previous / name).is_file() for name in self.following.decks_coming
            ):
                self.follow()  # a first build, or a new deck: the start page links to it
            for name, deck in self.decks.items():
                (self.staged / name).write_text(deck, encoding="utf-8")
            kept = [n for n in self.remake.files if n not in self.left_out]  # until remade
            for name in [*kept, *(self.following.decks_coming if self.following else [])]:
                if (previous / name).exists():
                    shutil.copyfile(previous / name, self.staged / name)
            publish(self.staged, self.out, self.folder.name, self.fingerprint, self.summary)
        except OSError as e:  # a full disk
            raise output_error(e, self.out / self.folder.name) from e
        finally:
            discard(self.staged)  # published by now, or not to be
        return [
            *self.warnings,
            *(f"{self.folder}: site: {w}" for w in site_warnings),
            *(problem_text(problem) for problem in self.left_out.values()),
        ]

    def follow(self) -> dict[str, str]:
        """For the live preview, once its site is published (before, for a deck not shown
        yet): the rest rendered, the handouts handed to the engines; the decks' HTML."""
        if self.following and self.following.rest and self.submit:
            rendered, self.following = self.following.rest(), None
            made = {n: html for n, html in rendered.handouts.items() if n not in self.left_out}
            self.handouts, self.decks = self.submit(made), rendered.decks
        return self.decks

    def handout(self, name: str, future: Future[Any]) -> Any:
        """The handout `name` once made; RenderError, located at what to shorten, when it
        runs too long."""
        try:
            return future.result()
        except HandoutTooLong as e:
            problem = self.remake.locate(name, Length(e.pages, e.longest))
            raise RenderError(problem.location, f"{problem.field}: {problem.message}") from None
