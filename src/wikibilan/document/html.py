"""Rendered MediaWiki HTML (the static archive, API renderings) -> blocks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html

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
    _namespace,
    _plain_blocks,
    _Sections,
    _words,
    title_from_href,
)

log = logging.getLogger(__name__)


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


_CHROME_LENGTH = 200  # a line of an archive's chrome is short; a paragraph citing it is not
Chrome = tuple[re.Pattern[str], ...]


def _is_banner(text: str, chrome: Chrome) -> bool:
    """A banner: a line of the site's archive chrome (its profile's), or a notice that
    the wiki is archived, read-only or closing."""
    if len(text) < _CHROME_LENGTH and any(rx.search(text) for rx in chrome):
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

    def __init__(self, title: str, strict: bool, chrome: Chrome = ()) -> None:
        self.title = title
        self.chrome_lines = chrome
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
        if _is_banner(text, self.chrome_lines):
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


def parse_html(
    html: str | bytes, *, title: str = "", revid: int = 0, chrome: Chrome = ()
) -> Document:
    """Parse a page rendered by MediaWiki (a live page or an archived copy).

    Only the content is read (``.mw-parser-output``, else ``#mw-content-text``,
    else ``#bodyContent``, else the body after the H1); navigation, table of
    contents, edit links, footers, categories and archive banners are dropped
    (``chrome``: the lines a site's archive adds, from its profile).
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
        builder = _HtmlBuilder(title, strict=mode != "parser", chrome=chrome)
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
