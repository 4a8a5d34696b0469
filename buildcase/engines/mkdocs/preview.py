"""The live preview's web server: MkDocs' live-reload server, guarded for a machine where
other pages are open.

The preview is for the author's own browser, and a web page open in that browser can try to
reach it too. So the server answers only requests addressed to it (a DNS-rebinding page's
carry its own host name and get 421), gives a client a bounded time to send its request
(idle and trickling connections are closed, and cannot crowd out the author's browser), and
shows the errors of a failed rebuild over every page. `commands/serve.py` runs it.

It is told of a save at once (`watcher.Watcher`: the system's file events, where MkDocs polls
twice a second) and rebuilds as soon as the save is complete, not a tenth of a second later.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler

from mkdocs.livereload import LiveReloadServer

from buildcase.engines.mkdocs.watcher import Watcher
from buildcase.errors import ServeError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# Limits on what a client may hold of the server, none of which the author's browser nears.
IDLE_SECONDS = 5.0  # a connection silent this long, reading or writing, is closed
REQUEST_SECONDS = 10.0  # the request line and headers must have arrived by then
MAX_CONNECTIONS = 64  # connections held at once, each with its thread
LISTEN_BACKLOG = 64  # connections the system queues before we accept them: a page opens several

# How long the watched files must stay quiet before a rebuild. A save is one burst of
# events, all within a millisecond or two, ending with the file closed (or renamed into
# place); a file modified but not yet closed is still being written.
SAVED_SECONDS = 0.01
WRITING_SECONDS = 0.1
# Material's scripts and stylesheets named by their content (bundle.a5f9d56c.min.js).
NAMED_BY_CONTENT = re.compile(r"\.[0-9a-f]{8}\.min\.(js|css)(\.map)?$")


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
        self.watcher = Watcher()
        self.observer = self.watcher  # type: ignore[assignment]  # MkDocs' PollingObserver, replaced
        self.RequestHandlerClass = PreviewRequestHandler
        self.host = host
        self.hosts: frozenset[str] = frozenset()  # known once the port is taken
        self.connections = Connections(MAX_CONNECTIONS)
        self.overlay = overlay
        self.set_app(self.answer)

    @property
    def build_delay(self) -> float:
        """How long the watched files must stay quiet before MkDocs rebuilds: a moment once
        a save is complete, longer while a file is still being written."""
        return SAVED_SECONDS if self.watcher.finished else WRITING_SECONDS

    @build_delay.setter
    def build_delay(self, seconds: float) -> None:
        """Nothing: MkDocs' own delay (a tenth of a second after any event) is replaced."""

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

    def reload(self) -> None:
        """Have the open pages load again, showing what the preview has now (the overlay of
        an error found after a rebuild was shown), unless a rebuild is under way: its end
        reloads them. (MkDocs' pages reload when its private epoch of the site moves on.)"""
        with self._rebuild_cond, self._epoch_cond:  # as MkDocs' build loop takes them
            if self._visible_epoch == self._wanted_epoch and not self._want_rebuild:
                now = time.monotonic_ns() // 1_000_000
                self._visible_epoch = self._wanted_epoch = max(now, self._visible_epoch + 1)
                self._epoch_cond.notify_all()

    @property
    def port(self) -> int:
        """The port served: the one the system chose for `--port 0`, once bound."""
        port: int = self.server_address[1]
        return port

    def serve_until_stopped(self) -> None:
        """Answer requests, rebuilding when a watched path changes, until interrupted (as
        `mkdocs serve` does); a KeyboardInterrupt ends it."""
        self.serve()  # type: ignore[no-untyped-call]  # MkDocs leaves serve() unannotated

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
        served = functools.partial(with_validators, self.serve_request)
        answer: Iterable[bytes] = with_overlay(served, self.overlay(), environ, start_response)
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


def with_validators(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
    """The WSGI response of `app`, a file's with what lets the browser keep it between
    reloads (an HTML page is never kept: it carries the live-reload script and overlay).

    Its ETag names the very file sent (inode, size and time: a rebuild replaces a file it
    changes, and links one it does not), and it is asked for again at every reload, and
    answered 304 while unchanged; a file Material names by its content is kept for a day.
    Its length is the file's it sends: MkDocs measures the path, which a handout replaced
    meanwhile makes another file.
    """
    held: dict[str, Any] = {}

    def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        held.update(status=status, headers=headers)
        return lambda data: None

    body = app(environ, hold)
    file = getattr(body, "filelike", None)
    if not (held["status"].startswith("200") and isinstance(file, io.BufferedReader)):
        start_response(held["status"], held["headers"])
        return body
    info = os.fstat(file.fileno())
    tag = f'"{info.st_ino:x}-{info.st_size:x}-{info.st_mtime_ns:x}"'
    kept = "max-age=86400" if NAMED_BY_CONTENT.search(environ.get("PATH_INFO", "")) else "no-cache"
    validators = [("ETag", tag), ("Cache-Control", kept)]
    if tag in environ.get("HTTP_IF_NONE_MATCH", ""):
        file.close()
        start_response("304 Not Modified", validators)
        return []
    headers = [(k, v) for k, v in held["headers"] if k.lower() != "content-length"]
    start_response(held["status"], [*headers, ("Content-Length", str(info.st_size)), *validators])
    return body


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
