"""A real fault-injecting HTTP proxy for the tests, and the wikis it stands in front of.

:class:`FaultProxy` listens on 127.0.0.1 (a free port), in threads, and
forwards each request to one upstream server (the real MediaWiki of
``tests/mediawiki_server.py``, or the archive server) unless its
:class:`Schedule` gives that request a fault:

==============  ===================================================================
``429``         429 with ``Retry-After`` in seconds
``429-date``    429 with ``Retry-After`` as an HTTP date
``500`` ``502`` ``503``   that status, an HTML error page
``maxlag``      MediaWiki's maxlag refusal: HTTP 200, JSON error, ``X-Database-Lag``
``readonly``    MediaWiki's read-only error JSON
``html``        HTTP 200 with an HTML maintenance page instead of the JSON asked for
``reset``       the connection is reset (RST) before any answer
``timeout``     no answer for longer than the client's timeout, then a hang-up
``truncated``   the real answer, its ``Content-Length`` announced, half of it sent
``trickle``     the real answer, sent in small pieces with pauses (each under the timeout)
``redirect``    a 302 to another host (:class:`Elsewhere`, which counts any visit)
``mangle``      the real answer, rewritten by ``FaultProxy.mangle`` (hostile content)
==============  ===================================================================

Every request is recorded (:class:`Record`): its index, the epoch (bumped by
:meth:`FaultProxy.new_epoch` between two runs of a fetch), the fault it got,
the status the client saw, when it arrived, whether its body was delivered
whole, and the ids of the revisions whose content it carried (read from the
JSON of API answers, or from ``wgRevisionId`` in an HTML page), so that tests
count downloads from the wire, not from the client's code. ``on_event`` is
called with ``("request", record)`` when a request arrives and
``("response", record)`` once its answer is sent: the kill tests use it.

Pytest plugin (registered in ``tests/conftest.py``): ``fault_wiki`` (session)
is the fixture wiki served by a MediaWiki of its own, its API answers capped
at 32 KiB so that long histories take several answers; tests switch it between
the api source's two plans with :func:`use_plan`. ``fault_proxy`` starts
proxies that stop at the end of the test. :func:`store_rows` reads a store
for comparison, :func:`duplicate_rows` and :func:`stored_revids` check one.
"""

from __future__ import annotations

import email.utils
import http.client
import io
import json
import random
import re
import socket
import sqlite3
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.mediawiki_server import LILLE_XML, MediaWiki

FAULT_KINDS = (
    "429", "429-date", "500", "502", "503", "maxlag", "readonly", "html",
    "reset", "timeout", "truncated", "trickle", "redirect",
)  # fmt: skip
SURVIVABLE = tuple(k for k in FAULT_KINDS if k != "redirect")
"""Faults a client should get past by retrying (a redirect off-site must stop it)."""
ANSWERED = frozenset({None, "trickle"})
"""A request that got one of these got the real answer, whole."""

_HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
        "transfer-encoding", "content-length", "content-encoding", "host", "accept-encoding",
    }
)  # fmt: skip
_REVID_IN_HTML = re.compile(rb'"wgRevisionId"\s*:\s*(\d+)')
_MAINTENANCE_PAGE = (
    b"<!DOCTYPE html><html lang='fr'><head><title>Maintenance</title></head>"
    b"<body><h1>Le wiki est en maintenance</h1><p>Revenez dans quelques minutes.</p>"
    b"</body></html>"
)


# -- schedules ----------------------------------------------------------------------


class Schedule:
    """Which fault each request gets (None: forwarded untouched).

    Build one with :meth:`explicit`, :meth:`seeded` or :meth:`from_index`;
    ``match`` limits faults to the request targets it accepts.
    """

    def __init__(
        self,
        rule: Callable[[int, str, str], str | None],
        *,
        match: Callable[[str], bool] | None = None,
    ) -> None:
        self._rule = rule
        self._match = match

    def fault_for(self, index: int, method: str, target: str) -> str | None:
        if self._match is not None and not self._match(target):
            return None
        return self._rule(index, method, target)

    @classmethod
    def none(cls) -> Schedule:
        return cls(lambda i, m, t: None)

    @classmethod
    def explicit(cls, faults: Mapping[int, str] | Sequence[str | None], **kw: Any) -> Schedule:
        """Faults by request index: ``{0: "429", 3: "reset"}`` or ``["503", None, "html"]``."""
        table = dict(faults) if isinstance(faults, Mapping) else dict(enumerate(faults))
        return cls(lambda i, m, t: table.get(i), **kw)

    @classmethod
    def seeded(
        cls, rate: float, seed: int, kinds: Sequence[str] = SURVIVABLE, **kw: Any
    ) -> Schedule:
        """About ``rate`` of the requests faulted, reproducibly for a ``seed``.

        Whether request *i* is faulted depends only on (seed, i); the kinds are
        dealt from a deck shuffled by the seed, so every kind comes up once
        per ``len(kinds)`` faults.
        """
        deck = list(kinds)
        random.Random(seed).shuffle(deck)
        dealt = [0]
        lock = threading.Lock()

        def rule(index: int, method: str, target: str) -> str | None:
            if random.Random(f"{seed}:{index}").random() >= rate:
                return None
            with lock:
                kind = deck[dealt[0] % len(deck)]
                dealt[0] += 1
            return kind

        return cls(rule, **kw)

    @classmethod
    def from_index(cls, first: int, kind: str = "503", **kw: Any) -> Schedule:
        """Every request from index ``first`` on gets ``kind`` (a site that went down)."""
        return cls(lambda i, m, t: kind if i >= first else None, **kw)


# -- records --------------------------------------------------------------------------


@dataclass
class Record:
    """One request as the proxy saw and answered it."""

    index: int
    epoch: int
    seq: int
    """Index among the requests of its epoch (its run)."""
    method: str
    target: str
    fault: str | None
    arrived: float
    """``time.monotonic()`` when the request arrived."""
    status: int | None = None
    """The status the client was sent; None when it got no answer (reset, timeout)."""
    delivered: bool = False
    """The whole body reached the client's socket."""
    revids: tuple[int, ...] = ()
    """Revisions whose content the delivered body carried."""


def revisions_in(body: bytes, content_type: str, target: str = "") -> tuple[int, ...]:
    """Ids of the revisions whose content an answer carries (API JSON or a page's HTML).

    An HTML page carries the revision its ``wgRevisionId`` names (a page view, an
    old revision, a diff page); a history page carries none.
    """
    if "json" in content_type:
        try:
            answer = json.loads(body)
        except ValueError:
            return ()
        query = answer.get("query", {}) if isinstance(answer, dict) else {}
        groups = list(query.get("pages", []) or []) + list(query.get("allrevisions", []) or [])
        out = []
        for group in groups:
            for rev in group.get("revisions", []) if isinstance(group, dict) else []:
                slot = rev.get("slots", {}).get("main", rev)
                if "content" in slot and "revid" in rev:
                    out.append(int(rev["revid"]))
        return tuple(out)
    if "html" in content_type and "action=history" not in target:
        found = [int(m) for m in _REVID_IN_HTML.findall(body[:200_000])[:1]]
        return tuple(revid for revid in found if revid)
    return ()


# -- the servers ------------------------------------------------------------------------


class Elsewhere(ThreadingHTTPServer):
    """Another host: answers 200 to anything and counts who came."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ElsewhereHandler)
        self.hits: list[str] = []
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        # "localhost", not 127.0.0.1: another host name as well as another port.
        return f"http://localhost:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _ElsewhereHandler(BaseHTTPRequestHandler):
    server: Elsewhere
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.hits.append(self.path)
        body = b'{"query": {"general": {"generator": "MediaWiki 1.39"}}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class FaultProxy(ThreadingHTTPServer):
    """A reverse proxy to ``upstream`` that faults the requests its schedule names.

    Args:
        upstream: the server's root URL (``http://127.0.0.1:PORT``).
        schedule: the faults (none by default; it can be replaced between runs).
        client_timeout: the client's read timeout; a ``timeout`` fault hangs longer.
        retry_after: seconds in a 429's ``Retry-After``.
        retry_date_in: seconds ahead of now for a ``429-date``'s HTTP date.
        maxlag_retry_after: ``Retry-After`` of a maxlag refusal (MediaWiki says 5).
        trickle_pieces, trickle_pause: how a ``trickle`` answer is cut and paced.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        upstream: str,
        schedule: Schedule | None = None,
        *,
        client_timeout: float = 1.0,
        retry_after: int = 1,
        retry_date_in: int = 2,
        maxlag_retry_after: int = 1,
        trickle_pieces: int = 8,
        trickle_pause: float = 0.03,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        parts = urlsplit(upstream)
        self.upstream = upstream.rstrip("/")
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.schedule = schedule or Schedule.none()
        self.client_timeout = client_timeout
        self.retry_after = retry_after
        self.retry_date_in = retry_date_in
        self.maxlag_retry_after = maxlag_retry_after
        self.trickle_pieces = trickle_pieces
        self.trickle_pause = trickle_pause
        self.mangle: Callable[[bytes, str], bytes] = lambda body, content_type: body
        self.on_event: Callable[[str, Record], None] | None = None
        self.records: list[Record] = []
        self.elsewhere = Elsewhere()
        self.epoch = 0
        self._epoch_start = 0
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def new_epoch(self) -> int:
        """Start counting the requests of another run; returns its number."""
        with self._lock:
            self.epoch += 1
            self._epoch_start = len(self.records)
            return self.epoch

    def stop(self) -> None:
        self._stopping.set()
        self.shutdown()
        self.server_close()
        self.elsewhere.stop()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (or was killed) is what these tests are about

    # -- what the records say -----------------------------------------------------

    def _begin(self, method: str, target: str) -> Record:
        with self._lock:
            index = len(self.records)
            fault = self.schedule.fault_for(index, method, target)
            seq = index - self._epoch_start
            record = Record(index, self.epoch, seq, method, target, fault, time.monotonic())
            self.records.append(record)
            self._in_flight += 1
        return record

    def _end(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every request that arrived has been answered (or given up on).

        A client may have read a whole answer before the thread that wrote it
        recorded so; the counts below are read once nothing is in flight.
        """
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def faults(self, epoch: int | None = None) -> Counter[str]:
        """How many requests got each fault."""
        self.settle()
        return Counter(
            r.fault for r in self.records if r.fault and (epoch is None or r.epoch == epoch)
        )

    def survived(self) -> Counter[str]:
        """Faults the client got past: the same request was later answered whole.

        A trickle counts when its body was delivered (the client needed no retry).
        """
        self.settle()
        out: Counter[str] = Counter()
        for r in self.records:
            if not r.fault:
                continue
            answered_later = any(
                later.target == r.target and later.fault in ANSWERED and later.delivered
                for later in self.records[r.index + 1 :]
            )
            if answered_later or (r.fault == "trickle" and r.delivered):
                out[r.fault] += 1
        return out

    def served_revisions(self, epoch: int | None = None) -> Counter[int]:
        """Revision id -> how many delivered answers carried its content."""
        self.settle()
        return Counter(
            revid
            for r in self.records
            if r.delivered and (epoch is None or r.epoch == epoch)
            for revid in r.revids
        )

    def waits_after(self, kind: str) -> list[float]:
        """Seconds between each ``kind`` fault and the next request (the client's wait)."""
        out = []
        for r in self.records:
            if r.fault == kind and r.index + 1 < len(self.records):
                out.append(self.records[r.index + 1].arrived - r.arrived)
        return out


class _ProxyHandler(BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    do_POST = do_GET  # noqa: N815
    do_HEAD = do_GET  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    # -- one request ---------------------------------------------------------------

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxy = self.server
        record = proxy._begin(self.command, self.path)
        try:
            self._answer(record, body)
        finally:
            proxy._end()

    def _answer(self, record: Record, body: bytes) -> None:
        proxy = self.server
        if proxy.on_event is not None:
            proxy.on_event("request", record)
        fault = record.fault
        if fault == "reset":
            self._reset()
        elif fault == "timeout":
            proxy._stopping.wait(proxy.client_timeout + 0.5)
            self._reset()
        elif fault in ("429", "429-date"):
            after = (
                str(proxy.retry_after)
                if fault == "429"
                else email.utils.formatdate(time.time() + proxy.retry_date_in, usegmt=True)
            )
            self._send(record, 429, b"Too Many Requests", "text/plain", {"Retry-After": after})
        elif fault in ("500", "502", "503"):
            page = f"<html><body><h1>{fault}</h1></body></html>".encode()
            self._send(record, int(fault), page, "text/html; charset=utf-8")
        elif fault == "maxlag":
            error = {"code": "maxlag", "info": "Waiting for a database server: 6 seconds lagged",
                     "host": "db1", "lag": 6, "type": "db"}  # fmt: skip
            headers = {"Retry-After": str(proxy.maxlag_retry_after), "X-Database-Lag": "6",
                       "MediaWiki-API-Error": "maxlag"}  # fmt: skip
            self._send(record, 200, json.dumps({"error": error}).encode(), "application/json",
                       headers)  # fmt: skip
        elif fault == "readonly":
            error = {"code": "readonly", "info": "The wiki is currently in read-only mode.",
                     "readonlyreason": "Maintenance de la base de données"}  # fmt: skip
            self._send(record, 200, json.dumps({"error": error}).encode(), "application/json",
                       {"MediaWiki-API-Error": "readonly"})  # fmt: skip
        elif fault == "html":
            self._send(record, 200, _MAINTENANCE_PAGE, "text/html; charset=utf-8")
        elif fault == "redirect":
            self._send(record, 302, b"", "text/plain",
                       {"Location": proxy.elsewhere.url + self.path})  # fmt: skip
        else:
            self._forward(record, body)
        if proxy.on_event is not None:
            proxy.on_event("response", record)

    def _forward(self, record: Record, body: bytes) -> None:
        proxy = self.server
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Host"] = f"{proxy.upstream_host}:{proxy.upstream_port}"
        headers["Accept-Encoding"] = "identity"  # bodies are read, so never compressed
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            status, reply = answer.status, answer.getheaders()
            length = answer.getheader("Content-Length")
        finally:
            conn.close()
        passed = {k.title(): v for k, v in reply if k.lower() not in _HOP_BY_HOP}
        if "Location" in passed:  # the upstream's own redirects stay behind the proxy
            passed["Location"] = passed["Location"].replace(proxy.upstream, proxy.url)
        content_type = passed.pop("Content-Type", "")
        if self.command == "HEAD" or status in (204, 304):
            record.status = status
            self._head_only(record, status, content_type, passed, length)
            return
        if record.fault == "mangle":
            data = proxy.mangle(data, content_type)
        self._send(record, status, data, content_type, passed)

    def _send(
        self,
        record: Record,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        proxy = self.server
        record.status = status
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if record.fault == "truncated":
            self.send_header("Connection", "close")
        self.end_headers()
        try:
            if record.fault == "truncated":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if record.fault == "trickle":
                step = max(1, -(-len(body) // proxy.trickle_pieces))
                for start in range(0, len(body), step):
                    if start:
                        time.sleep(proxy.trickle_pause)
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
            else:
                self.wfile.write(body)
                self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        record.delivered = True
        record.revids = revisions_in(body, content_type, record.target) if status == 200 else ()

    def _head_only(
        self, record: Record, status: int, content_type: str, headers: Mapping[str, str],
        length: str | None,
    ) -> None:  # fmt: skip
        """An answer without a body (HEAD, 204, 304), with the upstream's length if any."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is not None and self.command == "HEAD":
            self.send_header("Content-Length", length)
        self.end_headers()
        record.delivered = True

    def _reset(self) -> None:
        """Hang up with a TCP reset, answering nothing."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.wfile = io.BytesIO()  # what the handler would flush goes nowhere
        self.close_connection = True


# -- comparing stores ---------------------------------------------------------------------

REVISION_FIELDS = (
    "revid", "page_id", "parentid", "timestamp", "user", "user_is_ip", "comment",
    "content_model", "content", "sha1", "size", "minor", "source",
)  # fmt: skip


def store_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every revision's fields and every page of a store, read with plain sqlite3.

    The site key is left out (it names the host and port the fetch went to).
    """
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        revisions = db.execute(
            f"SELECT {', '.join(REVISION_FIELDS)} FROM revisions ORDER BY revid"
        ).fetchall()
        pages = db.execute(
            "SELECT page_id, title, namespace, status FROM pages ORDER BY page_id"
        ).fetchall()
    return {"revisions": revisions, "pages": pages}


def duplicate_rows(path: Path) -> int:
    """Rows that repeat a (site, revid) or a (site, page, timestamp, content) already stored."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        by_id = db.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM "
            "(SELECT COUNT(*) AS n FROM revisions GROUP BY site, revid)"
        ).fetchone()[0]
        by_text = db.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM revisions "
            "GROUP BY site, page_id, timestamp, user, sha1, revid)"
        ).fetchone()[0]
    return int(by_id) + int(by_text)


def stored_revids(path: Path) -> set[int]:
    """Revision ids committed in a store (read-only, while nothing else writes)."""
    if not path.exists():
        return set()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            return {int(r[0]) for r in db.execute("SELECT revid FROM revisions")}
        except sqlite3.OperationalError:  # killed before the schema was committed
            return set()


# -- the wiki behind the proxy --------------------------------------------------------------

PLAN_EDITS = {"per_page": 1_000_000}
"""``site_stats`` edits that make the API source choose a plan (else the wiki's own count)."""


def use_plan(wiki: MediaWiki, plan: str) -> None:
    """Make the API source choose ``plan`` on ``wiki``, by what its statistics say.

    ``per_page`` is what a large wiki gets (the Lille section is a small part of
    wiki.lescommuns.org); ``allrevisions`` what the fixture wiki alone gets.
    """
    db = wiki.root / "data" / "wiki.sqlite"
    with sqlite3.connect(db) as conn:
        if plan == "per_page":
            conn.execute("UPDATE site_stats SET ss_total_edits = ?", (PLAN_EDITS["per_page"],))
        else:
            edits = conn.execute("SELECT COUNT(*) FROM revision").fetchone()[0]
            conn.execute("UPDATE site_stats SET ss_total_edits = ?", (edits,))


_RESULT_SIZE = """
# Added by tests/fault_proxy.py: long histories take several answers (continuation).
$wgAPIMaxResultSize = 32768;
"""


def cap_api_results(wiki: MediaWiki) -> MediaWiki:
    """Cap the wiki's API answers at 32 KiB (``$wgAPIMaxResultSize``).

    The bilan's long history then takes several answers, so that a fault or a
    kill can fall in the middle of a listing.
    """
    with wiki.config.open("a", encoding="utf-8") as fp:
        fp.write(_RESULT_SIZE)
    return wiki


@pytest.fixture(scope="session")
def fault_wiki(mediawiki_factory: Callable[..., MediaWiki]) -> MediaWiki:
    """The fixture wiki in a MediaWiki of its own, answers capped (:func:`cap_api_results`).

    Tests switch plans with :func:`use_plan`; nothing else about it changes.
    """
    return cap_api_results(mediawiki_factory((LILLE_XML,)))


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """Start proxies: ``start(upstream, schedule, **options)``; all stop after the test."""
    started: list[FaultProxy] = []

    def start(upstream: str, schedule: Schedule | None = None, **options: Any) -> FaultProxy:
        proxy = FaultProxy(upstream, schedule, **options)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
