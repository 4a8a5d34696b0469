"""What a proposal's output was built from, as one hash, so unchanged proposals are skipped.

A proposal is rebuilt when anything that shapes its output changes: its own files, the
templates it is rendered with, the base configuration, buildcase's code, or the build
options. The hash is stored in the output's marker file by the write stage.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from . import __version__

_PACKAGE = Path(__file__).resolve().parent


def folder_digest(folder: Path) -> str:
    """Every file below `folder`, names and bytes, hidden ones and caches aside."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if not path.is_file() or any(
                part.startswith(".") or part == "__pycache__" for part in relative.parts
            ):
                continue
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _shared_digest(path: Path) -> str:
    """Folders shared by every proposal of a build are hashed once per process."""
    if path.is_dir():
        return folder_digest(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def input_fingerprint(
    proposal: Path, template_dirs: list[Path], base_config: Path, options: str
) -> str:
    parts = [
        __version__,
        _shared_digest(_PACKAGE),  # buildcase's own code
        options,
        _shared_digest(base_config),
        *(
            _shared_digest(d)
            for d in template_dirs
            if d.resolve() != (proposal / "templates").resolve()
        ),
        folder_digest(proposal),  # holds its own templates/, if any
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forget_shared() -> None:
    """For a long-running process (serve) whose templates may change between builds."""
    _shared_digest.cache_clear()
