"""The structure of the code, measured from its import statements (parsed, not run)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "buildcase"


def module_name(path: Path) -> str:
    """`buildcase/compute/money.py` -> `buildcase.compute.money`; a package's `__init__`
    is the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """Every module an import statement of `path` names (`from a import b` names `a` and,
    where `b` is a module, `a.b`), with the statement, and whether it is inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[str, ast.stmt, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the package, `level` - 1 steps up
                    up = package[: len(package) - (child.level - 1)]
                    base = ".".join([*up, base] if base else up)
                found.append((base, child, inside))
                found.extend((f"{base}.{alias.name}", child, inside) for alias in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def modules(folder: str) -> dict[str, Path]:
    return {module_name(path): path for path in sorted((PACKAGE / folder).glob("*.py"))}


def test_validate_imports_nothing_from_compute_and_compute_has_no_circle() -> None:
    """Validate reads the proposal only: the checks that need computed figures run after
    compute (compute/checks.py). Inside compute the modules import one another without a
    circle (the shared shapes are in compute/records.py) and never from inside a function,
    where an import would hide one."""
    validate = modules("validate")
    assert validate, "the validate package is where this test looks"
    for name, path in validate.items():
        for target, statement, _ in imported(path):
            assert not (target == "buildcase.compute" or target.startswith("buildcase.compute.")), (
                f"{path.relative_to(PACKAGE.parent)}:{statement.lineno}: {name} imports {target}"
            )

    compute = modules("compute")
    assert "buildcase.compute.records" in compute
    graph: dict[str, set[str]] = {}
    for name, path in compute.items():
        graph[name] = set()
        for target, statement, in_function in imported(path):
            assert not in_function, (
                f"{path.relative_to(PACKAGE.parent)}:{statement.lineno}: an import inside a "
                f"function ({target})"
            )
            if target in compute and target != name:
                graph[name].add(target)

    # A depth-first walk: a module met again while it is still being walked closes a circle.
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            circle = [*path[path.index(name) :], name]
            raise AssertionError("an import circle in compute: " + " -> ".join(circle))
        if name in done:
            return
        for target in sorted(graph[name]):
            walk(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        walk(name, [])


# Each engine's libraries, and the folder (or module) of buildcase that alone may import them.
ENGINE_LIBRARIES = {
    "mkdocs": "engines/mkdocs",
    "material": "engines/mkdocs",
    "weasyprint": "engines/weasyprint",
    "pydyf": "engines/weasyprint",  # WeasyPrint's PDF writer
    "pptx": "engines/pptx",  # python-pptx: the board pack's PowerPoint
    "xlsxwriter": "engines/xlsx.py",  # the board pack's workbook
}


def engine_imports(path: Path) -> list[tuple[str, int]]:
    """The engine libraries `path` imports, at any depth (inside a function too, or by
    `importlib.import_module("...")`), with the line of each import."""
    found = [
        (target.split(".")[0], statement.lineno)
        for target, statement, _ in imported(path)
        if target.split(".")[0] in ENGINE_LIBRARIES
    ]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] in ENGINE_LIBRARIES
        ):
            found.append((str(node.args[0].value).split(".")[0], node.lineno))
    return list(dict.fromkeys(found))  # `from mkdocs import x` names mkdocs and mkdocs.x


def test_each_engine_library_is_imported_by_its_engine_alone() -> None:
    """MkDocs (and Material) only under buildcase/engines/mkdocs, WeasyPrint only under
    buildcase/engines/weasyprint: swapping an engine touches one folder, and the light
    commands (check, schema, new) cannot pull an engine in by way of a shared module."""
    modules_seen = sorted(PACKAGE.rglob("*.py"))
    assert any(p.is_relative_to(PACKAGE / "engines" / "mkdocs") for p in modules_seen)
    assert any(p.is_relative_to(PACKAGE / "engines" / "weasyprint") for p in modules_seen)
    misplaced = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {library}, which only "
        f"buildcase/{ENGINE_LIBRARIES[library]} may"
        for path in modules_seen
        for library, line in engine_imports(path)
        if not path.relative_to(PACKAGE).as_posix().startswith(ENGINE_LIBRARIES[library])
    ]
    assert not misplaced, "\n".join(misplaced)


# --- the stages, the size of a module, and the contributors' guide --------------------------

ROOT = PACKAGE.parent
STAGES = ["load", "models", "validate", "compute", "render", "engines", "write"]
AFTER_STAGES = ["pipeline", "commands", "cli", "cli_parser"]
SHARED = ["errors", "limits", "logs", "markup", "i18n", "workspace", "cache"]
MAX_LINES = 450


def layer(module: str) -> int | None:
    """Where a module of buildcase sits: shared modules first (0), then each stage in
    pipeline order, then what runs the pipeline; None for the package itself."""
    parts = module.split(".")
    if parts[0] != "buildcase" or len(parts) < 2:
        return None
    name = parts[1]
    if name in SHARED:
        return 0
    if name in STAGES:
        return 1 + STAGES.index(name)
    if name in AFTER_STAGES:
        return 1 + len(STAGES)
    return None


def every_module() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_stage_imports_a_later_one_and_shared_modules_import_no_stage() -> None:
    late = []
    for path in every_module():
        own = layer(module_name(path))
        if own is None:
            continue
        for name, statement, _ in imported(path):
            other = layer(name)
            if other is not None and other > own:
                late.append(f"{path.relative_to(ROOT)}:{statement.lineno} imports {name}")
    assert late == []


def test_every_module_has_a_place_and_none_is_over_450_lines() -> None:
    placeless = [
        str(p.relative_to(ROOT))
        for p in every_module()
        if layer(module_name(p)) is None and p.parent != PACKAGE
    ]
    assert placeless == []
    long = {
        str(p.relative_to(ROOT)): n
        for p in every_module()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_package_re_exports_names_with_a_star() -> None:
    stars = [
        f"{path.relative_to(ROOT)}:{statement.lineno}"
        for path in every_module()
        for _, statement, _ in imported(path)
        if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names)
    ]
    assert stars == []


def test_contributing_lists_every_module_of_the_tree() -> None:
    """CONTRIBUTING.md is how the next engineer finds their way: its map of the modules must
    be the tree as it is."""
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(buildcase/[\w/]+\.py)` \|", guide, flags=re.M))
    actual = {str(p.relative_to(ROOT)) for p in every_module()}
    assert sorted(actual - listed) == [], "modules CONTRIBUTING.md does not list"
    assert sorted(listed - actual) == [], "modules CONTRIBUTING.md lists that do not exist"
