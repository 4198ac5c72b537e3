"""The figure history: how each published figure changed across the bilan's revisions.

A figure the latest revision removed reads "removed in 22921, on …, by …",
not "written in" the revision that first stated it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .blocks import Block, Cell, Heading, Paragraph, Table, slug, text_of
from .sections import verdict_word
from .view import Row, View, get, records

HISTORY_FULL_ROWS = 12


def _claim_order(v: View, by_claim: dict[str, list[Row]]) -> list[str]:
    order = [v.subject(get(r, "claim_id")) for r in v.checks]
    order += list(by_claim)
    return [c for c in dict.fromkeys(order) if c in by_claim]


def _trail(values: Iterable[str]) -> str:
    trail: list[str] = []
    for value in values:
        if not trail or trail[-1] != value:
            trail.append(value)
    if len(trail) > 6:
        trail = [*trail[:2], "…", *trail[-3:]]
    return " → ".join(trail)


def _value(v: View, row: Row) -> str:
    if value := get(row, "value"):
        return v.figure(value, get(row, "claim_id"), published=True)
    return v.t("h.value_removed" if get(row, "status") == "removed" else "h.value_absent")


def _revision_cell(v: View, rows: list[Row]) -> Cell:
    """Who wrote the figure's latest value, or who removed it: revision, date, user."""
    last = rows[-1]
    found = next((r for r in reversed(rows) if get(r, "first_revid")), None)
    if get(last, "status") == "removed":
        key, revid, when, user = (
            "h.removed",
            get(last, "revid"),
            last.get("timestamp"),
            get(last, "user"),
        )
    elif found is not None:
        key, revid, when, user = (
            "h.written",
            get(found, "first_revid"),
            found.get("first_timestamp"),
            get(found, "first_user"),
        )
    else:
        first = rows[0]
        key, revid, when, user = (
            "h.written",
            get(first, "revid"),
            first.get("timestamp"),
            get(first, "user"),
        )
    text = v.t(key, revid=revid, when=v.when(when), user=user)
    return Cell(text, url=v.revision_url(v.ctx.bilan_title, revid))


def history_blocks(v: View) -> list[Block]:
    """A summary row per figure, then the revisions of each figure that changed."""
    history = v.frames.get("claim_history")
    if history is None or len(history) == 0 or "claim_id" not in history.columns:
        return [Paragraph(v.t("no_history"))]
    sort_by = [c for c in ("timestamp", "revid") if c in history.columns]
    history = history.sort_values(sort_by, kind="stable") if sort_by else history
    by_claim: dict[str, list[Row]] = {}
    for record in records(history):
        by_claim.setdefault(text_of(record["claim_id"]), []).append(record)
    checked = {v.subject(get(r, "claim_id")): get(r, "claim_id") for r in v.checks}
    summary: list[tuple[Cell, ...]] = []
    details: list[Block] = []
    for claim_id in _claim_order(v, by_claim):
        rows = by_claim[claim_id]
        trail = _trail(_value(v, r) for r in rows)
        label = v.label(claim_id)
        anchor = f"claim-{slug(checked[claim_id])}" if claim_id in checked else ""
        summary.append((
            Cell(label, href=anchor),
            Cell(_value(v, rows[-1]), css="num"),
            _revision_cell(v, rows),
            Cell(str(len(rows)), css="num"),
            Cell(trail),
        ))  # fmt: skip
        if "→" in trail:
            details += [Heading(3, v.t("h.heading", label=label, trail=trail)),
                        _history_table(v, claim_id, rows)]  # fmt: skip
    header = (v.t("col.claim"), v.t("col.latest"), v.t("col.written"), v.t("col.revisions"),
              v.t("col.values"))  # fmt: skip
    return [Paragraph(v.t("history.intro")), Table("history", header, tuple(summary)), *details]


def _history_table(v: View, claim_id: str, rows: list[Row]) -> Table:
    """Every revision of a figure; long runs of unchanged revisions fold into one row."""
    changed = [str(r.get("changed")).lower() in ("true", "1") for r in rows]
    with_check = any(get(r, "check_verdict") for r in rows)
    header: tuple[str, ...] = (
        v.t("col.revision"),
        v.t("col.date"),
        v.t("col.user"),
        v.t("col.value"),
    )
    header += (v.t("col.internal"),) if with_check else ()
    keep = [
        len(rows) <= HISTORY_FULL_ROWS or changed[i] or i in (0, len(rows) - 1)
        for i in range(len(rows))
    ]
    out: list[tuple[Cell, ...]] = []
    css: list[str] = []
    skipped = 0
    for i, row in enumerate(rows):
        if not keep[i]:
            skipped += 1
            continue
        if skipped:
            out.append((Cell(v.t("h.folded", n=skipped)), *(Cell("") for _ in header[1:])))
            css.append("folded")
            skipped = 0
        revid = get(row, "revid")
        cells = [
            Cell(revid, url=v.revision_url(v.ctx.bilan_title, revid)),
            Cell(v.when(row.get("timestamp"))),
            Cell(get(row, "user")),
            Cell(_value(v, row), css="num"),
        ]
        if with_check:
            verdict = get(row, "check_verdict")
            cells.append(
                Cell(verdict_word(v, verdict), css=f"verdict v-{slug(verdict)}")
                if verdict else Cell("")
            )  # fmt: skip
        out.append(tuple(cells))
        css.append("changed" if changed[i] else "")
    return Table(f"history-{slug(claim_id)}", header, tuple(out), tuple(css))
