"""What the report says, in order, as blocks (``blocks.py``) that markdown and HTML render.

Pure: frames and a context in, blocks out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from .blocks import (
    Block,
    Cell,
    Fields,
    Figure,
    Heading,
    Items,
    Paragraph,
    Quote,
    ReportContext,
    Table,
    slug,
    text_of,
)
from .plots import PLOT_CAPTIONS, PLOT_NOTES

Frames = Mapping[str, pd.DataFrame]

VERDICT_WORDS = {
    "reproduced": "reproduced",
    "approximately": "approximately",
    "contradicted": "contradicted",
    "not_checkable": "not checkable",
}
QUALIFIER_WORDS = {"approx": "about", "at_least": "more than", "mean": "mean", "range": "range"}
DATA_FRAMES = (
    "pages", "revisions", "events", "attendance", "workshops", "expenses", "claims", "warnings",
)  # fmt: skip
EVIDENCE_LIMIT = 25
WARNING_LIMIT = 20
HISTORY_FULL_ROWS = 12


def _records(df: pd.DataFrame | None) -> list[dict[str, object]]:
    if df is None:
        return []
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def _rows(frames: Frames, name: str) -> list[dict[str, object]]:
    return _records(frames.get(name))


def _get(row: Mapping[str, object], key: str) -> str:
    return text_of(row.get(key))


def _joined(sep: str, row: Mapping[str, object], *keys: str) -> str:
    return sep.join(x for x in (_get(row, k) for k in keys) if x)


def _bounds(row: Mapping[str, object]) -> str:
    low, high, tolerance = _get(row, "low"), _get(row, "high"), _get(row, "tolerance")
    if low and not high and tolerance.startswith((">", "≥")):
        return tolerance  # "> 30" for "plus de 30", "≥ 30" for "au moins 30"
    if low and low == high:
        return ""  # an exact figure: the bounds would only repeat it
    if low and high:
        return f"{low} … {high}"
    return f"≥ {low}" if low else (f"≤ {high}" if high else "")


def _published(row: Mapping[str, object]) -> str:
    word = QUALIFIER_WORDS.get(_get(row, "qualifier"), "")
    if _get(row, "tolerance").startswith("≥"):
        word = "at least"
    # published_text: the figure as published, also a range's ("3-21"); older frames lack it
    return f"{word} {_get(row, 'published_text') or _get(row, 'published')}".strip()


def _recomputed(row: Mapping[str, object]) -> str:
    low, high = _get(row, "recomputed_low"), _get(row, "recomputed_high")
    return _get(row, "recomputed") or (f"{low}-{high}" if low and high else "")


def _note(row: Mapping[str, object], *, in_table: bool = True) -> str:
    verdict, holds_by, bounds = _get(row, "verdict"), _get(row, "holds_by"), _bounds(row)
    within = f" (bounds {bounds})" if bounds else ""
    if holds_by == "qualifier":
        return f"holds only under its qualifier{within}"
    if holds_by == "rounding":
        return f"holds only by rounding{within}"
    if verdict == "contradicted":
        gap = _get(row, "gap")  # a range has none: its recomputed min and max say it
        return (f"gap {gap}" if gap else f"recomputed {_recomputed(row)}") + within
    if verdict == "not_checkable" and in_table:
        return "no data on the wiki, see the claim's section"
    return ""


def _verdict_cell(verdict: str) -> Cell:
    return Cell(VERDICT_WORDS.get(verdict, verdict or "unknown"), css=f"verdict v-{slug(verdict)}")


def summary(frames: Frames, ctx: ReportContext) -> str:
    """The one-paragraph summary: what was checked and how many of each verdict."""
    checks = _rows(frames, "checks")
    title = ctx.bilan_title or "the bilan page"
    where = f"«{title}» on {ctx.site}" if ctx.site else f"«{title}»"
    revision = f", revision {ctx.bilan_revid}" if ctx.bilan_revid is not None else ""
    as_of = f", checked against the wiki as of {text_of(ctx.as_of)}" if ctx.as_of else ""
    made = f"Generated {text_of(ctx.generated_at)} by wikibilan {ctx.tool_version}".strip()
    if not checks:
        return (
            f"{where}{revision}{as_of}: no published figure could be checked (no checks). {made}."
        )
    kinds = pd.Series([_get(r, "check") for r in checks]).value_counts()
    counts = pd.Series([_get(r, "verdict") for r in checks]).value_counts()
    parts = ", ".join(
        f"{counts.get(v, 0)} {word}" for v, word in VERDICT_WORDS.items()
    )  # every verdict, zeros included, so the sentence always reads the same way
    return (
        f"{where}{revision}{as_of}: {len(checks)} published figures checked, "
        f"{kinds.get('data', 0)} against the wiki's data and {kinds.get('internal', 0)} "
        f"for internal consistency. Verdicts: {parts}. {made}."
    )


def verdict_table(frames: Frames) -> Table:
    """The verdict table: one row per check, in the order of the checks frame."""
    rows = []
    for row in _rows(frames, "checks"):
        claim_id = _get(row, "claim_id")
        rows.append(
            (
                Cell(claim_id, href=f"claim-{slug(claim_id)}", code=True),
                Cell(_get(row, "check")),
                Cell(_published(row), css="num"),
                Cell(_recomputed(row) or "—", css="num"),
                _verdict_cell(_get(row, "verdict")),
                Cell(_note(row)),
            )
        )
    header = ("Claim", "Check", "Published", "Recomputed", "Verdict", "Note")
    return Table("verdicts", header, tuple(rows))


def claim_sections(frames: Frames) -> list[Block]:
    """One section per check: the sentence, the figures, the method and the evidence."""
    blocks: list[Block] = []
    for row in _rows(frames, "checks"):
        claim_id, verdict = _get(row, "claim_id"), _get(row, "verdict")
        word = VERDICT_WORDS.get(verdict, verdict)
        anchor, css = f"claim-{slug(claim_id)}", f"v-{slug(verdict)}"
        blocks.append(Heading(3, f"{claim_id} — {word}", anchor=anchor, css=css))
        if text := _get(row, "text"):
            blocks.append(Quote(text))
        fields = [
            ("Published", _published(row)),
            ("Recomputed", _recomputed(row) or "— (not checkable)"),
            ("Verdict", ", ".join(x for x in (word, _note(row, in_table=False)) if x)),
            ("Tolerance", _get(row, "tolerance")),
            ("Bounds", "" if _bounds(row) == _get(row, "tolerance") else _bounds(row)),
            ("Gap (recomputed − published)", _get(row, "gap")),
            ("Method", _get(row, "method")),
            ("Check", "internal consistency" if _get(row, "check") == "internal" else "data"),
            ("Bilan revision", _joined(" as of ", row, "revid", "as_of")),
        ]
        blocks.append(Fields(tuple((k, v) for k, v in fields if v)))
        evidence = [e.strip() for e in _get(row, "evidence").split(";") if e.strip()]
        used = "1 page revision" if len(evidence) == 1 else f"{len(evidence)} page revisions"
        blocks.append(Paragraph(f"Evidence ({used}):", css="label"))
        blocks.append(_limited(evidence, EVIDENCE_LIMIT, "full list in checks.csv"))
    return blocks


def _limited(items: list[str], limit: int, where: str) -> Items:
    if not items:
        return Items(("none",))
    more = f"… and {len(items) - limit} more ({where})" if len(items) > limit else ""
    return Items(tuple(items[:limit]), more)


def _claim_order(frames: Frames, history: pd.DataFrame) -> list[str]:
    order = [_get(r, "claim_id") for r in _rows(frames, "checks")]
    seen = set(order)
    in_history = list(history["claim_id"].map(text_of))
    for claim_id in in_history:
        if claim_id not in seen:
            seen.add(claim_id)
            order.append(claim_id)
    kept = set(in_history)
    return [c for c in order if c in kept]


def _trail(values: Iterable[str]) -> str:
    trail: list[str] = []
    for value in values:
        if not trail or trail[-1] != value:
            trail.append(value)
    if len(trail) > 6:
        trail = [*trail[:2], "…", *trail[-3:]]
    return " → ".join(trail)


def _value(row: Mapping[str, object]) -> str:
    if value := _get(row, "value"):
        return value
    return "(removed)" if _get(row, "status") == "removed" else "(absent)"


def _written(rows: list[dict[str, object]]) -> str:
    """Who first wrote the latest value the figure had: revision, date, user."""
    for row in reversed(rows):
        if _get(row, "first_revid"):
            return _joined(", ", row, "first_revid", "first_timestamp", "first_user")
    return _joined(", ", rows[0], "revid", "timestamp", "user")


def history_blocks(frames: Frames) -> list[Block]:
    """The figure history: a summary per claim, then the revisions of each changed claim."""
    history = frames.get("claim_history")
    if history is None or len(history) == 0 or "claim_id" not in history.columns:
        return [Paragraph("No figure history: the claim_history frame is empty or missing.")]
    sort_by = [c for c in ("timestamp", "revid") if c in history.columns]
    history = history.sort_values(sort_by, kind="stable") if sort_by else history
    by_claim: dict[str, list[dict[str, object]]] = {}
    for record in _records(history):
        by_claim.setdefault(text_of(record["claim_id"]), []).append(record)
    summary_rows: list[tuple[Cell, ...]] = []
    details: list[Block] = []
    for claim_id in _claim_order(frames, history):
        rows = by_claim[claim_id]
        trail = _trail(_value(r) for r in rows)
        summary_rows.append(
            (
                Cell(claim_id, href=f"claim-{slug(claim_id)}", code=True),
                Cell(_value(rows[-1]), css="num"),
                Cell(_written(rows)),
                Cell(str(len(rows)), css="num"),
                Cell(trail),
            )
        )
        if "→" in trail:
            details += [Heading(3, f"{claim_id}: {trail}"), _history_table(claim_id, rows)]
    header = ("Claim", "Latest value", "Written in (revision, date, user)", "Revisions", "Values")
    intro = Paragraph(
        "Each published figure across the bilan's revisions: its latest value, the revision "
        "that first wrote that value, and the values it took. Below, every revision of each "
        "figure that changed; highlighted rows are the revisions that changed it."
    )
    return [intro, Table("history", header, tuple(summary_rows)), *details]


def _history_table(claim_id: str, rows: list[dict[str, object]]) -> Table:
    """Every revision of a claim; long runs of unchanged revisions fold into one row."""
    changed = [str(r.get("changed")).lower() in ("true", "1") for r in rows]
    with_check = any(_get(r, "check_verdict") for r in rows)
    header = ("Revision", "Date", "User", "Value") + (("Internal check",) if with_check else ())
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
            folded = Cell(f"… {skipped} revisions unchanged")
            out.append((folded, *(Cell("") for _ in header[1:])))
            css.append("folded")
            skipped = 0
        cells = [Cell(_get(row, k)) for k in ("revid", "timestamp", "user")]
        cells.append(Cell(_value(row), css="num"))
        if with_check:
            verdict = _get(row, "check_verdict")
            cells.append(_verdict_cell(verdict) if verdict else Cell(""))
        out.append(tuple(cells))
        css.append("changed" if changed[i] else "")
    return Table(f"history-{slug(claim_id)}", header, tuple(out), tuple(css))


def figure_blocks(plot_names: Iterable[str]) -> list[Block]:
    """One figure per plot, in the report's order."""
    names = [n for n in PLOT_CAPTIONS if n in set(plot_names)]
    if not names:
        return [Paragraph("No plot: the frames hold no data to draw.")]
    return [Figure(name, PLOT_CAPTIONS[name], PLOT_NOTES.get(name, "")) for name in names]


def data_notes(frames: Frames) -> list[Block]:
    """Row counts of every frame, the missing ones, and the first warnings."""
    counts = tuple(
        (name, f"{len(frames[name])} rows" if name in frames else "missing") for name in DATA_FRAMES
    )
    blocks: list[Block] = [
        Paragraph(
            "Each figure is checked against the wiki as it stood at its bilan revision's date: "
            "for every page, its last revision at or before that date. Every frame below is "
            "also written as a CSV file next to this report."
        ),
        Fields(counts),
    ]
    if missing := [name for name, n in counts if n == "missing"]:
        blocks.append(Paragraph(f"Frames not available: {', '.join(missing)}."))
    warnings = _rows(frames, "warnings")
    if warnings:
        blocks.append(Paragraph(f"{len(warnings)} lines could not be read (warnings.csv):"))
        header = ("Page", "Revision", "Line", "Reason", "Text")
        keys = ("page", "revid", "line", "reason", "text")
        rows = tuple(tuple(Cell(_get(w, k)) for k in keys) for w in warnings[:WARNING_LIMIT])
        blocks.append(Table("warnings", header, rows))
        if len(warnings) > WARNING_LIMIT:
            blocks.append(Paragraph(f"… and {len(warnings) - WARNING_LIMIT} more in warnings.csv."))
    else:
        blocks.append(Paragraph("No warnings: every line the extractors met was read."))
    return blocks


def report_title(ctx: ReportContext) -> str:
    """The report's title."""
    return f"Bilan check: {ctx.bilan_title}" if ctx.bilan_title else "Bilan check"


def build_report(frames: Frames, ctx: ReportContext, plot_names: Iterable[str]) -> list[Block]:
    """Every block of the report, in order: summary, verdicts, claims, history, plots, notes."""
    checks_table = verdict_table(frames)
    blocks: list[Block] = [
        Heading(1, report_title(ctx)),
        Paragraph(summary(frames, ctx), css="summary"),
        Heading(2, "Verdicts", anchor="verdicts"),
    ]
    if checks_table.rows:
        blocks.append(checks_table)
    else:
        blocks.append(Paragraph("No checks: the checks frame is empty or missing."))
    blocks += [Heading(2, "Claims in detail", anchor="claims"), *claim_sections(frames)]
    if not checks_table.rows:
        blocks.append(Paragraph("No claim to detail."))
    blocks += [Heading(2, "Figure history", anchor="history"), *history_blocks(frames)]
    blocks += [Heading(2, "Plots", anchor="plots"), *figure_blocks(plot_names)]
    blocks += [Heading(2, "Data notes", anchor="notes"), *data_notes(frames)]
    return blocks
