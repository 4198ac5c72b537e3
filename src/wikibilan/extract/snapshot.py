"""Extract every frame's rows from one snapshot of the wiki (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar, cast

from wikibilan.document import Document
from wikibilan.extract.attendance import extract_attendance, resolve_name_keys
from wikibilan.extract.claims import RevisionInfo, extract_claims
from wikibilan.extract.events import (
    EventDraft,
    assign_ids,
    draft_calendar_events,
    draft_page_event,
    finish_event,
)
from wikibilan.extract.expenses import extract_expenses
from wikibilan.extract.kinds import EVENT_KINDS
from wikibilan.extract.rows import (
    AttendanceRow,
    ClaimRow,
    EventRow,
    ExpenseRow,
    Provenance,
    WarningRow,
    WorkshopRow,
)
from wikibilan.extract.workshops import (
    extract_event_workshops,
    extract_initiations,
    extract_workshop_list,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRevision:
    """A page as it stood in the snapshot: its kind, revision and parsed document."""

    title: str
    kind: str
    revid: int
    timestamp: datetime
    created: datetime
    doc: Document
    user: str = ""


# Kinds of the pages extract_snapshot reads; it ignores every other page of a snapshot.
SNAPSHOT_KINDS: frozenset[str] = EVENT_KINDS | {"calendar", "workshop_list", "initiation"}


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


def _key(page: PageRevision, *more: object) -> tuple[object, ...]:
    return (page.title, page.revid, page.kind, page.created, *more)


def extract_snapshot(pages: Sequence[PageRevision], memo: PageMemo | None = None) -> Extraction:
    """Return events, attendance and workshops of a snapshot (one revision per page).

    Only pages of the kinds in ``SNAPSHOT_KINDS`` are read. ``memo`` carries the
    per-page results from one snapshot to the next (same revision, same rows).
    """
    memo = memo or PageMemo()
    out = Extraction()
    ordered = sorted((p for p in pages if p.kind in SNAPSHOT_KINDS), key=lambda p: p.title)
    event_pages = [p for p in ordered if p.kind in EVENT_KINDS]
    titles = frozenset(p.title for p in event_pages)

    drafts: list[tuple[EventDraft, PageRevision | None]] = []
    for page in event_pages:
        draft, warns = memo.get(
            _key(page, "event"), partial(draft_page_event, page.doc, page.kind, page.created)
        )
        drafts.append((draft, page))
        out.warnings += warns
    for page in ordered:
        if page.kind == "calendar":
            cal, warns = draft_calendar_events(page.doc, page.created, titles)
            drafts += [(d, None) for d in cal]
            out.warnings += warns

    ids = assign_ids([d for d, _ in drafts])
    attendance: list[AttendanceRow] = []
    for (_, source), event_id in zip(drafts, ids, strict=True):
        if source is None:
            continue
        rows, warns = memo.get(
            _key(source, "attendance", event_id), partial(extract_attendance, source.doc, event_id)
        )
        attendance += rows
        out.warnings += warns
    out.attendance = sorted(
        resolve_name_keys(attendance), key=lambda r: (r.event_id, r.where.line, r.name_raw)
    )

    by_event: dict[str, tuple[int, int]] = {}
    for r in out.attendance:
        listed, planned = by_event.get(r.event_id, (0, 0))
        by_event[r.event_id] = (listed + (r.role == "present"), planned + (r.role == "planned"))
    events = [
        finish_event(d, eid, *by_event.get(eid, (0, 0)))
        for (d, _), eid in zip(drafts, ids, strict=True)
    ]
    out.events = sorted(events, key=lambda e: (e.date_start or date.max, e.event_id))

    out.workshops = _workshops(ordered, drafts, ids, out, memo)
    return out


def _workshops(
    ordered: Sequence[PageRevision],
    drafts: list[tuple[EventDraft, PageRevision | None]],
    ids: list[str],
    out: Extraction,
    memo: PageMemo,
) -> list[WorkshopRow]:
    event_on: dict[date, str] = {}
    for (draft, _), eid in zip(drafts, ids, strict=True):
        if draft.date_start is not None:
            event_on.setdefault(draft.date_start, eid)
    event_of_title = {p.title: eid for (_, p), eid in zip(drafts, ids, strict=True) if p}
    rows: list[WorkshopRow] = []
    for page in ordered:
        if page.kind == "workshop_list":
            rows += memo.get(_key(page, "list"), partial(extract_workshop_list, page.doc))
        elif page.kind == "initiation":
            found, warns = extract_initiations(page.doc, page.created, event_on)
            rows += found
            out.warnings += warns
        elif page.title in event_of_title:
            eid = event_of_title[page.title]
            rows += memo.get(
                _key(page, "workshops", eid), partial(extract_event_workshops, page.doc, eid)
            )
    return sorted(rows, key=lambda w: w.workshop_id)


def extract_bilan(
    revisions: Sequence[PageRevision],
) -> tuple[list[ClaimRow], list[ExpenseRow], list[WarningRow]]:
    """Claims of every bilan revision, and the expense lines of the last one."""
    claims: list[ClaimRow] = []
    warnings: list[WarningRow] = []
    for rev in sorted(revisions, key=lambda r: (r.timestamp, r.revid)):
        found, warns = extract_claims(rev.doc, RevisionInfo(rev.revid, rev.timestamp, rev.user))
        claims += found
        warnings += warns
    expenses: list[ExpenseRow] = []
    if revisions:
        last = max(revisions, key=lambda r: (r.timestamp, r.revid))
        expenses, warns = extract_expenses(last.doc)
        warnings += warns
    claims.sort(key=lambda c: (c.revid, c.where.line, c.claim_id))
    return claims, expenses, warnings


__all__ = [
    "SNAPSHOT_KINDS",
    "Extraction",
    "PageMemo",
    "PageRevision",
    "Provenance",
    "extract_bilan",
    "extract_snapshot",
]
