"""What the report says, in order, as blocks (``blocks.py``) that markdown and HTML render.

Pure: frames and a context in, blocks out, in the context's language
(``wording.py``): the summary, the verdict tables (current figures; those the
latest bilan revision removed apart), one section per figure (``sections.py``),
the figure history (``figure_history.py``), the plots and the data notes.
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
    Paragraph,
    ReportContext,
    Table,
    plain,
    slug,
)
from .figure_history import history_blocks
from .plots import PLOT_NAMES, caption, note, plot_alt
from .sections import (
    claim_sections,
    note_text,
    published_text,
    recomputed_text,
    removed_phrase,
    verdict_word,
)
from .view import Row, View, get
from .wording import Language, language

Frames = Mapping[str, pd.DataFrame]

VERDICTS = ("reproduced", "approximately", "contradicted", "incomplete", "not_checkable")
DATA_FRAMES = (
    "pages", "revisions", "events", "attendance", "workshops", "expenses", "claims", "warnings",
)  # fmt: skip
WARNING_LIMIT = 20
# The sections, in order: (anchor, phrase).
SECTIONS = (
    ("verdicts", "sec.verdicts"),
    ("claims", "sec.claims"),
    ("history", "sec.history"),
    ("plots", "sec.plots"),
    ("notes", "sec.notes"),
)


def summary(v: View) -> str:
    """The one-paragraph summary: what was checked and how many of each verdict."""
    ctx, t = v.ctx, v.t
    title = ctx.bilan_title or t("sum.bilan_page")
    where = t("sum.where", title=title, site=ctx.site) if ctx.site else ""
    where = where or t("sum.where_nosite", title=title)
    revision = ""
    if v.latest_revid is not None:
        when = next((v.when(r.get("timestamp")) for r in v.rows("claim_history")
                     if get(r, "revid") == str(v.latest_revid)), "")  # fmt: skip
        revision = t("sum.revision", revid=v.latest_revid, when=when).replace(" ()", "")
    as_of = t("sum.as_of", when=v.when(ctx.as_of)) if ctx.as_of else ""
    made = t("sum.made", when=v.when(ctx.generated_at), version=ctx.tool_version)
    rows = v.current
    if not rows:
        return f"{t('sum.none', where=where, revision=revision, as_of=as_of)} {made}"
    kinds = pd.Series([get(r, "check") for r in rows]).value_counts()
    counts = pd.Series([get(r, "verdict") for r in rows]).value_counts()
    shown = [x for x in VERDICTS if x != "incomplete" or counts.get(x, 0)]
    # every verdict, zeros included, so the sentence always reads the same way
    verdicts = ", ".join(
        f"{counts.get(x, 0)} {t(f'vp.{x}') if counts.get(x, 0) > 1 else verdict_word(v, x)}"
        for x in shown
    )
    said = t(
        "sum.counts", where=where, revision=revision, as_of=as_of, n=len(rows),
        data=kinds.get("data", 0), internal=kinds.get("internal", 0), verdicts=verdicts,
    )  # fmt: skip
    removed = t("sum.removed.one") if len(v.removed) == 1 else t("sum.removed", n=len(v.removed))
    removed = f" {removed}" if v.removed else ""
    return f"{said}{removed} {made}"


def _verdict_cell(v: View, verdict: str) -> Cell:
    return Cell(verdict_word(v, verdict), css=f"verdict v-{slug(verdict)}")


def _header(v: View) -> tuple[str, ...]:
    return tuple(v.t(k) for k in ("col.claim", "col.published", "col.recomputed",
                                  "col.verdict", "col.note"))  # fmt: skip


def _row(v: View, row: Row) -> tuple[Cell, ...]:
    claim_id = get(row, "claim_id")
    return (
        Cell(v.label(claim_id), href=f"claim-{slug(claim_id)}"),
        Cell(published_text(v, row), css="num"),
        Cell(recomputed_text(v, row) or "—", css="num"),
        _verdict_cell(v, get(row, "verdict")),
        Cell(note_text(v, row)),
    )


def verdict_tables(v: View) -> list[Block]:
    """The verdicts of the figures the latest bilan revision states: data, then internal."""
    blocks: list[Block] = []
    for check, key in (("data", "sec.data_checks"), ("internal", "sec.internal_checks")):
        rows = [_row(v, r) for r in v.current if get(r, "check") == check]
        if rows:
            blocks += [Heading(3, v.t(key)), Table(f"verdicts-{check}", _header(v), tuple(rows))]
    if v.removed:
        header = (v.t("col.claim"), v.t("col.published"), v.t("f.removed"), v.t("col.verdict"))
        rows = [
            (Cell(v.label(get(r, "claim_id")), href=f"claim-{slug(get(r, 'claim_id'))}"),
             Cell(published_text(v, r), css="num"),
             _removed_cell(v, get(r, "claim_id")),
             _verdict_cell(v, get(r, "verdict")))
            for r in v.removed
        ]  # fmt: skip
        blocks += [Heading(3, v.t("sec.removed")), Table("verdicts-removed", header, tuple(rows))]
    return blocks


def _removed_cell(v: View, claim_id: str) -> Cell:
    phrase = removed_phrase(v, claim_id)
    url = next((p.url for p in phrase if not isinstance(p, str)), "") if phrase else ""
    return Cell(plain(phrase), url=url)


def figure_blocks(v: View, plot_names: Iterable[str]) -> list[Block]:
    """One figure per plot, in the report's order, with its alt text."""
    names = [n for n in PLOT_NAMES if n in set(plot_names)]
    if not names:
        return [Paragraph(v.t("no_plot"))]
    lang = v.ctx.lang
    return [
        Figure(n, caption(n, lang), note(n, lang), plot_alt(v.frames, n, lang, v.ctx.as_of))
        for n in names
    ]


def data_notes(v: View) -> list[Block]:
    """Row counts of every frame, the missing ones, and the first warnings."""
    t, frames = v.t, v.frames
    counts = tuple(
        (name, _rows(t, len(frames[name])) if name in frames else t("notes.missing"))
        for name in DATA_FRAMES
    )
    blocks: list[Block] = [
        Paragraph(t("notes.intro", zone=v.ctx.time_zone)),
        Fields(counts),
    ]
    if missing := [name for name in DATA_FRAMES if name not in frames]:
        blocks.append(Paragraph(t("notes.unavailable", names=", ".join(missing))))
    warnings = v.rows("warnings")
    if warnings:
        said = t("notes.warning") if len(warnings) == 1 else t("notes.warnings", n=len(warnings))
        blocks.append(Paragraph(said))
        header = tuple(t(k) for k in ("col.page", "col.revision", "col.line", "col.reason",
                                      "col.text"))  # fmt: skip
        rows = []
        for w in warnings[:WARNING_LIMIT]:
            page, revid = get(w, "page"), get(w, "revid")
            rows.append((Cell(page), Cell(revid, url=v.revision_url(page, revid)),
                         *(Cell(get(w, k)) for k in ("line", "reason", "text"))))  # fmt: skip
        blocks.append(Table("warnings", header, tuple(rows)))
        if len(warnings) > WARNING_LIMIT:
            blocks.append(Paragraph(t("notes.more_warnings", n=len(warnings) - WARNING_LIMIT)))
    else:
        blocks.append(Paragraph(t("notes.no_warnings")))
    return blocks


def _rows(t: Language, n: int) -> str:
    return t("notes.row") if n == 1 else t("notes.rows", n=n)


def report_title(ctx: ReportContext) -> str:
    """The report's title."""
    t = language(ctx.lang)
    return t("title.of", title=ctx.bilan_title) if ctx.bilan_title else t("title")


def build_report(frames: Frames, ctx: ReportContext, plot_names: Iterable[str]) -> list[Block]:
    """Every block of the report, in order: summary, verdicts, claims, history, plots, notes."""
    v = View(frames, ctx)
    t = v.t
    tables = verdict_tables(v)
    blocks: list[Block] = [
        Heading(1, report_title(ctx)),
        Paragraph(summary(v), css="summary"),
        Heading(2, t("sec.verdicts"), anchor="verdicts"),
    ]
    blocks += tables or [Paragraph(t("no_checks"))]
    blocks += [Heading(2, t("sec.claims"), anchor="claims"), *claim_sections(v)]
    if not v.checks:
        blocks.append(Paragraph(t("no_claim")))
    blocks += [Heading(2, t("sec.history"), anchor="history"), *history_blocks(v)]
    blocks += [Heading(2, t("sec.plots"), anchor="plots"), *figure_blocks(v, plot_names)]
    blocks += [Heading(2, t("sec.notes"), anchor="notes"), *data_notes(v)]
    return blocks
