"""The MkDocs engine: rendered pages -> a Material site on disk.

This package is the one place that imports MkDocs (and Material): here a proposal's site,
in `preview` the live preview's server, in `docs` buildcase's own guide, and in `hook` the
hook every site's build runs. Keeping every `mkdocs` import here keeps the engine
swappable.

The workspace's `mkdocs.yml` is the base every site is built from (the user brands all
sites there), once nothing in it would run code unasked (`workspace.trust.safe_config`).
buildcase adds what each proposal needs and what offline use demands: no web fonts, the
search shim served locally, file:// friendly URLs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs import exceptions as mkdocs_exceptions
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.utils.yaml import yaml_load

from buildcase.errors import Location, RenderError, WorkspaceError
from buildcase.i18n import language as catalogue
from buildcase.logs import captured_warnings
from buildcase.render.qr import site_address
from buildcase.workspace.layout import ASSETS, logo_name
from buildcase.workspace.trust import safe_config

SHIM = f"{ASSETS}/vendor/iframe-worker/shim.js"
REQUIRED_EXTENSIONS = ["attr_list", "md_in_html", "tables", "toc"]


THEME_HOOK = Path(__file__).with_name("hook.py")


def build_site(
    *,
    base_config: Path,
    pages: dict[str, str],
    nav: list[Any],
    site_name: str,
    assets_dir: Path,
    site_dir: Path,
    epoch: int,
    logo: Path | None = None,
    brand_css: str = "",
    language: str = "en",
    description: str = "",
    slug: str = "",
) -> list[str]:
    """Build the site into `site_dir`; returns MkDocs' warnings.

    `epoch` is the build time the site states (its sitemap), so that rebuilding the same
    proposal gives the same bytes. `logo` and `brand_css` (CSS custom properties) brand
    it; `language` sets Material's own labels (search, navigation). `slug` is the folder
    the site is published in, under the workspace's `site_url`.
    """
    # MkDocs reads the pages from a folder: made beside the site, inside the build's work
    # folder, so that a killed build's is removed with it instead of staying in /tmp.
    with tempfile.TemporaryDirectory(
        prefix=".docs.", suffix=".tmp", dir=site_dir.absolute().parent
    ) as tmp:
        docs_dir = Path(tmp)
        for name, text in pages.items():
            (docs_dir / name).write_text(text, encoding="utf-8")
        _copy_assets(assets_dir, docs_dir / ASSETS)
        brand = _brand_files(docs_dir, logo, brand_css)
        overrides = site_overrides(base_config, nav, site_name, language, brand, description, slug)
        if "custom_dir" not in overrides["theme"]:  # a workspace's own custom_dir wins
            overrides["theme"]["custom_dir"] = str(assets_dir.parent / "overrides")
        with captured_warnings("mkdocs") as warnings, _source_date_epoch(epoch):
            try:
                config = load_config(
                    config_file=str(base_config),
                    docs_dir=str(docs_dir),
                    site_dir=str(site_dir.absolute()),  # else relative to the config file
                    **overrides,
                )
                mkdocs_build(config)
                # A 404 page only serves a web server's root; its absolute links break
                # from disk and in the sub-folder each proposal lives in.
                (site_dir / "404.html").unlink(missing_ok=True)
            except (mkdocs_exceptions.ConfigurationError, mkdocs_exceptions.Abort) as e:
                raise WorkspaceError(
                    f"{base_config}: the MkDocs configuration is invalid: {e}"
                ) from e
            except mkdocs_exceptions.MkDocsException as e:
                raise RenderError(Location(base_config), f"MkDocs failed: {e}") from e
    return warnings


def _brand_files(docs_dir: Path, logo: Path | None, brand_css: str) -> dict[str, str]:
    """The proposal's logo and colours, as files of the site."""
    brand: dict[str, str] = {}
    if logo is not None:
        name = logo_name(logo.suffix)
        (docs_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (docs_dir / name).write_bytes(_logo_bytes(logo))
        brand["logo"] = name
    if brand_css:
        name = f"{ASSETS}/brand/brand.css"
        (docs_dir / name).parent.mkdir(parents=True, exist_ok=True)
        colours = (
            "--md-primary-fg-color: var(--bc-primary, #3949ab); "
            "--md-accent-fg-color: var(--bc-accent, var(--bc-primary, #3949ab));"
        )
        (docs_dir / name).write_text(
            f":root {{ {brand_css} }}\n[data-md-color-primary] {{ {colours} }}\n"
        )
        brand["css"] = name
    return brand


def _logo_bytes(logo: Path) -> bytes:
    """The logo validation accepted, read again as it was checked: a regular file, not
    through a link, within the size limit; should it have been swapped since, the build
    fails rather than publish what was not checked."""
    from buildcase.limits import MAX_LOGO_BYTES
    from buildcase.load import Unreadable, read_inside

    try:
        return read_inside(logo.parent, logo, MAX_LOGO_BYTES)
    except Unreadable as e:
        raise RenderError(Location(logo), f"the logo {e.reason}") from None


def site_overrides(
    base_config: Path,
    nav: list[Any],
    site_name: str,
    language: str = "en",
    brand: dict[str, str] | None = None,
    description: str = "",
    slug: str = "",
) -> dict[str, Any]:
    """What buildcase sets on top of the base configuration, for one proposal's site.

    MkDocs' YAML loader builds Python objects from tags as it reads, and the configuration
    names code to run: it is read only once `safe_config` allows it, here, where the site
    is made, whatever the caller checked before."""
    safe_config(base_config)
    with open(base_config, encoding="utf-8") as f:
        base = yaml_load(f) or {}
    theme = dict(base.get("theme") or {"name": "material"})
    theme["font"] = False  # no web-font service: fonts ship with the site
    theme["language"] = language
    if isinstance(theme.get("palette"), list):
        theme["palette"] = _toggles_named(theme["palette"], language)
    brand = brand or {}
    if "logo" in brand:
        theme["logo"] = brand["logo"]
    extra = dict(base.get("extra") or {})
    extra["polyfills"] = [SHIM]  # keeps the offline plugin from loading it from a CDN
    extra.setdefault("generator", False)
    extensions = list(base.get("markdown_extensions") or [])
    names = {e if isinstance(e, str) else next(iter(e)) for e in extensions}
    extensions += [
        e for e in REQUIRED_EXTENSIONS if (e if isinstance(e, str) else next(iter(e))) not in names
    ]
    plugins = list(base.get("plugins") or [])
    plugin_names = {p if isinstance(p, str) else next(iter(p)) for p in plugins}
    plugins += [p for p in ("search", "offline") if p not in plugin_names]
    return {
        # HTML already (escaped by the caller): Material prints it as it is, except in the
        # logo's tooltip, where it escapes it again unless it is marked safe.
        "site_name": Markup(site_name),
        "site_description": Markup(description) if description else base.get("site_description"),
        "nav": nav,
        "use_directory_urls": False,  # links must open from disk
        "theme": theme,
        "extra": extra,
        "extra_css": [
            *(base.get("extra_css") or []),
            f"{ASSETS}/buildcase.css",
            *([brand["css"]] if "css" in brand else []),
        ],
        "markdown_extensions": extensions,
        "plugins": plugins,
        "hooks": [*(base.get("hooks") or []), str(THEME_HOOK)],
        "repo_url": "",  # Material would call a code host's API (None would be ignored)
        "edit_uri": "",
        "watch": [],
        **_published_url(base, slug),
    }


def _toggles_named(palette: list[Any], language: str) -> list[Any]:
    """The colour schemes with their toggles' names in the site's language: the base
    configuration names them in English, as buildcase's labels are written, and Material
    shows a name as it is. A name not in the catalogue (the user's own) stays as written."""
    gettext = catalogue(language).gettext
    named = []
    for scheme in palette:
        toggle = scheme.get("toggle") if isinstance(scheme, dict) else None
        if isinstance(toggle, dict) and isinstance(toggle.get("name"), str):
            scheme = {**scheme, "toggle": {**toggle, "name": gettext(toggle["name"])}}
        named.append(scheme)
    return named


def _published_url(base: dict[str, Any], slug: str) -> dict[str, str]:
    """`site_url` as the proposal's own folder under the workspace's, `<site_url>/<slug>/`
    (as the handout prints it, `render.qr`), for the sitemap and the canonical links:
    each proposal is published in its own folder. A `site_url` MkDocs would refuse is
    left as written, for MkDocs to say so."""
    url = base.get("site_url")
    if not slug or not isinstance(url, str):
        return {}
    parts = urlsplit(url.strip())
    if not (parts.scheme and parts.netloc):
        return {}
    return {"site_url": site_address(url.strip(), slug)}


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """MkDocs reads the build time from SOURCE_DATE_EPOCH."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _copy_assets(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
