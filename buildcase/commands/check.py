"""`buildcase check` as a library: load, validate, compute and the checks that need the
computed case, as `build` runs them, and the length of each handout.

A proposal that brings its own templates has them checked too, by a trial render in the
sandbox: they are code from elsewhere, and `check` is where an author learns. So is the
workspace's `mkdocs.yml`, which `build` refuses where it would run code unasked: `check`
refuses it first, in the same words.

A handout that cannot fit its two pages is a warning (`build` publishes the rest without
it, and fails). The bound of `compute.handout_length` proves it of some from their text
alone; whether the others fit only a layout tells, so with `layout` (as the command runs
it) each is rendered and measured by the engines, as `build` would lay it out, unless an
earlier layout of the same inputs said already (`engines.weasyprint.lengths`). WeasyPrint
is imported only then.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import TYPE_CHECKING

from buildcase.compute import Case, build_case
from buildcase.compute.checks import case_problems, laid_out_too_long, only_warnings
from buildcase.engines.weasyprint import Length, measure_task, warm_up
from buildcase.engines.weasyprint.lengths import known_lengths, remember_lengths
from buildcase.errors import Problem, ProposalInvalid
from buildcase.load import LoadedProposal, load_proposal
from buildcase.models.sections import Proposal
from buildcase.pipeline import (
    Options,
    handout_task,
    known_too_long,
    lengths_fingerprint,
    logo_file,
    render_for,
)
from buildcase.render.template_check import template_problems
from buildcase.validate import validate_proposal
from buildcase.workspace import base_config, own_templates, template_dirs

if TYPE_CHECKING:
    from buildcase.render.case import Rendered

WILL_BE_LEFT_OUT = "`build` publishes everything else and leaves this handout out until it fits"
INLINE_MOST = 2  # handouts measured in this process; more are measured by worker processes


def check_proposal(
    folder: Path, strict: bool = False, workspace: Path | None = None, *, layout: bool = False
) -> tuple[Proposal, list[Problem]]:
    """One proposal's model and warnings, or ProposalInvalid with every problem; or
    WorkspaceError where `build` would refuse the workspace's `mkdocs.yml`. With `layout`,
    each handout whose length its text cannot tell is laid out to tell it."""
    workspace = workspace or Path.cwd()
    base_config(workspace)  # what build reads first, refused here as there
    loaded = load_proposal(folder)
    proposal, problems = validate_proposal(loaded, strict=strict)
    case = build_case(proposal, folder.name)
    problems = only_warnings([*problems, *case_problems(case, loaded, workspace)], strict)
    untrusted = own_templates(folder)
    if untrusted is not None:
        errors = template_problems(case, template_dirs(folder, workspace), untrusted)
        if errors:
            raise ProposalInvalid([*problems, *errors])
    too_long = handouts_too_long(case, loaded, workspace, layout)
    return proposal, only_warnings([*problems, *too_long], strict)


def handouts_too_long(
    case: Case, loaded: LoadedProposal, workspace: Path, layout: bool
) -> list[Problem]:
    """A warning for each handout too long for two pages, located at what to shorten:
    those known without a layout, and with `layout`, those the layout finds."""
    folder = loaded.folder
    options = Options(workspace, workspace / "site")  # the handouts of a plain `build`
    lengths = lengths_fingerprint(folder, options)
    known = known_lengths(lengths)
    found = known_too_long(case, loaded, options, known, WILL_BE_LEFT_OUT)
    files = [e.file for e in case.editions]
    if case.results is not None:
        from buildcase.render.case import RESULTS_HANDOUT  # stage 4, imported where needed

        files.append(RESULTS_HANDOUT)
    todo = [name for name in files if name not in found and name not in known]
    if not layout or not todo:
        return [found[name] for name in files if name in found]
    render = functools.partial(render_for, case, folder, options, logo_file(folder, case))
    measured = measure(todo, render, folder, options)
    remember_lengths(lengths, measured)
    for name, length in measured.items():
        if not length.fits:
            found[name] = laid_out_too_long(
                case, loaded.source, name, length.pages, length.longest, WILL_BE_LEFT_OUT
            )
    return [found[name] for name in files if name in found]  # the same order, however found


def measure(
    todo: list[str], render: Callable[[], Rendered], folder: Path, options: Options
) -> dict[str, Length]:
    """How long each handout of `todo` runs, laid out by the engines: in this process, or
    for more than INLINE_MOST, in worker processes side by side, forked before the case is
    rendered so that they import WeasyPrint (and nothing else) meanwhile."""
    workers = min(len(todo), os.cpu_count() or 1)
    if len(todo) <= INLINE_MOST or workers < 2 or "fork" not in get_all_start_methods():
        handouts = render().handouts
        return {name: measure_task(handout_task(handouts[name], folder, options)) for name in todo}
    with ProcessPoolExecutor(workers, get_context("fork"), initializer=warm_up) as pool:
        pool.submit(int)  # the workers are forked at the first task
        handouts = render().handouts
        futures = {
            name: pool.submit(measure_task, handout_task(handouts[name], folder, options))
            for name in todo
        }
        return {name: future.result() for name, future in futures.items()}
