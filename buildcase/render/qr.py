"""Where a proposal's site is published, for the handout: its address and a QR code to it.

The address comes from MkDocs' own `site_url` in the workspace's `mkdocs.yml` (see
docs/format-1.1: `site_url`); a handout prints `<site_url>/<slug>/` and a QR code that
opens it from a phone. segno writes the code as inline SVG, with its alt text as the SVG's
`<title>` (which WeasyPrint makes the figure's alternate text in the tagged PDF).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import segno
import yaml
from markupsafe import Markup


@dataclass(frozen=True)
class SiteLink:
    address: str  # the proposal's site: <site_url>/<slug>/
    qr: Markup  # an inline SVG QR code to it, titled for assistive technology


class _TolerantLoader(yaml.SafeLoader):
    """A safe loader that reads MkDocs' tags (`!ENV`, `!!python/name:...`) as nothing,
    so that a config using them still gives its plain keys."""


def _ignore(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_TolerantLoader.add_multi_constructor("!", _ignore)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore)


def read_site_url(config: Path) -> str | None:
    """`site_url` of an mkdocs.yml when it is an http(s) address, else None."""
    try:
        data: Any = yaml.load(
            config.read_text(encoding="utf-8"), Loader=_TolerantLoader
        )  # a SafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    url = data.get("site_url") if isinstance(data, dict) else None
    if not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url


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
