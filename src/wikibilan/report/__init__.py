"""The only code that writes outputs: CSVs, report.md, report.html and PNG plots.

Beside the CSVs, for the tools their users already have: ``datapackage.json``
(the CSVs as a Frictionless Data Package, :mod:`.datapackage`) and
``frames.sqlite`` (the same frames as typed SQLite tables, :mod:`.sqlite_out`).

Everything is rendered in memory first, then staged and moved into place
together (:mod:`.staging`): a rendering error writes nothing at all, a write
error puts the previous outputs back, and the directory then holds this run's
outputs only, never a mix of two runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..frames import SCHEMAS
from .blocks import ReportContext
from .csv_out import format_columns, format_frame, frame_to_csv, render_csvs
from .datapackage import PACKAGE, read_package, render_datapackage
from .html import render_html
from .json_out import frame_records, frame_to_json
from .keys import table_keys
from .markdown import render_markdown
from .plot_worker import PlotWorker
from .plots import PLOT_CAPTIONS, plot_names, render_plots
from .sqlite_out import render_sqlite
from .staging import check_out_dir, publish

__all__ = [
    "PLOT_CAPTIONS",
    "PlotWorker",
    "ReportContext",
    "check_out_dir",
    "format_frame",
    "frame_records",
    "frame_to_csv",
    "frame_to_json",
    "plot_names",
    "read_package",
    "render_html",
    "render_markdown",
    "render_plots",
    "write_csvs",
    "write_outputs",
]

PLOTS_DIR = "plots"
REPORTS = ("report.md", "report.html")
DATABASE = "frames.sqlite"
# Every file a run may write: what a later run does not write again is stale.
OWNED = (
    *(f"{name}.csv" for name in (*SCHEMAS, "checks", "claim_history")),
    PACKAGE,
    DATABASE,
    *(f"{PLOTS_DIR}/{name}.png" for name in PLOT_CAPTIONS),
    *REPORTS,
)


def render_tables(frames: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """Every frame as ``<name>.csv``, then ``datapackage.json`` and ``frames.sqlite``.

    Without any frame, there is nothing to describe: no CSV, no package, no database.

    Raises:
        ValueError: a frame name is not a plain lower-case identifier.
    """
    cells = {name: format_columns(frame) for name, frame in frames.items()}
    files = render_csvs(frames, cells)
    if files:
        keys = table_keys(frames)
        files[PACKAGE] = render_datapackage(frames, keys)
        files[DATABASE] = render_sqlite(frames, cells, keys)
    return files


def write_csvs(frames: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write every frame to ``out_dir/<name>.csv``, with ``datapackage.json`` and
    ``frames.sqlite``; return the paths written.

    The directory then holds these files only: the report, plots and frames of
    an earlier run that these frames supersede are removed.

    Raises:
        ValueError: a frame name is not a plain lower-case identifier.
        OutputError: ``out_dir`` cannot be written (nothing is then changed).
    """
    return publish(out_dir, render_tables(frames), OWNED)


def write_outputs(
    frames: Mapping[str, pd.DataFrame],
    out_dir: Path,
    ctx: ReportContext,
    plotter: PlotWorker | None = None,
) -> list[Path]:
    """Write the CSVs, ``datapackage.json``, ``frames.sqlite``, the plots and both reports.

    Args:
        frames: the frames by name; each becomes ``<name>.csv``. Missing or
            empty frames still give a valid report that says so.
        out_dir: the output directory, created if needed; outputs of an
            earlier run that this one does not write (plots no longer drawn)
            are removed.
        ctx: what the report says about the run.
        plotter: a worker that draws the plots (those it was not already
            asked for) while the CSVs are rendered here; without one, they
            are drawn in this process.

    Returns:
        The paths written: CSVs first, then ``datapackage.json`` and
        ``frames.sqlite``, then plots, then the two reports.

    Raises:
        OutputError: ``out_dir`` cannot be written (the previous outputs stay).
    """
    names = plot_names(frames)
    if plotter is not None:
        plotter.draw(frames, ctx.as_of, [n for n in names if n not in plotter.requested], ctx.lang)
    csvs = render_tables(frames)
    markdown = render_markdown(frames, ctx, names)
    drawn = (
        plotter.result()
        if plotter is not None
        else render_plots(frames, ctx.as_of, names, ctx.lang)
    )
    plots = {name: drawn[name] for name in names}
    page = render_html(frames, ctx, plots)

    files = dict(csvs)
    files.update((f"{PLOTS_DIR}/{name}.png", png) for name, png in plots.items())
    files.update({"report.md": markdown.encode("utf-8"), "report.html": page.encode("utf-8")})
    return publish(out_dir, files, OWNED)
