"""What buildcase made in an output folder: its lock file, and the record kept in it.

What buildcase may replace or delete in an output folder, it knows from its own record,
never from a name or a file it finds there: a name can be anyone's (the user's own
`.photos.20261206.tmp/`), and a file can be copied (a `.buildcase` marker planted in a
proposal). The record is kept in the output folder's lock file, read and written only
while the lock is held, and lists:

- each output folder buildcase published there, by slug: that folder's device and inode,
  and a random token also written into its `.buildcase` marker. A folder passes only if it
  is that very folder (a copy has another inode) holding that very marker (a folder made
  in its place after it was deleted may get its inode again, never its token);
- each work folder a build made, by name, with a random token written into it. A build
  keeps everything temporary in its work folder (staging folders, the engines' temporary
  files, the index being written), recorded before it is made: a killed build leaves one
  work folder, which the next build can prove is buildcase's, and removes.

This module reads and writes the record and the markers; `staging` makes the work
folders, and `output` publishes into the output folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from buildcase.errors import OutputError

MARKER = ".buildcase"
LOCK = ".buildcase.lock"
RECORD_FORMAT = "buildcase output record 1"
MAX_RECORD = 16 * 2**20  # bytes; a record of thousands of outputs takes a few hundred KB
MAX_MARKER = 2**20  # bytes; a marker holds a fingerprint and a portfolio entry


class Made(NamedTuple):
    """An output folder buildcase published: the folder itself, and its marker's token."""

    device: int
    inode: int
    token: str


@dataclass
class Record:
    """What buildcase made in one output folder, as its lock file keeps it."""

    # slug -> the folders that may stand there: one, or two while a new one is swapped in
    outputs: dict[str, list[Made]] = field(default_factory=dict)
    # name -> the token written into it, for each work folder not yet removed
    work: dict[str, str] = field(default_factory=dict)


@dataclass
class OutputFolder:
    """An output folder this process writes: its record, the lock file keeping it (none for
    an output folder written without the lock, as the live preview's private one, whose
    record lives only in this process), and the work folder of the build holding the lock."""

    folder: Path
    record: Record = field(default_factory=Record)
    lock: int | None = None
    work: Path | None = None

    @property
    def scratch(self) -> Path:
        """Where temporary files and folders go: the work folder, or the output folder
        itself where no lock is held."""
        return self.work or self.folder

    def save(self) -> None:
        if self.lock is not None:
            _write_record(self.lock, self.record)


_locked: dict[Path, OutputFolder] = {}  # output folders whose lock this process holds
_unlocked: dict[Path, OutputFolder] = {}  # output folders written without it (the preview's)


def output_folder(out: Path) -> OutputFolder:
    """The output folder `out` as this process knows it."""
    out = out.absolute()
    if out in _locked:
        return _locked[out]
    return _unlocked.setdefault(out, OutputFolder(out))


def locked_folder(out: Path) -> OutputFolder | None:
    """The output folder `out` if this process holds its lock: then every work folder its
    record names is a leftover of a killed build."""
    return _locked.get(out.absolute())


@contextmanager
def held_lock(out: Path) -> Iterator[OutputFolder]:
    """The existing output folder `out` (absolute) with its lock held and its record read,
    for the `with`; OutputError where another build holds the lock."""
    lock = _open_lock(out / LOCK)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another buildcase build is writing to {out}; wait for it to finish"
            ) from None
        _locked[out] = OutputFolder(out, _read_record(lock, out / LOCK), lock)
        yield _locked[out]
    finally:
        _locked.pop(out, None)
        os.close(lock)


def _open_lock(path: Path) -> int:
    """The lock file, opened without truncating it and never through a link: it holds
    buildcase's record, so a lock planted as a link (or as a second name of another file)
    would otherwise let a build write into someone's file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        lock = os.open(path, flags, 0o644)
    except OSError as e:
        if os.path.islink(path):
            raise OutputError(
                f"refusing to use {path}: it is a symbolic link, where buildcase keeps its "
                "lock; remove it, or choose another --out"
            ) from None
        raise OutputError(f"cannot write to the output folder {path.parent}: {e.strerror}") from e
    info = os.fstat(lock)
    if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
        return lock
    os.close(lock)
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"refusing to use {path}: it is not a file, where buildcase keeps its lock; "
            "remove it, or choose another --out"
        )
    raise OutputError(
        f"refusing to use {path}: it is a second name (a hard link) of another file, where "
        "buildcase keeps its lock and its record; remove it, or choose another --out"
    )


def _read_record(lock: int, path: Path) -> Record:
    """The record in the lock file: empty for a new lock (or one an older buildcase made,
    which it never wrote in). Anything else in it is someone's file: refused, never
    overwritten. A record followed by the tail of a longer one (a build killed between
    writing a record and cutting the file to it) reads as the record."""
    data = os.pread(lock, MAX_RECORD, 0)
    if not data.strip():
        return Record()
    try:
        found, _ = json.JSONDecoder().raw_decode(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one
        found = None
    if not isinstance(found, dict) or found.get("format") != RECORD_FORMAT:
        raise OutputError(
            f"refusing to use {path}: it holds something other than buildcase's record of "
            "what it made here; move it away, or choose another --out"
        )
    outputs = found.get("outputs")
    work = found.get("work")
    return Record(
        {
            slug: made
            for slug, entries in (outputs.items() if isinstance(outputs, dict) else [])
            if (made := _made_entries(entries))
        },
        {
            name: token
            for name, token in (work.items() if isinstance(work, dict) else [])
            if isinstance(token, str)
        },
    )


def _made_entries(entries: object) -> list[Made]:
    """The entries of a slug in the shape buildcase writes them; one of another shape is
    dropped, and so never taken for buildcase's."""
    if not isinstance(entries, list):
        return []
    return [
        Made(*entry)
        for entry in entries
        if isinstance(entry, list) and [type(value) for value in entry] == [int, int, str]
    ]


def _write_record(lock: int, record: Record) -> None:
    """Write `record` over the lock file's contents, then cut the file to it."""
    text = json.dumps(
        {"format": RECORD_FORMAT, "outputs": record.outputs, "work": record.work},
        sort_keys=True,
    )
    data = (text + "\n").encode("utf-8")
    written = 0
    while written < len(data):
        written += os.pwrite(lock, data[written:], written)
    os.ftruncate(lock, len(data))


def close_inherited_locks() -> None:
    """In a forked worker: let go of the lock files it inherited, so the lock ends with
    the build that took it, even if a worker outlives it."""
    for output in _locked.values():
        if output.lock is not None:
            with suppress(OSError):
                os.close(output.lock)
    _locked.clear()


def forget_outputs_gone(output: OutputFolder) -> None:
    """Keep in the record, for each slug, only the folder that stands there: an output the
    user deleted, moved or replaced is forgotten (whatever is put there later is not
    buildcase's), and of the two a killed swap left recorded, the one not in place."""
    for slug, recorded in list(output.record.outputs.items()):
        found = _standing_folder(output.folder / slug)
        if found is not None and found[0] in recorded:
            output.record.outputs[slug] = [found[0]]
        else:
            del output.record.outputs[slug]


def holds_token(folder: Path, token: str) -> bool:
    """Whether a folder stands at `folder` (not a link) whose marker holds `token`."""
    found = _standing_folder(folder)
    return found is not None and found[0].token == token


def _standing_folder(folder: Path) -> tuple[Made, dict[str, Any]] | None:
    """The folder standing at `folder` as the record would name it (its device, its inode
    and the token in its marker), with all its marker says; both read through one
    descriptor, never through a link. None where no folder with a marker token stands."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info, marker = os.fstat(fd), _marker_in(fd)
    finally:
        os.close(fd)
    token = marker.get("token")
    return (Made(info.st_dev, info.st_ino, token), marker) if isinstance(token, str) else None


def _marker_in(folder_fd: int) -> dict[str, Any]:
    """What the marker in the open folder says: a regular file, never a link, read up to
    MAX_MARKER; empty if there is none or it is not a JSON object."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(MARKER, flags, dir_fd=folder_fd)
    except OSError:
        return {}
    try:
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return {}
            found = json.loads(f.read(MAX_MARKER))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def recorded_fingerprint(folder: Path) -> str | None:
    """The inputs fingerprint an earlier build recorded in `folder`, if buildcase made it."""
    marker = published_marker(folder.parent, folder.name)
    inputs = marker.get("inputs") if marker else None
    return inputs if isinstance(inputs, str) else None


def recorded_summaries(out: Path) -> dict[str, dict[str, Any]]:
    """What each output buildcase published in `out` says of its proposal, by slug."""
    found = {}
    for slug in sorted(output_folder(out).record.outputs):
        marker = published_marker(out, slug)
        if marker is not None:
            summary = marker.get("summary")
            found[slug] = summary if isinstance(summary, dict) else {}
    return found


def published_marker(out: Path, slug: str) -> dict[str, Any] | None:
    """The marker of `out/slug` if that folder is an output buildcase published there and
    recorded: the very folder (device and inode) with the very token. A `.buildcase` file
    found anywhere else, planted in a proposal or copied from a real output, never passes."""
    recorded = output_folder(out).record.outputs.get(slug, [])
    found = _standing_folder(out / slug) if recorded else None
    return found[1] if found is not None and found[0] in recorded else None
