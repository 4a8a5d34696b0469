"""Compiled templates kept between runs (buildcase/cache/templates.py): a new process loads
buildcase's templates compiled instead of compiling them again, and never code compiled
under other settings. What the cache refuses (folders others could change, entries it did
not sign) is tested in test_cache_security.py."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from buildcase.cache.templates import CompiledTemplates

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
    assert list((tmp_path / "buildcase" / "templates").glob("*.jinja"))
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


def test_without_a_usable_cache_folder_templates_are_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only home (a locked-down laptop, a container): nothing on disk, no error."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    cache = CompiledTemplates(blocked)
    env = environment(cache)
    assert compiles(env, "site/_macros.j2", monkeypatch) == 1
    assert compiles(environment(cache), "site/_macros.j2", monkeypatch) == 0  # from memory
    assert blocked.read_text() == "a file where the cache folder would go"
