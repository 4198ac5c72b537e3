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
"""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import lxml.etree
import lxml.html
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.parser import Builder, CTokenizer
from mwparserfromhell.parser import tokens as tk
from mwparserfromhell.parser.tokenizer import Tokenizer
from mwparserfromhell.smart_list import SmartList
from mwparserfromhell.wikicode import Wikicode

from wikibilan.titles import DROP_NAMESPACES as _DROP_NAMESPACES
from wikibilan.titles import clean_text as _clean
from wikibilan.titles import normalize_title

log = logging.getLogger(__name__)

BlockKind = Literal["heading", "item", "row", "para"]

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
# Templates whose rendering is plain, fixed text ("{{!}}" is a pipe).
_TRIVIAL_TEMPLATES = {"!": "|", "=": "=", "!!": "||", "(": "{", ")": "}", "'": "'", "·": "·"}
_PAGENAME_WORDS = frozenset({"PAGENAME", "FULLPAGENAME", "NOMPAGE", "NOMPAGECOMPLET"})
_QUOTES = re.compile(r"'{2,}")
_MAGIC_WORD = re.compile(r"__[A-ZÀ-Ý_]{3,}__")
# Tags the wikitext parser left as text (too deep, unbalanced): MediaWiki renders them as tags.
_STRAY_TAG = re.compile(
    r"</?(?:div|span|p|br|b|i|u|s|small|big|center|font|sup|sub|code|em|strong|blockquote|"
    r"table|tr|td|th|ul|ol|li|dl|dt|dd|h[1-6]|pre|nowiki|ref|references|abbr|tt|del|ins)\b"
    r"[^<>]*>",
    re.IGNORECASE,
)
_HEX_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_REDIRECT = re.compile(r"\A\s*#\s*REDIRECT(?:ION)?\s*:?\s*\[\[([^\]|\n]*)", re.IGNORECASE)


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


# --------------------------------------------------------------------------
# Wikitext


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


_LIST_MARKUP = frozenset("*#:;")
_WIKI_TRANSPARENT = _words(
    "div center blockquote section article span font small big noinclude onlyinclude tbody "
    "thead tfoot"
)
_WIKI_BREAKING = frozenset({"div", "center", "blockquote", "section", "article"})
_WIKI_DROP = _words(
    "ref references gallery includeonly math score timeline templatedata indicator imagemap "
    "graph mapframe maplink categorytree inputbox"
)
_WIKI_RAW = frozenset({"nowiki", "pre", "syntaxhighlight", "source", "code"})
_HTML_LISTS = frozenset({"ul", "ol", "dl"})
_HTML_ITEMS = frozenset({"li", "dt", "dd"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SEPARATING = _words(
    "td th tr table caption li dt dd p div ul ol dl h1 h2 h3 h4 h5 h6 blockquote center pre"
)
_MAX_DEPTH = 60


_OPENING = (
    tk.TemplateOpen, tk.ArgumentOpen, tk.WikilinkOpen, tk.ExternalLinkOpen, tk.HTMLEntityStart,
    tk.HeadingStart, tk.CommentStart, tk.TagOpenOpen,
)  # fmt: skip
_CLOSING = (
    tk.TemplateClose, tk.ArgumentClose, tk.WikilinkClose, tk.ExternalLinkClose, tk.HTMLEntityEnd,
    tk.HeadingEnd, tk.CommentEnd, tk.TagCloseSelfclose, tk.TagCloseClose,
)  # fmt: skip


def _node_end(tokens: list[tk.Token], i: int) -> int | None:
    """Index just past the tokens of the node opened at ``tokens[i]`` (None if it never closes)."""
    depth = 0
    for j in range(i, len(tokens)):
        if isinstance(tokens[j], _OPENING):
            depth += 1
        elif isinstance(tokens[j], _CLOSING):
            depth -= 1
            if depth == 0:
                return j + 1
    return None


def _is_list_marker(tokens: list[tk.Token], i: int) -> bool:
    """True if ``tokens[i]`` opens a plain list marker tag (``*``, ``#``, ``:``, ``;``)."""
    if tokens[i].get("wiki_markup") not in _LIST_MARKUP or i + 2 >= len(tokens):
        return False
    name, close = tokens[i + 1], tokens[i + 2]
    return (
        type(name) is tk.Text
        and name["text"] in _HTML_ITEMS
        and type(close) is tk.TagCloseSelfclose
        and not close.get("padding")
        and not close.get("wiki_markup")
    )


def _plain_run(
    tokens: list[tk.Token], i: int, stop: type, sep: type | None
) -> tuple[list[list[Node]], int, int]:
    """Text nodes from ``tokens[i]`` to a ``stop`` token, split at ``sep`` tokens.

    Returns the parts, their source length (separators included) and the index
    of the ``stop`` token, or no parts if anything else comes first.
    """
    parts: list[list[Node]] = [[]]
    size = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        kind = type(token)
        if kind is tk.Text:
            parts[-1].append(Text(token["text"]))
            size += len(token["text"])
        elif kind is sep and len(parts) == 1:
            parts.append([])
            size += 1
        elif kind is stop:
            return parts, size, j
        else:
            break
    return [], 0, i


def _plain_heading(tokens: list[tk.Token], i: int) -> tuple[list[Node] | None, int, int]:
    """A heading whose title is plain text: (title nodes, source length, next index)."""
    parts, size, close = _plain_run(tokens, i + 1, tk.HeadingEnd, None)
    if not parts:
        return None, 0, i
    return parts[0], 2 * tokens[i]["level"] + size, close + 1


def _plain_link(tokens: list[tk.Token], i: int) -> tuple[Wikilink | None, int, int]:
    """A wikilink whose target and label are plain text: (node, source length, next index)."""
    parts, size, close = _plain_run(tokens, i + 1, tk.WikilinkClose, tk.WikilinkSeparator)
    if not parts:
        return None, 0, i
    label = Wikicode(SmartList(parts[1])) if len(parts) == 2 else None
    return Wikilink(Wikicode(SmartList(parts[0])), label), 4 + size, close + 1


def _children(tag: Tag, pos: int) -> Iterator[tuple[Node, int]]:
    """The nodes inside a tag with their offsets in the page text."""
    if tag.contents is None:
        return
    whole = str(tag)
    inner = str(tag.contents)
    offset = whole.find(inner) if inner else 0
    cursor = pos + max(offset, 0)
    for node in tag.contents.nodes:
        yield node, cursor
        cursor += len(str(node))


class _WikiBuilder:
    """Walks the top-level nodes of a page once, line by line."""

    def __init__(self, text: str, title: str) -> None:
        self.title = title
        self.size = len(text)
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.blocks: list[Block] = []
        self.categories: list[str] = []
        self.sections = _Sections()
        self.pieces: list[Node | str] = []
        self.markers = ""
        self.line_pos = 0
        self.para_parts: list[str] = []
        self.para_links: list[str] = []
        self.para_line = 0
        self.para_pre = False

    def line_of(self, pos: int) -> int:
        return bisect_left(self.newlines, pos) + 1

    # -- emitting ---------------------------------------------------------

    def emit(
        self,
        kind: BlockKind,
        text: str,
        level: int,
        pos: int,
        links: list[str],
        cells: tuple[str, ...] = (),
    ) -> None:
        if not text:
            return
        section = self.sections.enter(level, text) if kind == "heading" else self.sections.path
        self.blocks.append(
            Block(kind, text, level, section, self.line_of(pos), "", _dedupe(links), cells)
        )

    def flush_para(self) -> None:
        text = _clean(" ".join(self.para_parts))
        if text:
            self.blocks.append(
                Block(
                    "para",
                    text,
                    0,
                    self.sections.path,
                    self.para_line,
                    "",
                    _dedupe(self.para_links),
                )
            )
        self.para_parts, self.para_links = [], []

    # -- inline reduction -------------------------------------------------

    def reduce(
        self, nodes: Sequence[Node | str] | Wikicode, depth: int = 0, raw: bool = False
    ) -> tuple[str, list[str]]:
        parts: list[str] = []
        links: list[str] = []
        self._reduce(
            nodes.nodes if isinstance(nodes, Wikicode) else nodes, parts, links, depth, raw
        )
        return _clean("".join(parts)), links

    def _reduce(
        self, nodes: Any, parts: list[str], links: list[str], depth: int, raw: bool = False
    ) -> None:
        for node in nodes:
            if isinstance(node, str | Text):
                value = node if isinstance(node, str) else node.value
                if not raw:  # each pattern needs its marker: skip the regex when it is absent
                    if "''" in value:
                        value = _QUOTES.sub("", value)
                    if "__" in value:
                        value = _MAGIC_WORD.sub("", value)
                    if "<" in value:
                        value = _STRAY_TAG.sub(" ", value)
                parts.append(value)
            elif depth > _MAX_DEPTH:
                parts.append(" " + str(node.__strip__() or "") + " ")
            elif isinstance(node, Wikilink):
                self._wikilink(node, parts, links, depth)
            elif isinstance(node, ExternalLink):
                if node.title is not None:
                    self._reduce(node.title.nodes, parts, links, depth + 1)
                elif not node.brackets:
                    parts.append(str(node.url))
            elif isinstance(node, HTMLEntity):
                parts.append(node.normalize())
            elif isinstance(node, Tag):
                self._tag(node, parts, links, depth, raw)
            elif isinstance(node, Template):
                parts.append(self._template(node))
            elif isinstance(node, Heading):
                self._reduce(node.title.nodes, parts, links, depth + 1)
            elif isinstance(node, Argument) and node.default is not None:
                self._reduce(node.default.nodes, parts, links, depth + 1)
            # comments and anything else render nothing

    def _tag(self, node: Tag, parts: list[str], links: list[str], depth: int, raw: bool) -> None:
        name = str(node.tag).strip().lower()
        if name == "br":
            parts.append(" ")
        elif node.wiki_markup and name in _HTML_ITEMS and node.self_closing:
            parts.append(" ")  # a list marker inside a cell
        elif name in _WIKI_DROP or node.contents is None:
            return
        elif name in _SEPARATING:
            parts.append(" ")
            self._reduce(node.contents.nodes, parts, links, depth + 1, raw)
            parts.append(" ")
        else:
            self._reduce(node.contents.nodes, parts, links, depth + 1, raw or name in _WIKI_RAW)

    def _template(self, node: Template) -> str:
        name = _clean(str(node.name))
        if name in _TRIVIAL_TEMPLATES:
            return _TRIVIAL_TEMPLATES[name]
        if name.upper() in _PAGENAME_WORDS:
            return self.title
        return ""

    def _wikilink(self, node: Wikilink, parts: list[str], links: list[str], depth: int) -> None:
        written, _ = self.reduce(node.title.nodes, depth + 1, raw=True)
        namespace = _namespace(written)
        if not written.startswith(":") and namespace in _DROP_NAMESPACES:
            if namespace in _CATEGORY_NAMESPACES:
                self.categories.append(_category_name(node))
            return
        target = _link_title(written, self.title)
        if target:
            links.append(target)
        if node.text is None:
            shown = written.lstrip(":")
            parts.append(
                shown.strip("/") if shown.startswith("/") and shown.endswith("/") else shown
            )
        elif not str(node.text).strip():  # the pipe trick: [[Foo (bar)|]] shows "Foo"
            shown = written.lstrip(":").partition(":")[2] if namespace else written
            parts.append(re.sub(r"\s*\([^)]*\)\s*$", "", shown.replace("_", " ")))
        else:
            self._reduce(node.text.nodes, parts, links, depth + 1)

    # -- structure --------------------------------------------------------

    @classmethod
    def build(cls, text: str, title: str) -> _WikiBuilder:
        """Walk ``text`` from mwparserfromhell's tokens, building only the nodes that need a tree.

        Most of a page is lines of text, list markers, headings and plain
        links. Building mwparserfromhell's node tree for them costs ten times
        the tokenizing, and the walk needs none of it: ``run_tokens`` reads them
        off the tokens, and has the parser's own builder build every other
        top-level node (a template, a tag, a table…) from its tokens, so the
        walk sees the nodes the whole tree holds.
        """
        tokens = (CTokenizer() if CTokenizer else Tokenizer()).tokenize(text, 0, False)
        builder = cls(text, title)
        if builder.run_tokens(tokens):
            return builder
        # The tokens fall short of the text only at a NUL, where the C tokenizer stops:
        # the tree holds the same tokens, so the tree walk gives what the old parse did.
        builder = cls(text, title)
        builder.run(Builder().build(tokens))
        return builder

    def run(self, code: Wikicode) -> None:
        for node, pos in self._flatten(code.nodes, 0, 0):
            self.feed(node, pos)
        self.end_line()
        self.flush_para()

    def run_tokens(self, tokens: list[tk.Token]) -> bool:
        """Feed what ``run`` feeds, from the tokens; False if the source lengths do not add up.

        Text, a list marker opening a line, and a heading or link made of plain
        text are read off the tokens; any other top-level node is built from
        its own tokens and fed as ``run`` would. On False the builder is spent.
        """
        pos, i, count = 0, 0, len(tokens)
        while i < count:
            token = tokens[i]
            kind = type(token)
            if kind is tk.Text:
                value = token["text"]
                self._text(value, pos)
                pos += len(value)
                i += 1
                continue
            if kind is tk.TagOpenOpen and not self.pieces and _is_list_marker(tokens, i):
                self.markers += token["wiki_markup"]
                pos += len(token["wiki_markup"])
                i += 3
                continue
            if kind is tk.HeadingStart:
                title, length, end = _plain_heading(tokens, i)
                if title is not None:
                    self.end_line()
                    self.flush_para()
                    text, links = self.reduce(title)
                    self.emit("heading", text, token["level"], pos, links)
                    pos += length
                    self.line_pos = pos
                    i = end
                    continue
            elif kind is tk.WikilinkOpen:
                link, length, end = _plain_link(tokens, i)
                if link is not None:
                    if not self.pieces:
                        self.line_pos = pos
                    self.pieces.append(link)
                    pos += length
                    i = end
                    continue
            node_end = _node_end(tokens, i)
            if node_end is None:
                return False
            for node in Builder().build(tokens[i:node_end]).nodes:
                for child, child_pos in self._flatten([node], pos, 0):
                    self.feed(child, child_pos)
                pos += len(str(node))
            i = node_end
        if pos != self.size:
            return False
        self.end_line()
        self.flush_para()
        return True

    def _flatten(
        self, nodes: list[Node], pos: int, depth: int
    ) -> Iterator[tuple[Node | None, int]]:
        """Top-level nodes, with layout tags (``<div>``…) opened up; ``None`` marks a break."""
        for node in nodes:
            size = len(node.value) if type(node) is Text else len(str(node))
            if (
                isinstance(node, Tag)
                and not node.wiki_markup
                and depth < _MAX_DEPTH
                and node.contents is not None
                and str(node.tag).strip().lower() in _WIKI_TRANSPARENT
            ):
                breaking = str(node.tag).strip().lower() in _WIKI_BREAKING
                if breaking:
                    yield None, pos
                for child, child_pos in _children(node, pos):
                    yield from self._flatten([child], child_pos, depth + 1)
                if breaking:
                    yield None, pos + size
            else:
                yield node, pos
            pos += size

    def feed(self, node: Node | None, pos: int) -> None:
        if node is None:
            self.end_line()
            self.flush_para()
            self.line_pos = pos
            return
        if isinstance(node, Text):
            self._text(node.value, pos)
            return
        if isinstance(node, Tag):
            name = str(node.tag).strip().lower()
            markup = node.wiki_markup or ""
            if markup in _LIST_MARKUP and markup and name in _HTML_ITEMS:
                if not self.pieces:
                    self.markers += markup
                    return
                if markup == ":" and ";" in self.markers:
                    markers = self.markers
                    self.end_line()  # ";term : definition" is two items
                    self.markers = markers.replace(";", ":")
                    self.line_pos = pos
                    return
            elif name == "table" or (not markup and name in _HTML_BLOCK_TAGS):
                self.end_line()
                self.flush_para()
                self._html_block(node, name, pos, 1)
                self.line_pos = pos + len(str(node))
                return
        if isinstance(node, Heading):
            self.end_line()
            self.flush_para()
            text, links = self.reduce(node.title)
            self.emit("heading", text, node.level, pos, links)
            self.line_pos = pos + len(str(node))
            return
        if not self.pieces:
            self.line_pos = pos
        self.pieces.append(node)

    def _text(self, value: str, pos: int) -> None:
        chunks = value.split("\n")
        for i, chunk in enumerate(chunks):
            if i:
                self.end_line()
                pos += 1
                self.line_pos = pos
            if chunk:
                if not self.pieces:
                    self.line_pos = pos
                self.pieces.append(chunk)
            pos += len(chunk)

    def end_line(self) -> None:
        pieces, markers = self.pieces, self.markers
        self.pieces, self.markers = [], ""
        if markers:
            self.flush_para()
            text, links = self.reduce(pieces)
            if text:
                self.emit("item", text, len(markers), self.line_pos, links)
            return
        if all(_is_meta(p) for p in pieces):
            self.categories.extend(_category_name(p) for p in pieces if _is_category(p))
            # A blank line ends the paragraph; a line holding only comments or
            # categories vanishes, as MediaWiki removes it before wrapping lines.
            vanishing = any(isinstance(p, Comment) or _is_category(p) for p in pieces)
            if not vanishing or any(
                isinstance(p, Wikilink) and not _is_category(p) for p in pieces
            ):
                self.flush_para()
            return
        first = pieces[0]
        lead = first if isinstance(first, str) else ""
        if lead.lstrip().startswith("----"):
            self.flush_para()
            pieces = [lead.lstrip().lstrip("-"), *pieces[1:]]
        text, links = self.reduce(pieces)
        if not text:
            self.flush_para()
            return
        pre = lead.startswith(" ")
        if self.para_parts and pre != self.para_pre:
            self.flush_para()
        if not self.para_parts:
            self.para_line, self.para_pre = self.line_of(self.line_pos), pre
        self.para_parts.append(text)
        self.para_links.extend(links)

    def _html_block(self, node: Tag, name: str, pos: int, level: int) -> None:
        """Tables, and HTML block tags written in the wikitext."""
        if name == "table":
            self._table(node, pos)
        elif name in _HEADINGS:
            text, links = self.reduce(node.contents or [])
            self.emit("heading", text, int(name[1]), pos, links)
        elif name in _HTML_LISTS:
            for child, child_pos in _children(node, pos):
                if isinstance(child, Tag):
                    child_name = str(child.tag).strip().lower()
                    if child_name in _HTML_ITEMS | _HTML_LISTS:
                        self._html_block(
                            child, child_name, child_pos, level + (child_name in _HTML_LISTS)
                        )
        elif name in _HTML_ITEMS:
            own: list[Node] = []
            nested: list[tuple[Tag, str, int]] = []
            for child, child_pos in _children(node, pos):
                child_name = str(child.tag).strip().lower() if isinstance(child, Tag) else ""
                if child_name in _HTML_LISTS or child_name == "table":
                    nested.append((child, child_name, child_pos))  # type: ignore[arg-type]
                else:
                    own.append(child)
            text, links = self.reduce(own)
            if text:
                self.emit("item", text, level, pos, links)
            for child, child_name, child_pos in nested:
                self._html_block(child, child_name, child_pos, level + 1)
        else:  # p, pre, poem: one paragraph
            text, links = self.reduce(node.contents or [], raw=name == "pre")
            if text:
                self.emit("para", text, 0, pos, links)

    def _table(self, node: Tag, pos: int) -> None:
        rows: list[tuple[int, list[tuple[Any, int]]]] = []
        loose: list[tuple[Any, int]] = []
        for child, child_pos in _children(node, pos):
            if not isinstance(child, Tag):
                continue
            name = str(child.tag).strip().lower()
            if name == "tr":
                cells = [(c, p) for c, p in _children(child, child_pos) if _is_cell(c)]
                rows.append((child_pos, cells))
            elif name in ("tbody", "thead", "tfoot"):
                for row, row_pos in _children(child, child_pos):
                    if isinstance(row, Tag) and str(row.tag).strip().lower() == "tr":
                        cells = [(c, p) for c, p in _children(row, row_pos) if _is_cell(c)]
                        rows.append((row_pos, cells))
            elif _is_cell(child) and not _is_caption(child):
                loose.append((child, child_pos))
        if loose:  # cells before the first "|-" form an implicit first row
            rows.insert(0, (loose[0][1], loose))
        for _, row_cells in rows:
            texts: list[str] = []
            links: list[str] = []
            for cell, _ in row_cells:
                text, cell_links = self.reduce(cell.contents or [])
                texts.append(text)
                links.extend(cell_links)
            if row_cells:
                # A row's line is the line of its first cell (the "|-" line holds no text).
                line = row_cells[0][1]
                self.emit("row", " | ".join(texts), 0, line, links, tuple(texts))


_HTML_BLOCK_TAGS = _HEADINGS | _HTML_LISTS | _HTML_ITEMS | {"p", "pre", "poem"}


def _is_cell(node: Node) -> bool:
    return isinstance(node, Tag) and str(node.tag).strip().lower() in ("td", "th")


def _is_caption(node: Tag) -> bool:
    if node.wiki_markup != "|" or node.contents is None or not node.contents.nodes:
        return False
    first = node.contents.nodes[0]
    return isinstance(first, Text) and first.value.startswith("+")


def _is_category(piece: Node | str) -> bool:
    if not isinstance(piece, Wikilink):
        return False
    written = str(piece.title).strip()
    return not written.startswith(":") and _namespace(written) in _CATEGORY_NAMESPACES


def _category_name(link: Node | str) -> str:
    return normalize_title(str(link.title).partition(":")[2]) if isinstance(link, Wikilink) else ""


def _is_meta(piece: Node | str) -> bool:
    """True for what renders nothing on a line of its own."""
    if isinstance(piece, str):
        return not (_MAGIC_WORD.sub("", piece) if "__" in piece else piece).strip()
    if isinstance(piece, Comment):
        return True
    if isinstance(piece, Wikilink):
        written = str(piece.title).strip()
        return not written.startswith(":") and _namespace(written) in _DROP_NAMESPACES
    return False


def parse_wikitext(text: str, *, title: str = "", revid: int = 0) -> Document:
    """Parse one revision's wikitext into blocks.

    Args:
        text: the wikitext.
        title: the page title, used for relative links (``[[/Notes]]``),
            ``{{PAGENAME}}`` and self-links.
        revid: carried into the document.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    redirect = _REDIRECT.match(text)
    if redirect:
        target = _link_title(redirect.group(1), title) or ""
        return Document(title, revid, (), redirect=target)
    try:
        builder = _WikiBuilder.build(text, title)
        return Document(title, revid, tuple(builder.blocks), categories=_dedupe(builder.categories))
    except Exception:  # a parser bug must not lose the page: fall back to plain lines
        log.debug("wikitext fallback for %r (revid %s)", title, revid, exc_info=True)
        return Document(title, revid, _plain_blocks(text))


def _plain_blocks(text: str) -> tuple[Block, ...]:
    blocks = []
    for number, line in enumerate(text.split("\n"), 1):
        cleaned = _clean(re.sub(r"<[^>]*>|\[\[|\]\]|'{2,}|\{\{|\}\}", " ", unescape(line)))
        if cleaned:
            blocks.append(Block("para", cleaned, 0, (), number))
    return tuple(blocks)


# --------------------------------------------------------------------------
# Rendered HTML

_SKIP_TAGS = _words(
    "script style noscript head link meta template input button select textarea img svg math "
    "audio video iframe object map title figure nav form label"
)
_SKIP_IDS = _words(
    "toc catlinks mw-navigation mw-head mw-panel footer siteSub contentSub contentSub2 "
    "jump-to-nav siteNotice localNotice centralNotice mw-revision-info mw-revision-nav "
    "mw-page-base mw-head-base mw-indicators mw-data-after-content p-personal left-navigation "
    "right-navigation mw-hidden-catlinks mw-normal-catlinks mw-diff-ntitle1 mw-diff-otitle1"
)
_SKIP_CLASSES = _words(
    "toc mw-editsection editsection printfooter catlinks mw-jump-link mw-jump mw-indicators "
    "reference mw-references-wrap references mw-cite-backlink thumb gallery "
    "mw-gallery-traditional image mw-file-description diff diff-currentversion-title diff-hr "
    "mw-revision mw-empty-elt redirectMsg mw-diff-timestamp mw-warning-with-logexcerpt"
)
_HTML_CONTAINERS = _SEPARATING | _words(
    "body html section article main aside header footer fieldset "
    "address details summary tbody thead tfoot hr figure figcaption"
)
_BANNER = re.compile(
    r"archive du wiki|lecture seule|(?:va|vont|sera|seront)\s+(?:bient[oô]t\s+)?"
    r"(?:être\s+)?fermée?s?|être\s+fermé",
    re.IGNORECASE,
)
_BANNER_START = re.compile(r"^(?:ce site web est une archive|collectif point communs\b)", re.I)
_NAVIGATION = re.compile(
    r"^(?:(?:Révision|Version)\s+(?:datée\s+)?du\s+\d|Version actuelle|Dernière version du"
    r"|\(diff\)\s*←|←\s*Version précédente|Aller à\b|De Wiki des communs$|Récupérée de\b"
    r"|Catégories?\s*:)",
    re.IGNORECASE,
)
_CATEGORY_LINE = re.compile(r"^Catégories?\s*:\s*(.+)$", re.IGNORECASE)
_RLCONF_TITLE = re.compile(r'"wgPageName"\s*:\s*("(?:[^"\\]|\\.)*")')
_RLCONF_REVID = re.compile(r'"wgRevisionId"\s*:\s*(\d+)')
_RLCONF_CATEGORIES = re.compile(r'"wgCategories"\s*:\s*(\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\])')


def _is_banner(text: str) -> bool:
    if _BANNER_START.match(text) or ("chat.lescommuns.org" in text and len(text) < 120):
        return True
    return len(text) < 400 and "wiki" in text.lower() and bool(_BANNER.search(text))


def _classes(el: Any) -> list[str]:
    value = el.get("class")
    return value.split() if value else []


class _Run:
    """Inline content gathered for one block."""

    __slots__ = ("parts", "links", "line")

    def __init__(self, line: int = 0) -> None:
        self.parts: list[str] = []
        self.links: list[str] = []
        self.line = line


class _HtmlBuilder:
    """Walks the content element once, depth first."""

    def __init__(self, title: str, strict: bool) -> None:
        self.title = title
        self.strict = strict  # text filters for copies without the parser-output wrapper
        self.blocks: list[Block] = []
        self.sections = _Sections()
        self.cut_at: Any = None  # the page's H1 when the whole body is walked
        self.cut = 0
        self.categories: list[str] = []  # from a plain "Catégories : A | B" line

    def emit(
        self,
        kind: BlockKind,
        text: str,
        level: int,
        el: Any,
        path: str,
        links: list[str],
        cells: tuple[str, ...] = (),
    ) -> None:
        if kind != "row" and self.chrome(text):
            return
        section = self.sections.enter(level, text) if kind == "heading" else self.sections.path
        line = el.sourceline or 0
        self.blocks.append(Block(kind, text, level, section, line, path, _dedupe(links), cells))

    def chrome(self, text: str) -> bool:
        """True for banners, and for navigation lines in copies without markup."""
        if _is_banner(text):
            return True
        if not (self.strict and _NAVIGATION.match(text)):
            return False
        listed = _CATEGORY_LINE.match(text)
        if listed:
            self.categories.extend(c.strip() for c in re.split(r"\s[|•]\s", listed.group(1)))
        return True

    def skip(self, el: Any, tag: str) -> bool:
        if tag in _SKIP_TAGS:
            return True
        ident = el.get("id")
        if ident and ident in _SKIP_IDS:
            return True
        return not _SKIP_CLASSES.isdisjoint(_classes(el))

    # -- inline -----------------------------------------------------------

    def inline(
        self,
        el: Any,
        run: _Run,
        depth: int,
        path: str = "",
        defer: list[tuple[Any, str, str]] | None = None,
    ) -> None:
        """Gather the text and links inside ``el`` (not its tail)."""
        if depth > _MAX_DEPTH:
            run.parts.append(" " + " ".join(el.itertext()) + " ")
            return
        if el.text:
            run.parts.append(el.text)
        counts: dict[str, int] = {}
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                tag = tag.lower()
                counts[tag] = counts.get(tag, 0) + 1
                if not self.skip(child, tag):
                    if defer is not None and (tag in _HTML_LISTS or tag == "table"):
                        defer.append((child, tag, f"{path}/{tag}[{counts[tag]}]"))
                    elif tag == "br":
                        run.parts.append(" ")
                    else:
                        child_path = f"{path}/{tag}[{counts[tag]}]" if defer is not None else ""
                        self._inline_element(child, tag, run, depth, child_path, defer)
            if child.tail:
                run.parts.append(child.tail)

    def _inline_element(
        self,
        el: Any,
        tag: str,
        run: _Run,
        depth: int,
        path: str,
        defer: list[tuple[Any, str, str]] | None,
    ) -> None:
        classes = _classes(el)
        if "selflink" in classes or "mw-selflink" in classes:
            if self.title:
                run.links.append(self.title)
        elif tag == "a":
            if "autonumber" in classes:
                return  # [http://x] renders as "[1]"; the wikitext side drops it
            href = el.get("href") or ""
            if "wpDestFile=" in href:
                return  # a missing image, rendered as an upload link
            if href and "external" not in classes and "extiw" not in classes:
                target = title_from_href(href)
                if target:
                    run.links.append(target)
        separate = tag in _SEPARATING
        if separate:
            run.parts.append(" ")
        self.inline(el, run, depth + 1, path, defer)
        if separate:
            run.parts.append(" ")

    # -- blocks -----------------------------------------------------------

    def container(self, el: Any, path: str, list_depth: int, depth: int) -> None:
        """Block children become blocks; loose inline content becomes paragraphs."""
        run = _Run(el.sourceline or 0)
        fresh = True  # nothing visible gathered yet: the next content sets the line
        if el.text and el.text.strip():
            run.parts.append(el.text)
            fresh = False
        counts: dict[str, int] = {}
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                tag = tag.lower()
                counts[tag] = counts.get(tag, 0) + 1
                child_path = f"{path}/{tag}[{counts[tag]}]" if path else f"{tag}[{counts[tag]}]"
                if child is self.cut_at:
                    self.flush(run, el, path)
                    self.cut = len(self.blocks)
                    self.sections.reset()
                elif self.skip(child, tag):
                    pass
                elif tag not in _HTML_CONTAINERS and not self._holds_blocks(child):
                    if fresh:
                        run.line, fresh = child.sourceline or run.line, False
                    self._inline_element(child, tag, run, depth + 1, "", None)
                else:
                    self.flush(run, el, path)
                    self.block(child, tag, child_path, list_depth, depth + 1)
                    run, fresh = _Run(child.sourceline or 0), True
            if child.tail:
                run.parts.append(child.tail)
                fresh = fresh and not child.tail.strip()
        self.flush(run, el, path)

    def _holds_blocks(self, el: Any) -> bool:
        return any(
            isinstance(d.tag, str) and d.tag.lower() in _HTML_CONTAINERS
            for d in el.iterdescendants()
        )

    def flush(self, run: _Run, el: Any, path: str) -> None:
        text = _clean("".join(run.parts))
        if text:
            line = run.line or el.sourceline or 0
            if not self.chrome(text):
                section = self.sections.path
                self.blocks.append(Block("para", text, 0, section, line, path, _dedupe(run.links)))
        run.parts.clear()
        run.links.clear()

    def block(self, el: Any, tag: str, path: str, list_depth: int, depth: int) -> None:
        if depth > _MAX_DEPTH:
            text = _clean(" ".join(el.itertext()))
            if text:
                self.emit("para", text, 0, el, path, [])
        elif tag in _HEADINGS:
            self.heading(el, tag, path, depth)
        elif tag in _HTML_LISTS:
            self.container(el, path, list_depth + 1, depth)
        elif tag in _HTML_ITEMS:
            self.item(el, path, max(list_depth, 1), depth)
        elif tag == "table":
            self.table(el, path, depth)
        elif tag in ("p", "pre"):
            run = _Run()
            self.inline(el, run, depth)
            text = _clean("".join(run.parts))
            if text:
                self.emit("para", text, 0, el, path, run.links)
        elif tag != "hr":
            self.container(el, path, list_depth, depth)

    def heading(self, el: Any, tag: str, path: str, depth: int) -> None:
        source = el
        for span in el.iter("span"):
            if "mw-headline" in _classes(span):
                source = span
                break
        run = _Run()
        self.inline(source, run, depth)
        text = _clean("".join(run.parts))
        if text:
            self.emit("heading", text, int(tag[1]), el, path, run.links)

    def item(self, el: Any, path: str, level: int, depth: int) -> None:
        run = _Run()
        nested: list[tuple[Any, str, str]] = []
        self.inline(el, run, depth, path, nested)
        text = _clean("".join(run.parts))
        if text:
            self.emit("item", text, level, el, path, run.links)
        for child, tag, child_path in nested:
            self.block(child, tag, child_path, level, depth + 1)

    def table(self, el: Any, path: str, depth: int) -> None:
        for row, row_path in _table_rows(el, path):
            cells: list[str] = []
            links: list[str] = []
            for cell in row:
                if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th"):
                    run = _Run()
                    self.inline(cell, run, depth + 1)
                    cells.append(_clean("".join(run.parts)))
                    links.extend(run.links)
            if cells:
                self.emit("row", " | ".join(cells), 0, row, row_path, links, tuple(cells))


def _table_rows(table: Any, path: str) -> Iterator[tuple[Any, str]]:
    counts: dict[str, int] = {}
    for child in table:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.lower()
        counts[tag] = counts.get(tag, 0) + 1
        child_path = f"{path}/{tag}[{counts[tag]}]"
        if tag == "tr":
            yield child, child_path
        elif tag in ("tbody", "thead", "tfoot"):
            rows = 0
            for row in child:
                if isinstance(row.tag, str) and row.tag.lower() == "tr":
                    rows += 1
                    yield row, f"{child_path}/tr[{rows}]"


def _decode_html(html: str | bytes) -> tuple[bytes, str]:
    """UTF-8 bytes for lxml, and the text for the config regexes."""
    if isinstance(html, str):
        return html.encode("utf-8", "replace"), html
    try:
        text = html.decode("utf-8")
    except UnicodeDecodeError:
        text = html.decode("cp1252", "replace")
        return text.encode("utf-8", "replace"), text
    return html, text


def _content_root(doc: Any) -> tuple[Any, str]:
    """The page content: the parser output, else the content text, else the body."""
    content = doc.find(".//*[@id='mw-content-text']")
    if content is not None:
        for el in content.iter():
            if isinstance(el.tag, str) and "mw-parser-output" in _classes(el):
                return el, "parser"
        return content, "content"
    body_content = doc.find(".//*[@id='bodyContent']")
    if body_content is not None:
        return body_content, "content"
    body = doc.find(".//body")
    return (body if body is not None else doc), "body"


def _page_config(text: str) -> tuple[str, int, tuple[str, ...]]:
    """Title, revision id and categories from the page's JavaScript config."""
    title, revid = "", 0
    categories: tuple[str, ...] = ()
    head = text[:200_000]
    match = _RLCONF_TITLE.search(head)
    if match:
        try:
            title = normalize_title(json.loads(match.group(1)))
        except ValueError:
            title = ""
    match = _RLCONF_REVID.search(head)
    if match:
        revid = int(match.group(1)[:18])
    match = _RLCONF_CATEGORIES.search(head)
    if match:
        try:
            found = json.loads(match.group(1))
            categories = tuple(normalize_title(c) for c in found if isinstance(c, str))
        except ValueError:
            categories = ()
    return title, revid, categories


def parse_html(html: str | bytes, *, title: str = "", revid: int = 0) -> Document:
    """Parse a page rendered by MediaWiki (a live page or an archived copy).

    Only the content is read (``.mw-parser-output``, else ``#mw-content-text``,
    else ``#bodyContent``, else the body after the H1); navigation, table of
    contents, edit links, footers, categories and archive banners are dropped.
    A missing ``title``/``revid`` is taken from the page's ``RLCONF`` config.
    """
    data, text = _decode_html(html)
    conf_title, conf_revid, conf_categories = _page_config(text)
    revid = revid or conf_revid
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        doc = lxml.html.document_fromstring(data, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return Document(title or conf_title, revid, (), categories=conf_categories)
    title = title or conf_title or _h1_title(doc)
    # the category box lists the visible categories; the config adds hidden ones
    categories = _html_categories(doc) or conf_categories
    try:
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            # libxml2 stops at 256 nested elements and drops the rest of the page
            raise ValueError("HTML nested too deep")
        root, mode = _content_root(doc)
        redirect = _html_redirect(root)
        if redirect:
            return Document(title, revid, (), redirect=redirect, categories=categories)
        builder = _HtmlBuilder(title, strict=mode != "parser")
        if mode == "body":
            builder.cut_at = root.find(".//h1")
        builder.container(root, "", 0, 0)
        blocks = builder.blocks[builder.cut :]
        categories = categories or _dedupe(builder.categories)
        return Document(title, revid, tuple(blocks), categories=categories)
    except Exception:  # never lose a page to an unexpected shape
        log.debug("HTML fallback for %r (revid %s)", title, revid, exc_info=True)
        plain = re.sub(r"<[^>]*>", "\n", text)
        return Document(title, revid, _plain_blocks(plain), categories=categories)


def _h1_title(doc: Any) -> str:
    """The page title from the H1 (without a diff page's suffix)."""
    heading = doc.find(".//*[@id='firstHeading']")
    if heading is None:
        heading = doc.find(".//h1")
    if heading is None:
        return ""
    text = _clean(" ".join(heading.itertext()))
    return normalize_title(re.sub(r"\s*:\s*Différence entre versions$", "", text))


def _html_redirect(root: Any) -> str:
    for el in root.iter():
        if isinstance(el.tag, str) and "redirectMsg" in _classes(el):
            for anchor in el.iter("a"):
                target = title_from_href(anchor.get("href") or "")
                if target:
                    return target
    return ""


def _html_categories(doc: Any) -> tuple[str, ...]:
    box = doc.find(".//*[@id='mw-normal-catlinks']")
    if box is None:
        return ()
    names = []
    for anchor in box.iter("a"):
        target = title_from_href(anchor.get("href") or "")
        if target and _namespace(target) in _CATEGORY_NAMESPACES:
            names.append(target.partition(":")[2])
    return _dedupe(names)


def parse_revision(
    content: str, content_model: str, *, title: str = "", revid: int = 0
) -> Document:
    """Parse a revision's content by its model: ``"wikitext"`` or ``"html"``."""
    if content_model == "html":
        return parse_html(content, title=title, revid=revid)
    return parse_wikitext(content, title=title, revid=revid)
