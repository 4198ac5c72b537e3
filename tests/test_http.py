"""PoliteSession against a real local HTTP server that misbehaves on purpose.

The server is a plain ``http.server`` in a thread, scripted per path. The
session really sends every request; only its sleep is replaced, by a recorder
that advances a fake clock, so the waits can be checked without waiting.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wikibilan.config import Politeness
from wikibilan.errors import OffSiteError, RetryBudgetExhausted, SourceError, UnreachableError
from wikibilan.sources.http import PoliteSession, parse_retry_after, same_site

T0 = 1_700_000_000.0  # the fake wall clock's "now"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    truncate: bool = False  # announce more bytes than sent, then hang up


@dataclass
class Script:
    """Per path, the replies to give in order (the last one repeats)."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    agents: list[str] = field(default_factory=list)

    def reply_for(self, path: str) -> Reply:
        n = self.hits[path]
        self.hits[path] += 1
        options = self.replies.get(path, [Reply(404, b"not here")])
        return options[min(n, len(options) - 1)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    script: Script


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        script = self.server.script
        script.agents.append(self.headers.get("User-Agent", ""))
        reply = script.reply_for(self.path.split("?")[0])
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        length = len(reply.body) * (2 if reply.truncate else 1)
        self.send_header("Content-Length", str(length))
        if reply.truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)
        if reply.truncate:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@dataclass
class Local:
    url: str
    script: Script


def _serve(script: Script) -> Iterator[Local]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.script = script
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Local(f"http://127.0.0.1:{server.server_address[1]}", script)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local() -> Iterator[Local]:
    yield from _serve(Script())


@pytest.fixture
def other() -> Iterator[Local]:
    yield from _serve(Script())


class FakeTime:
    """A clock that only moves when the session sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_session(fake: FakeTime, **changes: float | int | str) -> PoliteSession:
    settings: dict[str, float | int | str] = {"min_interval": 0.0, "timeout": 5.0}
    settings.update(changes)
    return PoliteSession(
        Politeness(**settings),  # type: ignore[arg-type]
        clock=fake.clock,
        sleep=fake.sleep,
        wall_clock=lambda: T0,
        rng=random.Random(7),
    )


def test_429_with_retry_after_seconds_is_retried_after_that_wait(local: Local) -> None:
    local.script.replies["/a"] = [Reply(429, b"slow down", {"Retry-After": "3"}), Reply()]
    fake = FakeTime()
    session = make_session(fake)
    response = session.get(local.url + "/a")
    assert response.status_code == 200 and response.text == "ok"
    assert fake.sleeps == [3.0]
    assert local.script.hits["/a"] == 2
    assert session.stats.requests == 2 and session.stats.retries == 1
    assert session.stats.throttled == 1


def test_429_with_retry_after_date_waits_until_that_date(local: Local) -> None:
    when = email.utils.formatdate(T0 + 7, usegmt=True)
    local.script.replies["/d"] = [Reply(429, b"", {"Retry-After": when}), Reply()]
    fake = FakeTime()
    assert make_session(fake).get(local.url + "/d").status_code == 200
    assert fake.sleeps == [7.0]


def test_503_without_retry_after_backs_off_exponentially_with_jitter(local: Local) -> None:
    local.script.replies["/s"] = [Reply(503), Reply(503), Reply(503), Reply()]
    fake = FakeTime()
    session = make_session(fake, backoff_base=2.0)
    assert session.get(local.url + "/s").status_code == 200
    assert len(fake.sleeps) == 3
    for attempt, slept in enumerate(fake.sleeps):
        ceiling = 2.0 * 2**attempt
        assert ceiling / 2 <= slept <= ceiling
    assert local.script.hits["/s"] == 4


def test_maxlag_error_is_waited_out_then_the_answer_comes(local: Local) -> None:
    refusal = json.dumps({"error": {"code": "maxlag", "info": "Waiting: 7 s lagged", "lag": 7}})
    local.script.replies["/api.php"] = [
        Reply(
            200,
            refusal.encode(),
            {"Retry-After": "5", "X-Database-Lag": "7", "Content-Type": "application/json"},
        ),
        Reply(200, refusal.encode(), {"Content-Type": "application/json"}),  # body only
        Reply(200, b'{"query": {}}', {"Content-Type": "application/json"}),
    ]
    fake = FakeTime()
    session = make_session(fake)
    response = session.get(local.url + "/api.php", params={"action": "query", "maxlag": "5"})
    assert response.json() == {"query": {}}
    assert fake.sleeps[0] == 5.0 and len(fake.sleeps) == 2
    assert session.stats.maxlag == 2 and session.stats.last_lag == 7.0


def test_retries_stop_at_the_per_request_limit(local: Local) -> None:
    local.script.replies["/down"] = [Reply(503)]
    fake = FakeTime()
    with pytest.raises(RetryBudgetExhausted) as info:
        make_session(fake, max_retries=3, backoff_base=0.1).get(local.url + "/down")
    assert local.script.hits["/down"] == 4  # the first try and three retries
    assert info.value.exit_code == 3 and "503" in str(info.value)


def test_the_retry_budget_spans_the_whole_session(local: Local) -> None:
    local.script.replies["/x"] = [Reply(503), Reply(503), Reply()]
    local.script.replies["/y"] = [Reply(503), Reply(503), Reply()]
    fake = FakeTime()
    session = make_session(fake, retry_budget=3, backoff_base=0.1)
    assert session.get(local.url + "/x").status_code == 200
    with pytest.raises(RetryBudgetExhausted):
        session.get(local.url + "/y")
    assert local.script.hits["/y"] == 2 and session.stats.retries == 3


def test_a_retry_after_longer_than_allowed_stops_at_once(local: Local) -> None:
    local.script.replies["/long"] = [Reply(429, b"", {"Retry-After": "3600"}), Reply()]
    fake = FakeTime()
    with pytest.raises(RetryBudgetExhausted, match="3600"):
        make_session(fake, backoff_max=60.0).get(local.url + "/long")
    assert fake.sleeps == [] and local.script.hits["/long"] == 1


def test_a_truncated_body_is_fetched_again(local: Local) -> None:
    local.script.replies["/t"] = [Reply(200, b"half", truncate=True), Reply(200, b"whole")]
    fake = FakeTime()
    assert make_session(fake, backoff_base=0.1).get(local.url + "/t").text == "whole"
    assert local.script.hits["/t"] == 2


def test_a_redirect_to_another_host_is_refused(local: Local, other: Local) -> None:
    other.script.replies["/elsewhere"] = [Reply()]
    elsewhere = other.url.replace("127.0.0.1", "localhost") + "/elsewhere"
    local.script.replies["/go"] = [Reply(302, b"", {"Location": elsewhere})]
    with pytest.raises(OffSiteError) as info:
        make_session(FakeTime()).get(local.url + "/go")
    assert info.value.url == elsewhere and info.value.exit_code == 3
    assert other.script.hits["/elsewhere"] == 0


def test_a_redirect_on_the_same_host_is_followed(local: Local) -> None:
    local.script.replies["/old"] = [Reply(301, b"", {"Location": "/new"})]
    local.script.replies["/new"] = [Reply(200, b"moved here")]
    session = make_session(FakeTime())
    assert session.get(local.url + "/old").text == "moved here"
    assert session.stats.requests == 2


def test_responses_over_the_size_cap_are_refused(local: Local) -> None:
    local.script.replies["/big"] = [Reply(200, b"x" * 5000)]
    with pytest.raises(SourceError, match="cap"):
        make_session(FakeTime(), max_response_bytes=1000).get(local.url + "/big")


def test_requests_keep_a_minimum_interval_and_say_who_we_are(local: Local) -> None:
    local.script.replies["/p"] = [Reply()]
    fake = FakeTime()
    session = make_session(fake, min_interval=0.5, user_agent="wikibilan-test/1 (+https://x)")
    for _ in range(3):
        session.get(local.url + "/p")
    assert fake.sleeps == [0.5, 0.5]
    assert local.script.agents == ["wikibilan-test/1 (+https://x)"] * 3


def test_4xx_answers_are_returned_not_retried(local: Local) -> None:
    session = make_session(FakeTime())
    assert session.get(local.url + "/missing").status_code == 404
    assert local.script.hits["/missing"] == 1 and session.stats.retries == 0


def test_an_unreachable_host_is_not_retried() -> None:
    fake = FakeTime()
    session = make_session(fake, max_retries=2, backoff_base=0.01)
    with pytest.raises(UnreachableError, match="connection refused"):
        session.get("http://127.0.0.1:9/")  # the discard port: nothing listens
    assert session.stats.requests == 1 and session.stats.retries == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (email.utils.formatdate(T0 + 30, usegmt=True), 30.0),
        (email.utils.formatdate(T0 - 30, usegmt=True), 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=T0) == expected


@pytest.mark.parametrize(
    ("url", "target", "same"),
    [
        ("http://wiki.example/a", "http://wiki.example/b", True),
        ("http://wiki.example/a", "https://wiki.example/b", True),
        ("https://wiki.example/a", "http://wiki.example/b", False),
        ("http://wiki.example/a", "http://evil.example/b", False),
        ("http://127.0.0.1:8080/a", "http://127.0.0.1:9090/b", False),
    ],
)
def test_same_site(url: str, target: str, same: bool) -> None:
    assert same_site(url, target) is same
