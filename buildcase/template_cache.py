"""Compiled Jinja templates, kept in memory and on disk between runs.

Compiling buildcase's templates takes most of a second in every new process (the deck's
alone a fifth), and MkDocs compiles Material's afresh for every build; loading them
compiled takes hundredths. So, as Python keeps its bytecode in `__pycache__`, compiled
templates are kept in `$XDG_CACHE_HOME/buildcase/templates` (`~/.cache/...` by default).

Only trusted templates come here (buildcase's, the workspace's, the theme's): a proposal's
own templates are compiled afresh in their sandbox. Jinja checks each entry against the
checksum of its source and writes it atomically; the key also holds every setting of the
environment that changes the compiled code. Compiled code is code, so a folder that
another user could write to is not used: then templates are kept in memory only.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket


def cache_folder(name: str) -> Path | None:
    """This user's cache folder `name` (`templates`, `guide`), made private; None where there
    can be none, or where another user could write to it: what is kept there is run (compiled
    templates) or opened in a browser (the guide), so it must be this user's alone."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "buildcase" / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        status = folder.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o022):
        return None
    return folder


class CompiledTemplates(jinja2.BytecodeCache):
    """A template compiled once per machine, then loaded from memory or from disk."""

    def __init__(self, folder: Path | None) -> None:
        self.memory: dict[str, bytes] = {}
        self.files: dict[str, str] = {}  # key -> the template's file, for whoever asks
        self.disk = jinja2.FileSystemBytecodeCache(str(folder)) if folder else None

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
        elif self.disk is not None:
            self.disk.load_bytecode(bucket)
            if bucket.code is not None:
                self.memory[bucket.key] = bucket.bytecode_to_string()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.memory[bucket.key] = bucket.bytecode_to_string()
        if self.disk is not None:
            try:
                self.disk.dump_bytecode(bucket)
            except OSError:
                self.disk = None  # a full or read-only disk: keep to memory


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
        _shared = CompiledTemplates(cache_folder("templates"))
    return _shared
