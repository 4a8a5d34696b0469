"""Dependencies past their known holes (issue 33): every floor in pyproject.toml excludes the
releases a published advisory names, Python 3.10 still installs, and the audit that
`./run test` runs (`./run audit` alone) fails on a finding, says so when no vulnerability
database answers, and passes only when every package buildcase ships was checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # mypy, a test tool, brings tomli on 3.10
    tomllib = pytest.importorskip("tomli")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = {
    canonicalize_name(r.name): r for r in map(Requirement, PYPROJECT["project"]["dependencies"])
}

# (package, the last release an advisory names, the first that fixes it, the advisory): the
# fix is for the reader, the floor may be past it (WeasyPrint's is past all three of 2026).
ADVISORIES = [
    ("weasyprint", "67.0", "68.0", "GHSA-983w-rhvv-gwmv"),  # CVE-2025-68616, SSRF via redirects
    ("weasyprint", "68.1", "69.0", "CVE-2026-49452"),  # CSS injection, presentational hints
    ("weasyprint", "69.0", "70.0", "GHSA-r543-q48m-4c9j"),  # CVE-2026-55073, EPS, URL fetcher
    ("mkdocs-material", "9.7.6", "9.7.7", "GHSA-xvg9-69gf-fjrf"),  # DOM XSS, search suggestions
    ("pymdown-extensions", "10.16", "10.16.1", "GHSA-r6h4-mm7h-8pmq"),  # PYSEC-2026-1825, ReDoS
    ("pymdown-extensions", "10.21.2", "10.21.3", "GHSA-62q4-447f-wv8h"),  # snippets traversal
    ("pymdown-extensions", "10.21.3", "11.0", "GHSA-9xwg-3r6f-jcx2"),  # b64 path traversal
    ("pymdown-extensions", "11.0", "11.0.1", "GHSA-gm37-52c6-37mw"),  # CVE-2026-67422, ReDoS
    ("markdown", "3.8", "3.8.1", "GHSA-5wmx-573v-2qwq"),  # CVE-2025-69534, crash
    ("pygments", "2.19.2", "2.20.0", "GHSA-5239-wwwm-4pmq"),  # CVE-2026-4539, ReDoS
    ("jinja2", "3.1.4", "3.1.5", "GHSA-q2x7-8rv6-6q7h"),  # sandbox, str.format
    ("jinja2", "3.1.4", "3.1.5", "GHSA-gmj6-6f8f-6699"),  # sandbox, file names
    ("jinja2", "3.1.5", "3.1.6", "GHSA-cpwx-vrp4-4pq7"),  # CVE-2025-27516, sandbox, |attr
]


@pytest.mark.parametrize(("package", "vulnerable", "fixed", "advisory"), ADVISORIES)
def test_every_floor_is_past_its_advisories(
    package: str, vulnerable: str, fixed: str, advisory: str
) -> None:
    spec = RUNTIME[package].specifier
    assert not spec.contains(vulnerable, prereleases=True), f"{package} {spec} lets in {advisory}"


def test_mkdocs_2_never_comes_in() -> None:
    # MkDocs 2.0 drops the config file, plugins and hooks that buildcase is built on.
    assert not RUNTIME["mkdocs"].specifier.contains("2.0", prereleases=True)
    assert RUNTIME["mkdocs"].specifier.contains("1.6.1")


def test_python_3_10_still_installs() -> None:
    # The README promises Python 3.10+. Material 9.8 and pymdown-extensions 13 need 3.11, and
    # Markdown 3.11 too: on 3.10 pip picks Material 9.7.7, pymdown-extensions 12.3 and Markdown
    # 3.10.x, and each must still be allowed (their Requires-Python, read from PyPI in 2026-12).
    assert PYPROJECT["project"]["requires-python"] == ">=3.10"
    for package, last_for_3_10 in [
        ("mkdocs-material", "9.7.7"),
        ("pymdown-extensions", "12.3"),
        ("markdown", "3.10.3"),
        ("weasyprint", "70.0"),  # needs 3.10 itself
    ]:
        assert RUNTIME[package].specifier.contains(last_for_3_10), package


def test_what_is_installed_keeps_the_floors() -> None:
    # `pip install -e ".[test]"` upgrades what is below a floor; an environment set up before
    # the floors rose must be installed again (./run does it every time).
    for name, requirement in RUNTIME.items():
        version = metadata.version(name)
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name} {version} is installed, pyproject.toml asks {requirement.specifier}: "
            'run pip install -e ".[test]"'
        )


def test_the_audit_tool_is_a_test_dependency() -> None:
    test_tools = [
        Requirement(r).name for r in PYPROJECT["project"]["optional-dependencies"]["test"]
    ]
    assert "pip-audit" in test_tools


# The audit, end to end (scripts/audit.py, as ./run runs it), with pip-audit replaced by a stand-in that answers as
# the real one does (its JSON on stdout; exit 1 on a finding; a traceback when it cannot
# connect), so that each verdict is seen without the network.
FAKE_PIP_AUDIT = """
import json, os, shutil, sys
args = sys.argv[1:]
service = args[args.index("--vulnerability-service") + 1]
requirements = args[args.index("--requirement") + 1]
if os.environ.get("FAKE_AUDIT_LOG"):
    shutil.copy(requirements, os.environ["FAKE_AUDIT_LOG"])
names = [line.split("==") for line in open(requirements).read().split()]
answer = json.loads(os.environ["FAKE_AUDIT"])[service]
if answer == "broken":
    raise RuntimeError("pip-audit broke")
if answer == "unreachable":
    sys.exit("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', "
             "port=443): Max retries exceeded with url: /v1/query (Caused by NameResolutionError("
             "\\"Failed to resolve 'api.osv.dev' ([Errno -2] Name or service not known)\\"))")
deps = []
for name, version in names:
    if answer == "404":
        deps.append({"name": name, "skip_reason": "Dependency not found on PyPI and could "
                     f"not be audited: {name} ({version})"})
    elif answer == "jinja2" and name == "jinja2":
        deps.append({"name": name, "version": version, "vulns": [{
            "id": "GHSA-test-0000-0000", "fix_versions": ["3.1.99"], "aliases": ["CVE-2026-0"],
            "description": "a test advisory"}]})
    else:
        deps.append({"name": name, "version": version, "vulns": []})
print(json.dumps({"dependencies": deps, "fixes": []}))
sys.exit(1 if any(d.get("vulns") for d in deps) else 0)
"""


def audit(
    tmp_path: Path, log: Path | None = None, **answers: str
) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "fake" / "pip_audit"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(textwrap.dedent(FAKE_PIP_AUDIT))
    env = {
        **os.environ,
        "PYTHONPATH": str(fake.parent),
        "FAKE_AUDIT": json.dumps(answers),
        "FAKE_AUDIT_LOG": str(log or ""),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_known_vulnerability_fails_the_audit(tmp_path: Path) -> None:
    result = audit(tmp_path, pypi="jinja2", osv="clean")
    assert result.returncode == 1, result.stdout + result.stderr
    jinja2 = metadata.version("jinja2")
    assert "audit: FAILED: 1 known vulnerability in what buildcase ships:" in result.stdout
    assert f"  jinja2 {jinja2}: GHSA-test-0000-0000, CVE-2026-0; fixed in 3.1.99" in result.stdout
    assert "Raise its floor in pyproject.toml" in result.stdout


def test_no_database_is_said_and_is_not_a_pass(tmp_path: Path) -> None:
    # What this machine does (2026-12): PyPI's per-release JSON answers 404 for every package
    # (pip-audit alone would then print "No known vulnerabilities found" and exit 0), and
    # api.osv.dev does not resolve.
    result = audit(tmp_path, pypi="404", osv="unreachable")
    assert result.returncode == 3, result.stdout + result.stderr
    out = result.stdout
    assert "audit: NOT DONE: pip-audit could not reach a vulnerability database" in out
    assert "(this is not a pass)" in out
    assert re.search(r"^  PyPI: (\d+) of \1 not audited; the first: ", out, re.M), out
    assert "not audited; the first: Dependency not found on PyPI" in out
    assert "OSV: api.osv.dev: Name or service not known" in out
    assert "no known vulnerability" not in out


def test_a_broken_pip_audit_fails_the_audit(tmp_path: Path) -> None:
    # Not a network it cannot have: a fault to fix, never a silent "not done".
    result = audit(tmp_path, pypi="404", osv="broken")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "audit: FAILED: pip-audit did not run:\n  OSV: RuntimeError: pip-audit broke" in (
        result.stdout
    )


def test_osv_answers_for_what_pypi_could_not(tmp_path: Path) -> None:
    result = audit(tmp_path, pypi="404", osv="clean")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit: no known vulnerability in the " in result.stdout
    assert "packages buildcase ships (pip-audit, OSV advisories)" in result.stdout


def test_a_clean_audit_is_a_pass(tmp_path: Path) -> None:
    result = audit(tmp_path, pypi="clean", osv="unreachable")  # OSV is not asked
    assert result.returncode == 0, result.stdout + result.stderr
    assert "audit: no known vulnerability in the " in result.stdout
    assert "packages buildcase ships (pip-audit, PyPI advisories)" in result.stdout


def test_the_audit_is_handed_what_buildcase_ships(tmp_path: Path) -> None:
    # Runtime dependencies and theirs, pinned as installed; not the test tools.
    log = tmp_path / "handed.txt"
    result = audit(tmp_path, log=log, pypi="clean", osv="clean")
    assert result.returncode == 0, result.stdout + result.stderr
    handed = dict(line.split("==") for line in log.read_text().split())
    for name in RUNTIME:
        assert handed[name] == metadata.version(name), name
    assert "brotli" in handed  # fonttools[woff], through WeasyPrint
    for tool in ("pytest", "pip-audit", "mypy", "playwright", "pdfplumber", "buildcase"):
        assert tool not in handed, tool
