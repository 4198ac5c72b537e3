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
from ..errors import OffSiteError
from ..model import FetchProgress, FetchResult, ProgressCallback, Site
from ..store import Store
from ..titles import DEFAULT_ARTICLE_PATH, normalize_title
from .archive_meta import render_offset
from .archive_parse import ArchivedPage, read_page
from .archive_revisions import PageRevisions, Tally
from .archive_urls import (
    WikiUrl,
    entry_urls,
    is_main_namespace,
    locate,
    rooted_links,
    same_host,
)
from .http import PoliteSession
from .selection import title_matcher

log = logging.getLogger(__name__)

CATEGORY_PREFIX = "Catégorie:"


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
        self.matcher = title_matcher(settings.selection.title_patterns)
        self.tally = Tally()
        self.missing: list[str] = []
        self.not_modified = 0
        self.read_titles: list[str] = []
        self.seen: set[str] = set()
        self.queued = 0  # pages found but not read yet, for the progress display
        self.form = int(store.get_meta(self._key("entry_form")) or 0)
        self.offset = settings.utc_offset
        if self.offset is None and store.get_meta(self._key("utc_offset")):
            self.offset = timedelta(minutes=int(store.get_meta(self._key("utc_offset")) or 0))

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
        seeds = dict.fromkeys(normalize_title(t) for t in selection.titles)
        frontier: list[tuple[str, str | None]] = [(t, None) for t in seeds if t]
        frontier += self._category_members()
        for depth in range(selection.links + 1):
            reached: dict[tuple[str, str | None], None] = {}
            for i, (title, url) in enumerate(frontier):
                self.queued = len(frontier) - i - 1 + len(reached)
                links = self._page(title, url)
                if links is None or depth >= selection.links:
                    continue
                for found, may_request in links:
                    if found.title not in self.seen and self._wanted(found.title):
                        reached[(found.title, found.url if may_request else None)] = None
                self.queued = len(frontier) - i - 1 + len(reached)
                self._report()  # the page's links are queued now: a truer total
            frontier = list(reached)
            if not frontier:
                break
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
        )
        log.info("crawl of %s: %s", self.site, result)
        return result

    def _wanted(self, title: str) -> bool:
        """Whether a page reached through a link belongs to the selection."""
        if not is_main_namespace(title):
            return False
        prefixes = self.s.selection.prefixes
        if self.matcher is None and not prefixes:
            return True
        return bool(self.matcher and self.matcher.search(title)) or title.startswith(prefixes)

    def _category_members(self) -> list[tuple[str, str | None]]:
        """Pages of the selection's categories (and sub-categories, to ``category_depth``)."""
        members: list[tuple[str, str | None]] = []
        queue = [(c if ":" in c else CATEGORY_PREFIX + c, 0) for c in self.s.selection.categories]
        done: set[str] = set()
        while queue:
            name, depth = queue.pop(0)
            if name in done:
                continue
            done.add(name)
            for url in self._category(name):
                located = self._locate(url)
                if located is None:
                    continue
                found, may_request = located
                if is_main_namespace(found.title):
                    members.append((found.title, found.url if may_request else None))
                elif depth < self.s.selection.category_depth:
                    queue.append((found.title, depth + 1))
        return members

    def _category(self, name: str) -> list[str]:
        """The member links of a category page (kept in the meta table for 304 answers)."""
        key = self._key(f"category:{name}")
        state = self._state(key)
        got = self._entry(name, self._conditional(state), [state["url"]] if "url" in state else [])
        if got is not None and got[3].status_code == 304:
            self.not_modified += 1
            return list(state.get("members", []))
        if got is None or got[0].kind != "category":
            self._missing(name)
            return []
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

    def _page(self, title: str, url: str | None) -> list[tuple[WikiUrl, bool]] | None:
        """Read one page and its revisions; return its content links (None if missing)."""
        if title in self.seen:
            return None
        self.seen.add(title)
        state = self._state(self._key(f"page:{title}"))
        # The current page is asked for conditionally once its revision is stored: after
        # a complete fetch, and after one interrupted while reading the page's history.
        latest_stored = self._stored(int(state.get("latest") or 0))
        headers = self._conditional(state) if state.get("complete") or latest_stored else {}
        urls = [u for u in (state.get("url"), url) if u]
        got = self._entry(title, headers, urls)
        if got is None:
            self._missing(title)
            return None
        page, text, used, response = got
        if response.status_code == 304:
            self.not_modified += 1
            stored = self.store.revision(self.site, int(state.get("latest") or 0))
            if stored is None:
                return self._page_again(title, url)
            if state.get("complete"):
                self.read_titles.append(stored.title)
                self.seen.add(stored.title)
                return self._links(self._parse(stored.content, used))
            page, text = self._parse(stored.content, used), stored.content
        if page.kind not in ("current", "revision") or page.namespace != 0:
            self._missing(title)
            return None
        self.seen.add(page.title)
        self.read_titles.append(page.title)
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
                self._read, self.store, self.site, self.tally,
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
        return self._links(page)

    def _page_again(self, title: str, url: str | None) -> list[tuple[WikiUrl, bool]] | None:
        """The store lost what a 304 refers to: forget the state and read the page anew."""
        self.store.set_meta(self._key(f"page:{title}"), "{}")
        self.seen.discard(title)
        return self._page(title, url)

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
            located = self._locate(url)
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

    def _entry(
        self, title: str, headers: dict[str, str], first: list[str] | None = None
    ) -> tuple[ArchivedPage, str, str, requests.Response] | None:
        """The current page of ``title``: the URLs given, then the entry forms in turn."""
        urls = entry_urls(self.s.root, title)
        order = [self.form] + [i for i in range(len(urls)) if i != self.form]
        tried: set[str] = set()
        for url in [*(first or []), *(urls[i] for i in order if i < len(urls))]:
            if url in tried:
                continue
            tried.add(url)
            response = self._get(url, headers)
            if response is None:
                continue
            if url in urls and urls.index(url) != self.form:
                self.form = urls.index(url)
                self.store.set_meta(self._key("entry_form"), str(self.form))
            if response.status_code == 304:
                return ArchivedPage("other", title, {}), "", url, response
            text = rooted_links(response.content.decode("utf-8", errors="replace"), url)
            return self._parse(text, url), text, url, response
        return None

    # -- HTTP ---------------------------------------------------------------------

    def _locate(self, url: str) -> tuple[WikiUrl, bool] | None:
        return locate(url, self.s.root, self.s.old_hosts)

    def _on_site(self, url: str) -> bool:
        return same_host(url, self.s.root)

    def _get(self, url: str, headers: dict[str, str] | None = None) -> requests.Response | None:
        """GET an on-site URL: the response when 200 or 304, else None (a 404 is an answer)."""
        if not self._on_site(url):
            log.warning("not requesting %s: not on %s", url, self.s.root)
            return None
        try:
            response = self.session.get(url, headers=headers or {})
        except OffSiteError as exc:
            log.warning("%s", exc)
            return None
        if response.status_code in (200, 304):
            return response
        log.debug("%s: HTTP %d", url, response.status_code)
        return None

    def _read(self, url: str | None) -> tuple[ArchivedPage, str] | None:
        response = self._get(url) if url else None
        if response is None or response.status_code != 200:
            return None
        text = rooted_links(response.content.decode("utf-8", errors="replace"), url or "")
        return self._parse(text, url or ""), text

    def _parse(self, text: str, url: str) -> ArchivedPage:
        """Read a page, learning the offset its dates are written in from the first that says."""
        if self.offset is None:
            self.offset = render_offset(text)
            if self.offset is not None:
                minutes = int(self.offset.total_seconds() // 60)
                log.info("%s writes dates at UTC%+d min", self.s.root, minutes)
                self.store.set_meta(self._key("utc_offset"), str(minutes))
        return read_page(text, url, utc_offset=self.offset)

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
