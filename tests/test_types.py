"""The type check: `mypy` (strict, configured in pyproject.toml) reports no error, so that
the count stays at zero as the code changes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

# Runs mypy over the package.
pytestmark = [pytest.mark.slow]


def test_mypy_reports_no_errors() -> None:
    # From the repository's root, so that mypy reads [tool.mypy] in pyproject.toml.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a few seconds warm; a cold cache on a busy machine takes longer
    )
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"
