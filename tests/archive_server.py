"""A static file server for a wget mirror, mapping URLs to files as the live archive does.

``wiki.lescommuns.org`` serves the files wget wrote (``--adjust-extension
--restrict-file-names=windows``). The mapping, from ../shared/ARCHIVE.md:

- the path is percent-decoded **once** (``%2527`` -> the file name's ``%27``);
  ``@``, ``&`` and ``=`` are literal;
- a query string ``?x`` maps to the file ``path@x`` (wget wrote ``@`` for
  ``?``); the query is taken as sent, not decoded;
- ``/wiki/T`` may be served from ``wiki/T`` or ``wiki/T.html`` (both are tried);
- anything else is a 404, and nothing outside the directory is ever served.

Conditional requests (``If-None-Match``, ``If-Modified-Since``) get a 304.
Every request is logged (method, request target as sent, status, body bytes)
so tests and the benchmark count requests from the server's side.

Pytest fixture: ``archive_server`` gives ``serve(directory) -> ArchiveServer``;
every server started through it stops at the end of the test.
"""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server saw it."""

    method: str
    target: str
    """The request target exactly as sent (path and query, still percent-encoded)."""
    status: int
    bytes: int
    """Body bytes sent."""

    @property
    def path(self) -> str:
        """The target without its query."""
        return self.target.partition("?")[0]


def resolve(root: Path, target: str) -> Path | None:
    """The file that answers ``target`` under ``root``, or None (a 404)."""
    path, has_query, query = target.partition("?")
    path = path.partition("#")[0]
    name = unquote(path, errors="strict").lstrip("/")
    if has_query:
        name += "@" + query
    if not name or name.endswith("/"):
        name += "index.html"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\\" in name or "\x00" in name:
        return None
    for candidate in (name, name + ".html"):
        file = root.joinpath(*candidate.split("/"))
        if file.is_file():
            return file
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the polite session reuses one connection
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        try:
            file = resolve(self.server.root, self.path)
        except UnicodeDecodeError:
            file = None
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, b"<h1>404 Not Found</h1>", {}, body)
            return
        stat = file.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified}
        if self._not_modified(etag, int(stat.st_mtime)):
            self._send(HTTPStatus.NOT_MODIFIED, b"", headers, False)
            return
        ctype = "text/html; charset=utf-8" if file.suffix == ".html" else "application/octet-stream"
        self._send(HTTPStatus.OK, file.read_bytes(), {**headers, "Content-Type": ctype}, body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                when = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            return mtime <= when.timestamp()
        return False

    def _send(self, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        sent = len(data) if body and status != HTTPStatus.NOT_MODIFIED else 0
        # Logged before the answer is written: a client that has read its answer always
        # finds the request in the log. Logged after, the server thread could still be
        # waiting for the CPU when the client reads or clears the log (a loaded machine).
        self.server.record(LoggedRequest(self.command, self.path, int(status), sent))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if sent:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass  # the structured log above replaces stderr lines


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)


class ArchiveServer:
    """A running server for one directory; ``url`` has no trailing slash."""

    def __init__(self, root: Path) -> None:
        self._server = _Server(Path(root))
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def root(self) -> Path:
        return self._server.root

    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, in order."""
        with self._server._lock:
            return list(self._server.log)

    def clear_log(self) -> None:
        with self._server._lock:
            self._server.log.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ArchiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def archive_server() -> Iterator[Callable[[Path], ArchiveServer]]:
    """Serve directories over real HTTP on 127.0.0.1: ``serve(directory) -> ArchiveServer``."""
    started: list[ArchiveServer] = []

    def serve(root: Path) -> ArchiveServer:
        server = ArchiveServer(root)
        started.append(server)
        return server

    yield serve
    for server in started:
        server.stop()
