"""Read the pages of a static MediaWiki mirror: current pages, revisions, diffs, histories.

Pure functions over text, no I/O; :mod:`.archive_crawl` does the crawling.
Every rendered page carries MediaWiki's JavaScript config (``RLCONF``): ids,
title, categories, action. An old revision adds the French line "Révision
datée du … par … (…)" and links to its neighbours, a diff page two revision
headers and the wikitext lines of both sides, a history page one
``<li data-mw-revid>`` per revision.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from ..titles import normalize_title
from .archive_meta import (
    DiffHunk,
    RevisionMeta,
    classes,
    diff_hunks,
    diff_side,
    find_class,
    history_entries,
    link_of,
    revision_meta,
    text_of,
)
from .archive_urls import parse_wiki_url

PageKind = Literal["current", "revision", "diff", "history", "category", "missing", "other"]
_CONFIG = re.compile(r'"(wg[A-Za-z]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false|null|\[[^\]]*\])')


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """One mirrored page, read."""

    kind: PageKind
    title: str
    config: dict[str, Any]
    revision: RevisionMeta | None = None
    """The revision shown: an old revision's, or a diff's newer side."""
    parent: RevisionMeta | None = None
    """A diff's older side."""
    links: dict[str, str] = field(default_factory=dict)
    """Navigation found: ``prev``, ``next``, ``diff_prev``, ``permalink``, ``history``,
    ``older`` (history pagination), absolute URLs."""
    history: tuple[RevisionMeta, ...] = ()
    """A history page's revisions, newest first."""
    content_links: tuple[str, ...] = ()
    """Absolute URLs of the links in the page content."""
    members: tuple[str, ...] = ()
    """A category page's member and sub-category links."""
    hunks: tuple[DiffHunk, ...] = ()
    categories: tuple[str, ...] = ()
    """Titles of the categories the page is in (``Catégorie:X``): the category box's
    links, and the ``wgCategories`` names it does not show."""
    category_urls: tuple[str, ...] = ()
    """Absolute URLs of the category box's links to existing category pages."""

    @property
    def page_id(self) -> int:
        return int(self.config.get("wgArticleId") or 0)

    @property
    def namespace(self) -> int:
        return int(self.config.get("wgNamespaceNumber") or 0)


def read_config(text: str) -> dict[str, Any]:
    """The ``wg…`` values of MediaWiki's JavaScript config found in ``text``."""
    config: dict[str, Any] = {}
    for match in _CONFIG.finditer(text[:300_000]):
        key = match.group(1)
        if key in config:
            continue
        try:
            config[key] = json.loads(match.group(2))
        except ValueError:
            continue
    return config


_NAV = (("direction", "prev", "prev"), ("direction", "next", "next"),
        ("diff", "prev", "diff_prev"), ("diff", "next", "diff_next"))  # fmt: skip


def _nav_links(doc: Any, base: str) -> dict[str, str]:
    links: dict[str, str] = {}
    for ident, name in (("t-permalink", "permalink"), ("ca-history", "history")):
        found = link_of(base, doc.get_element_by_id(ident, None))
        if found is not None:
            links[name] = found.url
    sub = doc.get_element_by_id("mw-revision-nav", None)
    if sub is None:
        sub = doc.get_element_by_id("contentSub", None)
    for anchor in sub.iter("a") if sub is not None else ():
        found = link_of(base, anchor)
        if found is None:
            continue
        for key, value, name in _NAV:
            if found.get(key) == value:
                links.setdefault(name, found.url)
        text = text_of(anchor)
        if "Version précédente" in text:
            links.setdefault("prev", found.url)
        elif "Version suivante" in text:
            links.setdefault("next", found.url)
    older = find_class(doc, "mw-nextlink")
    if older is not None and older.get("href"):
        links["older"] = urljoin(base, older.get("href"))
    return links


def _content_links(doc: Any, base: str, selector: str) -> tuple[str, ...]:
    """Links of the page content, red links and section-edit links left out."""
    root = doc.get_element_by_id("mw-content-text", None)
    output = find_class(root, selector) if root is not None else None
    scope = output if output is not None else root if root is not None else doc
    found = []
    for anchor in scope.iter("a"):
        href = anchor.get("href") or ""
        if not href or href.startswith("#") or "new" in classes(anchor):
            continue
        if any("mw-editsection" in classes(up) for up in anchor.iterancestors()):
            continue
        found.append(urljoin(base, href))
    return tuple(dict.fromkeys(found))


CATEGORY_PREFIX = "Catégorie:"
"""The category namespace's name where a page does not say it (a French wiki's)."""


def _categories(
    doc: Any, config: dict[str, Any], base: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The page's categories and the URLs of those with a page (see ``ArchivedPage``).

    The box names each category in the wiki's own namespace name; a ``wgCategories``
    name it does not show takes the box's prefix, else :data:`CATEGORY_PREFIX`.
    """
    box = doc.get_element_by_id("catlinks", None)
    found: dict[str, None] = {}
    urls: list[str] = []
    for item in box.iter("li") if box is not None else ():
        anchor = next(item.iter("a"), None)
        named = link_of(base, anchor)
        if anchor is None or named is None or ":" not in named.title:
            continue
        found[named.title] = None
        if "new" not in classes(anchor) and named.get("redlink") is None:
            urls.append(named.url)
    prefix = next((t.split(":", 1)[0] + ":" for t in found), CATEGORY_PREFIX)
    names = config.get("wgCategories")
    for name in names if isinstance(names, list) else ():
        title = normalize_title(f"{prefix}{name}")
        if str(name).strip() and title not in found:
            found[title] = None
    return tuple(found), tuple(dict.fromkeys(urls))


def read_page(text: str, url: str, *, utc_offset: timedelta | None = None) -> ArchivedPage:
    """Read a mirrored page fetched from ``url`` (links come back absolute)."""
    config = read_config(text)
    title = normalize_title(str(config.get("wgPageName") or config.get("wgRelevantPageName") or ""))
    try:
        doc = lxml.html.document_fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (lxml.etree.ParserError, ValueError):
        return ArchivedPage("other", title, config)
    if not title:
        title = _heading_title(doc)
    links = _nav_links(doc, url)
    # a copy without the config: the permanent link names the revision shown
    permalink = parse_wiki_url(links["permalink"]) if "permalink" in links else None
    config = dict(config)
    if not config.get("wgRevisionId") and permalink is not None:
        config["wgRevisionId"] = permalink.int_param("oldid") or 0
    revid = int(config.get("wgRevisionId") or 0)
    table = next((t for t in doc.iter("table") if "diff" in classes(t)), None)
    if table is not None or config.get("wgDiffNewId"):
        new = diff_side(doc, "n", url, utc_offset, int(config.get("wgDiffNewId") or revid))
        old = diff_side(doc, "o", url, utc_offset, int(config.get("wgDiffOldId") or 0))
        hunks = diff_hunks(table) if table is not None else ()
        content = _content_links(doc, url, "mw-parser-output")
        return ArchivedPage("diff", title, config, new, old, links, (), content, (), hunks)
    if (
        config.get("wgAction") == "history"
        or doc.get_element_by_id("pagehistory", None) is not None
    ):
        return ArchivedPage(
            "history", title, config, links=links, history=history_entries(doc, url, utc_offset)
        )
    content = _content_links(doc, url, "mw-parser-output")
    if config.get("wgNamespaceNumber") == 14:
        members = [urljoin(url, a.get("href")) for ident in ("mw-pages", "mw-subcategories")
                   for box in [doc.get_element_by_id(ident, None)] if box is not None
                   for a in box.iter("a") if a.get("href")]  # fmt: skip
        return ArchivedPage("category", title, config, links=links, members=tuple(members))
    info = doc.get_element_by_id("mw-revision-info", None)
    if (
        find_class(doc, "noarticletext") is not None
        or (config.get("wgArticleId") == 0 and config.get("wgNamespaceNumber", 0) != 14)
        or (info is None and "wgRevisionId" in config and revid == 0)
    ):
        return ArchivedPage("missing", title, config, links=links)
    if info is None:
        sub = doc.get_element_by_id("contentSub", None)
        if sub is not None and re.search(r"(?:Révision|Version) (?:datée )?du", text_of(sub)):
            info = sub
    categories, category_urls = _categories(doc, config, url)
    if info is not None:
        meta = revision_meta(info, revid, url, utc_offset, url)
        return ArchivedPage("revision", title, config, meta, None, links, (), content,
                            categories=categories, category_urls=category_urls)  # fmt: skip
    config.setdefault("wgCurRevisionId", revid)
    return ArchivedPage("current", title, config, None, None, links, (), content,
                        categories=categories, category_urls=category_urls)  # fmt: skip


_HEADING_SUFFIX = re.compile(
    r"\s*:\s*(?:Différence entre (?:les )?versions|historique des versions)\s*$", re.IGNORECASE
)


def _heading_title(doc: Any) -> str:
    """The page title from the H1, without a diff or history page's wording."""
    heading = doc.get_element_by_id("firstHeading", None)
    if heading is None:
        heading = next(doc.iter("h1"), None)
    if heading is None:
        return ""
    text = _HEADING_SUFFIX.sub("", text_of(heading)).strip().strip("«»").strip()
    return normalize_title(text)
