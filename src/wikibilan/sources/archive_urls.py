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
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

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


ENTRY_FORMS = ("article", "file", "file_literal", "file_decoded", "index", "index_literal")
"""How a mirror may name a page's current version, most likely first (see ``entry_forms``)."""

# What MediaWiki's wfUrlencode leaves unescaped, less ":" and "*": wget's windows mode
# escapes ":" in file names, and MediaWiki never writes "*" in a title's file name.
_FILE_SAFE = ";@$!(),~"


def _file_name(title: str, *, slash: bool, apostrophe: bool) -> str:
    """``title`` as wget names its file when the escapes MediaWiki wrote are kept,
    escaped once more for a URL (``%`` -> ``%25``): the file's name decoded once."""
    safe = _FILE_SAFE + ("/" if slash else "") + ("'" if apostrophe else "")
    return quote(title.replace(" ", "_"), safe=safe).replace("%", "%25")


def entry_forms(root: str, title: str) -> list[tuple[str, str]]:
    """``(form, URL)`` for each way a mirror may hold the current version of ``title``.

    In :data:`ENTRY_FORMS` order: ``article``, MediaWiki's own ``/wiki/T``
    (``'`` as ``%27``, no ``.html``); ``file``, the file of a wget mirror that kept
    MediaWiki's escapes (``/wiki/l%2527a.html``: the name holds ``%27``, ``:`` as
    ``%3A`` in windows mode); ``file_literal``, the same from a MediaWiki that
    leaves ``'`` unescaped in its links (``/wiki/l'a%25C3%25A9.html``);
    ``file_decoded``, a file named with the title itself (``/wiki/l%27a%C3%A9.html``);
    ``index`` and ``index_literal``, ``index.php@title=T.html`` with ``/`` escaped
    too. Two forms may give the same URL (a title without ``'``).
    """
    literal = (False, True)
    files = [f"{root}/wiki/{_file_name(title, slash=True, apostrophe=a)}.html" for a in literal]
    index = [f"{root}/index.php@title={_file_name(title, slash=False, apostrophe=a)}.html"
             for a in literal]  # fmt: skip
    urls = [f"{root}/wiki/{wiki_urlencode(title)}", files[0], files[1],
            f"{root}/wiki/{wiki_urlencode(title)}.html", index[0], index[1]]  # fmt: skip
    return list(zip(ENTRY_FORMS, urls, strict=True))


def entry_urls(root: str, title: str) -> list[str]:
    """The distinct URLs of :func:`entry_forms`, in its order."""
    return list(dict.fromkeys(url for _, url in entry_forms(root, title)))


_OLD_FORMS = ("article", "file", "file_decoded", "index")  # stores of 0.x kept an index


@dataclass(slots=True)
class EntryForms:
    """The entry forms a mirror answered in so far, to try them first.

    Each answer narrows the set to the forms that would have given the URL that
    answered (a title without ``'`` cannot tell ``file`` from ``file_literal``;
    the next one with ``'`` will). An answer in none of the built forms leaves
    the set as it was; one in none of the set's starts it afresh.
    """

    known: tuple[str, ...] = ()

    @classmethod
    def load(cls, raw: str | None) -> EntryForms:
        """Read what :meth:`dump` wrote (or an older store's form index)."""
        raw = (raw or "").strip()
        if raw.isdigit():
            return cls((_OLD_FORMS[int(raw)],) if int(raw) < len(_OLD_FORMS) else ())
        return cls(tuple(f for f in raw.split(",") if f in ENTRY_FORMS))

    def dump(self) -> str:
        return ",".join(self.known)

    def order(self, forms: list[tuple[str, str]]) -> list[str]:
        """The URLs of ``forms`` (from :func:`entry_forms`), known forms first, once each."""
        first = [url for form, url in forms if form in self.known]
        return list(dict.fromkeys([*first, *(url for _, url in forms)]))

    def learn(self, url: str, forms: list[tuple[str, str]]) -> bool:
        """Narrow the set by a URL that answered; True when it changed.

        A server that answers ``/wiki/T`` with the file ``wiki/T.html`` makes the two
        one form until a title with an escape tells them apart: URLs are compared
        without ``.html``.
        """
        bare = url.removesuffix(".html")
        matching = tuple(form for form, built in forms if built.removesuffix(".html") == bare)
        if not matching:
            return False
        narrowed = tuple(f for f in self.known if f in matching) or matching
        changed = narrowed != self.known
        self.known = narrowed
        return changed

    def __str__(self) -> str:
        return " or ".join(self.known) or "(none yet)"


def on_root(url: str, root: str) -> str:
    """``url`` on ``root``'s scheme and address: a page of the mirror linked as
    ``http://`` from a mirror read over ``https://`` (or the other way round) is
    asked for the way the mirror already answers."""
    parts, mine = urlsplit(url), urlsplit(root)
    if (parts.scheme, parts.netloc) == (mine.scheme, mine.netloc):
        return url
    return urlunsplit((mine.scheme, mine.netloc, parts.path, parts.query, parts.fragment))


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
