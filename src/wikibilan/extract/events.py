"""Temps forts: one event per event page, plus calendar lines without a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from wikibilan.document import Block, Document
from wikibilan.extract.attendance import role_of_heading
from wikibilan.extract.french import find_dates, parse_count
from wikibilan.extract.kinds import text_kind
from wikibilan.extract.rows import EventRow, Provenance, WarningRow
from wikibilan.titles import normalize_title

_PLACE = re.compile(r"^\s*lieu\s*:\s*(?P<place>.+)$", re.IGNORECASE)
_DATE_LINE = re.compile(r"^\s*date\s*:", re.IGNORECASE)
_FIRST_BLOCKS = 5


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event before its id is assigned (ids need every event of the snapshot)."""

    kind: str
    title: str
    date_start: date | None
    date_end: date | None
    place: str
    n_stated: int | None
    where: Provenance


def _where(doc: Document, block: Block | None) -> Provenance:
    if block is None:
        return Provenance(doc.title, doc.revid, "", None)
    return Provenance(doc.title, doc.revid, " > ".join(block.section), block.line)


def _find_event_date(
    doc: Document, context: datetime
) -> tuple[date | None, date | None, Block | None]:
    """The event's dates: the "Date :" line, the first lines, the title, then anywhere."""
    blocks = [b for b in doc.blocks if b.kind != "heading" or b.level > 1]
    ordered: list[Block | None] = [b for b in blocks if _DATE_LINE.match(b.text)]
    ordered += blocks[:_FIRST_BLOCKS]
    ordered.append(None)  # the title
    ordered += blocks[_FIRST_BLOCKS:]
    for block in ordered:
        text = doc.title if block is None else block.text
        # Meeting pages are written during or just after the meeting: a date far
        # before the page's first revision is a slipped year.
        found = find_dates(text, context=context, anchored=True)
        if found:
            return found[0].start, found[0].end, block
    return None, None, None


def _stated_count(doc: Document) -> int | None:
    """A participant count written in prose, outside the lists of names."""
    in_list = False
    for block in doc.blocks:
        if block.kind == "heading":
            in_list = role_of_heading(block.text) is not None
            continue
        if block.kind == "item" and in_list:
            continue
        parsed = parse_count(block.text)
        if parsed is not None and parsed.noun:
            return int(parsed.value)
    return None


def draft_page_event(
    doc: Document, kind: str, created: datetime
) -> tuple[EventDraft, list[WarningRow]]:
    """Read the event an event page records (date, place, stated count)."""
    warnings: list[WarningRow] = []
    start, end, block = _find_event_date(doc, created)
    if start is None:
        warnings.append(WarningRow(doc.title, doc.revid, 0, "no date found for event", doc.title))
    place = ""
    for b in doc.blocks:
        m = _PLACE.match(b.text)
        if m:
            place = m.group("place").strip()
            break
    draft = EventDraft(
        kind, doc.title, start, end or start, place, _stated_count(doc), _where(doc, block)
    )
    return draft, warnings


def draft_calendar_events(
    doc: Document, context: datetime, event_titles: frozenset[str]
) -> tuple[list[EventDraft], list[WarningRow]]:
    """Calendar bullets ``* <date> : <text>`` that have no event page of their own."""
    drafts: list[EventDraft] = []
    warnings: list[WarningRow] = []
    for block in doc.blocks:
        if block.kind != "item":
            continue
        head, sep, rest = block.text.partition(":")
        if not sep:
            continue
        found = find_dates(head, context=context)
        if not found:
            continue
        if block.links and normalize_title(block.links[0]) in event_titles:
            continue
        kind = text_kind(rest)
        if kind == "other":
            warnings.append(
                WarningRow(
                    doc.title, doc.revid, block.line, "calendar line of unknown kind", block.text
                )
            )
        drafts.append(
            EventDraft(
                kind,
                rest.strip(),
                found[0].start,
                found[0].end or found[0].start,
                "",
                None,
                _where(doc, block),
            )
        )
    return drafts, warnings


def assign_ids(drafts: list[EventDraft]) -> list[str]:
    """``<date_start>-<kind>``, with ``-2``, ``-3`` for repeats, in order of appearance."""
    seen: dict[str, int] = {}
    ids = []
    for d in drafts:
        base = f"{d.date_start.isoformat() if d.date_start else 'undated'}-{d.kind}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def finish_event(draft: EventDraft, event_id: str, n_listed: int, n_planned: int) -> EventRow:
    """Choose the participant count and its basis (stated > listed > planned > absent)."""
    if draft.n_stated is not None:
        n, basis = draft.n_stated, "stated"
    elif n_listed > 0:
        n, basis = n_listed, "listed"
    elif n_planned > 0:
        n, basis = n_planned, "planned"
    else:
        n, basis = None, "absent"
    return EventRow(
        event_id,
        draft.kind,
        draft.title,
        draft.date_start,
        draft.date_end,
        draft.place,
        n,
        basis,
        n_listed,
        n_planned,
        draft.n_stated,
        draft.where,
    )
