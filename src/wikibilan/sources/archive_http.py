"""A static mirror over HTTP: on-site requests, current pages by title, pages read.

The layer under :mod:`.archive_crawl`. It never leaves the mirror's host (http
and https both count; a link in the other scheme is asked for in the mirror's),
asks for a page's current version in the URL forms a mirror may use
(:func:`~.archive_urls.entry_forms`), those that answered before first, and
reads every page in the offset its dates are written in, learnt from the
first page that says. What it learns is kept in the store's meta table
(``<prefix>entry_form``, ``<prefix>utc_offset``) for the next crawl.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import requests

from ..errors import OffSiteError
from ..store import Store
from .archive_meta import render_offset
from .archive_parse import ArchivedPage, read_page
from .archive_urls import EntryForms, WikiUrl, entry_forms, locate, on_root, rooted_links, same_host
from .http import PoliteSession

log = logging.getLogger(__name__)

Answer = tuple[ArchivedPage, str, str, requests.Response]
"""A current page: as read, its text (links made root-relative), the URL that answered,
the response (a 304 comes with an empty page and text)."""


class Mirror:
    """Requests to one mirror, and what they teach about it.

    Args:
        root: the mirror's scheme and address (``https://host``).
        old_hosts: former addresses whose links name pages of the mirror.
        session: the polite session every request goes through.
        store: where what is learnt is kept (meta keys starting with ``prefix``).
        utc_offset: the offset the mirror's dates are written in, when known.
    """

    def __init__(
        self,
        root: str,
        old_hosts: tuple[str, ...],
        session: PoliteSession,
        store: Store,
        prefix: str,
        utc_offset: timedelta | None = None,
    ) -> None:
        self.root = root
        self.old_hosts = old_hosts
        self.session = session
        self.store = store
        self.prefix = prefix
        self.forms = EntryForms.load(store.get_meta(prefix + "entry_form"))
        self.offset = utc_offset
        minutes = store.get_meta(prefix + "utc_offset")
        if self.offset is None and minutes:
            self.offset = timedelta(minutes=int(minutes))

    def entry(
        self,
        title: str,
        headers: dict[str, str],
        first: list[str] | None = None,
        *,
        known_only: bool = False,
    ) -> Answer | None:
        """The current page of ``title``: the URLs given (links found in pages, the URL
        that answered last time), then the entry forms, those that answered first.

        ``known_only``: only the forms that answered before, once some did (for pages
        the crawl can do without, such as the categories a page is in).
        """
        forms = entry_forms(self.root, title)
        built = self.forms.order(forms)
        if known_only and self.forms.known:
            built = [url for form, url in forms if form in self.forms.known]
        tried: set[str] = set()
        for url in [*(on_root(u, self.root) for u in first or ()), *built]:
            if url in tried:
                continue
            tried.add(url)
            response = self.get(url, headers)
            if response is None:
                continue
            if self.forms.learn(url, forms):
                log.info("%s: current pages answer in the form %s", self.root, self.forms)
                self.store.set_meta(self.prefix + "entry_form", self.forms.dump())
            if response.status_code == 304:
                return ArchivedPage("other", title, {}), "", url, response
            text = rooted_links(response.content.decode("utf-8", errors="replace"), url)
            return self.parse(text, url), text, url, response
        return None

    def locate(self, url: str) -> tuple[WikiUrl, bool] | None:
        """The page a link names, and whether it may be requested (see ``archive_urls.locate``)."""
        return locate(url, self.root, self.old_hosts)

    def get(self, url: str, headers: dict[str, str] | None = None) -> requests.Response | None:
        """GET an on-site URL: the response when 200 or 304, else None (a 404 is an answer)."""
        if not same_host(url, self.root):
            log.warning("not requesting %s: not on %s", url, self.root)
            return None
        try:
            response = self.session.get(on_root(url, self.root), headers=headers or {})
        except OffSiteError as exc:
            log.warning("%s", exc)
            return None
        if response.status_code in (200, 304):
            return response
        log.debug("%s: HTTP %d", url, response.status_code)
        return None

    def read(self, url: str | None) -> tuple[ArchivedPage, str] | None:
        """A page found by a link (a revision, a diff, a history page), read; None if absent."""
        response = self.get(url) if url else None
        if response is None or response.status_code != 200:
            return None
        text = rooted_links(response.content.decode("utf-8", errors="replace"), url or "")
        return self.parse(text, url or ""), text

    def parse(self, text: str, url: str) -> ArchivedPage:
        """Read a page, learning the offset its dates are written in from the first that says."""
        if self.offset is None:
            self.offset = render_offset(text)
            if self.offset is not None:
                minutes = int(self.offset.total_seconds() // 60)
                log.info("%s writes dates at UTC%+d min", self.root, minutes)
                self.store.set_meta(self.prefix + "utc_offset", str(minutes))
        return read_page(text, url, utc_offset=self.offset)
