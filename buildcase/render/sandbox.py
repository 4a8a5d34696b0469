"""Templates that come with a proposal are untrusted code; this is how they are run.

The trust boundary: buildcase's own templates and the workspace's `templates/` (beside
`mkdocs.yml`) are as trusted as `mkdocs.yml` itself and render in a plain Jinja2
environment. A proposal's own `templates/` folder travels with the proposal, from person
to person, so its templates get three walls:

1. Jinja2's immutable sandbox: no attribute starting with `_` (so no
   `lipsum.__globals__`), no mutating a list or dict; the templates see plain data only
   (`template_data`), and may call only the functions listed there, string methods,
   read-only mapping methods and Jinja's own (`ProposalSandbox.is_safe_callable`).
2. A loader that reads only regular files inside that folder, refusing symbolic links
   (a link to `/etc/passwd` would otherwise be published), hard links (the same file as
   one outside), other file types and files over `MAX_TEMPLATE_BYTES`.
3. Rendering in a forked child with limits on CPU time, memory and output size, since a
   sandbox cannot stop `{% for a in r %}{% for b in r %}...` from running for hours or
   `"x" * 10**9` from filling memory.
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import select
import signal
import stat
import time
import traceback
import types
import warnings
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any, TypeVar

import jinja2
import jinja2.sandbox
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Cycler, Joiner

from buildcase.load.templates import MAX_TEMPLATE_BYTES, template_refusal
from buildcase.render.template_data import TemplateFunction

MAX_OUTPUT_BYTES = 32 * 1024 * 1024  # all pages and handouts of one proposal together
MAX_SEQUENCE = 100_000  # the longest string or list `*`, `+` and `**` may make
CPU_SECONDS = 10
EXTRA_MEMORY_BYTES = 1024 * 1024 * 1024  # on top of what the builder already uses
WALL_SECONDS = 30

# Filters whose width or count argument makes output of any size from nothing.
_UNBOUNDED_FILTERS = ("center", "indent", "format", "slice", "wordwrap", "filesizeformat")

T = TypeVar("T")

# Nothing in a template's context is of these kinds; should one ever be, a template
# still may not reach through it to the file system or to other code.
_OFF_LIMITS = (PurePath, io.IOBase, types.ModuleType, type)

# The methods a template may call on a value, by the value's type: none that changes it,
# and none that makes output of any size from a number (`center`, `ljust`, `zfill`...).
_STRING_METHODS = frozenset(
    {
        "capitalize", "casefold", "count", "endswith", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
        "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind",
        "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "swapcase", "title", "upper", "striptags", "unescape",
    }
)  # fmt: skip
_READ_METHODS: dict[type, frozenset[str]] = {
    str: _STRING_METHODS,
    types.MappingProxyType: frozenset({"get", "items", "keys", "values"}),
    dict: frozenset({"get", "items", "keys", "values"}),
    tuple: frozenset({"count", "index"}),
    list: frozenset({"count", "index"}),
    LoopContext: frozenset({"cycle", "changed"}),
    Cycler: frozenset({"next", "reset"}),
}
# What Jinja itself hands a template to call: macros, `caller`, `super()`, `loop(...)`.
_JINJA_CALLABLES = (Macro, BlockReference, LoopContext, Joiner, Undefined, TemplateFunction)


class UntrustedTemplate(jinja2.TemplateError):
    """A proposal's template the loader refuses: a link, not a regular file, too large.

    Unlike TemplateNotFound it is not passed over for the next folder, so the author
    learns why their template was not used.
    """


class ConfinedRenderFailed(Exception):
    """The child that rendered a proposal's own templates ran out of a limit or died."""


class ConfinedLoader(jinja2.BaseLoader):
    """Regular files inside one folder, reached without following any symbolic link."""

    def __init__(self, folder: Path):
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if "\0" in template:
            raise UntrustedTemplate(f"a template's name may not hold a NUL: {template!r}")
        pieces = split_template_path(template)  # refuses '..'
        path = self.folder.joinpath(*pieces)
        status = _confined_status(self.folder, pieces, template)
        if status is None:
            raise jinja2.TemplateNotFound(template)
        why = template_refusal(status)
        if why:
            raise UntrustedTemplate(f"{path} is {why}")
        source = _read_no_follow(path).decode("utf-8", errors="replace")
        mtime = status.st_mtime_ns
        return source, str(path), lambda: _mtime_or_none(path) == mtime

    def list_templates(self) -> list[str]:
        found = []
        for path in sorted(self.folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(self.folder).as_posix())
        return found


def _confined_status(folder: Path, pieces: list[str], template: str) -> os.stat_result | None:
    """lstat of each step from `folder` down to the template: None where one is missing,
    UntrustedTemplate where one is a symbolic link."""
    path = folder
    status = None
    for piece in ["", *pieces]:
        path = path / piece if piece else path
        try:
            status = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISLNK(status.st_mode):
            raise UntrustedTemplate(
                f"{path} is a symbolic link; a proposal's templates must be files inside it"
            )
    return status


def _read_no_follow(path: Path) -> bytes:
    """The file's bytes, checked again on the descriptor read from, so that a file swapped
    for a link, a FIFO or a hard link after the check is still refused."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        why = template_refusal(os.fstat(f.fileno()))
        if why:
            raise UntrustedTemplate(f"{path} is {why}")
        return f.read(MAX_TEMPLATE_BYTES + 1)[:MAX_TEMPLATE_BYTES]


def _mtime_or_none(path: Path) -> int | None:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return None


class ProposalSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with the operators that build large values bounded and an
    explicit list of what may be called."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """No `_` names, nothing of the file system or other code, and no callable that
        could not be called: a template never holds a function it may not use."""
        if isinstance(obj, _OFF_LIMITS) or isinstance(value, _OFF_LIMITS):
            return False
        if callable(value) and not self.is_safe_callable(value):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def is_safe_callable(self, obj: Any) -> bool:
        """Only what is listed: our template functions, Jinja's own (macros, `caller`,
        `super()`, `loop`, its globals such as `range`), and the read-only methods of
        strings, mappings and tuples. Everything else is refused, with a located error."""
        if isinstance(obj, _JINJA_CALLABLES):
            return True
        if any(obj is g for g in self.globals.values()):
            return True
        return _is_read_method(obj) or _is_sandboxed_format(obj)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "**" and _is_number(right) and abs(right) > 64:
            raise jinja2.exceptions.SecurityError("a power above 64 is not allowed in a template")
        if operator == "*" and _product_too_long(left, right):
            raise jinja2.exceptions.SecurityError(
                f"a template may not build a sequence longer than {MAX_SEQUENCE:,}"
            )
        if operator == "+" and _length(left) + _length(right) > MAX_SEQUENCE * 10:
            raise jinja2.exceptions.SecurityError("a template may not build a text that long")
        return super().call_binop(context, operator, left, right)


def _is_read_method(obj: Any) -> bool:
    """A method bound to a string, a mapping or a tuple that only reads it."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", None)
    if owner is None or not isinstance(name, str):
        return False
    if not isinstance(obj, (types.BuiltinMethodType, types.MethodType)):
        return False
    return any(
        isinstance(owner, kind) and name in methods for kind, methods in _READ_METHODS.items()
    )


def _is_sandboxed_format(obj: Any) -> bool:
    """`"...".format(...)` as the sandbox hands it out: wrapped so that the fields it reads
    go through the sandbox's own attribute checks."""
    wrapped = getattr(obj, "__wrapped__", None)
    return (
        isinstance(obj, types.FunctionType)
        and obj.__code__.co_filename == jinja2.sandbox.__file__
        and isinstance(getattr(wrapped, "__self__", None), str)
        and getattr(wrapped, "__name__", None) in ("format", "format_map")
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _product_too_long(left: Any, right: Any) -> bool:
    for sequence, count in ((left, right), (right, left)):
        if _length(sequence) and _is_number(count) and _length(sequence) * count > MAX_SEQUENCE:
            return True
    return False


def sandboxed_environment(
    untrusted: Path, trusted: list[Path], **options: Any
) -> jinja2.Environment:
    """The environment for a proposal that brings templates: its own folder first,
    confined, then the trusted folders, all rendered under the sandbox."""
    loader = jinja2.ChoiceLoader(
        [ConfinedLoader(untrusted), jinja2.FileSystemLoader([str(p) for p in trusted])]
    )
    # No constant folding: Jinja's optimizer would evaluate `"a"|replace(...)` chains
    # while compiling, in this process, before any limit applies.
    env = ProposalSandbox(loader=loader, optimized=False, **options)
    for name in _UNBOUNDED_FILTERS:
        env.filters.pop(name, None)
    return env


def template_line(error: BaseException, folder: Path) -> tuple[Path, int] | None:
    """The template file under `folder`, and its line, where a render error was raised.

    Jinja rewrites tracebacks so that template frames carry the template's file and line.
    """
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(str(folder)) and frame.lineno:
            found = (Path(frame.filename), frame.lineno)
    return found


def run_confined(function: Callable[[], T]) -> T:
    """`function()` in a forked child with CPU, memory and output limits; its result, or
    the exception it raised, come back pickled. Raises ConfinedRenderFailed when the
    child runs out of a limit or dies."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():  # forking with threads: the child only renders
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        _child(function, write_end)
    os.close(write_end)
    try:
        payload = _read_with_deadline(read_end, pid)
    finally:
        os.close(read_end)
        status = _reap(pid)
    if not payload:
        raise ConfinedRenderFailed(_death_reason(status))
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise value
    result: T = value  # what `function` returned in the child
    return result


def _child(function: Callable[[], Any], write_end: int) -> None:
    code = 0
    try:
        _limit_child()
        try:
            outcome: tuple[str, Any] = ("ok", function())
        except MemoryError:
            outcome = ("error", ConfinedRenderFailed(_too_much_memory()))
        except Exception as e:  # handed to the parent, raised there
            outcome = ("error", _picklable(e))
        payload = pickle.dumps(outcome)
        if len(payload) > MAX_OUTPUT_BYTES:
            payload = pickle.dumps(("error", ConfinedRenderFailed(_too_much_output())))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _picklable(error: Exception) -> Exception:
    try:
        pickle.dumps(error)
    except Exception:
        return ConfinedRenderFailed(f"{type(error).__name__}: {str(error)[:300]}")
    return error


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    used = _address_space_bytes()
    if used:
        limit = used + EXTRA_MEMORY_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space_bytes() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _read_with_deadline(fd: int, pid: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + WALL_SECONDS
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            return b""
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_OUTPUT_BYTES * 2:
            os.kill(pid, signal.SIGKILL)
            return b""
        chunks.append(chunk)


def _reap(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def _too_much_memory() -> str:
    megabytes = EXTRA_MEMORY_BYTES >> 20
    return f"the proposal's templates needed more than {megabytes:,} MB and were stopped"


def _too_much_output() -> str:
    return f"the proposal's templates produced more than {MAX_OUTPUT_BYTES:,} bytes"


def _death_reason(status: int) -> str:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        return (
            f"the proposal's templates ran longer than {CPU_SECONDS} s of CPU "
            f"(or {WALL_SECONDS} s in all) and were stopped"
        )
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 70:
        return _too_much_memory()
    return "rendering the proposal's templates failed and was stopped"
