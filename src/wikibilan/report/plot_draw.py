"""The report's plots, drawn on matplotlib axes in the report's language.

Time axes cover the report's period, from the first event to the bilan's
date: what came later is left out, and the plot says how much.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .plot_data import (
    Frames,
    amounts,
    bilan_date,
    claim_measuring,
    column,
    events,
    evidence_pages,
    numeric_checks,
    period,
    plain,
    published,
    recomputed,
    utc,
)
from .wording import Language

if TYPE_CHECKING:
    from matplotlib.axes import Axes

VERDICT_COLOURS = {
    "reproduced": "#2e7d32",
    "approximately": "#e0a100",
    "contradicted": "#c62828",
    "incomplete": "#6a1b9a",
    "not_checkable": "#757575",
}
PUBLISHED = "#c62828"
RECOMPUTED = "#1565c0"
LATER = "#9e9e9e"


def _mark_bilan_date(ax: Axes, end: pd.Timestamp | None, lang: Language) -> None:
    import matplotlib.dates as mdates

    if end is not None:
        ax.axvline(float(mdates.date2num(end)), color="#555555", linestyle=":", linewidth=1.2,
                   label=lang("lg.bilan_date", date=lang.date(end)))  # fmt: skip


def _time_axis(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, lang: Language) -> None:
    """Months on the x axis between ``start`` and ``end``, named in ``lang``."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 8 else 2 if months <= 16 else 3 if months <= 30 else 6
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, pos: month_label(lang, mdates.num2date(x), pos == 0))
    )
    ax.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end)))


def month_label(lang: Language, when: object, first: bool) -> str:
    """A tick of a time axis: the month, and under it the year in January and at the start."""
    ts = pd.Timestamp(when)  # type: ignore[arg-type]
    short = lang.short_months[ts.month - 1]
    return f"{short}\n{ts.year}" if first or ts.month == 1 else short


def _later(ax: Axes, n: int, end: pd.Timestamp | None, what: str, lang: Language) -> None:
    """Say, in the legend, how many items came after the bilan's date and are not shown."""
    if n and end is not None:
        ax.plot([], [], " ", label=lang(what, n=n, date=lang.date(end)))


def draw_participants(ax: Axes, frames: Frames, as_of: datetime | None, lang: Language) -> None:
    from matplotlib.ticker import MaxNLocator

    end = bilan_date(frames, as_of)
    ev = events(frames).dropna(subset=["n"])
    start, stop = period(ev["date"], end)
    later = ev[ev["date"] > end] if end is not None else ev.iloc[0:0]
    ev = ev.drop(later.index)
    mean_id = claim_measuring(frames, "mean_participants")
    range_id = claim_measuring(frames, "participants_range")
    read = evidence_pages(frames, mean_id) | evidence_pages(frames, range_id)
    counted = (
        ev["page"].isin(read) & ev["basis"].isin(["listed", "stated"])
        if read
        else (ev["basis"].isin(["listed", "stated"]))
    )
    other = ev[~counted]
    if len(other):
        ax.scatter(other["date"].to_numpy(), other["n"].to_numpy(), marker="o", s=36,
                   facecolors="white", edgecolors=LATER, label=lang("lg.not_counted"))  # fmt: skip
    styles = {"listed": ("o", RECOMPUTED), "stated": ("s", "#6a1b9a")}
    for basis, (marker, colour) in styles.items():
        group = ev[counted & (ev["basis"] == basis)]
        if len(group):
            ax.scatter(group["date"].to_numpy(), group["n"].to_numpy(), marker=marker, s=36,
                       color=colour, label=lang(f"lg.{basis}"), zorder=3)  # fmt: skip
    mean, _, _ = published(frames, mean_id)
    _, low, high = published(frames, range_id)
    rec_mean, _, _ = recomputed(frames, mean_id)
    _, rec_low, rec_high = recomputed(frames, range_id)
    if rec_low is not None and rec_high is not None:
        ax.axhspan(rec_low, rec_high, color=RECOMPUTED, alpha=0.08, label=lang(
            "lg.rec_range", low=lang.number(rec_low), high=lang.number(rec_high)))  # fmt: skip
    if rec_mean is not None:
        ax.axhline(rec_mean, color=RECOMPUTED, linewidth=1.6,
                   label=lang("lg.rec_mean", value=lang.number(round(rec_mean, 2))))  # fmt: skip
    if mean is not None:
        ax.axhline(mean, color=PUBLISHED, linewidth=1.6,
                   label=lang("lg.pub_mean", value=lang.number(mean)))  # fmt: skip
    for bound in (low, high):
        if bound is not None:
            ax.axhline(bound, color=PUBLISHED, linestyle="--", linewidth=1.1)
    if low is not None and high is not None:
        said = lang("lg.pub_range", low=lang.number(low), high=lang.number(high))
        ax.plot([], [], color=PUBLISHED, linestyle="--", label=said)
    _mark_bilan_date(ax, end, lang)
    _time_axis(ax, start, stop, lang)
    _later(ax, len(later), end, "lg.later_events", lang)
    ax.set_ylabel(lang("ax.participants"))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def draw_events_per_month(ax: Axes, frames: Frames, as_of: datetime | None, lang: Language) -> None:
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import MaxNLocator

    end = bilan_date(frames, as_of)
    ev = events(frames)
    later = ev[ev["date"] > end] if end is not None else ev.iloc[0:0]
    ev = ev.drop(later.index)
    months = ev["date"].dt.to_period("M")
    counts = pd.crosstab(months, ev["kind"]).sort_index()
    last = end.to_period("M") if end is not None else counts.index.max()
    first = counts.index.min() if len(counts) else last  # nothing yet: the bilan's month
    full = pd.period_range(first, last, freq="M")
    counts = counts.reindex(full, fill_value=0)
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    colours = matplotlib.colormaps["tab10"]
    # One collection of rectangles per kind instead of ax.bar's one Rectangle artist per
    # month and kind: a few years of months times the kinds make hundreds of artists, most
    # of them empty bars, and each costs more to set up than to paint. Same picture.
    for i, kind in enumerate(sorted(counts.columns)):
        values = counts[kind].to_numpy(dtype=float)
        shown = values > 0
        left, low, high = x[shown] - 0.4, bottom[shown], (bottom + values)[shown]
        verts = np.stack(
            [
                np.column_stack([left, low]),
                np.column_stack([left + 0.8, low]),
                np.column_stack([left + 0.8, high]),
                np.column_stack([left, high]),
            ],
            axis=1,
        )
        bars = PolyCollection(list(verts), facecolors=colours(i % 10), edgecolors="none",
                              label=plain(str(kind).replace("_", " "), 24))  # fmt: skip
        ax.add_collection(bars)
        bottom += values
    step = 1 if len(full) <= 8 else 2 if len(full) <= 16 else 3 if len(full) <= 30 else 6
    ticks = [i for i, p in enumerate(full) if (p.month - 1) % step == 0]  # as on time axes
    labels = [month_label(lang, full[i].to_timestamp(), i == ticks[0]) for i in ticks]
    ax.set_xticks(x[ticks], labels)
    ax.set_xlim(-0.8, len(full) - 0.2)
    _later(ax, len(later), end, "lg.later_events", lang)
    ax.set_ylabel(lang("ax.events"))
    ax.set_ylim(0, (bottom.max() if len(bottom) else 0) + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def draw_pages_created(ax: Axes, frames: Frames, as_of: datetime | None, lang: Language) -> None:
    end = bilan_date(frames, as_of)
    created = utc(column(frames, "pages", "first_rev_at")).dropna().sort_values()
    later = created[created > end] if end is not None else created.iloc[0:0]
    created = created.drop(later.index)
    start, stop = period(created, end)
    steps = np.arange(1, len(created) + 1)
    dates = created.to_numpy()
    if end is not None and len(created):  # the count holds until the bilan's date
        dates = np.append(dates, end.to_datetime64())
        steps = np.append(steps, steps[-1])
    ax.step(dates, steps, where="post", color=RECOMPUTED, linewidth=1.6,
            label=lang("lg.pages_wiki", n=len(created)))  # fmt: skip
    value, _, _ = published(frames, claim_measuring(frames, "pages_created") or "wiki_pages")
    if value is not None:
        ax.axhline(value, color=PUBLISHED, linewidth=1.6,
                   label=lang("lg.pages_published", value=lang.number(value)))  # fmt: skip
    _mark_bilan_date(ax, end, lang)
    _time_axis(ax, start, stop, lang)
    _later(ax, len(later), end, "lg.later_pages", lang)
    ax.set_ylabel(lang("ax.pages"))
    ax.set_ylim(bottom=0)


def draw_expenses(ax: Axes, frames: Frames, as_of: datetime | None, lang: Language) -> None:
    rows = amounts(frames)
    labels = [plain(label) for label in rows["label"]]
    values = list(rows["amount"])
    colours = ["#64b5f6"] * len(values)
    labels.append(lang("lg.sum_lines"))
    values.append(float(rows["amount"].sum()))
    colours.append(RECOMPUTED)
    total, _, _ = published(frames, claim_measuring(frames, "sum_expenses") or "expenses_total")
    if total is not None:
        labels.append(lang("lg.total_published"))
        values.append(total)
        colours.append(PUBLISHED)
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, labels)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(lang.money(round(v, 2)), (v, yi), xytext=(4, 0), textcoords="offset points",
                    va="center")  # fmt: skip
    ax.set_xlabel(lang("ax.euros"))
    ax.margins(x=0.2)


def draw_published_vs_recomputed(
    ax: Axes, frames: Frames, as_of: datetime | None, lang: Language
) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import FuncFormatter, LogLocator

    rows = numeric_checks(frames)
    y = np.arange(len(rows))[::-1]
    colours = np.array([VERDICT_COLOURS.get(v, "#424242") for v in rows["verdict"]], dtype=object)
    # One collection for the published-to-recomputed segments, not one Line2D per row.
    segments = np.stack(
        [np.column_stack([rows["published"], y]), np.column_stack([rows["recomputed"], y])], axis=1
    )
    ax.add_collection(LineCollection(list(segments), colors=list(colours), linewidths=1.2))
    # The published ring is drawn larger and below, so a reproduced value shows as a dot
    # inside its ring instead of hiding it. One collection per style, not one per point.
    ax.scatter(rows["published"], y, facecolors="white", edgecolors="black", s=90, zorder=3)
    for colour in dict.fromkeys(colours):
        mine = colours == colour
        ax.scatter(rows["recomputed"][mine], y[mine], color=colour, s=36, zorder=4)
    values = pd.concat([rows["published"], rows["recomputed"]])
    if len(values) and (values > 0).all() and values.max() / values.min() > 20:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10))
        # Plain numbers (10, 100, 1 000) instead of mathtext powers of ten: mathtext is
        # the slowest text matplotlib lays out.
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: lang.number(round(x, 6))))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))
    names = [
        f"{label} ({lang('check.internal')})" if internal else label
        for label, internal in zip(rows["label"], rows["internal"], strict=True)
    ]
    ax.set_yticks(y, [plain(n, 52) for n in names])
    ax.scatter([], [], facecolors="white", edgecolors="black", s=90, label=lang("lg.published"))
    for verdict, colour in VERDICT_COLOURS.items():
        if verdict in set(rows["verdict"]):
            ax.scatter([], [], color=colour,
                       label=lang("lg.recomputed", verdict=lang(f"v.{verdict}")))  # fmt: skip
    ax.set_xlabel(lang("ax.value"))


Draw = Callable[["Axes", Frames, "datetime | None", Language], None]
DRAWERS: dict[str, Draw] = {
    "participants": draw_participants,
    "events_per_month": draw_events_per_month,
    "pages_created": draw_pages_created,
    "expenses": draw_expenses,
    "published_vs_recomputed": draw_published_vs_recomputed,
}
