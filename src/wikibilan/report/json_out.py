"""A frame as a JSON array of objects (``wikibilan check --json``).

Numbers stay numbers (integers as integers, figures and amounts as decimals),
booleans are ``true``/``false``, dates and timestamps are written as in the CSVs
(``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SSZ``), and a missing value — an empty cell
in the CSV: NA, NaN, an empty string — is ``null``.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pandas as pd

from .columns import column_dtype
from .csv_out import format_frame

JSON = None | bool | int | float | str


def _value(text: str, dtype: str) -> JSON:
    if text == "":
        return None
    if dtype == "boolean":
        return text == "true"
    if dtype == "Int64":
        return int(text)
    if dtype in ("float64", "decimal"):
        if text.lstrip("-").isdigit():  # written as a whole number in the CSV: so here
            return int(text)
        number = float(Decimal(text))
        return number if math.isfinite(number) else None
    return text


def frame_records(frame: pd.DataFrame, name: str = "") -> list[dict[str, JSON]]:
    """One dict per row, column -> JSON value; ``name`` (a frame's) gives declared types."""
    texts = format_frame(frame)  # the CSV's cells, read back by type
    columns = {str(c): column_dtype(name, str(c), frame[c]) for c in frame.columns}
    cells = {c: texts[c].tolist() for c in columns}
    return [
        {c: _value(cells[c][i], dtype) for c, dtype in columns.items()} for i in range(len(frame))
    ]


def frame_to_json(frame: pd.DataFrame, name: str = "") -> str:
    """The frame as a JSON array of objects (see the module docstring), indented."""
    return json.dumps(frame_records(frame, name), ensure_ascii=False, indent=2, allow_nan=False)
