"""Rows -> typed pandas DataFrames with declared schemas (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields, is_dataclass
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any

import pandas as pd

from wikibilan.errors import SchemaError
from wikibilan.extract.rows import Provenance

# Column -> dtype. "decimal" columns hold decimal.Decimal objects (exact money and
# figures); "date"/"datetime" are datetime64 (UTC for datetimes).
SCHEMAS: dict[str, dict[str, str]] = {
    "pages": {
        "site": "string", "page_id": "Int64", "title": "string", "kind": "string",
        "n_revisions": "Int64", "first_rev_at": "datetime", "last_rev_at": "datetime",
        "url": "string",
    },
    "revisions": {
        "site": "string", "page_id": "Int64", "title": "string", "revid": "Int64",
        "parentid": "Int64", "timestamp": "datetime", "user": "string", "comment": "string",
        "size": "Int64", "sha1": "string", "source": "string",
    },
    "events": {
        "event_id": "string", "kind": "string", "title": "string", "date_start": "date",
        "date_end": "date", "place": "string", "n_participants": "Int64",
        "participants_basis": "string", "n_listed": "Int64", "n_planned": "Int64",
        "n_stated": "Int64", "page": "string", "revid": "Int64", "section": "string",
        "line": "Int64", "missing_pages": "string",
    },
    "attendance": {
        "event_id": "string", "name_raw": "string", "name_key": "string", "role": "string",
        "note": "string", "uncertain": "boolean", "page": "string", "revid": "Int64",
        "section": "string", "line": "Int64",
    },
    "workshops": {
        "workshop_id": "string", "event_id": "string", "theme": "string",
        "is_initiation": "boolean", "n_participants": "Int64", "date": "date",
        "page": "string", "revid": "Int64", "section": "string", "line": "Int64",
    },
    "expenses": {
        "label": "string", "month": "string", "amount_eur": "decimal", "page": "string",
        "revid": "Int64", "section": "string", "line": "Int64",
    },
    "claims": {
        "claim_id": "string", "revid": "Int64", "timestamp": "datetime", "user": "string",
        "section": "string", "line": "Int64", "text": "string", "value": "decimal",
        "unit": "string", "qualifier": "string", "low": "decimal", "high": "decimal",
        "label": "string", "measure": "string",
    },
    "coverage": {
        "title": "string", "status": "string", "linked_from": "string", "n_links": "Int64",
    },
    "warnings": {
        "page": "string", "revid": "Int64", "line": "Int64", "reason": "string",
        "text": "string",
    },
    # One row per check (checks.py): figures are numbers, the published one also as text.
    "checks": {
        "claim_id": "string", "check": "string", "revid": "Int64", "as_of": "datetime",
        "text": "string", "published": "float64", "published_text": "string",
        "qualifier": "string", "recomputed": "float64", "recomputed_low": "float64",
        "recomputed_high": "float64", "tolerance": "string", "low": "float64",
        "high": "float64", "gap": "float64", "verdict": "string", "holds_by": "string",
        "method": "string", "evidence": "string",
    },
}  # fmt: skip


def _flatten(row: Any) -> dict[str, Any]:
    """A row dataclass as a flat dict; its ``where`` provenance becomes four columns."""
    if not is_dataclass(row) or isinstance(row, type):
        raise TypeError(f"not a row record: {row!r}")
    out: dict[str, Any] = {}
    for key, value in asdict(row).items():
        if key == "where":
            out.update(value)
        else:
            out[key] = value
    return out


@cache
def _paths(cls: type) -> tuple[tuple[str, str], ...]:
    """(column, attribute path) of a row class, its ``where`` provenance flattened."""
    out: list[tuple[str, str]] = []
    for f in fields(cls):
        if f.name == "where":
            out += [(p.name, f"where.{p.name}") for p in fields(Provenance)]
        else:
            out.append((f.name, f.name))
    return tuple(out)


def _columns(rows: list[Any]) -> dict[str, list[Any]] | None:
    """Column lists of rows that are all of one row class (else None): no per-row dicts."""
    cls = type(rows[0])
    if not is_dataclass(cls) or any(type(r) is not cls for r in rows):
        return None
    if any(f.name == "where" for f in fields(cls)) and any(
        type(r.where) is not Provenance for r in rows
    ):
        return None
    return {column: list(map(attrgetter(path), rows)) for column, path in _paths(cls)}


def _coerce(series: pd.Series, dtype: str) -> pd.Series:
    if dtype == "datetime":
        return pd.to_datetime(series, utc=True)
    if dtype == "date":
        return pd.to_datetime(series).astype("datetime64[s]")
    if dtype == "decimal":
        return series.map(lambda v: v if v is None or isinstance(v, Decimal) else Decimal(str(v)))
    return series.astype(dtype)  # type: ignore[call-overload]


def make_frame(name: str, rows: Iterable[Any] | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the frame ``name`` from row records or dicts, typed by its schema."""
    schema = SCHEMAS[name]
    rows = list(rows)
    columns = _columns(rows) if rows else None
    if columns is not None:
        df = pd.DataFrame({c: columns.get(c, [None] * len(rows)) for c in schema})
    else:
        records = [r if isinstance(r, Mapping) else _flatten(r) for r in rows]
        df = (
            pd.DataFrame.from_records(records, columns=list(schema))
            if records
            else (pd.DataFrame({c: pd.Series([], dtype="object") for c in schema}))
        )
    df = df[list(schema)]
    for column, dtype in schema.items():
        df[column] = _coerce(df[column], dtype)
    return df.reset_index(drop=True)


def validate(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Check a frame against its schema; return it unchanged or raise SchemaError."""
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise SchemaError(f"frame {name} lacks columns {missing}")
    for column, dtype in schema.items():
        actual = str(df[column].dtype)
        ok = {
            "datetime": actual.startswith("datetime64") and "UTC" in actual,
            "date": actual.startswith("datetime64"),
            "decimal": actual == "object"
            and all(v is None or isinstance(v, Decimal) for v in df[column]),
        }.get(dtype, actual == dtype)
        if not ok:
            raise SchemaError(f"frame {name}: column {column} is {actual}, expected {dtype}")
    return df
