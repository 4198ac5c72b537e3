"""Plots as PNG bytes (matplotlib, Agg, no pyplot state), in the report's language.

Pure: frames in, bytes out. Every figure has a fixed size and resolution, the
matplotlib defaults (never the user's matplotlibrc) and no metadata but its
resolution (Pillow encodes the Agg buffer as an opaque RGB PNG, with no
``Software`` chunk), so the same frames always give the same bytes. Figures are
1 050 px wide with text of 10 pt or more: readable on a laptop at full size.

matplotlib is imported only by the functions that draw: importing it takes
longer than writing every CSV, and the captions, notes and :func:`plot_names`
(used by the Markdown report and by CSV-only runs) do not need it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from .plot_data import (
    amounts,
    bilan_date,
    claim_measuring,
    column,
    events,
    numeric_checks,
    published,
    recomputed,
    utc,
)
from .plot_draw import DRAWERS, VERDICT_COLOURS
from .wording import EN, Language, language

PLOT_NAMES = (
    "participants", "events_per_month", "pages_created", "expenses", "published_vs_recomputed",
)  # fmt: skip
# name -> caption (in English; :func:`caption` gives it in any language), in report order.
PLOT_CAPTIONS: dict[str, str] = {name: EN[f"plot.{name}"] for name in PLOT_NAMES}
PLOT_NOTES: dict[str, str] = {name: EN[f"plotnote.{name}"] for name in PLOT_NAMES}
_RC: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "legend.fontsize": 10,
    "svg.hashsalt": "0",
}
_DPI = 100
_WIDTH = 10.5  # inches: 1 050 px
# Plots whose legend goes under the axes, in that many columns.
_LEGEND_BELOW = {"participants": 3, "events_per_month": 4, "pages_created": 2}

Frames = Mapping[str, pd.DataFrame]
# The only frames the plots read (what a plot worker is sent).
PLOT_FRAMES = ("events", "pages", "expenses", "claims", "checks")

__all__ = [
    "PLOT_CAPTIONS",
    "PLOT_FRAMES",
    "PLOT_NAMES",
    "PLOT_NOTES",
    "VERDICT_COLOURS",
    "caption",
    "note",
    "plot_alt",
    "plot_names",
    "render_plot",
    "render_plots",
]


def caption(name: str, lang: str = "en") -> str:
    """The caption of plot ``name`` in ``lang``."""
    return language(lang)(f"plot.{name}")


def note(name: str, lang: str = "en") -> str:
    """How to read plot ``name``, in ``lang``."""
    return language(lang)(f"plotnote.{name}")


def _height(frames: Frames, name: str) -> float:
    if name == "expenses":
        return max(3.5, 0.42 * (len(amounts(frames)) + 2) + 1.4)
    if name == "published_vs_recomputed":
        return max(3.5, 0.38 * len(numeric_checks(frames)) + 1.6)
    return 6.2


def plot_names(frames: Frames) -> list[str]:
    """Return the names of the plots the frames hold data for, in report order.

    The participants plot compares the published and the recomputed mean, so it
    waits for the checks.
    """
    ev = events(frames)
    has = {
        "participants": bool(ev["n"].notna().any()) and "checks" in frames,
        "events_per_month": len(ev) > 0,
        "pages_created": bool(utc(column(frames, "pages", "first_rev_at")).notna().any()),
        "expenses": len(amounts(frames)) > 0,
        "published_vs_recomputed": len(numeric_checks(frames)) > 0,
    }
    return [name for name in PLOT_NAMES if has[name]]


def _figure(value: float | None, lang: Language) -> str:
    return "—" if value is None else lang.number(round(value, 2))


def plot_alt(frames: Frames, name: str, lang: str = "en", as_of: datetime | None = None) -> str:
    """What plot ``name`` shows, in words (the image's alt text)."""
    t = language(lang)
    end = bilan_date(frames, as_of)
    until = t.date(end) if end is not None else "—"
    if name == "participants":
        ev = events(frames).dropna(subset=["n"])
        ev = ev[ev["date"] <= end] if end is not None else ev
        mean_id = claim_measuring(frames, "mean_participants")
        range_id = claim_measuring(frames, "participants_range")
        said = t("alt.participants", n=len(ev), end=until)
        for key, read in (("alt.published", published), ("alt.recomputed", recomputed)):
            (mean, _, _), (_, low, high) = read(frames, mean_id), read(frames, range_id)
            parts = [t("alt.mean", value=_figure(mean, t))] if mean is not None else []
            if low is not None and high is not None:
                parts.append(t("range.fmt", low=_figure(low, t), high=_figure(high, t)))
            said += t(key, what=", ".join(parts)) if parts else ""
        return said
    if name == "events_per_month":
        ev = events(frames)
        ev = ev[ev["date"] <= end] if end is not None else ev
        kinds = ", ".join(sorted({k.replace("_", " ") for k in ev["kind"]}))
        return t("alt.events_per_month", n=len(ev), end=until, kinds=kinds)
    if name == "pages_created":
        created = utc(column(frames, "pages", "first_rev_at")).dropna()
        n = int((created <= end).sum()) if end is not None else len(created)
        value, _, _ = published(frames, claim_measuring(frames, "pages_created") or "wiki_pages")
        return t("alt.pages_created", n=n, end=until, published=_figure(value, t))
    if name == "expenses":
        rows = amounts(frames)
        total, _, _ = published(frames, claim_measuring(frames, "sum_expenses") or "expenses_total")
        return t("alt.expenses", n=len(rows), sum=t.money(round(float(rows["amount"].sum()), 2)),
                 total=t.money(total) if total is not None else "—")  # fmt: skip
    rows = numeric_checks(frames)
    counts = rows["verdict"].value_counts()
    verdicts = ", ".join(f"{n} {t(f'vp.{v}' if n > 1 else f'v.{v}')}" for v, n in counts.items())
    return t("alt.published_vs_recomputed", n=len(rows), verdicts=verdicts)


def render_plot(
    frames: Frames, name: str, as_of: datetime | None = None, lang: str = "en"
) -> bytes:
    """Draw one plot (one of ``PLOT_NAMES``) in ``lang`` and return its PNG bytes."""
    import matplotlib
    import matplotlib.style
    import PIL.Image
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import TightLayoutEngine

    words = language(lang)
    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        fig = Figure(figsize=(_WIDTH, _height(frames, name)), dpi=_DPI)
        # An Agg canvas from the start, so the layout below and the draw share one renderer
        # and its cache of text sizes (a bare Figure measures with a throwaway renderer,
        # and savefig would draw on yet another canvas).
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_axisbelow(True)
        DRAWERS[name](ax, frames, as_of, words)
        ax.set_title(words(f"plot.{name}"), loc="left")
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            if name in _LEGEND_BELOW:  # under the time axis: the data keeps the full width
                ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False,
                          ncol=_LEGEND_BELOW[name])  # fmt: skip
            else:
                ax.legend(loc="upper right", framealpha=0.9)
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
    frames: Frames,
    as_of: datetime | None = None,
    names: Iterable[str] | None = None,
    lang: str = "en",
) -> dict[str, bytes]:
    """Draw every plot the frames hold data for (or those in ``names``); ``{name: PNG bytes}``."""
    chosen = plot_names(frames) if names is None else names
    return {name: render_plot(frames, name, as_of, lang) for name in chosen}
