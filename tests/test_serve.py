"""`buildcase serve`: the preview rebuilds when the YAML changes and survives a bad edit,
takes its port before building, refuses bad request paths, and leaves nothing behind.

It answers only requests made to its own address, cuts off clients that hold connections
without sending a request, and stops at once, with its worker, when its process group is
sent Ctrl+C or SIGTERM. Every client here is on the loopback address.

Fast while it grows (issue 32): a save counts once complete, an editor's own files not at
all; an edit makes again only the pages it changes, and the site is the one `build` makes;
a file the browser has is answered 304 while unchanged; the handouts wait for the site, and
those of an edit gone are dropped; the decks and the handouts' HTML are rendered once the
site is published (the first build's before), and a deck's edit reaches it. (Speed itself:
benchmarks/save_to_page.py.)"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pypdf
import pytest

from .conftest import MINIMAL, ROOT, write_proposal

# Every test starts `buildcase serve`, which builds and watches, or its engines or watcher.
pytestmark = [pytest.mark.slow]


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
    TMPDIR private; its error output collected as it comes. It leads a process group of its
    own, as a command started from a terminal does, so that a test can signal the group."""

    def __init__(self, folder: Path, tmp: Path, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "buildcase", "serve", str(folder), *options],
            cwd=folder.parent.parent, env={**os.environ, "TMPDIR": str(tmp)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
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

    def kill_group(self) -> None:
        """Whatever is left of its process group, killed: after a test that failed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)


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
        server.kill_group()


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


def answer_to(url: str, path: str, host: str) -> tuple[int, bytes]:
    """The status and body of `GET path` sent to the server at `url` with `Host: host`, as
    a page whose own name was made to point at 127.0.0.1 (DNS rebinding) would send it."""
    address, port = re.fullmatch(r"http://(.+):(\d+)/", url).groups()  # type: ignore[union-attr]
    connection = http.client.HTTPConnection(address, int(port), timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def port_of(url: str) -> int:
    return int(re.fullmatch(r"http://.+:(\d+)/", url)[1])  # type: ignore[index]


def test_a_request_for_another_host_is_refused_without_the_page(serving: Server) -> None:
    url = serving.url()
    assert url.startswith("http://127.0.0.1:")  # with no --host, the loopback address only
    port = port_of(url)
    for name in ("127.0.0.1", "localhost", "LocalHost", "[::1]"):  # the addresses it serves
        status, body = answer_to(url, "/", f"{name}:{port}")
        assert (status, b"Onboarding training" in body) == (200, True), name
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", ""):
        for path in ("/", "/handout.pdf", "/livereload/0/0"):
            status, body = answer_to(url, path, host)
            assert status == 421, (host, path)
            assert b"Onboarding" not in body and not body.startswith(b"%PDF"), (host, path)
    serving.stop()
    assert "Traceback" not in serving.err


def closed_by_peer(client: socket.socket) -> bool:
    """Whether the server has closed this connection (without waiting)."""
    readable, _, _ = select.select([client], [], [], 0)
    if not readable:
        return False
    try:
        return client.recv(1024) == b""
    except ConnectionError:
        return True


def seconds_to_answer(url: str) -> float:
    started = time.monotonic()
    assert "Onboarding training" in fetch(url)
    return time.monotonic() - started


def test_a_client_trickling_its_request_is_cut_off_while_others_are_answered(
    serving: Server,
) -> None:
    """A slowloris client sends a header byte every half second, never ending its request:
    each read brings a byte, so only a bound on the whole request stops it. Meanwhile a
    normal request is answered at once."""
    from buildcase.engines.mkdocs.preview import REQUEST_SECONDS

    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    trickle = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
    answer_times = []
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=5) as slow:
        started = time.monotonic()
        cut_off_after = None
        for count, byte in enumerate(trickle):  # at most 500 s, ended by the deadline below
            if time.monotonic() - started > REQUEST_SECONDS + 10:
                break
            try:
                slow.sendall(bytes([byte]))
            except ConnectionError:
                cut_off_after = time.monotonic() - started
                break
            if closed_by_peer(slow):
                cut_off_after = time.monotonic() - started
                break
            if count % 4 == 3:  # every two seconds, the author's browser asks for the page
                answer_times.append(seconds_to_answer(url))
            time.sleep(0.5)
    assert cut_off_after is not None, "the trickling client was never cut off"
    assert cut_off_after < REQUEST_SECONDS + 3
    assert answer_times and max(answer_times) < 2, answer_times
    serving.stop()
    assert "Traceback" not in serving.err


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs prlimit (Linux)")
def test_many_idle_connections_do_not_stop_a_request_being_answered(serving: Server) -> None:
    """400 connections opened and left silent, against a server allowed 256 open files
    (the default on macOS): the author's request is still answered, promptly."""
    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    _soft, hard = resource.prlimit(serving.process.pid, resource.RLIMIT_NOFILE)
    resource.prlimit(serving.process.pid, resource.RLIMIT_NOFILE, (256, hard))
    idle: list[socket.socket] = []
    try:
        for _ in range(400):
            try:
                idle.append(socket.create_connection(("127.0.0.1", port_of(url)), timeout=5))
            except OSError:  # not accepted: the server cannot take more connections
                break
        assert len(idle) == 400
        started = time.monotonic()
        status, body = status_of(url, "/")
        assert (status, b"Onboarding training" in body) == (200, True)
        assert time.monotonic() - started < 2
    finally:
        for client in idle:
            client.close()
    serving.stop()
    assert "Traceback" not in serving.err


def group_members(group: int) -> set[int]:
    """The processes in a process group, zombies included, from /proc."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # pid (comm) state ppid pgrp ...: the name may hold spaces, so split after it
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == group:
                members.add(int(stat.parent.name))
    return members


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_process_group_stops_it_and_its_worker_within_two_seconds(
    serving: Server, private_tmp: Path, signum: int
) -> None:
    """Ctrl+C in a terminal signals the whole foreground group: the server and its handout
    worker at once. It stops, cleanly, and leaves no process and no file behind."""
    url = serving.url()
    assert wait_for(lambda: "rebuilt handout.pdf" in serving.err)  # the worker made one
    assert "Onboarding training" in fetch(url)
    group = serving.process.pid
    assert len(group_members(group)) >= 2  # the server and its worker
    started = time.monotonic()
    os.killpg(group, signum)
    try:
        code = serving.process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running 2 s after {signal.Signals(signum).name} to its group")
    assert wait_for(lambda: not group_members(group), 2 - (time.monotonic() - started))
    serving.reader.join(timeout=10)
    assert code == 0
    assert serving.err.endswith("stopped serving p\n")
    assert "Traceback" not in serving.err
    assert list(private_tmp.iterdir()) == []


def test_an_unchanged_file_is_answered_304_and_keeps_its_tag_across_a_rebuild(
    workspace: Path, serving: Server
) -> None:
    """The browser keeps what a reload would fetch again: a file carries an ETag naming the
    very file, is answered 304 while it stands, and keeps it when a rebuild leaves it as it
    was; a page (with the live-reload script) is never kept."""
    url = serving.url()
    assert wait_for(lambda: "Onboarding training" in fetch(url))
    css = "/assets/buildcase/buildcase.css"
    status, headers, body = answer_with_headers(url, css)
    assert (status, headers["Cache-Control"], int(headers["Content-Length"])) == (
        200, "no-cache", len(body),
    )  # fmt: skip
    tag = headers["ETag"]
    assert answer_with_headers(url, css, {"If-None-Match": tag})[::2] == (304, b"")
    assert "ETag" not in answer_with_headers(url, "/")[1]
    bundle = re.search(r'src="(assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js)"', fetch(url))
    assert bundle, "Material's script, named by its content"
    assert answer_with_headers(url, f"/{bundle[1]}")[1]["Cache-Control"] == "max-age=86400"
    yaml = workspace / "proposals" / "p" / "proposal.yaml"
    yaml.write_text(MINIMAL.replace("title: Onboarding training", "title: Edited live"))
    assert wait_for(lambda: "Edited live" in fetch(url))
    assert answer_with_headers(url, css, {"If-None-Match": tag})[0] == 304
    serving.stop()
    assert "Traceback" not in serving.err


def answer_with_headers(
    url: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body of `GET path`."""
    host, port = re.fullmatch(r"http://(.+):(\d+)/", url).groups()  # type: ignore[union-attr]
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class SiteOnly:
    """Engines that make the site alone, at once: what a full build's site is."""

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        from buildcase.engines import make_site

        future: Future[Any] = Future()
        if function is make_site:
            future.set_result(function(task))
        else:
            future.cancel()
        return future


def files_of(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file below `root`, by its path there: its inode and its bytes."""
    return {
        str(path.relative_to(root)): (path.stat().st_ino, path.read_bytes())
        for path in root.rglob("*")
        if path.is_file()
    }


def test_an_edit_makes_again_only_the_pages_it_changes_and_the_site_is_builds(
    workspace: Path,
) -> None:
    """After an edit to one figure, each page whose text is as it was is the very file it
    was (linked, not written), as are the theme's and buildcase's files; the pages that
    show the figure are new; and the site, file for file, is the one MkDocs makes from
    scratch for the same proposal."""
    from buildcase.pipeline import Options, prepare
    from buildcase.write.staging import discard

    folder, before, after = preview_around_an_edit(workspace)
    pages = [name for name in after if name.endswith(".html") and name in before]
    kept = [name for name in pages if after[name][1] == before[name][1]]
    changed = [name for name in pages if after[name][1] != before[name][1]]
    assert kept and changed, (kept, changed)
    assert [name for name in kept if after[name][0] != before[name][0]] == []
    assert [name for name in changed if after[name][0] == before[name][0]] == []
    assets = [name for name in after if name.startswith("assets/")]
    assert assets and all(after[name][0] == before[name][0] for name in assets)
    (workspace / "full").mkdir()
    options = Options(workspace, workspace / "full", formats=frozenset())
    job = prepare(folder, options, SiteOnly())  # type: ignore[arg-type]
    job.site.result()
    try:
        full = files_of(job.staged)
    finally:
        discard(job.staged)
    assert {name: after[name][1] for name in full} == {n: f[1] for n, f in full.items()}


def preview_around_an_edit(
    workspace: Path,
) -> tuple[Path, dict[str, tuple[int, bytes]], dict[str, tuple[int, bytes]]]:
    """A preview of the minimal proposal: its folder, and the preview's files (`files_of`)
    after its first build and after an edit of one figure, the edit's decks followed."""
    from buildcase.commands.serve import Preview

    folder = write_proposal(workspace, MINIMAL)
    preview = Preview(folder, workspace)
    try:
        assert preview.rebuild()
        before = files_of(preview.root)
        (folder / "proposal.yaml").write_text(MINIMAL.replace("impact: 10000", "impact: 12345"))
        assert preview.rebuild()
        assert preview.followed is not None
        preview.followed.result(timeout=60)  # the decks too, rendered after the site
        return folder, before, files_of(preview.root)
    finally:
        preview.close()


@pytest.mark.parametrize(
    "extension",
    [
        "pymdownx.snippets",  # reads the files a page names
        "pymdownx.superfences:\n      custom_fences:\n        - name: x\n          class: x\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format",  # code
    ],
)
def test_no_page_is_reused_where_an_extension_may_read_other_files_into_it(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, extension: str
) -> None:
    """A trusted workspace's site may put other files into a page (`pymdownx.snippets`) or
    run code of its own on one (`!!python/name:`): a page whose own text did not change may
    still show a file that did, so after an edit every page is made again, none linked
    from the last build."""
    from buildcase.workspace.trust import TRUST_VARIABLE

    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  - toc\n" in config
    config = config.replace("\n  - toc\n", f"\n  - toc\n  - {extension}\n", 1)
    (workspace / "mkdocs.yml").write_text(config, encoding="utf-8")
    monkeypatch.setenv(TRUST_VARIABLE, str(workspace))
    _folder, before, after = preview_around_an_edit(workspace)
    pages = [n for n in after if n.endswith(".html") and n in before and n[0] != "."]
    same = [n for n in pages if after[n][1] == before[n][1]]
    assert same  # pages whose text is as it was: made again all the same
    assert [n for n in same if after[n][0] == before[n][0]] == []


def test_a_save_counts_once_complete_and_an_editors_own_files_and_reads_not_at_all(
    tmp_path: Path,
) -> None:
    """The preview's watcher, on the system's file events: a file written and closed is one
    save, complete; reading a file, and writing an editor's swap or backup file, are no
    change at all. (Events of one watch arrive in order: a file written last, and seen,
    proves that nothing came of what was done before it.)"""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    from buildcase.engines.mkdocs.watcher import Watcher

    seen: list[tuple[str, str]] = []
    finished: list[bool] = []

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            seen.append((event.event_type, os.path.basename(os.fsdecode(event.src_path))))
            finished.append(watcher.finished)

    watcher = Watcher()
    watcher.schedule(Handler(), str(tmp_path), recursive=True)
    watcher.start()
    try:
        (tmp_path / "proposal.yaml").write_text("title: A\n")
        assert wait_for(lambda: ("closed", "proposal.yaml") in seen, 10), seen
        assert seen[-1] == ("closed", "proposal.yaml") and finished[-1], (seen, finished)
        assert ("modified", "proposal.yaml") in seen  # while it was written
        assert finished[seen.index(("modified", "proposal.yaml"))] is False
        count = len(seen)
        (tmp_path / "proposal.yaml").read_text()
        (tmp_path / ".proposal.yaml.swp").write_text("swap")
        (tmp_path / "proposal.yaml~").write_text("backup")
        (tmp_path / "last.yaml").write_text("x: 1\n")
        assert wait_for(lambda: ("closed", "last.yaml") in seen, 10), seen
        assert {name for _, name in seen[count:]} == {"last.yaml"}, seen[count:]
    finally:
        watcher.stop()
        watcher.join(10)


def test_a_folder_moved_away_and_a_linked_proposal_folder_are_watched(tmp_path: Path) -> None:
    """A folder moved out of the proposal (its `templates`, say) is one event of the
    system's, none for the files in it: the preview counts it as a change. A proposal
    folder that is a symbolic link is watched where it leads: a save of a file at its top
    is seen (the system sends no event through the link)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    from buildcase.engines.mkdocs.watcher import Watcher

    real = tmp_path / "real"
    (real / "templates").mkdir(parents=True)
    (real / "templates" / "page.md.j2").write_text("x")
    (real / "proposal.yaml").write_text("title: A\n")
    link = tmp_path / "link"
    link.symlink_to(real)
    seen: list[tuple[str, bool, str]] = []

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            name = os.path.basename(os.fsdecode(event.src_path))
            seen.append((event.event_type, event.is_directory, name))

    watcher = Watcher()
    watcher.schedule(Handler(), str(link), recursive=True)
    watcher.start()
    try:
        (link / "proposal.yaml").write_text("title: B\n")
        assert wait_for(lambda: ("closed", False, "proposal.yaml") in seen, 10), seen
        (real / "templates").rename(tmp_path / "moved-away")
        assert wait_for(lambda: ("deleted", False, "templates") in seen, 10), seen
        assert not any(is_directory for _, is_directory, _ in seen)  # as MkDocs counts one
    finally:
        watcher.stop()
        watcher.join(10)


def made_in_worker(task: Any) -> str:
    """In the handout worker: leave a mark named after the task, and return its name."""
    (task.base_dir / task.html).write_text("made")
    return str(task.html)


def test_handouts_wait_for_the_site_and_those_of_an_edit_gone_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the site is being made, no handout starts, so one asked for by an edit that a
    newer one has replaced can still be dropped; it is never made, and the next is."""
    from buildcase.engines import HandoutTask
    from buildcase.engines.pipe_worker import PreviewEngines

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engines = PreviewEngines(tmp_path / "site")
    try:
        with engines.site_first():
            older = engines.submit(made_in_worker, HandoutTask("older", tmp_path, []))
            newer = engines.submit(made_in_worker, HandoutTask("newer", tmp_path, []))
            assert older.cancel()  # not started: the site comes first
        assert newer.result(timeout=120) == "newer"
        assert older.cancelled() and not (tmp_path / "older").exists()
    finally:
        engines.close()


def test_a_decks_edit_reaches_present_html_in_the_preview(workspace: Path, serving: Server) -> None:
    """The decks are rendered once the site is shown, not with it: an edit still reaches
    the deck, which replaces the last one whole."""
    url = serving.url()
    assert "Onboarding training" in fetch(f"{url}present.html")  # the first build's, at once
    yaml = workspace / "proposals" / "p" / "proposal.yaml"
    yaml.write_text(MINIMAL.replace("title: Onboarding training", "title: Edited live"))
    assert wait_for(lambda: "Edited live" in fetch(f"{url}present.html")), serving.err
    assert wait_for(lambda: "rebuilt present.html" in serving.err), serving.err
    assert "Edited live" in fetch(url)
    serving.stop()
    assert "Traceback" not in serving.err


def test_the_site_is_published_before_its_decks_which_replace_the_last_ones(
    workspace: Path,
) -> None:
    """A rebuild publishes the site with the last build's decks and handouts in it (the
    start page links to them), and returns (the browser reloads); the new decks follow,
    each replacing the last whole, and the browser reloads again (a deck may be open). The
    first build, with no deck to keep, has its own."""
    import threading

    from buildcase.commands.serve import Preview

    folder = write_proposal(workspace, MINIMAL)
    preview = Preview(folder, workspace)
    try:
        assert preview.rebuild()
        assert preview.followed is None  # all rendered before the first site was published
        assert "Onboarding training" in (preview.root / "present.html").read_text()
        assert wait_for(lambda: (preview.root / "handout.pdf").is_file(), 120)
        gate = threading.Event()
        preview.follower.submit(gate.wait, 60)  # the follow-up waits behind it
        (folder / "proposal.yaml").write_text(MINIMAL.replace("Onboarding training", "Edited"))
        assert preview.rebuild()
        assert "Edited" in (preview.root / "index.html").read_text()
        assert "Onboarding training" in (preview.root / "present.html").read_text()
        assert (preview.root / "handout.pdf").is_file()  # the last one, until the new follows
        reloads: list[int] = []
        preview.reload = lambda: reloads.append(1)
        gate.set()
        assert preview.followed is not None
        preview.followed.result(timeout=60)
        assert "Edited" in (preview.root / "present.html").read_text()
        assert not list(preview.root.glob(".buildcase-*"))  # no file half written
        assert reloads == [1]  # a deck open in the browser loads this edit's
    finally:
        preview.close()


def test_a_deck_that_fails_after_the_site_is_shown_is_reported_and_the_last_one_kept(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An error rendering the decks or the handouts' HTML once the site is shown cannot
    stop the page (it is shown): it is said, and the last decks stay."""
    from buildcase.commands.serve import Preview
    from buildcase.errors import RenderError
    from buildcase.pipeline import Job

    folder = write_proposal(workspace, MINIMAL)
    preview = Preview(folder, workspace)
    try:
        assert preview.rebuild()
        deck = (preview.root / "present.html").read_text()

        def fails(job: Job) -> dict[str, str]:
            raise RenderError(None, "present/deck.html.j2:3: no such thing")

        monkeypatch.setattr(Job, "follow", fails)
        reloads: list[int] = []
        preview.reload = lambda: reloads.append(1)
        (folder / "proposal.yaml").write_text(MINIMAL.replace("Onboarding training", "Edited"))
        assert preview.rebuild()
        assert preview.followed is not None
        preview.followed.result(timeout=60)
        assert (preview.root / "present.html").read_text() == deck
        assert "the decks and handouts were not rebuilt" in capsys.readouterr().err
        # over the page too, which is told to load again to show it
        assert "present/deck.html.j2:3: no such thing" in preview.overlay()
        assert "the decks and handouts were not rebuilt" in preview.overlay()
        assert reloads == [1]
        monkeypatch.undo()  # the edit fixed: the overlay goes with the next rebuild
        (folder / "proposal.yaml").write_text(MINIMAL.replace("Onboarding training", "Fixed"))
        assert preview.rebuild() and preview.overlay() == ""
    finally:
        preview.close()


def test_a_preview_closing_while_its_decks_follow_writes_nothing_after(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopped while the decks of an edit are being rendered, the preview waits for them a
    moment (here, longer: they are held until its folder is gone), then writes none of
    them: nothing is written after the folder goes, and no "cannot write" follows."""
    from buildcase.commands.serve import Preview
    from buildcase.pipeline import Job

    folder = write_proposal(workspace, MINIMAL)
    preview = Preview(folder, workspace)
    following, gate = threading.Event(), threading.Event()
    follow = Job.follow

    def held(job: Job) -> dict[str, str]:
        following.set()
        gate.wait(60)
        return follow(job)

    closer = threading.Thread(target=preview.close)
    try:
        assert preview.rebuild()
        monkeypatch.setattr(Job, "follow", held)
        (folder / "proposal.yaml").write_text(MINIMAL.replace("Onboarding training", "Edited"))
        assert preview.rebuild()
        assert following.wait(60)
        closer.start()
        assert wait_for(lambda: not preview.out.exists(), 30)
        gate.set()
        closer.join(60)
        assert not closer.is_alive()
        assert preview.followed is not None
        preview.followed.result(timeout=60)
        assert not preview.out.exists()
        assert "cannot write" not in capsys.readouterr().err
    finally:
        gate.set()
        if not closer.is_alive() and preview.out.exists():
            preview.close()


def test_events_the_system_lost_count_as_a_change(tmp_path: Path) -> None:
    """When the system's queue of file events overflows (thousands of files changed at
    once), the events are lost and the observer says only that: the preview must rebuild,
    or a save among them would never show. The overflow, as the observer reports it."""
    from watchdog.events import EventsLostEvent, FileSystemEvent, FileSystemEventHandler

    from buildcase.engines.mkdocs.watcher import Watcher

    seen: list[tuple[str, bool, str]] = []

    class Handler(FileSystemEventHandler):  # as MkDocs' own: a file's event is a change
        def on_any_event(self, event: FileSystemEvent) -> None:
            seen.append((event.event_type, event.is_directory, os.fsdecode(event.src_path)))

    watcher = Watcher()
    watcher.schedule(Handler(), str(tmp_path), recursive=True)
    watcher.start()
    try:
        (emitter,) = watcher.observer.emitters
        emitter.queue_event(EventsLostEvent(str(tmp_path), is_directory=True))
        assert wait_for(lambda: bool(seen), 10)
        assert seen == [("modified", False, str(tmp_path))]
        assert watcher.finished  # nothing more of it to wait for
    finally:
        watcher.stop()
        watcher.join(10)


def test_a_folder_made_past_the_system_s_limit_on_watches_is_polled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A folder made while serving, when the system has no inotify watch left for it, would
    leave a save in it unseen: the preview says so and polls from then on, a save in that
    folder seen all the same. (The limit, as the system reports it, for one folder.)"""
    import errno

    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import inotify_c

    from buildcase.engines.mkdocs.watcher import Watcher

    watch = inotify_c.InotifyFD.add_callback

    def limited(self: Any, path: bytes, *args: Any) -> Any:
        if os.fsdecode(path).endswith("sections"):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        return watch(self, path, *args)

    monkeypatch.setattr(inotify_c.InotifyFD, "add_callback", limited)
    seen: list[str] = []

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            seen.append(os.fsdecode(event.src_path))

    watcher = Watcher()
    watcher.schedule(Handler(), str(tmp_path), recursive=True)
    watcher.start()
    try:
        (tmp_path / "sections").mkdir()
        said: list[str] = []

        def told() -> str:
            said.append(capfd.readouterr().err)
            return "".join(said)

        assert wait_for(lambda: "polling" in told(), 10)
        assert "buildcase: watching for changes by polling (inotify watch limit reached)" in told()
        assert wait_for(lambda: str(tmp_path) in seen, 10)  # a rebuild, to catch up
        (tmp_path / "sections" / "risks.yaml").write_text("risks: []\n")
        assert wait_for(lambda: str(tmp_path / "sections" / "risks.yaml") in seen, 10), seen
    finally:
        watcher.stop()
        watcher.join(10)


def test_what_else_the_watcher_warns_of_is_said_as_buildcase_s_own_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The preview listens to watchdog's warnings for the watch limit; any other (such as
    an overflow it recovers from) is still said, and changes nothing."""
    import logging

    from watchdog.events import FileSystemEventHandler
    from watchdog.observers.polling import PollingObserver

    from buildcase.engines.mkdocs.watcher import INOTIFY_LOGGER, Watcher

    watcher = Watcher()
    watcher.schedule(FileSystemEventHandler(), str(tmp_path), recursive=True)
    watcher.start()
    try:
        logging.getLogger(INOTIFY_LOGGER).warning(
            "Inotify queue overflowed; reconciling recursive watches below %r", str(tmp_path)
        )
        said = capfd.readouterr().err
        assert (
            f"buildcase: Inotify queue overflowed; reconciling recursive watches below {str(tmp_path)!r}"
            in said
        )
        assert "polling" not in said and not isinstance(watcher.observer, PollingObserver)
    finally:
        watcher.stop()
        watcher.join(10)
