"""Frames -> CSV text with the project's conventions.

Conventions (docs/FRAMES.md): UTF-8, ``\\n`` line ends, no index, dates
``YYYY-MM-DD``, timestamps ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, booleans
``true``/``false``, decimals as plain strings, empty cell for missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

FRAME_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A datetime column holds dates, not instants, when its name says so.
DATE_COLUMN = re.compile(r"^(date|date_.+|.+_date)$")


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def format_timestamp(value: dt.datetime | pd.Timestamp) -> str:
    """Format an instant as ``YYYY-MM-DDTHH:MM:SSZ``; naive values are taken as UTC."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_number(value: float | int | decimal.Decimal | np.integer | np.floating) -> str:
    """Format a number as a plain decimal string: no exponent, no trailing ``.0``."""
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    return np.format_float_positional(float(value), trim="-")


def format_cell(value: object, *, as_date: bool = False) -> str:
    """Format one value for a CSV cell (see the module docstring)."""
    if _is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp | np.datetime64):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if as_date else format_timestamp(ts)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | decimal.Decimal | np.integer | np.floating):
        return format_number(value)
    return str(value)


def _formatter(series: pd.Series, name: str) -> Callable[[Any], str]:
    as_date = bool(DATE_COLUMN.match(name))
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if as_date:
            return lambda v: "" if _is_missing(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
        return lambda v: "" if _is_missing(v) else format_timestamp(v)
    return lambda v: format_cell(v, as_date=as_date)


def _format_cells(series: pd.Series, name: str) -> list[str]:
    """Format one column cell by cell: what :func:`_format_column` must equal, and its fallback."""
    fmt = _formatter(series, name)
    return [fmt(v) for v in series.to_numpy(dtype=object)]


def _fill(texts: np.ndarray, missing: np.ndarray) -> list[str]:
    out: list[str] = texts.tolist()
    for i in np.flatnonzero(missing).tolist():
        out[i] = ""
    return out


def _format_datetimes(series: pd.Series, as_date: bool) -> list[str] | None:
    """Whole-column form of the datetime cells; None where numpy would differ from strftime."""
    if series.dt.tz is not None:
        # An instant is written in UTC; a date is the day in the value's own zone.
        if not as_date:
            series = series.dt.tz_convert("UTC")
        series = series.dt.tz_localize(None)
    values = series.to_numpy().astype("datetime64[s]")
    missing = np.isnat(values)
    years = values[~missing].astype("datetime64[Y]").astype(np.int64) + 1970
    # strftime writes years below 1000 unpadded and cannot write years past 9999.
    if len(years) and (years.min() < 1000 or years.max() > 9999):
        return None
    if as_date:
        return _fill(np.datetime_as_string(values.astype("datetime64[D]")), missing)
    return _fill(np.char.add(np.datetime_as_string(values), "Z"), missing)


def _format_column(series: pd.Series, name: str) -> list[str]:
    """Format one column as :func:`format_cell` does each cell, a column at a time."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _format_cells(series, name)
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        texts = _format_datetimes(series, bool(DATE_COLUMN.match(name)))
        if texts is not None:
            return texts
    elif isinstance(dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value="").tolist()
    elif pd.api.types.is_bool_dtype(dtype):
        flags = series.to_numpy(dtype=bool, na_value=False)
        return _fill(np.where(flags, "true", "false"), missing)
    elif pd.api.types.is_integer_dtype(dtype):
        wide = np.uint64 if pd.api.types.is_unsigned_integer_dtype(dtype) else np.int64
        ints = series.to_numpy(dtype=wide, na_value=0)
        return _fill(ints.astype(str), missing)
    elif pd.api.types.is_float_dtype(dtype):
        floats = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return [
            "" if gap else np.format_float_positional(v, trim="-")
            for v, gap in zip(floats.tolist(), missing.tolist(), strict=True)
        ]
    return _format_cells(series, name)


def _format_columns(frame: pd.DataFrame) -> dict[str, list[str]]:
    return {str(name): _format_column(frame[name], str(name)) for name in frame.columns}


def format_columns(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Every column of ``frame`` as its CSV cells, by column name."""
    return _format_columns(frame)


def format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` where every cell is its CSV string."""
    out = pd.DataFrame(index=range(len(frame)))
    for name, texts in _format_columns(frame).items():
        out[name] = pd.Series(texts, index=out.index, dtype=object)
    return out


def frame_to_csv(frame: pd.DataFrame, cells: Mapping[str, list[str]] | None = None) -> str:
    """Render ``frame`` as CSV text (header row, no index, ``\\n`` line ends).

    ``cells``: its :func:`format_columns`, when the caller already has them.
    """
    if not len(frame.columns):
        text: str = format_frame(frame).to_csv(index=False, lineterminator="\n")
        return text
    columns = cells if cells is not None else _format_columns(frame)
    # The csv module is what DataFrame.to_csv writes with, minus the frame it would build.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns.keys())
    writer.writerows(zip(*columns.values(), strict=True))
    return buf.getvalue()


def render_csvs(
    frames: Mapping[str, pd.DataFrame], cells: Mapping[str, Mapping[str, list[str]]] | None = None
) -> dict[str, bytes]:
    """Render every frame to CSV bytes, keyed by file name (``<name>.csv``).

    ``cells``: each frame's :func:`format_columns` by name, when the caller has them.

    Raises:
        ValueError: a frame name is not a plain lower-case identifier.
    """
    out: dict[str, bytes] = {}
    for name, frame in frames.items():
        if not FRAME_NAME.match(name):
            raise ValueError(f"frame name {name!r} is not a valid file name")
        given = cells.get(name) if cells is not None else None
        out[f"{name}.csv"] = frame_to_csv(frame, given).encode("utf-8")
    return out
