"""A proposal's own `templates/` folder, as loading checks it: every entry the sandbox's
loader would refuse (`render.sandbox.ConfinedLoader`), found here, before anything is
rendered, so that `check` and `build` both say so in the same words. The loader applies
the same rule to the descriptor it reads (`template_refusal`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_TEMPLATE_BYTES = 256 * 1024


def refused_entries(folder: Path) -> list[tuple[Path, str]]:
    """Everything in a proposal's templates folder that the loader would refuse, and why:
    for `check`, which reports them all at once."""
    if os.path.islink(folder) or not folder.is_dir():
        return [(folder, "must be a folder inside the proposal, not a link or a file")]
    refused = []
    for root, dirs, files in os.walk(folder):  # does not follow links
        for name in sorted([*dirs, *files]):
            path = Path(root) / name
            status = os.lstat(path)
            if stat.S_ISLNK(status.st_mode):
                refused.append((path, "a symbolic link; a proposal's templates must be files"))
            elif not stat.S_ISDIR(status.st_mode) and (why := template_refusal(status)):
                refused.append((path, why))
    return refused


def template_refusal(status: os.stat_result) -> str | None:
    """Why a template file is refused, or None: only a regular file, under the size limit,
    and not a hard link (the same file as one outside the proposal, shared by a copy or
    an archive unpacked without a filter)."""
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file"
    if status.st_nlink > 1:
        return "a hard link (the same file as another, maybe outside the proposal); copy it instead"
    if status.st_size > MAX_TEMPLATE_BYTES:
        return f"larger than {MAX_TEMPLATE_BYTES:,} bytes"
    return None
