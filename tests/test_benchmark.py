"""`python benchmarks/run.py`, as the README tells a reader to run it: it must work on the
current code (it once stopped with an ImportError after a refactoring, unnoticed), time the
bare tools and buildcase on the same proposals, and report every target with its ratio.
The timings themselves are not asserted: a test machine is too noisy for that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the benchmark, which builds proposals many times over.
pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_and_reports_every_target(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--n", "2", "--repeats", "1",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    targets = {t["target"]: t for t in results["targets"]}
    assert set(targets) == {f"T{n}" for n in range(1, 13)}
    for t in targets.values():
        assert t["reference"] > 0 and t["buildcase"] > 0, t
        assert t["ratio"] == t["buildcase"] / t["reference"], t
    assert targets["T1"]["goal"] == 0.6  # issue 14: one proposal cold, decks included
    # issue 32: a handout against the same in Typst; save to page in seconds, in a browser
    assert targets["T11"]["goal"] == 3.0 and targets["T12"]["goal"] == 0.3
    assert targets["T12"]["reference"] == 1.0 and targets["T12"]["buildcase"] < 30
    assert set(results["breakdown"]["serve_s"]) == {
        "save to page (T12)",
        "save to the last handout following",
    }
    assert (tmp_path / "results.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "T1" in done.stdout and "ratio" in done.stdout
