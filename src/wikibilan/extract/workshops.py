"""Workshops: themes on the workshop list, initiation sessions, workshops at events."""

from __future__ import annotations

import re
from datetime import date, datetime

from wikibilan.document import Block, Document
from wikibilan.extract.french import find_dates, parse_count
from wikibilan.extract.rows import Provenance, WarningRow, WorkshopRow

INITIATION_THEME = "Initiation aux communs"
_WORKSHOP_HEADING = re.compile(r"^ateliers?\b", re.IGNORECASE)
_THEME_SEP = re.compile(r"\s+:\s*|\s*:\s+")


def _theme(text: str) -> str:
    return _THEME_SEP.split(text.strip(), maxsplit=1)[0].strip(" .;")


def _row(
    doc: Document, block: Block, event_id: str, theme: str, n: int | None, when: date | None = None
) -> WorkshopRow:
    slug = doc.title.replace(" ", "_")
    return WorkshopRow(
        workshop_id=f"{slug}#{block.line}",
        event_id=event_id,
        theme=theme,
        is_initiation="initiation" in theme.lower(),
        n_participants=n,
        date=when,
        where=Provenance(doc.title, doc.revid, " > ".join(block.section), block.line),
    )


def extract_workshop_list(doc: Document) -> list[WorkshopRow]:
    """Every bullet under a heading of the workshop list page is one theme."""
    return [
        _row(doc, b, "", _theme(b.text), None)
        for b in doc.blocks
        if b.kind == "item" and b.section and _theme(b.text)
    ]


def extract_initiations(
    doc: Document, context: datetime, event_on: dict[date, str]
) -> tuple[list[WorkshopRow], list[WarningRow]]:
    """Bullets ``* <date> : N participants`` of the initiation page."""
    rows: list[WorkshopRow] = []
    warnings: list[WarningRow] = []
    for b in doc.blocks:
        if b.kind != "item":
            continue
        dates = find_dates(b.text, context=context)
        if not dates:
            continue
        count = parse_count(b.text)
        if count is None:
            warnings.append(
                WarningRow(
                    doc.title,
                    doc.revid,
                    b.line,
                    "initiation line without a participant count",
                    b.text,
                )
            )
        day = dates[0].start
        rows.append(
            _row(
                doc,
                b,
                event_on.get(day, ""),
                INITIATION_THEME,
                int(count.value) if count else None,
                day,
            )
        )
    return rows, warnings


def extract_event_workshops(doc: Document, event_id: str) -> list[WorkshopRow]:
    """Bullets under an "Ateliers" heading of an event page."""
    rows: list[WorkshopRow] = []
    active = False
    level = 0
    for b in doc.blocks:
        if b.kind == "heading":
            if _WORKSHOP_HEADING.match(b.text):
                active, level = True, b.level
            elif active and b.level <= level:
                active = False
            continue
        if active and b.kind == "item" and b.level == 1 and _theme(b.text):
            count = parse_count(b.text)
            rows.append(_row(doc, b, event_id, _theme(b.text), int(count.value) if count else None))
    return rows
