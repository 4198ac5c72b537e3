"""URLs of a static MediaWiki mirror: read them, and write the few the crawler needs.

A wget mirror (``--adjust-extension --restrict-file-names=windows``) names
``index.php?title=T&oldid=N`` as the file ``index.php@title=T&oldid=N.html``
and, in the live archive, keeps MediaWiki's escapes in the name, so the URL
escapes them again: ``'`` -> ``%27`` -> ``%2527``. Decoding a URL's path once
gives the file name, twice gives the title. MediaWiki forbids ``%XX`` in
titles, so decoding twice never harms a mirror that kept fewer escapes. A URL
found in a page is requested exactly as written, never re-encoded.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

from ..titles import normalize_title, wiki_urlencode

_NS = re.compile(
    r"^(?:sp[ée]cial|special|m[ée]dia|discussion|talk|utilisateur|utilisatrice|user|"
    r"discussion utilisat\w+|user talk|fichier|file|image|mediawiki|mod[eè]le|template|"
    r"aide|help|cat[ée]gorie|category|projet|project|portail|portal|"
    r"discussion \w+|\w+ talk)\s*:",
    re.IGNORECASE,
)


def _untitle(raw: str) -> str:
    """Decode a title taken from a URL or file name (at most twice; see the module doc)."""
    for _ in range(2):
        if not re.search(r"%[0-9A-Fa-f]{2}", raw):
            break
        raw = unquote(raw)
    return normalize_title(raw)


@dataclass(frozen=True, slots=True)
class WikiUrl:
    """A URL of a wiki page: its title and query parameters (values as written)."""

    url: str
    title: str
    params: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.params if k == key), None)

    @property
    def is_plain_view(self) -> bool:
        """The current version of the page (no revision, diff or action)."""
        return all(k == "title" for k, _ in self.params)

    def int_param(self, key: str) -> int | None:
        value = self.get(key)
        return int(value) if value is not None and value.isdigit() else None


def parse_wiki_url(url: str) -> WikiUrl | None:
    """Read a page URL in any of the mirror's or MediaWiki's forms, or None.

    ``/wiki/T``, ``/wiki/T.html``, ``/index.php@title=T&….html``,
    ``/index.php?title=T&…``, ``/index.php/T``; the fragment is ignored.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path, query = parts.path, parts.query
    params: list[tuple[str, str]]
    at = path.find("index.php@")
    if at >= 0:
        name = unquote(path[at + len("index.php@") :]).removesuffix(".html")
        params = [(k, v) for k, _, v in (p.partition("=") for p in name.split("&"))]
    elif path.endswith("/index.php") and query:
        params = parse_qsl(query, keep_blank_values=True)
    elif "/index.php/" in path:
        params = [("title", path.split("/index.php/", 1)[1].removesuffix(".html"))]
    elif "/wiki/" in path:
        params = [("title", path.split("/wiki/", 1)[1].removesuffix(".html"))]
    else:
        return None
    raw = next((v for k, v in params if k == "title"), None)
    title = _untitle(raw) if raw else ""
    if not title:
        return None
    return WikiUrl(url, title, tuple(params))


def entry_urls(root: str, title: str) -> list[str]:
    """URLs that may hold the current version of ``title``, most likely first.

    MediaWiki's own ``/wiki/T``; the mirror's file with escapes kept, as wget's
    windows mode names it (``/wiki/T%2527s.html``, ``:`` as ``%253A``); the file
    with escapes decoded (``/wiki/T%27s.html``); a plain ``index.php@title=T.html``.
    """
    once = wiki_urlencode(title)
    name = quote(title.replace(" ", "_"), safe=";@$!(),~/").replace("%", "%25")
    flat = quote(title.replace(" ", "_"), safe=";@$!(),~").replace("%", "%25")
    # always the same four forms in the same order (the crawl remembers which one works)
    return [
        f"{root}/wiki/{once}",
        f"{root}/wiki/{name}.html",
        f"{root}/wiki/{once}.html",
        f"{root}/index.php@title={flat}.html",
    ]


def sibling_url(found: WikiUrl, query: str) -> str | None:
    """The URL of another view of the same page, in the form ``found`` was written.

    ``query`` is e.g. ``"diff=prev&oldid=12"``. The title is kept exactly as
    written, so no escape is ever added or lost.
    """
    url = found.url.split("#", 1)[0]
    match = re.match(r"^(.*index\.php@title=[^&]*?)(?:&.*)?(\.html)$", url)
    if match:
        return f"{match.group(1)}&{query}.html"
    match = re.match(r"^(.*index\.php\?title=[^&]*)", url)
    if match:
        return f"{match.group(1)}&{query}"
    return None


def is_main_namespace(title: str) -> bool:
    """False for titles in a known non-article namespace (French or English names)."""
    return _NS.match(title) is None


def same_host(url: str, root: str) -> bool:
    """True when ``url`` is on the host and port of ``root``; http and https both count."""
    mine, other = urlsplit(root), urlsplit(url)
    if (mine.hostname or "").lower() != (other.hostname or "").lower():
        return False
    if mine.port is None and other.port is None:
        return True
    default = {"http": 80, "https": 443}
    return (mine.port or default.get(mine.scheme)) == (other.port or default.get(other.scheme))


def locate(url: str, root: str, old_hosts: tuple[str, ...] = ()) -> tuple[WikiUrl, bool] | None:
    """The page a link points to, and whether the URL may be requested.

    Links to ``root``'s host may be; links to a former address of the wiki
    (``old_hosts``) name a page of the site but are never requested; other
    hosts are ignored (None).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    found = parse_wiki_url(url)
    if found is None:
        return None
    if same_host(url, root):
        return found, True
    if (parts.hostname or "").lower() in old_hosts:
        return found, False
    return None


_HREF = re.compile(r'(\shref=")([^"]*)(")')


def rooted_links(text: str, url: str) -> str:
    """``text`` with its relative links made root-relative, as resolved from ``url``.

    wget's converted links (``../wiki/T.html``, ``index.php@….html``) only make
    sense next to the file they were read from; stored content keeps working
    wherever it is read. Links are resolved, never re-encoded.
    """

    def fix(match: re.Match[str]) -> str:
        value = html.unescape(match.group(2))
        if not value or re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)", value):
            return match.group(0)
        parts = urlsplit(urljoin(url, value))
        rooted = parts.path + ("?" + parts.query if parts.query else "")
        rooted += "#" + parts.fragment if parts.fragment else ""
        return match.group(1) + html.escape(rooted, quote=True) + match.group(3)

    return _HREF.sub(fix, text)
