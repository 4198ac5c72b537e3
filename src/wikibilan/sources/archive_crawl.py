"""One crawl of a static mirror: the state and steps behind ``ArchiveSource.fetch``.

See :mod:`.archive` for what is fetched and how it is stored.
"""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests

from ..config import Selection
from ..model import FetchProgress, FetchResult, ProgressCallback, Site
from ..store import Store
from ..titles import DEFAULT_ARTICLE_PATH, normalize_title
from .archive_http import Mirror
from .archive_parse import CATEGORY_PREFIX, ArchivedPage
from .archive_reach import Filter, Reach
from .archive_revisions import PageRevisions, Tally
from .archive_urls import WikiUrl, is_main_namespace, on_root
from .http import PoliteSession

log = logging.getLogger(__name__)

CATEGORY_PROBES = 3
"""Category pages asked for before concluding that the mirror keeps none (while none answered)."""


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """What a crawl needs to know about the mirror (see ``ArchiveSource``)."""

    root: str
    site_key: str
    selection: Selection
    old_hosts: tuple[str, ...] = ()
    utc_offset: timedelta | None = None
    wikitext_diffs: bool = False


def synthetic_page_id(title: str) -> int:
    """A stable negative page id for a mirror that does not say the real one."""
    return -(zlib.crc32(title.encode("utf-8")) + 1)


class Crawl:
    """The state of one fetch (kept out of ArchiveSource so the source stays reusable)."""

    def __init__(
        self,
        settings: CrawlSettings,
        session: PoliteSession,
        store: Store,
        progress: ProgressCallback | None,
    ) -> None:
        self.s = settings
        self.session = session
        self.store = store
        self.progress = progress
        self.site = settings.site_key
        self.start = (session.stats.requests, session.stats.bytes)
        self.filter = Filter(settings.selection)
        self.reach = Reach()
        self.tally = Tally()
        self.missing: list[str] = []
        self.warnings: list[str] = []
        self.not_modified = 0
        self.read_titles: list[str] = []
        self.kept: set[str] = set()  # the pages read
        self.seen: set[str] = set()  # the pages read or asked for
        self.seeds: frozenset[str] = frozenset()
        self.queued = 0  # pages found but not read yet, for the progress display
        self.urls: dict[str, str] = {}  # title -> its current page's URL as a page links it
        self.categories: dict[str, bool] = {}  # category asked for -> whether it answered
        self.mirror = Mirror(settings.root, settings.old_hosts, session, store,
                             self._key(""), settings.utc_offset)  # fmt: skip

    def _key(self, name: str) -> str:
        return f"archive:{self.site}:{name}"

    # -- the crawl --------------------------------------------------------------

    def run(self) -> FetchResult:
        # A page's URL on the mirror is MediaWiki's own current-page form (ARCHIVE.md).
        article_url = f"{self.s.root}{DEFAULT_ARTICLE_PATH}"
        self.store.upsert_site(
            Site(key=self.site, base_url=self.s.root, lang="fr", article_url=article_url)
        )
        selection = self.s.selection
        seeds = dict.fromkeys(t for t in (normalize_title(t) for t in selection.titles) if t)
        self.seeds = frozenset(seeds)
        frontier = {**seeds, **self._category_members()}
        for depth in range(selection.links + 1):
            follow = depth < selection.links
            reached: dict[str, None] = {}
            for i, title in enumerate(frontier):
                self.queued = len(frontier) - i - 1 + len(reached)
                page = self._page(title)
                if page is not None:
                    self._follow(page, reached if follow else None)
                self._flush()
                self.queued = len(frontier) - i - 1 + len(reached)
                self._report()  # the page's links are queued now: a truer total
            frontier = {t: None for t in reached if t not in self.seen}
            if not frontier:
                break
        self._flush()
        stats = self.session.stats
        result = FetchResult(
            site=self.site,
            pages=len(self.read_titles),
            revisions_new=self.tally.added,
            requests=stats.requests - self.start[0],
            plan="archive",
            gaps_left=len(self.tally.missing) + self.tally.breaks,
            bytes=stats.bytes - self.start[1],
            missing=tuple(self.missing),
            missing_revisions=tuple(self.tally.missing),
            not_modified=self.not_modified,
            titles=tuple(self.read_titles),
            coverage=self.reach.records(),
            warnings=tuple(self.warnings),
        )
        log.info("crawl of %s: %s", self.site, result)
        return result

    def _follow(self, page: ArchivedPage, reached: dict[str, None] | None) -> None:
        """Note the pages ``page`` leads to; queue the wanted ones in ``reached`` (None:
        the link depth is reached, they stay found)."""
        for found, may_request in self._links(page):
            if may_request:
                self.urls.setdefault(found.title, on_root(found.url, self.s.root))
            self._reached(found.title, page.title, reached)
        if reached is None:
            return
        for url in page.category_urls:
            located = self.mirror.locate(url)
            if located is not None and located[1]:
                self.urls.setdefault(located[0].title, on_root(url, self.s.root))
        for category in page.categories:
            for title in self._discovered_category(category):
                self._reached(title, category, reached)

    def _reached(self, title: str, source: str, reached: dict[str, None] | None) -> None:
        if not is_main_namespace(title):
            return
        if not self.filter.accepts(title, self.kept):
            self.reach.note(title, "skipped", source)
            return
        self.reach.note(title, "found", source)
        if reached is not None and title not in self.seen:
            reached[title] = None

    def _flush(self) -> None:
        """Hand the store what the crawl learnt of its pages since the last time."""
        changed = self.reach.pending()
        if changed:
            self.store.record_coverage(self.site, changed)

    def _category_members(self) -> dict[str, None]:
        """Pages of the selection's categories (and sub-categories, to ``category_depth``)."""
        members: dict[str, None] = {}
        queue = [(c if ":" in c else CATEGORY_PREFIX + c, 0) for c in self.s.selection.categories]
        done: set[str] = set()
        while queue:
            name, depth = queue.pop(0)
            if name in done:
                continue
            done.add(name)
            for url in self._category(name, named=True):
                located = self.mirror.locate(url)
                if located is None:
                    continue
                found, may_request = located
                if is_main_namespace(found.title):
                    members[found.title] = None
                    self.reach.note(found.title, "found", name)
                    if may_request:
                        self.urls.setdefault(found.title, on_root(url, self.s.root))
                elif depth < self.s.selection.category_depth:
                    queue.append((found.title, depth + 1))
        return members

    def _discovered_category(self, name: str) -> list[str]:
        """Main-namespace members of a category a page is in (asked for once per crawl).

        A mirror may keep no category page at all: after ``CATEGORY_PROBES`` absent
        ones, and none present, the crawl stops asking.
        """
        if name in self.categories:
            return []
        if not any(self.categories.values()) and len(self.categories) >= CATEGORY_PROBES:
            return []
        titles = []
        for url in self._category(name, named=False):
            located = self.mirror.locate(url)
            if located is None or not is_main_namespace(located[0].title):
                continue
            titles.append(located[0].title)
            if located[1]:
                self.urls.setdefault(located[0].title, on_root(url, self.s.root))
        return titles

    def _category(self, name: str, *, named: bool) -> list[str]:
        """The member links of a category page (kept in the meta table for 304 answers).

        A category of the selection (``named``) that the mirror lacks is reported missing;
        one found on a page is only logged (MediaWiki needs no page for a category).
        """
        key = self._key(f"category:{name}")
        state = self._state(key)
        first = [u for u in (state.get("url"), self.urls.get(name)) if u]
        got = self.mirror.entry(name, self._conditional(state), first, known_only=not named)
        if got is not None and got[3].status_code == 304:
            self.not_modified += 1
            self.categories[name] = True
            return list(state.get("members", []))
        if got is None or got[0].kind != "category":
            self.categories.setdefault(name, False)
            if named:
                self._missing(name)
            else:
                log.info("%s: no category page in the mirror", name)
            return []
        self.categories[name] = True
        page, _, used, response = got
        state = {"url": used, "members": list(page.members), **self._validators(response)}
        self.store.set_meta(key, json.dumps(state))
        return list(page.members)

    @staticmethod
    def _conditional(state: dict[str, Any]) -> dict[str, str]:
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = str(state["etag"])
        if state.get("last_modified"):
            headers["If-Modified-Since"] = str(state["last_modified"])
        return headers

    @staticmethod
    def _validators(response: requests.Response) -> dict[str, str | None]:
        return {
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
        }

    # -- one page ---------------------------------------------------------------

    def _page(self, title: str) -> ArchivedPage | None:
        """Read one page and its revisions; return it (None if missing or read already)."""
        if title in self.seen:
            return None
        self.seen.add(title)
        state = self._state(self._key(f"page:{title}"))
        # The current page is asked for conditionally once its revision is stored: after
        # a complete fetch, and after one interrupted while reading the page's history.
        latest_stored = self._stored(int(state.get("latest") or 0))
        headers = self._conditional(state) if state.get("complete") or latest_stored else {}
        urls = [u for u in (state.get("url"), self.urls.get(title)) if u]
        got = self.mirror.entry(title, headers, urls)
        if got is None:
            self._missing(title)
            return None
        page, text, used, response = got
        if response.status_code == 304:
            self.not_modified += 1
            stored = self.store.revision(self.site, int(state.get("latest") or 0))
            if stored is None:
                return self._page_again(title)
            if state.get("complete"):
                self._fetched(title, stored.title)
                return self.mirror.parse(stored.content, used)
            page, text = self.mirror.parse(stored.content, used), stored.content
        if page.kind not in ("current", "revision") or page.namespace != 0:
            self._missing(title)
            return None
        self._fetched(title, page.title)
        page_id = (
            page.page_id
            or self.store.page_id_for_title(self.site, page.title)
            or synthetic_page_id(page.title)
        )
        latest = int(page.config.get("wgCurRevisionId") or page.config.get("wgRevisionId") or 0)
        complete = bool(state.get("complete")) and self._stored(latest)
        if not complete:
            # what the next fetch needs to ask for the page conditionally, if this one stops
            self.store.set_meta(self._key(f"page:{title}"), json.dumps({
                "url": used, **self._validators(response), "latest": latest,
                "page_id": page_id, "complete": False,
            }))  # fmt: skip
            revisions = PageRevisions(
                self.mirror.read, self.store, self.site, self.tally,
                wikitext_diffs=self.s.wikitext_diffs, page=page, page_id=page_id, html=text,
            )  # fmt: skip
            complete = revisions.fetch()
        self.store.set_meta(
            self._key(f"page:{title}"),
            json.dumps(
                {
                    "url": used,
                    **self._validators(response),
                    "latest": latest,
                    "page_id": page_id,
                    "complete": complete,
                }
            ),
        )
        self._report()
        return page

    def _fetched(self, title: str, read: str) -> None:
        """``title`` answered, as the page ``read`` (another title when it redirects)."""
        self.seen.add(read)
        self.kept.add(read)
        self.read_titles.append(read)
        for name in dict.fromkeys((title, read)):
            self.reach.note(name, "fetched")

    def _page_again(self, title: str) -> ArchivedPage | None:
        """The store lost what a 304 refers to: forget the state and read the page anew."""
        self.store.set_meta(self._key(f"page:{title}"), "{}")
        self.seen.discard(title)
        return self._page(title)

    def _state(self, key: str) -> dict[str, Any]:
        raw = self.store.get_meta(key)
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _stored(self, revid: int) -> bool:
        return bool(revid) and self.store.revision(self.site, revid) is not None

    def _links(self, page: ArchivedPage) -> list[tuple[WikiUrl, bool]]:
        """Pages the content links to; only a link to a current page may be requested as is."""
        out = []
        for url in page.content_links:
            located = self.mirror.locate(url)
            if located is None or located[0].title == page.title:
                continue
            found, may_request = located
            if found.get("redlink") or found.get("action") in ("edit", "submit"):
                continue  # a page that does not exist, or an edit form
            out.append((found, may_request and found.is_plain_view))
        return out

    def _missing(self, title: str) -> None:
        log.warning("%s: not in the mirror", title)
        self.missing.append(title)
        if is_main_namespace(title):  # a category is no page of the selection's
            self.reach.note(title, "missing")
        if title in self.seeds:
            self.warnings.append(
                f"seed {title!r} is not in the mirror (no URL form answered): "
                "the crawl went on from the other seeds"
            )

    def _report(self) -> None:
        if self.progress is not None:
            stats = self.session.stats
            self.progress(
                FetchProgress(
                    pages_done=len(self.read_titles),
                    pages_total=len(self.read_titles) + self.queued,
                    revisions_new=self.tally.added,
                    revisions_total=None,
                    requests=stats.requests - self.start[0],
                    retries=stats.retries,
                )
            )

    # -- revisions ------------------------------------------------------------------
