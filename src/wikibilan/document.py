"""Wikitext and rendered HTML become one small block model.

Extractors never see markup: they see ``Block`` records (headings, list items,
table rows, paragraphs) each carrying its section path and source position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["heading", "item", "row", "para"]


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit of a page.

    ``level`` is the heading level (2 for ``==``) or the list depth (1 for
    ``*``), 0 for rows and paragraphs. ``section`` is the path of headings
    above the block (a heading's own section excludes itself). ``line`` is the
    1-based line in the wikitext, or the element's source line in the HTML;
    ``path`` is the element path for HTML (empty for wikitext). ``links`` are
    the titles of in-wiki links in the block, as written (target, not label).
    ``cells`` holds the cell texts of a table row.
    """

    kind: BlockKind
    text: str
    level: int
    section: tuple[str, ...]
    line: int
    path: str = ""
    links: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """The blocks of one revision of one page."""

    title: str
    revid: int
    blocks: tuple[Block, ...]
