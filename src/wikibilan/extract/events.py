"""Events: drafts (before ids exist), their ids, and the participant count each gets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from wikibilan.extract.rows import EventRow, Provenance


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
    missing: tuple[str, ...] = ()  # pages its record needs that the snapshot lacks


def assign_ids(drafts: list[EventDraft]) -> list[str]:
    """``<date_start>-<kind>``, with ``-2``, ``-3`` for repeats, in order of appearance."""
    seen: dict[str, int] = {}
    ids = []
    for d in drafts:
        base = f"{d.date_start.isoformat() if d.date_start else 'undated'}-{d.kind}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def with_count(draft: EventDraft, n_stated: int | None) -> EventDraft:
    """The draft with a stated count (the page's own, else one of its sub-pages')."""
    return draft if n_stated is None else replace(draft, n_stated=n_stated)


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
        "; ".join(draft.missing),
    )
