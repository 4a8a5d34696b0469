"""Compiled Jinja templates, kept in memory and on disk between runs, signed.

Compiling buildcase's templates takes most of a second in every new process (the deck's
alone a fifth), and MkDocs compiles Material's afresh for every build; loading them
compiled takes hundredths. So, as Python keeps its bytecode in `__pycache__`, compiled
templates are kept in `$XDG_CACHE_HOME/buildcase/templates` (`~/.cache/...` by default),
a private folder (`cache.folders`).

Only trusted templates come here (buildcase's, the workspace's, the theme's): a proposal's
own templates are compiled afresh in their sandbox. Compiled code is code, and Jinja reads
an entry with pickle and marshal, so besides the folder's checks:

- each entry carries an HMAC of its content under a secret key that lives in the folder,
  readable by this user alone; an entry whose HMAC does not match is compiled afresh,
  never loaded;
- an entry's name holds every setting of the environment that changes the compiled code,
  and Jinja checks the checksum of the template's source kept inside it.

Where there is no private folder, templates are kept in memory only.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from buildcase.cache.folders import (
    cache_folder,
    cache_root,
    read_file_at,
    temporary_name,
    write_new_file_at,
)

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
