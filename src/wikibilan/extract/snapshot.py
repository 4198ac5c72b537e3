"""Extract every frame's rows from one snapshot of the wiki (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar, cast

from wikibilan.document import Document
from wikibilan.extract.attendance import attendance_rows, resolve_name_keys
from wikibilan.extract.claims import RevisionInfo, extract_claims
from wikibilan.extract.events import assign_ids, finish_event, with_count
from wikibilan.extract.expenses import extract_expenses
from wikibilan.extract.plan import Plan, plan_snapshot
from wikibilan.extract.reading import Reading, read_page
from wikibilan.extract.rows import (
    AttendanceRow,
    ClaimRow,
    CoverageRow,
    EventRow,
    ExpenseRow,
    Provenance,
    WarningRow,
    WorkshopRow,
)
from wikibilan.extract.vocabulary import Vocabulary
from wikibilan.extract.workshops import (
    extract_event_workshops,
    extract_workshop_list,
    extract_workshop_page,
)
from wikibilan.french import strip_accents
from wikibilan.specs import ClaimSpec
from wikibilan.titles import NAMESPACES

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRevision:
    """A page as it stood in the snapshot: its revision and parsed document."""

    title: str
    revid: int
    timestamp: datetime
    created: datetime
    doc: Document
    user: str = ""


class PageMemo:
    """Results of the per-page extractors, kept across the snapshots of one run.

    The latest snapshot and the one at the bilan's date share most revisions; a
    page's rows depend only on its revision and on the arguments in the key.
    """

    def __init__(self) -> None:
        self._results: dict[tuple[object, ...], Any] = {}

    def get(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The result stored under ``key``, computed by ``compute`` the first time."""
        try:
            return cast(T, self._results[key])
        except KeyError:
            value = self._results[key] = compute()
            return value


@dataclass(slots=True)
class Extraction:
    """Rows of every frame read from a snapshot."""

    events: list[EventRow] = field(default_factory=list)
    attendance: list[AttendanceRow] = field(default_factory=list)
    workshops: list[WorkshopRow] = field(default_factory=list)
    expenses: list[ExpenseRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    warnings: list[WarningRow] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    coverage: list[CoverageRow] = field(default_factory=list)


def _key(page: PageRevision, *more: object) -> tuple[object, ...]:
    return (page.title, page.revid, page.created, *more)


def extract_snapshot(
    pages: Sequence[PageRevision], vocab: Vocabulary, memo: PageMemo | None = None
) -> Extraction:
    """Return events, attendance and workshops of a snapshot (one revision per page).

    Every page is read for what it says (``reading.read_page``), then the pages
    are weighed together (``plan.plan_snapshot``). ``memo`` carries the per-page
    results from one snapshot to the next (same revision, same rows).
    """
    memo = memo or PageMemo()
    out = Extraction()
    by_title = {p.title: p for p in sorted(pages, key=lambda p: p.title)}
    readings: dict[str, Reading] = {
        t: memo.get(_key(p, "read"), partial(read_page, p.doc, p.created, vocab))
        for t, p in by_title.items()
    }
    plan = plan_snapshot(readings, {t: p.created for t, p in by_title.items()}, vocab)
    out.warnings += plan.warnings
    for reading in readings.values():
        out.warnings += reading.warnings

    drafts = [
        with_count(
            e.draft,
            next(
                (readings[t].n_stated for t in e.pages if readings[t].n_stated is not None),
                None,
            ),
        )
        for e in plan.events
    ]
    ids = assign_ids(drafts)
    attendance: list[AttendanceRow] = []
    event_of_page: dict[str, str] = {}
    for planned, event_id in zip(plan.events, ids, strict=True):
        seen: set[tuple[str, str]] = set()
        for title in planned.pages:
            event_of_page[title] = event_id
            for row in attendance_rows(readings[title].people, event_id):
                # one person once per role, whichever page or list names them again
                if (row.name_key, row.role) not in seen:
                    seen.add((row.name_key, row.role))
                    attendance.append(row)
    out.attendance = sorted(
        resolve_name_keys(attendance), key=lambda r: (r.event_id, r.where.line or 0, r.name_raw)
    )
    by_event: dict[str, tuple[int, int]] = {}
    for r in out.attendance:
        listed, planned_n = by_event.get(r.event_id, (0, 0))
        by_event[r.event_id] = (listed + (r.role == "present"), planned_n + (r.role == "planned"))
    events = [
        finish_event(d, eid, *by_event.get(eid, (0, 0))) for d, eid in zip(drafts, ids, strict=True)
    ]
    out.events = sorted(events, key=lambda e: (e.date_start or date.max, e.event_id))
    out.workshops = _workshops(by_title, readings, plan, event_of_page, out.events, vocab, memo)
    out.roles = _roles(plan, event_of_page, out.events, vocab)
    out.coverage = coverage(readings)
    return out


def coverage(readings: Mapping[str, Reading]) -> list[CoverageRow]:
    """Every content page the snapshot holds or links to, and who links to it."""
    linked: dict[str, set[str]] = {}
    for title, reading in readings.items():
        for target in reading.links:
            if target != title and not _namespaced(target):
                linked.setdefault(target, set()).add(title)
    return [
        CoverageRow(t, "fetched" if t in readings else "missing",
                    "; ".join(sorted(linked.get(t, ()))), len(linked.get(t, ())))
        for t in sorted(set(readings) | set(linked))
    ]  # fmt: skip


def _namespaced(title: str) -> bool:
    prefix, sep, _ = title.partition(":")
    return bool(sep) and prefix.strip().lower() in NAMESPACES


def _roles(
    plan: Plan, event_of_page: dict[str, str], events: list[EventRow], vocab: Vocabulary
) -> dict[str, str]:
    """What each page was read as: an event kind, subpage, hub, workshop, report, other."""
    kind_of = {e.event_id: e.kind for e in events}
    roles = {t: "report" for t in vocab.report_titles}
    roles.update({t: "hub" for t in plan.hubs})
    roles.update({t: "workshop_list" for t in plan.workshop_lists})
    for e in plan.events:
        for i, t in enumerate(e.pages):
            roles[t] = kind_of.get(event_of_page[t], "meeting") if i == 0 else "subpage"
    roles.update({t: "workshop" for t in plan.workshop_pages})
    return roles


def _workshops(
    by_title: dict[str, PageRevision],
    readings: dict[str, Reading],
    plan: Plan,
    event_of_page: dict[str, str],
    events: list[EventRow],
    vocab: Vocabulary,
    memo: PageMemo,
) -> list[WorkshopRow]:
    event_on: dict[date, str] = {}
    date_of: dict[str, date | None] = {}
    for e in events:
        date_of[e.event_id] = e.date_start
        if e.date_start is not None:
            event_on.setdefault(e.date_start, e.event_id)
    rows: list[WorkshopRow] = []
    for title in plan.workshop_lists:
        page = by_title[title]
        rows += memo.get(_key(page, "list"), partial(extract_workshop_list, page.doc))
    for title, eid in event_of_page.items():
        if title in plan.workshop_pages:
            continue
        page = by_title[title]
        found = memo.get(
            _key(page, "workshops", eid),
            partial(extract_event_workshops, page.doc, eid, vocab),
        )
        rows += [w if w.date else replace(w, date=date_of.get(eid)) for w in found]
    # A workshop with a page of its own that its event also lists is one workshop:
    # the page's row (its date, its participants) replaces the event's line.
    held = {(w.event_id, _theme_key(w.theme)): i for i, w in enumerate(rows) if w.event_id}
    for title, owner in plan.workshop_pages.items():
        eid = event_of_page.get(owner or title, "")
        page = by_title[title]
        found = extract_workshop_page(
            page.doc, readings[title], (owner, eid, date_of.get(eid)), event_on
        )
        for w in found:
            keys = {(w.event_id, _theme_key(w.theme)), (w.event_id, _theme_key(title))}
            same = [held[k] for k in keys if k in held and w.event_id]
            if same and len(found) == 1:
                rows[same[0]] = w
            else:
                rows.append(w)
    return sorted(rows, key=lambda w: w.workshop_id)


def _theme_key(theme: str) -> str:
    return " ".join(strip_accents(theme).lower().split())


def extract_bilan(
    revisions: Sequence[PageRevision],
    specs: Sequence[ClaimSpec],
    expense_sections: Sequence[str] = (),
) -> tuple[list[ClaimRow], list[ExpenseRow], list[WarningRow]]:
    """Claims of every report revision (as ``specs`` find them), expenses of the last one."""
    claims: list[ClaimRow] = []
    warnings: list[WarningRow] = []
    for rev in sorted(revisions, key=lambda r: (r.timestamp, r.revid)):
        info = RevisionInfo(rev.revid, rev.timestamp, rev.user)
        found, warns = extract_claims(rev.doc, info, specs)
        claims += found
        warnings += warns
    expenses: list[ExpenseRow] = []
    if revisions:
        last = max(revisions, key=lambda r: (r.timestamp, r.revid))
        expenses, warns = extract_expenses(last.doc, expense_sections)
        warnings += warns
    claims.sort(key=lambda c: (c.revid, c.where.line, c.claim_id))
    return claims, expenses, warnings


__all__ = [
    "Extraction",
    "PageMemo",
    "PageRevision",
    "Provenance",
    "extract_bilan",
    "extract_snapshot",
]
