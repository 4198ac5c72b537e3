"""The only code that writes outputs: CSVs, report.md, report.html and PNG plots.

Everything is rendered in memory first and each file is then written through a
temporary file and ``os.replace``, so a failure never leaves half a file and a
rendering error writes nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .blocks import ReportContext
from .csv_out import atomic_write, format_frame, frame_to_csv, render_csvs, write_csvs
from .html import render_html
from .markdown import render_markdown
from .plot_worker import PlotWorker
from .plots import PLOT_CAPTIONS, plot_names, render_plots

__all__ = [
    "PLOT_CAPTIONS",
    "PlotWorker",
    "ReportContext",
    "format_frame",
    "frame_to_csv",
    "plot_names",
    "render_html",
    "render_markdown",
    "render_plots",
    "write_csvs",
    "write_outputs",
]

PLOTS_DIR = "plots"


def write_outputs(
    frames: Mapping[str, pd.DataFrame],
    out_dir: Path,
    ctx: ReportContext,
    plotter: PlotWorker | None = None,
) -> list[Path]:
    """Write every frame as CSV, the plots, ``report.md`` and ``report.html`` to ``out_dir``.

    Args:
        frames: the frames by name; each becomes ``<name>.csv``. Missing or
            empty frames still give a valid report that says so.
        out_dir: the output directory, created if needed.
        ctx: what the report says about the run.
        plotter: a worker that draws the plots (those it was not already
            asked for) while the CSVs are rendered here; without one, they
            are drawn in this process.

    Returns:
        The paths written, CSVs first, then plots, then the two reports.
    """
    names = plot_names(frames)
    if plotter is not None:
        plotter.draw(frames, ctx.as_of, [n for n in names if n not in plotter.requested])
    csvs = render_csvs(frames)
    markdown = render_markdown(frames, ctx, names)
    drawn = plotter.result() if plotter is not None else render_plots(frames, ctx.as_of, names)
    plots = {name: drawn[name] for name in names}
    page = render_html(frames, ctx, plots)

    plots_dir = out_dir / PLOTS_DIR
    plots_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, data in csvs.items():
        written.append(out_dir / file_name)
        atomic_write(written[-1], data)
    for name, png in plots.items():
        written.append(plots_dir / f"{name}.png")
        atomic_write(written[-1], png)
    # A plot from an earlier run with more data would be stale: no report refers to it.
    for name in PLOT_CAPTIONS.keys() - plots.keys():
        (plots_dir / f"{name}.png").unlink(missing_ok=True)
    for file_name, text in (("report.md", markdown), ("report.html", page)):
        written.append(out_dir / file_name)
        atomic_write(written[-1], text.encode("utf-8"))
    return written
