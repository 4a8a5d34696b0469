"""The folder buildcase works in, the way MkDocs works in the folder of its mkdocs.yml:
`mkdocs.yml` (the base of every site), `proposals/`, `templates/` (overrides) and `site/`.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
from pathlib import Path
from typing import Any

from .errors import WorkspaceError

PROPOSALS = "proposals"
CONFIG = "mkdocs.yml"
SCHEMA_FILE = "proposal.schema.json"
# Every YAML file `new` writes names its schema on its first line, for editors: this one
# is MkDocs-Material's, published with it.
MKDOCS_SCHEMA_LINE = (
    "# yaml-language-server: $schema=https://squidfunk.github.io/mkdocs-material/schema.json\n"
)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def default_templates_dir() -> Path:
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
    """The workspace's mkdocs.yml, or the default one shipped with buildcase."""
    own = workspace / CONFIG
    return own if own.is_file() else default_templates_dir() / CONFIG


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
    from .schema import SCHEMA_DIR

    return folder.name == SCHEMA_DIR and not os.path.lexists(folder / "proposal.yaml")


def new_proposal(workspace: Path, slug: str) -> Path:
    """A new, valid proposal folder from the commented skeleton; never overwrites."""
    if not _SLUG.fullmatch(slug):
        raise WorkspaceError(
            f"'{slug}' cannot name a proposal: use lowercase letters, digits and '-' "
            "(it becomes the web address)"
        )
    from .schema import SCHEMA_DIR

    if slug == SCHEMA_DIR:
        raise WorkspaceError(
            f"'{slug}' cannot name a proposal: proposals/{SCHEMA_DIR}/ holds the editor schemas"
        )
    folder = workspace / PROPOSALS / slug
    if folder.exists():
        raise WorkspaceError(f"{folder} already exists; buildcase new never overwrites")
    templates = default_templates_dir()
    if not (workspace / CONFIG).exists():
        config = (templates / CONFIG).read_text(encoding="utf-8")
        (workspace / CONFIG).write_text(MKDOCS_SCHEMA_LINE + config, encoding="utf-8")
    folder.mkdir(parents=True)
    write_schemas(workspace / PROPOSALS)
    skeleton = (templates / "new" / "proposal.yaml").read_text(encoding="utf-8")
    (folder / "proposal.yaml").write_text(skeleton.replace("{{ slug }}", slug), encoding="utf-8")
    return folder


def write_schemas(proposals: Path) -> None:
    """The editor schemas, rewritten for this buildcase: `schema/proposal.schema.json` and
    `schema/<section>.schema.json` for each section file; and `proposal.schema.json` where
    buildcase before 0.2 wrote it, for editors set up to read it there."""
    from .schema import SCHEMA_DIR, schemas

    (proposals / SCHEMA_DIR).mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (proposals / SCHEMA_DIR / name).write_text(_json(schema), encoding="utf-8")
    (proposals / SCHEMA_FILE).write_text(_json(schemas()[SCHEMA_FILE]), encoding="utf-8")


def proposal_schema_json(section: str | None = None) -> str:
    """The schema of proposal.yaml, or of the section file `<section>.yaml`, as JSON."""
    from .schema import proposal_schema, section_schema

    return _json(section_schema(section) if section else proposal_schema()).rstrip("\n")


def _json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
