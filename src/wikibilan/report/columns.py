"""What every output table holds, written once as data: rows, columns, keys.

``datapackage.json`` (:mod:`.datapackage`), ``frames.sqlite`` (:mod:`.sqlite_out`)
and the column tables of docs/FRAMES.md (:func:`document_columns`) are all made
from :data:`TABLES`; the column types come from the frames' schemas
(:data:`wikibilan.frames.SCHEMAS`, and :data:`EXTRA_DTYPES` for the frames the
checks make). A frame not described here is still written, typed by its dtypes,
without descriptions or keys.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ..frames import SCHEMAS

PROVENANCE = {
    "page": "Title of the page the row was read from.",
    "revid": "Revision of that page that was read (see revisions).",
    "section": "Heading path of the line, headings joined with ` > `; empty above the "
    "first heading or for a page's title.",
    "line": "1-based line in the wikitext (or the HTML element's source line); empty for "
    "a page's title.",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """Columns of a table that name a row of another: ``columns`` -> ``table.fields``."""

    columns: tuple[str, ...]
    table: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """One output table: what a row is, its columns' meaning, its keys."""

    rows: str
    columns: Mapping[str, str]
    primary_key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    key_note: str = ""  # for a table without a primary key: what identifies a row


def _revid(*columns: str) -> tuple[Reference, ...]:
    return tuple(Reference((c,), "revisions", ("revid",)) for c in columns)


_EVENT = (Reference(("event_id",), "events", ("event_id",)),)
_ROWID = "none: a row is its position in the CSV (SQLite's rowid, from 1)"

TABLES: dict[str, Table] = {
    "pages": Table(
        "page of the wiki the store holds",
        {
            "site": "The wiki: its host (and path), e.g. `wiki.example.org`.",
            "page_id": "The wiki's id of the page.",
            "title": "The page's title, with spaces.",
            "kind": "What the page was read as: an event kind, `subpage`, `workshop`, "
            "`workshop_list`, `hub`, `report` or `other` (see Page kinds).",
            "n_revisions": "Revisions of the page in the store.",
            "first_rev_at": "Its first stored revision (UTC): when the page was created, "
            "when its whole history was fetched.",
            "last_rev_at": "Its latest stored revision (UTC).",
            "url": "The page's URL, as the wiki builds it.",
        },
        primary_key=("site", "page_id"),
        indexes=(("title",),),
    ),
    "revisions": Table(
        "revision in the store (its metadata; the content stays in the store)",
        {
            "site": "The wiki (as in pages).",
            "page_id": "The page (as in pages).",
            "title": "The page's title.",
            "revid": "The wiki's id of the revision, unique on its wiki.",
            "parentid": "The page's previous revision; empty for its first.",
            "timestamp": "When the revision was saved (UTC).",
            "user": "Who saved it: a user name, or an IP address.",
            "comment": "The edit summary.",
            "size": "Size of its content in bytes.",
            "sha1": "SHA-1 of its content, hexadecimal (`wikibilan verify` checks it).",
            "source": "Where it was read from: `api`, `archive` or `dump`.",
        },
        primary_key=("site", "revid"),
        references=(Reference(("site", "page_id"), "pages", ("site", "page_id")),),
        indexes=(("site", "page_id"), ("title",)),
        unique=(("revid",),),
    ),
    "events": Table(
        "gathering the pages record: a meeting, an assembly, a workshop day, a visit …",
        {
            "event_id": "`<date_start>-<kind>`, with `-2`, `-3` for a second or third on "
            "the same day and kind.",
            "kind": "The event's kind, from the profile's vocabulary (`meeting` when nothing "
            "names one).",
            "title": "The event page's title (a hub line's text for an event known only "
            "from a hub).",
            "date_start": "The day it began.",
            "date_end": "The day it ended (the same day for most).",
            "place": "Where it was held, as the page writes it; empty when it does not say.",
            "n_participants": "How many took part: `n_stated`, else `n_listed` if > 0, else "
            "`n_planned` if > 0, else empty.",
            "participants_basis": "Where `n_participants` comes from: `stated`, `listed`, "
            "`planned` or `absent`.",
            "n_listed": "Distinct people listed as present on the event's page and its sub-pages.",
            "n_planned": "People on a list of those planning to come.",
            "n_stated": "A number of people written in prose; empty when none.",
            **PROVENANCE,
            "page": "Page the event's date was read from.",
            "missing_pages": "Pages the event's record needs that the store lacks (a hub's "
            "link never fetched, a sub-page linked but absent), `A; B`: a check counting the "
            "event is then `incomplete`.",
        },
        primary_key=("event_id",),
        references=_revid("revid"),
        indexes=(("date_start",), ("page",), ("revid",)),
    ),
    "attendance": Table(
        "person listed at an event, once per role",
        {
            "event_id": "The event (see events).",
            "name_raw": "The name as written.",
            "name_key": "The name normalised to match spellings across pages (`marie d`).",
            "role": "`present`, `planned` or `interested`.",
            "note": "A short bracketed phrase beside the name, without its parentheses.",
            "uncertain": "`true` when the note or the name says the presence is uncertain.",
            **PROVENANCE,
        },
        references=(*_EVENT, *_revid("revid")),
        indexes=(("event_id",), ("name_key",), ("revid",)),
        key_note=_ROWID + "; the same name_key can appear twice for one event and role "
        "when two spellings are resolved to one key",
    ),
    "workshops": Table(
        "workshop held at an event, or listed on the workshop list",
        {
            "workshop_id": "`<page title with _ for spaces>#<line>` (`#0` for a whole page).",
            "event_id": "The event it was held at; empty for a theme of the workshop list.",
            "theme": "Its theme, as written.",
            "is_initiation": "`true` when the theme says `initiation`.",
            "n_participants": "Participants written for it; empty when none.",
            "date": "The session's day, else its event's.",
            **PROVENANCE,
        },
        primary_key=("workshop_id",),
        references=(*_EVENT, *_revid("revid")),
        indexes=(("event_id",), ("revid",)),
    ),
    "expenses": Table(
        "expense line of the report's expenses section (latest report revision)",
        {
            "label": "What was paid for, as written.",
            "month": "The month of the expense, `YYYY-MM`.",
            "amount_eur": "The amount in euros, an exact decimal (`159.20`).",
            **PROVENANCE,
        },
        references=_revid("revid"),
        indexes=(("revid",),),
        key_note=_ROWID,
    ),
    "claims": Table(
        "published figure, per report revision",
        {
            "claim_id": "The figure's id, from the profile's claims (`<id>:<row>` for a "
            "table of figures).",
            "revid": "The report revision stating it.",
            "timestamp": "When that revision was saved (UTC).",
            "user": "Who saved it.",
            "section": PROVENANCE["section"],
            "line": PROVENANCE["line"],
            "text": "The whole line the figure stands on (a table row's cells joined by ` | `).",
            "value": "The figure, an exact decimal; empty for a range.",
            "unit": "`events`, `months`, `people`, `workshops`, `pages`, `members`, `themes`, "
            "`decisions`, `partners`, `eur`, `entries` or `share`.",
            "qualifier": "What the wording allows: `exact`, `approx`, `at_least`, `mean` or "
            "`range`.",
            "low": "A range's lower end; empty otherwise.",
            "high": "A range's upper end; empty otherwise.",
            "label": "The figure's name in the profile.",
            "measure": "The profile's recomputation for it (`count_events`, …); empty when none.",
        },
        primary_key=("claim_id", "revid"),
        references=_revid("revid"),
        indexes=(("revid",),),
    ),
    "coverage": Table(
        "page the snapshot holds or links to",
        {
            "title": "The page's title.",
            "status": (
                "`fetched` (in the store); for a page the store lacks, what the last fetch "
                "saw: `missing` (404 on the wiki or mirror), `found` (linked, not fetched) "
                "or `skipped` (left out by the selection's title filter)."
            ),
            "linked_from": "The pages linking to it, `A; B`.",
            "n_links": "How many pages link to it.",
        },
        primary_key=("title",),
    ),
    "warnings": Table(
        "page or line that could not be read, or was read on weak evidence",
        {
            "page": "The page.",
            "revid": "The revision read.",
            "line": "The line (0 or empty for the whole page).",
            "reason": "Why it is listed.",
            "text": "The line's text, or what to do.",
        },
        references=_revid("revid"),
        indexes=(("page",), ("revid",)),
        key_note=_ROWID,
    ),
    "checks": Table(
        "check of the latest report revision: a published figure, or an internal check",
        {
            "claim_id": "The claim (see claims), or `internal:<id>` for an internal check.",
            "check": "`data` (recomputed from the frames) or `internal` (from the report alone).",
            "revid": "The report revision checked.",
            "as_of": "When the wiki was read at (UTC): the report revision's timestamp, or "
            "`--as-of`.",
            "text": "The line the figure stands on.",
            "published": "The published figure; empty for a range.",
            "published_text": "The figure as published (`13.5`, `1022.66`, a range as `3-21`).",
            "qualifier": "As in claims.",
            "recomputed": "The value recomputed, to the cent; empty when there is none.",
            "recomputed_low": "A range's recomputed minimum.",
            "recomputed_high": "A range's recomputed maximum.",
            "tolerance": "The rule in words (`equal`, `±2.5`, `> 30`, `rounds to 13.5 (1 "
            "decimals)`).",
            "low": "The lowest value the wording allows (a range's own lower end).",
            "high": "The highest value the wording allows (a range's own upper end).",
            "gap": "recomputed − published.",
            "verdict": "`reproduced`, `approximately`, `contradicted`, `incomplete` or "
            "`not_checkable`.",
            "holds_by": "`qualifier` or `rounding` when the figure holds only by its wording.",
            "method": "What was recomputed, in words (or why it cannot be).",
            "evidence": "The page revisions the recomputation read: `Title@revid; "
            "Title@revid` (see Evidence).",
        },
        primary_key=("claim_id", "check"),
        references=_revid("revid"),
        indexes=(("revid",), ("verdict",)),
    ),
    "claim_history": Table(
        "claim × report revision, from the revision that first states it",
        {
            "claim_id": "The claim (see claims).",
            "revid": "The report revision.",
            "timestamp": "When it was saved (UTC).",
            "user": "Who saved it.",
            "value": "The figure in that revision (as text); empty once removed.",
            "status": "`added`, `same`, `changed` or `removed` (gone from this revision).",
            "changed": "`false` when the value is the same as in the previous revision.",
            "first_revid": "The revision that first wrote the current value; empty once removed.",
            "first_timestamp": "When that revision was saved (UTC).",
            "first_user": "Who saved it.",
            "check_verdict": "The internal check's verdict about the figure in this "
            "revision; empty when none.",
            "check_method": "That check's method.",
        },
        primary_key=("claim_id", "revid"),
        references=_revid("revid", "first_revid"),
        indexes=(("revid",),),
    ),
}

# The frames the checks make are plain DataFrames: their types are declared here.
EXTRA_DTYPES: dict[str, dict[str, str]] = {
    "claim_history": {
        "claim_id": "string", "revid": "Int64", "timestamp": "datetime", "user": "string",
        "value": "string", "status": "string", "changed": "boolean", "first_revid": "Int64",
        "first_timestamp": "datetime", "first_user": "string", "check_verdict": "string",
        "check_method": "string",
    },
}  # fmt: skip

# A datetime column holds dates, not instants, when its name says so (as in csv_out).
_DATE_NAME = re.compile(r"^(date|date_.+|.+_date)$")


def declared_dtypes(name: str) -> Mapping[str, str]:
    """The schema's types of frame ``name`` (``string``, ``Int64``, ``date``…); {} if unknown."""
    return SCHEMAS.get(name) or EXTRA_DTYPES.get(name) or {}


def _dtype_of(column: str, series: pd.Series) -> str:
    """The schema type a series' dtype says (``string`` for text and anything else).

    An object series of ``Decimal`` values is ``decimal``, as the frames hold
    exact figures and money.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "Int64"
    if pd.api.types.is_float_dtype(dtype):
        return "float64"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "datetime"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "date" if _DATE_NAME.match(column) else "datetime"
    if pd.api.types.is_object_dtype(dtype):
        values = series[series.notna()]
        if len(values) and all(isinstance(v, Decimal) for v in values):
            return "decimal"  # the frames' exact numbers
    return "string"


# What an object column may hold for its declared type to be believed.
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "decimal": (Decimal, int),
    "float64": (float, int, Decimal),
    "Int64": (int,),
    "boolean": (bool,),
    "date": (dt.date,),
    "datetime": (dt.datetime,),
}


def column_dtype(name: str, column: str, series: pd.Series | None = None) -> str:
    """A column's schema type: the declared one when the series agrees, else its own.

    Frames built by the pipeline are typed as declared; a frame built by hand
    (a notebook's, a test's) is described by what it holds.
    """
    declared = declared_dtypes(name).get(column)
    if series is None:
        return declared or "string"
    own = _dtype_of(column, series)
    if declared is None or declared == own:
        return declared or own
    if pd.api.types.is_object_dtype(series.dtype):
        kinds = _PYTHON_TYPES.get(declared, ())
        values = series[series.notna()]
        if all(isinstance(v, kinds) for v in values):
            return declared
        return own
    if {own, declared} <= {"date", "datetime"}:
        return declared
    return own


# Schema type -> (Table Schema type, SQLite type).
FIELD_TYPES: dict[str, tuple[str, str]] = {
    "string": ("string", "TEXT"),
    "Int64": ("integer", "INTEGER"),
    "float64": ("number", "REAL"),
    "decimal": ("number", "REAL"),
    "boolean": ("boolean", "INTEGER"),
    "date": ("date", "TEXT"),
    "datetime": ("datetime", "TEXT"),
}


def describe(name: str, column: str) -> str:
    """The description of a column ("" when it has none)."""
    table = TABLES.get(name)
    return table.columns.get(column, "") if table is not None else ""


def columns_markdown(name: str) -> str:
    """The column table of frame ``name`` for docs/FRAMES.md."""
    table = TABLES[name]
    lines = ["| column | type | description |", "|---|---|---|"]
    for column, text in table.columns.items():
        kind = FIELD_TYPES[column_dtype(name, column)][0]
        lines.append(f"| `{column}` | {kind} | {text} |")
    key = ", ".join(f"`{c}`" for c in table.primary_key) or table.key_note
    lines.append("")
    lines.append(f"Primary key: {key}.")
    if table.references:
        refs = "; ".join(
            f"`{', '.join(r.columns)}` → {r.table} (`{', '.join(r.fields)}`)"
            for r in table.references
        )
        lines.append(f"References: {refs}.")
    return "\n".join(lines)


# A block: its opening line, anything but another block's opening, its closing line.
_BLOCK = re.compile(
    r"(<!-- columns: (\w+) -->\n)(?:(?!<!-- columns: ).)*?(<!-- /columns -->)", re.S
)


def document_columns(text: str) -> str:
    """``text`` (docs/FRAMES.md) with every ``<!-- columns: NAME -->`` block regenerated."""
    return _BLOCK.sub(lambda m: m.group(1) + columns_markdown(m.group(2)) + "\n" + m.group(3), text)
