"""What a handout may fetch: files of the proposal folder, read as every file a proposal
names is read, files of the template folders, and `data:` URIs; nothing else. A proposal
handed over by someone else cannot pull `/etc/passwd` or a web address into its handout.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from buildcase.errors import Location, RenderError
from buildcase.load.files import Unreadable, read_below, status_below

Stamp = tuple[int, int] | str | None  # what a URL was when fetched: see `url_stamp`
# A picture, font or attachment of the proposal's own, fetched by the handout: a file
# larger is a mistake or an attack (it would be read into memory whole).
MAX_FETCHED_BYTES = 32_000_000


@dataclass(frozen=True)
class Places:
    """The folders a handout may load files from. The proposal folder's files are held to
    the rules of every file a proposal names (README, "It reads nothing from elsewhere"):
    each is read by its own name, through no link, and must be a regular file with one
    name, since a hard link may be a file from anywhere under a name inside. The template
    folders (the workspace's and buildcase's) are trusted: their files are followed
    through links that stay inside them, and may have several names (fonts installed by
    a package manager often do)."""

    proposal: Path | None  # links resolved
    proposal_names: tuple[Path, ...]  # the absolute names a URL may give it: as given, resolved
    trusted: tuple[Path, ...]  # links resolved

    @classmethod
    def of(cls, allowed_dirs: list[Path]) -> Places:
        """The places of `render_handout`'s `allowed_dirs`: the proposal folder first."""
        if not allowed_dirs:
            return cls(None, (), ())
        folder, *trusted = allowed_dirs
        names = tuple(dict.fromkeys([Path(os.path.abspath(folder)), folder.resolve()]))
        return cls(folder.resolve(), names, tuple(d.resolve() for d in trusted))

    def in_proposal(self, path: str) -> ProposalFile | None:
        """The file `path` names in the proposal folder, read as it is written (no link
        followed), or None if it names none there."""
        written = Path(os.path.normpath(path))
        for name in self.proposal_names:
            if self.proposal is not None and written.is_relative_to(name):
                return ProposalFile(written, self.proposal, written.relative_to(name))
        return None

    def trusted_file(self, path: str) -> Path | None:
        """The file `path` leads to, links followed, if it is inside a template folder and
        not in the proposal folder (reached from outside it through a link)."""
        real = Path(path).resolve()
        if self.proposal is not None and real.is_relative_to(self.proposal):
            return None
        return real if any(real.is_relative_to(root) for root in self.trusted) else None


class ProposalFile(NamedTuple):
    """A file of the proposal folder, as a URL names it."""

    written: Path  # as the URL writes it, for messages
    folder: Path  # the proposal folder, links resolved
    relative: Path  # below it


@dataclass(frozen=True)
class Forbidden:
    """A file of the proposal folder that the handout asked for and may not load, and why
    (`reason` reads after "which")."""

    path: Path
    reason: str

    def error(self, what: str = "the handout") -> RenderError:
        return RenderError(
            Location(self.path), f"{what} may not load this file, which {self.reason}"
        )


def _local_path(url: str) -> str | None:
    """The path a `file:` URL names on this machine, or None for any other URL (a `file:`
    URL naming another host would be fetched from the network)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    return unquote(parts.path)


def url_stamp(url: str, places: Places) -> Stamp:
    """None for a URL the handout may not fetch; for a file it may, its size and time of
    change; "data" for a data: URI."""
    if urlsplit(url).scheme == "data":
        return "data"
    path = _local_path(url)
    if path is None:
        return None
    found = places.in_proposal(path)
    if found is not None:
        try:
            status = status_below(found.folder, found.relative, MAX_FETCHED_BYTES)
        except Unreadable:
            return None
        return status.st_size, status.st_mtime_ns
    real = places.trusted_file(path)
    try:
        trusted = os.stat(real) if real is not None else None
    except OSError:
        return None
    if trusted is None or not stat.S_ISREG(trusted.st_mode):
        return None
    return trusted.st_size, trusted.st_mtime_ns


def confined_fetcher(weasyprint: Any, allowed_dirs: list[Path]) -> Any:
    """A URL fetcher for data: URIs and files of the `Places` of `allowed_dirs` (the
    proposal folder first, then the template folders); its `refused` lists the URLs it
    refused, its `forbidden` the files of the proposal folder it may not load (each fails
    the handout), its `asked` everything asked for, with its stamp.

    A file of the proposal folder is read here, by `read_below`, and its stamp taken
    from the descriptor read: checking a name and then letting WeasyPrint open it again
    would leave a moment to swap the file for a link."""
    places = Places.of(allowed_dirs)

    class ConfinedFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]  # untyped WeasyPrint: URLFetcher is Any
        refused: list[str]
        forbidden: list[Forbidden]
        asked: list[tuple[str, Stamp]]

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = _local_path(url)
            found = places.in_proposal(path) if path is not None else None
            if found is not None:
                return self.proposal_file(url, found)
            stamp = url_stamp(url, places)
            self.asked.append((url, stamp))
            if stamp is not None:
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"buildcase does not fetch {url}")

        def proposal_file(self, url: str, found: ProposalFile) -> Any:
            try:
                data, status = read_below(found.folder, found.relative, MAX_FETCHED_BYTES)
            except Unreadable as e:
                self.asked.append((url, None))
                if e.kind == "missing":  # a picture not there: a warning, as for any URL
                    self.refused.append(url)
                else:
                    self.forbidden.append(Forbidden(found.written, e.reason))
                raise ValueError(f"buildcase does not fetch {url}: it {e.reason}") from None
            self.asked.append((url, (status.st_size, status.st_mtime_ns)))
            kind = mimetypes.guess_type(found.relative.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, data, {"Content-Type": kind})

    fetcher = ConfinedFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    fetcher.refused = []
    fetcher.forbidden = []
    fetcher.asked = []
    return fetcher
