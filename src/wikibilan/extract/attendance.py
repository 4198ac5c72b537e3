"""People listed on a page, in every form of ARCHIVE.md (docs/FRAMES.md).

A first-level bullet under a presence-like heading (the vocabulary's) is a
person when its head — the text before " : ", " / " or " - " — reads like a
name: one to five words, each capitalised, an initial or a particle, no digit,
not opening like a sentence. A couple ("A & B Surname", "A et B") is two people.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from wikibilan.document import Block, Document
from wikibilan.extract.rows import AttendanceRow, Provenance, WarningRow
from wikibilan.extract.vocabulary import Vocabulary
from wikibilan.french import name_key

_NAME_SEP = re.compile(r"\s+:\s*|\s*:\s+|\s+/\s+|\s+[-–—]\s+|\s*:$|\s*,\s+(?=[a-zà-ÿ])")
_NOTE = re.compile(r"\(([^()]*)\)")
_COUPLE = re.compile(r"^(?P<a>.+?)\s+(?:&|et)\s+(?P<b>.+)$", re.IGNORECASE)
_UNCERTAIN = re.compile(
    r"à confirmer|a confirmer|peut[- ][êe]tre|sous r[ée]serve|\?", re.IGNORECASE
)
_MAX_NAME_WORDS = 5
_LIST_SEP = re.compile(r",|;|\s\bet\b\s|\.{3}|…")
_HEADER = re.compile(
    r"^\s*(?:noms?|pr[ée]noms?|nom et pr[ée]nom|qui|participant\w*|personnes?)\s*$", re.I
)
# Another label on the same line ("… Gaétan Excusés : C, D"): lines joined by a <br>.
NEXT_LABEL = re.compile(r"\s(?=[A-ZÉÈÀÇ][\w'’-]+(?:\s[a-zà-ÿ][\w'’-]*){0,2}\s?:\s)")
_PARA_LEVEL = 99  # a role given by a "Présents :" line lasts until the next line of prose
_TABLE_LEVEL = 98  # a role given by a table's "Nom" header lasts for its rows
_MAX_NOTE_WORDS = 6
_PARTICLES = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "di",
        "da",
        "del",
        "dos",
        "ben",
        "el",
        "al",
        "d'",
        "d’",
        "l'",
        "l’",
    ]
)
# Words a sentence, a piece of news or a project opens with; a name does not.
_NOT_FIRST = frozenset(
    [
        "le",
        "la",
        "les",
        "l'",
        "l’",
        "un",
        "une",
        "des",
        "du",
        "de",
        "au",
        "aux",
        "ce",
        "cet",
        "cette",
        "ces",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "nous",
        "vous",
        "je",
        "j'",
        "j’",
        "mon",
        "ma",
        "mes",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "notre",
        "nos",
        "votre",
        "vos",
        "nouveau",
        "nouvelle",
        "nouvelles",
        "nouveaux",
        "projet",
        "projets",
        "point",
        "points",
        "retour",
        "retours",
        "info",
        "infos",
        "information",
        "informations",
        "annonce",
        "annonces",
        "présentation",
        "lancement",
        "rencontre",
        "réunion",
        "atelier",
        "ateliers",
        "prochaine",
        "prochain",
        "prochaines",
        "suite",
        "bilan",
        "actualité",
        "actualités",
        "news",
        "demande",
        "proposition",
        "question",
        "questions",
        "idée",
        "idées",
        "travail",
        "travaux",
        "création",
        "recherche",
        "appel",
        "début",
        "fin",
        "pas",
        "plus",
        "très",
        "association",
        "collectif",
    ]
)
_WORD = re.compile(r"^[\w'’.-]+$")


@dataclass(frozen=True, slots=True)
class Person:
    """One person a line names: the name as written, a note about them, doubt."""

    name: str
    note: str
    uncertain: bool


def looks_like_name(text: str) -> bool:
    """True when ``text`` reads like a person's name rather than a phrase."""
    words = text.split()
    if not 1 <= len(words) <= _MAX_NAME_WORDS or any(c.isdigit() for c in text):
        return False
    if words[0].lower() in _NOT_FIRST:
        return False
    capitalised = 0
    for word in words:
        core = word.strip(".,'’()\"«»")
        if not core or not _WORD.match(word.strip('()"«»')):
            return False
        if core.lower() in _PARTICLES:
            continue
        if core[0].isupper():
            capitalised += 1
            continue
        # a lower-case word is a name alone (a first name, a pseudonym) or as the first
        # of two followed by an initial ("odile T.")
        if len(words) == 1 and core.isalpha():
            return True
        if word is words[0] and len(words) == 2 and re.fullmatch(r"[A-ZÉÈ]\.?", words[1]):
            continue
        return False
    return capitalised > 0


def split_people(text: str) -> list[Person]:
    """Split one bullet's text into the people it names (couples give two).

    Only a bracketed phrase inside the name part, and short, is a note about the
    person; a description after the separator is not kept.
    """
    raw = text.strip()
    head = _NAME_SEP.split(raw, maxsplit=1)[0]
    notes = [n.strip() for n in _NOTE.findall(head) if n.strip()]
    notes = [n for n in notes if len(n.split()) <= _MAX_NOTE_WORDS]
    body = re.sub(r"\s+", " ", _NOTE.sub(" ", head)).strip(" ?,;*")
    note = "; ".join(notes)
    uncertain = head.rstrip().endswith("?") or bool(_UNCERTAIN.search(note))
    if not body:
        return []
    m = _COUPLE.match(body)
    if m:
        a, b = m.group("a").strip(), m.group("b").strip()
        if len(a.split()) == 1 and len(b.split()) >= 2:
            a = f"{a} {b.split()[-1]}"
        return [Person(a, note, uncertain), Person(b, note, uncertain)]
    return [Person(body, note, uncertain)]


def _is_pointer(block: Block) -> bool:
    """A line pointing to a gallery of portraits (a trombinoscope) is not a person."""
    low = block.text.lower()
    return "trombinoscope" in low or any("trombinoscope" in t.lower() for t in block.links)


@dataclass(frozen=True, slots=True)
class Listed:
    """A person listed on a page, before the page is tied to an event."""

    person: Person
    role: str
    where: Provenance


def _inline_names(vocab: Vocabulary, text: str) -> str | None:
    for rx in vocab.inline_present:
        m = rx.search(text)
        if m:  # up to the next label of a joined line ("… Excusés : C, D")
            return NEXT_LABEL.split(text[m.end() :], maxsplit=1)[0]
    return None


def list_people(doc: Document, vocab: Vocabulary) -> tuple[list[Listed], list[WarningRow]]:
    """Every person the page lists, with the role its heading gives."""
    found: list[Listed] = []
    # Lines that do not read like names, by section: a section of news alone (a
    # "Tour de table" of news) is no list of people; odd lines among names are.
    odd: dict[str, list[Block]] = defaultdict(list)
    named: set[str] = set()
    role: str | None = None
    role_level = 0
    for block in doc.blocks:
        if block.kind == "heading":
            new_role = vocab.role_of_heading(block.text)
            if new_role is not None:
                role, role_level = new_role, block.level
            elif role is not None and block.level <= role_level:
                role = None
            continue
        where = Provenance(doc.title, doc.revid, " > ".join(block.section), block.line)
        if block.kind == "para" and block.text.rstrip().endswith(":"):
            # "Présents :" alone on its line heads the bullets below it, as a heading would
            para_role = vocab.role_of_heading(block.text.rstrip(" :"))
            if para_role is not None:
                role, role_level = para_role, _PARA_LEVEL
                continue
        if block.kind == "para" and role_level == _PARA_LEVEL:
            role = None
        inline = _inline_names(vocab, block.text) if block.kind in ("para", "item") else None
        if inline is not None and inline.strip():
            names = [n for n in _LIST_SEP.split(inline) if n.strip()]
            for person in (p for n in names for p in split_people(n)):
                if looks_like_name(person.name):
                    found.append(Listed(person, "present", where))
            continue
        if role_level == _TABLE_LEVEL and block.kind != "row":
            role = None  # the table of names has ended
        if block.kind == "row" and role is None and block.cells and _HEADER.match(block.cells[0]):
            role, role_level = "present", _TABLE_LEVEL  # a table whose first column is "Nom"
            continue
        if role is None or role == "excused" or _is_pointer(block):
            continue
        if block.kind == "para":  # "Odile, Baptiste, Nour et Irène" under the heading
            parts = [p for n in _LIST_SEP.split(block.text) for p in split_people(n)]
            if len(parts) >= 2 and all(looks_like_name(p.name) for p in parts):
                found += [Listed(p, role, where) for p in parts]
                named.add(where.section)
            continue
        if block.kind == "row":  # a sign-in table: the first cell holds the name
            cell = block.cells[0] if block.cells else ""
            people = split_people(cell)
            if people and not _HEADER.match(cell) and all(looks_like_name(p.name) for p in people):
                found += [Listed(p, role, where) for p in people]
                named.add(where.section)
            continue
        if block.kind != "item" or block.level != 1:
            continue
        for person in split_people(block.text):
            if role == "excused":
                continue
            if looks_like_name(person.name):
                found.append(Listed(person, role, where))
                named.add(where.section)
            else:
                odd[where.section].append(block)
    reason = "line under a presence heading does not read like a name"
    warnings = [
        WarningRow(doc.title, doc.revid, b.line, reason, b.text)
        for section, blocks in odd.items()
        if section in named
        for b in blocks
    ]
    return found, warnings


def attendance_rows(listed: Iterable[Listed], event_id: str) -> list[AttendanceRow]:
    """Tie listed people to an event (keys not yet resolved across pages)."""
    return [
        AttendanceRow(
            event_id,
            p.person.name,
            name_key(p.person.name),
            p.role,
            p.person.note,
            p.person.uncertain,
            p.where,
        )
        for p in listed
    ]


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
