"""Stage 5, write: put a proposal's output in place all at once, or not at all.

Everything is produced in a hidden staging folder beside the target and swapped in by
renames on the same file system, so a failed or interrupted build leaves the previous
output as it was. buildcase replaces only folders it made itself (they carry a marker
file): a mistyped `--out` cannot wipe someone's home folder.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from . import __version__
from .errors import OutputError

MARKER = ".buildcase"
LOCK = ".buildcase.lock"


@contextmanager
def locked_output(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for a whole build, so two builds never interleave."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {e.strerror}") from e
    with open(out / LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another buildcase build is writing to {out}; wait for it to finish"
            ) from None
        _held_locks.append(lock)
        try:
            remove_leftovers(out)
            yield out
        finally:
            _held_locks.remove(lock)


_held_locks: list[IO[str]] = []


def close_inherited_locks() -> None:
    """In a forked worker: let go of the lock files it inherited, so the lock ends with
    the build that took it, even if a worker outlives it."""
    for lock in _held_locks:
        lock.close()
    _held_locks.clear()


def new_staging_folder(out: Path, slug: str) -> Path:
    """A fresh hidden folder in `out` to build a proposal into, beside its target."""
    return Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".tmp", dir=out))


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def recorded_fingerprint(folder: Path) -> str | None:
    """The inputs fingerprint an earlier build recorded in `folder`, if buildcase made it."""
    try:
        return json.loads((folder / MARKER).read_text()).get("inputs")
    except (OSError, ValueError, AttributeError):
        return None


def publish(
    staged: Path, out: Path, slug: str, fingerprint: str = "", summary: dict[str, Any] | None = None
) -> Path:
    """Swap the staged folder in as `out/slug`, replacing only an earlier buildcase output.

    The marker file records what the output was built from, so an unchanged proposal
    can be skipped next time.
    """
    target = out / slug
    marker = {
        "generator": "buildcase",
        "version": __version__,
        "proposal": slug,
        "inputs": fingerprint,
        "summary": summary or {},
    }
    (staged / MARKER).write_text(json.dumps(marker) + "\n")
    if target.is_symlink() or (target.exists() and not (target / MARKER).is_file()):
        shutil.rmtree(staged, ignore_errors=True)
        raise OutputError(
            f"refusing to replace {target}: buildcase did not create it "
            f"(it has no {MARKER} file); move it away or choose another --out"
        )
    if target.exists():
        _exchange(staged, target)  # staged now holds the previous output
        shutil.rmtree(staged, ignore_errors=True)
    else:
        os.replace(staged, target)
    return target


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
    """Staging folders that a killed build left behind; call it holding the lock."""
    for leftover in out.glob(".*.tmp*"):
        if leftover.is_dir() and _STAGING.fullmatch(leftover.name):
            shutil.rmtree(leftover, ignore_errors=True)


def _libc_renameat2():  # type: ignore[no-untyped-def]
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
_STAGING = re.compile(r"\.[a-z0-9-]+\.[A-Za-z0-9_]{8}\.tmp(\.old)?")


def recorded_summaries(out: Path) -> dict[str, dict[str, Any]]:
    """What each buildcase output in `out` says of its proposal, by slug."""
    found = {}
    for marker in sorted(out.glob(f"*/{MARKER}")):
        try:
            found[marker.parent.name] = json.loads(marker.read_text()).get("summary") or {}
        except (OSError, ValueError):
            continue
    return found


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
