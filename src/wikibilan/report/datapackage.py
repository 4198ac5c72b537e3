"""``datapackage.json``: the CSVs described as a Frictionless Tabular Data Package (v1).

Every CSV a run writes is one resource: its columns with their Table Schema type
and description (:mod:`.columns`), its primary and foreign keys (:mod:`.keys`).
:func:`read_package` reads the CSVs back through it, typed as the frames were.

Types: ``string``, ``integer`` (pandas ``Int64``), ``number`` (exact decimals,
read back as ``decimal.Decimal``; with ``"floatNumber": true``, read back as
``float64``), ``boolean`` (``true``/``false``), ``date`` (``YYYY-MM-DD``) and
``datetime`` (``YYYY-MM-DDTHH:MM:SSZ``, UTC). An empty cell is a missing value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from ..errors import InputError
from .columns import FIELD_TYPES, TABLES, column_dtype, describe
from .keys import Keys, table_keys

PACKAGE = "datapackage.json"
TRUE, FALSE = "true", "false"
DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}


def _field(name: str, column: str, series: pd.Series) -> dict[str, Any]:
    dtype = column_dtype(name, column, series)
    field: dict[str, Any] = {"name": column, "type": FIELD_TYPES[dtype][0]}
    text = describe(name, column)
    if text:
        field["description"] = text
    if dtype == "float64":
        field["floatNumber"] = True
    elif dtype == "boolean":
        field.update(trueValues=[TRUE], falseValues=[FALSE])
    return field


def _package_name(frames: Mapping[str, pd.DataFrame]) -> tuple[str, str]:
    """The package's name and the site it describes ("" when no frame says)."""
    pages = frames.get("pages")
    sites = sorted({str(s) for s in pages["site"]}) if pages is not None and "site" in pages else []
    site = sites[0] if len(sites) == 1 else ""
    slug = re.sub(r"[^a-z0-9._-]+", "-", site.lower()).strip("-")
    return (f"wikibilan-{slug}" if slug else "wikibilan"), site


def package_descriptor(
    frames: Mapping[str, pd.DataFrame], keys: Mapping[str, Keys] | None = None
) -> dict[str, Any]:
    """The Data Package describing ``<name>.csv`` for every frame, in ``frames``' order.

    ``keys``: :func:`~.keys.table_keys` of the frames, when the caller has them.
    """
    keys = keys if keys is not None else table_keys(frames)
    resources = []
    for name, frame in frames.items():
        schema: dict[str, Any] = {
            "fields": [_field(name, str(c), frame[c]) for c in frame.columns],
            "missingValues": [""],
        }
        k = keys[name]
        if k.primary_key:
            schema["primaryKey"] = list(k.primary_key)
        if k.references:
            schema["foreignKeys"] = [
                {
                    "fields": list(r.columns),
                    "reference": {"resource": r.table, "fields": list(r.fields)},
                }
                for r in k.references
            ]
        resource: dict[str, Any] = {
            "name": name,
            "path": f"{name}.csv",
            "profile": "tabular-data-resource",
        }
        table = TABLES.get(name)
        if table is not None:
            resource["description"] = f"One row per {table.rows}."
        resource.update(
            format="csv", mediatype="text/csv", encoding="utf-8", dialect=DIALECT, schema=schema
        )
        resources.append(resource)
    name, site = _package_name(frames)
    title = f"wikibilan outputs for {site}" if site else "wikibilan outputs"
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": "The frames read from the wiki and the checks of its published "
        "figures; the columns and rules are in wikibilan's docs/FRAMES.md.",
        "resources": resources,
    }


def render_datapackage(
    frames: Mapping[str, pd.DataFrame], keys: Mapping[str, Keys] | None = None
) -> bytes:
    """``datapackage.json``'s bytes (UTF-8, indented, keys in a fixed order)."""
    text = json.dumps(package_descriptor(frames, keys), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


# -- reading it back ----------------------------------------------------------------------


def _ints(cells: list[str]) -> pd.Series:
    return pd.Series([int(v) if v else None for v in cells], dtype=object).astype("Int64")


def _floats(cells: list[str]) -> pd.Series:
    return pd.Series([float(v) if v else None for v in cells], dtype=object).astype("float64")


def _decimals(cells: list[str]) -> pd.Series:
    return pd.Series([Decimal(v) if v else None for v in cells], dtype=object)


def _dates(cells: list[str]) -> pd.Series:
    values = pd.Series([v or None for v in cells], dtype=object)
    return pd.to_datetime(values, format="%Y-%m-%d").astype("datetime64[s]")


def _datetimes(cells: list[str]) -> pd.Series:
    values = pd.Series([v or None for v in cells], dtype=object)
    return pd.to_datetime(values, utc=True, format="ISO8601")


def _booleans(field: Mapping[str, Any]) -> Callable[[list[str]], pd.Series]:
    truth = {
        **dict.fromkeys(field.get("trueValues", [TRUE]), True),
        **dict.fromkeys(field.get("falseValues", [FALSE]), False),
        "": None,
    }

    def read(cells: list[str]) -> pd.Series:
        return pd.Series([truth[v] for v in cells], dtype=object).astype("boolean")

    return read


def _reader(field: Mapping[str, Any]) -> Callable[[list[str]], pd.Series]:
    kind = field.get("type", "string")
    if kind == "number":
        return _floats if field.get("floatNumber") else _decimals
    if kind == "boolean":
        return _booleans(field)
    readers: dict[str, Callable[[list[str]], pd.Series]] = {
        "integer": _ints,
        "date": _dates,
        "datetime": _datetimes,
    }
    return readers.get(kind, lambda cells: pd.Series(cells, dtype="string"))


def _resource_path(out_dir: Path, rel: object) -> Path:
    path = PurePosixPath(str(rel))
    if not isinstance(rel, str) or path.is_absolute() or ".." in path.parts or not path.parts:
        raise InputError(
            f"{out_dir / PACKAGE}: resource path {rel!r} is not a file in {out_dir}",
            path=str(out_dir / PACKAGE),
        )
    return out_dir.joinpath(*path.parts)


def _read_resource(out_dir: Path, resource: Mapping[str, Any]) -> pd.DataFrame:
    path = _resource_path(out_dir, resource.get("path"))
    fields = resource.get("schema", {}).get("fields", [])
    names = [str(f["name"]) for f in fields]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", path=str(path)) from exc
    if not text.strip():
        raw = pd.DataFrame(columns=names)
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    if [str(c) for c in raw.columns] != names:
        raise InputError(
            f"{path}: its columns are not those {PACKAGE} describes ({', '.join(names)})",
            path=str(path),
        )
    out = {}
    for field in fields:
        cells = [str(v) for v in raw[field["name"]].tolist()]
        try:
            out[str(field["name"])] = _reader(field)(cells).reset_index(drop=True)
        except (ValueError, KeyError, InvalidOperation) as exc:
            raise InputError(
                f"{path}: column {field['name']} holds a value that is not "
                f"a {field.get('type')}: {exc}",
                path=str(path),
            ) from exc
    return pd.DataFrame(out, columns=names)


def read_package(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every resource of ``out_dir/datapackage.json``, read and typed, by name.

    Raises:
        InputError: there is no datapackage.json in ``out_dir``, or it or a CSV it
            describes cannot be read as described.
    """
    path = out_dir / PACKAGE
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"no {PACKAGE} in {out_dir}: write the outputs there first "
            "(`wikibilan run` or `wikibilan extract`)",
            path=str(path),
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}", path=str(path)) from exc
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise InputError(f"{path} is not a data package (no resources)", path=str(path))
    return {str(r["name"]): _read_resource(out_dir, r) for r in resources}
