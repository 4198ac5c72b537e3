"""Wikitext and rendered HTML become one small block model.

Extractors never see markup: they see ``Block`` records (headings, list items,
table rows, paragraphs) each carrying its section path and source position.
``parse_wikitext`` and ``parse_html`` give the same blocks for a page and its
MediaWiki rendering: same kinds, levels, sections, texts, links and cells.

Text reduction, on both sides: templates dropped (a few trivial ones kept as
their text), links reduced to their label, bold/italic/HTML tags stripped,
entities decoded, ``<br>`` as a space, whitespace (no-break spaces included)
collapsed, comments, references, files and categories dropped.

Neither function raises on odd input: both parsers never fail, and anything
else that goes wrong falls back to one paragraph per line of plain text.

``blocks`` holds the model and what both sides share, ``wikitext`` and
``html`` one side each.
"""

from __future__ import annotations

import re

from wikibilan.titles import normalize_title

from .blocks import Block, BlockKind, Document, title_from_href
from .html import parse_html
from .wikitext import parse_wikitext

__all__ = [
    "Block",
    "BlockKind",
    "Document",
    "normalize_title",
    "parse_html",
    "parse_revision",
    "parse_wikitext",
    "title_from_href",
]


def parse_revision(
    content: str,
    content_model: str,
    *,
    title: str = "",
    revid: int = 0,
    chrome: tuple[re.Pattern[str], ...] = (),
) -> Document:
    """Parse a revision's content by its model: ``"wikitext"`` or ``"html"``.

    ``chrome``: lines the site's static archive adds to its pages (its profile's).
    """
    if content_model == "html":
        return parse_html(content, title=title, revid=revid, chrome=chrome)
    return parse_wikitext(content, title=title, revid=revid)
