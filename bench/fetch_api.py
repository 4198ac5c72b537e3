"""Benchmark the api source against a real MediaWiki; write bench/results/fetch_api.md.

Two wikis are loaded into Debian's MediaWiki (tests/mediawiki_server.py): the
fixture wiki (fixtures/wiki/lille.xml, or tests/data/api_small.xml until it
exists) and a generated one of 301 pages and about 3,000 revisions that the
default Lille selection reaches whole. On each, every tool does a cold run, a
warm re-run with nothing changed, and a re-run after one page was edited:
wikibilan's api source, a naive mwclient loop (one ``page.revisions()`` per
page), WikiTeam3's dumpgenerator (``--xml``, its default, and
``--xmlrevisions``; and ``--resume`` of a finished dump, its only cheap second
run) and a Pywikibot script (``page.revisions(content=True)`` per page).
Requests are counted from the server's access log, not from our own code. The
edited page is the one with the longest history (a category member, so its
links are followed: recent changes, its links, its new revision).

WikiTeam3 and Pywikibot are not dependencies of the project: they are
installed into their own venv, bench/work/tools-venv (created or reused here),
and a tool that does not install is reported as not run, with the reason.
They run as subprocesses behind a guard (a ``sitecustomize`` on their
PYTHONPATH) that refuses, and records, any address but 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

import mwclient  # noqa: E402
from tests.mediawiki_server import (  # noqa: E402
    LILLE_XML,
    SMALL_XML,
    MediaWiki,
    mediawiki_missing,
    start_mediawiki,
)

from wikibilan.config import Politeness  # noqa: E402
from wikibilan.profile import load_profile  # noqa: E402
from wikibilan.sources.api import ApiSource  # noqa: E402
from wikibilan.sources.dump import read_dump  # noqa: E402
from wikibilan.sources.http import PoliteSession  # noqa: E402
from wikibilan.store import Store  # noqa: E402

RESULTS = REPO / "bench" / "results" / "fetch_api.md"
PROPS = "ids|timestamp|user|comment|content|sha1|size|flags"
SEEDS = load_profile().selection.titles
MEETING = "Construire dans l'action l'assemblée des communs {n}"
TOOLS_VENV = REPO / "bench" / "work" / "tools-venv"
TOOLS = {"WikiTeam3": ("wikiteam3", "4.4"), "Pywikibot": ("pywikibot", "11.9")}
"""Tool name: (PyPI distribution, release series installed into TOOLS_VENV)."""
STAGES = ("cold", "warm", "edited")
TOOL_TIMEOUT = 300

# Loaded first by every tool process (PYTHONPATH): any address but the loopback is
# refused before a DNS look-up or a connection, and written to $NETGUARD_LOG.
NETGUARD = """
import os
import socket

_LOOPBACK = {"127.0.0.1", "localhost", "::1", None}
_LOG = os.environ.get("NETGUARD_LOG")


def _refuse(host):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as fp:
            fp.write(f"{host}\\n")
    raise OSError(f"benchmark network guard: {host!r} is not 127.0.0.1")


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOOPBACK:
        _refuse(name)
    return _getaddrinfo(host, *args, **kwargs)


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOOPBACK:
        _refuse(address[0])


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
"""

PYWIKIBOT_CONFIG = """
family = "banc"
mylang = "banc"
family_files["banc"] = "{api}"
minthrottle = 0
put_throttle = 0
max_retries = 2
retry_wait = 1
"""

PYWIKIBOT_SCRIPT = """
import json
import sys

import pywikibot

site = pywikibot.Site()
with open(sys.argv[1], encoding="utf-8") as fp:
    titles = json.load(fp)
print(sum(1 for t in titles for _ in pywikibot.Page(site, t).revisions(content=True)))
"""


def _b36(text: str) -> str:
    n = int(hashlib.sha1(text.encode()).hexdigest(), 16)
    digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(31, "0")


def generated_wiki(path: Path, pages: int = 301, revisions: int = 3000, seed: int = 5) -> None:
    """Write an XML export: the 4 seeds link to pages-4 meeting pages; revisions spread unevenly."""
    rng = random.Random(seed)
    meetings = [MEETING.format(n=n) for n in range(1, pages - len(SEEDS) + 1)]
    counts = [1] * pages
    weights = [rng.paretovariate(1.5) for _ in range(pages)]  # a few long histories
    for index in rng.choices(range(pages), weights, k=revisions - pages):
        counts[index] += 1
    links = "\n".join(f"* [[{m}]]" for m in meetings)
    titles = list(SEEDS) + meetings
    t = datetime(2015, 11, 2, tzinfo=UTC)
    revid = 100
    out = [
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" '
        'xml:lang="fr">',
        "<siteinfo><sitename>Banc</sitename><base>http://banc.example/index.php/Accueil</base>"
        "<generator>MediaWiki 1.39</generator><case>first-letter</case></siteinfo>",
    ]
    for page_id, (title, n) in enumerate(zip(titles, counts, strict=True), start=1):
        out.append(f"<page><title>{escape(title)}</title><ns>0</ns><id>{page_id}</id>")
        parent = None
        for k in range(n):
            revid += 1
            t += timedelta(minutes=rng.randint(1, 300))
            body = links if title in SEEDS else "* Présent " * (k % 7)
            text = f"{title} — version {k}\n{body}"
            user = rng.choice(["Marie Dupont", "Jean Martin", "Zoé"])
            out.append(
                f"<revision><id>{revid}</id>"
                + (f"<parentid>{parent}</parentid>" if parent else "")
                + f"<timestamp>{t:%Y-%m-%dT%H:%M:%SZ}</timestamp>"
                f"<contributor><username>{user}</username><id>1</id></contributor>"
                f"<comment>version {k}</comment><model>wikitext</model>"
                f"<format>text/x-wiki</format>"
                f'<text bytes="{len(text.encode())}" xml:space="preserve">{escape(text)}</text>'
                f"<sha1>{_b36(text)}</sha1></revision>"
            )
            parent = revid
        out.append("</page>")
    out.append("</mediawiki>\n")
    path.write_text("\n".join(out), encoding="utf-8")


def main_namespace_revisions(dump: Path) -> int:
    """Revisions of namespace 0 once ``dump`` is imported (+ the installer's main page)."""
    with dump.open("rb") as fp:
        _, revisions = read_dump(fp)
        return sum(1 for r in revisions if r.namespace == 0) + 1


def measure(wiki: MediaWiki, action: Callable[[], object]) -> tuple[int, float, list[str]]:
    """(requests in the server log, wall seconds, requested paths) of one action."""
    before = wiki.request_count()
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    paths = [path for _, _, path in wiki.log_lines()[before:]]
    return len(paths), elapsed, paths


def naive_loop(wiki: MediaWiki, titles: list[str]) -> int:
    """What a script written from mwclient's README does: one page at a time."""
    site = mwclient.Site(wiki.url.split("//")[1], path="/", scheme="http")
    n = 0
    for title in titles:
        n += sum(1 for _ in site.pages[title].revisions(prop=PROPS, slots="main"))
    return n


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else "no output")[:160].replace("|", "/")


def _version(python: Path, dist: str) -> str:
    done = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


class Tools:
    """The separate venv of WikiTeam3 and Pywikibot, and how their processes are run."""

    def __init__(self, work: Path) -> None:
        self.python = TOOLS_VENV / "bin" / "python"
        self.versions: dict[str, str] = {}
        self.missing: dict[str, str] = {}
        guard = work / "netguard"
        guard.mkdir(parents=True, exist_ok=True)
        (guard / "sitecustomize.py").write_text(NETGUARD, encoding="utf-8")
        self.blocked_log = guard / "blocked.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(guard),
            "NETGUARD_LOG": str(self.blocked_log),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONIOENCODING": "utf-8",
        }
        self._install()

    def _install(self) -> None:
        """Create or reuse TOOLS_VENV; install each tool whose series is not there yet."""
        if not self.python.exists():
            done = subprocess.run(
                [sys.executable, "-m", "venv", str(TOOLS_VENV)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                why = f"could not create {TOOLS_VENV.relative_to(REPO)}: {_last_line(done.stderr)}"
                self.missing = dict.fromkeys(TOOLS, why)
                return
        for name, (dist, series) in TOOLS.items():
            version = _version(self.python, dist)
            if not version.startswith(series + "."):
                print(
                    f"fetch_api: installing {dist}=={series}.* into {TOOLS_VENV}", file=sys.stderr
                )
                done = subprocess.run(
                    [str(self.python), "-m", "pip", "install", "--quiet", f"{dist}=={series}.*"],
                    capture_output=True,
                    text=True,
                    check=False,
                    timeout=600,
                )
                version = _version(self.python, dist)
                if done.returncode != 0 or not version.startswith(series + "."):
                    self.missing[name] = (
                        f"`pip install {dist}=={series}.*` failed: {_last_line(done.stderr)}"
                    )
                    continue
            self.versions[name] = version

    def blocked(self) -> list[str]:
        """Hosts other than 127.0.0.1 that a tool tried to reach so far."""
        if not self.blocked_log.exists():
            return []
        return sorted(set(self.blocked_log.read_text(encoding="utf-8").split()))

    def run(self, args: list[str], env: dict[str, str] | None = None) -> tuple[str, str]:
        """Run a tool process: (stdout, "" or why it failed)."""
        try:
            done = subprocess.run(
                args,
                env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
                timeout=TOOL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return "", f"timed out after {TOOL_TIMEOUT} s"
        if done.returncode != 0:
            return done.stdout, f"exit {done.returncode}: {_last_line(done.stderr or done.stdout)}"
        return done.stdout, ""


def _dump_revisions(path: Path) -> int:
    """Revisions in the XML history dump WikiTeam3 wrote into ``path``."""
    return sum(
        xml.read_text(encoding="utf-8", errors="replace").count("<revision>")
        for xml in path.glob("*-history.xml")
    )


# A runner does one stage of one tool: (revisions it fetched, or None; a note).
Runner = Callable[[str], tuple[int | None, str]]


def wikiteam3_runner(tools: Tools, wiki: MediaWiki, work: Path, flags: list[str]) -> Runner:
    """A fresh dump for each stage: WikiTeam3 has no incremental mode."""
    binary = str(TOOLS_VENV / "bin" / "wikiteam3dumpgenerator")

    def run(stage: str) -> tuple[int | None, str]:
        path = work / f"wikiteam3{''.join(flags).replace('-', '_')}-{stage}"
        args = [binary, "--force", *flags, "--delay", "0", "--path", str(path), wiki.url]
        _, failed = tools.run(args)
        return (None, failed) if failed else (_dump_revisions(path), "")

    return run


def wikiteam3_resume_runner(tools: Tools, wiki: MediaWiki, work: Path) -> Runner:
    """``--resume`` of the finished cold ``--xml`` dump: what it adds to that dump."""
    binary = str(TOOLS_VENV / "bin" / "wikiteam3dumpgenerator")
    path = work / "wikiteam3__xml-cold"

    def run(stage: str) -> tuple[int | None, str]:
        before = _dump_revisions(path)
        args = [binary, "--force", "--xml", "--delay", "0", "--resume", "--path", str(path)]
        _, failed = tools.run([*args, wiki.url])
        if failed:
            return None, failed
        added = _dump_revisions(path) - before
        return added, "the edit is missed" if stage == "edited" and added == 0 else ""

    return run


def pywikibot_runner(tools: Tools, wiki: MediaWiki, work: Path, titles: list[str]) -> Runner:
    """The same script each stage, with one throw-away user-config (and its API cache)."""
    home = work / "pywikibot"
    home.mkdir(parents=True, exist_ok=True)
    config = PYWIKIBOT_CONFIG.format(api=wiki.api_url)
    (home / "user-config.py").write_text(config, encoding="utf-8")
    (home / "fetch.py").write_text(PYWIKIBOT_SCRIPT, encoding="utf-8")
    (home / "titles.json").write_text(json.dumps(titles), encoding="utf-8")

    def run(stage: str) -> tuple[int | None, str]:
        args = [str(tools.python), str(home / "fetch.py"), str(home / "titles.json")]
        out, failed = tools.run(args, env={"PYWIKIBOT_DIR": str(home)})
        if failed:
            return None, failed
        try:
            return int(out.split()[-1]), ""
        except (IndexError, ValueError):
            return None, f"unexpected output: {_last_line(out)}"

    return run


@dataclass
class Row:
    """One tool's line of the table: a measurement per stage it ran."""

    label: str
    runner: Runner | None
    stages: tuple[str, ...] = STAGES
    skipped: str = ""
    results: dict[str, tuple[int, float, int | None, str]] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)

    def measure(self, wiki: MediaWiki, stage: str, tools: Tools | None) -> None:
        if self.runner is None or stage not in self.stages:
            return
        runner = self.runner
        print(f"fetch_api: {self.label}, {stage}", file=sys.stderr, flush=True)
        blocked = tools.blocked() if tools else []
        out: list[tuple[int | None, str]] = []
        requests, seconds, paths = measure(wiki, lambda: out.append(runner(stage)))
        revisions, note = out[0]
        if tools and (new := sorted(set(tools.blocked()) - set(blocked))):
            note = "; ".join(filter(None, [note, "blocked: " + ", ".join(new)]))
        self.results[stage] = (requests, seconds, revisions, note)
        self.paths[stage] = paths

    def cells(self) -> str:
        if self.skipped:
            return f"| {self.label} | not run: {self.skipped} |" + " |" * 6
        res = self.results
        cells, revisions, notes = [], [], []
        for stage in STAGES:
            if stage in res:
                requests, seconds, got, note = res[stage]
                cells += [str(requests), f"{seconds:.2f}"]
                revisions.append("?" if got is None else str(got))
                notes += [f"{stage}: {note}"] if note else []
            else:
                cells += ["—", "—"]
                revisions.append("—")
        tail = " / ".join(revisions) + (f" ({'; '.join(notes)})" if notes else "")
        return f"| {self.label} | " + " | ".join(cells) + f" | {tail} |"


def bench(name: str, dump: Path, root: Path, tools: Tools) -> list[str]:
    wiki = start_mediawiki(root, [dump])
    try:
        store = Store.open(root / "store.sqlite")
        session = PoliteSession(Politeness(min_interval=0.0))
        source = ApiSource(wiki.url, session=session, selection=load_profile().selection)
        results: dict[str, object] = {}

        def wikibilan(stage: str) -> tuple[int | None, str]:
            results[stage] = result = source.fetch(store)
            return int(getattr(result, "revisions_new", -1)), ""

        ours = Row("wikibilan (api source)", wikibilan)
        ours.measure(wiki, "cold", None)
        pages = store.pages(source.site_key)
        titles = [p.title for p in pages]
        work = root / "tools"
        rows = [
            ours,
            Row("naive mwclient loop", lambda _: (naive_loop(wiki, titles), "")),
        ]
        for label, flags in (
            ("`--xml`", ["--xml"]),
            ("`--xml --xmlrevisions`", ["--xml", "--xmlrevisions"]),
        ):
            rows.append(Row(f"WikiTeam3 {tools.versions.get('WikiTeam3', '')} {label}", None))
            if "WikiTeam3" in tools.missing:
                rows[-1].skipped = tools.missing["WikiTeam3"]
            else:
                rows[-1].runner = wikiteam3_runner(tools, wiki, work, flags)
        resume = Row("WikiTeam3 `--resume` of the cold `--xml` dump", None, ("warm", "edited"))
        if "WikiTeam3" in tools.missing:
            resume.skipped = tools.missing["WikiTeam3"]
        else:
            resume.runner = wikiteam3_resume_runner(tools, wiki, work)
        rows.append(resume)
        pywikibot = Row(f"Pywikibot {tools.versions.get('Pywikibot', '')}", None)
        if "Pywikibot" in tools.missing:
            pywikibot.skipped = tools.missing["Pywikibot"]
        else:
            pywikibot.runner = pywikibot_runner(tools, wiki, work, titles)
        rows.append(pywikibot)

        for row in rows[1:]:
            row.measure(wiki, "cold", tools)
        for row in rows:
            row.measure(wiki, "warm", tools)
        target = max(pages, key=lambda p: p.n_revisions).title
        wiki.edit(target, "édité pour le banc d'essai")
        for row in rows:
            row.measure(wiki, "edited", tools)

        # The floor of issue 5: the listing (the cold run's prop=info queries that resolve
        # the selection) plus the cheaper plan, both before the benchmark's own edit.
        n_revs = sum(p.n_revisions for p in pages)
        per_page = sum(math.ceil(p.n_revisions / 50) for p in pages)
        allrevisions = math.ceil(main_namespace_revisions(dump) / 50)
        listing = sum(1 for path in ours.paths.get("cold", []) if "prop=info" in path)
        floor = listing + min(per_page, allrevisions)
        plan = getattr(results["cold"], "plan", "?")
        return [
            f"### {name}: {len(pages)} pages, {n_revs} revisions selected",
            "",
            f"Floor (listing {listing} + cheaper of per-page {per_page} and allrevisions "
            f"{allrevisions}) = {floor}; target for a cold fetch ≤ 1.05 × floor + 1 = "
            f"{1.05 * floor + 1:.1f}. wikibilan's cold plan: {plan}.",
            "",
            "| tool | cold: requests | cold: s | warm: requests | warm: s "
            "| one page edited: requests | one page edited: s "
            "| revisions fetched (cold / warm / edited) |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
            *(row.cells() for row in rows),
            "",
            f"Budgets: warm ≤ 1 + ⌈pages/500⌉ = {1 + math.ceil(len(pages) / 500)}; "
            f"one edit ≤ {2 + math.ceil(len(pages) / 500)}. wikibilan's cold fetch has one "
            "request over the floor: the discovery of api.php (which also brings the "
            "statistics the plan is chosen from).",
            "",
        ]
    finally:
        wiki.stop()


def main() -> int:
    reason = mediawiki_missing()
    if reason:
        print(f"fetch_api: skipped, {reason}")
        return 0
    lines = [
        "# API fetch benchmark",
        "",
        "Debian's MediaWiki served by `php -S` on 127.0.0.1; requests counted from its log.",
        "Written by `bench/fetch_api.py` (`make bench`).",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        tools = Tools(base)
        fixture = LILLE_XML if LILLE_XML.is_file() else SMALL_XML
        name = f"fixture wiki ({fixture.relative_to(REPO)})"
        lines += bench(name, fixture, base / "fixture", tools)
        generated = base / "generated.xml"
        generated_wiki(generated)
        lines += bench("generated wiki", generated, base / "generated", tools)
        blocked = tools.blocked()
    versions = ", ".join(f"{name} {v}" for name, v in tools.versions.items()) or "none"
    lines += [
        "How the others were run (installed into `bench/work/tools-venv`, kept out of the "
        f"project's venv; here: {versions}):",
        "",
        "- naive mwclient loop: one `page.revisions()` per selected page (same titles as "
        "wikibilan's store), in this process; it keeps nothing, so every run is the same.",
        "- WikiTeam3: `wikiteam3dumpgenerator --force --xml [--xmlrevisions] --delay 0 "
        "--path NEW_DIR URL`, a fresh dump each run (it has no incremental mode; `--force` "
        "skips its look-up of earlier dumps on the Internet Archive). It dumps the whole "
        "wiki, every namespace, not the selection, and its counts include its own probes "
        "(robots.txt, api.php and index.php checks, Special:Version, siteinfo, logo). "
        "`--resume` of the finished cold dump is cheap but looks at nothing new: the "
        "edited page's new revision is not fetched.",
        "- Pywikibot: a script calling `page.revisions(content=True)` for each selected "
        "title, with a throw-away `user-config.py` (an `AutoFamily` for the local api.php, "
        "`minthrottle = 0`) whose directory, and so its API cache, is kept between its runs.",
        "- WikiTeam3 and Pywikibot wall times include their interpreter's start-up.",
        "- Every tool process ran behind a guard refusing any address but 127.0.0.1: "
        + (
            "it refused " + ", ".join(f"`{h}`" for h in blocked) + "."
            if blocked
            else "no tool tried to reach another host."
        ),
        "",
        "For scale, issue 5 measured on a 301-page, 3,000-revision wiki in the same "
        "MediaWiki 1.39: WikiTeam3 4.4 646 requests (`--xml`; 72 with `--xmlrevisions`), "
        "Pywikibot 11.9 303, a naive mwclient loop 304, `list=allrevisions` 62.",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
