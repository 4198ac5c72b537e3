"""What a crawl reaches: which pages it keeps, and what became of every page it met.

A crawl starts from seed titles (the report page first) and the members of the
selection's categories, all taken as named. From each page it reads it follows
the links of the content, the categories the page is in (their member lists,
where the mirror has category pages) and, through both, the sub-pages
(``X/…``) of the pages it keeps, to the selection's link depth. Among the pages
reached that way it keeps those the selection's filters accept (title patterns,
prefixes; the sub-pages of an accepted title too), in the main namespace.

Every page met gets a status (:class:`~wikibilan.model.PageCoverage`): fetched,
missing (404 in every URL form), found (wanted, beyond the depth) or skipped
(left out by the filters), with the pages that led to it. :class:`Reach` keeps
them for the fetch result and hands what changed to the store, page by page.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ..config import Selection
from ..model import CoverageStatus, PageCoverage
from .archive_urls import is_main_namespace
from .selection import title_matcher

_RANK = {"skipped": 0, "found": 1, "missing": 2, "fetched": 3}


class Filter:
    """Whether a page reached through a link (or a category list) joins the selection."""

    def __init__(self, selection: Selection) -> None:
        self.matcher: re.Pattern[str] | None = title_matcher(selection.title_patterns)
        self.prefixes = tuple(selection.prefixes)
        self.named = frozenset(selection.titles)

    @property
    def open(self) -> bool:
        """No filter: every main-namespace page reached is kept."""
        return self.matcher is None and not self.prefixes

    def accepts(self, title: str, kept: Collection[str] = ()) -> bool:
        """True for a main-namespace title the filters accept, or a sub-page of one
        or of a page ``kept`` (read already)."""
        if not is_main_namespace(title):
            return False
        if self.open or self._named_or_matched(title):
            return True
        # "X/Notes" joins when "X" would: a sub-page belongs to its page's event
        parents = [title[:i] for i, c in enumerate(title) if c == "/" and i]
        return any(t in kept or self._named_or_matched(t) for t in parents)

    def _named_or_matched(self, title: str) -> bool:
        if title in self.named or title.startswith(self.prefixes):
            return True
        return self.matcher is not None and self.matcher.search(title) is not None


class Reach:
    """Every page one crawl met: its status and the pages (or categories) leading to it.

    Within a crawl the strongest status wins (fetched > missing > found > skipped);
    :meth:`pending` gives the pages whose record changed since it was last asked,
    for the store (which merges them with earlier crawls').
    """

    def __init__(self) -> None:
        self._status: dict[str, CoverageStatus] = {}
        self._from: dict[str, dict[str, None]] = {}
        self._changed: dict[str, None] = {}

    def note(self, title: str, status: CoverageStatus, linked_from: str | None = None) -> None:
        """Record that ``title`` was met with ``status`` (through ``linked_from``, if given)."""
        old = self._status.get(title)
        if old is None or _RANK[status] > _RANK[old]:
            self._status[title] = status
            self._changed[title] = None
        sources = self._from.setdefault(title, {})
        if linked_from and linked_from != title and linked_from not in sources:
            sources[linked_from] = None
            self._changed[title] = None

    def status(self, title: str) -> CoverageStatus | None:
        return self._status.get(title)

    def pending(self) -> list[PageCoverage]:
        """The records changed since the last call (and forgets them)."""
        out = [self._record(t) for t in self._changed]
        self._changed.clear()
        return out

    def records(self) -> tuple[PageCoverage, ...]:
        """Every page met, by title."""
        return tuple(self._record(t) for t in sorted(self._status))

    def counts(self) -> dict[str, int]:
        """How many pages have each status."""
        out = dict.fromkeys(_RANK, 0)
        for status in self._status.values():
            out[status] += 1
        return out

    def _record(self, title: str) -> PageCoverage:
        return PageCoverage(title, self._status[title], tuple(sorted(self._from.get(title, ()))))
