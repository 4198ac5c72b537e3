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

from ..specs import Registry
from .csv_out import format_number


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What the report says about the run: which wiki, which bilan, when, in which language.

    ``lang`` is the report's language (``fr``, ``en``); ``wiki_lang`` the wiki's, in
    which its sentences are quoted. ``time_zone`` is the wiki's, for times.
    ``article_url`` is how the site builds page URLs (``https://host/wiki/$1``;
    default: read from the pages frame's URLs). ``registry`` holds the claims of
    the profile (to name internal checks by the figure they are about), and
    ``counted`` what each check counted (:func:`wikibilan.checks.counted_frame`).
    """

    site: str
    generated_at: datetime
    as_of: datetime | None = None
    bilan_title: str = ""
    bilan_revid: int | None = None
    tool_version: str = ""
    lang: str = "en"
    wiki_lang: str = ""
    time_zone: str = "UTC"
    article_url: str = ""
    registry: Registry | None = None
    counted: pd.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """Text linking to a web URL on the wiki (or an in-page ``#anchor``)."""

    text: str
    url: str


Inline = str | Link
Rich = str | tuple[Inline, ...]  # plain text, or text with links


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    css: str = ""
    href: str = ""  # an in-page anchor
    code: bool = False
    url: str = ""  # a link to the wiki (a page or a revision)


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
    lang: str = ""  # the language of the quoted text, when not the report's


@dataclass(frozen=True, slots=True)
class Fields:
    items: tuple[tuple[str, Rich], ...]


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[Rich, ...]
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
    alt: str = ""  # what the image shows, for those who cannot see it


Block = Heading | Paragraph | Quote | Fields | Items | Table | Figure


def plain(text: Rich) -> str:
    """The text of rich text, links dropped."""
    if isinstance(text, str):
        return text
    return "".join(part if isinstance(part, str) else part.text for part in text)


def is_web_url(url: str) -> bool:
    """A link the report may write: an http(s) URL or an in-page anchor, nothing else."""
    return url.startswith(("https://", "http://", "#"))


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
