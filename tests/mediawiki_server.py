"""A real MediaWiki for the tests: Debian's package, SQLite, ``php -S`` on 127.0.0.1.

Pytest plugin (registered in ``tests/conftest.py``). Fixtures:

- ``mediawiki`` (session): a wiki loaded with ``fixtures/wiki/lille.xml`` (or
  ``tests/data/api_small.xml`` until that exists). Treat it as read-only.
- ``mediawiki_factory`` (session): ``start(xml_paths)`` gives a fresh wiki of
  your own, for tests that edit, delete or move pages.

Everything lives in a temporary directory: ``install.php --confpath`` writes
LocalSettings.php there and ``MW_CONFIG_FILE`` points every PHP process at
it, so nothing is written under /etc, /usr or /var/lib. Skipped when
MediaWiki or PHP is missing, unless ``WIKIBILAN_REQUIRE_MEDIAWIKI=1``, in
which case their absence fails the run.

Requests are counted from the server's own log (``php -S`` writes one line
per request to stderr), never from the client's code.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MW_ROOT = Path(os.environ.get("WIKIBILAN_MEDIAWIKI_ROOT", "/usr/share/mediawiki"))
REPO = Path(__file__).resolve().parents[1]
LILLE_XML = REPO / "fixtures" / "wiki" / "lille.xml"
SMALL_XML = REPO / "tests" / "data" / "api_small.xml"
ADMIN = "Admin"
WIKI_NAME = "Wiki des communs"
_LOG_LINE = re.compile(r"\] \S+:\d+ \[(\d{3})\]: ([A-Z]+) (\S+)")
_SENTINEL = "/__wikibilan_log_sentinel__"

_EXTRA_SETTINGS = """
# Added by tests/mediawiki_server.py: keep every file in the temporary directory.
$wgCacheDirectory = "{root}/cache";
$wgUploadDirectory = "{root}/images";
$wgTmpDirectory = "{root}/tmp";
$wgShowExceptionDetails = true;
# Jobs run from the test code (runJobs.php), never during a request we count.
$wgJobRunRate = 0;
$wgEnableUploads = false;
"""

# Answers the log sentinel itself; everything else is served as php -S would.
_ROUTER = f"""<?php
if (strpos($_SERVER["REQUEST_URI"], "{_SENTINEL}") === 0) {{
    error_log("sentinel " . $_SERVER["REQUEST_URI"]);
    http_response_code(204);
    return true;
}}
return false;
"""


def mediawiki_missing() -> str | None:
    """Why a real MediaWiki cannot run here, or None when it can."""
    if not (MW_ROOT / "maintenance" / "install.php").is_file():
        return f"MediaWiki is not installed at {MW_ROOT} (run .ci/install_mediawiki.sh)"
    php = shutil.which("php")
    if php is None:
        return "php is not on PATH (run .ci/install_mediawiki.sh)"
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, check=False).stdout
    wanted = ("pdo_sqlite", "intl", "mbstring", "xml")
    absent = [m for m in wanted if m not in modules.lower().split()]
    if absent:
        return f"PHP lacks {', '.join(absent)} (run .ci/install_mediawiki.sh)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MediaWiki:
    """A running throw-away wiki."""

    url: str
    root: Path
    access_log: Path
    dumps: tuple[Path, ...]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def api_url(self) -> str:
        return self.url + "/api.php"

    @property
    def config(self) -> Path:
        return self.root / "conf" / "LocalSettings.php"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "MW_CONFIG_FILE": str(self.config)}

    def run_maintenance(self, script: str, *args: str, stdin: str | None = None) -> str:
        """Run ``maintenance/<script>.php`` against this wiki; return its output."""
        done = subprocess.run(
            ["php", str(MW_ROOT / "maintenance" / f"{script}.php"), *args],
            env=self._env(),
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{script}.php {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout + done.stderr

    def edit(self, title: str, text: str, summary: str = "test edit", user: str = ADMIN) -> None:
        """Save a new revision of ``title`` as ``user`` (maintenance/edit.php)."""
        self.run_maintenance("edit", "--user", user, "--summary", summary, title, stdin=text)
        self.run_maintenance("runJobs", "--quiet")

    def log_lines(self) -> list[tuple[int, str, str]]:
        """Every request the server has logged: (status, method, path), sentinels excluded.

        A sentinel request is sent first and awaited in the log: ``php -S`` serves
        one request at a time, so once it shows, every earlier request has too.
        """
        token = secrets.token_hex(4)
        urllib.request.urlopen(f"{self.url}{_SENTINEL}{token}", timeout=10).close()
        deadline = time.monotonic() + 10
        while True:
            text = self.access_log.read_text(encoding="utf-8", errors="replace")
            if token in text or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        out = []
        for m in _LOG_LINE.finditer(text):
            if not m.group(3).startswith(_SENTINEL):
                out.append((int(m.group(1)), m.group(2), m.group(3)))
        return out

    def request_count(self) -> int:
        """How many requests the server has answered so far (sentinels excluded)."""
        return len(self.log_lines())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_mediawiki(root: Path, dumps: Sequence[Path]) -> MediaWiki:
    """Install a wiki in ``root``, import ``dumps``, and serve it on a free port."""
    port = _free_port()
    for sub in ("conf", "data", "cache", "images", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    wiki = MediaWiki(url=url, root=root, access_log=root / "access.log", dumps=tuple(dumps))
    subprocess.run(
        [
            "php", str(MW_ROOT / "maintenance" / "install.php"),
            "--dbtype", "sqlite", "--dbpath", str(root / "data"), "--dbname", "wiki",
            "--server", url, "--scriptpath", "", "--lang", "fr",
            "--pass", "Un-mot-de-passe-de-test-" + secrets.token_hex(8),
            "--confpath", str(root / "conf"),
            WIKI_NAME, ADMIN,
        ],
        env={**os.environ, "MW_CONFIG_FILE": str(wiki.config)},
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    with wiki.config.open("a", encoding="utf-8") as fp:
        fp.write(_EXTRA_SETTINGS.format(root=root))
    for dump in dumps:
        wiki.run_maintenance("importDump", "--quiet", str(dump))
    wiki.run_maintenance("runJobs", "--quiet")  # import queues the link tables' refresh
    wiki.run_maintenance("initSiteStats", "--update")
    wiki.run_maintenance("rebuildrecentchanges")
    router = root / "router.php"
    router.write_text(_ROUTER, encoding="utf-8")
    log = wiki.access_log.open("wb")
    wiki.process = subprocess.Popen(
        ["php", "-S", f"127.0.0.1:{port}", "-t", str(MW_ROOT), str(router)],
        env=wiki._env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
    )
    log.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(wiki.api_url + "?action=query&format=json", timeout=5)
            break
        except (urllib.error.URLError, ConnectionError):
            if wiki.process.poll() is not None or time.monotonic() > deadline:
                wiki.stop()
                raise RuntimeError(
                    "php -S did not start:\n" + wiki.access_log.read_text(errors="replace")
                ) from None
            time.sleep(0.1)
    return wiki


def _require() -> None:
    reason = mediawiki_missing()
    if reason is None:
        return
    if os.environ.get("WIKIBILAN_REQUIRE_MEDIAWIKI") == "1":
        pytest.fail(f"WIKIBILAN_REQUIRE_MEDIAWIKI=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mediawiki_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., MediaWiki]]:
    """Start fresh wikis of your own: ``start(dumps=(xml, …))``; all stop at the end."""
    _require()
    started: list[MediaWiki] = []

    def start(dumps: Sequence[Path] = (SMALL_XML,)) -> MediaWiki:
        wiki = start_mediawiki(tmp_path_factory.mktemp("mediawiki"), dumps)
        started.append(wiki)
        return wiki

    yield start
    for wiki in started:
        wiki.stop()


@pytest.fixture(scope="session")
def mediawiki(mediawiki_factory: Callable[..., MediaWiki]) -> MediaWiki:
    """The fixture wiki (``fixtures/wiki/lille.xml``, else ``tests/data/api_small.xml``), served.

    Shared by the whole session: do not edit it; use ``mediawiki_factory``.
    """
    dump = LILLE_XML if LILLE_XML.is_file() else SMALL_XML
    return mediawiki_factory((dump,))
