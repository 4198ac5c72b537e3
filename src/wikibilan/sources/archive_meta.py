"""What mirrored MediaWiki pages say about revisions: dates, users, summaries, diffs.

Pure functions over lxml elements. Dates are French ("21 juillet 2016 à
14:39"), written by MediaWiki in one offset per page: its time zone's
(Europe/Paris) at the moment it rendered the page, which the parser's report
in the page gives (:func:`render_offset`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import lxml.html

from ..french import is_ip, parse_datetime
from ..paristime import paris_local
from ..titles import normalize_title
from .archive_urls import WikiUrl, parse_wiki_url

_MARKS = str.maketrans({"\u200e": None, "\u200f": None, "\xa0": " "})
_RENDERED = re.compile(
    r'"cachereport":\{[^{}]*?"timestamp":"(\d{14})"|Cached time: (\d{14})'
    r"|in parser cache with key \S+ and timestamp (\d{14})"
)


def render_offset(text: str) -> timedelta | None:
    """The offset a page's dates are written in, from when MediaWiki rendered it.

    MediaWiki writes every date of a page with one offset, the wiki's time
    zone's (Europe/Paris) at the moment it renders the page, not at each
    date's. The parser's report gives that moment in UTC. None when absent.
    """
    match = _RENDERED.search(text)
    if not match:
        return None
    digits = next(g for g in match.groups() if g)
    try:
        moment = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return paris_local(moment) - moment.replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class RevisionMeta:
    """What a page says about one revision; None where it says nothing."""

    revid: int
    timestamp: datetime | None = None
    user: str | None = None
    user_is_ip: bool = False
    comment: str | None = None
    minor: bool = False
    size: int | None = None
    url: str | None = None
    """A link to the revision's own page, as found (absolute)."""


@dataclass(frozen=True, slots=True)
class DiffHunk:
    """Wikitext lines of a diff: ``(marker, text)`` with marker ``" "``, ``"-"`` or ``"+"``."""

    old_start: int
    new_start: int
    lines: tuple[tuple[str, str], ...]


def classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def find_class(root: Any, name: str) -> Any | None:
    for el in root.iter():
        if isinstance(el.tag, str) and name in classes(el):
            return el
    return None


def text_of(el: Any) -> str:
    return " ".join(el.text_content().translate(_MARKS).split())


def comment_of(el: Any | None, base: str) -> str | None:
    """An edit summary back in wikitext: ``/* Section */ rest``, ``[[Page|label]]``."""
    if el is None:
        return None
    if "mw-comment-none" in classes(el):
        return ""
    if "history-deleted" in classes(el):
        return None
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if not isinstance(child.tag, str):
                pass
            elif "autocomment" in classes(child):
                section = text_of(child).lstrip("→ ").rstrip(" :").strip()
                parts.append(f" /* {section} */ ")
            elif child.tag == "a":
                label = child.text_content()
                target = parse_wiki_url(urljoin(base, child.get("href") or ""))
                if target is None or child.get("href", "").startswith("#"):
                    parts.append(label)
                elif normalize_title(label) == target.title:
                    parts.append(f"[[{label}]]")
                else:
                    parts.append(f"[[{target.title}|{label}]]")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    text = " ".join("".join(parts).translate(_MARKS).split())
    if "comment--without-parentheses" not in classes(el) and text[:1] + text[-1:] == "()":
        text = text[1:-1].strip()
    return text


def revision_meta(
    el: Any,
    revid: int,
    base: str,
    utc_offset: timedelta | None,
    url: str | None = None,
    date_el: Any | None = None,
) -> RevisionMeta:
    """A revision's date, user, summary and flags from the element that shows them."""
    user_el = find_class(el, "mw-userlink")
    user = text_of(user_el) if user_el is not None else None
    anon = user_el is not None and "mw-anonuserlink" in classes(user_el)
    size_el = find_class(el, "history-size")
    size = size_el.get("data-mw-bytes") if size_el is not None else None
    return RevisionMeta(
        revid=revid,
        timestamp=parse_datetime(text_of(date_el if date_el is not None else el), utc_offset),
        user=user or None,
        user_is_ip=bool(user) and (anon or is_ip(user)),
        comment=comment_of(find_class(el, "comment"), base),
        minor=find_class(el, "minoredit") is not None,
        size=int(size) if size and size.isdigit() else None,
        url=url,
    )


def link_of(base: str, el: Any | None) -> WikiUrl | None:
    if el is None:
        return None
    anchor = el if el.tag == "a" else next(el.iter("a"), None)
    if anchor is None or not anchor.get("href"):
        return None
    return parse_wiki_url(urljoin(base, anchor.get("href")))


def history_entries(doc: Any, base: str, utc_offset: timedelta | None) -> tuple[RevisionMeta, ...]:
    """The revisions a history page lists, newest first (``<li data-mw-revid>``, or older
    MediaWikis' ``<li>`` whose date links to ``oldid=N``)."""
    box = doc.get_element_by_id("pagehistory", None)
    if box is None:
        return ()
    entries = []
    for li in box.iter("li"):
        date = find_class(li, "mw-changeslist-date")
        if date is None:
            date = _date_link(li, base)
        found = link_of(base, date)
        revid = li.get("data-mw-revid") or (found and found.get("oldid")) or ""
        if not revid.isdigit():
            continue
        url = found.url if found is not None and found.get("oldid") else None
        entries.append(revision_meta(li, int(revid), base, utc_offset, url, date))
    return tuple(entries)


def _date_link(li: Any, base: str) -> Any | None:
    """The link to a listed revision's own page: ``oldid=N`` without ``diff``."""
    for anchor in li.iter("a"):
        found = link_of(base, anchor)
        if found is not None and found.get("oldid") and found.get("diff") is None:
            return anchor
    return None


def diff_side(doc: Any, side: str, base: str, utc_offset: timedelta | None,
               revid: int) -> RevisionMeta | None:  # fmt: skip
    head = doc.get_element_by_id(f"mw-diff-{side}title1", None)
    if head is None or not text_of(head):
        return None
    found = link_of(base, head)
    revid = revid or (found.int_param("oldid") or 0 if found is not None else 0)
    if not revid:
        return None
    box = lxml.html.Element("div")
    for n in (1, 2, 3):
        part = doc.get_element_by_id(f"mw-diff-{side}title{n}", None)
        if part is not None:
            box.append(lxml.html.fromstring(lxml.html.tostring(part)))
    return revision_meta(box, revid, base, utc_offset, found.url if found is not None else None)


def diff_hunks(table: Any) -> tuple[DiffHunk, ...]:
    hunks: list[DiffHunk] = []
    start: tuple[int, int] | None = None
    lines: list[tuple[str, str]] = []
    for row in table.iter("tr"):
        cells = [td for td in row if td.tag == "td"]
        numbers = [int(m.group()) for td in cells if "diff-lineno" in classes(td)
                   for m in [re.search(r"\d+", td.text_content())] if m]  # fmt: skip
        if numbers:
            if start is not None:
                hunks.append(DiffHunk(start[0], start[1], tuple(lines)))
            start, lines = (numbers[0], numbers[-1]), []
            continue
        context = [td for td in cells if "diff-context" in classes(td)]
        if context:
            lines.append((" ", context[0].text_content()))
            continue
        for marker, name in (("-", "diff-deletedline"), ("+", "diff-addedline")):
            lines += [(marker, td.text_content()) for td in cells if name in classes(td)]
    if start is not None:
        hunks.append(DiffHunk(start[0], start[1], tuple(lines)))
    return tuple(hunks)
