"""Which pages record a gathering, and which: decided from every page of a snapshot.

A page is an *event page* when its content records a gathering — a date in its
title or opening lines together with people (listed, inline, counted), a place,
or the marks of a meeting (agenda, minutes, workshops) — or when a hub lists it
with a date. A *hub* is a page of dated bullets linking to pages. A sub-page
(``X/Notes``) joins X's event (or, X being no event, is read on its own); a
workshop page gives workshop rows: ``<event> - <theme>`` joins that event,
``Atelier …`` is an event of kind ``workshop`` spanning its sessions (a log of
many sessions is a series, not a gathering). The kind comes from evidence
weighed together (``Vocabulary.kind_scores``). Pages read on weak evidence, and
pages that name people but give no date, get a warning that says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from wikibilan.extract.events import EventDraft
from wikibilan.extract.reading import DatedLine, Reading, place_in
from wikibilan.extract.rows import Provenance, WarningRow
from wikibilan.extract.vocabulary import (
    CATEGORY_WEIGHT,
    HUB_WEIGHT,
    TEXT_WEIGHT,
    Vocabulary,
    any_match,
)

_HUB_MIN_LINES = 2
# A workshop page naming more sessions than this logs a recurring workshop held at
# other gatherings: its sessions are workshops, the page itself is no gathering.
_MAX_SESSIONS = 3
WORKSHOP_KIND = "workshop"
_LATE_DATE = "date not in its opening"  # weak: read only from the body of the page


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
    """The page a sub-page belongs to ("" when none; "… 2/10/19" is a date, not a path)."""
    head, _, last = title.rpartition("/")
    return "" if not head or last.isdigit() else head


def is_hub(reading: Reading) -> bool:
    lines = [d for d in reading.dated_lines if not d.heading]
    presence = any(p.role == "present" for p in reading.people)
    return len(lines) >= _HUB_MIN_LINES and any(d.links for d in lines) and not presence


def sessions(reading: Reading) -> list[DatedLine]:
    """Dated lines of a workshop page that name no other page: its sessions, by date.

    A day's dated heading ("Session du 12 avril", under which its people are listed)
    stands for the session, with the count a dated bullet of that day may give.
    """
    by_day: dict[date, list[DatedLine]] = {}
    for line in reading.dated_lines:
        if not line.links:
            by_day.setdefault(line.start, []).append(line)
    out = []
    for lines in by_day.values():
        first = next((d for d in lines if d.heading), lines[0])
        count = next((d.count for d in lines if d.count is not None), None)
        out.append(replace(first, count=count))
    return sorted(out, key=lambda d: d.start)


@dataclass(frozen=True, slots=True)
class _Dated:
    start: date | None
    end: date | None
    where: Provenance | None
    weak: str


def _date_of(r: Reading, listed: Sequence[DatedLine]) -> _Dated:
    """The event's dates, where they were read, and how weak that evidence is."""
    at_title = Provenance(r.title, r.revid, "", None)
    # A full date in the title is a label the page was given: it wins over another date
    # its opening mentions (a previous meeting, a deadline); a title without a year does not.
    title_full = r.title_date is not None and not r.title_date.year_inferred
    if (
        title_full
        and r.title_date is not None
        and (r.own_date is None or r.own_date.start != r.title_date.start)
    ):
        return _Dated(r.title_date.start, r.title_date.end, at_title, "")
    if r.own_date is not None:
        corrected = "year corrected from the page's own date" if r.own_date.year_corrected else ""
        return _Dated(r.own_date.start, r.own_date.end, r.own_date_where, corrected)
    if r.title_date is not None:
        return _Dated(r.title_date.start, r.title_date.end, at_title, "")
    if listed:
        return _Dated(listed[0].start, listed[0].end, at_title, "")
    if r.later_date is not None:
        return _Dated(r.later_date.start, r.later_date.end, r.later_date_where, _LATE_DATE)
    return _Dated(None, None, None, "no date")


def _kind(vocab: Vocabulary, r: Reading, listed: Sequence[DatedLine]) -> str:
    places = [(d.text, HUB_WEIGHT) for d in listed]
    places += [(" > ".join(d.section), HUB_WEIGHT) for d in listed if d.section]
    places += [(c, CATEGORY_WEIGHT) for c in r.categories]
    places.append((r.opening, TEXT_WEIGHT))
    scores = vocab.kind_scores(places, title=r.title)
    scores.pop(WORKSHOP_KIND, None)  # only a workshop page is a workshop
    return vocab.best_kind(scores)


def _is_workshop_page(vocab: Vocabulary, r: Reading) -> bool:
    if any(k.kind == WORKSHOP_KIND and any_match(k.title, r.title) for k in vocab.kinds):
        return True
    # by content: its opening speaks of a workshop, and it dates sessions that carry a
    # count or a heading of their own (under which their people are listed)
    found = sessions(r)
    held = [d for d in found if d.count is not None or d.heading]
    return bool(held) and any_match(vocab.workshop_page_words, r.opening)


class _Planner:
    def __init__(
        self, readings: Mapping[str, Reading], created: Mapping[str, datetime], vocab: Vocabulary
    ) -> None:
        self.readings, self.created, self.vocab = readings, created, vocab
        self.plan = Plan()
        self.listed: dict[str, list[DatedLine]] = defaultdict(list)
        self.drafts: dict[str, EventDraft] = {}
        self.joins: dict[str, list[str]] = defaultdict(list)
        self.owner: dict[str, str] = {}  # joined page -> the event page it joined

    def join(self, title: str, event_page: str) -> None:
        self.joins[event_page].append(title)
        self.owner[title] = event_page

    def warn(self, title: str, reason: str) -> None:
        r = self.readings[title]
        self.plan.warnings.append(WarningRow(title, r.revid, 0, reason, title))

    def event(self, title: str) -> bool:
        """Read ``title`` as an event page if its content records a gathering."""
        r = self.readings[title]
        listed = self.listed.get(title, [])
        dated = _date_of(r, listed)
        if dated.start is None and parent_title(title) and r.has_people:
            created = self.created[title].date()
            dated = _Dated(created, created, Provenance(title, r.revid, "", None),
                           "dated by its first revision")  # fmt: skip
        gathering = r.has_people or r.marks > 0 or bool(r.place) or bool(listed)
        if dated.start is None or dated.where is None or not gathering:
            if r.has_people and dated.start is None:
                self.warn(title, "names people but gives no date: not read as a gathering")
            return False
        if dated.weak == _LATE_DATE and not r.has_people:
            return False
        if dated.weak:
            self.warn(title, f"read as a gathering on weak evidence: {dated.weak}")
        kind = _kind(self.vocab, r, listed)
        self.drafts[title] = EventDraft(
            kind, title, dated.start, dated.end, r.place, None, dated.where
        )
        return True

    def workshop_event(self, title: str) -> None:
        """An ``Atelier …`` page: an event spanning its few sessions, when it records any."""
        r = self.readings[title]
        found = sessions(r)
        if len(found) > _MAX_SESSIONS:
            return
        if not found:
            if self.event(title):
                self.drafts[title] = replace(self.drafts[title], kind=WORKSHOP_KIND)
            return
        # the event's date and place are read where the page first gives that day
        first = next(d for d in r.dated_lines if d.start == found[0].start and not d.links)
        where = first.where
        place = r.place or place_in(first.text, self.vocab)
        self.drafts[title] = EventDraft(
            WORKSHOP_KIND, title, found[0].start, found[-1].end, place, None, where
        )

    def run(self) -> Plan:
        readings, vocab, plan = self.readings, self.vocab, self.plan
        titles = [t for t in sorted(readings) if t not in vocab.report_titles]
        plan.hubs = [t for t in titles if is_hub(readings[t])]
        for hub in plan.hubs:
            for line in readings[hub].dated_lines:
                for target in line.links:
                    self.listed[target].append(line)
        rest = [t for t in titles if t not in plan.hubs]
        subpages = [t for t in rest if parent_title(t) in readings]
        # "<event> - <theme>" with a theme in words ("… communs - 3" is a numbered title)
        heads = {
            t: head
            for t in rest
            for head, _, theme in [t.partition(" - ")]
            if theme and any(c.isalpha() for c in theme)
        }
        dashed = [t for t, head in heads.items() if head in readings and t not in subpages]
        first = [t for t in rest if t not in subpages and t not in dashed]
        for title in first:
            if _is_workshop_page(vocab, readings[title]):
                plan.workshop_pages[title] = ""
                self.workshop_event(title)
            else:
                self.event(title)
        for title in dashed:  # "<event> - <theme>": a workshop of that event
            head = heads[title]
            if head in self.drafts:
                plan.workshop_pages[title] = head
                self.join(title, head)
            else:
                self.event(title)
        for title in sorted(subpages, key=lambda t: t.count("/")):
            parent = parent_title(title)
            if parent in self.drafts:
                self.join(title, parent)
            elif parent in self.owner:  # a sub-page of a sub-page: the same event
                self.join(title, self.owner[parent])
            else:
                self.event(title)
        for title in rest:
            r = readings[title]
            if title in self.drafts or title in plan.workshop_pages or title in self.owner:
                continue
            if any_match(vocab.workshop_list, f"{title} {r.opening}"):
                plan.workshop_lists.append(title)
        for title, draft in self.drafts.items():
            # a sub-page the event links to but the snapshot lacks: its people are unknown
            absent = tuple(t for t in readings[title].links
                           if t.startswith(f"{title}/") and t not in readings)  # fmt: skip
            draft = replace(draft, missing=absent) if absent else draft
            plan.events.append(PlannedEvent(draft, (title, *self.joins.get(title, []))))
        plan.events += _hub_only_events(plan, readings, vocab)
        return plan


def plan_snapshot(
    readings: Mapping[str, Reading], created: Mapping[str, datetime], vocab: Vocabulary
) -> Plan:
    """Decide the role of every page (see the module doc)."""
    return _Planner(readings, created, vocab).run()


def _hub_only_events(
    plan: Plan, readings: Mapping[str, Reading], vocab: Vocabulary
) -> list[PlannedEvent]:
    """Dated hub lines that link to no page of the snapshot: events known only from a hub."""
    seen = {(e.draft.date_start, e.draft.kind) for e in plan.events}
    out: list[PlannedEvent] = []
    for hub in plan.hubs:
        for line in readings[hub].dated_lines:
            if line.heading or any(t in readings for t in line.links):
                continue
            places = [(line.text, HUB_WEIGHT), (" > ".join(line.section), HUB_WEIGHT)]
            # the title of the page it links to is evidence too, page or no page
            scores = vocab.kind_scores(places, title=line.links[0] if line.links else "")
            scores.pop(WORKSHOP_KIND, None)
            kind = vocab.best_kind(scores)
            if (line.start, kind) in seen:
                continue
            seen.add((line.start, kind))
            if not scores and not line.links:
                plan.warnings.append(
                    WarningRow(
                        hub,
                        line.where.revid,
                        line.where.line or 0,
                        "hub line of unknown kind",
                        line.text,
                    )  # fmt: skip
                )
            # a line linking to a page the snapshot lacks: known from the hub alone
            absent = tuple(t for t in line.links if t not in readings)
            draft = EventDraft(kind, line.text, line.start, line.end, "", None, line.where, absent)
            out.append(PlannedEvent(draft, ()))
    return out
