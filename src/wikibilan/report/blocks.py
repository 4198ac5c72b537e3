"""The report's neutral building blocks, and how cell values are shown as text.

``content`` builds a report from these; ``markdown`` and ``html`` render them.
All text in a block is plain text: each renderer escapes it for its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd

from .csv_out import format_number


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report says about the run: which wiki, which bilan, when."""

    site: str
    generated_at: datetime
    as_of: datetime | None = None
    bilan_title: str = ""
    bilan_revid: int | None = None
    tool_version: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    css: str = ""
    href: str = ""  # an in-page anchor, never an outside URL
    code: bool = False


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str = ""
    css: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    css: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[str, ...]
    more: str = ""  # the line that says what was left out


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    row_css: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    caption: str
    note: str = ""


Block = Heading | Paragraph | Quote | Fields | Items | Table | Figure


def slug(text: str) -> str:
    """Make an HTML id / CSS class fragment from any text (``[a-z0-9-]`` only)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def text_of(value: object) -> str:
    """Display a cell value: missing -> empty, timestamps in UTC, the rest as ``str``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, datetime):
        ts = pd.Timestamp(value)
        ts = ts.tz_convert("UTC") if ts.tzinfo else ts
        return ts.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, float | Decimal):
        return format_number(value)
    return " ".join(str(value).split())
