"""`buildcase serve`: the preview rebuilds when the YAML changes and survives a bad edit."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pypdf

from .conftest import MINIMAL, write_proposal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def handout_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        reader = pypdf.PdfReader(io.BytesIO(response.read()))
    return " ".join(page.extract_text() for page in reader.pages)


def wait_for(predicate, seconds: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def test_serve_rebuilds_on_edit_and_keeps_the_last_good_build(workspace: Path) -> None:
    folder = write_proposal(workspace, MINIMAL)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "buildcase", "serve", str(folder), "--port", str(port)],
        cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: "Onboarding training" in fetch(url))
        yaml = folder / "proposal.yaml"
        yaml.write_text(MINIMAL.replace("title: Onboarding training", "title: Edited live"))
        assert wait_for(lambda: "Edited live" in fetch(url))
        # The handout follows the page, rebuilt in the background.
        assert wait_for(lambda: "Edited live" in handout_text(f"{url}handout.pdf"))
        yaml.write_text(MINIMAL.replace("date: 2026-11-01", "date: soon"))
        time.sleep(2)
        assert "Edited live" in fetch(url)  # the last good build stays on screen
        assert server.poll() is None  # and the server is still up
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert "proposal.yaml:6:7: error: date: expected a date" in err
    assert "Traceback" not in err
