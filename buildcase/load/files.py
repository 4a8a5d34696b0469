"""Reading a file a proposal names (a logo, the survey's CSV, a YAML file): inside the
folder, of a regular type, within a size, and as UTF-8 text, decided before it is opened."""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
from pathlib import Path

from buildcase.errors import Location, Problem, ProposalInvalid, quoted
from buildcase.limits import MAX_CSV_BYTES, MAX_CSV_COLUMNS


class Unreadable(Exception):
    """A file a proposal names that buildcase will not read, and why.

    `kind` is one of: missing, outside, loop, dangling, link, type, hard-link, size, os.
    `reason` reads after the file's name: "'logo.png' is a folder, not a file".
    """

    def __init__(self, kind: str, reason: str):
        self.kind = kind
        self.reason = reason
        super().__init__(reason)


_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


def read_inside(folder: Path, path: Path, limit: int) -> bytes:
    """The bytes of `path`, a regular file inside `folder` of at most `limit` bytes.

    Everything is decided before the file is opened: a link is followed only if it ends
    inside the folder (a loop or a link to nothing is said so), a FIFO, a folder, a device
    or a socket is refused by its type (opening a FIFO waits forever), a hard link is
    refused (it may be a file outside the folder under a second name, and its content
    would be echoed in messages), and so is a file over `limit`. The file is then opened
    without following links or blocking, checked again, and read no further than `limit`.
    Raises Unreadable.
    """
    inside = _real_path(folder)
    # Where the path leads, as far as it leads: outside is said first, even of a file
    # that does not exist, and the strict resolution then finds loops and dead links.
    if not Path(os.path.realpath(path)).is_relative_to(inside):
        raise Unreadable("outside", "points outside the proposal folder")
    real = _real_path(path)
    if not real.is_relative_to(inside):
        raise Unreadable("outside", "points outside the proposal folder")
    return _read_checked(_opened(str(real), limit), limit)[0]


def read_below(folder: Path, relative: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of the file `relative` names below `folder`, and its status as read,
    reached through no symbolic link at all.

    For a file that a template asks for by name (the handout's pictures, fonts and
    attachments), where even a link that stays inside the folder would let one name stand
    for another file. Each folder on the way is opened inside the last one without
    following a link, so no folder can be swapped for a link between a check and the
    read; the file is then held to the rules of `read_inside`, on the very descriptor
    that is read: a regular file, not a hard link, of at most `limit` bytes. `folder`
    itself is trusted as given. Raises Unreadable.
    """
    return _read_checked(_opened_below(folder, relative, limit), limit)


def status_below(folder: Path, relative: Path, limit: int) -> os.stat_result:
    """The status of the file `read_below` would read, opened and checked as it does, but
    not read: whether a file fetched earlier is still the same one."""
    fd = _opened_below(folder, relative, limit)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def _opened_below(folder: Path, relative: Path, limit: int) -> int:
    """A descriptor of the file `relative` names below `folder`, as `read_below` opens it."""
    if ".." in relative.parts or relative.is_absolute():
        raise Unreadable("outside", "points outside the proposal folder")
    *folders, name = relative.parts or (".",)
    if name == ".":
        raise Unreadable("type", "is a folder, not a file")
    parent = _opened_folder(folder, folders)
    try:
        return _opened(name, limit, parent)
    finally:
        os.close(parent)


def _opened_folder(folder: Path, names: list[str]) -> int:
    """A descriptor of the folder `names` leads to below `folder`, each opened inside the
    last one without following a link."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    try:
        fd = os.open(folder, flags)
    except OSError as e:
        raise Unreadable("os", f"cannot be read: {e.strerror}") from None
    for name in names:
        try:
            inner = os.open(name, flags | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as e:
            why = _not_a_folder(name, fd, e)
            os.close(fd)
            raise why from None
        os.close(fd)
        fd = inner
    return fd


def _not_a_folder(name: str, parent: int, error: OSError) -> Unreadable:
    """Why `name`, in the open folder `parent`, could not be opened as a folder: the
    system says "not a directory" of a link and of a file alike."""
    try:
        status = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except OSError:
        return Unreadable("missing", "does not exist")
    if stat.S_ISLNK(status.st_mode):
        return Unreadable("link", "is in a folder reached through a symbolic link")
    if not stat.S_ISDIR(status.st_mode):
        return Unreadable("missing", "does not exist")
    return Unreadable("os", f"cannot be read: {error.strerror}")


def _opened(path: str, limit: int, folder: int | None = None) -> int:
    """A descriptor of the file at `path` (inside the open `folder`, where given), judged
    by its type before it is opened (opening a FIFO would wait forever) and again once
    open, on the descriptor: a regular file with one name and at most `limit` bytes.
    A symbolic link is refused, never followed. Raises Unreadable."""
    try:
        before = os.stat(path, dir_fd=folder, follow_symlinks=False)
        _refuse_by_status(before, limit)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(path, flags, dir_fd=folder)
    except FileNotFoundError:
        raise Unreadable("missing", "does not exist") from None
    except OSError as e:
        raise Unreadable("os", f"cannot be read: {e.strerror}") from None
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise Unreadable("os", "changed while it was being read; try again")
        _refuse_by_status(opened, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_checked(fd: int, limit: int) -> tuple[bytes, os.stat_result]:
    """The content of the open file `fd` (which this closes) and its status, refused if it
    grew past `limit` after it was checked."""
    try:
        status = os.fstat(fd)
        data = _read_at_most(fd, limit + 1)
    except OSError as e:
        raise Unreadable("os", f"cannot be read: {e.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise Unreadable("size", f"is larger than {limit:,} bytes")
    return data, status


def _real_path(path: Path) -> Path:
    """`path` with every link followed, or Unreadable for a loop, a link to nothing or no
    file at all."""
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise Unreadable("loop", "is a symbolic link that loops back on itself") from None
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            if os.path.islink(path):
                raise Unreadable("dangling", "is a symbolic link to nothing") from None
            raise Unreadable("missing", "does not exist") from None
        raise Unreadable("os", f"cannot be read: {e.strerror}") from None


def _refuse_by_status(status: os.stat_result, limit: int) -> None:
    kind = stat.S_IFMT(status.st_mode)
    if kind != stat.S_IFREG:
        what = _KINDS.get(kind, "not a regular file")
        raise Unreadable("type", f"is {what}, not a file")
    if status.st_nlink > 1:
        raise Unreadable(
            "hard-link",
            "is a hard link: the same file under another name, maybe outside the proposal "
            "folder; copy the file into the folder instead",
        )
    if status.st_size > limit:
        raise Unreadable("size", f"is larger than {limit:,} bytes")


def _read_at_most(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def decode_text(path: Path, raw: bytes) -> str:
    """UTF-8 text (a byte-order mark allowed), or ProposalInvalid where it is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ProposalInvalid(
            [
                Problem(
                    Location(path, line, column),
                    "",
                    f"the file is not UTF-8 text (byte 0x{raw[e.start]:02x}); save it as UTF-8",
                )
            ]
        ) from e


def load_table(
    folder: Path, name: str, location: Location, field_name: str = "survey.data"
) -> dict[str, list[str]]:
    """A CSV export of survey responses, one row per respondent: column -> answers.

    The delimiter is sniffed (survey tools write `,`, `;` or tabs). Raises
    ProposalInvalid, located at the field that names the file (`field_name`).
    """
    path = folder / name
    if Path(name).is_absolute():
        raise ProposalInvalid(
            [Problem(location, field_name, f"{quoted(name)} is outside the proposal folder")]
        )
    try:
        raw = read_inside(folder, path, MAX_CSV_BYTES)
    except Unreadable as e:
        messages = {
            "outside": f"{quoted(name)} is outside the proposal folder",
            "missing": f"no file {quoted(name)} in the proposal folder",
        }
        message = messages.get(e.kind, f"{quoted(name)} {e.reason}")
        raise ProposalInvalid([Problem(location, field_name, message)]) from None
    text = decode_text(path, raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        rows = list(reader)
    except csv.Error as e:
        where = Location(path, reader.line_num, 1)
        problem = Problem(where, field_name, f"this line cannot be read as CSV: {e}")
        raise ProposalInvalid([problem]) from None
    if not rows:
        raise ProposalInvalid([Problem(Location(path), "", "the file is empty")])
    header = [h.strip() for h in rows[0]]
    if len(header) > MAX_CSV_COLUMNS:
        raise ProposalInvalid(
            [
                Problem(
                    Location(path),
                    field_name,
                    f"{len(header):,} columns; a survey's data may have at most "
                    f"{MAX_CSV_COLUMNS:,}",
                )
            ]
        )
    return {
        column: [row[i] if i < len(row) else "" for row in rows[1:]]
        for i, column in enumerate(header)
    }
