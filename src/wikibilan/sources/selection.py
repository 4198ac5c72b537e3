"""Which pages to take: read a selection spec, and resolve it against a wiki's API.

A :class:`~wikibilan.config.Selection` names pages four ways: explicit
``titles``, ``categories`` (with sub-categories to ``category_depth``),
title ``prefixes``, and ``links`` (also take the main-namespace pages linked
from the selected ones, to that depth). ``title_patterns`` (regular
expressions, searched in the title) filter the pages reached through links:
a profile's selection starts from seed pages and keeps, among the pages they
link to, those whose titles match its patterns. Explicitly named pages are
always kept.

Resolution asks ``prop=info`` through generators, so each request brings the
``lastrevid`` of up to 500 pages: it is also the incremental fetch's check.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from ..config import Selection
from ..errors import InputError
from .apiclient import ApiClient, chunks

log = logging.getLogger(__name__)

TITLES_PER_REQUEST = 50
"""The API's limit on ``titles``/``pageids`` values for a client without ``apihighlimits``."""
LINK_NAMESPACES = (0,)
"""Links are followed into these namespaces only (articles, not user or file pages)."""
CATEGORY_NS = 14


@dataclass(frozen=True, slots=True)
class PageState:
    """A page as the wiki shows it now (``prop=info``)."""

    page_id: int
    title: str
    namespace: int
    lastrevid: int
    single_revision: bool = False
    """The API's ``new`` flag: the page has exactly one revision."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """The pages a selection names on a wiki, and what it could not find."""

    pages: tuple[PageState, ...]
    missing: frozenset[str] = field(default_factory=frozenset)
    """Titles asked for or linked to that do not exist (deleted, or never written)."""
    redirects: Mapping[str, str] = field(default_factory=dict)
    """Redirect title -> target title, for redirects met on the way."""
    link_sources: frozenset[int] = field(default_factory=frozenset)
    """Pages whose links were followed (an edit to one may change the selection)."""


# -- the spec file ------------------------------------------------------------

_KEYS = {
    "titles": "titles",
    "seeds": "titles",
    "categories": "categories",
    "category_depth": "category_depth",
    "prefixes": "prefixes",
    "title_patterns": "title_patterns",
    "links": "links",
}


def load_selection(fp: IO[str] | IO[bytes]) -> Selection:
    """Read a selection spec (JSON) from an open file.

    Keys: ``seeds`` (or ``titles``), ``categories``, ``category_depth``,
    ``prefixes``, ``title_patterns`` (regular expressions), ``links``; keys
    starting with ``_`` are comments.

    Raises:
        InputError: not JSON, an unknown key, a wrong type, or a bad pattern.
    """
    name = getattr(fp, "name", None)
    try:
        spec = json.load(fp)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the selection file is not valid JSON: {exc}", path=name) from exc
    if not isinstance(spec, dict):
        raise InputError("the selection file must hold a JSON object", path=name)
    values: dict[str, Any] = {}
    for key, value in spec.items():
        if key.startswith("_"):
            continue
        if key not in _KEYS:
            raise InputError(f"unknown key {key!r} in the selection file", path=name)
        target = _KEYS[key]
        if target in ("category_depth", "links"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(f"{key} must be a whole number >= 0", path=name)
            values[target] = value
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{key} must be a list of strings", path=name)
            values[target] = tuple(values.get(target, ())) + tuple(value)
    for pattern in values.get("title_patterns", ()):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InputError(f"bad title pattern {pattern!r}: {exc}", path=name) from exc
    return Selection(**values)


def title_matcher(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One compiled alternation of ``patterns``, or None when there are none."""
    patterns = tuple(patterns)
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# -- resolution against the API -------------------------------------------------

_INFO = {"prop": "info", "redirects": "1"}  # a redirect counts as the page it leads to


class _Resolver:
    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.pages: dict[int, PageState] = {}
        self.missing: set[str] = set()
        self.redirects: dict[str, str] = {}

    def run(self, params: Mapping[str, Any], *, redirects: bool = True) -> list[PageState]:
        """Run one query (all of its continuations); return the pages it gave."""
        found: dict[int, PageState] = {}
        query_params = {**_INFO, **params}
        if not redirects:
            del query_params["redirects"]
        for answer in self.client.iter_query(query_params):
            query = answer.get("query", {})
            for r in query.get("redirects", []):
                self.redirects[str(r["from"])] = str(r["to"])
            for page in query.get("pages", []):
                if page.get("missing") or page.get("invalid") or "pageid" not in page:
                    if page.get("missing"):
                        self.missing.add(str(page["title"]))
                    continue
                state = PageState(
                    page_id=int(page["pageid"]),
                    title=str(page["title"]),
                    namespace=int(page.get("ns", 0)),
                    lastrevid=int(page.get("lastrevid", 0)),
                    single_revision=bool(page.get("new", False)),
                )
                found[state.page_id] = state
        return list(found.values())

    def keep(self, states: Iterable[PageState]) -> list[PageState]:
        """Add pages to the result; return those not seen before."""
        fresh = [s for s in states if s.page_id not in self.pages]
        for s in fresh:
            self.pages[s.page_id] = s
        return fresh


def _category_title(client: ApiClient, name: str) -> str:
    siteinfo = client.siteinfo
    if siteinfo is not None and siteinfo.split_namespace(name)[0] == CATEGORY_NS:
        return name
    if name.lower().startswith(("category:", "catégorie:")):
        return name
    return f"Category:{name}"


def resolve_selection(client: ApiClient, selection: Selection) -> Resolution:
    """Find the pages ``selection`` names, with their latest revision ids.

    Costs ⌈titles/50⌉ requests for the titles, ⌈members/500⌉ per category,
    ⌈pages/500⌉ per prefix, and per level of links ⌈sources/50⌉ requests plus
    one more per 500 links.

    Raises:
        SourceError: the API refused or failed.
    """
    r = _Resolver(client)
    for batch in chunks(list(dict.fromkeys(selection.titles)), TITLES_PER_REQUEST):
        r.keep(r.run({"titles": batch}))

    queue = [(_category_title(client, c), 0) for c in selection.categories]
    seen_categories = {c for c, _ in queue}
    while queue:
        category, depth = queue.pop(0)
        members = r.run(
            {
                "generator": "categorymembers",
                "gcmtitle": category,
                "gcmtype": "page|subcat",
                "gcmlimit": "max",
            }
        )
        for m in members:
            if m.namespace != CATEGORY_NS:
                r.keep([m])
            elif depth < selection.category_depth and m.title not in seen_categories:
                seen_categories.add(m.title)
                queue.append((m.title, depth + 1))

    for prefix in selection.prefixes:
        info = client.fetch_siteinfo() if ":" in prefix else client.siteinfo
        ns, rest = info.split_namespace(prefix) if info is not None else (0, prefix)
        r.keep(
            r.run(
                {
                    "generator": "allpages",
                    "gapprefix": rest,
                    "gapnamespace": str(ns),
                    "gapfilterredir": "nonredirects",
                    "gaplimit": "max",
                },
                redirects=False,  # allpages refuses it; redirects are filtered out instead
            )
        )

    matcher = title_matcher(selection.title_patterns)
    frontier = sorted(r.pages)
    sources: set[int] = set()
    for _level in range(selection.links):
        sources.update(frontier)
        reached = _follow_links(r, frontier, matcher)
        frontier = sorted(s.page_id for s in r.keep(reached))
        if not frontier:
            break

    pages = tuple(sorted(r.pages.values(), key=lambda s: (s.namespace, s.title)))
    log.info("selection: %d pages, %d missing titles", len(pages), len(r.missing))
    return Resolution(
        pages=pages,
        missing=frozenset(r.missing),
        redirects=dict(r.redirects),
        link_sources=frozenset(sources),
    )


def _follow_links(
    r: _Resolver, page_ids: list[int], matcher: re.Pattern[str] | None
) -> list[PageState]:
    """The pages linked from ``page_ids`` whose titles pass ``matcher``."""
    reached: list[PageState] = []
    for ids in chunks(page_ids, TITLES_PER_REQUEST):
        linked = r.run(
            {
                "generator": "links",
                "pageids": ids,
                "gplnamespace": "|".join(map(str, LINK_NAMESPACES)),
                "gpllimit": "max",
            }
        )
        reached += [s for s in linked if matcher is None or matcher.search(s.title)]
    return reached


def linked_pages(
    client: ApiClient, page_ids: Iterable[int], selection: Selection
) -> list[PageState]:
    """The pages ``selection`` would take through links from ``page_ids`` (one level)."""
    return _follow_links(
        _Resolver(client), sorted(set(page_ids)), title_matcher(selection.title_patterns)
    )


def may_join(title: str, selection: Selection, matcher: re.Pattern[str] | None) -> bool:
    """Whether a page titled ``title`` could belong to ``selection``.

    True for a named title or prefix, and, when links or categories are
    followed, for any title ``matcher`` (the selection's patterns) accepts.
    """
    if title in selection.titles or any(title.startswith(p) for p in selection.prefixes):
        return True
    followed = selection.links > 0 or bool(selection.categories)
    return followed and (matcher is None or matcher.search(title) is not None)
