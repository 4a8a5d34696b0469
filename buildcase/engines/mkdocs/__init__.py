"""The MkDocs engine: rendered pages -> a Material site on disk.

This package is the one place that imports MkDocs (and Material): here a proposal's site
(and the live preview's, made from what its last build left: `build_reusing`), in `preview`
the live preview's server, in `docs` buildcase's own guide, and in `hook` the hook every
site's build runs. Keeping every `mkdocs` import here keeps the engine swappable.

The workspace's `mkdocs.yml` is the base every site is built from (the user brands all
sites there), once nothing in it would run code unasked (`workspace.trust.safe_config`).
buildcase adds what each proposal needs and what offline use demands: no web fonts, the
search shim served locally, file:// friendly URLs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from markupsafe import Markup

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs import exceptions as mkdocs_exceptions
from mkdocs.commands.build import (
    _build_extra_template,
    _build_page,
    _build_theme_template,
    _populate_page,
)
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.structure.files import get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.yaml import yaml_load

from buildcase.cache.templates import compiled_templates
from buildcase.engines import SiteTask
from buildcase.errors import Location, RenderError, WorkspaceError
from buildcase.i18n import language as catalogue
from buildcase.logs import captured_warnings
from buildcase.render.qr import site_address
from buildcase.workspace.layout import ASSETS, logo_name
from buildcase.workspace.trust import code_in_config, safe_config

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
    task = SiteTask(
        base_config=base_config, pages=pages, nav=nav, site_name=site_name,
        assets_dir=assets_dir, site_dir=site_dir, epoch=epoch, logo=logo, brand_css=brand_css,
        language=language, description=description, slug=slug,
    )  # fmt: skip
    files, overrides = site_inputs(task)
    with tempfile.TemporaryDirectory(
        prefix=".docs.", suffix=".tmp", dir=site_dir.absolute().parent
    ) as tmp:
        copy_assets(assets_dir, Path(tmp, ASSETS))
        for name, data in files.items():
            Path(tmp, name).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, name).write_bytes(data)
        with (
            captured_warnings("mkdocs") as warnings,
            source_date_epoch(epoch),
            mkdocs_errors(base_config),
        ):
            mkdocs_build(site_config(base_config, Path(tmp), site_dir, overrides))
            # A 404 page only serves a web server's root; its absolute links break
            # from disk and in the sub-folder each proposal lives in.
            (site_dir / "404.html").unlink(missing_ok=True)
    return warnings


def site_inputs(task: SiteTask) -> tuple[dict[str, bytes], dict[str, Any]]:
    """What MkDocs reads from the docs folder besides buildcase's assets (the pages, the
    proposal's logo and colours), by file name; and what buildcase sets on the base
    configuration (`site_overrides`), the theme's `custom_dir` included."""
    files = {name: text.encode("utf-8") for name, text in task.pages.items()}
    brand: dict[str, str] = {}
    if task.logo is not None:
        brand["logo"] = logo_name(task.logo.suffix)
        files[brand["logo"]] = _logo_bytes(task.logo)
    if task.brand_css:
        brand["css"] = f"{ASSETS}/brand/brand.css"
        colours = (
            "--md-primary-fg-color: var(--bc-primary, #3949ab); "
            "--md-accent-fg-color: var(--bc-accent, var(--bc-primary, #3949ab));"
        )
        css = f":root {{ {task.brand_css} }}\n[data-md-color-primary] {{ {colours} }}\n"
        files[brand["css"]] = css.encode("utf-8")
    overrides = site_overrides(
        task.base_config, task.nav, task.site_name, task.language, brand, task.description,
        task.slug,
    )  # fmt: skip
    if "custom_dir" not in overrides["theme"]:  # a workspace's own custom_dir wins
        overrides["theme"]["custom_dir"] = str(task.assets_dir.parent / "overrides")
    return files, overrides


def site_config(
    base_config: Path, docs_dir: Path, site_dir: Path, overrides: dict[str, Any]
) -> Any:
    """The configuration of one site: the base, read by MkDocs, and `overrides`; every
    Jinja environment its theme makes shares the compiled templates (as `hook` gives the
    build's own: Material's search plugin makes three more, to translate its settings)."""
    config = load_config(
        config_file=str(base_config),
        docs_dir=str(docs_dir),
        site_dir=str(site_dir.absolute()),  # else relative to the config file
        **overrides,
    )
    make_env = config.theme.get_env

    def get_env() -> Any:
        env = make_env()
        env.bytecode_cache = compiled_templates()
        return env

    setattr(config.theme, "get_env", get_env)  # noqa: B010  # an instance's own, not Theme's
    return config


@contextmanager
def mkdocs_errors(base_config: Path) -> Iterator[None]:
    """MkDocs' failures as buildcase's: a configuration it refuses is the workspace's."""
    try:
        yield
    except (mkdocs_exceptions.ConfigurationError, mkdocs_exceptions.Abort) as e:
        raise WorkspaceError(f"{base_config}: the MkDocs configuration is invalid: {e}") from e
    except mkdocs_exceptions.MkDocsException as e:
        raise RenderError(Location(base_config), f"MkDocs failed: {e}") from e


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
def source_date_epoch(epoch: int) -> Iterator[None]:
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


def copy_assets(source: Path, target: Path) -> None:
    """buildcase's assets, as each site publishes them."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))


# --- a site made from what the last build left (the live preview's, issue 32) -----------

KNOWN_PLUGINS = frozenset({"material/search", "material/offline", str(THEME_HOOK)})


@dataclass
class Made:
    """A file of a site as a build made it: from what (`key`), as which file (`inode`); a
    page with the page (what the rest of a build reads of it) and its search entries."""

    key: str
    inode: tuple[int, int] | None  # device and inode
    page: Any = None
    entries: list[Any] = field(default_factory=list)


# (destination, key, target) -> the last build's file there made from `key`, linked to
# `target`; None: make it
Reuse = Callable[[str, str, str], "Made | None"]


def build_reusing(
    config: Any, inputs: str, sources: dict[str, bytes], reuse: Reuse, log: list[str]
) -> dict[str, Made]:
    """MkDocs' `build()` of `config` (its docs folder holding `sources` as well as the
    assets; `inputs`: all else a page is made from), step for step but for the files
    `reuse` links (pages unchanged, with what each gave last time) and the 404 page (see
    `build_site`); what each file was made from, by destination (`inode` None if new)."""
    counted = len(log)
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files, env = get_files(config), config.theme.get_env()
        theme = ThemeListing(config.theme.dirs)
        files.add_files_from_theme(cast(Any, theme), config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = config.plugins.on_nav(get_navigation(files, config), config=config, files=files)
        base = _digest(inputs, theme.signature, repr(sorted(f.src_uri for f in files)))
        made = _pages_read(config, files, base, sources, reuse, log)
        env = config.plugins.on_env(env, config=config, files=files)
        made.update(_static_copied(files, reuse))
        for template in sorted(config.theme.static_templates - {"404.html"}):
            _build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            _build_extra_template(template, files, config, nav)
        _pages_written(config, files, nav, env, made, log)
        config.plugins.on_post_build(config=config)
        if config.strict and (count := len(log) - counted):
            raise mkdocs_exceptions.Abort(f"Aborted with {count} warnings in strict mode!")
    except Exception as e:
        config.plugins.on_build_error(error=e)
        if isinstance(e, mkdocs_exceptions.BuildError):
            raise mkdocs_exceptions.Abort("Aborted with a BuildError!") from e
        raise
    return made


def _pages_read(
    config: Any, files: Any, base: str, sources: dict[str, bytes], reuse: Reuse, log: list[str]
) -> dict[str, Made]:
    """Each page read and rendered; or reused, as it was last time. A page that gave a
    warning is made every time (every build says so); none is reused where a plugin not
    ours would see it made, or a trusted mkdocs.yml has code or an extension reading files."""
    reusing = _search_entries(config) is not None and set(config.plugins) <= KNOWN_PLUGINS
    reusing = reusing and not code_in_config(Path(config.config_file_path))
    made = {}
    for file in files.documentation_pages():
        if file.page is None and file.inclusion.is_not_in_nav():
            Page(None, file, config)
        key = _digest(base, sources[file.src_uri]) if file.src_uri in sources else ""
        if reusing and key and (old := reuse(file.dest_uri, key, file.abs_dest_path)):
            _restore(file, old.page, files, config)
            made[file.dest_uri] = replace(old, page=file.page)
            continue
        warned = len(log)
        _populate_page(file.page, config, files)
        made[file.dest_uri] = Made(key if len(log) == warned else "", None, file.page)
    return made


def _pages_written(
    config: Any, files: Any, nav: Any, env: Any, made: dict[str, Made], log: list[str]
) -> None:
    """Each page not reused written, and what it adds to the search index kept with it;
    every page's links to anchors checked."""
    pages, entries = files.documentation_pages(), _search_entries(config)
    entries = entries if entries is not None else []
    for file in pages:
        page = made[file.dest_uri]
        if page.inode is not None:  # linked
            entries.extend(page.entries)
            continue
        first, warned = len(entries), len(log)
        _build_page(file.page, config, pages, nav, env)
        page.entries, page.key = entries[first:], page.key if len(log) == warned else ""
    for file in pages:
        file.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)


def _static_copied(files: Any, reuse: Reuse) -> dict[str, Made]:
    """MkDocs' `copy_static_files`, a file unchanged since the last build linked."""
    made = {}
    for file in files:
        if file.is_documentation_page() or not file.inclusion.is_included():
            continue
        source = file.abs_src_path and os.stat(file.abs_src_path)  # or made in memory
        key = f"{file.abs_src_path} {source.st_size} {source.st_mtime_ns}" if source else ""
        if not (key and (old := reuse(file.dest_uri, key, file.abs_dest_path))):
            file.copy_file()
            old = Made(key, None)
        made[file.dest_uri] = old
    return made


def _restore(file: Any, before: Any, files: Any, config: Any) -> None:
    """A reused page as the rest of a build reads it: its source read (its title and
    metadata), what rendering it gave last time (`before`) put back."""
    page = file.page
    page.read_source(config)
    for name in ("content", "toc", "_title_from_render", "present_anchor_ids"):
        setattr(page, name, getattr(before, name))
    if (links := before.links_to_anchors) is not None:  # to this build's pages
        page.links_to_anchors = {
            new: anchors for old, anchors in links.items()
            if (new := files.get_file_from_path(old.src_uri)) is not None
        }  # fmt: skip


class ThemeListing:
    """The files of a theme's folders, listed as Jinja lists them for MkDocs (which keeps
    the static ones, no hidden path among them) without walking hidden folders: Material's
    `.icons` holds 14,000 icons no build copies. `signature`: each file's size and time."""

    def __init__(self, dirs: list[str]) -> None:
        self.found: dict[str, tuple[int, int, int]] = {}
        for number, top in enumerate(dirs):
            for folder, subfolders, names in os.walk(top):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                for path in (os.path.join(folder, name) for name in names):
                    with suppress(OSError):  # a broken link: listed, never copied
                        stat = os.stat(path)
                        what = (number, stat.st_size, stat.st_mtime_ns)
                        self.found.setdefault(os.path.relpath(path, top).replace(os.sep, "/"), what)
        self.signature = repr(sorted(self.found.items()))

    def list_templates(self, filter_func: Callable[[str], bool]) -> list[str]:
        return sorted(name for name in self.found if filter_func(name))


def _search_entries(config: Any) -> list[Any] | None:
    """The search index's entries, where its plugin is Material's (each page's are kept)."""
    for plugin in config.plugins.values():
        entries = getattr(getattr(plugin, "search_index", None), "entries", None)
        if isinstance(entries, list):
            return entries
    return None


def _digest(*parts: str | bytes) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()
