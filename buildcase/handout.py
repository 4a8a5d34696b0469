"""The one module that talks to WeasyPrint: the handout's HTML -> a PDF of at most two pages.

WeasyPrint is imported only when a PDF is made (importing it costs about half a second),
and it fetches nothing but files inside the folders it is given and `data:` URIs: a
proposal handed over by someone else cannot pull `/etc/passwd` or a web address into it.
WeasyPrint has no type hints, so its objects are typed `Any` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .logs import captured_warnings

MAX_PAGES = 2


@dataclass
class Handout:
    pdf: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


class HandoutTooLong(Exception):
    """The content runs past the page limit; `longest` names the biggest section."""

    def __init__(self, pages: int, longest: str | None):
        self.pages = pages
        self.longest = longest
        super().__init__(f"{pages} pages")

    def __reduce__(self) -> tuple[type[HandoutTooLong], tuple[int, str | None]]:
        return (type(self), (self.pages, self.longest))


def warm_up() -> None:
    """Pay WeasyPrint's import (about half a second) before the first handout is due."""
    import weasyprint  # noqa: F401


def has_fast_font_subsetting() -> bool:
    """Whether WeasyPrint will find libharfbuzz-subset; without it, it falls back to
    fontTools, renders about twice as slowly, and writes PDFs that differ run to run.
    Answered without importing WeasyPrint."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None


def render_handout(html: str, base_dir: Path, allowed_dirs: list[Path]) -> Handout:
    """Lay out `html` and write it as a tagged PDF (PDF/UA), refusing to exceed two pages."""
    import weasyprint

    fetcher = _confined_fetcher(weasyprint, allowed_dirs)
    with captured_warnings("weasyprint") as warnings:
        document = weasyprint.HTML(
            string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher
        ).render()
        if len(document.pages) > MAX_PAGES:
            raise HandoutTooLong(len(document.pages), _longest_section(document))
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    refused = [
        f"refused to load {url}: only files inside the proposal folder and the templates"
        for url in fetcher.refused
    ]
    return Handout(pdf, len(document.pages), [*refused, *warnings])


def _confined_fetcher(weasyprint: Any, allowed_dirs: list[Path]) -> Any:
    """A URL fetcher for files inside `allowed_dirs` and data: URIs; its `refused` lists
    what it refused."""
    roots = [d.resolve() for d in allowed_dirs]

    class ConfinedFetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]  # untyped WeasyPrint: URLFetcher is Any
        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"buildcase does not fetch {url}")

    fetcher = ConfinedFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)
    fetcher.refused = []
    return fetcher


def _longest_section(document: Any) -> str | None:
    """The `data-section` whose boxes take the most height across all pages."""
    heights: dict[str, float] = {}

    def walk(box: Any) -> None:
        element = getattr(box, "element", None)
        name = (
            element.get("data-section") if element is not None and hasattr(element, "get") else None
        )
        if name and getattr(box, "element_tag", None) == "section":
            heights[name] = heights.get(name, 0.0) + box.margin_height()
            return
        for child in getattr(box, "children", []):
            walk(child)

    for box in page_boxes(document):
        walk(box)
    return max(heights, key=heights.__getitem__) if heights else None


def page_boxes(document: Any) -> list[Any]:
    """The laid-out box of each page of a rendered document.

    WeasyPrint has no public way to walk its layout, so this is the one place that uses
    its private `Page._page_box`; tests/test_build.py (the longest part of a long handout)
    and tests/test_handout_print.py fail loudly on a WeasyPrint
    version that renames it (the version range in pyproject.toml is the one tested)."""
    return [page._page_box for page in document.pages]
