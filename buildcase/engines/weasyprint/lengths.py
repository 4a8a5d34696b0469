"""How long each handout of a proposal ran when it was last laid out, kept between runs in
this user's cache: `check` reads it before laying a handout out, and `check` and `build`
write what their layouts found.

A layout is what tells whether a handout fits its two pages (the bound in
`compute.handout_length` can only tell that it cannot), and it costs a few tenths of a
second a handout, more than the rest of `check`. What a layout finds depends only on what
the handout is made from, so it is kept under the fingerprint of those inputs
(`pipeline.lengths_key`: the proposal's files, the templates, `mkdocs.yml`, buildcase's
code, the paper) and WeasyPrint's version: a proposal checked or built before, and not
changed since, is not laid out again. An entry is a small JSON object, read within a
limit and trusted for nothing but a warning; where there is no safe cache folder, nothing
is kept and every handout is laid out.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
from importlib import metadata
from pathlib import Path

from buildcase.cache.folders import (
    cache_folder,
    cache_root,
    read_file_at,
    temporary_name,
    write_new_file_at,
)
from buildcase.engines.weasyprint import Length

FOLDER = "lengths"
FORMAT = 1  # of an entry, and of what `Length` means: a change makes every entry a miss
MAX_ENTRY = 64 * 1024  # bytes: a proposal's handouts, at most 14, take a few hundred
KEPT = 400  # entries; past it the oldest half is removed
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")


@functools.lru_cache(maxsize=1)
def engine_version() -> str:
    """WeasyPrint's version, read from its metadata without importing it."""
    try:
        return metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        return "unknown"


def entry_name(fingerprint: str) -> str:
    text = f"{FORMAT}\n{engine_version()}\n{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest() + ".json"


def known_lengths(fingerprint: str, root: Path | None = None) -> dict[str, Length]:
    """The lengths an earlier layout found for the handouts of inputs `fingerprint`, by
    file name; none where nothing was kept (or what was kept cannot be read)."""
    with cache_folder(FOLDER, root or cache_root()) as folder:
        if folder is None:
            return {}
        try:
            data = json.loads(read_file_at(folder.fd, entry_name(fingerprint), MAX_ENTRY, True))
        except (OSError, ValueError):
            return {}
    if not isinstance(data, dict):
        return {}
    found = {}
    for name, value in data.items():
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
            pages, longest = value
            found[name] = Length(pages, longest if isinstance(longest, str) else None)
    return found


def remember_lengths(
    fingerprint: str, lengths: dict[str, Length], root: Path | None = None
) -> None:
    """Keep `lengths` (with those already kept for `fingerprint`), atomically; nowhere
    where there is no safe folder, or the disk refuses."""
    if not lengths:
        return
    known = known_lengths(fingerprint, root)
    merged = {**known, **lengths}
    if merged == known:
        return
    data = json.dumps({name: [n.pages, n.longest] for name, n in sorted(merged.items())})
    with cache_folder(FOLDER, root or cache_root()) as folder:
        if folder is None:
            return
        entry = entry_name(fingerprint)
        temporary = temporary_name(entry)
        try:
            write_new_file_at(folder.fd, temporary, data.encode())
            os.replace(temporary, entry, src_dir_fd=folder.fd, dst_dir_fd=folder.fd)
            _prune(folder.fd)
        except OSError:  # a full or read-only disk: the next run lays out again
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder.fd)


def _prune(folder: int) -> None:
    """Past KEPT entries, remove the older half: one is made at each edit of a proposal."""
    names = [name for name in os.listdir(folder) if _ENTRY.fullmatch(name)]
    if len(names) <= KEPT:
        return
    ages = {}
    for name in names:
        with contextlib.suppress(OSError):
            ages[name] = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mtime_ns
    for name in sorted(ages, key=ages.__getitem__)[: len(ages) - KEPT // 2]:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=folder)
