"""Published figures of the bilan page, as a table of patterns (docs/CHECKS.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from wikibilan.document import Block, Document
from wikibilan.extract.french import APPROX_WORDS, find_months, slug
from wikibilan.extract.rows import ClaimRow, Provenance, WarningRow

_NUM = r"(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
_APOS = "['\u2019]"
_PARTICIPANTS = r"particip\w*(?:[\u22c5.\-·]\w+)*"

# Wording before a number -> qualifier (DESIGN.md).
QUALIFIER_WORDS: tuple[tuple[str, str], ...] = (
    (r"(?:environ|env\.?|~|près de|presque)\s*$", "approx"),
    (r"(?:plus de|au moins|au minimum)\s*$", "at_least"),
)


@dataclass(frozen=True, slots=True)
class ClaimPattern:
    """One published figure: how to find it and what it measures."""

    claim_id: str
    pattern: str
    unit: str
    qualifier: str | None = None  # None: read from the wording before the number


CLAIM_PATTERNS: tuple[ClaimPattern, ...] = (
    ClaimPattern("founding_meetings", rf"{_NUM}\s+réunions\b", "events"),
    # "participé à 2 Assemblées des Communs" is the membership rule, not a count.
    ClaimPattern("assemblies", rf"{_NUM}\s+assemblées\b(?!\s+des\s+communs)", "events"),
    ClaimPattern("coworking_days", rf"{_NUM}\s+journées\s+de\s+coworking", "events"),
    ClaimPattern("temps_forts", rf"{_NUM}\s+temps\s+forts", "events"),
    ClaimPattern("period_months", rf"temps\s+forts\s+sur\s+{_NUM}\s+mois", "months"),
    ClaimPattern(
        "mean_participants",
        rf"moyenne\s+de\s+{_NUM}\s+{_PARTICIPANTS}\s+par\s+réunion",
        "people",
        "mean",
    ),
    ClaimPattern("initiation_workshops", rf"{_NUM}\s+ateliers\s+d{_APOS}initiation", "workshops"),
    ClaimPattern(
        "initiation_mean_participants",
        rf"ateliers\s+d{_APOS}initiation\s+avec\s+une\s+moyenne\s+de\s+{_NUM}\s+{_PARTICIPANTS}",
        "people",
        "mean",
    ),
    ClaimPattern("people_initiated", rf"{_NUM}\s+personnes\s+initiées", "people"),
    ClaimPattern("wiki_pages", rf"{_NUM}\s+pages\s+créées", "pages"),
    ClaimPattern("members", rf"compte\s+aujourd{_APOS}hui\s+{_NUM}\s+membres", "members"),
    ClaimPattern("people_total", rf"{_NUM}\s+personnes\s+ont\s+participé", "people"),
    ClaimPattern("workshop_themes", rf"{_NUM}\s+thèmes\s+d{_APOS}ateliers", "themes"),
    ClaimPattern("loomio_decisions", rf"{_NUM}\s+décisions\b", "decisions"),
    ClaimPattern("events_contributed", rf"{_NUM}\s+événements\s+en\b", "events"),
    ClaimPattern("allocation", rf"alloué\s+{_NUM}\s*€", "eur"),
    ClaimPattern("expenses_total", rf"TOTAL\s*=\s*{_NUM}\s*€", "eur"),
    ClaimPattern("balance", rf"Solde\s*:\s*{_NUM}\s*€", "eur"),
    ClaimPattern(
        "balance_estimate", rf"Solde\s*:[^()]*\(\s*(?:env\.?|environ)\s*{_NUM}\s*€", "eur"
    ),
)

_COMPILED = tuple((p, re.compile(p.pattern, re.IGNORECASE)) for p in CLAIM_PATTERNS)
_RANGE = re.compile(rf"\(\s*de\s+{_NUM}\b[^()]*?\bà\s+{_NUM}\b[^()]*\)", re.IGNORECASE)
_SHARE = re.compile(r"(environ\s+)?(\d+)\s*/\s*(\d+)\s+(?:est|sont)\s+impliqu", re.IGNORECASE)
_APPROX_WORD = re.compile(
    r"une\s+(" + "|".join(APPROX_WORDS) + rf")\s+d{_APOS}acteurs", re.IGNORECASE
)
_ONLINE_TOTAL = re.compile(rf"Total\s*:\s*{_NUM}(?:\s*\(\s*{_NUM}\s+sur\s+([^)]+)\))?", re.I)


def french_decimal(text: str) -> Decimal | None:
    """Read a French number ("1 022,66", "13,5") as a Decimal."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _slug_id(text: str) -> str:
    """A claim-id suffix: "Liste mail « échanges »" -> "liste_mail_echanges"."""
    return slug(text).replace("-", "_")


def _qualifier(before: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    tail = before[-20:].lower()
    for pattern, qualifier in QUALIFIER_WORDS:
        if re.search(pattern, tail):
            return qualifier
    return "exact"


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """Who wrote a bilan revision and when."""

    revid: int
    timestamp: datetime
    user: str


def extract_claims(doc: Document, info: RevisionInfo) -> tuple[list[ClaimRow], list[WarningRow]]:
    """Return every published figure of one bilan revision, and what could not be read."""
    rows: list[ClaimRow] = []
    warnings: list[WarningRow] = []
    seen: set[str] = set()

    def add(
        cid: str,
        block: Block,
        text: str,
        value: Decimal | None,
        unit: str,
        qual: str,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> None:
        if cid in seen:
            warnings.append(
                WarningRow(
                    doc.title,
                    info.revid,
                    block.line,
                    f"claim {cid} stated twice; first kept",
                    block.text,
                )
            )
            return
        seen.add(cid)
        where = Provenance(doc.title, info.revid, " > ".join(block.section), block.line)
        rows.append(
            ClaimRow(
                cid,
                info.revid,
                info.timestamp,
                info.user,
                text,
                value,
                unit,
                qual,
                low,
                high,
                where,
            )
        )

    for block in doc.blocks:
        if block.kind == "row":
            _online_claims(block, add)
            continue
        text = block.text
        for pattern, rx in _COMPILED:
            m = rx.search(text)
            if m is None:
                continue
            value = french_decimal(m.group(1))
            if value is None:
                continue
            num_start = m.start(1)
            qual = _qualifier(text[:num_start], pattern.qualifier)
            if pattern.claim_id == "balance_estimate":
                qual = "approx"
            add(pattern.claim_id, block, text, value, pattern.unit, qual)
        m_range = _RANGE.search(text)
        if m_range and "particip" in text.lower():
            low, high = french_decimal(m_range.group(1)), french_decimal(m_range.group(2))
            if low is not None and high is not None:
                add("participants_range", block, text, None, "people", "range", low, high)
        m_share = _SHARE.search(text)
        if m_share:
            value = (Decimal(m_share.group(2)) / Decimal(m_share.group(3))).quantize(
                Decimal("0.0001")
            )
            add(
                "share_in_commons",
                block,
                text,
                value,
                "share",
                "approx" if m_share.group(1) else "exact",
            )
        m_word = _APPROX_WORD.search(text)
        if m_word:
            add(
                "local_partners",
                block,
                text,
                Decimal(APPROX_WORDS[m_word.group(1).lower()]),
                "partners",
                "approx",
            )
    return rows, warnings


def _online_claims(block: Block, add: Callable[..., None]) -> None:
    """Rows of the "Présence en ligne" table: network | number of entries."""
    if not any("présence en ligne" in s.lower() for s in block.section):
        return
    if len(block.cells) < 2:
        return
    network, figure = block.cells[0], block.cells[1]
    m_total = _ONLINE_TOTAL.search(figure)
    if m_total:
        total = french_decimal(m_total.group(1))
        if total is not None:
            add(f"online:{_slug_id(network)}", block, block.text, total, "entries", "exact")
        if m_total.group(2) and m_total.group(3):
            part = french_decimal(m_total.group(2))
            if part is not None:
                add(
                    f"online:{_slug_id(m_total.group(3))}",
                    block,
                    block.text,
                    part,
                    "entries",
                    "exact",
                )
        return
    value = french_decimal(figure)
    if value is not None:
        add(f"online:{_slug_id(network)}", block, block.text, value, "entries", "exact")


@dataclass(frozen=True, slots=True)
class BilanFacts:
    """What the bilan page lists next to its figures, for internal checks."""

    revid: int
    listed: dict[str, int]
    period_start: tuple[int, int] | None  # (year, month) of the first dated bullet
    period_end: tuple[int, int] | None  # (year, month) of the last dated bullet
    parts: tuple[tuple[str, int], ...] = ()  # the temps forts the Réunions list adds up


def bilan_facts(doc: Document) -> BilanFacts:
    """Count the items listed after counted claims; find the period of the Réunions list."""
    listed: dict[str, int] = {}
    blocks = list(doc.blocks)
    for i, block in enumerate(blocks):
        if block.kind != "heading" and re.search(r"\d+\s+décisions\b", block.text):
            n = 0
            for nxt in blocks[i + 1 :]:
                if nxt.kind == "heading" or not (nxt.text.startswith(">") or nxt.kind == "item"):
                    break
                n += 1
            listed["loomio_decisions"] = n
    contributions = [
        b
        for b in blocks
        if b.kind == "item" and any("contributions" in s.lower() for s in b.section)
    ]
    if contributions:
        listed["events_contributed"] = len(contributions)
    months: list[tuple[int, int]] = []
    parts: list[tuple[str, int]] = []
    for block in blocks:
        if block.kind == "item" and any("réunions" in s.lower() for s in block.section):
            months += find_months(block.text)
            parts += _parts(block.text)
    return BilanFacts(
        doc.revid,
        listed,
        min(months) if months else None,
        max(months) if months else None,
        tuple(parts),
    )


_COUNTED_PART = re.compile(r"(\d+)\s+(réunions|assemblées|journées)", re.IGNORECASE)
_SINGLE_PART = re.compile(r"48\s?h|tournai|roumics", re.IGNORECASE)


def _parts(text: str) -> list[tuple[str, int]]:
    """The parts a Réunions bullet adds to the total ("5 assemblées + … Tournai + …")."""
    body = text.split(":", 1)[1] if ":" in text else text
    found: list[tuple[str, int]] = []
    for piece in body.split("+"):
        m = _COUNTED_PART.search(piece)
        if m:
            found.append((m.group(0), int(m.group(1))))
        elif _SINGLE_PART.search(piece):
            # "“48h de la contribution” : le collectif décide …" -> the event's name
            found.append((piece.split(":")[0].strip(' “”"«»'), 1))
    return found
