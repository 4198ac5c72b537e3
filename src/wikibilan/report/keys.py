"""The keys the outputs declare: those of :data:`.columns.TABLES` that the data bear out.

A key is declared only when it holds — a primary key unique and never empty, a
reference whose every value is found in its target — so that a tool reading
the outputs (Datasette, frictionless) never meets a broken promise. A declared
key that does not hold is a bug in the reader of the wiki: it is logged, and
the outputs are still written, without that key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .columns import TABLES, Reference

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Keys:
    """What one table declares: primary key, unique columns, references, indexes."""

    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    references: tuple[Reference, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()


def _missing(series: pd.Series) -> pd.Series:
    missing = series.isna()
    if not pd.api.types.is_numeric_dtype(series.dtype):
        missing |= series.astype(object).eq("").fillna(False).astype(bool)
    return missing


def _tuples(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The rows' values in ``columns``, without the rows where any is missing."""
    present = ~pd.concat([_missing(frame[c]) for c in columns], axis=1).any(axis=1)
    kept = frame.loc[present, list(columns)].astype(object)
    return list(kept.itertuples(index=False, name=None))


def _is_key(frame: pd.DataFrame, columns: tuple[str, ...]) -> bool:
    if not columns or not set(columns) <= set(frame.columns):
        return False
    values = _tuples(frame, columns)
    return len(values) == len(frame) and len(set(values)) == len(values)


def _holds(frame: pd.DataFrame, ref: Reference, target: pd.DataFrame) -> bool:
    return set(_tuples(frame, ref.columns)) <= set(_tuples(target, ref.fields))


def table_keys(frames: Mapping[str, pd.DataFrame]) -> dict[str, Keys]:
    """The keys each frame declares (none for a frame :data:`TABLES` does not describe)."""
    own: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {}
    for name, frame in frames.items():
        table = TABLES.get(name)
        if table is None:
            continue
        pk = table.primary_key if _is_key(frame, table.primary_key) else ()
        if table.primary_key and not pk and set(table.primary_key) <= set(frame.columns):
            log.warning(
                "%s: %s is not a key of its rows; declared without one",
                name,
                ", ".join(table.primary_key),
            )
        own[name] = (pk, tuple(u for u in table.unique if _is_key(frame, u)))
    out: dict[str, Keys] = {}
    for name, frame in frames.items():
        table = TABLES.get(name)
        if table is None:
            out[name] = Keys()
            continue
        refs = []
        for ref in table.references:
            if ref.table not in own:
                continue
            pk, unique = own[ref.table]
            if ref.fields not in (pk, *unique) or not set(ref.columns) <= set(frame.columns):
                continue
            if _holds(frame, ref, frames[ref.table]):
                refs.append(ref)
            else:
                log.warning(
                    "%s: some %s are not in %s; declared without that reference",
                    name,
                    ", ".join(ref.columns),
                    ref.table,
                )
        indexes = tuple(i for i in table.indexes if set(i) <= set(frame.columns))
        out[name] = Keys(*own[name], tuple(refs), indexes)
    return out
