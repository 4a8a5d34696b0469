"""Stage 6, write: put a proposal's output in place all at once, or not at all.

A proposal is built into a staging folder (`staging`) and swapped in here by renames on
the same file system, so a failed or interrupted build leaves the previous output as it
was; only an output buildcase published and recorded (`record`) is ever replaced. The
portfolio index is written the same way, and only over an index buildcase wrote. Which
names an output may not take is asked here too, before anything is built.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from buildcase import __version__
from buildcase.errors import OutputError
from buildcase.write.record import LOCK, MARKER, Made, OutputFolder, output_folder, published_marker
from buildcase.write.staging import TEMPORARY, discard, write_new_file

PORTFOLIO = "index.html"
# The last line buildcase writes into the portfolio: an index without it is someone else's.
PORTFOLIO_MARK = "<!-- written by buildcase: rewritten by every build of several proposals -->"


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
    output, target = output_folder(out), out / slug
    before = output.record.outputs.get(slug, [])
    try:
        replacing = os.path.lexists(target)
        if replacing and published_marker(out, slug) is None:
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
    write_new_file(staged / MARKER, json.dumps(marker) + "\n")
    info = os.lstat(staged)
    return Made(info.st_dev, info.st_ino, token)


def _set_outputs(output: OutputFolder, slug: str, made: list[Made]) -> None:
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
    write_atomically(index, text, scratch=output_folder(out).scratch)
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


def write_atomically(path: Path, text: str | bytes, scratch: Path | None = None) -> None:
    """Replace `path` by `text` (or bytes) in one step: readers see the old file or the new
    one. The new file is written in `scratch` (a build's work folder, on the same file
    system), or beside `path`."""
    partial = (scratch or path.parent) / f"{TEMPORARY}part.{secrets.token_hex(4)}.tmp"
    try:
        write_new_file(partial, text)
        os.replace(partial, path)
    except OSError as e:
        with suppress(OSError):
            partial.unlink()
        raise output_error(e, path) from e
