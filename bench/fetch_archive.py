"""Benchmark the archive source on the fixture mirror; write bench/results/fetch_archive.md.

Both variants of ``fixtures/archive/`` (with and without history pages) are
served over real HTTP by ``tests/archive_server.py``; requests and bytes are
counted from the server's log, not from our own code. Per variant and
selection: a cold crawl, a warm re-run with nothing changed, a re-run after
two revisions of the bilan page appeared (simulated by removing them from the
store), and a cold crawl that reads diff pages to keep their wikitext lines.

The floor for a static mirror is one page per revision plus one per page:
each revision's content is on its own page, and the current page is needed to
learn the latest revision. Re-mirroring with ``wget --mirror`` (every file of
the mirror, every time) is given for scale.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.archive_server import ArchiveServer, LoggedRequest, resolve  # noqa: E402

from wikibilan.config import Politeness, Selection  # noqa: E402
from wikibilan.profile import load_profile  # noqa: E402
from wikibilan.sources.archive import ArchiveSource, FetchResult  # noqa: E402
from wikibilan.sources.dump import read_dump  # noqa: E402
from wikibilan.sources.http import PoliteSession  # noqa: E402
from wikibilan.store import Store  # noqa: E402

RESULTS = REPO / "bench" / "results" / "fetch_archive.md"
ARCHIVE = REPO / "fixtures" / "archive"
BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"
LIVE_INTERVAL = Politeness().min_interval


@dataclass
class Run:
    name: str
    requests: int
    not_found: int
    not_modified: int
    bytes: int
    old_revision_pages: int
    stored_again: int
    """Pages of revisions the store held before the run, downloaded again."""
    seconds: float
    result: FetchResult


def _old_revision_pages(log: list[LoggedRequest]) -> list[LoggedRequest]:
    marks = ("&oldid=", "&direction=", "&diff=")
    return [r for r in log if r.status == 200 and any(m in unquote(r.target) for m in marks)]


def _shown(root: Path, request: LoggedRequest) -> int:
    """The revision a mirrored page shows (a diff page: its newer side), from its config."""
    file = resolve(root, request.target)
    found = re.search(r'"wgRevisionId":(\d+)', file.read_text(encoding="utf-8")) if file else None
    return int(found.group(1)) if found else 0


def _run(name: str, server: ArchiveServer, store: Store, selection: Selection,
         **options: bool) -> Run:  # fmt: skip
    server.clear_log()
    before = {r.revid for r in store.iter_revisions()}
    session = PoliteSession(Politeness(min_interval=0.0))
    started = time.perf_counter()
    result = ArchiveSource(server.url, session=session, selection=selection, **options).fetch(store)
    seconds = time.perf_counter() - started
    log = server.requests()
    old = _old_revision_pages(log)
    return Run(
        name,
        requests=len(log),
        not_found=sum(1 for r in log if r.status == 404),
        not_modified=sum(1 for r in log if r.status == 304),
        bytes=sum(r.bytes for r in log),
        old_revision_pages=len(old),
        stored_again=sum(1 for r in old if _shown(server.root, r) in before),
        seconds=seconds,
        result=result,
    )


def _drop_newest(path: Path, title: str, count: int) -> None:
    """Remove a page's newest revisions and its crawl state, as if the mirror had gained them."""
    with Store.open(path) as store:
        site = store.sites()[0].key
        page_id = store.page_id_for_title(site, title)
        newest = [r.revid for r in store.revisions(site, page_id or 0)][-count:]
    with sqlite3.connect(path) as db:
        db.executemany("DELETE FROM revisions WHERE revid = ?", [(r,) for r in newest])
        db.execute("DELETE FROM meta WHERE key = ?", (f"archive:{site}:page:{title}",))


def scenario(variant: str, label: str, selection: Selection, work: Path) -> list[str]:
    """Cold, warm, two new revisions, and the wikitext-diffs crawl; the report's lines."""
    root = ARCHIVE / variant
    files = sum(1 for p in root.rglob("*") if p.is_file())
    mirror_bytes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    runs: list[Run] = []
    with ArchiveServer(root) as server:
        path = work / f"{variant}-{label}.sqlite"
        with Store.open(path) as store:
            runs.append(_run("cold crawl", server, store, selection))
            runs.append(_run("warm re-run, nothing changed", server, store, selection))
        _drop_newest(path, BILAN, 2)
        with Store.open(path) as store:
            runs.append(_run("re-run after 2 new revisions of the bilan", server, store, selection))
        with Store.open(work / f"{variant}-{label}-diffs.sqlite") as store:
            runs.append(_run("cold crawl keeping diff wikitext", server, store, selection,
                             wikitext_diffs=True))  # fmt: skip
    cold = runs[0].result
    floor = cold.pages + cold.revisions_new
    lines = [
        f"### {variant}/, {label}: {cold.pages} pages, {cold.revisions_new} revisions",
        "",
        f"Floor (one page per revision + one per page) = {floor}; "
        f"re-mirroring with wget = {files} requests, {mirror_bytes / 1e6:.1f} MB, every time.",
        "",
        "| run | requests | revisions stored | requests per revision | 404 | 304 | "
        "old-revision pages | of stored revisions | MB read | wall (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        stored = run.result.revisions_new
        per = f"{run.requests / stored:.2f}" if stored > 10 else "–"
        lines.append(
            f"| {run.name} | {run.requests} | {stored} | {per} | {run.not_found} | "
            f"{run.not_modified} | {run.old_revision_pages} | {run.stored_again} | "
            f"{run.bytes / 1e6:.2f} | {run.seconds:.2f} |"
        )
    lines += [
        "",
        f"Cold crawl: {runs[0].requests / floor:.3f} × the floor; at the default politeness "
        f"({LIVE_INTERVAL:g} s between requests) about {runs[0].requests * LIVE_INTERVAL / 60:.1f} "
        "min on the live site. Warm: one conditional request per page (and category).",
        "",
    ]
    return lines


def main() -> int:
    if not (ARCHIVE / "full").is_dir():
        print("fixtures/archive/ is not built (bash fixtures/build_archive.sh)", file=sys.stderr)
        return 1
    with (REPO / "fixtures" / "wiki" / "lille.xml").open("rb") as fp:
        titles = tuple(sorted({r.title for r in read_dump(fp)[1]}))
    selections: list[tuple[str, Selection]] = [
        ("Lille selection (4 seeds, a category, links 1)", load_profile().selection),
        ("every page as a seed", Selection(titles=titles)),
    ]
    out = [
        "# Archive fetch benchmark",
        "",
        "`fixtures/archive/` served over real HTTP on 127.0.0.1 by `tests/archive_server.py`;",
        "requests and bytes counted from the server's log. Written by `bench/fetch_archive.py`",
        "(`make bench`). No wait between requests here; the live site gets the polite interval.",
        "",
    ]
    work = Path(tempfile.mkdtemp(prefix="wikibilan-bench-archive-"))
    try:
        for variant in ("full", "nohistory"):
            for label, selection in selections:
                out += scenario(variant, label, selection, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out += [
        "Notes. The 404s are answers, not errors: a seed's entry URL tried in MediaWiki's",
        "form before the mirror's file name (once per crawl, then remembered); on a mirror",
        "without history pages, five history pages asked for before the crawler stops asking;",
        "with diff wikitext, the diff of each page's first revision, which does not exist.",
        "On a warm re-run the current page of every page answers 304 Not Modified, and no",
        "old-revision page is downloaded; new revisions cost one diff page each (no history)",
        "or one revision page each plus the history page (with history).",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
