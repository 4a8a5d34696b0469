"""Where a proposal's site is published, for the handout: its address and a QR code to it.

The address comes from MkDocs' own `site_url` in the workspace's `mkdocs.yml` (see
docs/format-1.1: `site_url`), which the workspace reads (`workspace.config.read_site_url`):
a handout prints `<site_url>/<slug>/` and a QR code that opens it from a phone. segno
writes the code as inline SVG, with its alt text as the SVG's `<title>` (which WeasyPrint
makes the figure's alternate text in the tagged PDF).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote

import segno
from markupsafe import Markup


@dataclass(frozen=True)
class SiteLink:
    address: str  # the proposal's site: <site_url>/<slug>/
    qr: Markup  # an inline SVG QR code to it, titled for assistive technology


def site_address(site_url: str, slug: str) -> str:
    """`<site_url>/<slug>/`, the folder's name percent-encoded as one segment of the path:
    a space, '#', '?', '%' or a letter outside ASCII in it would otherwise end the address,
    start its query or fragment, or make a code that phones read differently."""
    segment = quote(os.fsencode(slug), safe="")  # its bytes, as the file system has them
    return site_url.rstrip("/") + "/" + segment + "/"


def site_link(site_url: str | None, slug: str, alt: str) -> SiteLink | None:
    """The proposal's address and a QR code to it; `alt` is the code's alternate text,
    `{address}` in it replaced by the address."""
    if not site_url:
        return None
    address = site_address(site_url, slug)
    code = segno.make(address, error="m")
    svg = code.svg_inline(
        scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None,
        title=alt.format(address=address), dark="#111827",
    )  # fmt: skip
    return SiteLink(address, Markup(svg))
