"""Hostile input: a clear error or a warnings row, never a crash, a hang, or a stray write.

Whole commands run in a subprocess with a timeout, so a hang fails the test
instead of the suite, and their peak memory is read from the kernel
(``wait4``). XML bombs and external entities are refused by the dump reader
before any entity is expanded: tests/test_dump.py checks the reader
(``test_hostile_files_change_nothing``, ``test_hostile_prologs``,
``test_parser_itself_expands_no_entity``); here the command line is checked
on the same files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fault_proxy import Elsewhere, FaultProxy, Schedule, use_plan
from tests.mediawiki_server import MediaWiki
from wikibilan.config import Politeness
from wikibilan.document import parse_html, parse_wikitext
from wikibilan.errors import NoApiError, SourceError
from wikibilan.integrity import verify_store
from wikibilan.model import Revision
from wikibilan.profile import load_profile
from wikibilan.sources.api import ApiSource
from wikibilan.sources.apiclient import probe_api
from wikibilan.sources.http import PoliteSession
from wikibilan.store import Store

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
LILLE_XML = REPO / "fixtures" / "wiki" / "lille.xml"
GIB = 1 << 30
MIB = 1 << 20


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    max_rss_mb: float
    """Peak resident memory of the process, from the kernel (``wait4``)."""


def wikibilan(*args: str, cwd: Path, timeout: float = 180) -> Ran:
    """Run the command line in a subprocess: exit code, output, peak memory; fail on a hang."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "wikibilan", *args], cwd=cwd, stdout=out, stderr=err,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )  # fmt: skip
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        started = time.monotonic()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        if time.monotonic() - started >= timeout:
            pytest.fail(f"wikibilan {' '.join(args)} still running after {timeout} s")
        out.seek(0)
        err.seek(0)
        return Ran(
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_maxrss / 1024,
        )


def one_sentence(ran: Ran) -> str:
    """The only line on stderr: ``wikibilan: …``, no traceback."""
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikibilan: "), ran.stderr
    return lines[0]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# -- hand-written exports ------------------------------------------------------------------------


@dataclass
class Page:
    page_id: int
    title: str
    revisions: list[tuple[int, str, str]]  # (revid, timestamp, text)


def export_xml(pages: list[Page], base: str = "https://wiki.lescommuns.org/wiki/Accueil") -> bytes:
    """A MediaWiki export (schema 0.11) of ``pages``, written by hand."""

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out = ['<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" '
           'xml:lang="fr">', "<siteinfo><sitename>Wiki des communs</sitename>"
           f"<base>{esc(base)}</base><generator>MediaWiki 1.39.17</generator>"
           "<case>first-letter</case></siteinfo>"]  # fmt: skip
    for page in pages:
        out.append(f"<page><title>{esc(page.title)}</title><ns>0</ns><id>{page.page_id}</id>")
        for revid, when, text in page.revisions:
            out.append(f"<revision><id>{revid}</id><timestamp>{when}</timestamp>"
                       "<contributor><username>Intrus</username><id>66</id></contributor>"
                       "<comment>&lt;script&gt;alert('résumé')&lt;/script&gt;</comment>"
                       "<model>wikitext</model><format>text/x-wiki</format>"
                       f'<text xml:space="preserve">{esc(text)}</text></revision>')  # fmt: skip
        out.append("</page>")
    out.append("</mediawiki>")
    return "\n".join(out).encode("utf-8")


# -- XML bombs, external entities, invalid UTF-8: from the command line ----------------------------


@pytest.mark.parametrize("name", ["dump-billion-laughs.xml", "dump-external-entity.xml"])
def test_a_hostile_dump_is_refused_in_one_sentence(name: str, tmp_path: Path) -> None:
    ran = wikibilan("import", str(DATA / name), "--cache", "store.sqlite", cwd=tmp_path)
    assert ran.code == 2
    assert "Refused" in one_sentence(ran)
    assert "root:" not in ran.stdout + ran.stderr and "lollol" not in ran.stdout + ran.stderr
    assert ran.max_rss_mb < 400
    with Store.open(tmp_path / "store.sqlite") as store:
        assert store.count_revisions() == 0


def test_invalid_utf8_in_a_dump_is_a_clear_error(tmp_path: Path) -> None:
    dump = export_xml([Page(1, "Page", [(1, "2016-01-01T00:00:00Z", "texte")])])
    (tmp_path / "bad.xml").write_bytes(dump.replace(b"texte", b"te\xff\xfexte"))
    ran = wikibilan("import", "bad.xml", "--cache", "store.sqlite", cwd=tmp_path)
    assert ran.code == 2
    message = one_sentence(ran)
    assert "bad.xml" in message or "malformed" in message, message


def test_html_that_is_not_utf8_is_read_as_windows_1252() -> None:
    page = b"<div class='mw-parser-output'><p>caf\xe9 \xff ouvert</p><ul><li>Marie \x81</li>"
    doc = parse_html(page + b"</ul></div>", title="T")
    assert [b.text for b in doc.blocks] == ["café ÿ ouvert", "Marie \ufffd"]


@pytest.mark.mediawiki
def test_invalid_utf8_in_an_api_answer_is_flagged_then_repaired(
    fault_wiki: MediaWiki, fault_proxy: Callable[..., FaultProxy], tmp_path: Path
) -> None:
    use_plan(fault_wiki, "allrevisions")
    proxy = fault_proxy(fault_wiki.url, Schedule(lambda i, m, t: "mangle"))
    proxy.mangle = lambda body, kind: body.replace(b"Wazemmes", b"Wazem\xffes", 1)
    cache = tmp_path / "store.sqlite"
    polite = Politeness(min_interval=0, backoff_base=0.01, timeout=2)

    def fetch() -> None:
        with Store.open(cache) as store:
            source = ApiSource(proxy.url, session=PoliteSession(polite),
                               selection=load_profile().selection)  # fmt: skip
            source.fetch(store)

    fetch()
    with Store.open(cache) as store:
        bad = store.corrupt_revisions()
        assert bad and all("Wazem\ufffdes" in rev.content for rev in bad)
        assert {r for _, r, _ in verify_store(store).bad_sha1} == {rev.revid for rev in bad}
    extracted = wikibilan("extract", "--cache", str(cache), "--out", "out", "-q", cwd=tmp_path)
    assert extracted.code == 0, extracted.stderr
    warnings = (tmp_path / "out" / "warnings.csv").read_text(encoding="utf-8")
    assert f",{bad[0].revid}," in warnings and "sha1" in warnings
    proxy.schedule = Schedule.none()  # the wire is clean again: the next fetch repairs it
    fetch()
    with Store.open(cache) as store:
        assert store.corrupt_revisions() == [] and verify_store(store).ok


# -- a response of a gigabyte ----------------------------------------------------------------------


class _Flood(ThreadingHTTPServer):
    """Answers every request with an endless body, and counts the bytes that went out."""

    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _FloodHandler)
        self.mode = mode
        self.sent = 0
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _FloodHandler(BaseHTTPRequestHandler):
    server: _Flood
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        mode = self.server.mode
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if mode == "declared":
            self.send_header("Content-Length", str(GIB))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        if mode == "gzip":
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        zeros = b"0" * (64 * 1024)
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip stream
        try:
            for _ in range(GIB // len(zeros)):
                piece = zeros
                if mode == "gzip":
                    piece = packer.compress(zeros) + packer.flush(zlib.Z_SYNC_FLUSH)
                if mode != "declared":
                    piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                self.wfile.write(piece)
                self.server.sent += len(piece)
        except OSError:  # the client hung up: what this server waits for
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def flood() -> Iterator[Callable[[str], _Flood]]:
    started: list[_Flood] = []

    def start(mode: str) -> _Flood:
        started.append(_Flood(mode))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.mark.parametrize("mode", ["declared", "chunked", "gzip"])
def test_a_gigabyte_answer_stops_at_the_size_cap(mode: str, flood: Callable[[str], _Flood]) -> None:
    server = flood(mode)
    session = PoliteSession(Politeness(min_interval=0, max_response_bytes=MIB, timeout=5))
    tracemalloc.start()
    try:
        with pytest.raises(SourceError, match="cap") as info:
            session.get(server.url + "/api.php")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.exit_code == 3
    assert peak < 8 * MIB  # never a gigabyte held, nor inflated
    time.sleep(0.2)
    assert server.sent < 16 * MIB  # the client hung up early, and the server saw it


def test_the_command_line_gives_up_on_a_gigabyte_answer(
    flood: Callable[[str], _Flood], tmp_path: Path
) -> None:
    server = flood("chunked")  # no length announced: the default 50 MiB cap must stop it
    ran = wikibilan("fetch", "--site", server.url, "--source", "api", "--cache", "s.sqlite",
                    "--interval", "0", "-q", cwd=tmp_path, timeout=120)  # fmt: skip
    assert ran.code == 3
    assert "cap" in one_sentence(ran)
    assert server.sent < 2 * Politeness().max_response_bytes
    assert ran.max_rss_mb < 400, ran.max_rss_mb


# -- deep nesting --------------------------------------------------------------------------------

DEEP_WIKITEXT = {
    "5,000 nested templates": "avant {{a|" * 5000 + "x" + "}}" * 5000 + " après",
    "a list item 5,000 deep": "avant\n" + "*" * 5000 + " x\naprès",
    "5,000 nested links": "avant " + "[[a|" * 5000 + "x" + "]]" * 5000 + " après",
    "5,000 nested divs": "avant " + "<div>" * 5000 + "x" + "</div>" * 5000 + " après",
    "2,000 nested tables": "avant\n" + "{|\n|\n" * 2000 + "x\n" + "|}\n" * 2000 + "après",
    "5,000 bold and italics": "avant " + "'" * 5 * 5000 + "x après",
}
DEEP_HTML = {
    "100,000 nested divs": "<div>" * 100_000 + "x" + "</div>" * 100_000,
    "20,000 nested lists": "<ul><li>" * 20_000 + "x" + "</li></ul>" * 20_000,
    "20,000 nested tables": "<table><tr><td>" * 20_000 + "x" + "</td></tr></table>" * 20_000,
}


@contextmanager
def no_hang(seconds: int = 120) -> Iterator[None]:
    """Fail the test if the block is still running after ``seconds`` (a hang, not a speed)."""

    def hung(signum: int, frame: object) -> None:
        pytest.fail(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", sorted(DEEP_WIKITEXT))
def test_deeply_nested_wikitext_keeps_its_text(name: str) -> None:
    with no_hang():
        doc = parse_wikitext(DEEP_WIKITEXT[name], title="Profond")
    text = " ".join(b.text for b in doc.blocks)
    assert "avant" in text and "après" in text, text[:200]


@pytest.mark.parametrize("name", sorted(DEEP_HTML))
def test_deeply_nested_html_keeps_its_text(name: str) -> None:
    page = f"<div class='mw-parser-output'><p>avant</p>{DEEP_HTML[name]}<p>après</p></div>"
    with no_hang():
        doc = parse_html(page, title="Profond")
    texts = [b.text for b in doc.blocks]
    assert texts[0] == "avant" and texts[-1] == "après" and "x" in texts, texts[:5]


# -- titles and pages that try to get out: the whole offline pipeline ------------------------------

SCRIPT_TITLE = "Journée de coworking <script>alert('titre')</script>"
HOSTILE_TITLES = ["../../etc/passwd", "A/B", "NUL", "CON", "COM1.txt", "T" * 300,
                  "..", "~root", SCRIPT_TITLE, "Espace \u202e à l'envers"]  # fmt: skip
CONTROL_TITLE = "Contr\x01le\x1b[31m rouge\x7f"


def hostile_pages() -> list[Page]:
    body = ("== Présent·e·s ==\n* Marie <script>alert('texte')</script>\n"
            "* &lt;script&gt;alert('entité')&lt;/script&gt;\n[[../../etc/passwd]] "
            "[[Fichier:../../x.png]] [http://elsewhere.invalid/ ailleurs]\n")  # fmt: skip
    pages = [
        Page(90_000 + n, title, [(990_000 + 2 * n, "2016-05-01T10:00:00Z", body),
                                 (990_001 + 2 * n, "2016-05-02T10:00:00Z", body + "\n* Zoé")])
        for n, title in enumerate(HOSTILE_TITLES)
    ]  # fmt: skip
    deep = [DEEP_WIKITEXT[k] for k in sorted(DEEP_WIKITEXT)]
    pages.append(Page(91_000, "Journée de coworking profonde",
                      [(991_000 + n, f"2016-06-0{n + 1}T10:00:00Z", text)
                       for n, text in enumerate(deep)]))  # fmt: skip
    return pages


def test_hostile_titles_and_pages_go_through_the_pipeline_and_stay_inside(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "hostile.xml").write_bytes(export_xml(hostile_pages()))
    cache, out = "cache/store.sqlite", "outputs"
    for dump in (LILLE_XML, work / "hostile.xml"):
        ran = wikibilan("import", str(dump), "--cache", cache, "-q", cwd=work)
        assert ran.code == 0, ran.stderr
    # Control characters cannot come through XML; an API source may still give them.
    with Store.open(work / cache) as store:
        site = store.sites()[0].key
        when = datetime(2016, 7, 1, tzinfo=UTC)
        store.add_revisions([Revision(site, 92_000, CONTROL_TITLE, 992_000, None, when,
                                      "Intrus\x00", "\x1b]0;titre\x07", "texte\x00nul",
                                      source="api")])  # fmt: skip
    etc_passwd = Path("/etc/passwd").stat().st_mtime if Path("/etc/passwd").exists() else None
    before = tree(tmp_path)
    ran = wikibilan("run", "--offline", "--cache", cache, "--out", out, "-q", cwd=work)
    assert ran.code == 0, ran.stderr
    exported = wikibilan("export", "again.xml", "--cache", cache, "-q", cwd=work)
    assert exported.code == 0, exported.stderr
    reimported = wikibilan("import", "again.xml", "--cache", "copy.sqlite", "-q", cwd=work)
    assert reimported.code == 0, reimported.stderr

    new = tree(tmp_path) - before
    allowed = ("work/cache/", "work/outputs", "work/again.xml", "work/copy.sqlite")
    assert all(path.startswith(allowed) for path in new), sorted(new)
    assert not any("passwd" in path or "script" in path for path in new)
    if etc_passwd is not None:
        assert Path("/etc/passwd").stat().st_mtime == etc_passwd

    report = (work / out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in report.lower()  # the report has no script of its own either
    assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt;" in report
    pages = (work / out / "pages.csv").read_text(encoding="utf-8")
    for title in HOSTILE_TITLES:
        assert title in pages, title
    with Store.open(work / "copy.sqlite") as copy, Store.open(work / cache) as store:
        assert copy.count_revisions() == store.count_revisions()
        titles = {p.title for p in copy.pages(copy.sites()[0].key)}
        assert "Contr\ufffdle\ufffd[31m rouge\x7f" in titles  # XML cannot carry \x01, \x1b
        # nor its content's NUL: the copy says so instead of passing the text off as the wiki's
        assert [r.revid for r in copy.corrupt_revisions()] == [992_000]


# -- nothing is fetched from another host --------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_an_edit_uri_on_another_host_is_not_followed(tmp_path: Path) -> None:
    elsewhere = Elsewhere()
    (tmp_path / "page.html").write_text(
        f'<html><head><link rel="EditURI" href="{elsewhere.url}/api.php?action=rsd"/></head>'
        "<body>Accueil</body></html>", encoding="utf-8",
    )  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/page.html"
        with pytest.raises(NoApiError):
            probe_api(url, PoliteSession(Politeness(min_interval=0, max_retries=0)))
    finally:
        server.shutdown()
        server.server_close()
        elsewhere.stop()
    assert elsewhere.hits == []
