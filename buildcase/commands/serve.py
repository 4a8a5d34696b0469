"""`buildcase serve`: a live preview that rebuilds the site as the author edits, and the
handout right after.

Each rebuild goes through the same pipeline as `build`, so what the author previews is
what `build` will produce. The site is made in this process, kept warm between edits, and
shown as soon as it is ready; the handout follows from a warm worker without holding the
page back. A rebuild that fails prints its errors and leaves the last good preview.

The preview is for the author's own browser, and a web page open in that browser can try to
reach it too. So the server answers only requests addressed to it (a DNS-rebinding page's
carry its own host name and get 421), gives a client a bounded time to send its request
(idle and trickling connections are closed, and cannot crowd out the author's browser), and
stops at once on Ctrl+C, SIGTERM or SIGHUP, whether sent to it or to its process group.
"""

from __future__ import annotations

import contextlib
import functools
import io
import multiprocessing
import os
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler

from mkdocs.livereload import LiveReloadServer

from buildcase.engines import HandoutTask, InlineEngines, _warm_up
from buildcase.errors import BuildcaseError, ProposalInvalid, ServeError, problem_text
from buildcase.pipeline import Job, Options, prepare
from buildcase.render.markup import escape_text
from buildcase.workspace import CONFIG

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# Limits on what a client may hold of the server, none of which the author's browser nears.
IDLE_SECONDS = 5.0  # a connection silent this long, reading or writing, is closed
REQUEST_SECONDS = 10.0  # the request line and headers must have arrived by then
MAX_CONNECTIONS = 64  # connections held at once, each with its thread
LISTEN_BACKLOG = 64  # connections the system queues before we accept them: a page opens several

# Signals that stop the preview: the worker takes their default action, dying at once.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# Over the page, in the page's own document: fixed, readable, dismissed by fixing the edit.
OVERLAY = (
    '<div id="buildcase-errors" role="alert" style="position:fixed;inset:auto 0 0 0;'
    "z-index:10000;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.5rem;"
    "background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;"
    'font:15px/1.5 system-ui,sans-serif;box-shadow:0 -4px 16px rgba(0,0,0,.2)">'
    "<strong>This edit has errors; the page shows the last good build.</strong>"
    '<ul style="margin:.5rem 0 0;padding-left:1.2rem;font-family:monospace">{lines}</ul></div>'
)


class Preview:
    """One proposal's preview: a private output folder, rebuilt on every change.

    Every temporary file of the preview, the worker's included, lies in that folder
    (`tempfile` points there while the preview lasts), so closing it leaves nothing behind.
    """

    def __init__(self, folder: Path, workspace: Path, strict: bool = False):
        self.folder, self.workspace, self.strict = folder.absolute(), workspace.absolute(), strict
        self.out = Path(tempfile.mkdtemp(prefix="buildcase-serve-"))
        self.saved_tempdir, tempfile.tempdir = tempfile.tempdir, str(self.out)
        # Started by the first build, once the port is taken: a port in use then starts
        # no worker.
        self._engines: PreviewEngines | None = None
        self.latest = 0  # the newest rebuild; an older handout arriving late is dropped
        self.problems: list[str] = []  # of the last rebuild, shown over the page until fixed

    @property
    def engines(self) -> PreviewEngines:
        if self._engines is None:
            self._engines = PreviewEngines()  # its worker inherits the temporary folder
        return self._engines

    @property
    def root(self) -> Path:
        return self.out / self.folder.name

    def rebuild(self) -> bool:
        """Rebuild the site now and the handout in the background; False if it failed."""
        self.latest += 1
        number, started = self.latest, time.perf_counter()
        try:
            options = Options(self.workspace, self.out, strict=self.strict)
            job = prepare(self.folder, options, self.engines)
            warnings = job.publish_site(self.root)
        except ProposalInvalid as e:
            self._failed([problem_text(problem) for problem in e.problems])
            return False
        except BuildcaseError as e:
            self._failed([str(e)])
            return False
        self.problems = []
        for warning in warnings:
            print(warning, file=sys.stderr)
        print(
            f"rebuilt the site in {time.perf_counter() - started:.2f} s; the handout follows",
            file=sys.stderr,
        )
        for name, future in job.handouts.items():
            future.add_done_callback(
                functools.partial(self._handout_done, job, number=number, name=name)
            )
        return True

    def _failed(self, problems: list[str]) -> None:
        self.problems = [*problems, "not rebuilt; the preview shows the last good build"]
        for line in problems:
            print(line, file=sys.stderr)
        print("buildcase: not rebuilt; the preview shows the last good build", file=sys.stderr)

    def overlay(self) -> str:
        """What the browser shows over the page while the last edit has errors: the same
        lines as the terminal, escaped; nothing once the edit is fixed."""
        if not self.problems:
            return ""
        lines = "".join(f"<li>{escape_text(line)}</li>" for line in self.problems)
        return OVERLAY.format(lines=lines)

    def _handout_done(self, job: Job, future: Future[Any], number: int, name: str) -> None:
        if number != self.latest or future.cancelled():  # outdated, or the preview is closing
            return
        try:
            handout = job.handout(name, future)
        except Exception as e:  # a preview reports and goes on
            print(f"buildcase: {name} was not rebuilt: {e}", file=sys.stderr)
            return
        partial = self.root / f".{name}.part"
        try:
            partial.write_bytes(handout.pdf)
            os.replace(partial, self.root / name)
        except OSError as e:
            print(f"buildcase: cannot write {self.root / name}: {e.strerror}", file=sys.stderr)
            return
        print(f"rebuilt {name}", file=sys.stderr)

    def close(self) -> None:
        """Stop the worker and remove the preview folder, with every temporary file."""
        try:
            if self._engines is not None:
                self._engines.close()  # a handout still being made is for a closing preview
        finally:
            tempfile.tempdir = self.saved_tempdir
            shutil.rmtree(self.out, ignore_errors=True)


# --- the engines: the site here, the handouts in one worker over a pipe -------------------


class WorkerLost(Exception):
    """The handout worker ended while making a handout: it was killed from outside (by the
    system short of memory, say)."""


class PreviewEngines:
    """The preview's engines: its site made in this process, its handouts one at a time in
    a warm worker process, fed through a pipe by a thread of ours.

    Not the multiprocessing pool `build` uses: an idle pool worker waits for work holding a
    lock shared with this process, so a Ctrl+C sent to the whole process group (as a
    terminal sends it) killed the worker holding that lock, and stopping the pool then
    waited for that lock for ever. A pipe holds no lock: a worker that dies is an end of
    file here, and stopping it is a kill and a wait. A worker killed from outside is
    replaced for the next handout.
    """

    def __init__(self) -> None:
        self._inline = InlineEngines()
        self._tasks: queue.SimpleQueue[tuple[Callable[[Any], Any], Any, Future[Any]] | None]
        self._tasks = queue.SimpleQueue()
        # The worker is started, replaced and stopped under the lock, so that close() stops
        # whichever worker there is and none is started after it.
        self._lock = threading.Lock()
        self._closing = False
        # Forked here, from the thread that builds, before the server's threads exist.
        self._worker: tuple[BaseProcess, Connection] | None = _start_worker()
        self._feeder = threading.Thread(target=self._feed, name="handout feeder", daemon=True)
        self._feeder.start()

    def submit(self, function: Callable[[Any], Any], task: Any) -> Future[Any]:
        if not isinstance(task, HandoutTask):
            return self._inline.submit(function, task)
        future: Future[Any] = Future()
        self._tasks.put((function, task, future))
        return future

    def grown(self) -> bool:
        return False

    def renewed(self) -> PreviewEngines:
        return self

    def close(self) -> None:
        """Stop the worker at once, dropping the handouts not yet made: they are for a
        preview that is closing."""
        with self._lock:
            self._closing = True
            if self._worker is not None:
                process, _pipe = self._worker
                process.kill()
                process.join(timeout=5)
        self._tasks.put(None)
        self._feeder.join(timeout=5)

    def _feed(self) -> None:
        """In the feeder thread: send each handout to the worker and settle its future with
        what comes back; once the preview closes, cancel the rest."""
        while (item := self._tasks.get()) is not None:
            function, task, future = item
            worker = self._live_worker()
            if worker is None:
                future.cancel()
                continue
            process, pipe = worker
            try:
                pipe.send((function, task))
                made, outcome = pipe.recv()
            except (EOFError, OSError):  # the worker died: it was killed
                self._forget(worker)
                self._settle_lost(future, process)
                continue
            except Exception as e:  # what it sent back cannot be read here
                future.set_exception(e)
                continue
            if made:
                future.set_result(outcome)
            else:
                future.set_exception(outcome)
        if self._worker is not None:
            self._worker[1].close()

    def _live_worker(self) -> tuple[BaseProcess, Connection] | None:
        """The worker, started anew if the last one was killed; None once closing."""
        with self._lock:
            if self._closing:
                return None
            if self._worker is None:
                self._worker = _start_worker()
            return self._worker

    def _forget(self, worker: tuple[BaseProcess, Connection]) -> None:
        with self._lock:
            self._worker = None
        worker[1].close()

    def _settle_lost(self, future: Future[Any], process: BaseProcess) -> None:
        """A handout whose worker died: dropped if the preview is stopping (the signal that
        stops it reached the worker too), else a failure that names the cause."""
        process.join(timeout=5)
        stopping = process.exitcode in {-number for number in STOP_SIGNALS}
        if self._closing or stopping:
            future.cancel()
        else:
            future.set_exception(
                WorkerLost(f"the handout worker ended (exit code {process.exitcode})")
            )


def _start_worker() -> tuple[BaseProcess, Connection]:
    """A new handout worker, forked now, and this process's end of its pipe."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=_work, args=(theirs, ours), name="handout worker", daemon=True)
    process.start()
    theirs.close()  # the worker holds it: its death is then an end of file on ours
    return process, ours


def _work(pipe: Connection, parents_end: Connection) -> None:
    """In the worker: make each handout sent and send back what came of it, until the
    preview closes its end of the pipe (or dies: the kernel then stops the worker)."""
    parents_end.close()  # or it would never see the preview's end close
    for number in STOP_SIGNALS:  # however the preview was started: die at once, quietly
        signal.signal(number, signal.SIG_DFL)
    _warm_up()
    while True:
        try:
            function, task = pipe.recv()
        except EOFError:
            return
        try:
            outcome: tuple[bool, Any] = (True, function(task))
        except Exception as e:
            outcome = (False, e)
        try:
            pipe.send(outcome)
        except OSError:  # the preview has gone
            return
        except Exception:  # an error that does not pickle: send what it says
            pipe.send((False, RuntimeError(repr(outcome[1]))))


# --- the server: MkDocs' live reload, answering only its own address, within limits -------


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, guarded for a machine where other pages are open.

    It answers only requests whose `Host` is an address it serves (421 otherwise), and no
    path that could name a file outside the preview (400). Each connection has a thread and
    a bounded time to send its request; at most MAX_CONNECTIONS are held at once.
    """

    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        builder: Callable[[], object],
        root: Path,
        host: str,
        port: int,
        overlay: Callable[[], str],
    ) -> None:
        def build() -> None:
            builder()  # what it returns is for the caller; MkDocs wants nothing back

        super().__init__(builder=build, host=host, port=port, root=str(root))
        self.RequestHandlerClass = PreviewRequestHandler
        self.host = host
        self.hosts: frozenset[str] = frozenset()  # known once the port is taken
        self.connections = Connections(MAX_CONNECTIONS)
        self.overlay = overlay
        self.set_app(self.answer)

    def take_port(self) -> str:
        """Bind and listen now, before anything is built; the address it serves. A port in
        use, or a host that is not an address of this machine, is a ServeError naming the
        option to change."""
        try:
            super().server_bind()
            super().server_activate()
        except OSError as e:
            option = "--host" if isinstance(e, socket.gaierror) else "--port"
            where, why = f"{self.host}:{self.port}", e.strerror or e
            raise ServeError(f"cannot serve on {where}: {why}; choose another {option}") from e
        self.hosts = served_hosts(self.host, self.port)
        self.url = f"http://{bracketed(self.host)}:{self.port}/"  # MkDocs' has the port asked
        return self.url

    @property
    def port(self) -> int:
        """The port served: the one the system chose for `--port 0`, once bound."""
        port: int = self.server_address[1]
        return port

    def server_bind(self) -> None:
        """Nothing: take_port() has bound the socket, and MkDocs' serve() asks again."""

    def server_activate(self) -> None:
        """Nothing: take_port() listens already."""

    def process_request(self, request: Any, client_address: Any) -> None:
        """Give the connection a thread if there is room, made if need be by closing the
        connection that has waited longest for its request; otherwise close it."""
        if self.connections.admit(request):
            super().process_request(request, client_address)
        else:
            self.shutdown_request(request)

    def shutdown_request(self, request: Any) -> None:
        self.connections.release(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed (reset, timed out, closed to make room) is the client's
        affair; anything else is a bug, shown with its traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def answer(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI application: 421 for a request to another host, 400 for a path that
        cannot name a file below the preview (a NUL byte, a `..`: MkDocs' handler would log
        a traceback for it), else MkDocs' answer with the overlay on an HTML page."""
        if environ.get("HTTP_HOST", "").lower() not in self.hosts:
            where = f"this preview answers at {self.url}"
            return plain_answer(start_response, "421 Misdirected Request", where)
        path = environ.get("PATH_INFO", "")
        if "\0" in path or ".." in path.split("/"):
            return plain_answer(start_response, "400 Bad Request")
        answer: Iterable[bytes] = with_overlay(
            self.serve_request, self.overlay(), environ, start_response
        )
        return answer


def served_hosts(host: str, port: int) -> frozenset[str]:
    """The `Host` headers of a request made to this preview: its port on 127.0.0.1,
    localhost, [::1] or the host it was asked to serve on (and without the port, on port
    80). A page that rebinds its own name to 127.0.0.1 still sends that name, and so is
    refused."""
    names = {"127.0.0.1", "localhost", "[::1]", bracketed(host.lower())}
    with_port = {f"{name}:{port}" for name in names}
    return frozenset(with_port | names if port == 80 else with_port)


def bracketed(host: str) -> str:
    """The host as written in an address: an IPv6 one in brackets."""
    return f"[{host}]" if ":" in host else host


def plain_answer(start_response: Any, status: str, detail: str = "") -> list[bytes]:
    """A short plain-text answer: the status, and what to do about it."""
    body = f"{status}: {detail}".encode() if detail else status.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def with_overlay(app: Any, overlay: str, environ: dict[str, Any], start_response: Any) -> Any:
    """The WSGI response of `app`, with `overlay` before an HTML page's `</body>`."""
    if not overlay:
        return app(environ, start_response)
    answer: dict[str, Any] = {}

    def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer.update(status=status, headers=headers)
        return lambda data: None

    body = b"".join(app(environ, hold))
    headers = answer["headers"]
    if any(k.lower() == "content-type" and "text/html" in v for k, v in headers):
        body = body.replace(b"</body>", overlay.encode() + b"</body>", 1)
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
    start_response(answer["status"], headers)
    return [body]


class Connections:
    """The connections the server holds, each with its thread: at most `limit` at once.

    A connection is waiting until its request has arrived, then answered. When one more
    would pass the limit, the connection that has waited longest for its request is closed
    to make room: idle or trickling clients, however many, cannot crowd out the author's
    browser, whose requests arrive at once. Only when every connection is being answered
    (each open tab holds one, waiting for the next reload) is a new one refused.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._waiting: dict[socket.socket, None] = {}  # oldest first
        self._answered: set[socket.socket] = set()

    def admit(self, connection: socket.socket) -> bool:
        """Whether the connection may be served; room is made if it can be."""
        with self._lock:
            if len(self._waiting) + len(self._answered) >= self.limit:
                if not self._waiting:
                    return False
                oldest = next(iter(self._waiting))
                del self._waiting[oldest]
                cut_off(oldest)
            self._waiting[connection] = None
            return True

    def answered(self, connection: socket.socket) -> bool:
        """Record that the connection's request has arrived; False if it was closed to
        make room meanwhile."""
        with self._lock:
            if connection not in self._waiting:
                return False
            del self._waiting[connection]
            self._answered.add(connection)
            return True

    def release(self, connection: socket.socket) -> None:
        with self._lock:
            self._waiting.pop(connection, None)
            self._answered.discard(connection)


def cut_off(connection: socket.socket) -> None:
    """End a connection another thread is reading: its read returns at once, with nothing
    (closing it here instead could close a number the system has given to another)."""
    with contextlib.suppress(OSError):  # the client has gone already
        connection.shutdown(socket.SHUT_RDWR)


class RequestReader(io.RawIOBase):
    """A connection's bytes, read so that no read waits more than IDLE_SECONDS and all of
    them arrive within REQUEST_SECONDS of connecting.

    A timeout on each read alone would wait for ever on a client sending a byte every
    second (slowloris); the deadline cuts it off. The server reads nothing after the
    request, so the deadline bounds the whole request.
    """

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.deadline = time.monotonic() + REQUEST_SECONDS

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the request took more than {REQUEST_SECONDS:g} s to arrive")
        self.connection.settimeout(min(left, IDLE_SECONDS))
        try:
            return self.connection.recv_into(buffer)
        finally:
            self.connection.settimeout(IDLE_SECONDS)  # for the answer's writes


class PreviewRequestHandler(WSGIRequestHandler):
    """One connection: its request read within the server's limits, then answered.

    Failures of the connection end it quietly; a request answered with anything but 200 is
    a line on the terminal, as MkDocs' own handler has it, with the request's control
    characters escaped so that it cannot drive the terminal.
    """

    timeout = IDLE_SECONDS  # applied to the socket by setup()
    server: PreviewServer

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the plain reader made by setup(), for ours
        self.rfile = io.BufferedReader(RequestReader(self.connection))

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # silent or slow past the limits, gone, or closed to make room
            self.close_connection = True

    def parse_request(self) -> bool:
        """Read the request's headers; then the connection counts as answered (unless it
        was closed to make room meanwhile)."""
        return super().parse_request() and self.server.connections.answered(self.connection)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code) != "200":
            stamp = time.strftime("%H:%M:%S")
            print(f'[{stamp}] "{printable(self.requestline)}" code {code}', file=sys.stderr)

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing: a client's timeouts and malformed requests are its own affair."""


def printable(text: str) -> str:
    """`text` with its control characters written as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


# --- the command ---------------------------------------------------------------------------


def serve(folder: Path, workspace: Path, *, host: str, port: int, strict: bool = False) -> None:
    """Take the port, build the preview, serve it until stopped; the preview folder and
    the worker go with it. A port in use is a ServeError before anything is built.

    Ctrl+C, SIGTERM and SIGHUP reach this function as a KeyboardInterrupt (the command line
    turns each into one): the server stops taking requests, the worker is killed and the
    folder removed, within a second.
    """
    preview = Preview(folder, workspace, strict)
    try:
        server = PreviewServer(preview.rebuild, preview.root, host, port, preview.overlay)
        try:
            url = server.take_port()
            for path in watched_paths(folder, workspace):
                server.watch(str(path))
            if not preview.rebuild():
                raise BuildcaseError(
                    f"{folder}: the first build failed; fix the errors above and run serve again"
                )
            print(f"serving {folder.name} on {url} (Ctrl+C to stop)", file=sys.stderr)
            server.serve()  # type: ignore[no-untyped-call]  # blocks until interrupted
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        preview.close()
    print(f"stopped serving {folder.name}", file=sys.stderr)


def watched_paths(folder: Path, workspace: Path) -> list[Path]:
    """What a rebuild reads: the proposal, the workspace's templates and its mkdocs.yml."""
    return [p for p in (folder, workspace / "templates", workspace / CONFIG) if p.exists()]
