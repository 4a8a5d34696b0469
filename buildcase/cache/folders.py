"""Private folders in this user's cache, and the files in them, reached without a link.

What buildcase keeps in its cache is run (compiled templates, `cache.templates`) or opened
in a browser (the guide, `commands/guide.py`), so nothing there is trusted because of where
it lies:

- a cache folder is used only if no other user can change it or any folder above it
  (`cache_folder`); it is checked again at every use, and read and written through the
  descriptor of the very folder that was checked, never by a path checked first and
  opened later;
- a file in it is read or made by one descriptor, opened without following a link.

Where there is no such folder (no home folder, a folder others can write to, a platform
without descriptor-relative calls), `cache_folder` gives None and the caller keeps to
memory.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Opening a folder: never through a link at its last step, which a name could be swapped
# for; read-only (a descriptor to read entries, and to create and rename them inside).
FOLDER_FLAGS: int = (
    os.O_RDONLY
    | getattr(os, "O_DIRECTORY", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
# Opening a file to read: not through a link, and without blocking on a FIFO put in its place.
_READ_FLAGS: int = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
# Creating a file: only a new one, never an existing file or a link's target.
_CREATE_FLAGS: int = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _descriptors_supported() -> bool:
    """Whether this platform opens folders without following links and works relative to
    a folder's descriptor (Linux, macOS, the BSDs; not Windows)."""
    needed = {os.open, os.stat, os.mkdir, os.readlink, os.rename, os.link, os.unlink, os.rmdir}
    return (
        hasattr(os, "O_DIRECTORY")
        and hasattr(os, "O_NOFOLLOW")
        and hasattr(os, "geteuid")
        and needed <= os.supports_dir_fd
    )


DESCRIPTORS_SUPPORTED = _descriptors_supported()
_MAX_LINKS = 40  # as the kernel: more links on one path is a loop


class UnsafeFolder(OSError):
    """A folder on the way to the cache that another user could change: what is kept there
    could then be theirs."""


# --- where the cache is ----------------------------------------------------------------------


def cache_root() -> Path | None:
    """This user's cache root: `$XDG_CACHE_HOME` if it is an absolute path, else
    `~/.cache`. A relative XDG_CACHE_HOME is ignored, as the XDG spec asks: it would be
    read from whatever folder buildcase runs in, a received folder's `cache/` among them.
    None where there is no home folder (a container, `env -i` as a user the system does
    not know): then nothing is cached on disk."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(configured):
        return Path(configured)
    home = _home()
    return home / ".cache" if home is not None else None


def _home() -> Path | None:
    """The home folder: `$HOME`, or where HOME is unset the user's entry in the system's
    user database; None where neither gives an absolute path (an empty or relative HOME
    would name a folder relative to wherever buildcase runs)."""
    if "HOME" in os.environ:
        home = os.environ["HOME"]
    else:
        try:
            home = str(Path.home())
        except (RuntimeError, KeyError, OSError):  # a user with no entry
            return None
    return Path(home) if os.path.isabs(home) else None


# --- a checked cache folder ------------------------------------------------------------------


@dataclass(frozen=True)
class CacheFolder:
    """A cache folder, checked and held open. Files in it are read and written relative to
    `fd` (`dir_fd=`), the descriptor of the very folder that was checked; `path` only names
    it, for what needs a path (MkDocs' output folder, the browser's address), and names
    the same folder for as long as no one but this user changes it, which the check
    ensures."""

    path: Path
    fd: int


@contextlib.contextmanager
def cache_folder(name: str, root: Path | None) -> Iterator[CacheFolder | None]:
    """`root/buildcase/name` (`templates`, `guide`), created if missing and open for the
    `with`; None where there is no root, the platform cannot check it, or a folder on the
    way could be changed by another user. What is kept there is run (compiled templates)
    or opened in a browser (the guide), so it must be this user's alone: every folder from
    `/` to the root is the system's or this user's and writable by no one else (or sticky,
    as /tmp), and the root and the folders under it are this user's and writable by no
    one else. Open it at every use: a folder checked once could be swapped later."""
    fd = None if root is None else _open_private(root, ("buildcase", name))
    if fd is None or root is None:
        yield None
        return
    try:
        yield CacheFolder(root / "buildcase" / name, fd)
    finally:
        os.close(fd)


def _open_private(root: Path, below: tuple[str, ...]) -> int | None:
    """The descriptor of `root/below...`, each folder checked; None where one is unsafe or
    cannot be made, or the platform cannot check them."""
    if not DESCRIPTORS_SUPPORTED:
        return None
    try:
        fd = _open_root(root)
        for name in below:
            fd = _enter_private(fd, name)
        return fd
    except OSError:
        return None


def _open_root(root: Path) -> int:
    """`root` opened, every folder from `/` to it checked (`_is_safe_above`), the root
    itself as private (`_is_private`) and made if missing. A link on the way is followed
    only if it is this user's or the system's: no one else could have made it, in a folder
    no one else can write to (or a sticky one, where no one else can replace it), and what
    it leads to is checked the same way."""
    fd = os.open("/", FOLDER_FLAGS)
    try:
        names = list(PurePosixPath(root).parts[1:])
        links = 0
        _require(_is_safe_above(os.fstat(fd)), root)
        while names:
            name = names.pop(0)
            status = _status_or_none(fd, name)
            if status is None and not names:
                with contextlib.suppress(FileExistsError):  # made by a run at the same moment
                    os.mkdir(name, 0o700, dir_fd=fd)
            elif status is not None and stat.S_ISLNK(status.st_mode):
                links += 1
                _require(links <= _MAX_LINKS and _is_trusted_owner(status), root)
                target = PurePosixPath(os.readlink(name, dir_fd=fd))
                if target.is_absolute():  # go on from `/`
                    fd = _replace(fd, os.open("/", FOLDER_FLAGS))
                    names[:0] = target.parts[1:]
                else:  # go on from the link's folder
                    names[:0] = target.parts
                continue
            fd = _replace(fd, os.open(name, FOLDER_FLAGS, dir_fd=fd))
            _require(_is_safe_above(os.fstat(fd)), root)
        _require(_is_private(os.fstat(fd)), root)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _enter_private(parent: int, name: str) -> int:
    """Folder `name` in `parent` (made if missing, never through a link), checked private;
    `parent` is closed either way."""
    try:
        try:
            fd = os.open(name, FOLDER_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o700, dir_fd=parent)
            fd = os.open(name, FOLDER_FLAGS, dir_fd=parent)
    finally:
        os.close(parent)
    try:
        _require(_is_private(os.fstat(fd)), Path(name))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _replace(old: int, new: int) -> int:
    os.close(old)
    return new


def _status_or_none(folder: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _require(condition: bool, path: Path) -> None:
    if not condition:
        raise UnsafeFolder(f"another user could change {path} or a folder above it")


def _is_trusted_owner(status: os.stat_result) -> bool:
    return status.st_uid in (0, os.geteuid())


def _is_safe_above(status: os.stat_result) -> bool:
    """A folder above the cache root: the system's or this user's, and writable by others
    only if sticky (as /tmp, where no one can rename or remove another user's entries)."""
    writable_by_others = status.st_mode & 0o022
    sticky = status.st_mode & stat.S_ISVTX
    return (
        stat.S_ISDIR(status.st_mode)
        and _is_trusted_owner(status)
        and (not writable_by_others or bool(sticky))
    )


def _is_private(status: os.stat_result) -> bool:
    """The cache root and the folders under it: this user's, writable by no one else.
    Sticky is not enough here: in a sticky folder another user could still make the
    entries we would use (`buildcase/`, an entry) before we do."""
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.geteuid()
        and not status.st_mode & 0o022
    )


# --- files in a checked folder ---------------------------------------------------------------


def read_file_at(folder: int, name: str, limit: int, private: bool = False) -> bytes:
    """The bytes of regular file `name` in the folder open at `folder`, read through one
    descriptor opened without following a link, so that what is checked is what is read.
    Raises OSError where it is missing, not a regular file, larger than `limit`, or (with
    `private`) not this user's, or open to others."""
    fd = os.open(name, _READ_FLAGS, dir_fd=folder)
    try:
        status = os.fstat(fd)
        mine = status.st_uid == os.geteuid() and not status.st_mode & 0o077
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit or (private and not mine):
            raise OSError(f"{name} is not a file buildcase made")
        data = b""
        while chunk := os.read(fd, limit + 1 - len(data)):
            data += chunk
            if len(data) > limit:
                raise OSError(f"{name} grew while read")
        return data
    finally:
        os.close(fd)


def write_new_file_at(
    folder: int, name: str, data: bytes, durable: bool = False, mode: int = 0o600
) -> None:
    """A new file `name` (0600, unless `mode` says otherwise, less the umask) holding `data`
    in the folder open at `folder`: never an existing file, nor a link's target
    (FileExistsError where anything stands). With `durable`, on disk before this returns."""
    fd = os.open(name, _CREATE_FLAGS, mode, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def temporary_name(name: str) -> str:
    """A hidden name beside `name` for a file or folder being made, unique to this call."""
    return f".{name}.{secrets.token_hex(6)}.tmp"
