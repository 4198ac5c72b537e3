"""Page titles and text as MediaWiki normalises them (pure; shared by sources and parsers)."""

from __future__ import annotations

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
