"""Row records the extractors return; ``frames`` turns them into DataFrames."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a row was read: page title, revision, section path, line."""

    page: str
    revid: int
    section: str
    line: int | None


@dataclass(frozen=True, slots=True)
class EventRow:
    event_id: str
    kind: str
    title: str
    date_start: date | None
    date_end: date | None
    place: str
    n_participants: int | None
    participants_basis: str
    n_listed: int
    n_planned: int
    n_stated: int | None
    where: Provenance
    # Pages this event's record needs that the store lacks (a hub's link to a page never
    # fetched, a sub-page linked but absent): "A; B". Checks reading it are incomplete.
    missing_pages: str = ""


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    event_id: str
    name_raw: str
    name_key: str
    role: str
    note: str
    uncertain: bool
    where: Provenance


@dataclass(frozen=True, slots=True)
class WorkshopRow:
    workshop_id: str
    event_id: str
    theme: str
    is_initiation: bool
    n_participants: int | None
    date: date | None
    where: Provenance


@dataclass(frozen=True, slots=True)
class ExpenseRow:
    label: str
    month: str
    amount_eur: Decimal
    where: Provenance


@dataclass(frozen=True, slots=True)
class ClaimRow:
    claim_id: str
    revid: int
    timestamp: datetime
    user: str
    text: str
    value: Decimal | None
    unit: str
    qualifier: str
    low: Decimal | None
    high: Decimal | None
    where: Provenance
    label: str = ""  # what the figure counts, in the profile's words
    measure: str = ""  # the profile's recomputation for it (count_events, …)


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """A page of the wiki the snapshot holds or links to: whether the store has it."""

    title: str
    status: str  # fetched (in the store) or missing (linked to, not in the store)
    linked_from: str  # the pages linking to it, "A; B"
    n_links: int


@dataclass(frozen=True, slots=True)
class WarningRow:
    page: str
    revid: int
    line: int
    reason: str
    text: str
