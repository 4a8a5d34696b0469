"""Stage 5, write: put a proposal's output in place all at once, or not at all.

Everything is produced in a hidden staging folder in the output folder and swapped in by
renames on the same file system, so a failed or interrupted build leaves the previous
output as it was.

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
"""

from __future__ import annotations

import ctypes
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from buildcase import __version__
from buildcase.errors import OutputError

MARKER = ".buildcase"
LOCK = ".buildcase.lock"
PORTFOLIO = "index.html"
# The last line buildcase writes into the portfolio: an index without it is someone else's.
PORTFOLIO_MARK = "<!-- written by buildcase: rewritten by every build of several proposals -->"
# The start of every name buildcase gives a temporary file or folder: hidden, and never
# holding a slug, so any folder name can be built. Only the record says what is buildcase's.
TEMPORARY = ".buildcase-"
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
class _Output:
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


_locked: dict[Path, _Output] = {}  # output folders whose lock this process holds
_unlocked: dict[Path, _Output] = {}  # output folders written without it (the live preview's)


def _output(out: Path) -> _Output:
    """The output folder `out` as this process knows it."""
    out = out.absolute()
    if out in _locked:
        return _locked[out]
    return _unlocked.setdefault(out, _Output(out))


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
    lock = _open_lock(out / LOCK)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"another buildcase build is writing to {out}; wait for it to finish"
            ) from None
        output = _locked[out] = _Output(out, _read_record(lock, out / LOCK), lock)
        try:
            _forget_outputs_gone(output)
            remove_leftovers(out)
            output.work = _new_work_folder(output)
            with temporary_files_in(output.work):
                yield out
        finally:
            remove_leftovers(out)
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


def _new_work_folder(output: _Output) -> Path:
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
        _write_new_file(folder / MARKER, json.dumps({"generator": "buildcase", "token": token}))
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {output.folder}: {e.strerror}") from e
    return folder


def _write_new_file(path: Path, text: str) -> None:
    """Write `text` into a file that did not exist (never into one that did, nor through a
    link); made as `open` makes files (0666 less the umask), for a web server to read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)


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
    output = _locked.get(out.absolute())
    if output is None:
        return
    for name, token in list(output.record.work.items()):
        folder = output.folder / name
        if _holds_token(folder, token):
            shutil.rmtree(folder, ignore_errors=True)  # never follows a link inside
        else:
            with suppress(OSError):  # made, then killed before its token was written: empty
                os.rmdir(folder)
        if not _holds_token(folder, token):  # gone, or never provably buildcase's
            del output.record.work[name]
    with suppress(OSError):  # a full disk: the record keeps them, for the next build
        output.save()


def _forget_outputs_gone(output: _Output) -> None:
    """Keep in the record, for each slug, only the folder that stands there: an output the
    user deleted, moved or replaced is forgotten (whatever is put there later is not
    buildcase's), and of the two a killed swap left recorded, the one not in place."""
    for slug, recorded in list(output.record.outputs.items()):
        found = _standing_folder(output.folder / slug)
        if found is not None and found[0] in recorded:
            output.record.outputs[slug] = [found[0]]
        else:
            del output.record.outputs[slug]


def _holds_token(folder: Path, token: str) -> bool:
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


def reserved_slug_error(folder: Path) -> OutputError | None:
    """Why a proposal folder's name cannot name its output in the output folder, if it
    cannot: `index.html` is the portfolio's, and hidden names are buildcase's own (its
    lock, its work folders) or not a name at all (`..`). Asked before building."""
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


def refused_targets(folders: list[Path], out: Path) -> dict[Path, OutputError]:
    """Why each proposal folder that cannot be built into `out` cannot, by its absolute
    path: its name is one the output folder reserves, or the place of its output is, holds
    or lies inside a proposal folder being built, where publishing would put the output in
    place of a proposal (`build --out proposals`) or write into one. Places are compared as
    real paths, so no link hides one from the other. Asked once, before building."""
    absolute = [folder.absolute() for folder in folders]  # `.` is named by its real name
    proposals = {Path(os.path.realpath(folder)): folder for folder in absolute}
    holders = {parent: folder for real, folder in proposals.items() for parent in real.parents}
    refused = {}
    for folder in absolute:
        target = out / folder.name
        place = Path(os.path.realpath(target))
        if error := reserved_slug_error(folder) or _overlap_error(
            target, place, proposals, holders
        ):
            refused[folder] = error
    return refused


def _overlap_error(
    target: Path, place: Path, proposals: dict[Path, Path], holders: dict[Path, Path]
) -> OutputError | None:
    """Why an output cannot go to `target` (really `place`): it is, holds or lies inside one
    of the proposal folders being built (by real path), if it does."""
    inside = [proposals[parent] for parent in place.parents if parent in proposals]
    if place in proposals:
        relation, proposal = "is", proposals[place]
    elif place in holders:
        relation, proposal = "holds", holders[place]
    elif inside:
        relation, proposal = "is inside", inside[0]
    else:
        return None
    return OutputError(
        f"refusing to replace {target}: it {relation} the proposal folder {proposal} being "
        "built; choose another --out"
    )


def new_staging_folder(out: Path, slug: str = "") -> Path:
    """A fresh hidden folder to build a proposal into, in this build's work folder: on the
    same file system as its target, and removed with the work folder if the build is
    killed. Where no lock is held (the live preview's private folder), in `out` itself.
    Its name does not hold the slug: a folder name may hold anything."""
    staged = _new_folder(_output(out).scratch, "stage")
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
    shutil.rmtree(staged, ignore_errors=True)


def recorded_fingerprint(folder: Path) -> str | None:
    """The inputs fingerprint an earlier build recorded in `folder`, if buildcase made it."""
    marker = _published_marker(folder.parent, folder.name)
    inputs = marker.get("inputs") if marker else None
    return inputs if isinstance(inputs, str) else None


def recorded_summaries(out: Path) -> dict[str, dict[str, Any]]:
    """What each output buildcase published in `out` says of its proposal, by slug."""
    found = {}
    for slug in sorted(_output(out).record.outputs):
        marker = _published_marker(out, slug)
        if marker is not None:
            summary = marker.get("summary")
            found[slug] = summary if isinstance(summary, dict) else {}
    return found


def _published_marker(out: Path, slug: str) -> dict[str, Any] | None:
    """The marker of `out/slug` if that folder is an output buildcase published there and
    recorded: the very folder (device and inode) with the very token. A `.buildcase` file
    found anywhere else, planted in a proposal or copied from a real output, never passes."""
    recorded = _output(out).record.outputs.get(slug, [])
    found = _standing_folder(out / slug) if recorded else None
    return found[1] if found is not None and found[0] in recorded else None


def publish(
    staged: Path, out: Path, slug: str, fingerprint: str = "", summary: dict[str, Any] | None = None
) -> Path:
    """Swap the staged folder in as `out/slug`, replacing only an output buildcase
    published there and recorded.

    The marker file records what the output was built from, so an unchanged proposal can
    be skipped next time, and the token that proves it is buildcase's. The new folder is
    recorded before the swap, so that whichever folder stands at `out/slug` if the build is
    killed midway is known. Whatever fails (a full disk, a read-only folder), the staged
    folder is removed and the previous output stays as it was.
    """
    output, target = _output(out), out / slug
    before = output.record.outputs.get(slug, [])
    try:
        replacing = os.path.lexists(target)
        if replacing and _published_marker(out, slug) is None:
            raise OutputError(
                f"refusing to replace {target}: buildcase did not create it, or has no "
                f"record of it in {out / LOCK} (an output of a buildcase that kept no record "
                "is refused once); move it away or choose another --out"
            )
        made = _mark(staged, slug, fingerprint, summary or {})
        try:
            output.record.outputs[slug] = [*before, made]
            output.save()
            if replacing:
                _exchange(staged, target)  # staged now holds the previous output
            else:
                os.replace(staged, target)
        except OSError:
            _set_outputs(output, slug, before)
            raise
        _set_outputs(output, slug, [made])
    except OSError as e:
        raise output_error(e, target) from e
    finally:
        discard(staged)  # the previous output, or what could not be put in place
    return target


def _mark(staged: Path, slug: str, fingerprint: str, summary: dict[str, Any]) -> Made:
    """Write the staged folder's marker, with a new token; the folder as the record names it."""
    token = secrets.token_hex(16)
    marker = {
        "generator": "buildcase",
        "version": __version__,
        "proposal": slug,
        "inputs": fingerprint,
        "summary": summary,
        "token": token,
    }
    _write_new_file(staged / MARKER, json.dumps(marker) + "\n")
    info = os.lstat(staged)
    return Made(info.st_dev, info.st_ino, token)


def _set_outputs(output: _Output, slug: str, made: list[Made]) -> None:
    """Record what stands at `slug` once a swap is done or undone. Should this fail, the
    record still names both folders, the one in place among them."""
    if made:
        output.record.outputs[slug] = made
    else:
        output.record.outputs.pop(slug, None)
    with suppress(OSError):
        output.save()


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
    text = page.rstrip("\n") + "\n" + PORTFOLIO_MARK + "\n"
    write_atomically(index, text, scratch=_output(out).scratch)
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


def write_atomically(path: Path, text: str, scratch: Path | None = None) -> None:
    """Replace `path` by `text` in one step: readers see the old file or the new one. The
    new file is written in `scratch` (a build's work folder, on the same file system), or
    beside `path`."""
    partial = (scratch or path.parent) / f"{TEMPORARY}part.{secrets.token_hex(4)}.tmp"
    try:
        _write_new_file(partial, text)
        os.replace(partial, path)
    except OSError as e:
        with suppress(OSError):
            partial.unlink()
        raise output_error(e, path) from e
