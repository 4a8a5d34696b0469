"""Part of stage 2, validate: a logo that would vanish against the site's header. The
header is filled with the proposal's `primary` colour; a logo drawn mostly in that colour
(a dark-green logo on a dark-green header) shows only its other parts, and a reader takes
what is left for a control. Below 3:1 (WCAG 2.1, 1.4.11, a graphic against what is around
it) the site puts the logo on a light plate, and `check` says so.

An SVG logo's colours are read from its `fill` and `stroke` (attributes and inline
styles), each counted as often as it is used: the most used is the one a reader sees.
A raster logo's colours would need its pixels decoded, and Pillow is no dependency of
buildcase (only of its tests): a raster logo is not estimated, never warned about and
never plated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from buildcase.errors import Problem
from buildcase.limits import MAX_SVG_BYTES
from buildcase.load import LoadedProposal
from buildcase.load.files import Unreadable, read_inside
from buildcase.load.yaml_source import field_path
from buildcase.models.colours import contrast, long_hex
from buildcase.models.sections import Proposal

LOGO_CONTRAST = 3.0  # WCAG 2.1, 1.4.11: a graphic against what is around it
_PAINT = re.compile(
    r"""(?:\b(?:fill|stroke)\s*=\s*["']|\b(?:fill|stroke)\s*:\s*)(#[0-9a-fA-F]{3,6})\b"""
)


def logo_warnings(p: Proposal, loaded: LoadedProposal) -> Iterator[Problem]:
    """The warning of a logo whose colour stands less than 3:1 against the primary."""
    branding = p.branding
    if branding is None or not branding.logo or not branding.primary:
        return
    colour = main_colour(svg_text(loaded.folder, loaded.folder / branding.logo))
    if colour is None:
        return
    ratio = contrast(colour, branding.primary)
    if ratio < LOGO_CONTRAST:
        path = ("branding", "logo")
        yield Problem(
            loaded.source.value(path),
            field_path(path),
            f"the logo is drawn mostly in {colour}, which stands {ratio:.1f}:1 against the "
            f"primary colour {branding.primary} of the site's header (3:1 is the least a "
            "graphic needs to be seen); the site shows it on a light plate. For a logo that "
            "shows on its own, give a version in a lighter colour, or another `primary`",
            "warning",
            "format",
        )


def svg_text(folder: Path, path: Path) -> str:
    """An SVG logo's markup, read as every file a proposal names is read; "" for a raster
    image or a file validation refuses (it says why)."""
    if path.suffix.lower() != ".svg":
        return ""
    try:
        return read_inside(folder, path, MAX_SVG_BYTES).decode("utf-8", "replace")
    except Unreadable:
        return ""


def main_colour(svg: str) -> str | None:
    """The colour an SVG paints with most often (`#rrggbb`), or None where it names none."""
    colours = Counter(long_hex(c) for c in _PAINT.findall(svg))
    return colours.most_common(1)[0][0] if colours else None


def vanishes(folder: Path, logo: str | None, primary: str | None) -> bool:
    """Whether the logo's main colour stands less than 3:1 against `primary`: the site
    then puts it on a light plate."""
    if not logo or not primary:
        return False
    colour = main_colour(svg_text(folder, folder / logo))
    return colour is not None and contrast(colour, primary) < LOGO_CONTRAST


def plated(logo_uri: str | None, primary: str | None) -> bool:
    """`vanishes` for the logo as the render stage is given it: a file URI inside the
    proposal folder (render puts a vanishing logo on a light plate in the site's header)."""
    if not logo_uri or not logo_uri.startswith("file:"):
        return False
    path = Path(url2pathname(urlsplit(logo_uri).path))
    return vanishes(path.parent, path.name, primary)
