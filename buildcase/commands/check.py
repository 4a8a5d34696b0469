"""`buildcase check` as a library: load, validate, compute and the checks that need the
computed case, as `build` runs them, without the engines.

A proposal that brings its own templates has them checked too, by a trial render in the
sandbox: they are code from elsewhere, and `check` is where an author learns. So is the
workspace's `mkdocs.yml`, which `build` refuses where it would run code unasked: `check`
refuses it first, in the same words.
"""

from __future__ import annotations

from pathlib import Path

from buildcase.compute import build_case
from buildcase.compute.checks import case_problems, only_warnings
from buildcase.errors import Problem, ProposalInvalid
from buildcase.load import load_proposal
from buildcase.models.sections import Proposal
from buildcase.render.template_check import template_problems
from buildcase.validate import validate_proposal
from buildcase.workspace import base_config, own_templates, template_dirs


def check_proposal(
    folder: Path, strict: bool = False, workspace: Path | None = None
) -> tuple[Proposal, list[Problem]]:
    """One proposal's model and warnings, or ProposalInvalid with every problem; or
    WorkspaceError where `build` would refuse the workspace's `mkdocs.yml`."""
    workspace = workspace or Path.cwd()
    base_config(workspace)  # what build reads first, refused here as there
    loaded = load_proposal(folder)
    proposal, problems = validate_proposal(loaded, strict=strict)
    case = build_case(proposal, folder.name)
    problems = only_warnings([*problems, *case_problems(case, loaded, workspace)], strict)
    untrusted = own_templates(folder)
    if untrusted is None:
        return proposal, problems
    search_path = template_dirs(folder, workspace)
    errors = template_problems(case, search_path, untrusted)
    if errors:
        raise ProposalInvalid([*problems, *errors])
    return proposal, problems
