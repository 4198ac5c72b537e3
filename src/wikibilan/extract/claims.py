"""Published figures of the report page, found as its profile says (docs/CHECKS.md).

Each claim spec of the profile holds a pattern and a form: a plain number, a
range ("de 3 … à 21"), a fraction ("1/3 est impliqué"), an approximate word
("une quinzaine d'acteurs") or a table of figures (label | number). The
qualifier comes from the wording before the number unless the spec fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from wikibilan.document import Block, Document
from wikibilan.extract.rows import ClaimRow, Provenance, WarningRow
from wikibilan.french import (
    APPROX_WORDS,
    NUMBER,
    find_months,
    parse_decimal,
    qualifier_before,
    slug,
)
from wikibilan.specs import ClaimSpec, InternalSpec

_NUMBER = rf"({NUMBER})"
# A table cell "Total : 1 250 (800 sur Mastodon)": the total, and a part of it.
_TABLE_TOTAL = re.compile(rf"Total\s*:\s*{_NUMBER}(?:\s*\(\s*{_NUMBER}\s+sur\s+([^)]+)\))?", re.I)


def _slug_id(text: str) -> str:
    """A claim-id suffix: "Liste mail « échanges »" -> "liste_mail_echanges"."""
    return slug(text).replace("-", "_")


def _qualifier(before: str, explicit: str | None) -> str:
    """The spec's qualifier, else the one the words before the number give."""
    return explicit or qualifier_before(before[-40:]) or "exact"


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """Who wrote a report revision and when."""

    revid: int
    timestamp: datetime
    user: str


Add = Callable[..., None]


def extract_claims(
    doc: Document, info: RevisionInfo, specs: Sequence[ClaimSpec]
) -> tuple[list[ClaimRow], list[WarningRow]]:
    """Return every published figure of one report revision, and what could not be read."""
    rows: list[ClaimRow] = []
    warnings: list[WarningRow] = []
    seen: set[str] = set()

    def add(
        spec: ClaimSpec,
        cid: str,
        block: Block,
        text: str,
        value: Decimal | None,
        qual: str,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> None:
        if cid in seen:
            reason = f"claim {cid} stated twice; first kept"
            warnings.append(WarningRow(doc.title, info.revid, block.line, reason, block.text))
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
                spec.unit,
                qual,
                low,
                high,
                where,
                spec.label,
                spec.recompute or "",
            )
        )

    tables = [c for c in specs if c.form == "table"]
    lines = [c for c in specs if c.form != "table" and c.find is not None]
    for block in doc.blocks:
        if block.kind == "row":
            for spec in tables:
                if any(spec.section in s.lower() for s in block.section):
                    _table_claims(spec, block, add)
            continue
        for spec in lines:
            _line_claim(spec, block, add)
    return rows, warnings


def _line_claim(spec: ClaimSpec, block: Block, add: Add) -> None:
    """The figure ``spec`` finds in one line of the report, if any."""
    text = block.text
    if spec.find is None or (spec.line_has and spec.line_has not in text.lower()):
        return
    m = spec.find.search(text)
    if m is None:
        return
    if spec.form == "range":
        low, high = parse_decimal(m.group(1)), parse_decimal(m.group(2))
        if low is not None and high is not None:
            add(spec, spec.claim_id, block, text, None, "range", low, high)
    elif spec.form == "fraction":
        value = (Decimal(m.group("a")) / Decimal(m.group("b"))).quantize(Decimal("0.0001"))
        qual = spec.qualifier or ("approx" if m.group("about") else "exact")
        add(spec, spec.claim_id, block, text, value, qual)
    elif spec.form == "count_word":
        value = Decimal(APPROX_WORDS[m.group("word").lower()])
        add(spec, spec.claim_id, block, text, value, spec.qualifier or "approx")
    else:
        number = parse_decimal(m.group(1))
        if number is not None:
            qual = _qualifier(text[: m.start(1)], spec.qualifier)
            add(spec, spec.claim_id, block, text, number, qual)


def _table_claims(spec: ClaimSpec, block: Block, add: Add) -> None:
    """A row of a table of figures (label | number): one claim ``<id>:<label>`` each.

    A cell "Total : N (M sur X)" gives N under the row's label and M under X.
    """
    if len(block.cells) < 2:
        return
    label, figure = block.cells[0], block.cells[1]
    m_total = _TABLE_TOTAL.search(figure)
    if m_total:
        total = parse_decimal(m_total.group(1))
        if total is not None:
            add(spec, f"{spec.claim_id}:{_slug_id(label)}", block, block.text, total, "exact")
        if m_total.group(2) and m_total.group(3):
            part = parse_decimal(m_total.group(2))
            if part is not None:
                cid = f"{spec.claim_id}:{_slug_id(m_total.group(3))}"
                add(spec, cid, block, block.text, part, "exact")
        return
    value = parse_decimal(figure)
    if value is not None:
        add(spec, f"{spec.claim_id}:{_slug_id(label)}", block, block.text, value, "exact")


@dataclass(frozen=True, slots=True)
class BilanFacts:
    """What the report lists next to its figures, for the checks that count it."""

    revid: int
    listed: dict[str, int]
    period_start: tuple[int, int] | None  # (year, month) of the first dated bullet
    period_end: tuple[int, int] | None  # (year, month) of the last dated bullet
    parts: tuple[tuple[str, int], ...] = ()  # the parts a total adds up


def bilan_facts(
    doc: Document, claims: Sequence[ClaimSpec], internal: Sequence[InternalSpec]
) -> BilanFacts:
    """What the report lists next to its figures.

    - items listed with a figure (its ``listed_items`` recomputation or check): the
      bullets or quotes right after its line, or those of the section it names;
    - the parts a total adds up (a ``parts_sum`` check) and the months the dated
      bullets of a section cover (a ``period`` check).
    """
    listed: dict[str, int] = {}
    blocks = list(doc.blocks)
    by_id = {c.claim_id: c for c in claims}
    wanted = {c.claim_id for c in claims if c.recompute == "listed_items"}
    wanted |= {c.claim for c in internal if c.check == "listed_items"}
    for cid in sorted(wanted):
        spec = by_id[cid]
        section = str(spec.params.get("section", "")).lower()
        if section:
            items = [b for b in blocks if b.kind == "item" and _in(b, section)]
            if items:
                listed[cid] = len(items)
            continue
        for i, block in enumerate(blocks):
            if block.kind != "heading" and spec.find is not None and spec.find.search(block.text):
                listed[cid] = _items_after(blocks, i)
    months: list[tuple[int, int]] = []
    parts: list[tuple[str, int]] = []
    for check in internal:
        section = str(check.params.get("section", "")).lower()
        if check.check not in ("parts_sum", "period") or not section:
            continue
        for block in blocks:
            if block.kind == "item" and _in(block, section):
                if check.check == "period":
                    months += find_months(block.text)
                else:
                    parts += _parts(block.text, check.params)
    return BilanFacts(
        doc.revid,
        listed,
        min(months) if months else None,
        max(months) if months else None,
        tuple(parts),
    )


def _in(block: Block, section: str) -> bool:
    return any(section in s.lower() for s in block.section)


def _items_after(blocks: Sequence[Block], i: int) -> int:
    """The bullets or quoted lines right after block ``i``."""
    n = 0
    for nxt in blocks[i + 1 :]:
        if nxt.kind == "heading" or not (nxt.text.startswith(">") or nxt.kind == "item"):
            break
        n += 1
    return n


def _parts(text: str, params: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The parts a bullet adds to the total ("5 assemblées + … + les 48h")."""
    counted = re.compile(str(params.get("counted", r"(\d+)\s+\w+")), re.IGNORECASE)
    single = str(params.get("single", ""))
    single_rx = re.compile(single, re.IGNORECASE) if single else None
    body = text.split(":", 1)[1] if ":" in text else text
    found: list[tuple[str, int]] = []
    for piece in body.split("+"):
        m = counted.search(piece)
        if m:
            found.append((m.group(0), int(m.group(1))))
        elif single_rx is not None and single_rx.search(piece):
            # "“48h de la contribution” : le collectif décide …" -> the event's name
            found.append((piece.split(":")[0].strip(' “”"«»'), 1))
    return found
