"""The folder buildcase works in, the way MkDocs works in the folder of its mkdocs.yml:
`mkdocs.yml` (the base of every site), `proposals/`, `templates/` (overrides) and `site/`.

This module finds those folders and files; `config` reads the mkdocs.yml, and `trust`
decides whether MkDocs may read it.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from buildcase.errors import WorkspaceError
from buildcase.workspace.config import CONFIG
from buildcase.workspace.layout import PROPOSALS, ROOT_FILE, SCHEMA_DIR
from buildcase.workspace.trust import safe_config


def default_templates_dir() -> Path:
    """buildcase's own templates, shipped inside the package (`buildcase.templates`) so
    that an installed buildcase works in any folder."""
    return Path(str(importlib.resources.files("buildcase.templates")))


def template_dirs(proposal_dir: Path | None, workspace: Path) -> list[Path]:
    """Where templates are looked up, first match wins: the proposal's own (where there is a
    proposal; untrusted, see `own_templates`), the workspace's, buildcase's."""
    own = [proposal_dir / "templates"] if proposal_dir else []
    return [*own, workspace / "templates", default_templates_dir()]


def own_templates(proposal_dir: Path) -> Path | None:
    """The proposal's own `templates/` folder, if it has one (a link counts, to be refused):
    untrusted, unlike the workspace's, since it travels with the proposal."""
    own = proposal_dir / "templates"
    return own if os.path.lexists(own) else None


def base_config(workspace: Path) -> Path:
    """The mkdocs.yml every site of this workspace is built from: the workspace's own, or
    the default one shipped with buildcase where it has none.

    `build` and `check` both ask for it first, so both refuse, in the same words, a
    workspace's own that MkDocs must not read (see `safe_config`)."""
    own = workspace / CONFIG
    return safe_config(own) if own.is_file() else default_templates_dir() / CONFIG


def proposal_folders(workspace: Path, given: list[Path]) -> list[Path]:
    """The proposals named on the command line, or every folder under proposals/."""
    if given:
        for folder in given:
            if not folder.is_dir():
                raise WorkspaceError(f"{folder}: no such proposal folder")
        return given
    root = workspace / PROPOSALS
    if not root.is_dir():
        raise WorkspaceError(
            f"no {PROPOSALS}/ folder in {workspace}; name a proposal folder, "
            "or start one with `buildcase new SLUG`"
        )
    folders = sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not _is_schema_folder(p)
    )
    if not folders:
        raise WorkspaceError(f"{root} holds no proposal; start one with `buildcase new SLUG`")
    return folders


def _is_schema_folder(folder: Path) -> bool:
    """proposals/schema/, where `new` writes the editor schemas: not a proposal (unless it
    is one, made before the schemas moved there)."""
    return folder.name == SCHEMA_DIR and not os.path.lexists(folder / ROOT_FILE)
