"""Plots as PNG bytes (matplotlib, Agg, no pyplot state).

Pure: frames in, bytes out. Every figure has a fixed size and resolution, the
matplotlib defaults (never the user's matplotlibrc) and no metadata but its
resolution (Pillow encodes the Agg buffer as an opaque RGB PNG, with no
``Software`` chunk), so the same frames always give the same bytes.

matplotlib is imported only by the functions that draw: importing it takes
longer than writing every CSV, and the captions, notes and :func:`plot_names`
(used by the Markdown report and by CSV-only runs) do not need it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..french import parse_decimal

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# name -> caption, in the order the report shows them.
PLOT_CAPTIONS: dict[str, str] = {
    "participants": "Participants per event over time, with the published mean and range",
    "events_per_month": "Events per month, by kind",
    "pages_created": "Wiki pages created over time, against the published count",
    "expenses": "Expense lines, their sum and the published TOTAL",
    "published_vs_recomputed": "Published against recomputed value, for every numeric claim",
}
# How to read each plot: the report prints it under the image.
PLOT_NOTES: dict[str, str] = {
    "participants": "Each point is an event with a count, by where the count comes from (names "
    "listed, a number stated, or only a list of people planning to come). The solid line is "
    "the published mean, the dashed lines the published minimum and maximum; events after "
    "the dotted line (the bilan's date) do not count.",
    "events_per_month": "Every event of the events frame, by month of its first day and kind.",
    "pages_created": "Cumulative count of the selected pages by the date of their first "
    "revision; the horizontal line is the published number of pages created.",
    "expenses": "Each expense line of the bilan, the sum of the lines, and the TOTAL the "
    "bilan states.",
    "published_vs_recomputed": "For every claim whose published and recomputed values are "
    "numbers: the ring is the published figure, the dot the recomputed one, coloured by "
    "verdict; a dot inside its ring is a figure reproduced.",
}
VERDICT_COLOURS = {
    "reproduced": "#2e7d32",
    "approximately": "#e0a100",
    "contradicted": "#c62828",
    "not_checkable": "#757575",
}
_RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 11,
    "svg.hashsalt": "0",
}
_DPI = 100
_WIDTH = 8.0

Frames = Mapping[str, pd.DataFrame]
# The only frames the plots read (what a plot worker is sent).
PLOT_FRAMES = ("events", "pages", "expenses", "claims", "checks")


def _column(frames: Frames, frame: str, column: str) -> pd.Series:
    df = frames.get(frame)
    if df is None or column not in df.columns:
        return pd.Series([], dtype=object)
    return df[column]


def to_float(value: object) -> float | None:
    """Read a published or recomputed figure (``13.5``, ``13,5``, ``1 022,66 €``, ``1/3``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).replace("€", "").replace("%", "")
    numerator, slash, denominator = text.partition("/")
    if slash:
        num, den = parse_decimal(numerator), parse_decimal(denominator)
        return float(num) / float(den) if num is not None and den else None
    number = parse_decimal(text)
    return None if number is None else float(number)


def claim_measuring(frames: Frames, measure: str) -> str:
    """The id of the claim the profile recomputes with ``measure`` ("" when none)."""
    claims = frames.get("claims")
    if claims is None or "measure" not in claims.columns:
        return ""
    ids = claims.loc[claims["measure"] == measure, "claim_id"]
    return str(ids.iloc[0]) if len(ids) else ""


def published(frames: Frames, claim_id: str) -> tuple[float | None, float | None, float | None]:
    """Return the published (value, low, high) of a claim, from claims else from checks."""
    if not claim_id:
        return None, None, None
    claims = frames.get("claims")
    if claims is not None and {"claim_id", "value"} <= set(claims.columns) and len(claims):
        rows = claims[claims["claim_id"] == claim_id]
        if len(rows):
            if "revid" in rows.columns:
                rows = rows.sort_values("revid", kind="stable")
            last = rows.iloc[-1]
            return (to_float(last["value"]), to_float(last.get("low")), to_float(last.get("high")))
    checks = frames.get("checks")
    if checks is not None and {"claim_id", "published"} <= set(checks.columns):
        rows = checks[checks["claim_id"] == claim_id]
        if len(rows):
            text = str(rows.iloc[-1]["published"])
            numbers = [to_float(n) for n in re.findall(r"\d+(?:[.,]\d+)?", text)]
            if len(numbers) == 2:
                return None, numbers[0], numbers[1]
            return to_float(text), None, None
    return None, None, None


def _utc(values: pd.Series) -> pd.Series:
    """Parse dates/timestamps to naive UTC datetime64 (matplotlib's native dates)."""
    parsed = pd.to_datetime(values, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def _as_of(frames: Frames, as_of: datetime | None) -> pd.Timestamp | None:
    if as_of is not None:
        ts = pd.Timestamp(as_of)
        return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts
    stamps = _utc(_column(frames, "checks", "as_of")).dropna()
    return stamps.max() if len(stamps) else None


def _plain(text: object, width: int = 48) -> str:
    """Label text for matplotlib: shortened, and ``$`` kept out of mathtext."""
    s = " ".join(str(text).split())
    if len(s) > width:
        s = s[: width - 1] + "…"
    return s.replace("$", r"\$")


def _numeric_checks(frames: Frames) -> pd.DataFrame:
    checks = frames.get("checks")
    cols = {"claim_id", "published", "recomputed"}
    if checks is None or not cols <= set(checks.columns):
        return pd.DataFrame(columns=["claim_id", "published", "recomputed", "verdict"])
    pub = checks["published"].map(to_float)
    rec = checks["recomputed"].map(to_float)
    keep = pub.notna() & rec.notna()
    verdict = (
        checks["verdict"] if "verdict" in checks.columns else pd.Series("", index=checks.index)
    )
    return pd.DataFrame(
        {
            "claim_id": checks["claim_id"][keep].astype(str),
            "published": pub[keep].astype(float),
            "recomputed": rec[keep].astype(float),
            "verdict": verdict[keep].astype(str),
        }
    )


def _events(frames: Frames) -> pd.DataFrame:
    events = frames.get("events")
    if events is None or "date_start" not in events.columns:
        return pd.DataFrame(columns=["date", "kind", "n", "basis"])
    out = pd.DataFrame({"date": _utc(events["date_start"])})
    for name, column, default in (("kind", "kind", "other"), ("basis", "participants_basis", "")):
        values = events[column] if column in events.columns else pd.Series(default, events.index)
        out[name] = values.astype(object).where(values.notna(), default).astype(str)
    n = events["n_participants"] if "n_participants" in events.columns else None
    out["n"] = pd.to_numeric(n, errors="coerce") if n is not None else np.nan
    return out.dropna(subset=["date"])


def _amounts(frames: Frames) -> pd.DataFrame:
    expenses = frames.get("expenses")
    if expenses is None or not {"label", "amount_eur"} <= set(expenses.columns):
        return pd.DataFrame(columns=["label", "amount"])
    out = pd.DataFrame(
        {"label": expenses["label"].astype(str), "amount": expenses["amount_eur"].map(to_float)}
    )
    return out.dropna(subset=["amount"])


def _mark_as_of(ax: Axes, as_of: pd.Timestamp | None) -> None:
    import matplotlib.dates as mdates

    if as_of is not None:
        ax.axvline(
            float(mdates.date2num(as_of)),
            color="#555555",
            linestyle=":",
            linewidth=1,
            label="bilan date",
        )


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _draw_participants(ax: Axes, frames: Frames, as_of: pd.Timestamp | None) -> None:
    ev = _events(frames).dropna(subset=["n"])
    styles = {"listed": ("o", "#1565c0"), "stated": ("s", "#6a1b9a"), "planned": ("^", "#9e9e9e")}
    for basis, group in ev.groupby("basis", sort=True):
        marker, colour = styles.get(str(basis), ("x", "#424242"))
        ax.scatter(
            group["date"].to_numpy(),
            group["n"].to_numpy(),
            marker=marker,
            color=colour,
            s=22,
            label=str(basis),
        )
    mean, _, _ = published(frames, claim_measuring(frames, "mean_participants"))
    _, low, high = published(frames, claim_measuring(frames, "participants_range"))
    if mean is not None:
        ax.axhline(mean, color="#c62828", linewidth=1.2, label=f"published mean {mean:g}")
    for bound in (low, high):
        if bound is not None:
            ax.axhline(bound, color="#c62828", linestyle="--", linewidth=0.9)
    if low is not None and high is not None:
        ax.plot([], [], color="#c62828", linestyle="--", label=f"published range {low:g}–{high:g}")
    _mark_as_of(ax, as_of)
    _date_axis(ax)
    ax.set_ylabel("participants")
    ax.set_ylim(bottom=0)


def _draw_events_per_month(ax: Axes, frames: Frames, as_of: pd.Timestamp | None) -> None:
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.ticker import MaxNLocator

    ev = _events(frames)
    months = ev["date"].dt.to_period("M")
    counts = pd.crosstab(months, ev["kind"]).sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
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
        bars = PolyCollection(
            list(verts), facecolors=colours(i % 10), edgecolors="none", label=_plain(kind, 24)
        )
        ax.add_collection(bars)
        bottom += values
    step = max(1, len(full) // 12)
    ax.set_xticks(
        x[::step], [str(p) for p in full[::step]], rotation=45, ha="right", rotation_mode="anchor"
    )
    ax.set_ylabel("events")
    ax.set_ylim(0, bottom.max() * 1.35 + 0.5)  # headroom for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _draw_pages_created(ax: Axes, frames: Frames, as_of: pd.Timestamp | None) -> None:
    created = _utc(_column(frames, "pages", "first_rev_at")).dropna().sort_values()
    ax.step(
        created.to_numpy(),
        np.arange(1, len(created) + 1),
        where="post",
        label="pages created (wiki)",
    )
    value, _, _ = published(frames, "wiki_pages")
    if value is not None:
        ax.axhline(value, color="#c62828", linewidth=1.2, label=f"published {value:g} pages")
    _mark_as_of(ax, as_of)
    _date_axis(ax)
    ax.set_ylabel("pages (cumulative)")
    ax.set_ylim(bottom=0)


def _draw_expenses(ax: Axes, frames: Frames, as_of: pd.Timestamp | None) -> None:
    rows = _amounts(frames)
    labels = [_plain(label) for label in rows["label"]]
    values = list(rows["amount"])
    colours = ["#1565c0"] * len(values)
    labels.append("sum of the lines")
    values.append(float(rows["amount"].sum()))
    colours.append("#0d47a1")
    total, _, _ = published(frames, "expenses_total")
    if total is not None:
        labels.append("TOTAL (published)")
        values.append(total)
        colours.append("#c62828")
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, labels)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:,.2f} €", (v, yi), xytext=(3, 0), textcoords="offset points", va="center")
    ax.set_xlabel("euros")
    ax.margins(x=0.18)


def _draw_published_vs_recomputed(ax: Axes, frames: Frames, as_of: pd.Timestamp | None) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import LogFormatter

    rows = _numeric_checks(frames)
    y = np.arange(len(rows))[::-1]
    colours = np.array([VERDICT_COLOURS.get(v, "#424242") for v in rows["verdict"]], dtype=object)
    # One collection for the published-to-recomputed segments, not one Line2D per row.
    segments = np.stack(
        [np.column_stack([rows["published"], y]), np.column_stack([rows["recomputed"], y])], axis=1
    )
    ax.add_collection(LineCollection(list(segments), colors=list(colours), linewidths=1))
    # The published ring is drawn larger and below, so a reproduced value shows as a dot
    # inside its ring instead of hiding it. One collection per style, not one per point:
    # rows never overlap, so the picture is the same.
    ax.scatter(rows["published"], y, facecolors="white", edgecolors="black", s=70, zorder=3)
    for colour in dict.fromkeys(colours):
        mine = colours == colour
        ax.scatter(rows["recomputed"][mine], y[mine], color=colour, s=26, zorder=4)
    values = pd.concat([rows["published"], rows["recomputed"]])
    if len(values) and (values > 0).all() and values.max() / values.min() > 20:
        ax.set_xscale("log")
        # Plain numbers (10, 100, 1000) instead of the default mathtext powers of ten:
        # mathtext is the slowest text matplotlib lays out, and its first use in a
        # process builds its parser.
        ax.xaxis.set_major_formatter(LogFormatter(labelOnlyBase=True))
        ax.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))
    ax.set_yticks(y, [_plain(c, 36) for c in rows["claim_id"]])
    ax.scatter([], [], facecolors="white", edgecolors="black", s=70, label="published")
    for verdict, colour in VERDICT_COLOURS.items():
        if verdict in set(rows["verdict"]):
            ax.scatter([], [], color=colour, label=f"recomputed ({verdict.replace('_', ' ')})")
    ax.set_xlabel("value")


_Draw = Callable[["Axes", Frames, "pd.Timestamp | None"], None]
_DRAWERS: dict[str, _Draw] = {
    "participants": _draw_participants,
    "events_per_month": _draw_events_per_month,
    "pages_created": _draw_pages_created,
    "expenses": _draw_expenses,
    "published_vs_recomputed": _draw_published_vs_recomputed,
}


def _height(frames: Frames, name: str) -> float:
    if name == "expenses":
        return max(3.0, 0.32 * (len(_amounts(frames)) + 2) + 1.2)
    if name == "published_vs_recomputed":
        return max(3.0, 0.32 * len(_numeric_checks(frames)) + 1.4)
    return 4.2


def plot_names(frames: Frames) -> list[str]:
    """Return the names of the plots the frames hold data for, in report order."""
    ev = _events(frames)
    has = {
        "participants": bool(ev["n"].notna().any()),
        "events_per_month": len(ev) > 0,
        "pages_created": bool(_utc(_column(frames, "pages", "first_rev_at")).notna().any()),
        "expenses": len(_amounts(frames)) > 0,
        "published_vs_recomputed": len(_numeric_checks(frames)) > 0,
    }
    return [name for name in PLOT_CAPTIONS if has[name]]


def render_plot(frames: Frames, name: str, as_of: datetime | None = None) -> bytes:
    """Draw one plot (a key of ``PLOT_CAPTIONS``) and return its PNG bytes."""
    import matplotlib
    import matplotlib.style
    import PIL.Image
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import TightLayoutEngine

    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        fig = Figure(figsize=(_WIDTH, _height(frames, name)), dpi=_DPI)
        # An Agg canvas from the start, so the layout below and the draw share one renderer
        # and its cache of text sizes (a bare Figure measures with a throwaway renderer,
        # and savefig would draw on yet another canvas).
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        _DRAWERS[name](ax, frames, _as_of(frames, as_of))
        ax.set_title(PLOT_CAPTIONS[name])
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=8, framealpha=0.9)
        # fig.tight_layout() measures every label twice (its default rect, the whole
        # figure, repeats the pass to the same margins) and leaves a layout engine on the
        # figure, which the draw would run once more. rect=None, which the engine takes
        # as "no rect" though its stubs want a tuple, gives the same layout in one pass.
        TightLayoutEngine(rect=None).execute(fig)  # type: ignore[arg-type]
        canvas.draw()
        width, height = canvas.get_width_height()
        rgba = canvas.buffer_rgba()
    # The figure is opaque, so RGB loses nothing and encodes faster (and smaller) than the
    # RGBA savefig writes; compression level 3 takes about a third less time than the
    # default 6 for a few percent more bytes. Pillow writes no text chunk unless given one.
    image = PIL.Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=3, dpi=(_DPI, _DPI))
    return buf.getvalue()


def render_plots(
    frames: Frames, as_of: datetime | None = None, names: Iterable[str] | None = None
) -> dict[str, bytes]:
    """Draw every plot the frames hold data for (or those in ``names``); ``{name: PNG bytes}``."""
    chosen = plot_names(frames) if names is None else names
    return {name: render_plot(frames, name, as_of) for name in chosen}
