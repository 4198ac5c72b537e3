"""Expense lines of the bilan's finance section: ``* label (month year) : amount€``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from wikibilan.document import Document
from wikibilan.extract.rows import ExpenseRow, Provenance, WarningRow
from wikibilan.french import AMOUNT, parse_decimal, parse_month

_LINE = re.compile(
    r"^(?P<label>.+?)\s*\((?P<month>[a-zéûè]+)\s+(?P<year>\d{4})\)\s*:\s*"
    rf"(?P<amount>{AMOUNT})\s*€",
    re.IGNORECASE,
)


def extract_expenses(
    doc: Document, sections: Sequence[str]
) -> tuple[list[ExpenseRow], list[WarningRow]]:
    """Return the expense lines of a report revision (the TOTAL line is a claim).

    ``sections``: the headings (lower case) whose bullets are expense lines.
    """
    rows: list[ExpenseRow] = []
    warnings: list[WarningRow] = []
    for block in doc.blocks:
        if block.kind != "item":
            continue
        if not any(s.lower() in sections for s in block.section):
            continue
        text = block.text.strip()
        if re.match(r"total\b", text, re.IGNORECASE):
            continue
        m = _LINE.match(text)
        month = parse_month(f"{m.group('month')} {m.group('year')}") if m else None
        amount = parse_decimal(m.group("amount")) if m else None
        if m is None or month is None or amount is None:
            if "€" in text:
                warnings.append(
                    WarningRow(
                        doc.title, doc.revid, block.line, "expense line not understood", text
                    )
                )
            continue
        rows.append(
            ExpenseRow(
                label=m.group("label").strip(),
                month=f"{month[0]:04d}-{month[1]:02d}",
                amount_eur=amount.quantize(Decimal("0.01")),
                where=Provenance(doc.title, doc.revid, " > ".join(block.section), block.line),
            )
        )
    return rows, warnings
