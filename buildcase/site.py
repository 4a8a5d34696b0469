"""The one module that talks to MkDocs: rendered pages -> a Material site on disk.

The workspace's `mkdocs.yml` is the base every site is built from (the user brands all
sites there); buildcase adds what each proposal needs and what offline use demands: no
web fonts, the search shim served locally, file:// friendly URLs. Keeping every `mkdocs`
import here keeps the engine swappable.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs import exceptions as mkdocs_exceptions
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.theme import Theme
from mkdocs.utils.yaml import yaml_load

from .errors import Location, RenderError, WorkspaceError
from .logs import captured_warnings

ASSETS = "assets/buildcase"
SHIM = f"{ASSETS}/vendor/iframe-worker/shim.js"
REQUIRED_EXTENSIONS = ["attr_list", "md_in_html", "tables", "toc"]


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled theme templates kept in memory, keyed by their source's checksum."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_THEME_BYTECODE = _MemoryBytecodeCache()
_theme_env = Theme.get_env


def _cached_theme_env(theme: Theme) -> jinja2.Environment:
    env = _theme_env(theme)
    env.bytecode_cache = _THEME_BYTECODE
    return env


# MkDocs makes a new Jinja environment, and so compiles Material's templates anew, for
# every build; most of a warm build was that compiling. Sharing the compiled code across
# builds in this process makes the second and later builds of a worker fast.
Theme.get_env = _cached_theme_env  # type: ignore[method-assign]


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
) -> list[str]:
    """Build the site into `site_dir`; returns MkDocs' warnings.

    `epoch` is the build time the site states (its sitemap), so that rebuilding the same
    proposal gives the same bytes. `logo` and `brand_css` (CSS custom properties) brand
    it; `language` sets Material's own labels (search, navigation).
    """
    with tempfile.TemporaryDirectory(prefix="buildcase-docs-") as tmp:
        docs_dir = Path(tmp)
        for name, text in pages.items():
            (docs_dir / name).write_text(text, encoding="utf-8")
        _copy_assets(assets_dir, docs_dir / ASSETS)
        brand = _brand_files(docs_dir, logo, brand_css)
        overrides = site_overrides(base_config, nav, site_name, language, brand)
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
        name = f"{ASSETS}/brand/logo{logo.suffix.lower()}"
        (docs_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(logo, docs_dir / name)
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


def site_overrides(
    base_config: Path,
    nav: list[Any],
    site_name: str,
    language: str = "en",
    brand: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What buildcase sets on top of the base configuration, for one proposal's site."""
    with open(base_config, encoding="utf-8") as f:
        base = yaml_load(f) or {}
    theme = dict(base.get("theme") or {"name": "material"})
    theme["font"] = False  # no web-font service: fonts ship with the site
    theme["language"] = language
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
        "site_name": site_name,
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
        "repo_url": "",  # Material would call a code host's API (None would be ignored)
        "edit_uri": "",
        "watch": [],
    }


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


def serve_live(
    builder: Callable[[], None], root: Path, watch: list[Path], host: str, port: int
) -> None:
    """Serve `root` with live reload, calling `builder` whenever a watched path changes."""
    from mkdocs.livereload import LiveReloadServer

    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(root))
    for path in watch:
        server.watch(str(path))
    try:
        server.serve()  # blocks until interrupted, as `mkdocs serve` does
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
