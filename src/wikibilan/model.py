"""Frozen records shared by every source, the store and the extractors.

No I/O here. Timestamps are timezone-aware UTC datetimes. ``sha1`` is the
hexadecimal SHA-1 of the UTF-8 content (what the Action API returns); XML
exports carry it in base 36 and the dump source converts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ContentModel = Literal["wikitext", "html"]
SourceName = Literal["api", "archive", "dump"]
CoverageStatus = Literal["found", "fetched", "missing", "skipped"]
COVERAGE_STATUSES: tuple[CoverageStatus, ...] = ("found", "fetched", "missing", "skipped")


def sha1_hex(text: str) -> str:
    """Return the hexadecimal SHA-1 of ``text`` encoded as UTF-8."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sha1_base36(hex_digest: str) -> str:
    """Convert a hex SHA-1 to MediaWiki's 31-character base-36 form."""
    n = int(hex_digest, 16)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(31, "0")


def sha1_from_base36(b36: str) -> str:
    """Convert MediaWiki's base-36 SHA-1 to hexadecimal (40 characters)."""
    return format(int(b36, 36), "040x")


@dataclass(frozen=True, slots=True)
class Site:
    """A wiki: ``key`` names it in the store (host, or host/path)."""

    key: str
    base_url: str
    name: str = ""
    lang: str = "fr"
    article_url: str | None = None
    """The URL of any page, ``$1`` standing for its encoded title (siteinfo's ``server``
    + ``articlepath``: ``https://host/wiki/$1``); None when the source did not say."""


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page of a site, as a source or the store knows it."""

    site: str
    page_id: int
    title: str
    namespace: int = 0


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of one page, whatever source it came from."""

    site: str
    page_id: int
    title: str
    revid: int
    parentid: int | None
    timestamp: datetime
    user: str | None
    comment: str | None
    content: str
    content_model: ContentModel = "wikitext"
    sha1: str | None = None
    namespace: int = 0
    user_is_ip: bool = False
    minor: bool = False
    source: SourceName = "dump"

    @property
    def size(self) -> int:
        """Size in bytes of the UTF-8 content, as MediaWiki counts it."""
        return len(self.content.encode("utf-8"))

    @property
    def content_sha1(self) -> str:
        """SHA-1 computed from the content (compare with ``sha1`` to verify)."""
        return sha1_hex(self.content)


@dataclass(frozen=True, slots=True)
class PageCoverage:
    """A page a fetch met, what became of it, and the pages that link to it.

    ``status``: ``fetched`` (read, its revisions stored), ``missing`` (asked for, and
    the wiki or mirror does not have it: a 404 in every form), ``found`` (linked to
    and wanted, not read: beyond the link depth, or the fetch stopped first),
    ``skipped`` (linked to, left out by the selection's filter). ``linked_from``:
    the pages whose links (or the categories whose lists) led to it.
    """

    title: str
    status: CoverageStatus
    linked_from: tuple[str, ...] = ()


_DEFINITIVE = ("fetched", "missing")
_RANK = {"skipped": 0, "found": 1, "missing": 2, "fetched": 3}


def merge_coverage(old: PageCoverage, new: PageCoverage) -> PageCoverage:
    """What is known of a page after a newer observation ``new``.

    A newer ``fetched`` or ``missing`` replaces what was known (a page can vanish
    from a mirror); ``found`` and ``skipped`` never hide an earlier ``fetched`` or
    ``missing``, and ``found`` wins over ``skipped``. The linking pages add up.
    """
    status: CoverageStatus
    if new.status in _DEFINITIVE:
        status = new.status
    elif old.status in _DEFINITIVE:
        status = old.status
    else:
        status = max(old.status, new.status, key=_RANK.__getitem__)
    linked = tuple(sorted(set(old.linked_from) | set(new.linked_from)))
    return PageCoverage(new.title, status, linked)


@dataclass(frozen=True, slots=True)
class FetchProgress:
    """A snapshot of a live fetch for a progress display (totals None while unknown)."""

    pages_done: int
    pages_total: int | None
    revisions_new: int
    revisions_total: int | None
    requests: int
    retries: int
    lag: float = 0.0


ProgressCallback = Callable[[FetchProgress], None]


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a fetch did, whichever source did it; a source leaves what it does not
    measure at the default."""

    site: str
    pages: int
    """Pages in the selection (API), or found and read (archive)."""
    revisions_new: int
    """Revisions added to the store."""
    requests: int
    """HTTP requests sent (retries and redirects included)."""
    plan: str
    """How new pages were fetched: ``per_page``, ``allrevisions`` or ``none`` (API),
    ``archive``."""
    check: str = "full"
    """How the wiki was checked: ``full`` (selection resolved) or ``recentchanges`` (API)."""
    deleted: tuple[str, ...] = ()
    """Titles of stored pages the wiki no longer has; their history stays in the store."""
    moved: tuple[tuple[str, str], ...] = ()
    """(old title, new title) of stored pages renamed on the wiki."""
    gaps_filled: int = 0
    gaps_left: int = 0
    """Holes in stored histories the wiki could not fill (suppressed revisions…), or
    revisions known to exist (listed, or named by a diff) whose page a mirror lacks."""
    repaired: int = 0
    """Stored revisions that failed their sha1 and were replaced by a fresh download."""
    bytes: int = 0
    """Response bytes read (archive)."""
    not_modified: int = 0
    """Pages the server answered 304 Not Modified (archive)."""
    missing: tuple[str, ...] = ()
    """Titles asked for or linked to that a mirror does not hold."""
    missing_revisions: tuple[tuple[str, int], ...] = ()
    """(title, revid) of the revisions behind ``gaps_left`` (archive)."""
    titles: tuple[str, ...] = ()
    """Pages read, in crawl order (archive)."""
    coverage: tuple[PageCoverage, ...] = ()
    """Every page the fetch met, by title, with its status and who links to it (archive)."""
    warnings: tuple[str, ...] = ()
    """What the user should know and the fetch went on despite (a seed that does not exist)."""


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A stored page with a summary of its stored history."""

    site: str
    page_id: int
    title: str
    namespace: int
    n_revisions: int
    first_rev_at: datetime | None
    last_rev_at: datetime | None
    latest_revid: int | None


def site_key_from_url(url: str) -> str:
    """Name a site in the store by its host (with a non-default port).

    ``https://wiki.example.org/wiki/Accueil`` -> ``wiki.example.org``;
    ``http://127.0.0.1:8080/`` -> ``127.0.0.1:8080``.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not (
        (parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)
    ):
        return f"{host}:{port}"
    return host
