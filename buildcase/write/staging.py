"""The temporary folders of a build in its output folder: its work folder, the staging
folders proposals are built into, and what killed builds left.

Everything a build makes is made in a hidden folder on the same file system as its target,
so that `output` can put it in place by a rename. Each build keeps all of it in one work
folder, recorded (`record`) before it is made, which it removes when it ends; a killed
build's is removed by the next one, once proven to be buildcase's.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from buildcase.errors import OutputError
from buildcase.write.record import (
    MARKER,
    OutputFolder,
    forget_outputs_gone,
    held_lock,
    holds_token,
    locked_folder,
    output_folder,
)

# The start of every name buildcase gives a temporary file or folder: hidden, and never
# holding a slug, so any folder name can be built. Only the record says what is buildcase's.
TEMPORARY = ".buildcase-"


@contextmanager
def locked_output(out: Path) -> Iterator[Path]:
    """Hold the output folder's lock for a whole build, so two builds never interleave.

    What killed builds left is removed on the way in, and this build's work folder (with
    whatever an error or a signal left in it) on the way out; meanwhile the process's
    temporary files go into that work folder, so that none are left in /tmp.
    """
    out = out.absolute()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the output folder {out}: {e.strerror}") from e
    with held_lock(out) as output:
        try:
            forget_outputs_gone(output)
            remove_leftovers(out)
            output.work = _new_work_folder(output)
            with temporary_files_in(output.work):
                yield out
        finally:
            remove_leftovers(out)


def _new_work_folder(output: OutputFolder) -> Path:
    """A new hidden folder in the output folder, for everything temporary this build makes.

    Its name and token are recorded before it is made, and the token written into it right
    after: whenever the build is killed, the next one finds it in the record and can prove
    it is the folder buildcase made (or, killed before the token was written, an empty one).
    """
    name, token = f"{TEMPORARY}work.{secrets.token_hex(8)}.tmp", secrets.token_hex(16)
    folder = output.folder / name
    try:
        output.record.work[name] = token
        output.save()
        os.mkdir(folder, 0o700)
        write_new_file(folder / MARKER, json.dumps({"generator": "buildcase", "token": token}))
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {output.folder}: {e.strerror}") from e
    return folder


def write_new_file(path: Path, text: str | bytes) -> None:
    """Write `text` (or bytes) into a file that did not exist (never into one that did, nor
    through a link); made as `open` makes files (0666 less the umask), for a web server."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    with open(fd, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)


@contextmanager
def temporary_files_in(work: Path) -> Iterator[Path]:
    """Point the process's temporary folder (`tempfile`) into this build's work folder
    while it runs, for the files the engines make there (WeasyPrint's fonts): the workers
    forked meanwhile inherit it, it is removed at the end, and if the build is killed, the
    next build removes it with the work folder, where /tmp would keep it forever."""
    folder = _new_folder(work, "temp")
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(out: Path) -> None:
    """Remove the work folders of killed builds, and forget them. Call it holding the lock
    (it does nothing otherwise): then every work folder the record names is a leftover.

    A recorded name is removed only where the folder there proves to be the one buildcase
    made: a folder, not a link, holding the recorded token. Anything else under that name
    is left alone and forgotten; nothing is ever removed because of its name alone.
    """
    output = locked_folder(out)
    if output is None:
        return
    for name, token in list(output.record.work.items()):
        folder = output.folder / name
        if holds_token(folder, token):
            shutil.rmtree(folder, ignore_errors=True)  # never follows a link inside
        else:
            with suppress(OSError):  # made, then killed before its token was written: empty
                os.rmdir(folder)
        if not holds_token(folder, token):  # gone, or never provably buildcase's
            del output.record.work[name]
    with suppress(OSError):  # a full disk: the record keeps them, for the next build
        output.save()


def new_staging_folder(out: Path, slug: str = "") -> Path:
    """A fresh hidden folder to build a proposal into, in this build's work folder: on the
    same file system as its target, and removed with the work folder if the build is
    killed. Where no lock is held (the live preview's private folder), in `out` itself.
    Its name does not hold the slug: a folder name may hold anything."""
    staged = _new_folder(output_folder(out).scratch, "stage")
    os.chmod(staged, 0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a server
    return staged


def _umask() -> int:
    """The process's umask, which a folder made by mkdir would honour."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _new_folder(parent: Path, kind: str) -> Path:
    """A new hidden folder in `parent` (a work folder, or the output folder)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f"{TEMPORARY}{kind}.", suffix=".tmp", dir=parent))
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {parent}: {e.strerror}") from e


def discard(staged: Path) -> None:
    """Remove a staging folder: published by now, or not to be."""
    shutil.rmtree(staged, ignore_errors=True)
