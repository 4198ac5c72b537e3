"""Composition: store -> documents -> frames -> checks -> outputs."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from wikibilan.checks import COUNTED_COLUMNS, check_claims, counted_frame, empty_checks
from wikibilan.document import Document, parse_revision
from wikibilan.errors import UsageError
from wikibilan.extract.claims import BilanFacts, bilan_facts
from wikibilan.extract.rows import CoverageRow
from wikibilan.extract.snapshot import (
    PageMemo,
    PageRevision,
    extract_bilan,
    extract_snapshot,
)
from wikibilan.frames import make_frame, validate
from wikibilan.history import claim_history
from wikibilan.internal import internal_by_revision
from wikibilan.model import PageCoverage, PageRecord, Revision, site_key_from_url
from wikibilan.profile import Profile
from wikibilan.recompute import Snapshot
from wikibilan.store import Store
from wikibilan.titles import article_url_from_main_page, page_url

log = logging.getLogger(__name__)


Frames = dict[str, pd.DataFrame]
FRAME_NAMES = ("pages", "revisions", "events", "attendance", "workshops", "expenses",
               "claims", "coverage", "warnings")  # fmt: skip


class DocumentCache:
    """Parse each revision once per run, whichever extractor or snapshot needs it.

    ``chrome``: the lines the site's static archive adds (its profile's), dropped.
    """

    def __init__(self, chrome: tuple[re.Pattern[str], ...] = ()) -> None:
        self._docs: dict[tuple[str, int], Document] = {}
        self.chrome = chrome
        self.parsed = 0

    def get(self, rev: Revision) -> Document:
        key = (rev.site, rev.revid)
        doc = self._docs.get(key)
        if doc is None:
            if rev.sha1 is not None and rev.sha1 != rev.content_sha1:
                # Not what the wiki held: never read it (corrupt_warnings says so).
                doc = Document(rev.title, rev.revid, ())
            else:
                doc = parse_revision(
                    rev.content,
                    rev.content_model,
                    title=rev.title,
                    revid=rev.revid,
                    chrome=self.chrome,
                )
            self._docs[key] = doc
            self.parsed += 1
        return doc


@dataclass
class Workbench:
    """A store and a site, with what every step of a run shares.

    The parse cache, the per-page extraction memo, the page revisions already
    read and the bilan's data: the latest snapshot and the one at the bilan's
    date share most revisions, and each is read, parsed and extracted once.
    """

    store: Store
    site: str
    profile: Profile
    docs: DocumentCache = field(init=False)
    memo: PageMemo = field(repr=False, default_factory=PageMemo)
    _pages: list[PageRecord] | None = field(default=None, repr=False)
    _read: dict[int, PageRevision] = field(repr=False, default_factory=dict)
    _bilans: dict[str, BilanData] = field(repr=False, default_factory=dict)
    _snapshots: dict[tuple[int, ...], Frames] = field(repr=False, default_factory=dict)
    _roles: dict[tuple[int, ...], dict[str, str]] = field(repr=False, default_factory=dict)
    _latest: tuple[int, ...] | None = field(default=None, repr=False)  # the latest snapshot

    def __post_init__(self) -> None:
        self.docs = DocumentCache(self.profile.site.archive_chrome)

    @property
    def pages(self) -> list[PageRecord]:
        if self._pages is None:
            self._pages = self.store.pages(self.site)
        return self._pages

    def page_revisions(self, revisions: Iterable[Revision]) -> list[PageRevision]:
        created = {p.page_id: p.first_rev_at for p in self.pages}
        out = []
        for rev in revisions:
            out.append(
                PageRevision(
                    title=rev.title,
                    revid=rev.revid,
                    timestamp=rev.timestamp,
                    created=created.get(rev.page_id) or rev.timestamp,
                    doc=self.docs.get(rev),
                    user=rev.user or "",
                )
            )
        return out

    def snapshot_pages(self, as_of: datetime | None) -> list[PageRevision]:
        """Every content page as it stood at ``as_of``, by title.

        Pages are read for what they say, so each is read; its content is read
        from the store, and parsed, once a run.
        """
        newest = self.store.latest_revids(self.site, as_of)
        wanted = [(p.title, p.page_id, newest[p.page_id]) for p in self.pages
                  if p.page_id in newest and p.namespace == 0]  # fmt: skip
        unread = [revid for _, _, revid in wanted if revid not in self._read]
        for page in self.page_revisions(self.store.revisions_by_id(self.site, unread)):
            self._read[page.revid] = page
        return [self._read[revid] for _, _, revid in sorted(wanted)]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while documents and rows are built.

    Parsing and extraction allocate millions of small objects and free them by
    reference counting; the collector's automatic full passes only re-walk every
    live document (a fifth of the extraction time on a large wiki). It runs
    again as soon as the step ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def choose_site(store: Store, site: str | None) -> str:
    """The site to work on: the one given, or the only one in the store."""
    keys = [s.key for s in store.sites()]
    if site:
        key = site_key_from_url(site) if "/" in site or "." in site else site
        if key not in keys:
            raise UsageError(
                f"the store holds no site {key!r} (it holds: {', '.join(keys) or 'none'})"
            )
        return key
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise UsageError("the store is empty: fetch a site or import a dump first")
    raise UsageError(f"the store holds several sites ({', '.join(keys)}): choose one with --site")


def article_url(bench: Workbench, base_url: str = "") -> str:
    """How the site builds page URLs (``…/$1``): as stored from its siteinfo, else from its URL."""
    site = bench.store.site(bench.site)
    if site is not None and site.article_url:
        return site.article_url
    known = base_url or (site.base_url if site is not None else "")
    return article_url_from_main_page(known or f"https://{bench.site}")


def pages_frame(bench: Workbench, base_url: str, roles: dict[str, str]) -> pd.DataFrame:
    template = article_url(bench, base_url)
    rows = [{
        "site": p.site, "page_id": p.page_id, "title": p.title,
        "kind": roles.get(p.title, "other"),
        "n_revisions": p.n_revisions, "first_rev_at": p.first_rev_at,
        "last_rev_at": p.last_rev_at,
        "url": page_url(template, p.title),
    } for p in bench.pages]  # fmt: skip
    return make_frame("pages", rows)


def snapshot_frames(bench: Workbench, as_of: datetime | None) -> Frames:
    """Events, attendance and workshops of the wiki as it stood at ``as_of``."""
    pages = bench.snapshot_pages(as_of)
    key = tuple(p.revid for p in pages)
    if as_of is None:
        bench._latest = key
    if key not in bench._snapshots:  # same revisions, same frames (nothing edited since)
        ex = extract_snapshot(pages, bench.profile.reading, bench.memo)
        bench._roles[key] = ex.roles
        bench._snapshots[key] = {
            "events": make_frame("events", ex.events),
            "attendance": make_frame("attendance", ex.attendance),
            "workshops": make_frame("workshops", ex.workshops),
            "warnings": make_frame("warnings", ex.warnings),
            "coverage": make_frame(
                "coverage", coverage_rows(ex.coverage, bench.store.coverage(bench.site))
            ),
        }
    return dict(bench._snapshots[key])


# What a fetch may say of a page the store lacks, more precisely than "missing".
_NOT_STORED = ("found", "missing", "skipped")


def coverage_rows(read: list[CoverageRow], fetched: Iterable[PageCoverage]) -> list[CoverageRow]:
    """The snapshot's coverage with what fetches saw of the pages the store lacks.

    A page the snapshot links to and the store lacks (``missing``) takes the status
    the last fetch gave it: ``missing`` (404 on the mirror), ``found`` (beyond the
    link depth) or ``skipped`` (outside the selection). Pages a fetch met that no
    stored page links to (a seed that does not exist, a category's member left
    out) are added with the pages or categories that led to them.
    """
    by_title = {c.title: c for c in fetched if c.status in _NOT_STORED}
    rows = [
        replace(row, status=by_title[row.title].status)
        if row.status != "fetched" and row.title in by_title
        else row
        for row in read
    ]
    known = {row.title for row in read}
    rows += [
        CoverageRow(c.title, c.status, "; ".join(c.linked_from), len(c.linked_from))
        for c in by_title.values()
        if c.title not in known
    ]
    return sorted(rows, key=lambda row: row.title)


@dataclass(frozen=True, slots=True)
class BilanData:
    claims: pd.DataFrame
    expenses: pd.DataFrame
    all_expenses: pd.DataFrame
    facts: dict[int, BilanFacts]
    warnings: pd.DataFrame
    latest: PageRevision | None


def bilan_data(bench: Workbench, title: str | None = None) -> BilanData:
    """Claims of every report revision, expenses and the facts internal checks need.

    ``title``: the report page (default: the profile's).
    """
    title = title or bench.profile.report_title
    if title not in bench._bilans:
        bench._bilans[title] = _bilan_data(bench, title)
    return bench._bilans[title]


def _bilan_data(bench: Workbench, title: str) -> BilanData:
    page_id = bench.store.page_id_for_title(bench.site, title)
    revs = bench.page_revisions(bench.store.revisions(bench.site, page_id)) if page_id else []
    profile = bench.profile
    claims, expenses, warnings = extract_bilan(revs, profile.claims, profile.expense_sections)
    facts = {r.revid: bilan_facts(r.doc, profile.claims, profile.internal) for r in revs}
    latest = max(revs, key=lambda r: (r.timestamp, r.revid)) if revs else None
    exp = make_frame("expenses", expenses)
    last = exp[exp["revid"] == latest.revid] if latest is not None else exp
    return BilanData(
        make_frame("claims", claims),
        last.reset_index(drop=True),
        exp,
        facts,
        make_frame("warnings", warnings),
        latest,
    )


def corrupt_warnings(bench: Workbench) -> pd.DataFrame:
    """A warnings row for every stored revision whose content fails its sha1 (never read)."""
    rows = [{
        "page": rev.title, "revid": rev.revid, "line": 0,
        "reason": "stored revision fails its sha1 (corrupt)",
        "text": "not used; `wikibilan fetch` downloads it again",
    } for rev in bench.store.corrupt_revisions(bench.site)]  # fmt: skip
    return make_frame("warnings", rows)


def load_frames(bench: Workbench, base_url: str = "") -> Frames:
    """Every frame of the latest snapshot, validated against its schema."""
    with _collector_paused():
        return _load_frames(bench, base_url)


def _load_frames(bench: Workbench, base_url: str) -> Frames:
    frames = snapshot_frames(bench, None)
    bilan = bilan_data(bench)
    assert bench._latest is not None  # snapshot_frames(bench, None) just ran
    roles = bench._roles[bench._latest]
    frames["pages"] = pages_frame(bench, base_url, roles)
    frames["revisions"] = make_frame("revisions", bench.store.revision_metadata(bench.site))
    frames["expenses"] = bilan.expenses
    frames["claims"] = bilan.claims
    frames["warnings"] = pd.concat(
        [frames["warnings"], bilan.warnings, corrupt_warnings(bench)], ignore_index=True
    )
    for name in FRAME_NAMES:
        validate(name, frames[name])
    return {name: frames[name] for name in FRAME_NAMES}


def run_checks(
    bench: Workbench,
    frames: Frames,
    as_of: datetime | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Frames:
    """Verdicts for the latest bilan revision, and the history of every figure."""
    with _collector_paused():
        return _run_checks(bench, frames, as_of)


def check_date(bench: Workbench, as_of: datetime | None = None) -> datetime | None:
    """The date the checks see the wiki at: ``as_of``, else the bilan's last revision's."""
    latest = bilan_data(bench).latest
    return as_of or (latest.timestamp if latest is not None else None)


def _run_checks(bench: Workbench, frames: Frames, as_of: datetime | None) -> Frames:
    registry = bench.profile.registry
    bilan = bilan_data(bench)
    when = check_date(bench, as_of)
    if bilan.latest is None or when is None:
        empty = empty_checks()  # typed like any checks frame
        return {"checks": empty, "claim_history": claim_history(bilan.claims, {}, registry)}
    snapshot = _snapshot(bench, frames, when, snapshot_frames(bench, when))
    internal = internal_by_revision(bilan.claims, snapshot, registry)
    checks = check_claims(bilan.claims, snapshot, bilan.latest.revid, registry, internal)
    verdicts = {
        (subject.claim_id, revid): outcome
        for revid, results in internal.items()
        for subject, outcome in results
    }
    return {"checks": checks, "claim_history": claim_history(bilan.claims, verdicts, registry)}


def _snapshot(bench: Workbench, frames: Frames, when: datetime, snap: Frames) -> Snapshot:
    bilan = bilan_data(bench)
    return Snapshot(
        when,
        snap["events"],
        snap["attendance"],
        snap["workshops"],
        frames["pages"],
        bilan.all_expenses,
        bilan.facts,
        bilan.claims,
        bench.profile.report_title,
    )


def counted(bench: Workbench, frames: Frames, as_of: datetime | None = None) -> pd.DataFrame:
    """What each data check of the latest bilan revision counted (``checks.counted_frame``).

    The items the wiki records today (``frames``, the latest revisions) but did
    not at the claim date come too, marked not counted.
    """
    with _collector_paused():
        bilan = bilan_data(bench)
        when = check_date(bench, as_of)
        if bilan.latest is None or when is None:
            return pd.DataFrame(columns=COUNTED_COLUMNS)
        then = _snapshot(bench, frames, when, snapshot_frames(bench, when))
        now = _snapshot(bench, frames, when, frames)
        return counted_frame(bilan.claims, then, bilan.latest.revid, bench.profile.registry, now)


def open_bench(cache: Path, site: str | None, profile: Profile) -> Workbench:
    store = Store.open(cache)
    return Workbench(store, choose_site(store, site), profile)
