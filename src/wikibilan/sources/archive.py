"""The ``archive`` source: a static HTML mirror of a MediaWiki, crawled politely.

The live target (../shared/ARCHIVE.md) is a wget mirror with no API. Pages are
found from seeds known to exist (the report first) by following the links found
in pages (converted relative links, ``/wiki/`` links, ``index.php@title=…`` file
links, links to the wiki's former address), the categories the pages are in
(their member lists, where the mirror has category pages) and the sub-pages of
the pages kept, to the selection's depth, never leaving the site's host (see
:mod:`.archive_reach`). A page is asked for by the URL a page links it with;
URLs are built only when none did (a seed, a page named by a former address or
an old revision's link): the forms a mirror may use in turn — ``'`` escaped or
literal, ``.html`` or not, ``/wiki/T`` or ``index.php@title=T`` — those that
answered before first (:func:`.archive_urls.entry_forms`), and for other views
of a page already found, in the form its own links use. A 404 is an answer: a
seed the mirror lacks is a warning, and the crawl goes on from the others. Every
page met is noted with its status — fetched, missing (404), found (beyond the
depth), skipped (left out by the filters) — and the pages leading to it, in the
fetch result and the store's ``coverage`` table, page by page. For each page:

- its current page (from a found link or an entry point), which says the
  latest revision; on later runs a conditional request, and nothing more when
  it answers 304 Not Modified;
- its history page when the mirror has one (after five absent ones in a crawl
  it stops asking): every revision's id, date, user, summary and minor flag,
  then the old-revision page of each revision the store lacks;
- otherwise the chain of revision pages: the permanent link, then
  "← Version précédente" from page to page, one page per revision, until a
  page without one. A page whose history the store already holds walks back
  through "diff" pages instead: each shows a revision and names the one
  before, so no stored revision is downloaded again.

Metadata comes from MediaWiki's JavaScript config (``wgArticleId``,
``wgRevisionId``, ``wgCurRevisionId``, ``wgPageName``), from the permanent
link and the H1 where the config is missing, and from the French revision line
(date, user or IP, summary). Dates are read in the offset MediaWiki wrote them
in, learnt from the render time in the pages (see ``archive_meta``). Content is
the page's rendered HTML as served, its relative links made root-relative
(``content_model="html"``, ``sha1=None``: MediaWiki hashes the wikitext, which
the mirror does not hold; a diff page's content loses its diff table). The
wikitext lines a diff page shows are kept in the store's meta table under
``archive:<site>:diff:<revid>`` (JSON: ``old``, ``new``, ``hunks`` of
``{old_start, new_start, lines: [[marker, text], …]}``, marker ``" "``, ``-``
or ``+``); ``archive:<site>:page:<title>`` holds each page's URL, ETag,
Last-Modified, latest revid and whether its stored history is complete;
``archive:<site>:entry_form`` the URL forms the mirror answered in.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from ..config import Selection
from ..errors import SourceError
from ..model import site_key_from_url
from ..store import Store
from .archive_crawl import Crawl, CrawlSettings, FetchProgress, FetchResult, ProgressCallback
from .archive_revisions import content_of_diff
from .http import PoliteSession, note_stored

__all__ = ["ArchiveSource", "FetchProgress", "FetchResult", "content_of_diff"]


class ArchiveSource:
    """Crawl a static mirror of a MediaWiki into the store.

    Args:
        site_url: the mirror's address (its root, or any page of it).
        session: the polite session all requests go through.
        selection: which pages (the same spec as the API source). ``prefixes``
            and ``title_patterns`` filter the pages reached through links: a
            static mirror has no page index to list a prefix from.
        site_key: the site's name in the store (default: from ``site_url``).
        old_hosts: former addresses whose links mean pages of this site.
        utc_offset: the offset the mirror's dates are written in, when known. None
            learns it from the render time the pages carry; failing that, each date
            is read as Europe/Paris time of its own day.
        wikitext_diffs: read revisions from diff pages, keeping the wikitext lines
            they show (about the same number of requests, larger pages).
    """

    def __init__(
        self,
        site_url: str,
        *,
        session: PoliteSession,
        selection: Selection,
        site_key: str | None = None,
        old_hosts: tuple[str, ...] = (),
        utc_offset: timedelta | None = None,
        wikitext_diffs: bool = False,
    ) -> None:
        parts = urlsplit(site_url if "//" in site_url else "https://" + site_url)
        self.session = session
        self.settings = CrawlSettings(
            root=f"{parts.scheme}://{parts.netloc}",
            site_key=site_key or site_key_from_url(site_url),
            selection=selection,
            old_hosts=tuple(h.lower() for h in old_hosts),
            utc_offset=utc_offset,
            wikitext_diffs=wikitext_diffs,
        )

    @property
    def site_key(self) -> str:
        return self.settings.site_key

    def fetch(self, store: Store, *, progress: ProgressCallback | None = None) -> FetchResult:
        """Bring the store up to date with the selected pages of the mirror.

        A page or revision the mirror lacks is logged and listed in the result.

        Raises:
            SourceError: the site kept failing (RetryBudgetExhausted) or cannot be reached;
                the message says how many revisions were stored before, if any.
            StoreError: the store refused a write.
        """
        crawl = Crawl(self.settings, self.session, store, progress)
        try:
            return crawl.run()
        except SourceError as exc:
            note_stored(exc, crawl.tally.added)
            raise
