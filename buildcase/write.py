"""Stage 5, write: put a proposal's output in place all at once, or not at all.

Everything is produced in a hidden staging folder beside the target and swapped in by
renames on the same file system, so a failed or interrupted build leaves the previous
output as it was. buildcase replaces only folders it made itself (they carry a marker
file): a mistyped `--out` cannot wipe someone's home folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
        yield out


@contextmanager
def staging_folder(out: Path, slug: str) -> Iterator[Path]:
    """A fresh hidden folder in `out` to build into; removed if the build fails."""
    staged = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".tmp", dir=out))
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def publish(staged: Path, out: Path, slug: str) -> Path:
    """Swap the staged folder in as `out/slug`, replacing only an earlier buildcase output."""
    target = out / slug
    (staged / MARKER).write_text(
        json.dumps({"generator": "buildcase", "version": __version__, "proposal": slug}) + "\n"
    )
    if target.is_symlink() or (target.exists() and not (target / MARKER).is_file()):
        shutil.rmtree(staged, ignore_errors=True)
        raise OutputError(
            f"refusing to replace {target}: buildcase did not create it "
            f"(it has no {MARKER} file); move it away or choose another --out"
        )
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".old", dir=out))
        os.replace(target, old / slug)
        os.replace(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staged, target)
    return target
