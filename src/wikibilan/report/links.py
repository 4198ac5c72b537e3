"""Links into the wiki: a page, or one revision of it, in the site's own URL form (pure).

A live MediaWiki shows an old revision at ``index.php?title=T&oldid=N``. The
static mirror of an archived wiki (ARCHIVE.md) keeps that page as the file
``index.php@title=T&oldid=N.html`` whose name holds the title's escapes, so
its URL escapes them again: ``'`` is ``%2527``.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from ..titles import page_url, wiki_urlencode

# What the mirror's file names leave unescaped in a title (wget's windows mode
# escapes ``/`` and ``:`` in a file name; see sources/archive_urls.py).
_MIRROR_SAFE = ";@$!(),~"


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _root(article_url: str) -> str:
    parts = urlsplit(article_url)
    return f"{parts.scheme}://{parts.netloc}"


def article_link(article_url: str, title: str) -> str:
    """The URL of the current version of ``title`` ("" when the template is not a web URL)."""
    return page_url(article_url, title) if _is_web(article_url) and "$1" in article_url else ""


def revision_link(article_url: str, title: str, revid: int, *, archive: bool = False) -> str:
    """The URL of revision ``revid`` of ``title`` on the site ``article_url`` (``…/$1``) names.

    Args:
        article_url: how the site builds page URLs (``https://host/wiki/$1``).
        title: the page title.
        revid: the revision id.
        archive: the site is a static mirror: the mirror's file URL, not ``index.php?…``.

    Returns:
        The URL, or "" when ``article_url`` is no web URL with a ``$1``.
    """
    if not _is_web(article_url) or "$1" not in article_url:
        return ""
    base = article_url.split("$1", 1)[0]
    if archive:
        root = base.removesuffix("/wiki/") if base.endswith("/wiki/") else _root(article_url)
        name = quote(title.replace(" ", "_"), safe=_MIRROR_SAFE).replace("%", "%25")
        return f"{root}/index.php@title={name}&oldid={revid}.html"
    encoded = wiki_urlencode(title)
    if re.search(r"[?&]title=$", base):
        return f"{base}{encoded}&oldid={revid}"
    if base.endswith(".php/"):
        return f"{base[:-1]}?title={encoded}&oldid={revid}"
    script = base.removesuffix("/wiki/") if base.endswith("/wiki/") else _root(article_url)
    return f"{script}/index.php?title={encoded}&oldid={revid}"


def parse_evidence(evidence: str) -> list[tuple[str, int | None]]:
    """The items of an evidence cell (``Page@123; Other page@456``) as (title, revid) pairs."""
    items: list[tuple[str, int | None]] = []
    for item in (part.strip() for part in evidence.split("; ")):
        if not item:
            continue
        title, at, revid = item.rpartition("@")
        if at and revid.strip().isdigit() and title.strip():
            items.append((title.strip(), int(revid)))
        else:
            items.append((item, None))
    return items
