"""The revisions of one mirrored page: from its history page, or by walking its revision chain.

See :mod:`.archive` for the strategy; this module holds its steps.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import lxml.html

from ..model import Revision
from ..store import Store
from .archive_meta import RevisionMeta
from .archive_parse import ArchivedPage
from .archive_urls import WikiUrl, parse_wiki_url, sibling_url

log = logging.getLogger(__name__)

HISTORY_PROBES = 5
"""History pages asked for before concluding that the mirror has none (while none answered)."""

Reader = Callable[[str | None], "tuple[ArchivedPage, str] | None"]


@dataclass
class Tally:
    """What the pages of one crawl add up to."""

    added: int = 0
    missing: list[tuple[str, int]] = field(default_factory=list)
    """(title, revid) of revisions known to exist that the mirror does not show."""
    breaks: int = 0
    """Revision chains that stop before the first revision (no way back found)."""
    history_hits: int = 0
    history_misses: int = 0


@dataclass
class _Rev:
    """One revision being assembled from the pages that show it."""

    revid: int
    meta: RevisionMeta | None = None
    html: str | None = None
    nav: dict[str, str] = field(default_factory=dict)
    """Navigation of the revision's own page (empty until that page is read)."""


def content_of_diff(text: str) -> str:
    """A diff page without its diff table: the rendered newer revision remains."""
    doc = lxml.html.document_fromstring(text.encode("utf-8"))
    for table in doc.iter("table"):
        if "diff" in (table.get("class") or "").split():
            table.drop_tree()
            break
    return str(lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>"))


def hunks_json(page: ArchivedPage) -> str:
    """A diff page's wikitext lines, as kept in the store's meta table."""
    return json.dumps(
        {
            "old": page.parent.revid if page.parent else None,
            "new": page.revision.revid if page.revision else None,
            "hunks": [
                {"old_start": h.old_start, "new_start": h.new_start, "lines": list(h.lines)}
                for h in page.hunks
            ],
        },
        ensure_ascii=False,
    )


def _stand_in(got: tuple[ArchivedPage, str] | None) -> bool:
    """An answer (200) that shows no revision and is no page of the wiki's own kinds."""
    return got is not None and got[0].revision is None and got[0].kind in ("current", "other")


def _template(page: ArchivedPage) -> WikiUrl | None:
    """A found ``index.php`` URL of the page, to write its other views in the same form."""
    for key in ("permalink", "history", "prev", "diff_prev"):
        url = page.links.get(key)
        found = parse_wiki_url(url) if url else None
        if found is not None and sibling_url(found, "x=1") is not None:
            return found
    return None


class PageRevisions:
    """Finds the revisions of one page that the store lacks, and stores them.

    Args:
        read: GET and read a page (None for a 404 or another refusal).
        store, site: where revisions go.
        tally: the crawl's counters, shared by its pages.
        wikitext_diffs: prefer diff pages, keeping their wikitext lines.
        page: the page's current version, read; ``html`` its text; ``page_id`` its id.
    """

    def __init__(self, read: Reader, store: Store, site: str, tally: Tally, *,
                 wikitext_diffs: bool, page: ArchivedPage, page_id: int,
                 html: str) -> None:  # fmt: skip
        self.read = read
        self.store = store
        self.site = site
        self.tally = tally
        self.wikitext_diffs = wikitext_diffs
        self.page = page
        self.page_id = page_id
        self.html = html
        self.latest = int(
            page.config.get("wgCurRevisionId") or page.config.get("wgRevisionId") or 0
        )
        self.template = _template(page)
        self.stored = {r.revid for r in store.revisions(site, page_id)}
        self.stand_in = False
        """The last read got a page that is not one of the wiki's (a host's maintenance
        page answered 200): the mirror may well have the page; a later fetch asks again."""

    def fetch(self) -> bool:
        """Store what is missing; True when the page's history is complete in the store."""
        history = self.page.links.get("history")
        if history is None and self.template is not None:
            history = sibling_url(self.template, "action=history")
        entries = self._history(history) if self._history_worth_asking() else []
        if entries:
            return self._from_history(entries)
        if self.stand_in:
            log.warning("%s: the history page did not come; the next fetch asks again",
                        self.page.title)  # fmt: skip
            return False
        return self._walk()

    # -- with a history page ---------------------------------------------------------

    def _history_worth_asking(self) -> bool:
        """False once history pages keep being absent: a mirror made without them."""
        tally = self.tally
        if tally.history_hits or tally.history_misses < HISTORY_PROBES:
            return True
        if tally.history_misses == HISTORY_PROBES:
            log.info("no history page in the mirror: walking revision chains instead")
            tally.history_misses += 1
        return False

    def _history(self, url: str | None) -> list[RevisionMeta]:
        """Every revision a history page lists (following its older pages), newest first."""
        entries: list[RevisionMeta] = []
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            got = self.read(url)
            self.stand_in = _stand_in(got)
            if self.stand_in:
                return []
            if got is None or got[0].kind != "history":
                self.tally.history_misses += not entries
                break
            self.tally.history_hits += 1
            entries += got[0].history
            url = got[0].links.get("older")
        return entries

    def _from_history(self, entries: list[RevisionMeta]) -> bool:
        complete = True
        parent: int | None = None
        for meta in sorted({e.revid: e for e in entries}.values(), key=lambda e: e.revid):
            if meta.revid not in self.stored:
                rev = _Rev(meta.revid, meta, self.html if meta.revid == self.latest else None)
                if rev.html is None:
                    self._fetch_content(rev)
                complete &= self._save(rev, parent)
            parent = meta.revid
        return complete

    def _fetch_content(self, rev: _Rev) -> None:
        """Read a listed revision's own page (or its diff page, with ``wikitext_diffs``)."""
        urls = [rev.meta.url if rev.meta else None]
        if self.template is not None:
            urls.append(sibling_url(self.template, f"oldid={rev.revid}"))
            if self.wikitext_diffs:
                urls.insert(0, sibling_url(self.template, f"diff=prev&oldid={rev.revid}"))
        for url in dict.fromkeys(u for u in urls if u):
            got = self._shows(url, ("revision", "diff"), rev.revid)
            if got is not None:
                rev.html = self._content(*got)
                return
            if self.stand_in:
                return  # not another view: the next fetch reads this one again

    # -- without: the chain of revision pages ------------------------------------------

    def _walk(self) -> bool:
        """Walk back from the latest revision until the first one or a stored one, then
        on from below the oldest stored one when an interrupted walk left a hole there."""
        complete = True
        if self.latest not in self.stored:
            by_diff = bool(self.stored) or self.wikitext_diffs
            complete = self._walk_from(_Rev(self.latest, html=self.html), by_diff)
        hole = self._hole()
        if hole is not None:
            complete &= self._walk_from(hole, self.wikitext_diffs)
        return complete

    def _hole(self) -> _Rev | None:
        """The revision below the oldest stored one of the page, when it is not stored.

        Read through the same view a walk from the top reads it through (the
        "Version précédente" page of the revision above, or the diff page), so
        the stored content does not depend on where a walk was interrupted.
        """
        history = self.store.revisions(self.site, self.page_id)
        self.stored = {r.revid for r in history}
        orphans = [r for r in history if r.parentid and r.parentid not in self.stored]
        if not orphans or self.template is None:
            return None
        above = min(orphans, key=lambda r: (r.timestamp, r.revid))
        hole = _Rev(above.parentid or 0)
        if self.wikitext_diffs:
            return hole
        self.stand_in = False
        got = self._shows(
            sibling_url(self.template, f"direction=prev&oldid={above.revid}"),
            ("revision",),
            hole.revid,
        )
        if got is None or got[0].revision is None:
            return None if self.stand_in else hole  # else _step reads its own page
        return _Rev(hole.revid, got[0].revision, got[1], got[0].links)

    def _walk_from(self, rev: _Rev, by_diff: bool) -> bool:
        """Walk back from ``rev`` until the first revision or a stored one."""
        complete = True
        walked: set[int] = set()
        while rev.revid and rev.revid not in walked:
            walked.add(rev.revid)
            self.stand_in = False
            found, parent = self._step(rev, by_diff)
            if not found and self.stand_in:
                # Not saved: stored without its parent, it would hide the hole below it.
                log.warning("%s: a page that is not the wiki's came instead of a neighbour "
                            "of revision %d; the next fetch goes on from there",
                            self.page.title, rev.revid)  # fmt: skip
                self.tally.breaks += 1
                return False
            complete &= self._save(rev, parent.revid or None)
            if not found:
                self.tally.breaks += 1
                log.warning(
                    "%s: the mirror shows no revision before %d", self.page.title, rev.revid
                )
                return False
            if not parent.revid or parent.revid in self.stored:
                break
            rev = parent
        return complete

    def _step(self, rev: _Rev, by_diff: bool) -> tuple[bool, _Rev]:
        """Complete ``rev`` and find the revision before it.

        Returns whether that was found, and it (revid 0 when ``rev`` is the first).
        A diff page names the previous revision without showing it; a revision
        page's "Version précédente" shows it.
        """
        template = self.template
        if by_diff:
            url = rev.nav.get("diff_prev") or (
                sibling_url(template, f"diff=prev&oldid={rev.revid}") if template else None
            )
            got = self._shows(url, ("diff",), rev.revid)
            if got is not None:
                rev.meta = rev.meta or got[0].revision
                rev.html = rev.html or self._content(*got)
                before = got[0].parent
                return True, _Rev(before.revid, before) if before else _Rev(0)
        if not rev.nav:
            url = self.page.links.get("permalink") if rev.revid == self.latest else None
            if url is None and template is not None:
                url = sibling_url(template, f"oldid={rev.revid}")
            got = self._shows(url, ("revision",), rev.revid)
            if got is not None:
                rev.meta = rev.meta or got[0].revision
                rev.html = rev.html or got[1]
                rev.nav = got[0].links
        if not rev.nav:
            return False, _Rev(0)
        if "prev" not in rev.nav:
            return True, _Rev(0)  # the page of the first revision links to no earlier one
        got = self._shows(rev.nav["prev"], ("revision",), 0)
        before = got[0].revision if got is not None else None
        if got is not None and before is not None:
            if before.revid == rev.revid:
                return True, _Rev(0)  # asked for the one before the first, MediaWiki shows it
            return True, _Rev(before.revid, before, got[1], got[0].links)
        if self.stand_in:
            return False, _Rev(0)  # no other view: a walk from the top would not read one
        if not by_diff and "diff_prev" in rev.nav:
            return self._step(rev, by_diff=True)
        return False, _Rev(0)

    # -- reading and storing ------------------------------------------------------------

    def _shows(self, url: str | None, kinds: tuple[str, ...],
               revid: int) -> tuple[ArchivedPage, str] | None:  # fmt: skip
        """Read ``url`` if it is a page of one of ``kinds`` showing ``revid`` (0: any)."""
        got = self.read(url) if url else None
        self.stand_in |= _stand_in(got)
        if got is None or got[0].kind not in kinds or got[0].revision is None:
            return None
        if revid not in (0, got[0].revision.revid):
            return None
        if got[0].kind == "diff" and got[0].hunks:
            key = f"archive:{self.site}:diff:{got[0].revision.revid}"
            self.store.set_meta(key, hunks_json(got[0]))
        return got

    @staticmethod
    def _content(page: ArchivedPage, text: str) -> str:
        return content_of_diff(text) if page.kind == "diff" else text

    def _save(self, rev: _Rev, parent: int | None) -> bool:
        """Store one revision; False (and reported) when the mirror did not show it whole."""
        meta = rev.meta
        if meta is None or meta.timestamp is None or rev.html is None:
            log.warning("%s: revision %d is not in the mirror", self.page.title, rev.revid)
            self.tally.missing.append((self.page.title, rev.revid))
            return False
        record = Revision(
            site=self.site,
            page_id=self.page_id,
            title=self.page.title,
            revid=rev.revid,
            parentid=parent,
            timestamp=meta.timestamp,
            user=meta.user,
            comment=meta.comment,
            content=rev.html,
            content_model="html",
            sha1=None,
            namespace=self.page.namespace,
            user_is_ip=meta.user_is_ip,
            minor=meta.minor,
            source="archive",
        )
        self.tally.added += self.store.add_revisions([record])
        return True
