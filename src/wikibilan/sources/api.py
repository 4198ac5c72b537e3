"""The ``api`` source: a MediaWiki's full history through its Action API.

A first fetch resolves the selection (which also brings every page's
``lastrevid``), then downloads only what the store lacks:

- pages the store has never seen, by the cheaper of two plans, chosen from the
  wiki's own statistics: ``per_page`` (one history per page, 50 revisions with
  content per request; single-revision pages 50 to a request) or
  ``allrevisions`` (every revision of the namespaces, 50 per request, kept when
  its page is selected);
- pages whose ``lastrevid`` is newer than the store's: their latest revisions,
  50 pages to a request;
- holes in a stored history (a revision whose parent is not stored), found from
  the store itself and fetched as one revision range per hole, which also
  brings the revisions between an old and a new latest revision.

A re-run first reads ``list=recentchanges`` since the previous fetch: one
request when nothing happened. Edits to selected pages are fetched as above
(one more request to re-read the links of an edited page whose links are
followed); anything that could change the selection itself (a new link to a
page not yet selected, a new, moved or deleted page that could belong to it,
a week since the last full check) makes it resolve the selection again, which
also reports deleted and moved pages.

Every answer is written to the store in its own transaction, so an interrupted
fetch keeps what it got and the next run carries on from the store.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..config import Selection
from ..errors import SourceError
from ..french import is_ip
from ..model import (
    FetchProgress,
    FetchResult,
    PageCoverage,
    ProgressCallback,
    Revision,
    Site,
    site_key_from_url,
)
from ..store import Store
from ..titles import article_url_from_main_page, article_url_from_siteinfo
from .apiclient import ApiClient, SiteInfo, chunks, discover_api, probe_api
from .http import PoliteSession, note_stored
from .selection import (
    TITLES_PER_REQUEST,
    PageState,
    Resolution,
    linked_pages,
    may_join,
    resolve_selection,
    title_matcher,
)

log = logging.getLogger(__name__)

__all__ = [
    "ApiSource",
    "FetchProgress",
    "FetchResult",
    "choose_plan",
    "discover_api",
    "find_gaps",
    "plan_costs",
    "probe_api",
    "revision_from_api",
]

REVISION_PROPS = "ids|timestamp|user|comment|content|sha1|size|flags"
CONTENT_LIMIT = 50
"""Revisions with content per request for a client without ``apihighlimits``."""
PLAN_PER_PAGE = "per_page"
PLAN_ALLREVISIONS = "allrevisions"
CHECK_FULL = "full"
CHECK_RECENT = "recentchanges"
_GAP_ERRORS = ("nosuchrevid", "badid_rvstartid", "badid_rvendid")


def _article_url(info: SiteInfo, site_url: str) -> str | None:
    """Page URLs as the wiki builds them: ``server`` + ``articlepath``, else from ``base``."""
    if info.server and "$1" in info.article_path:
        return article_url_from_siteinfo(info.server, info.article_path, site_url)
    return article_url_from_main_page(info.base_url) if info.base_url else None


# -- plans --------------------------------------------------------------------


def plan_costs(pages: Sequence[PageState], statistics: Mapping[str, int]) -> dict[str, int]:
    """Estimate the requests each plan needs to fetch ``pages`` whole.

    ``per_page``: single-revision pages 50 to a request, other pages
    ⌈revisions/50⌉ each, revisions estimated from the wiki's mean per page.
    ``allrevisions``: ⌈edits/50⌉, every edit the wiki counts.
    """
    single = sum(1 for p in pages if p.single_revision)
    multi = len(pages) - single
    edits = max(0, statistics.get("edits", 0))
    mean = edits / max(1, statistics.get("pages", 0)) if edits else 1.0
    per_page = math.ceil(single / CONTENT_LIMIT) + max(
        multi, math.ceil(multi * mean / CONTENT_LIMIT)
    )
    costs = {PLAN_PER_PAGE: per_page}
    if edits:
        costs[PLAN_ALLREVISIONS] = math.ceil(edits / CONTENT_LIMIT)
    return costs


def choose_plan(
    pages: Sequence[PageState], statistics: Mapping[str, int], generator: str = ""
) -> str:
    """The cheaper plan for ``pages`` (``per_page`` on a tie or without statistics).

    ``generator`` is the wiki's ``MediaWiki 1.x.y``: ``list=allrevisions``
    exists from 1.27 on.
    """
    version = re.match(r"MediaWiki (\d+)\.(\d+)", generator)
    if version and (int(version[1]), int(version[2])) < (1, 27):
        return PLAN_PER_PAGE
    costs = plan_costs(pages, statistics)
    if costs.get(PLAN_ALLREVISIONS, math.inf) < costs[PLAN_PER_PAGE]:
        return PLAN_ALLREVISIONS
    return PLAN_PER_PAGE


# -- records --------------------------------------------------------------------


def revision_from_api(site: str, page: Mapping[str, Any], rev: Mapping[str, Any]) -> Revision:
    """Build a :class:`Revision` from one ``revisions`` item (formatversion 2)."""
    # Before MediaWiki 1.32 there are no slots: the content sits on the revision.
    slot = rev.get("slots", {}).get("main", rev)
    hidden = bool(slot.get("texthidden")) or "content" not in slot
    if hidden:
        log.warning("revision %s of %s: content hidden on the wiki", rev["revid"], page["title"])
    user = None if rev.get("userhidden") else rev.get("user")
    parent = int(rev.get("parentid") or 0)
    return Revision(
        site=site,
        page_id=int(page["pageid"]),
        title=str(page["title"]),
        revid=int(rev["revid"]),
        parentid=parent or None,
        timestamp=datetime.strptime(rev["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
        user=user,
        comment=None if rev.get("commenthidden") else rev.get("comment", ""),
        content=str(slot.get("content", "")),
        content_model="wikitext",
        # without its text, the wiki's sha1 would only make the row look corrupt
        sha1=None if rev.get("sha1hidden") or hidden else rev.get("sha1"),
        namespace=int(page.get("ns", 0)),
        user_is_ip=bool(rev.get("anon")) and user is not None and is_ip(user),
        minor=bool(rev.get("minor", False)),
        source="api",
    )


# -- the source -----------------------------------------------------------------

_STRUCTURAL_LOGS = frozenset({"delete", "move", "import", "merge"})


@dataclass(frozen=True, slots=True)
class _State:
    """What a fetch leaves in the store for the next one (``api:<site>:state``)."""

    selection: str
    """The selection it resolved, as JSON: another selection means a full check."""
    checked_at: str
    """Server time when that fetch began: recent changes are read from there."""
    resolved_at: float
    """Local Unix time of the last full resolution."""
    selected: tuple[int, ...]
    sources: tuple[int, ...]
    """Pages whose links were followed: an edit to one may change the selection."""


class ApiSource:
    """Fetch a selection of a MediaWiki into the store through its API.

    Args:
        site_url: the wiki (any page URL, or the ``api.php`` URL).
        session: the polite session all requests go through.
        selection: which pages.
        api_url: skip discovery and use this ``api.php``.
        site_key: the site's name in the store (default: from ``site_url``).
        full_check_every: seconds after which a re-run resolves the selection
            again even when recent changes show nothing that could alter it.
        clock: Unix seconds (for ``full_check_every``).
    """

    def __init__(
        self,
        site_url: str,
        *,
        session: PoliteSession,
        selection: Selection,
        api_url: str | None = None,
        site_key: str | None = None,
        full_check_every: float = 7 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.site_url = site_url
        self.session = session
        self.selection = selection
        self.api_url = api_url
        self.site_key = site_key or site_key_from_url(site_url)
        self.full_check_every = full_check_every
        self.clock = clock

    def meta_key(self, name: str) -> str:
        """The store meta key under which this source keeps ``name`` for its site."""
        return f"api:{self.site_key}:{name}"

    def fetch(self, store: Store, *, progress: ProgressCallback | None = None) -> FetchResult:
        """Bring the store up to date with the selected pages of the wiki.

        A re-run first reads the wiki's recent changes since the previous fetch
        (one request when nothing happened); when they show a page that could
        join or leave the selection, or when the previous full check is older
        than ``full_check_every``, the selection is resolved again.

        Raises:
            NoApiError: the site has no API.
            SourceError: the wiki failed or refused (RetryBudgetExhausted, OffSiteError…);
                the message says how many revisions were stored before, if any.
            StoreError: the store refused a write.
        """
        run = _Run(self, store, progress)
        try:
            return run.execute()
        except SourceError as exc:
            note_stored(exc, run.added)
            raise


class _Run:
    """One fetch (kept out of ApiSource so that the source holds no per-run state)."""

    def __init__(self, source: ApiSource, store: Store, progress: ProgressCallback | None) -> None:
        self.source = source
        self.store = store
        self.progress = progress
        self.site = source.site_key
        self.stats = source.session.stats
        self.start_requests = self.stats.requests
        self.added = 0
        self.pages_total: int | None = None
        self.pages_done = 0
        self.fingerprint = json.dumps(dataclasses.asdict(source.selection), sort_keys=True)
        api_url = source.api_url or store.get_meta(source.meta_key("url"))
        self.siteinfo: SiteInfo | None = None
        self.api_url = api_url

    def execute(self) -> FetchResult:
        src, store = self.source, self.store
        if self.api_url is None:
            self.api_url, self.siteinfo = probe_api(src.site_url, src.session)
            store.set_meta(src.meta_key("url"), self.api_url)
        self.client = ApiClient(
            self.api_url, src.session, maxlag=src.session.politeness.maxlag, siteinfo=self.siteinfo
        )
        self._finish_interrupted()
        self.repaired = self._repair()
        state = self._load_state()
        recent = self._recent_changes(state) if state is not None else None
        if state is not None and recent is not None:
            result = self._apply_recent(state, recent)
        else:
            result = self._full()
        log.info("fetch of %s: %s", self.site, result)
        return result

    # -- the two ways to check --------------------------------------------------

    def _apply_recent(self, state: _State, changed: Mapping[int, list[int]]) -> FetchResult:
        """Recent changes touched only pages already selected: fetch their news.

        A page edited once since the last fetch comes with others, 50 to a
        request; a page edited more often gets one range request of its own.
        """
        stored_latest = self.store.latest_revids(self.site)
        todo = dict(changed)
        self.pages_total = len(state.selected)
        self.pages_done = self.pages_total - len(todo)
        self._latest(sorted(pid for pid, revids in todo.items() if len(revids) == 1))
        for pid, revids in sorted(todo.items()):
            if len(revids) > 1:
                self._history(pid, start=max(revids), end=stored_latest.get(pid))
                self.pages_done += 1
        filled, left = self._fill_gaps(set(state.selected))
        self._save_state(
            dataclasses.replace(state, checked_at=self.client.started_at or state.checked_at)
        )
        return self._result(len(state.selected), "none", CHECK_RECENT, (), (), filled, left)

    def _full(self) -> FetchResult:
        """Resolve the selection, compare with the store, fetch what it lacks."""
        src, store = self.source, self.store
        resolution = resolve_selection(self.client, src.selection)
        info = self.client.fetch_siteinfo()
        store.upsert_site(
            Site(
                key=self.site,
                base_url=src.site_url,
                name=info.name,
                lang=info.lang or "fr",
                article_url=_article_url(info, src.site_url),
            )
        )
        selected = {p.page_id: p for p in resolution.pages}
        self.pages_total = len(selected)
        stored_pages = {p.page_id: p for p in store.pages(self.site)}
        stored_ids = store.stored_revids(self.site)

        moved = [
            (stored_pages[pid].title, page.title)
            for pid, page in selected.items()
            if pid in stored_pages and stored_pages[pid].title != page.title
        ]
        deleted, moved_away = self._vanished(selected, stored_pages, resolution.missing)
        moved += moved_away
        for old, new in moved:
            log.warning("page moved on the wiki: %r -> %r", old, new)
        for title in deleted:
            log.warning("page deleted on the wiki (kept in the store): %r", title)

        fresh = [p for p in resolution.pages if p.page_id not in stored_pages]
        changed = [
            p.page_id
            for p in resolution.pages
            if p.page_id in stored_pages and p.lastrevid and p.lastrevid not in stored_ids
        ]
        self.pages_done = len(selected) - len(fresh) - len(changed)
        self._report()
        plan = "none"
        if fresh:
            plan = choose_plan(fresh, info.statistics, info.generator)
            log.info(
                "fetching %d new pages, plan %s (estimates %s)",
                len(fresh),
                plan,
                plan_costs(fresh, info.statistics),
            )
            if plan == PLAN_ALLREVISIONS:
                namespaces = sorted({p.namespace for p in fresh})
                self._all_revisions({p.page_id for p in fresh}, namespaces)
            else:
                self._latest([p.page_id for p in fresh if p.single_revision])
                for page in fresh:
                    if not page.single_revision:
                        self._history(page.page_id)
                        self.pages_done += 1
        self._latest(changed)
        filled, left = self._fill_gaps(set(selected))
        if self.client.started_at:
            self._save_state(
                _State(
                    selection=self.fingerprint,
                    checked_at=self.client.started_at,
                    resolved_at=self.source.clock(),
                    selected=tuple(sorted(selected)),
                    sources=tuple(sorted(resolution.link_sources)),
                )
            )
        result = self._result(
            len(selected), plan, CHECK_FULL, tuple(deleted), tuple(moved), filled, left
        )
        return self._with_coverage(result, resolution)

    def _with_coverage(self, result: FetchResult, resolution: Resolution) -> FetchResult:
        """``result`` with the pages met (selected: fetched; asked for or linked to and
        not on the wiki: missing), also noted in the store, and a warning per missing seed."""
        met = {p.title: PageCoverage(p.title, "fetched") for p in resolution.pages}
        for title in sorted(resolution.missing):
            met.setdefault(title, PageCoverage(title, "missing"))
        coverage = tuple(met[t] for t in sorted(met))
        self.store.record_coverage(self.site, coverage)
        seeds = [t for t in dict.fromkeys(self.source.selection.titles) if t in resolution.missing]
        warnings = tuple(
            f"seed {t!r} does not exist on the wiki: the fetch went on from the other seeds"
            for t in seeds
        )
        for warning in warnings:
            log.warning("%s", warning)
        missing = tuple(sorted(resolution.missing))
        return dataclasses.replace(result, coverage=coverage, warnings=warnings, missing=missing)

    def _result(
        self,
        pages: int,
        plan: str,
        check: str,
        deleted: tuple[str, ...],
        moved: tuple[tuple[str, str], ...],
        filled: int,
        left: int,
    ) -> FetchResult:
        return FetchResult(
            site=self.site,
            pages=pages,
            revisions_new=self.added,
            requests=self.stats.requests - self.start_requests,
            plan=plan,
            check=check,
            deleted=deleted,
            moved=moved,
            gaps_filled=filled,
            gaps_left=left,
            repaired=self.repaired,
        )

    # -- state between runs -------------------------------------------------------

    def _load_state(self) -> _State | None:
        raw = self.store.get_meta(self.source.meta_key("state"))
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return _State(
                selection=str(data["selection"]),
                checked_at=str(data["checked_at"]),
                resolved_at=float(data["resolved_at"]),
                selected=tuple(int(i) for i in data["selected"]),
                sources=tuple(int(i) for i in data["sources"]),
            )
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable fetch state for %s", self.site)
            return None

    def _save_state(self, state: _State) -> None:
        self.store.set_meta(self.source.meta_key("state"), json.dumps(dataclasses.asdict(state)))

    def _recent_changes(self, state: _State) -> dict[int, list[int]] | None:
        """The new revids of each selected page edited since the last fetch, or None when the
        selection itself may have changed (or the last full check is too old).

        An edit to a page whose links are followed costs one more request: its
        links are read again, and a new page among them means a full check.
        Category joins are only seen through edits to pages the title patterns
        accept (MediaWiki does not log them by default); the periodic full
        check catches the others.
        """
        selection = self.source.selection
        if (
            state.selection != self.fingerprint
            or self.source.clock() - state.resolved_at > self.source.full_check_every
        ):
            return None
        selected, sources = set(state.selected), set(state.sources)
        titles = {p.title for p in self.store.pages(self.site) if p.page_id in selected}
        stored = self.store.stored_revids(self.site)
        matcher = title_matcher(selection.title_patterns)
        changed: dict[int, list[int]] = defaultdict(list)
        params = {
            "list": "recentchanges",
            "rcstart": state.checked_at,
            "rcdir": "newer",
            "rcprop": "title|ids|timestamp|loginfo",
            "rctype": "edit|new|log|categorize",
            "rclimit": "max",
        }
        for answer in self.client.iter_query(params):
            for rc in answer.get("query", {}).get("recentchanges", []):
                page_id = int(rc.get("pageid") or 0)
                if rc.get("type") == "edit" and page_id in selected:
                    revid = int(rc.get("revid") or 0)
                    if revid not in stored:  # rcstart is inclusive, to the second
                        changed[page_id].append(revid)
                elif _may_reshape(rc, selection, matcher, selected, titles):
                    return None
        edited_sources = sources & set(changed)
        if edited_sources:
            linked = linked_pages(self.client, edited_sources, selection)
            if any(page.page_id not in selected for page in linked):
                return None  # a link to a page not selected yet
        return changed

    # -- steps ----------------------------------------------------------------

    def _vanished(
        self, selected: Mapping[int, PageState], stored: Mapping[int, Any], missing: Iterable[str]
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """Pages selected last time that are gone now: deleted, or moved out of the selection."""
        state = self._load_state()
        before = set(state.selected) if state is not None else set()
        gone = sorted(pid for pid in before - set(selected) if pid in stored)
        missing = set(missing)
        deleted = [stored[pid].title for pid in gone if stored[pid].title in missing]
        unsure = [pid for pid in gone if stored[pid].title not in missing]
        moved: list[tuple[str, str]] = []
        for batch in chunks(unsure, TITLES_PER_REQUEST):
            seen: set[int] = set()
            for answer in self.client.iter_query({"prop": "info", "pageids": batch}):
                for page in answer.get("query", {}).get("pages", []):
                    pid = int(page.get("pageid", 0))
                    if page.get("missing") or pid not in stored:
                        continue
                    seen.add(pid)
                    if page["title"] != stored[pid].title:
                        moved.append((stored[pid].title, str(page["title"])))
                    else:
                        log.info("page %r is no longer in the selection", page["title"])
            deleted += [stored[pid].title for pid in batch if pid not in seen]
        return deleted, moved

    def _store(
        self,
        answer: Mapping[str, Any],
        *,
        keep: Collection[int] | None = None,
        list_name: str | None = None,
    ) -> None:
        query = answer.get("query", {})
        items = query.get(list_name, []) if list_name else query.get("pages", [])
        revisions = [
            revision_from_api(self.site, page, rev)
            for page in items
            if "pageid" in page and (keep is None or int(page["pageid"]) in keep)
            for rev in page.get("revisions", [])
        ]
        if revisions:
            self.added += self.store.add_revisions(revisions)
        self._report()

    # -- listings that survive a kill ---------------------------------------------

    def _listing(
        self,
        params: Mapping[str, Any],
        *,
        keep: Collection[int] | None = None,
        list_name: str | None = None,
        ok_errors: Sequence[str] = (),
        resume: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Store every answer of a listing; yield each once it is stored.

        A listing longer than one answer is written down in the store's meta
        table (``api:<site>:listing``), and each answer is stored in the same
        transaction as the continuation that follows it. A fetch killed halfway
        leaves the listing there; the next fetch finishes it from that point
        first, so no revision it stored is downloaded again.
        """
        journal, where = self.source.meta_key("listing"), self.source.meta_key("listing_at")
        written = resume is not None
        for answer in self.client.iter_query(params, ok_errors=ok_errors, start=resume):
            following = answer.get("continue") if "error" not in answer else None
            with self.store.transaction():
                if "error" not in answer:
                    self._store(answer, keep=keep, list_name=list_name)
                if following is not None:
                    if not written:
                        job = {
                            "selection": self.fingerprint,
                            "params": dict(params),
                            "keep": None if keep is None else sorted(keep),
                            "list": list_name,
                            "ok_errors": list(ok_errors),
                        }
                        self.store.set_meta(journal, json.dumps(job))
                        written = True
                    self.store.set_meta(where, json.dumps(following))
                elif written:
                    self.store.set_meta(journal, "")
                    self.store.set_meta(where, "")
            yield answer

    def _finish_interrupted(self) -> None:
        """Finish the listing an interrupted fetch left in the journal, from where it stopped."""
        journal, where = self.source.meta_key("listing"), self.source.meta_key("listing_at")
        raw = self.store.get_meta(journal)
        if not raw:
            return
        try:
            job = json.loads(raw)
            resume = json.loads(self.store.get_meta(where) or "null")
            params, keep = dict(job["params"]), job.get("keep")
        except (ValueError, KeyError, TypeError):
            job, resume, params, keep = {}, None, {}, None
        if job.get("selection") != self.fingerprint or not isinstance(resume, dict):
            log.info("dropping the listing an earlier fetch left unfinished (another selection)")
            with self.store.transaction():
                self.store.set_meta(journal, "")
                self.store.set_meta(where, "")
            return
        log.info("finishing the listing an interrupted fetch left at %s", resume)
        for _ in self._listing(
            params,
            keep=None if keep is None else set(keep),
            list_name=job.get("list"),
            ok_errors=tuple(job.get("ok_errors", ())),
            resume=resume,
        ):
            pass

    def _repair(self) -> int:
        """Download again every stored revision whose content fails its sha1; return how many."""
        bad = [rev.revid for rev in self.store.corrupt_revisions(self.site)]
        if not bad:
            return 0
        log.warning("%d stored revisions fail their sha1: downloading them again", len(bad))
        fixed = 0
        for batch in chunks(bad, CONTENT_LIMIT):
            params: dict[str, Any] = {"prop": "revisions", "revids": list(batch)}
            params.update(rvprop=REVISION_PROPS, rvslots="main")
            for answer in self.client.iter_query(params):
                fixed += self.store.replace_corrupt(
                    revision_from_api(self.site, page, rev)
                    for page in answer.get("query", {}).get("pages", [])
                    if "pageid" in page
                    for rev in page.get("revisions", [])
                )
        if fixed < len(bad):
            log.warning("%d revisions still fail their sha1 after a new download", len(bad) - fixed)
        return fixed

    # -- downloads ------------------------------------------------------------------

    def _latest(self, page_ids: Sequence[int]) -> None:
        """The latest revision of each page, 50 pages to a request."""
        for batch in chunks(list(page_ids), CONTENT_LIMIT):
            params = {"prop": "revisions", "pageids": list(batch)}
            params.update(rvprop=REVISION_PROPS, rvslots="main")
            for _ in self._listing(params):
                pass
            self.pages_done += len(batch)

    def _history(self, page_id: int, *, start: int | None = None, end: int | None = None) -> int:
        """A page's history (or the range start..end, newest first); returns revisions seen."""
        params: dict[str, Any] = {
            "prop": "revisions",
            "pageids": page_id,
            "rvprop": REVISION_PROPS,
            "rvslots": "main",
            "rvlimit": "max",
            "rvdir": "newer",
        }
        if start is not None:
            params.update(rvstartid=start, rvdir="older")
            if end is not None:
                params["rvendid"] = end
        seen = 0
        for answer in self._listing(params, ok_errors=_GAP_ERRORS):
            if "error" in answer:
                log.warning(
                    "page %d: the wiki cannot list revisions from %s: %s",
                    page_id,
                    start,
                    answer["error"].get("info"),
                )
                return 0
            for page in answer.get("query", {}).get("pages", []):
                seen += len(page.get("revisions", []))
        return seen

    def _all_revisions(self, wanted: set[int], namespaces: Sequence[int]) -> None:
        """Every revision of ``namespaces``, oldest first, keeping the wanted pages'."""
        params = {
            "list": "allrevisions",
            "arvprop": REVISION_PROPS,
            "arvslots": "main",
            "arvlimit": "max",
            "arvdir": "newer",
            "arvnamespace": [str(n) for n in namespaces],
        }
        for _ in self._listing(params, keep=wanted, list_name="allrevisions"):
            pass
        self.pages_done += len(wanted)
        self._report()

    def _fill_gaps(self, page_ids: set[int]) -> tuple[int, int]:
        """Fetch the revisions missing between stored ones; return (filled, left)."""
        # Holes the wiki could not fill before (suppressed or merged revisions)
        # are remembered, so that they do not cost a request on every run.
        key = self.source.meta_key("unfillable")
        known = set(json.loads(self.store.get_meta(key) or "[]"))
        gaps = [
            g
            for g in find_gaps(self.store.revision_metadata(self.site), page_ids)
            if g[1] not in known
        ]
        for page_id, newer, older in gaps:
            self._history(page_id, start=newer, end=older)
        if not gaps:
            return 0, 0
        remaining = [
            g
            for g in find_gaps(self.store.revision_metadata(self.site), page_ids)
            if g[1] not in known
        ]
        for page_id, newer, _ in remaining:
            log.warning("page %d: the parent of revision %d is not on the wiki", page_id, newer)
        if remaining:
            self.store.set_meta(key, json.dumps(sorted(known | {g[1] for g in remaining})))
        return len(gaps) - len(remaining), len(remaining)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(
                FetchProgress(
                    pages_done=self.pages_done,
                    pages_total=self.pages_total,
                    revisions_new=self.added,
                    revisions_total=None,
                    requests=self.stats.requests - self.start_requests,
                    retries=self.stats.retries,
                    lag=self.stats.last_lag,
                )
            )


def _may_reshape(
    rc: Mapping[str, Any],
    selection: Selection,
    matcher: re.Pattern[str] | None,
    selected: set[int],
    titles: set[str],
) -> bool:
    """Whether a recent change (other than an edit to a selected page) may change the
    selection: a page that could join it was created, edited (joining a category),
    moved, deleted or imported, or category membership changed."""
    kind, title = rc.get("type"), str(rc.get("title", ""))
    if kind == "categorize":
        return bool(selection.categories)
    if kind == "edit":  # only category membership can change through an edit
        return bool(selection.categories) and may_join(title, selection, matcher)
    if kind == "new":
        return may_join(title, selection, matcher)
    if kind == "log" and rc.get("logtype") in _STRUCTURAL_LOGS:
        target = str(rc.get("logparams", {}).get("target_title", ""))
        return (
            int(rc.get("pageid") or 0) in selected
            or title in titles
            or may_join(title, selection, matcher)
            or bool(target and may_join(target, selection, matcher))
        )
    return False


def find_gaps(
    metadata: Iterable[Mapping[str, object]], page_ids: set[int] | None = None
) -> list[tuple[int, int, int | None]]:
    """Holes in stored histories: (page id, revision whose parent is missing, stored revision
    just before it or None).

    Args:
        metadata: rows with ``page_id``, ``revid``, ``parentid``, ``timestamp``
            (``Store.revision_metadata``).
        page_ids: only these pages (all when None).
    """
    by_page: dict[int, list[tuple[Any, int, int]]] = defaultdict(list)
    for row in metadata:
        page_id = int(str(row["page_id"]))
        if page_ids is not None and page_id not in page_ids:
            continue
        parent = row.get("parentid")
        by_page[page_id].append((row["timestamp"], int(str(row["revid"])), int(str(parent or 0))))
    gaps: list[tuple[int, int, int | None]] = []
    for page_id, revs in sorted(by_page.items()):
        revs.sort()
        ids = {revid for _, revid, _ in revs}
        for i, (_, revid, parent) in enumerate(revs):
            if parent and parent not in ids:
                gaps.append((page_id, revid, revs[i - 1][1] if i else None))
    return gaps
