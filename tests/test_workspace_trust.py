"""The workspace is never the proposal handed over, and its mkdocs.yml runs no code unasked.

MkDocs runs what its configuration names: hooks, plugins, Markdown extensions imported by
name, a theme's templates, another configuration (INHERIT) and `!!python/` tags, which
its YAML loader turns into calls while reading. Each attack here would create a marker
file; the marker must never appear, and `check` must refuse in the words `build` uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buildcase.workspace.trust import TRUST_VARIABLE, code_in_config

from .conftest import MINIMAL, run_cli, write_proposal


@pytest.fixture(autouse=True)
def no_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the environment of the test run trusts, these tests start from nothing."""
    monkeypatch.delenv(TRUST_VARIABLE, raising=False)


def evil_hook(folder: Path, marker: Path) -> None:
    """A hook file that, once run, leaves `marker` behind."""
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")


def refusal(stderr: str) -> str:
    """What the command said when it refused, from its first error line on (build may
    warn about fonts before)."""
    assert "buildcase: error: " in stderr, stderr
    return stderr[stderr.index("buildcase: error: ") :]


@pytest.mark.slow
def test_a_proposal_folder_is_never_read_as_the_workspace(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    (folder / "mkdocs.yml").write_text("site_name: x\nhooks:\n  - evil.py\n", encoding="utf-8")
    marker = workspace / "marker"
    evil_hook(folder, marker)
    monkeypatch.chdir(folder)
    checked = run_cli(capsys, "check", ".")
    built = run_cli(capsys, "build", ".")
    assert checked[0] == built[0] == 2
    assert refusal(checked[2]) == refusal(built[2])  # check says what build will do
    assert refusal(built[2]).splitlines() == [
        f"buildcase: error: {folder} holds proposal.yaml: a proposal's folder is never a workspace",
        "mkdocs.yml:1:1: error: the mkdocs.yml that came with a proposal is never read: it could run code on this machine",
        f"Build the proposal from your workspace, the folder holding proposals/: buildcase build {folder}",
    ]
    # Not even with the opt-in: a proposal's folder is not a workspace to trust.
    monkeypatch.setenv(TRUST_VARIABLE, str(folder))
    assert run_cli(capsys, "build", ".")[0] == 2
    assert not marker.exists()
    assert not (folder / "site").exists()  # refused before anything is written into it


@pytest.mark.slow
def test_hooks_in_a_workspace_need_the_opt_in(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_proposal(workspace, MINIMAL)
    (workspace / "mkdocs.yml").write_text(
        "site_name: Our proposals\nhooks:\n  - evil.py\n", encoding="utf-8"
    )
    marker = workspace / "marker"
    evil_hook(workspace, marker)
    expected = [
        "buildcase: error: mkdocs.yml would have MkDocs run code, in a workspace not trusted:",
        "mkdocs.yml:2:1: error: hooks: MkDocs would run the Python code in 'evil.py' at every build",
        f"If this folder and its code are yours, trust it: set {TRUST_VARIABLE}={workspace.resolve()} in the environment",
    ]
    for trusted in ("", ".", str(workspace / "proposals")):  # none names this workspace
        monkeypatch.setenv(TRUST_VARIABLE, trusted)
        checked, built = run_cli(capsys, "check"), run_cli(capsys, "build")
        assert checked[0] == built[0] == 2, trusted
        assert refusal(checked[2]).splitlines() == refusal(built[2]).splitlines() == expected
        assert not marker.exists()
    monkeypatch.setenv(TRUST_VARIABLE, f"/elsewhere:{workspace}")
    assert run_cli(capsys, "check")[0] == 0
    code, _, err = run_cli(capsys, "build")
    assert code == 0, err
    assert marker.exists()  # trusted, the hook ran


@pytest.mark.slow
def test_a_python_tag_in_mkdocs_yml_runs_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    marker = workspace / "marker"
    (workspace / "mkdocs.yml").write_text(
        f"site_name: x\nsite_author: !!python/object/apply:os.system ['touch {marker}']\n",
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, "build")
    assert code == 2
    assert (
        "mkdocs.yml:2:14: error: site_author: the tag !!python/object/apply:os.system makes "
        "MkDocs import and call Python"
    ) in err
    assert not marker.exists()


# Settings that load code, each beside one that does not (which must not be refused).
MIXED = """\
site_name: !ENV [SITE_NAME, Our proposals]
theme:
  name: material
  custom_dir: ../elsewhere
plugins:
  - search
  - offline
  - macros
markdown_extensions:
  - admonition
  - markdown.extensions.tables
  - pymdownx.superfences:SuperFencesCodeExtension
  - pymdownx.snippets
  - evil_module
hooks: []
INHERIT: ../shared.yml
site_author: !!python/object/apply:os.system ['touch marker']
defaults: &defaults
  hooks: [evil.py]
<<: *defaults
"""


def test_each_setting_that_loads_code_is_refused_where_it_is(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_proposal(workspace, MINIMAL)
    (workspace / "mkdocs.yml").write_text(MIXED, encoding="utf-8")
    code, _, err = run_cli(capsys, "check")
    assert code == 2
    located = [line for line in err.splitlines() if line.startswith("mkdocs.yml:")]
    assert located == [
        "mkdocs.yml:4:15: error: theme: custom_dir '../elsewhere' is outside this workspace: MkDocs would render the templates there, and a template can run code",
        "mkdocs.yml:8:5: error: plugins: 'macros' is not one of buildcase's own plugins (search, offline): MkDocs would load it, and a plugin can run code from this folder",
        "mkdocs.yml:13:5: error: markdown_extensions: 'pymdownx.snippets' reads files named in a page, outside what buildcase checks",
        "mkdocs.yml:14:5: error: markdown_extensions: 'evil_module' would be imported as Python by that name: only Python-Markdown's, PyMdown Extensions' and Material's extensions are used without trust",
        "mkdocs.yml:16:1: error: INHERIT: MkDocs would read another configuration too, one buildcase does not check",
        "mkdocs.yml:17:14: error: site_author: the tag !!python/object/apply:os.system makes MkDocs import and call Python",
        # merged in from `defaults` by `<<`
        "mkdocs.yml:19:3: error: hooks: MkDocs would run the Python code in 'evil.py' at every build",
    ]


def test_a_custom_dir_must_lie_inside_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "overrides").mkdir(parents=True)
    (workspace / "linked").symlink_to(tmp_path)
    config = workspace / "mkdocs.yml"
    for folder, refused in [
        ("overrides", False),
        ("./overrides/../overrides", False),
        ("..", True),
        ("overrides/../..", True),
        ("/etc", True),
        ("linked", True),  # inside by its name, outside by where it leads
        ("!ENV [THEME_DIR, overrides]", True),  # chosen only when MkDocs runs
    ]:
        config.write_text(f"theme:\n  name: material\n  custom_dir: {folder}\n", encoding="utf-8")
        assert bool(code_in_config(config)) == refused, folder


def test_a_config_of_aliases_is_checked_in_the_time_it_takes_to_read(tmp_path: Path) -> None:
    """A billion laughs in mkdocs.yml: ten levels of ten aliases, 10**10 paths to one
    tagged value, which is visited, and named, once."""
    lines = ["a0: &a0 [!!python/name:os.system '']"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 11)]
    config = tmp_path / "mkdocs.yml"
    config.write_text("\n".join(lines) + "\nextra: *a10\n", encoding="utf-8")
    assert [str(p) for p in code_in_config(config)] == [
        f"{config}:1:10: error: a0: the tag !!python/name:os.system makes MkDocs import and call Python"
    ]


@pytest.mark.slow
def test_a_config_nested_past_any_reason_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """libyaml's parser crashes the process on this; PyYAML's own raises, and is told."""
    config = tmp_path / "mkdocs.yml"
    config.write_text("extra: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    [problem] = code_in_config(config)
    assert str(problem).startswith(f"{config}:1:1: error: not valid YAML: maximum recursion")
