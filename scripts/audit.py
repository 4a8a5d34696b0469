#!/usr/bin/env python3
"""The audit `./run test` makes before the tests (`./run audit` alone): buildcase's runtime
dependencies as installed (what `pip install buildcase` brings, not the test tools: those
never reach a user), each pinned at its installed version, checked by pip-audit against
PyPI's advisories, then OSV's for what PyPI could not answer.

Exit 0: no known vulnerability; 1: one at least (each printed, with its fix); 2: pip-audit
itself broke; 3: not done, because no database answered (said so, never counted as a
pass). A few seconds; one service is given 60 s at most.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

FOUND, BROKEN, NOT_DONE = 1, 2, 3
# How pip-audit ends when it cannot reach a service (requests' and its own exceptions).
NETWORK = re.compile(
    r"ConnectionError|Timeout|timed out|NameResolution|ServiceError|SSLError|"
    r"HTTPError|Max retries|Connection refused|Network is unreachable"
)
SERVICES = (("pypi", "PyPI"), ("osv", "OSV"))
TIMEOUT = 60  # seconds for one service at most (a few when it answers; 10 s if it never does)

try:
    import pip_audit  # noqa: F401
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    print('audit: NOT DONE: pip-audit is not installed (pip install -e ".[test]")')
    sys.exit(NOT_DONE)


def shipped() -> tuple[dict[str, str], list[str]]:
    """Every distribution buildcase needs at run time, with its installed version."""
    pins: dict[str, str] = {}
    absent: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [("buildcase", ())]
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            absent.append(name)
            continue
        if key[0] != "buildcase":
            pins[key[0]] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
                todo.append((req.name, tuple(sorted(req.extras))))
    return pins, absent


def reason(last: str) -> str:
    """pip-audit's last words, short: usually a host it could not reach, and why."""
    host = re.search(r"host='([^']+)'", last)
    why = re.search(r"\[Errno -?\d+\] ([^)'\"]+)|(timed out|Connection refused)", last)
    if host:
        return f"{host.group(1)}: {(why.group(1) or why.group(2)) if why else 'no connection'}"
    return last[:200]


pins, absent = shipped()
if "buildcase" in absent:
    print('audit: NOT DONE: buildcase is not installed (pip install -e ".[test]")')
    sys.exit(NOT_DONE)
audited: dict[str, str] = {}  # name -> the service that answered for it
found: dict[str, list[dict]] = {}
problems: list[str] = []  # a service that could not be reached, and why
broken: list[str] = []  # pip-audit failing for another reason: a fault to fix, not a network
with tempfile.TemporaryDirectory() as tmp:
    for service, label in SERVICES:
        left = {name: version for name, version in pins.items() if name not in audited}
        if not left:
            break
        requirements = Path(tmp, f"{service}.txt")
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(left.items())))
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--vulnerability-service",
            service,
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            "10",
        ]
        try:
            run = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            problems.append(f"{label}: no answer within {TIMEOUT} s")
            continue
        try:
            report = json.loads(run.stdout)
        except ValueError:
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            (problems if NETWORK.search(last) else broken).append(f"{label}: {reason(last)}")
            continue
        skipped = []
        for dep in report.get("dependencies", []):
            name = canonicalize_name(dep["name"])
            if "skip_reason" in dep:
                skipped.append(dep["skip_reason"])
                continue
            audited[name] = label
            if dep.get("vulns"):
                found[name] = dep["vulns"]
        if skipped:
            problems.append(
                f"{label}: {len(skipped)} of {len(left)} not audited; the first: {skipped[0]}"
            )

total = len(pins)
unchecked = sorted(set(pins) - set(audited))
if absent:
    print(f"audit: required but not installed: {', '.join(sorted(absent))}")
if found:
    count = sum(len(v) for v in found.values())
    print(
        f"audit: FAILED: {count} known vulnerabilit{'y' if count == 1 else 'ies'} in what "
        "buildcase ships:"
    )
    for name, vulns in sorted(found.items()):
        for vuln in vulns:
            ids = ", ".join([vuln["id"], *vuln.get("aliases", [])])
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(f"  {name} {pins[name]}: {ids}; fixed in {fixes}")
    print(
        "  Raise its floor in pyproject.toml past the fix (with the advisory's id), or "
        "upgrade it here: python3 -m pip install -U NAME"
    )
    if unchecked:
        print(f"  Not checked, no database answered: {', '.join(unchecked)}")
    sys.exit(FOUND)
if broken:
    print("audit: FAILED: pip-audit did not run:")
    for problem in broken:
        print(f"  {problem}")
    sys.exit(BROKEN)
if not unchecked:
    services = " and ".join(sorted(set(audited.values())))
    print(
        f"audit: no known vulnerability in the {total} packages buildcase ships "
        f"(pip-audit, {services} advisories)"
    )
    sys.exit(0)
print(
    f"audit: NOT DONE: pip-audit could not reach a vulnerability database from this "
    f"machine; {len(unchecked)} of the {total} packages buildcase ships were not checked "
    "(this is not a pass):"
)
for problem in problems:
    print(f"  {problem}")
if audited:
    print(f"  The other {len(audited)} have no known vulnerability.")
sys.exit(NOT_DONE)
