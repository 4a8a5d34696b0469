"""Jinja for the render stage: the template environment (strict, escaping, cached), the
filters templates are given, and one template rendered with its errors located.

Templates are found the way MkDocs' `custom_dir` works: the proposal's own `templates/`
first, then the workspace's `templates/`, then the defaults shipped with buildcase. They
are strict (a missing variable fails) and escape everything; they format, never compute.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from buildcase.cache.templates import compiled_templates
from buildcase.errors import Location, RenderError
from buildcase.markup import escape_text, inline_markdown, plain_text
from buildcase.render.sandbox import (
    ConfinedLoader,
    ProposalSandbox,
    sandboxed_environment,
    template_line,
)
from buildcase.render.template_data import plain_context


def environment_for(search_path: list[Path], untrusted: Path | None = None) -> jinja2.Environment:
    """The environment of a search path: its folders that exist, a proposal's own
    (`untrusted`) apart, so that the same folders share one kept environment."""
    trusted = tuple(p for p in search_path if p.is_dir() and p != untrusted)
    return template_environment(trusted, untrusted)


@functools.lru_cache(maxsize=16)
def template_environment(
    search_path: tuple[Path, ...], untrusted: Path | None = None
) -> jinja2.Environment:
    """One environment per search path, kept: compiling templates is most of rendering,
    and Jinja recompiles a template only when its file changes. Trusted templates, once
    compiled, are also kept on disk for the next run (`cache.templates`).

    `untrusted` is a proposal's own templates folder, searched first: with it, every
    template renders in the sandbox (see `sandbox`)."""
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "finalize": _finalize,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if untrusted is None:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            bytecode_cache=compiled_templates(),
            **options,
        )
    else:
        env = sandboxed_environment(untrusted, list(search_path), **options)
    env.filters["md"] = _markdown
    env.filters["plain"] = plain_text
    return env


def _finalize(value: object) -> object:
    """Every value a template prints: Markup as is, anything else escaped for HTML and Markdown."""
    if isinstance(value, Markup):
        return value
    return escape_text("" if value is None else value)


@jinja2.pass_context
def _markdown(context: jinja2.runtime.Context, text: object) -> Markup:
    """`|md`: a text's inline Markdown as safe HTML. A handout is a document on its own,
    laid out from a folder of this machine: there a link without a scheme (`policy.html`)
    would point into that folder, so it is shown as text."""
    handout = (context.name or "").startswith(("handout/", "results/"))
    return inline_markdown(text, relative_links=not handout)


def render_template(env: jinja2.Environment, name: str, context: dict[str, object]) -> str:
    """One template rendered; in the sandbox, from plain data only (`template_data`).

    Whatever a template raises (a refused call, a division by zero, a recursion, a name
    with a NUL) becomes a RenderError located at the template's line."""
    if isinstance(env, ProposalSandbox):
        context = plain_context(context)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as e:
        where = Location(Path(e.filename or name), e.lineno or 1)
        raise RenderError(where, f"template syntax: {e.message}") from e
    except jinja2.TemplateError as e:
        raise RenderError(_error_location(env, name, e), f"template: {e}") from e
    except (MemoryError, RenderError):
        raise
    except Exception as e:  # a template's own fault: located, not an internal error
        message = f"template: {type(e).__name__}: {str(e)[:300]}"
        raise RenderError(_error_location(env, name, e), message) from e


def _error_location(env: jinja2.Environment, name: str, error: Exception) -> Location:
    """Where a template failed: the line of a proposal's own template where the traceback
    passes through one, else of any other template, else the file that was asked for."""
    for folder in _template_folders(env):
        found = template_line(error, folder)
        if found:
            return Location(*found)
    return Location(Path(_template_file(env, name)))


def _template_folders(env: jinja2.Environment) -> list[Path]:
    """The folders templates are loaded from, a proposal's own first."""
    loaders = getattr(env.loader, "loaders", [env.loader])
    folders = []
    for loader in loaders:
        if isinstance(loader, ConfinedLoader):
            folders.append(loader.folder)
        elif isinstance(loader, jinja2.FileSystemLoader):
            folders.extend(Path(p) for p in loader.searchpath)
    return folders


def _template_file(env: jinja2.Environment, name: str) -> str:
    """The file a template was loaded from, for a failure's location; its name where the
    loader cannot say."""
    if env.loader is None:
        return name
    try:
        _, filename, _ = env.loader.get_source(env, name)
    except (jinja2.TemplateError, OSError, ValueError):  # missing, or refused by the loader
        return name
    return filename or name
