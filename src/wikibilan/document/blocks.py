"""The block model both parsers give, and the tables and helpers they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from wikibilan.titles import clean_text as _clean
from wikibilan.titles import normalize_title

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
    """The blocks of one revision of one page.

    ``redirect`` is the target title of a redirect page (which has no blocks);
    ``categories`` the page's categories (``[[Catégorie:X]]`` links, or the
    HTML category box), names without the namespace.
    """

    title: str
    revid: int
    blocks: tuple[Block, ...]
    redirect: str = ""
    categories: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------
# Shared tables and text helpers


def _words(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(text.split(sep))


_CATEGORY_NAMESPACES = frozenset({"catégorie", "category"})
_HEX_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _namespace(title: str) -> str:
    prefix, sep, _ = title.partition(":")
    return prefix.strip().lower() if sep else ""


def _decode_percent(text: str) -> str:
    # MediaWiki forbids "%XX" in titles, so decoding until none is left is safe;
    # it undoes the double encoding of wget-mirrored file names.
    for _ in range(3):
        if not _HEX_ESCAPE.search(text):
            break
        text = unquote(text)
    return text


def _link_title(raw: str, page: str) -> str | None:
    """Target title of a wikilink as written (``None`` for same-page anchors)."""
    target = raw.strip().lstrip(":").split("#", 1)[0].strip()
    if "%" in target:
        target = _decode_percent(target)
    if not target:
        return None
    if page and target.startswith("/"):
        target = page + target.rstrip("/")
    elif page and target.startswith("../"):
        base = page
        while target.startswith("../"):
            base, target = base.rpartition("/")[0], target[3:]
        target = f"{base}/{target.rstrip('/')}" if base else target.rstrip("/")
    return normalize_title(target) or None


def title_from_href(href: str) -> str | None:
    """Title of the wiki page an HTML link points to, or ``None``.

    Understands ``/wiki/T``, ``/index.php?title=T&…`` (red links included),
    ``/index.php/T`` and the wget-mirrored ``index.php@title=T&….html``, with
    or without host, percent-decoded once or twice. The fragment is dropped.
    """
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    path, query = parts.path, parts.query
    raw: str | None = None
    mirrored = path.find("index.php@")
    if mirrored >= 0:
        raw = _query_title(path[mirrored + len("index.php@") :], decode=False)
    elif path.endswith("index.php") and query:
        raw = _query_title(query, decode=True)
    elif "/index.php/" in path:
        raw = path.split("/index.php/", 1)[1]
    elif "/wiki/" in path or path.startswith("wiki/"):
        raw = path.split("wiki/", 1)[1]
    if raw is None:
        return None
    raw = raw.removesuffix(".html")
    title = normalize_title(_decode_percent(raw))
    return title or None


def _query_title(query: str, *, decode: bool) -> str | None:
    query = query.removesuffix(".html")
    if decode:
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&"))]
    for key, value in pairs:
        if key == "title":
            return value
    return None


class _Sections:
    """The heading path above the current position."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self.path: tuple[str, ...] = ()

    def enter(self, level: int, text: str) -> tuple[str, ...]:
        """Record a heading; return the section the heading itself sits in."""
        self._stack = [s for s in self._stack if s[0] < level]
        above = tuple(t for _, t in self._stack)
        self._stack.append((level, text))
        self.path = (*above, text)
        return above

    def reset(self) -> None:
        self._stack = []
        self.path = ()


_HTML_LISTS = frozenset({"ul", "ol", "dl"})
_HTML_ITEMS = frozenset({"li", "dt", "dd"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SEPARATING = _words(
    "td th tr table caption li dt dd p div ul ol dl h1 h2 h3 h4 h5 h6 blockquote center pre"
)
_MAX_DEPTH = 60


def _plain_blocks(text: str) -> tuple[Block, ...]:
    blocks = []
    for number, line in enumerate(text.split("\n"), 1):
        cleaned = _clean(re.sub(r"<[^>]*>|\[\[|\]\]|'{2,}|\{\{|\}\}", " ", unescape(line)))
        if cleaned:
            blocks.append(Block("para", cleaned, 0, (), number))
    return tuple(blocks)
