"""People listed at an event, in every form of ARCHIVE.md (docs/FRAMES.md)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from wikibilan.document import Block, Document
from wikibilan.extract.french import name_key
from wikibilan.extract.rows import AttendanceRow, Provenance, WarningRow

_SEP = r"[\s\-.\u22c5·‧]*"
# Heading wording -> role of the first-level bullets under it.
ROLE_HEADINGS: tuple[tuple[str, str], ...] = (
    (r"qui a pr[ée]vu de venir", "planned"),
    (r"manifest[ée] de l.int[ée]r[êe]t", "interested"),
    (r"^pr[ée]sentations?\b", "present"),
    (rf"^participant{_SEP}(?:e{_SEP})?s?\b", "present"),
    (rf"^pr[ée]sent{_SEP}(?:e{_SEP})?s?\b", "present"),
    (r"^ils sont l[àa]\b", "present"),
    (r"^tour de table\b", "present"),
)
_ROLE_RX = tuple((re.compile(p, re.IGNORECASE), role) for p, role in ROLE_HEADINGS)
_INLINE = re.compile(rf"^\s*pr[ée]sent{_SEP}(?:e{_SEP})?s?\s*:\s*(?P<names>.+)$", re.IGNORECASE)
_NAME_SEP = re.compile(r"\s+:\s*|\s*:\s+|\s+/\s+|\s+[-–—]\s+|\s*:$")
_NOTE = re.compile(r"\(([^()]*)\)")
_COUPLE = re.compile(r"^(?P<a>.+?)\s+(?:&|et)\s+(?P<b>.+)$", re.IGNORECASE)
_UNCERTAIN = re.compile(r"à confirmer|a confirmer|peut[- ][êe]tre|\?", re.IGNORECASE)
_MAX_NAME_WORDS = 5


def role_of_heading(text: str) -> str | None:
    """Return the attendance role a heading announces, or None."""
    t = text.strip()
    for rx, role in _ROLE_RX:
        if rx.search(t):
            return role
    return None


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    note: str
    uncertain: bool


def split_people(text: str) -> list[_Person]:
    """Split one bullet's text into the people it names (couples give two)."""
    raw = text.strip()
    uncertain = raw.endswith("?")
    notes = [n.strip() for n in _NOTE.findall(raw) if n.strip()]
    body = _NOTE.sub(" ", raw)
    body = _NAME_SEP.split(body, maxsplit=1)[0]
    body = re.sub(r"\s+", " ", body).strip(" ?,;")
    note = "; ".join(notes)
    uncertain = uncertain or bool(_UNCERTAIN.search(note))
    if not body:
        return []
    m = _COUPLE.match(body)
    if m:
        a, b = m.group("a").strip(), m.group("b").strip()
        if len(a.split()) == 1 and len(b.split()) >= 2:
            a = f"{a} {b.split()[-1]}"
        return [_Person(a, note, uncertain), _Person(b, note, uncertain)]
    return [_Person(body, note, uncertain)]


def _is_pointer(block: Block) -> bool:
    """A line pointing to the Trombinoscope is not a person."""
    low = block.text.lower()
    return "trombinoscope" in low or any("trombinoscope" in t.lower() for t in block.links)


def extract_attendance(
    doc: Document, event_id: str
) -> tuple[list[AttendanceRow], list[WarningRow]]:
    """Return one row per person listed on an event page (keys not yet resolved)."""
    rows: list[AttendanceRow] = []
    warnings: list[WarningRow] = []
    role: str | None = None
    role_level = 0
    for block in doc.blocks:
        if block.kind == "heading":
            new_role = role_of_heading(block.text)
            if new_role is not None:
                role, role_level = new_role, block.level
            elif role is not None and block.level <= role_level:
                role = None
            continue
        inline = _INLINE.match(block.text) if block.kind in ("para", "item") else None
        if inline:
            names = [n for n in re.split(r",|;|\bet\b", inline.group("names")) if n.strip()]
            people = [p for n in names for p in split_people(n)]
            _add(rows, warnings, doc, block, event_id, "present", people)
            continue
        if role is None or block.kind != "item" or block.level != 1 or _is_pointer(block):
            continue
        _add(rows, warnings, doc, block, event_id, role, split_people(block.text))
    return rows, warnings


def _add(
    rows: list[AttendanceRow],
    warnings: list[WarningRow],
    doc: Document,
    block: Block,
    event_id: str,
    role: str,
    people: list[_Person],
) -> None:
    where = Provenance(doc.title, doc.revid, " > ".join(block.section), block.line)
    for person in people:
        if len(person.name.split()) > _MAX_NAME_WORDS or not re.search(r"\w", person.name):
            warnings.append(
                WarningRow(
                    doc.title, doc.revid, block.line, "attendance line is not a name", block.text
                )
            )
            continue
        rows.append(
            AttendanceRow(
                event_id,
                person.name,
                name_key(person.name),
                role,
                person.note,
                person.uncertain,
                where,
            )
        )


def resolve_name_keys(rows: Iterable[AttendanceRow]) -> list[AttendanceRow]:
    """Map a single-word key to the one longer key that starts with it, if unique."""
    rows = list(rows)
    by_first: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        words = r.name_key.split()
        if len(words) >= 2:
            by_first[words[0]].add(r.name_key)
    out = []
    for r in rows:
        fuller = by_first.get(r.name_key, set()) if " " not in r.name_key else set()
        out.append(replace(r, name_key=next(iter(fuller))) if len(fuller) == 1 else r)
    return out
