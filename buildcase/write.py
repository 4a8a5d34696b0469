"""Stage 5, write: put a proposal's output in place all at once, or not at all.

Everything is produced in a hidden staging folder beside the target and swapped in by
renames on the same file system, so a failed or interrupted build leaves the previous
output as it was. buildcase replaces only folders it made itself (they carry a marker
file): a mistyped `--out` cannot wipe someone's home folder.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from . import __version__
from .errors import OutputError

MARKER = ".buildcase"
LOCK = ".buildcase.lock"
PORTFOLIO = "index.html"
# The last line buildcase writes into the portfolio: an index without it is someone else's.
PORTFOLIO_MARK = "<!-- written by buildcase: rewritten by every build of several proposals -->"
# Every temporary name buildcase makes in an output folder starts with TEMPORARY and ends
# in ".tmp": a staging folder, the engines' temporary files, a file being written. None
# holds the slug, so any folder name can be built, and one pattern finds what a killed
# build left behind.
TEMPORARY = ".buildcase-"


@contextmanager
def locked_output(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for a whole build, so two builds never interleave.

    What a killed build left is removed on the way in, and what this one leaves (on an
    error or a signal) on the way out; meanwhile the process's temporary files go into
    the output folder too, so that none are left in /tmp.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {e.strerror}") from e
    lock = _open_lock(out / LOCK)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another buildcase build is writing to {out}; wait for it to finish"
            ) from None
        _held_locks.append(lock)
        remove_leftovers(out)
        try:
            with temporary_files_in(out):
                yield out
        finally:
            remove_leftovers(out)
    finally:
        if lock in _held_locks:
            _held_locks.remove(lock)
        os.close(lock)


def _open_lock(path: Path) -> int:
    """The lock file, opened without truncating it and never through a link: a lock
    planted as a link to another file would otherwise let a build write to that file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        lock = os.open(path, flags, 0o644)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EMLINK):
            raise OutputError(
                f"refusing to use {path}: it is a symbolic link, where buildcase keeps its "
                "lock; remove it, or choose another --out"
            ) from None
        raise OutputError(f"cannot write to the output folder {path.parent}: {e.strerror}") from e
    if not stat.S_ISREG(os.fstat(lock).st_mode):
        os.close(lock)
        raise OutputError(
            f"refusing to use {path}: it is not a file, where buildcase keeps its lock; "
            "remove it, or choose another --out"
        )
    return lock


_held_locks: list[int] = []


def close_inherited_locks() -> None:
    """In a forked worker: let go of the lock files it inherited, so the lock ends with
    the build that took it, even if a worker outlives it."""
    for lock in _held_locks:
        with suppress(OSError):
            os.close(lock)
    _held_locks.clear()


@contextmanager
def temporary_files_in(out: Path) -> Iterator[Path]:
    """Point the process's temporary folder (`tempfile`) at a hidden folder of `out` while
    a build runs, for the files the engines make there (WeasyPrint's fonts): the workers
    forked meanwhile inherit it, it is removed at the end, and if the build is killed, the
    next build removes it with the other leftovers, where /tmp would keep it forever."""
    folder = _temporary_folder("temp", out)
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)


def reserved_slug_error(folder: Path) -> OutputError | None:
    """Why a proposal folder's name cannot name its output in the output folder, if it
    cannot: `index.html` is the portfolio's, and hidden names are buildcase's own (its
    lock, its temporary folders) or not a name at all (`..`). Asked before building."""
    name = folder.name
    if name == PORTFOLIO:
        return OutputError(
            f"{folder}: a proposal folder cannot be named '{name}': its output would take "
            "the place of the index of proposals; rename the folder"
        )
    if not name or name.startswith("."):
        return OutputError(
            f"{folder}: a proposal folder cannot be named '{name}': a hidden name is not "
            "published; rename the folder"
        )
    return None


def new_staging_folder(out: Path, slug: str = "") -> Path:
    """A fresh hidden folder in `out` to build a proposal into, beside its target.

    Its name does not hold the slug: a folder name may hold anything, and the staging
    folder's name must match the leftovers' pattern whatever it is.
    """
    staged = _temporary_folder("stage", out)
    os.chmod(staged, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a server
    return staged


def _umask() -> int:
    """The process's umask, which a folder made by mkdir would honour."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_folder(kind: str, out: Path) -> Path:
    """A new hidden folder in `out`, named as `remove_leftovers` expects."""
    try:
        return Path(tempfile.mkdtemp(prefix=f"{TEMPORARY}{kind}.", suffix=".tmp", dir=out))
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {out}: {e.strerror}") from e


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def recorded_fingerprint(folder: Path) -> str | None:
    """The inputs fingerprint an earlier build recorded in `folder`, if buildcase made it."""
    try:
        inputs = json.loads((folder / MARKER).read_text()).get("inputs")
    except (OSError, ValueError, AttributeError):
        return None
    return inputs if isinstance(inputs, str) else None


def publish(
    staged: Path, out: Path, slug: str, fingerprint: str = "", summary: dict[str, Any] | None = None
) -> Path:
    """Swap the staged folder in as `out/slug`, replacing only an earlier buildcase output.

    The marker file records what the output was built from, so an unchanged proposal
    can be skipped next time. Whatever fails (a full disk, a read-only folder), the
    staged folder is removed and the previous output stays as it was.
    """
    target = out / slug
    marker = {
        "generator": "buildcase",
        "version": __version__,
        "proposal": slug,
        "inputs": fingerprint,
        "summary": summary or {},
    }
    try:
        if target.is_symlink() or (target.exists() and not (target / MARKER).is_file()):
            raise OutputError(
                f"refusing to replace {target}: buildcase did not create it "
                f"(it has no {MARKER} file); move it away or choose another --out"
            )
        (staged / MARKER).write_text(json.dumps(marker) + "\n")
        if target.exists():
            _exchange(staged, target)  # staged now holds the previous output
        else:
            os.replace(staged, target)
    except OSError as e:
        raise output_error(e, target) from e
    finally:
        discard(staged)  # the previous output, or what could not be put in place
    return target


def output_error(error: OSError, target: Path) -> OutputError:
    """A file system error while writing `target`, as the one line a user is shown."""
    return OutputError(f"cannot write {target}: {_reason(error)}")


def _reason(error: OSError) -> str:
    """What went wrong, in a few words. A copy of a folder (shutil.Error) lists every
    file it could not copy, each with its reason: the first one's says it for all."""
    if error.strerror:
        return error.strerror
    found = re.search(r"\[Errno (\d+)\]", str(error))
    return os.strerror(int(found[1])) if found else str(error)[:200]


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step, so no moment exists with neither in place.

    Linux's renameat2(RENAME_EXCHANGE) does it atomically; elsewhere, two renames
    leave a window of microseconds.
    """
    exchange = (_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if _renameat2 is not None and _renameat2(*exchange) == 0:
        return
    aside = a.with_name(a.name + ".old")
    os.replace(b, aside)
    os.replace(a, b)
    os.replace(aside, a)


def remove_leftovers(out: Path) -> None:
    """What killed builds left in `out`: staging folders, temporary files and folders,
    half-written files. Call it holding the lock: then all of them are leftovers."""
    try:
        names = os.listdir(out)
    except OSError:
        return
    for name in names:
        if _LEFTOVER.fullmatch(name):
            _remove(out / name)


def _remove(path: Path) -> None:
    """Remove a file, a link (never what it points to) or a whole folder."""
    try:
        if stat.S_ISDIR(path.lstat().st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def _libc_renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    """libc's renameat2(olddirfd, oldpath, newdirfd, newpath, flags), where libc has it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    return function


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
_renameat2 = _libc_renameat2() if sys.platform.startswith("linux") else None
_LEFTOVER = re.compile(
    rf"{re.escape(TEMPORARY)}[a-z]+\.[A-Za-z0-9_]{{8}}\.tmp(\.old)?"
    # as named by buildcase 0.x: a staging folder named after its slug; a portfolio part
    r"|\.[a-z0-9-]+\.[A-Za-z0-9_]{8}\.tmp(\.old)?|\.index\.html\.part"
)


def recorded_summaries(out: Path) -> dict[str, dict[str, Any]]:
    """What each buildcase output in `out` says of its proposal, by slug."""
    found = {}
    for marker in sorted(out.glob(f"*/{MARKER}")):
        try:
            found[marker.parent.name] = json.loads(marker.read_text()).get("summary") or {}
        except (OSError, ValueError):
            continue
    return found


def write_portfolio_page(out: Path, page: str) -> Path:
    """Write `out/index.html`, unless someone other than buildcase wrote the one there.

    An index is buildcase's when its last line is PORTFOLIO_MARK, which this adds: the
    mark travels with the file, so no moment exists when a killed build would leave the
    index and its mark disagreeing.
    """
    index = out / PORTFOLIO
    if not _is_ours(index):
        raise OutputError(
            f"refusing to replace {index}: buildcase did not write it; move it away, "
            "or choose another --out (the proposals themselves were built)"
        )
    write_atomically(index, page.rstrip("\n") + "\n" + PORTFOLIO_MARK + "\n")
    return index


def _is_ours(index: Path) -> bool:
    """Whether `index` is absent, or a file ending in PORTFOLIO_MARK (never a link)."""
    mark = (PORTFOLIO_MARK + "\n").encode()
    try:
        fd = os.open(index, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return not os.path.lexists(index)  # a dangling link is not absent
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size < len(mark):
            return False
        return os.pread(fd, len(mark), info.st_size - len(mark)) == mark
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` by `text` in one step: readers see the old file or the new one."""
    partial = path.with_name(f"{TEMPORARY}part.{secrets.token_hex(4)}.tmp")
    try:
        # Made as `open` makes files (0666 less the umask), for a web server to read.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(partial, path)
    except OSError as e:
        with suppress(OSError):
            partial.unlink()
        raise output_error(e, path) from e
