"""One section per checked figure: the sentence, the verdict, what was counted, the evidence.

A reader who wonders why a count is contradicted finds here what the wiki
recorded when the report was written, each item dated and linked to the
revision it was read from, and what was recorded later.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .blocks import (
    Block,
    Cell,
    Fields,
    Heading,
    Inline,
    Items,
    Link,
    Paragraph,
    Quote,
    Rich,
    Table,
    slug,
    text_of,
)
from .links import parse_evidence
from .view import Row, View, get, records

EVIDENCE_LIMIT = 25
COUNTED_LIMIT = 80
NOT_CHECKABLE = "not checkable: "


def verdict_word(v: View, verdict: str) -> str:
    return v.t(f"v.{verdict}") if f"v.{verdict}" in v.t.words else verdict or "?"


def published_text(v: View, row: Mapping[str, object]) -> str:
    """The figure as published, with the word that qualifies it (``environ 15``)."""
    claim_id, qualifier = get(row, "claim_id"), get(row, "qualifier")
    text = get(row, "published_text") or get(row, "published")
    if qualifier == "range" and "-" in text.lstrip("-"):
        low, _, high = text.partition("-")
        return v.t("range.fmt", low=v.figure(low, claim_id), high=v.figure(high, claim_id))
    figure = v.figure(text, claim_id, published=True)
    word = v.t(f"q.{qualifier}") if qualifier in ("approx", "at_least", "mean") else ""
    if get(row, "tolerance").startswith("≥"):
        word = v.t("q.at_least_eq")
    return f"{word} {figure}".strip()


def recomputed_text(v: View, row: Mapping[str, object]) -> str:
    claim_id = get(row, "claim_id")
    low, high = get(row, "recomputed_low"), get(row, "recomputed_high")
    if value := get(row, "recomputed"):
        return v.figure(value, claim_id)
    if low and high:
        return v.t("range.fmt", low=v.figure(low, claim_id), high=v.figure(high, claim_id))
    return ""


def bounds_text(v: View, row: Mapping[str, object]) -> str:
    claim_id = get(row, "claim_id")
    low, high, tolerance = get(row, "low"), get(row, "high"), get(row, "tolerance")
    if low and not high and tolerance.startswith((">", "≥")):
        return v.tolerance(tolerance)  # "> 30" for "plus de 30"
    if low and low == high:
        return ""  # an exact figure: the bounds would only repeat it
    if low and high:
        return f"{v.figure(low, claim_id)} … {v.figure(high, claim_id)}"
    return (
        f"≥ {v.figure(low, claim_id)}" if low else (f"≤ {v.figure(high, claim_id)}" if high else "")
    )


def reason(row: Mapping[str, object]) -> str:
    """Why a figure cannot be checked, as the checks frame says it."""
    method = get(row, "method")
    return method[len(NOT_CHECKABLE) :] if method.startswith(NOT_CHECKABLE) else method


def note_text(v: View, row: Mapping[str, object]) -> str:
    """What the verdict table says beside a verdict."""
    verdict, holds_by, bounds = get(row, "verdict"), get(row, "holds_by"), bounds_text(v, row)
    within = v.t("note.bounds", bounds=bounds) if bounds else ""
    if holds_by == "qualifier":
        return v.t("note.qualifier") + within
    if holds_by == "rounding":
        return v.t("note.rounding") + within
    if verdict == "contradicted":
        gap = get(row, "gap")  # a range has none: its recomputed min and max say it
        said = (
            v.t("note.gap", gap=v.signed(gap, get(row, "claim_id")))
            if gap
            else v.t("note.recomputed", value=recomputed_text(v, row))
        )
        return said + within
    if verdict in ("not_checkable", "incomplete"):
        return reason(row)
    return ""


def removal(v: View, claim_id: str) -> Row | None:
    """The claim_history row of the revision that removed a figure (None if none did)."""
    subject = v.subject(claim_id)
    found = [
        r for r in v.rows("claim_history")
        if get(r, "claim_id") == subject and get(r, "status") == "removed"
    ]  # fmt: skip
    return found[-1] if found else None


def removed_phrase(v: View, claim_id: str) -> Rich:
    row = removal(v, claim_id)
    if row is None:
        return ""
    bilan = v.ctx.bilan_title
    revid = get(row, "revid")
    link = v.revision(bilan, revid, revid) if bilan else revid
    return (link, f" ({v.when(row.get('timestamp'))}, {get(row, 'user')})")


def _bilan_revision(v: View, revid: str) -> Rich:
    when = _revision_time(v, revid)
    link = v.revision(v.ctx.bilan_title, revid, revid) if v.ctx.bilan_title else revid
    return (link, f" ({when})") if when else (link,)


def _revision_time(v: View, revid: str) -> str:
    for r in v.rows("claim_history"):
        if get(r, "revid") == revid:
            return v.when(r.get("timestamp"))
    return ""


def claim_sections(v: View) -> list[Block]:
    """One section per check: current figures first, then those the latest revision removed."""
    blocks: list[Block] = []
    for row in v.current:
        blocks += _section(v, row)
    if v.removed:
        blocks.append(Heading(3, v.t("sec.removed"), anchor="removed-figures"))
        for row in v.removed:
            blocks += _section(v, row, level=4)
    return blocks


def _section(v: View, row: Row, level: int = 3) -> list[Block]:
    claim_id, verdict = get(row, "claim_id"), get(row, "verdict")
    word, removed = verdict_word(v, verdict), v.is_removed(row)
    heading = f"{v.label(claim_id)} — {word}"
    blocks: list[Block] = [
        Heading(level, heading, anchor=f"claim-{slug(claim_id)}", css=f"v-{slug(verdict)}")
    ]
    if text := get(row, "text"):
        blocks.append(Quote(text, v.ctx.wiki_lang))
    internal = get(row, "check") == "internal"
    note = note_text(v, row)
    fields: list[tuple[str, Rich]] = [
        (v.t("f.published"), published_text(v, row)),
        (v.t("f.recomputed"), recomputed_text(v, row) or v.t("none_recomputed")),
        (v.t("f.verdict"), ", ".join(x for x in (word, note) if x and x != reason(row))),
        (v.t("f.tolerance"), v.tolerance(get(row, "tolerance"))),
        (v.t("f.bounds"), "" if bounds_text(v, row) == v.tolerance(get(row, "tolerance"))
         else bounds_text(v, row)),
        (v.t("f.gap"), v.signed(get(row, "gap"), claim_id) if get(row, "gap") else ""),
    ]  # fmt: skip
    if verdict in ("not_checkable", "incomplete"):
        fields.append((v.t("f.reason"), reason(row)))
    else:
        fields.append((v.t("f.method"), get(row, "method")))
    fields.append((v.t("f.check"), v.t("check.internal" if internal else "check.data")))
    revid = get(row, "revid")
    if removed:
        fields.append((v.t("f.last_stated"), _bilan_revision(v, revid)))
        fields.append((v.t("f.removed"), removed_phrase(v, claim_id)))
    else:
        fields.append((v.t("f.bilan_revision"), _bilan_revision(v, revid)))
        if not internal:
            fields.append((v.t("f.as_of"), v.when(row.get("as_of"))))
    fields.append((v.t("f.claim_id"), claim_id))
    blocks.append(Fields(tuple((k, x) for k, x in fields if x)))
    blocks += counted_blocks(v, claim_id)
    blocks += evidence_blocks(v, row)
    return blocks


def _counted(v: View, claim_id: str) -> pd.DataFrame | None:
    counted = v.ctx.counted
    if counted is None or "claim_id" not in counted.columns:
        return None
    rows = counted[counted["claim_id"] == claim_id]
    return rows if len(rows) else None


def counted_blocks(v: View, claim_id: str) -> list[Block]:
    """The items a data check counted, and those the wiki records now but did not then."""
    rows = _counted(v, claim_id)
    if rows is None:
        return []
    flags = rows["counted"].astype(bool)
    shown, later = rows[flags], rows[~flags]
    blocks: list[Block] = [
        _coverage(v, shown),
        Paragraph(v.t("counted", n=len(shown)), css="label"),
    ]
    if len(shown):
        blocks.append(_items_table(v, f"counted-{claim_id}", shown, later=False))
    else:
        blocks.append(Paragraph(v.t("counted.none")))
    if len(later):
        blocks.append(Paragraph(v.t("later", n=len(later)), css="label later"))
        blocks.append(_items_table(v, f"later-{claim_id}", later, later=True))
    return blocks


def _coverage(v: View, shown: pd.DataFrame) -> Paragraph:
    """The pages a check read, against those its items link to that the store lacks."""
    present = {p for p in shown["page"].dropna().astype(str) if p}
    missing: set[str] = set()
    events = v.frames.get("events")
    if events is not None and "missing_pages" in events.columns and "key" in shown.columns:
        read = events[events["event_id"].isin(shown["key"].dropna().astype(str))]
        for value in read["missing_pages"].dropna().astype(str):
            missing |= {t.strip() for t in value.split(";") if t.strip()}
    linked = len(present) + len(missing)
    if missing:
        said = v.t("coverage.missing", present=len(present), linked=linked,
                   missing=", ".join(sorted(missing)))  # fmt: skip
    else:
        said = v.t("coverage", present=len(present), linked=linked)
    return Paragraph(said, css="coverage")


def _items_table(v: View, name: str, rows: pd.DataFrame, *, later: bool) -> Table:
    header = [v.t("col.date"), v.t("col.item"), v.t("col.count"), v.t("col.source")]
    if later:
        header.append(v.t("col.why"))
    out: list[tuple[Cell, ...]] = []
    for item in records(_sorted(rows).head(COUNTED_LIMIT)):
        cells = [Cell(_item_date(v, item), css="date"), Cell(text_of(item.get("title"))),
                 Cell(_item_count(v, item), css="num"), _source_cell(v, item)]  # fmt: skip
        if later:
            cells.append(Cell(_why_later(v, item)))
        out.append(tuple(cells))
    if len(rows) > COUNTED_LIMIT:
        more = v.t("more", n=len(rows) - COUNTED_LIMIT, where="checks.csv")
        out.append((Cell(""), Cell(more), *(Cell("") for _ in header[2:])))
    return Table(name, tuple(header), tuple(out), tuple("later" if later else "" for _ in out))


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    dates = pd.to_datetime(rows["date"].astype(str), errors="coerce", utc=True, format="mixed")
    return rows.assign(_d=dates).sort_values(["_d", "title"], kind="stable", na_position="last")


def _item_date(v: View, item: Mapping[str, object]) -> str:
    value = item.get("date")
    if text_of(value) == "":
        return ""
    if item.get("item") == "line":
        return v.t.month(value)  # an expense line is dated by its month
    return v.day(value) if item.get("item") != "page" else v.when(value)


def _item_count(v: View, item: Mapping[str, object]) -> str:
    n, kind = text_of(item.get("n")), item.get("item")
    if not n:
        return ""
    if kind == "line":
        return v.t.money(n)
    if kind == "person":
        return v.t("count.events", n=v.t.number(n))
    if kind == "theme":
        return v.t("count.workshops", n=v.t.number(n))
    if kind == "page":
        return v.t.number(n)
    basis = text_of(item.get("basis"))
    said = v.t("count.participants", n=v.t.number(n))
    return f"{said} ({v.t(f'basis.{basis}')})" if f"basis.{basis}" in v.t.words else said


def _source_cell(v: View, item: Mapping[str, object]) -> Cell:
    page, revid, line = (text_of(item.get(k)) for k in ("page", "revid", "line"))
    if item.get("item") == "page":
        return Cell(page, url=v.page_url(page))
    if not page:
        return Cell("")
    key = "source.line" if line and line != "1" and page != text_of(item.get("title")) else "source"
    text = v.t(key, title=page, revid=revid, line=line)
    return Cell(text, url=v.revision_url(page, revid))


def _why_later(v: View, item: Mapping[str, object]) -> str:
    """Recorded after the bilan; "page created on …" when the page itself is younger."""
    why = v.t("later.note")
    page, checked = text_of(item.get("page")), _utc(v.ctx.as_of) or v.check_date
    created = v.page_created.get(page)
    if created is not None and checked is not None and created > checked:
        return f"{why} ({v.t('later.created', when=v.day(created))})"
    return why


def _utc(value: object) -> pd.Timestamp | None:
    if not text_of(value):
        return None
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def evidence_blocks(v: View, row: Mapping[str, object]) -> list[Block]:
    items = parse_evidence(get(row, "evidence"))
    if not items:
        return []
    links: list[Rich] = []
    for title, revid in items[:EVIDENCE_LIMIT]:
        part: Inline = v.revision(title, revid) if revid is not None else title
        links.append((part,) if isinstance(part, Link) else part)
    more = ""
    if len(items) > EVIDENCE_LIMIT:
        more = v.t("more", n=len(items) - EVIDENCE_LIMIT, where=v.t("more.checks"))
    return [Paragraph(v.t("evidence", n=len(items)), css="label"), Items(tuple(links), more)]
