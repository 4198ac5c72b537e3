"""Issue 12: the command-line slips a newcomer trips on (points 3, 4, 7, 8, --site, logging).

Each test runs the real command line (``main`` in process, or ``python -m wikibilan``
where a real stderr, a real logging setup or another user matters) and checks what
a user sees: the exit code, the one sentence on stderr, no traceback, no file made.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from wikibilan import cli
from wikibilan.cli import main
from wikibilan.config import USER_AGENT

ROOT = Path(__file__).resolve().parents[1]
LILLE = ROOT / "fixtures" / "wiki" / "lille.xml"
FRAME_CSVS = {f"{name}.csv" for name in ("pages", "revisions", "events", "attendance",
              "workshops", "expenses", "claims", "coverage", "warnings")}  # fmt: skip
TOOL_FILES = {"datapackage.json", "frames.sqlite"}  # the CSVs for Datasette, pandas, frictionless


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m wikibilan`` with stderr a pipe (not a terminal)."""
    return subprocess.run([sys.executable, "-m", "wikibilan", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)  # fmt: skip


def lines_of(text: str) -> list[str]:
    return [ln for ln in text.strip().splitlines() if ln.strip()]


def one_sentence(stderr: str, *words: str) -> str:
    """The single ``wikibilan: …`` line on stderr, holding every word given."""
    lines = lines_of(stderr)
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wikibilan: "), lines[0]
    assert "Traceback" not in stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture wiki imported into a store (read by the tests, never written)."""
    path = tmp_path_factory.mktemp("store") / "lille.sqlite"
    assert main(["import", str(LILLE), "--cache", str(path), "-q"]) == 0
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory: the default store (cache/…) would appear here."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


# -- common options, before or after the subcommand (point 3) -------------------------------


def test_cache_before_the_subcommand_is_the_store_used(
    store: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--cache", str(store), "verify"]) == 0
    assert capsys.readouterr().out.startswith("157 revisions of 45 pages checked")
    assert tree(workdir) == set()  # no cache/wikibilan.sqlite made beside it


def test_cache_after_the_subcommand_still_works_and_the_last_one_wins(
    store: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--cache", str(store)]) == 0
    assert capsys.readouterr().out.startswith("157 revisions")
    assert main(["--cache", str(workdir / "typo.sqlite"), "verify", "--cache", str(store)]) == 0
    assert capsys.readouterr().out.startswith("157 revisions")


def test_quiet_before_the_subcommand_silences_the_summary(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "import", str(LILLE), "--cache", "s.sqlite"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["import", str(LILLE), "--cache", "s.sqlite"]) == 0
    assert "imported 0 new revisions (157 read" in capsys.readouterr().err


def test_verbose_before_the_subcommand_shows_the_traceback(workdir: Path) -> None:
    r = run_cli("-v", "import", "nope.xml", "--cache", "s.sqlite", cwd=workdir)
    assert r.returncode == 2
    assert "Traceback" in r.stderr and "no such file: nope.xml" in r.stderr
    r = run_cli("import", "nope.xml", "--cache", "s.sqlite", cwd=workdir)
    one_sentence(r.stderr, "no such file: nope.xml")


# -- commands that only read never create a store (point 4) ---------------------------------


READERS = [["verify"], ["check", "--out", "out"], ["extract", "--out", "out"],
           ["export", "out.xml"], ["run", "--offline", "--out", "out"]]  # fmt: skip


@pytest.mark.parametrize("command", READERS[:4], ids=lambda c: c[0])
@pytest.mark.parametrize("cache", ["typo.sqlite", "nodir/sub/s.sqlite"])
def test_a_missing_store_is_an_error_naming_it_and_nothing_is_created(
    command: list[str], cache: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--cache", cache]) == 2
    one_sentence(capsys.readouterr().err, f"There is no store at {cache}")
    assert tree(workdir) == set()  # no store, no directory, no output


def test_a_writing_command_still_creates_the_store_and_its_directory(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(LILLE), "--cache", "new/dir/s.sqlite", "-q"]) == 0
    assert (workdir / "new" / "dir" / "s.sqlite").is_file()


def test_an_empty_file_is_not_a_store_and_is_left_as_it_was(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "empty.sqlite").write_bytes(b"")
    assert main(["verify", "--cache", "empty.sqlite"]) == 2
    one_sentence(capsys.readouterr().err, "empty.sqlite", "not a wikibilan store")
    assert (workdir / "empty.sqlite").read_bytes() == b""
    assert tree(workdir) == {"empty.sqlite"}


def _read_only_runner(place: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the CLI with ``place`` (a directory) read-only for it.

    Not root: the directory and its files lose their write bits. Root writes through
    those, so the directory is bind-mounted read-only in a private mount namespace
    that only the command's process sees; where that is not allowed, the test skips.
    """
    if os.geteuid() != 0:
        for path in [*place.iterdir(), place]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return lambda *args: run_cli(*args)
    if shutil.which("unshare") is None:
        pytest.skip("root, and no unshare(1) to make a read-only place")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(place), "true"],
                           capture_output=True, text=True)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"root, and no read-only bind mount allowed: {probe.stderr.strip()}")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["unshare", "-m", "sh", "-c", script, "sh", str(place),
                   sys.executable, "-m", "wikibilan", *args]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    return run


def test_a_store_in_a_read_only_place_is_read(store: Path, tmp_path: Path) -> None:
    place = tmp_path / "readonly"
    place.mkdir()
    shutil.copy(store, place / "s.sqlite")
    run = _read_only_runner(place)
    cache = str(place / "s.sqlite")
    r = run("verify", "--cache", cache)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("157 revisions of 45 pages checked")
    out = tmp_path / "out"
    r = run("check", "--cache", cache, "--out", str(out), "-q")
    assert r.returncode == 0, r.stderr
    assert (out / "checks.csv").is_file()
    r = run("extract", "--cache", cache, "--out", str(tmp_path / "frames"), "-q")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in place.iterdir()) == ["s.sqlite"]  # no -wal, no -shm


def test_a_writing_command_on_a_read_only_store_is_one_sentence(
    store: Path, tmp_path: Path
) -> None:
    place = tmp_path / "readonly"
    place.mkdir()
    shutil.copy(store, place / "s.sqlite")
    run = _read_only_runner(place)
    r = run("import", str(LILLE), "--cache", str(place / "s.sqlite"))
    assert r.returncode == 2
    one_sentence(r.stderr, str(place / "s.sqlite"))


# -- --site: an http(s) URL with a host, checked before any request -------------------------


@pytest.mark.parametrize(
    "site", ["ftp://x", "notaurl", "http://", "https://wiki.example.org:port/"]
)
def test_a_site_that_is_not_an_http_url_is_a_usage_error(
    site: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--site", site]) == 2
    one_sentence(capsys.readouterr().err, repr(site), "not an http(s) URL with a host")
    assert tree(workdir) == set()  # no store made for a fetch that cannot start


# -- urllib3's warnings only with -v ---------------------------------------------------------


@pytest.fixture
def broken_header_server() -> Iterator[str]:
    """A server whose answers carry a malformed header line (urllib3 logs a warning)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                # read the whole request, answer, then let the client close first: a
                # socket closed with unread bytes sends a reset, which is another error
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Length: 2\r\nnot a header line\r\n\r\nok")  # fmt: skip
                conn.shutdown(socket.SHUT_WR)
                try:
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.close()
    thread.join(timeout=5)


def test_urllib3_warnings_only_with_verbose(broken_header_server: str, workdir: Path) -> None:
    args = ["fetch", "--site", broken_header_server, "--source", "api", "--retries", "0",
            "--interval", "0", "--cache", "s.sqlite"]  # fmt: skip
    quiet = run_cli(*args, cwd=workdir)
    assert quiet.returncode == 3
    one_sentence(quiet.stderr, "has no MediaWiki API")
    loud = run_cli("-v", *args, cwd=workdir)
    assert loud.returncode == 3
    assert "WARNING urllib3" in loud.stderr and "Failed to parse headers" in loud.stderr


# -- dates and codes (point 7) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "says"),
    [("2010-01-01", "before the first revision of"), ("2099-01-01", "is in the future")],
)
def test_as_of_outside_the_bilans_life_warns_and_proceeds(
    as_of: str, says: str, store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    r = run_cli("check", "--cache", str(store), "--out", str(out), "--as-of", as_of)
    assert r.returncode == 0, r.stderr
    warnings = [ln for ln in lines_of(r.stderr) if ln.startswith("WARNING")]
    assert len(warnings) == 1, r.stderr
    assert says in warnings[0] and as_of in warnings[0]
    assert "Traceback" not in r.stderr
    assert (out / "checks.csv").is_file()  # it proceeded


def test_as_of_inside_the_bilans_life_says_nothing(store: Path, tmp_path: Path) -> None:
    r = run_cli("check", "--cache", str(store), "--out", str(tmp_path / "o"), "--as-of",
                "2018-06-01")  # fmt: skip
    assert r.returncode == 0
    assert "WARNING" not in r.stderr


def test_as_of_help_gives_the_format_and_what_it_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in ("check", "run"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "--as-of DATE" in text
        assert "YYYY-MM-DD or an ISO datetime" in text and "without a zone it is UTC" in text
        assert "each page taken at its last revision at or before DATE" in text


def test_a_bad_as_of_is_one_sentence(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--cache", str(store), "--as-of", "30/11/2017"]) == 2
    one_sentence(capsys.readouterr().err, "30/11/2017", "YYYY-MM-DD")


def test_verify_finding_a_problem_exits_4(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gap = tmp_path / "gap.sqlite"
    shutil.copy(store, gap)
    with sqlite3.connect(gap) as db:  # a revision whose parent is gone: a gap
        db.execute("DELETE FROM revisions WHERE revid = (SELECT MIN(parentid) FROM revisions "
                   "WHERE parentid > 0)")  # fmt: skip
    db.close()
    assert main(["verify", "--cache", str(gap)]) == 4
    out = capsys.readouterr().out
    assert "1 gaps in histories" in out and "gap: revision" in out


def test_every_exit_code_is_in_the_help_and_the_readme(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    epilog = text[text.index("exit codes:") :]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    codes = readme[readme.index("Exit codes:") :].split("\n\n")[0]
    for code, words in [(0, "ok"), (1, "--strict"), (2, "usage"), (3, "unreachable"),
                        (4, "verify"), (130, "interrupted")]:  # fmt: skip
        assert re.search(rf"^\s+{code}\s+.*{re.escape(words)}", epilog, re.M), (code, epilog)
        assert re.search(rf"\b{code}\b[^;.]*{re.escape(words)}", codes), (code, codes)


@pytest.mark.parametrize("links", ["-3", "x", "1.5"])
def test_links_must_be_0_or_more(
    links: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--links", links, "--site", "http://127.0.0.1:9/"]) == 2
    one_sentence(capsys.readouterr().err, "--links", repr(links))
    assert tree(workdir) == set()


def test_links_0_is_accepted(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = cli.build_parser().parse_args(["fetch", "--links", "0"])
    assert args.links == 0


@pytest.mark.parametrize("agent", ["foo", "mybot/1.0", "bot (http://localhost)"])
def test_a_user_agent_without_a_contact_is_refused(
    agent: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--user-agent", agent, "--site", "http://127.0.0.1:9/"]) == 2
    one_sentence(capsys.readouterr().err, "User-Agent", repr(agent), "gives no contact")
    assert tree(workdir) == set()


@pytest.fixture
def agent_log() -> Iterator[tuple[str, list[str]]]:
    """A server answering 404 to everything, logging each request's User-Agent."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            seen.append(self.headers.get("User-Agent", ""))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


def test_the_user_agent_given_is_the_one_sent(
    agent_log: tuple[str, list[str]], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, seen = agent_log
    agent = "auditbot/2.0 (audit@example.org)"
    code = main(["fetch", "--site", url, "--source", "api", "--user-agent", agent,
                 "--retries", "0", "--interval", "0", "--cache", "s.sqlite"])  # fmt: skip
    assert code == 3  # no API there
    assert seen and set(seen) == {agent}
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["fetch", "--help"])
    assert USER_AGENT in " ".join(capsys.readouterr().out.split())


def test_extract_writes_the_frames_csvs_only(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["extract", "--cache", str(store), "--out", str(out)]) == 0
    assert tree(out) == FRAME_CSVS | TOOL_FILES  # no checks.csv, no claim_history.csv, no report
    err = capsys.readouterr().err
    written = f"wrote {len(FRAME_CSVS | TOOL_FILES)} files"
    assert written in err and "reproduced" not in err  # no verdicts either


# -- progress (point 8) ----------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(workdir: Path) -> None:
    r = run_cli("import", str(LILLE), "--cache", "s.sqlite", cwd=workdir)
    assert r.returncode == 0
    assert "\r" not in r.stderr
    assert lines_of(r.stderr) == ["imported 157 new revisions (157 read, 45 pages) into s.sqlite"]


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@contextmanager
def on_a_terminal() -> Iterator[_Terminal]:
    """stderr is a terminal for the block (set in the test's body: pytest's own
    capture replaces sys.stderr after the fixtures are set up)."""
    screen = _Terminal()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stderr", screen)
        mp.setattr(cli, "BAR_DELAY", 0)  # draw at once, even for a short job
        yield screen


def test_import_shows_bytes_of_the_files_size_and_closes_before_the_summary(
    workdir: Path,
) -> None:
    with on_a_terminal() as terminal:
        assert main(["import", str(LILLE), "--cache", "s.sqlite"]) == 0
    screen = terminal.getvalue()
    size = f"{LILLE.stat().st_size / 1000:.0f}k"  # 215800 bytes: "216k"
    first = screen.split("\r")[1]
    assert first.startswith("import:") and f"/{size} " in first and "B/s]" in first, first
    assert "<?" in first  # the ETA: unknown before any byte is read, never a made-up rate
    summary = "imported 157 new revisions (157 read, 45 pages) into s.sqlite\n"
    assert screen.endswith("\r" + summary)  # the bar's line was cleared first
    assert screen.split("\r")[-2].strip() == ""


def test_the_archive_crawl_shows_pages_done_of_found_without_lag(
    archive_server: Callable[[Path], ArchiveServer], workdir: Path
) -> None:
    server = archive_server(ROOT / "fixtures" / "archive" / "full")
    with on_a_terminal() as terminal:
        code = main(["fetch", "--site", server.url + "/", "--cache", "s.sqlite", "--interval",
                     "0", "--title", "Calendrier de l'assemblée des communs de Lille",
                     "--links", "1"])  # fmt: skip
    assert code == 0
    frames = [f for f in terminal.getvalue().split("\r") if f.startswith("fetch:")]
    counts = [tuple(map(int, m.groups())) for f in frames if (m := re.search(r"(\d+)/(\d+) \[", f))]
    assert counts, frames
    assert all(done <= total for done, total in counts)
    assert counts[-1][1] > 1  # the pages the calendar links to were queued
    assert not any("lag=" in f for f in frames)
    assert re.search(r"\r[ ]*\r127\.0\.0\.1:\d+: \d+ pages, \d+ new revisions", terminal.getvalue())


def test_a_resumed_fetch_starts_without_a_made_up_rate() -> None:
    from wikibilan.model import FetchProgress

    bar = cli._Bar("fetch", " page")
    with on_a_terminal():
        bar.show(FetchProgress(300, 320, 0, None, 1, 0))  # 300 pages done by an earlier fetch
        line = str(bar._bar)
        bar.close()
    assert "300/320" in line and "? page/s" in line, line
