"""Issue 12, point 6: permanent failures stop at once, transient ones are retried, in one sentence.

Everything talks to real local sockets: a port bound but never listening
(connections to it are refused), a plain HTTP server asked for TLS, the
archive fixture behind the fault-injecting proxy. Attempts are counted from
the session's counters, the proxy's records and urllib3's own log records
("Starting new HTTP connection"), never from a clock.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from tests.fault_proxy import FaultProxy, Schedule, stored_revids
from wikibilan.config import Politeness
from wikibilan.errors import RetryBudgetExhausted, UnreachableError
from wikibilan.sources.http import PoliteSession

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "archive" / "nohistory"
QUICK = Politeness(min_interval=0.0, max_retries=2, backoff_base=0.01, timeout=0.5)
CLI_QUICK = ("--interval", "0", "--timeout", "1", "--retries", "1")
Start = Callable[..., FaultProxy]


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port bound by nobody's server: the kernel refuses every connection to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening
        yield sock.getsockname()[1]


def _session(waits: list[float]) -> PoliteSession:
    return PoliteSession(QUICK, sleep=waits.append)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wikibilan", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _one_sentence(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("wikibilan: "), stderr
    assert "Traceback" not in stderr and len(lines[0]) < 200, stderr
    return lines[0]


# -- permanent: one attempt, no wait -------------------------------------------------------


def test_a_refused_connection_fails_at_once(refused_port: int) -> None:
    waits: list[float] = []
    session = _session(waits)
    with pytest.raises(UnreachableError) as info:
        session.get(f"http://127.0.0.1:{refused_port}/api.php")
    assert str(info.value) == f"cannot reach 127.0.0.1:{refused_port}: connection refused"
    assert info.value.exit_code == 3
    assert (session.stats.requests, session.stats.retries, waits) == (1, 0, [])


def test_a_host_name_that_does_not_resolve_fails_at_once() -> None:
    waits: list[float] = []
    session = _session(waits)
    with pytest.raises(UnreachableError, match="^cannot reach nowhere.invalid: its host name "):
        session.get("http://nowhere.invalid/")  # .invalid never resolves (RFC 6761)
    assert (session.stats.requests, session.stats.retries, waits) == (1, 0, [])


def test_tls_to_a_plain_http_server_fails_at_once(
    archive_server: Callable[[Path], ArchiveServer],
) -> None:
    server = archive_server(ARCHIVE)
    port = server.url.rsplit(":", 1)[1].strip("/")
    waits: list[float] = []
    session = _session(waits)
    with pytest.raises(UnreachableError, match=rf"^cannot reach 127.0.0.1:{port}: TLS failed"):
        session.get(f"https://127.0.0.1:{port}/wiki/Accueil")
    assert (session.stats.requests, session.stats.retries, waits) == (1, 0, [])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://wiki.example/", "cannot request ftp://wiki.example/: it is not an http(s) URL"),
        ("wiki.example/x", "cannot request wiki.example/x: it is not an http(s) URL"),
        ("http://", "cannot request http://: it is not valid"),
    ],
)
def test_a_url_that_is_not_http_fails_at_once(url: str, message: str) -> None:
    session = _session([])
    with pytest.raises(UnreachableError) as info:
        session.get(url)
    assert str(info.value) == message
    assert session.stats.retries == 0


def test_fetch_from_a_refused_port_is_one_attempt_and_one_sentence(
    refused_port: int, tmp_path: Path
) -> None:
    """The auto source neither retries nor falls back to the archive (which would retry again)."""
    cache = tmp_path / "store.sqlite"
    site = f"http://127.0.0.1:{refused_port}/"
    quiet = _cli("fetch", "--site", site, "--cache", str(cache), cwd=tmp_path)
    assert quiet.returncode == 3
    line = _one_sentence(quiet.stderr)
    assert line == f"wikibilan: cannot reach 127.0.0.1:{refused_port}: connection refused"
    assert "resume" not in line and "retry" not in quiet.stderr
    assert not cache.exists()

    verbose = _cli("fetch", "--site", site, "--cache", str(cache), "-v", cwd=tmp_path)
    assert verbose.returncode == 3
    connections = [ln for ln in verbose.stderr.splitlines() if "Starting new HTTP" in ln]
    assert len(connections) == 1, verbose.stderr
    assert "using the archive source" not in verbose.stderr
    assert not cache.exists()


# -- transient: retried, in a few words ----------------------------------------------------


@pytest.mark.parametrize(("fault", "reason"), [("reset", "connection reset"),
                                               ("timeout", "no answer in time")])  # fmt: skip
def test_transient_failures_are_retried(
    fault: str, reason: str, archive_server: Callable[[Path], ArchiveServer],
    fault_proxy: Start, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    server = archive_server(ARCHIVE)
    proxy = fault_proxy(server.url, Schedule.explicit({0: fault}), client_timeout=0.5)
    waits: list[float] = []
    session = _session(waits)
    assert session.get(proxy.url + "/wiki/Accueil").status_code in (200, 404)
    assert (session.stats.requests, session.stats.retries, len(waits)) == (2, 1, 1)
    retried = [r.getMessage() for r in caplog.records if "retry 1/2" in r.getMessage()]
    assert retried == [f"{reason} from 127.0.0.1:{proxy.url.rsplit(':', 1)[1]}; "
                       f"retry 1/2 in {waits[0]:.1f} s"]  # fmt: skip


def test_a_site_that_stays_down_uses_its_retries_then_says_why(
    archive_server: Callable[[Path], ArchiveServer], fault_proxy: Start
) -> None:
    server = archive_server(ARCHIVE)
    proxy = fault_proxy(server.url, Schedule.from_index(0, "reset"))
    session = _session([])
    with pytest.raises(RetryBudgetExhausted) as info:
        session.get(proxy.url + "/wiki/Accueil")
    host = proxy.url.removeprefix("http://")
    assert str(info.value) == f"{host} kept failing (connection reset) after 2 retries"
    assert len(proxy.records) == 3


# -- "resume" only when something was stored -----------------------------------------------


@pytest.mark.parametrize("down_from", [0, 8])
def test_resume_is_said_only_when_something_was_stored(
    down_from: int, archive_server: Callable[[Path], ArchiveServer],
    fault_proxy: Start, tmp_path: Path,
) -> None:  # fmt: skip
    server = archive_server(ARCHIVE)
    proxy = fault_proxy(server.url, Schedule.from_index(down_from, "503"))
    cache = tmp_path / "store.sqlite"
    r = _cli("fetch", "--source", "archive", "--site", proxy.url + "/", "--cache", str(cache),
             *CLI_QUICK, "-q", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 3
    line = _one_sentence(r.stderr)
    host = proxy.url.removeprefix("http://")
    assert line.startswith(f"wikibilan: {host} kept failing (HTTP 503) after 1 retries")
    stored = len(stored_revids(cache)) if cache.exists() else 0
    if down_from == 0:
        assert stored == 0 and line.endswith("after 1 retries"), line
    else:
        assert stored > 0
        assert line.endswith(
            f"; {stored} new revisions were stored: run the command again later to resume"
        ), line
