"""`buildcase serve`: the preview rebuilds when the YAML changes and survives a bad edit,
takes its port before building, refuses bad request paths, and leaves nothing behind."""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest

from .conftest import MINIMAL, write_proposal


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def handout_text(url: str) -> str:
    """The handout's text; "" for a file caught as it was replaced (MkDocs' server takes
    the length after opening the file, so a swap in between sends a cut body), which the
    next poll reads whole."""
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        return " ".join(page.extract_text() for page in reader.pages)
    except pypdf.errors.PyPdfError:
        return ""


def wait_for(predicate: Callable[[], object], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


class Server:
    """`buildcase serve` in a process of its own, on a port of the system's choosing, its
    TMPDIR private; its error output collected as it comes."""

    def __init__(self, folder: Path, tmp: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "buildcase", "serve", str(folder), *options],
            cwd=folder.parent.parent, env={**os.environ, "TMPDIR": str(tmp)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def err(self) -> str:
        return "".join(self.lines)

    def url(self) -> str:
        """The address the server says it serves on, once it says so."""
        assert wait_for(lambda: "serving " in self.err, 60), self.err
        found = re.search(r"serving \S+ on (http://\S+/)", self.err)
        assert found, self.err
        return found[1]

    def stop(self) -> int:
        """Ask it to stop (SIGTERM) and wait for all it printed; its exit code."""
        self.process.terminate()
        code = self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        return code


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    return folder


@pytest.fixture
def serving(workspace: Path, private_tmp: Path) -> Iterator[Server]:
    server = Server(write_proposal(workspace, MINIMAL), private_tmp, "--port", "0")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def test_serve_rebuilds_on_edit_and_keeps_the_last_good_build(
    workspace: Path, serving: Server
) -> None:
    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    yaml = workspace / "proposals" / "p" / "proposal.yaml"
    yaml.write_text(MINIMAL.replace("title: Onboarding training", "title: Edited live"))
    assert wait_for(lambda: "Edited live" in fetch(url))
    # The handout follows the page, rebuilt in the background.
    assert wait_for(lambda: "Edited live" in handout_text(f"{url}handout.pdf"))
    yaml.write_text(MINIMAL.replace("date: 2026-11-01", "date: soon"))
    assert wait_for(lambda: "error: date: expected a date" in serving.err)
    assert "Edited live" in fetch(url)  # the last good build stays on screen
    assert serving.process.poll() is None  # and the server is still up
    serving.stop()
    assert "proposal.yaml:6:7: error: date: expected a date" in serving.err
    assert "Traceback" not in serving.err


def test_a_bad_edit_is_shown_over_the_page_until_it_is_fixed(
    workspace: Path, serving: Server
) -> None:
    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    assert 'id="buildcase-errors"' not in fetch(url)
    yaml = workspace / "proposals" / "p" / "proposal.yaml"
    yaml.write_text(MINIMAL.replace("date: 2026-11-01", "date: <b>soon</b>"))
    assert wait_for(lambda: 'id="buildcase-errors"' in fetch(url))
    page = fetch(url)
    assert "proposal.yaml:6:7: error: date: expected a date" in page  # as in the terminal
    assert "<b>soon</b>" not in page  # the author's text, escaped
    assert "Onboarding training" in page  # over the last good build
    yaml.write_text(MINIMAL)
    assert wait_for(lambda: 'id="buildcase-errors"' not in fetch(url))
    serving.stop()
    assert "Traceback" not in serving.err


def status_of(url: str, path: str) -> tuple[int, bytes]:
    """The status and body of `GET path`, the path sent exactly as written."""
    host, port = re.fullmatch(r"http://(.+):(\d+)/", url).groups()  # type: ignore[union-attr]
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_bad_request_paths_are_refused_without_a_traceback(serving: Server) -> None:
    url = serving.url()
    assert status_of(url, "/")[0] == 200
    for path in ("/%00", "/index.html%00.png", "/..%2f..%2fetc/passwd", "/../../etc/passwd"):
        status, body = status_of(url, path)
        assert status in (400, 404), path
        assert b"root:" not in body
    serving.stop()
    assert "Traceback" not in serving.err


def test_a_stopped_preview_leaves_nothing_behind(serving: Server, private_tmp: Path) -> None:
    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    assert list(private_tmp.iterdir())  # the preview lives there while it runs
    assert serving.stop() == 0
    assert list(private_tmp.iterdir()) == []
    assert "Traceback" not in serving.err


def test_serve_on_a_port_in_use_fails_before_building_and_names_the_option(
    workspace: Path, private_tmp: Path
) -> None:
    folder = write_proposal(workspace, MINIMAL)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "buildcase", "serve", str(folder), "--port", str(port)],
            cwd=workspace, env={**os.environ, "TMPDIR": str(private_tmp)},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        f"buildcase: error: cannot serve on 127.0.0.1:{port}: Address already in use; "
        "choose another --port\n"
    )  # one line, and nothing was built
    assert list(private_tmp.iterdir()) == []
