"""Page titles, text and page URLs as MediaWiki makes them (pure; shared by sources and parsers)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Links into these namespaces embed a file or file the page in a category:
# they render no text (a leading colon, [[:Catégorie:X]], makes a plain link).
DROP_NAMESPACES = frozenset({"catégorie", "category", "fichier", "file", "image", "média", "media"})
NAMESPACES = DROP_NAMESPACES | frozenset(
    [
        "utilisateur",
        "utilisatrice",
        "user",
        "discussion",
        "talk",
        "modèle",
        "template",
        "aide",
        "help",
        "spécial",
        "special",
        "projet",
        "project",
        "mediawiki",
        "module",
        "discussion utilisateur",
        "discussion utilisatrice",
        "user talk",
        "discussion modèle",
        "template talk",
        "discussion catégorie",
        "category talk",
        "discussion fichier",
        "file talk",
        "discussion projet",
        "project talk",
        "discussion aide",
        "help talk",
    ]
)

_INVISIBLE_CHARS = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_INVISIBLE = str.maketrans("", "", _INVISIBLE_CHARS)


def clean_text(text: str) -> str:
    """Collapse every kind of whitespace (no-break spaces too) to one space."""
    if not text.isascii() and any(c in text for c in _INVISIBLE_CHARS):
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())  # str.split() and regex \s agree on what is whitespace


def upper_first(text: str) -> str:
    """Upper-case the first letter, as MediaWiki does for titles."""
    if not text:
        return text
    first = text[0].upper()
    return (first if len(first) == 1 else text[0]) + text[1:]


def normalize_title(raw: str) -> str:
    """Normalise a page title the way MediaWiki does for links.

    ``_`` becomes a space, spaces collapse, a leading colon goes, the first
    letter (and the first letter after a known namespace) is upper-cased.
    """
    title = clean_text(raw.replace("_", " ")).lstrip(":").strip()
    if not title:
        return ""
    prefix, sep, rest = title.partition(":")
    if sep and prefix.strip().lower() in NAMESPACES and rest.strip():
        return f"{upper_first(prefix.strip())}:{upper_first(rest.strip())}"
    return upper_first(title)


# -- page URLs ----------------------------------------------------------------------

WIKI_SAFE = ";@$!*(),/~:"
"""What MediaWiki's ``wfUrlencode`` leaves unescaped in a title, besides ``[A-Za-z0-9_.-]``."""
DEFAULT_ARTICLE_PATH = "/wiki/$1"


def wiki_urlencode(title: str) -> str:
    """A title as MediaWiki writes it in URLs: spaces as ``_``, then ``wfUrlencode``."""
    return quote(title.replace(" ", "_"), safe=WIKI_SAFE)


def page_url(article_url: str, title: str) -> str:
    """The URL of ``title`` from an article URL template (``https://host/wiki/$1``)."""
    return article_url.replace("$1", wiki_urlencode(title))


def article_url_from_siteinfo(server: str, article_path: str, site_url: str = "") -> str:
    """The article URL template from siteinfo's ``server`` and ``articlepath``.

    A protocol-relative ``server`` (``//host``) takes the scheme of ``site_url``
    (https when unknown).
    """
    if server.startswith("//"):
        scheme = urlsplit(site_url).scheme if "//" in site_url else ""
        server = f"{scheme or 'https'}:{server}"
    return server.rstrip("/") + "/" + article_path.lstrip("/")


def article_url_from_main_page(url: str) -> str:
    """The article URL template of a wiki from the URL of one of its pages (a dump's ``<base>``).

    ``https://h/wiki/Main`` -> ``https://h/wiki/$1``; ``https://h/index.php/Main`` ->
    ``https://h/index.php/$1``; ``https://h/w/index.php?title=Main`` ->
    ``https://h/w/index.php?title=$1``; a bare ``https://h`` gets ``/wiki/$1``.
    """
    parts = urlsplit(url if "//" in url else "https://" + url)
    root = f"{parts.scheme}://{parts.netloc}"
    if re.search(r"(?:^|&)title=", parts.query):  # the query keeps its order, as written
        query = re.sub(r"(^|&)title=[^&]*", lambda m: f"{m.group(1)}title=$1", parts.query)
        return f"{root}{parts.path}?{query}"
    path = parts.path
    script = re.match(r"^(.*?\.php)/", path)
    if script:
        return f"{root}{script.group(1)}/$1"
    if "/wiki/" in path:
        return f"{root}{path.split('/wiki/', 1)[0]}/wiki/$1"
    if path.strip("/"):
        return f"{root}{path.rsplit('/', 1)[0]}/$1"
    return root + DEFAULT_ARTICLE_PATH
