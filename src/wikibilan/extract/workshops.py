"""Workshops: themes of a workshop list, sessions of a workshop page, workshops of an event.

- a workshop list gives one theme per bullet under a heading (no event);
- a workshop page (``Atelier <theme>``, ``<event> - <theme>``) gives one row per
  session it names (dated bullets, else the page's own date), with participants;
- an event page gives the bullets under a workshop heading and the workshops
  its timeline names ("atelier « … » animé par …").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from wikibilan.document import Block, Document
from wikibilan.extract.plan import sessions as plan_sessions
from wikibilan.extract.reading import Reading, where_of
from wikibilan.extract.rows import WorkshopRow
from wikibilan.extract.vocabulary import Vocabulary, any_match
from wikibilan.french import parse_count

_THEME_SEP = re.compile(r"\s+:\s*|\s*:\s+")
# "16h - 17h30 : Titre": the time a timeline gives is not part of the theme
_TIME_LEAD = re.compile(r"^\d{1,2}\s*h\s*\d{0,2}(?:\s*[-–à]\s*\d{1,2}\s*h\s*\d{0,2})?\s*:\s*")
_QUOTED = re.compile(r"«\s*([^»]{3,80}?)\s*»")
_TITLE_WORD = re.compile(r"^ateliers?\s*:?\s*", re.IGNORECASE)


def _theme(text: str) -> str:
    return _THEME_SEP.split(_TIME_LEAD.sub("", text.strip()), maxsplit=1)[0].strip(" .;")


def _row(
    doc: Document,
    block: Block | None,
    event_id: str,
    theme: str,
    n: int | None,
    when: date | None = None,
    suffix: str = "",
) -> WorkshopRow:
    slug = doc.title.replace(" ", "_")
    line = block.line if block is not None else 0
    return WorkshopRow(
        workshop_id=f"{slug}#{line}{suffix}",
        event_id=event_id,
        theme=theme,
        is_initiation="initiation" in theme.lower(),
        n_participants=n,
        date=when,
        where=where_of(doc, block),
    )


def extract_workshop_list(doc: Document) -> list[WorkshopRow]:
    """Every bullet under a heading of the workshop list page is one theme."""
    return [
        _row(doc, b, "", _theme(b.text), None)
        for b in doc.blocks
        if b.kind == "item" and b.section and _theme(b.text)
    ]


def page_theme(title: str, owner: str) -> str:
    """The theme a workshop page's title names: after ``<event> - `` or ``Atelier``."""
    if owner and title.startswith(f"{owner} - "):
        return title[len(owner) + 3 :].strip()
    return _TITLE_WORD.sub("", title).strip() or title


def extract_workshop_page(
    doc: Document,
    reading: Reading,
    owner: tuple[str, str, date | None],
    event_on: Mapping[date, str],
) -> list[WorkshopRow]:
    """One row per session a workshop page names, tied to its event when known.

    ``owner`` is the page, event id and date of the event the title names
    (``("", "", None)`` for an ``Atelier …`` page).
    """
    owner_title, owner_event, owner_date = owner
    theme = page_theme(doc.title, owner_title)
    blocks = {b.line: b for b in doc.blocks}
    rows = []
    for s in plan_sessions(reading):
        block = blocks.get(s.where.line or -1)
        n = s.count if s.count is not None else _people_in_session(reading, s.start)
        event = owner_event or event_on.get(s.start, "")
        rows.append(replace(_row(doc, block, event, theme, n, s.start), where=s.where))
    if rows:
        return rows
    present = {p.person.name for p in reading.people if p.role == "present"}
    n = reading.n_stated if reading.n_stated is not None else (len(present) or None)
    own = reading.own_date or reading.title_date
    when = own.start if own else owner_date
    event = owner_event or (event_on.get(when, "") if when else "")
    return [_row(doc, None, event, theme, n, when)]


def _people_in_session(reading: Reading, day: date) -> int | None:
    """People listed under a dated heading of that day ("Session du 12 avril")."""
    headings = [d.text for d in reading.dated_lines if d.heading and d.start == day]
    names = {
        p.person.name
        for p in reading.people
        if p.role == "present" and any(h in p.where.section for h in headings)
    }
    return len(names) or None


def extract_event_workshops(doc: Document, event_id: str, vocab: Vocabulary) -> list[WorkshopRow]:
    """Bullets under a workshop heading, and workshops a timeline names."""
    rows: list[WorkshopRow] = []
    active = False
    level = 0
    for b in doc.blocks:
        if b.kind == "heading":
            if any_match(vocab.workshop_headings, b.text):
                active, level = True, b.level
            elif active and b.level <= level:
                active = False
            continue
        if active and b.kind == "item" and b.level == 1 and _theme(b.text):
            count = parse_count(b.text)
            rows.append(_row(doc, b, event_id, _theme(b.text), int(count.value) if count else None))
            continue
        for rx in vocab.workshop_in_text:
            m = rx.search(b.text)
            if m:
                theme = m.group("theme").strip(' .;«»"')
                count = parse_count(b.text[m.end() :])
                n = int(count.value) if count and count.noun else None
                rows.append(_row(doc, b, event_id, theme, n))
                # "un atelier « A » …, et un autre, « B »": every quoted title on the line
                for q in _QUOTED.finditer(b.text, m.end()):
                    rows.append(_row(doc, b, event_id, q.group(1).strip(), None))
                break
    # a workshop named twice on the page (its timeline, then its report) is one
    unique: dict[str, WorkshopRow] = {}
    for row in rows:
        unique.setdefault(" ".join(row.theme.casefold().split()), row)
    return list(unique.values())
