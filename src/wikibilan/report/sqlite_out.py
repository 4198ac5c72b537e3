"""``frames.sqlite``: every frame as one typed SQLite table, ready for Datasette.

Columns are declared ``INTEGER`` (integers, booleans as 0/1), ``REAL`` (figures
and amounts) or ``TEXT`` (text, dates and timestamps in the CSVs' ISO forms);
each column's description is a comment in its table's SQL. Primary keys,
references and indexes are those of :mod:`.keys`. A missing value (an empty
cell in the CSV) is NULL. The database is built in memory and returned as
bytes, so that it is staged and published with the other outputs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping

import pandas as pd

from .columns import FIELD_TYPES, column_dtype, describe
from .csv_out import format_columns
from .keys import Keys, table_keys

Cell = int | float | str | None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _converter(dtype: str) -> Callable[[str], Cell]:
    """The CSV cell -> the SQLite value of a column of schema type ``dtype``."""
    sql = FIELD_TYPES[dtype][1]
    if dtype == "boolean":
        return lambda v: None if v == "" else int(v == "true")
    number: Callable[[str], Cell] | None = {"INTEGER": int, "REAL": float}.get(sql)
    if number is None:
        return lambda v: None if v == "" else v

    def convert(v: str) -> Cell:
        if v == "":
            return None
        try:
            return number(v)
        except ValueError:  # SQLite keeps a value its column's type cannot hold, as text
            return v

    return convert


def _create_table(name: str, frame: pd.DataFrame, keys: Keys) -> str:
    columns = [str(c) for c in frame.columns]
    parts = [f"{_quote(c)} {FIELD_TYPES[column_dtype(name, c, frame[c])][1]}" for c in columns]
    if keys.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(map(_quote, keys.primary_key))})")
    for ref in keys.references:
        parts.append(
            f"FOREIGN KEY ({', '.join(map(_quote, ref.columns))}) "
            f"REFERENCES {_quote(ref.table)} ({', '.join(map(_quote, ref.fields))})"
        )
    notes = {i: describe(name, c) for i, c in enumerate(columns)}
    lines = []
    for i, part in enumerate(parts):
        comma = "," if i < len(parts) - 1 else ""
        note = " ".join(notes.get(i, "").split())
        lines.append(f"  {part}{comma}" + (f"  -- {note}" if note else ""))
    return f"CREATE TABLE {_quote(name)} (\n" + "\n".join(lines) + "\n)"


def _indexes(name: str, keys: Keys) -> list[str]:
    out = []
    for unique, columns in [*((True, u) for u in keys.unique), *((False, i) for i in keys.indexes)]:
        index = _quote(f"{name}_{'_'.join(columns)}")
        head = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
        out.append(f"{head} {index} ON {_quote(name)} ({', '.join(map(_quote, columns))})")
    return out


def _rows(name: str, frame: pd.DataFrame, cells: Mapping[str, list[str]]) -> list[tuple[Cell, ...]]:
    columns = [
        list(map(_converter(column_dtype(name, str(c), frame[c])), cells[str(c)]))
        for c in frame.columns
    ]
    return list(zip(*columns, strict=True)) if columns else []


def render_sqlite(
    frames: Mapping[str, pd.DataFrame],
    cells: Mapping[str, Mapping[str, list[str]]] | None = None,
    keys: Mapping[str, Keys] | None = None,
) -> bytes:
    """A SQLite database holding one table per frame, as bytes.

    Its values are the CSVs' cells (``cells``: each frame's
    :func:`~.csv_out.format_columns`, when the caller has them), so that the two
    outputs say the same. ``keys``: :func:`~.keys.table_keys` of the frames, when
    the caller has them.
    """
    keys = keys if keys is not None else table_keys(frames)
    conn = sqlite3.connect(":memory:")
    try:
        with conn:
            for name, frame in frames.items():
                if not len(frame.columns):
                    continue  # SQLite has no table without columns
                conn.execute(_create_table(name, frame, keys[name]))
                marks = ", ".join("?" * len(frame.columns))
                conn.executemany(
                    f"INSERT INTO {_quote(name)} VALUES ({marks})",
                    _rows(name, frame, cells[name] if cells is not None else format_columns(frame)),
                )
                for statement in _indexes(name, keys[name]):
                    conn.execute(statement)
        return conn.serialize()
    finally:
        conn.close()
