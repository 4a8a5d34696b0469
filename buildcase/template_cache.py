"""Compiled Jinja templates, kept in memory and on disk between runs; and the checked cache
folders that this and `buildcase guide` keep their files in.

Compiling buildcase's templates takes most of a second in every new process (the deck's
alone a fifth), and MkDocs compiles Material's afresh for every build; loading them
compiled takes hundredths. So, as Python keeps its bytecode in `__pycache__`, compiled
templates are kept in `$XDG_CACHE_HOME/buildcase/templates` (`~/.cache/...` by default).

Only trusted templates come here (buildcase's, the workspace's, the theme's): a proposal's
own templates are compiled afresh in their sandbox. Compiled code is code, and Jinja reads
an entry with pickle and marshal, so nothing on disk is trusted because of where it lies:

- a cache folder is used only if no other user can change it or any folder above it
  (`cache_folder`); it is checked again at every read and write, and read and written
  through the descriptor of the very folder that was checked, never by a path checked
  first and opened later;
- each entry carries an HMAC of its content under a secret key that lives in the folder,
  readable by this user alone; an entry whose HMAC does not match is compiled afresh,
  never loaded;
- an entry's name holds every setting of the environment that changes the compiled code,
  and Jinja checks the checksum of the template's source kept inside it.

Where there is no such folder (no home folder, a folder others can write to, a platform
without descriptor-relative calls), templates are kept in memory only.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2.bccache import Bucket

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


def write_new_file_at(folder: int, name: str, data: bytes, durable: bool = False) -> None:
    """A new file `name` (0600) holding `data` in the folder open at `folder`: never an
    existing file, nor a link's target. With `durable`, on disk before this returns."""
    fd = os.open(name, _CREATE_FLAGS, 0o600, dir_fd=folder)
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


# --- the key that signs compiled templates ---------------------------------------------------

KEY_FILE = "hmac.key"
_KEY_BYTES = 32


def secret_key(folder: int) -> bytes | None:
    """This user's key for the entries in the folder open at `folder`: read from
    `hmac.key`, or made on first use. None where the file is there but is not a regular
    file of this user's that no one else can read or write: refused as it stands, not
    replaced, so that whoever looks finds it."""
    try:
        return _read_key(folder)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        return _make_key(folder)
    except OSError:
        return None


def _read_key(folder: int) -> bytes:
    key = read_file_at(folder, KEY_FILE, _KEY_BYTES, private=True)
    if len(key) != _KEY_BYTES:
        raise OSError(f"{KEY_FILE} is not a key buildcase made")
    return key


def _make_key(folder: int) -> bytes:
    """A new random key, published whole or not at all: written to a new file of its own,
    then linked as `hmac.key`, which fails if another run made one first (that one is
    then used)."""
    key = secrets.token_bytes(_KEY_BYTES)
    temporary = temporary_name(KEY_FILE)
    write_new_file_at(folder, temporary, key, durable=True)
    try:
        os.link(temporary, KEY_FILE, src_dir_fd=folder, dst_dir_fd=folder)
    except FileExistsError:
        return _read_key(folder)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
    return key


def _signature(key: bytes, entry: str, payload: bytes) -> bytes:
    """The HMAC that shows an entry was written by this user's buildcase: of its name (so
    that one entry cannot stand in for another) and its content."""
    return hmac.new(key, entry.encode() + b"\0" + payload, hashlib.sha256).digest()


_SIGNATURE_BYTES = hashlib.sha256().digest_size
_MAX_ENTRY = 64 * 2**20  # far above any compiled template (Material's largest: ~0.2 MB)


# --- the compiled templates ------------------------------------------------------------------


class CompiledTemplates(jinja2.BytecodeCache):
    """A template compiled once per machine, then loaded from memory or from disk: from
    `root/buildcase/templates`, signed; with `root` None, memory only."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.memory: dict[str, bytes] = {}
        self.files: dict[str, str] = {}  # key -> the template's file, for whoever asks
        self.writable = root is not None  # False after a failed write: a full disk

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        bucket = super().get_bucket(
            environment, f"{name}\0{_compiler_settings(environment)}", filename, source
        )
        self.files[bucket.key] = filename or name
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.memory:
            bucket.bytecode_from_string(self.memory[bucket.key])
            return
        payload = self.read(bucket.key)
        if payload is not None:
            bucket.bytecode_from_string(payload)
            if bucket.code is not None:
                self.memory[bucket.key] = payload

    def dump_bytecode(self, bucket: Bucket) -> None:
        payload = bucket.bytecode_to_string()
        self.memory[bucket.key] = payload
        if self.writable:
            try:
                self.write(bucket.key, payload)
            except OSError:
                self.writable = False  # a full or read-only disk: keep to memory

    def read(self, key: str) -> bytes | None:
        """The compiled template stored under `key`, if this user's buildcase wrote it (its
        signature matches); None if it is missing, unreadable or not signed by our key."""
        with cache_folder("templates", self.root) as folder:
            if folder is None or (secret := secret_key(folder.fd)) is None:
                return None
            try:
                stored = read_file_at(folder.fd, _entry(key), _MAX_ENTRY)
            except OSError:
                return None
        signature, payload = stored[:_SIGNATURE_BYTES], stored[_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, _signature(secret, _entry(key), payload)):
            return None
        return payload

    def write(self, key: str, payload: bytes) -> None:
        """Store `payload` under `key`, signed, atomically (a new file renamed over the
        old one), where there is a safe folder; nowhere otherwise."""
        with cache_folder("templates", self.root) as folder:
            if folder is None or (secret := secret_key(folder.fd)) is None:
                return
            entry = _entry(key)
            temporary = temporary_name(entry)
            signed = _signature(secret, entry, payload) + payload
            write_new_file_at(folder.fd, temporary, signed)
            try:
                os.replace(temporary, entry, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=folder.fd)
                raise


def _entry(key: str) -> str:
    """The file name of the entry for a bucket's key (hexadecimal, from Jinja)."""
    return f"{key}.jinja"


def _compiler_settings(environment: jinja2.Environment) -> str:
    """What, besides the source, decides a template's compiled code."""
    finalize: Any = environment.finalize
    settings = (
        type(environment).__qualname__,
        jinja2.__version__,
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        tuple(sorted(environment.extensions)),
        environment.optimized,
        environment.autoescape if isinstance(environment.autoescape, bool) else "function",
        getattr(finalize, "__qualname__", repr(finalize)),
        environment.is_async,
    )
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


_shared: CompiledTemplates | None = None


def compiled_templates() -> CompiledTemplates:
    """The cache every trusted environment of this process shares."""
    global _shared
    if _shared is None:
        _shared = CompiledTemplates(cache_root())
    return _shared
