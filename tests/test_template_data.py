"""A proposal's own templates see plain data and call only what is listed (issue 33).

Each attack below once worked: a pydantic model in the context answered `parse_raw` with
a pickle (a shell command ran) and `parse_file` with any file of the machine. Each is now
a located error from `check` and `build`, and nothing runs.
"""

from __future__ import annotations

import os
import shutil
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from pydantic import BaseModel

from buildcase.compute import Case, build_case
from buildcase.load import load_proposal
from buildcase.render import environment
from buildcase.render.case import _render_case, render_case
from buildcase.render.environment import template_environment
from buildcase.render.template_data import (
    SCALARS,
    Functions,
    Items,
    Record,
    TemplateFunction,
    plain_context,
)
from buildcase.validate import validate_proposal
from buildcase.workspace import template_dirs

from .conftest import MINIMAL, PROPOSALS, REFERENCE, run_cli, write_proposal

INDEX = "templates/site/index.md.j2"
EXAMPLES = sorted(p.name for p in PROPOSALS.iterdir() if (p / "proposal.yaml").is_file())
# `os.system("touch pwned")` as a protocol-0 pickle: what `parse_raw(..., proto='pickle')`
# would have run.
PICKLE = "cposix\\nsystem\\n(Vtouch pwned\\ntR."


def own_template(folder: Path, text: str, name: str = INDEX) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def check_and_build(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[str, str]:
    """`check` then `build` of a proposal whose template must be refused: both exit 1."""
    code, _, checked = run_cli(capsys, "check", str(folder))
    assert code == 1, checked
    code, _, built = run_cli(capsys, "build", str(folder))
    assert code == 1, built
    for err in (checked, built):
        assert "internal error" not in err and "Traceback" not in err
    return checked, built


@pytest.mark.parametrize(
    "expression",
    [
        f"p.prepared_by.parse_raw('{PICKLE}', proto='pickle', allow_pickle=True)",
        f"p.parse_raw('{PICKLE}', proto='pickle', allow_pickle=True)",
        "case.proposal.prepared_by.model_validate_json('{}')",
        "p.benefits[0].copy(update={'title': 'x'})",
    ],
)
def test_a_model_in_the_context_cannot_run_a_command(
    workspace: Path, capsys: pytest.CaptureFixture[str], expression: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Hi\n{{ " + expression + " }}\n")
    checked, built = check_and_build(capsys, folder)
    assert not (workspace / "pwned").exists()
    assert f"proposals/p/{INDEX}:2:" in checked
    assert f"{INDEX}:2:" in built


@pytest.mark.parametrize("target", ["/etc/passwd", "secret.json beside the workspace"])
def test_a_model_in_the_context_cannot_read_a_file(
    workspace: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    secret = workspace.parent / "secret.json"
    secret.write_text('{"name": "SECRET-MARKER", "role": "x"}')
    target = target if target.startswith("/") else str(secret)
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, "# Hi\n{{ p.prepared_by.parse_file('" + target + "') }}\n")
    checked, built = check_and_build(capsys, folder)
    assert "SECRET-MARKER" not in checked + built
    assert not (workspace / "site" / "p").exists()


def test_a_list_cannot_be_changed_through_a_type_found_in_the_data(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The models' annotations once led to `list[...]`, whose `append` took any list."""
    folder = write_proposal(workspace, MINIMAL)
    own_template(
        folder,
        "# Hi\n{% set t = p.model_fields['benefits'].annotation %}{{ t.append(p.benefits, 1) }}\n",
    )
    check_and_build(capsys, folder)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("# Hi\n\n{{ 1 // 0 }}\n", "ZeroDivisionError"),
        ("# Hi\n{% macro r(n) %}{{ r(n) }}{% endmacro %}\n{{ r(1) }}\n", "RecursionError"),
        ("# Hi\n{% for i in range(10**9) %}{% endfor %}\n", "Range too big"),
        ("# Hi\n{% include 'a\\x00b' %}\n", "NUL"),
        ("# Hi\n{{ p.title.center(10) }}\n", "unsafe"),
        ("# Hi\n{{ (p.title ~ '').encode() }}\n", "unsafe"),
    ],
)
def test_whatever_a_template_raises_is_a_located_error(
    workspace: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    own_template(folder, text)
    checked, built = check_and_build(capsys, folder)
    for err in (checked, built):
        assert says in err
        assert f"{INDEX}:" in err


def test_a_template_hard_linked_to_a_file_outside_is_refused(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hard link is the file outside itself: an unpacked archive can hold one."""
    secret = workspace / "secret.md"
    secret.write_text("# SECRET-MARKER\n")
    folder = write_proposal(workspace, MINIMAL)
    (folder / "templates" / "site").mkdir(parents=True)
    os.link(secret, folder / INDEX)
    checked, built = check_and_build(capsys, folder)
    for err in (checked, built):
        assert "hard link" in err and "SECRET-MARKER" not in err
    assert not (workspace / "site" / "p").exists()


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_the_default_templates_render_the_same_from_plain_data(
    workspace: Path, example: str
) -> None:
    """A proposal that overrides one template gets every other default rendered in the
    sandbox from plain data: each page, handout and deck must come out byte for byte as
    it does outside it."""
    folder = workspace / "proposals" / example
    shutil.copytree(PROPOSALS / example, folder)
    case = _case(folder)
    search_path = template_dirs(folder, workspace)
    outside = render_case(case, search_path, "a4", "2026-11-22T00:00:00Z")
    own_template(folder, "{# nothing of ours is used #}", "templates/unused.j2")
    inside = render_case(
        case, search_path, "a4", "2026-11-22T00:00:00Z", untrusted=folder / "templates"
    )
    assert inside.pages == outside.pages
    assert inside.handouts == outside.handouts
    assert inside.decks == outside.decks


# The contexts a proposal's templates are given, and everything reachable from them.


def _case(folder: Path) -> Case:
    proposal, _ = validate_proposal(load_proposal(folder))
    return build_case(proposal, folder.name)


@pytest.fixture(scope="module")
def sandboxed_contexts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The sandbox environment and every context the reference proposal's templates get
    in it (pages, handouts, decks), as plain data, captured in this process."""
    workspace = tmp_path_factory.mktemp("ws")
    folder = workspace / "proposals" / REFERENCE.name
    shutil.copytree(REFERENCE, folder)
    own_template(folder, "{# ours #}", "templates/unused.j2")
    untrusted = folder / "templates"
    trusted = tuple(p for p in template_dirs(folder, workspace) if p.is_dir() and p != untrusted)
    env = template_environment(trusted, untrusted)
    contexts: list[dict[str, Any]] = []

    def capture(context: dict[str, Any]) -> dict[str, Any]:
        contexts.append(plain_context(context))
        return contexts[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(environment, "plain_context", capture)
        _render_case(env, _case(folder), "a4", "", None, None)
    assert len(contexts) > 10  # pages, handouts and decks
    yield env, contexts


def _allowed(env: Any, value: Any) -> bool:
    """Plain data, or a function on the list: what a template may hold."""
    if isinstance(value, (BaseModel, type, types.ModuleType)):
        return False
    if isinstance(value, jinja2.Undefined):
        return True  # a refused or missing name: printing or calling it fails
    if callable(value) and not isinstance(value, (Record, Functions)):
        return bool(env.is_safe_callable(value))
    data = (*SCALARS, Markup, Items, frozenset, types.MappingProxyType, Record)
    return isinstance(value, (*data, TemplateFunction))


def _names(value: Any) -> list[str]:
    names = {n for n in dir(value)}
    if isinstance(value, (Record, types.MappingProxyType)):
        names |= {k for k in value if isinstance(k, str)}
    return sorted(names)


def _reachable(env: Any, roots: dict[str, Any], depth: int) -> Iterator[tuple[str, Any]]:
    """Every value a chain of attributes and items of at most `depth` steps reaches from
    the context, read as the sandbox reads it, with the chain that reached it."""
    seen: set[int] = set()
    frontier = list(roots.items())
    for _ in range(depth):
        following = []
        for chain, value in frontier:
            if id(value) in seen:
                continue
            seen.add(id(value))
            yield chain, value
            if isinstance(value, (str, int, float, jinja2.Undefined)) or value is None:
                continue
            children = [(f"{chain}.{n}", env.getattr(value, n)) for n in _names(value)]
            if isinstance(value, tuple):
                children += [(f"{chain}[{i}]", v) for i, v in enumerate(value[:3])]
            following += children
        frontier = following


@pytest.mark.slow
def test_nothing_reachable_from_the_context_is_a_model_or_an_unlisted_callable(
    sandboxed_contexts: Any,
) -> None:
    env, contexts = sandboxed_contexts
    for context in contexts[:: max(1, len(contexts) // 4)]:
        for chain, value in _reachable(env, context, depth=5):
            assert _allowed(env, value), f"{chain} reaches {type(value)!r}"


_VOCABULARY = sorted(
    {
        *dir(BaseModel),
        *dir(""),
        *dir(()),
        *dir({}),
        "p",
        "case",
        "fmt",
        "e",
        "a",
        "deck",
        "charts",
        "proposal",
        "benefits",
        "risks",
        "prepared_by",
        "lead",
        "figures",
        "annotation",
        "model_fields",
        "append",
        "mro",
        "parse_raw",
        "parse_file",
        "money",
        "items",
        "get",
        "impact",
        "audiences",
        "editions",
    }
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    root=st.sampled_from(["p", "case", "fmt", "e", "charts", "_", "pages", "page_links"]),
    steps=st.lists(
        st.one_of(
            st.sampled_from(_VOCABULARY).map(lambda n: f".{n}"),
            st.sampled_from(["[0]", "['title']", "()", "('x')", "(1)"]),
        ),
        max_size=6,
    ),
)
def test_random_chains_over_the_context_reach_nothing_unlisted(
    sandboxed_contexts: Any, root: str, steps: list[str]
) -> None:
    """Random attributes, items and calls from the context: each either fails (refused,
    undefined, wrong arguments) or gives plain data or a listed function."""
    env, contexts = sandboxed_contexts
    context = next(c for c in contexts if c.get("e") is not None)  # a handout's
    expression = root + "".join(steps)
    try:
        value = env.compile_expression(expression, undefined_to_none=False)(**context)
    except Exception:
        return  # refused, undefined or a bad call: nothing reached
    assert _allowed(env, value), f"{expression} reaches {type(value)!r}"
