"""Wikitext -> blocks, from mwparserfromhell's tokens (and its tree where markup needs one)."""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Any

import mwparserfromhell
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
from mwparserfromhell.wikicode import Wikicode

from wikibilan.titles import DROP_NAMESPACES as _DROP_NAMESPACES
from wikibilan.titles import clean_text as _clean
from wikibilan.titles import normalize_title

from .blocks import (
    _CATEGORY_NAMESPACES,
    _HEADINGS,
    _HTML_ITEMS,
    _HTML_LISTS,
    _MAX_DEPTH,
    _SEPARATING,
    Block,
    BlockKind,
    Document,
    _dedupe,
    _link_title,
    _namespace,
    _plain_blocks,
    _Sections,
    _words,
)

log = logging.getLogger(__name__)

# The token walk (_WikiBuilder.build) reads mwparserfromhell's internals: its tokenizer,
# tokens, Builder and SmartList. Without them (a release that moved them), or with
# READ_TOKENS set to False, pages are walked from the tree of the public parse(): the
# same Documents, several times slower.
try:
    from mwparserfromhell.parser import Builder, CTokenizer
    from mwparserfromhell.parser import tokens as tk
    from mwparserfromhell.parser.tokenizer import Tokenizer
    from mwparserfromhell.smart_list import SmartList
except ImportError:
    READ_TOKENS = False
else:
    READ_TOKENS = True


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
_REDIRECT = re.compile(r"\A\s*#\s*REDIRECT(?:ION)?\s*:?\s*\[\[([^\]|\n]*)", re.IGNORECASE)
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


_OPENING = (
    tk.TemplateOpen, tk.ArgumentOpen, tk.WikilinkOpen, tk.ExternalLinkOpen, tk.HTMLEntityStart,
    tk.HeadingStart, tk.CommentStart, tk.TagOpenOpen,
) if READ_TOKENS else ()  # fmt: skip
_CLOSING = (
    tk.TemplateClose, tk.ArgumentClose, tk.WikilinkClose, tk.ExternalLinkClose, tk.HTMLEntityEnd,
    tk.HeadingEnd, tk.CommentEnd, tk.TagCloseSelfclose, tk.TagCloseClose,
) if READ_TOKENS else ()  # fmt: skip


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
        walk sees the nodes the whole tree holds. Without the token walk
        (:data:`READ_TOKENS`), the tree of ``mwparserfromhell.parse``.
        """
        builder = cls(text, title)
        if not READ_TOKENS:
            builder.run(mwparserfromhell.parse(text))
            return builder
        tokens = (CTokenizer() if CTokenizer else Tokenizer()).tokenize(text, 0, False)
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
