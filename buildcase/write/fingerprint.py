"""What a proposal's output was built from, as one hash, so unchanged proposals are skipped.

A proposal is rebuilt when anything that shapes its output changes: its own files, the
templates it is rendered with, the base configuration, buildcase's code, or the build
options. The hash is stored in the output's marker file by the write stage.

The fingerprint is taken before the proposal is loaded, so it cannot trust what the folder
holds: it never follows a symbolic link (a link counts by the text it holds, not by what it
points to), never opens anything but a regular file, streams what it reads, reads at most
`READ_LIMIT` bytes of any one file and `READ_BUDGET` bytes in all. A larger file counts by
its size and modification time, which still change when it is edited. A proposal folder
holding a 1 GB file, or a link to one, costs the fingerprint a `stat`, not a gigabyte.

Every file the build may read counts, hidden or not (`.responses.csv`, a template in
`templates/.partials/`): only Python's bytecode beside buildcase's own code is passed over.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from buildcase import __version__

_PACKAGE = Path(__file__).resolve().parents[1]  # buildcase/, this file being in write/

READ_LIMIT = 4 * 2**20  # bytes read of one file, at most; larger ones count by size and time
READ_BUDGET = 64 * 2**20  # bytes read for one folder, at most; files past it, likewise
CHUNK = 64 * 2**10
TEMPLATES = "templates"


class _Budget:
    """The bytes a digest may still read, shared by every file of one folder."""

    def __init__(self, total: int = READ_BUDGET) -> None:
        self.left = total


def entry_digest(path: Path, budget: _Budget | None = None, read: bool = True) -> bytes:
    """One folder entry, as bytes to hash, without following it if it is a link.

    A regular file gives its content when `read` is set and it fits the limits, else its
    size and modification time; a link gives the text it holds; anything else (a folder,
    a FIFO, a device) only its kind, and is never opened.
    """
    budget = budget or _Budget()
    try:
        info = path.lstat()
    except OSError:
        return b"missing"
    if stat.S_ISLNK(info.st_mode):
        try:
            return b"link:" + os.fsencode(os.readlink(path))
        except OSError:
            return b"link:?"
    if not stat.S_ISREG(info.st_mode):
        return b"kind:%o" % stat.S_IFMT(info.st_mode)
    if read and info.st_size <= min(READ_LIMIT, budget.left):
        content = _content_digest(path, budget)
        if content is not None:
            return b"content:" + content
    return b"stat:%d:%d" % (info.st_size, info.st_mtime_ns)


def _content_digest(path: Path, budget: _Budget) -> bytes | None:
    """The SHA-256 of a regular file, read in chunks and never past the limits; None if it
    cannot be read, or is not (or no longer) a regular file once opened."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a FIFO since the lstat
            return None
        allowed = min(READ_LIMIT, budget.left)
        while chunk := os.read(fd, min(CHUNK, allowed + 1)):
            allowed -= len(chunk)
            budget.left -= len(chunk)
            if allowed < 0:  # it grew past the limit while being read
                return None
            digest.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest.digest()


def _entries(folder: Path, skipped: frozenset[str] = frozenset()) -> Iterator[Path]:
    """Every entry below `folder` in a stable order, without entering linked folders, and
    without those named in `skipped`.

    Hidden entries count like any other: the build reads a file whatever its name (a
    survey's `.responses.csv`, a template in `templates/.partials/`), so a change to one
    must rebuild."""
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        linked = [d for d in dirs if os.path.islink(os.path.join(top, d))]
        dirs[:] = [d for d in dirs if d not in linked]  # counted by their text, not entered
        for name in sorted([*linked, *(f for f in files if f not in skipped)]):
            yield Path(top, name)


# Python's compiled bytecode, written beside buildcase's code (and the templates package)
# as it runs: derived from the code hashed beside it, and never read by a build as input.
BYTECODE = frozenset({"__pycache__"})


def tree_digest(
    folder: Path,
    reads: Callable[[Path], bool] = lambda relative: True,
    skipped: frozenset[str] = frozenset(),
) -> str:
    """Every entry below `folder` but those named in `skipped`, names and digests; the
    content of those `reads` accepts (given the path relative to `folder`), the size and
    time of the others."""
    digest = hashlib.sha256()
    budget = _Budget()
    if folder.is_dir() and not folder.is_symlink():
        for path in _entries(folder, skipped):
            relative = path.relative_to(folder)
            entry = entry_digest(path, budget, read=reads(relative))
            digest.update(os.fsencode(relative) + b"\0" + entry + b"\0")
    return digest.hexdigest()


def proposal_digest(folder: Path) -> str:
    """A proposal folder: the content of the files it is built from, the size and time of
    the rest.

    Read are the files at its top (`proposal.yaml`, the section files, and where authors
    keep a survey's CSV and a logo) and its own `templates/`. A file further down (a CSV
    or logo in a sub-folder) counts by size and modification time: the fingerprint comes
    before the YAML is read, so it does not know which of them the proposal names, and a
    folder of unrelated files costs a `stat` each rather than a read. Nothing is passed
    over, hidden or not: the proposal may name any of its files.
    """
    return tree_digest(folder, lambda relative: len(relative.parts) == 1 or _templates(relative))


def _templates(relative: Path) -> bool:
    return relative.parts[0] == TEMPLATES


@functools.lru_cache(maxsize=64)
def _shared_digest(path: Path) -> str:
    """Folders shared by every proposal of a build are hashed once per process.

    They are the workspace's own (its `mkdocs.yml`, its `templates/`) or buildcase's, not
    a proposal's: a link to them is followed, so that a configuration shared by a link
    still triggers a rebuild when it changes; what lies inside is read within the limits.
    """
    path = path.resolve()
    if path.is_dir():
        return tree_digest(path, skipped=BYTECODE)
    return hashlib.sha256(entry_digest(path)).hexdigest()


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
            if d.absolute() != (proposal / TEMPLATES).absolute()
        ),
        proposal_digest(proposal),  # holds its own templates/, if any
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forget_shared() -> None:
    """For a long-running process (serve) whose templates may change between builds."""
    _shared_digest.cache_clear()
