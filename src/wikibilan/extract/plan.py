"""Which pages record a gathering, and which: decided from every page of a snapshot.

A page is an *event page* when its content records a gathering — a date in its
title or opening lines together with people (listed, inline, counted) or the
marks of a meeting (agenda, minutes, workshops) — or when a hub lists it with a
date. A *hub* is a page of dated bullets linking to pages. A sub-page
(``X/Notes``) joins X's event; a workshop page (``Atelier …``, ``<event> -
<theme>``) gives workshop rows. The kind comes from evidence weighed together
(``Vocabulary.kind_scores``). Every page left unread, or read on weak evidence,
gets a warning that says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from wikibilan.extract.events import EventDraft
from wikibilan.extract.reading import DatedLine, Reading
from wikibilan.extract.rows import Provenance, WarningRow
from wikibilan.extract.vocabulary import (
    CATEGORY_WEIGHT,
    HUB_WEIGHT,
    TEXT_WEIGHT,
    Vocabulary,
    any_match,
)

_HUB_MIN_LINES = 2


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """An event and the pages whose people it takes (its own page, its sub-pages)."""

    draft: EventDraft
    pages: tuple[str, ...]


@dataclass(slots=True)
class Plan:
    """The role of every page of a snapshot."""

    events: list[PlannedEvent] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)
    workshop_pages: dict[str, str] = field(default_factory=dict)  # title -> event page or ""
    workshop_lists: list[str] = field(default_factory=list)
    warnings: list[WarningRow] = field(default_factory=list)


def parent_title(title: str) -> str:
    return title.rpartition("/")[0] if "/" in title else ""


def is_hub(reading: Reading) -> bool:
    linked = [d for d in reading.dated_lines if d.links]
    presence = any(p.role == "present" for p in reading.people)
    return len(reading.dated_lines) >= _HUB_MIN_LINES and bool(linked) and not presence


def _warn(plan: Plan, reading: Reading, reason: str) -> None:
    plan.warnings.append(WarningRow(reading.title, reading.revid, 0, reason, reading.title))


def _date_of(
    r: Reading, listed: Sequence[DatedLine]
) -> tuple[date | None, date | None, Provenance | None, str]:
    """The event's dates, where they were read, and how strong that evidence is."""
    where_title = Provenance(r.title, r.revid, "", None)
    if r.own_date is not None:
        return r.own_date.start, r.own_date.end, r.own_date_where, ""
    if r.title_date is not None:
        return r.title_date.start, r.title_date.end, where_title, ""
    if listed:
        return listed[0].start, listed[0].end, where_title, "dated only by the hub listing it"
    if r.later_date is not None:
        return r.later_date.start, r.later_date.end, r.later_date_where, "date not in its opening"
    return None, None, None, "no date"


def _kind(vocab: Vocabulary, r: Reading, listed: Sequence[DatedLine]) -> str:
    places = [(d.text, HUB_WEIGHT) for d in listed]
    places += [(" > ".join(d.section), HUB_WEIGHT) for d in listed if d.section]
    places += [(c, CATEGORY_WEIGHT) for c in r.categories]
    places.append((r.opening, TEXT_WEIGHT))
    scores = vocab.kind_scores(places, title=r.title)
    scores.pop("workshop", None)  # a workshop page is read as workshops, not as an event
    return vocab.best_kind(scores)


def _workshop_page(vocab: Vocabulary, r: Reading, event_titles: set[str]) -> str | None:
    """The event a workshop page belongs to ("" when none), or None for other pages."""
    head, sep, _ = r.title.partition(" - ")
    if sep and head in event_titles:
        return head
    workshop = next((k for k in vocab.kinds if k.kind == "workshop"), None)
    if workshop is not None and any_match(workshop.title, r.title):
        return ""
    sessions = [d for d in r.dated_lines if d.count is not None and not d.links]
    if sessions and any_match(vocab.workshop_page_words, r.opening):
        return ""
    return None


def plan_snapshot(
    readings: Mapping[str, Reading], created: Mapping[str, datetime], vocab: Vocabulary
) -> Plan:
    """Decide the role of every page (see the module doc)."""
    plan = Plan()
    titles = sorted(readings)
    hubs = [t for t in titles if t not in vocab.report_titles and is_hub(readings[t])]
    plan.hubs = hubs
    listed: dict[str, list[DatedLine]] = defaultdict(list)
    for hub in hubs:
        for line in readings[hub].dated_lines:
            for target in line.links:
                listed[target].append(line)

    candidates = [t for t in titles if t not in vocab.report_titles and t not in hubs]
    event_titles: set[str] = set()
    joins: dict[str, list[str]] = defaultdict(list)
    drafts: dict[str, tuple[EventDraft, str]] = {}
    for title in candidates:
        r = readings[title]
        parent = parent_title(title)
        if parent and parent in readings and parent not in vocab.report_titles:
            joins[parent].append(title)
            continue
        start, end, where, weak = _date_of(r, listed.get(title, []))
        gathering = r.has_people or r.marks > 0
        if start is None and parent and r.has_people:
            start = end = created[title].date()
            where, weak = Provenance(title, r.revid, "", None), "dated by its first revision"
        if start is None or where is None or not (gathering or listed.get(title)):
            continue
        if weak and not gathering and not listed.get(title):
            continue
        if weak == "date not in its opening" and not r.has_people:
            continue
        kind = _kind(vocab, r, listed.get(title, []))
        drafts[title] = (EventDraft(kind, title, start, end, r.place, None, where), weak)
        event_titles.add(title)

    for title in candidates:
        r = readings[title]
        if title in drafts or parent_title(title) in readings:
            continue
        owner = _workshop_page(vocab, r, event_titles)
        if owner is not None:
            plan.workshop_pages[title] = owner
        elif any_match(vocab.workshop_list, f"{title} {r.opening}"):
            plan.workshop_lists.append(title)
        else:
            why = "no date" if r.own_date is None and r.title_date is None else "no people"
            _warn(plan, r, f"not read as a gathering: {why} and no hub lists it with a date")

    for title, (draft, weak) in drafts.items():
        if title in plan.workshop_pages:
            continue
        if weak:
            _warn(plan, readings[title], f"read as a gathering on weak evidence: {weak}")
        plan.events.append(PlannedEvent(draft, (title, *joins.get(title, []))))
    plan.events += _hub_only_events(plan, readings, vocab, set(drafts))
    return plan


def _hub_only_events(
    plan: Plan, readings: Mapping[str, Reading], vocab: Vocabulary, event_pages: set[str]
) -> list[PlannedEvent]:
    """Dated hub lines that link to no page of the snapshot: events known only from the hub."""
    seen = {(e.draft.date_start, e.draft.kind) for e in plan.events}
    out: list[PlannedEvent] = []
    for hub in plan.hubs:
        for line in readings[hub].dated_lines:
            if any(t in readings for t in line.links):
                continue
            places = [(line.text, HUB_WEIGHT), (" > ".join(line.section), HUB_WEIGHT)]
            scores = vocab.kind_scores(places)
            scores.pop("workshop", None)
            kind = vocab.best_kind(scores)
            if (line.start, kind) in seen:
                continue
            seen.add((line.start, kind))
            if not scores:
                plan.warnings.append(
                    WarningRow(
                        hub,
                        line.where.revid,
                        line.where.line or 0,
                        "hub line of unknown kind",
                        line.text,
                    )
                )
            draft = EventDraft(kind, line.text, line.start, line.end, "", None, line.where)
            out.append(PlannedEvent(draft, ()))
    return out
