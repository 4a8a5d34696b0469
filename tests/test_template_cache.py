"""Compiled templates kept between runs (buildcase/template_cache.py): a new process loads
buildcase's templates compiled instead of compiling them again, never from a folder another
user could write to, and never with code compiled under other settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from buildcase.template_cache import CompiledTemplates, cache_folder

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def environment(cache: CompiledTemplates, **options: object) -> jinja2.Environment:
    """An environment on buildcase's templates (with stand-ins for its filters)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), bytecode_cache=cache, **options
    )
    env.filters.update(md=str, plain=str)
    return env


def compiles(env: jinja2.Environment, name: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many times Jinja compiled source to load `name`."""
    calls = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, *args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    env.get_template(name)
    monkeypatch.undo()
    return len(calls)


def test_a_new_process_loads_the_compiled_deck_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = environment(CompiledTemplates(tmp_path))
    assert compiles(first, "present/deck.html.j2", monkeypatch) == 1
    assert list(tmp_path.glob("__jinja2_*.cache"))
    # A fresh cache object and environment: what a new process starts with.
    second = environment(CompiledTemplates(tmp_path))
    assert compiles(second, "present/deck.html.j2", monkeypatch) == 0


def test_code_loaded_from_disk_renders_as_compiled(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "page.j2").write_text("{% for n in items %}{{ n * 2 }},{% endfor %}")

    def render() -> str:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(tmp_path / "t")),
            bytecode_cache=CompiledTemplates(tmp_path / "cache"),
        )
        return env.get_template("page.j2").render(items=[1, 2, 3])

    (tmp_path / "cache").mkdir()
    assert render() == "2,4,6,"  # compiled and stored
    assert render() == "2,4,6,"  # loaded
    (tmp_path / "t" / "page.j2").write_text("{{ items|length }}")
    assert render() == "3"  # the source changed: compiled anew


def test_other_compiler_settings_never_share_compiled_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment(CompiledTemplates(tmp_path)).get_template("site/_macros.j2")
    trimmed = environment(CompiledTemplates(tmp_path), trim_blocks=True)
    assert compiles(trimmed, "site/_macros.j2", monkeypatch) == 1


def test_a_folder_others_can_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder("templates") == tmp_path / "buildcase" / "templates"
    (tmp_path / "buildcase" / "templates").chmod(0o777)
    assert cache_folder("templates") is None


def test_without_a_writable_cache_builds_still_work(tmp_path: Path) -> None:
    """A read-only home (a locked-down laptop, a container): templates are kept in memory."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocked)}
    code = "from buildcase.template_cache import compiled_templates as c; print(c().disk is None)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
