"""Page kinds from titles, as a data table (docs/FRAMES.md)."""

from __future__ import annotations

import re

# First match wins; patterns are matched against the whole title.
PAGE_KINDS: tuple[tuple[str, str], ...] = (
    ("bilan", r"Assemblée des Communs de Lille - Bilan\b.*"),
    ("history", r"Historique de l'assemblée des communs lilloise"),
    ("calendar", r"Calendrier de l'assemblée des communs de Lille"),
    ("workshop_list", r"Liste des ateliers de l'assemblée des communs de Lille"),
    ("initiation", r"Atelier Initiation aux communs"),
    ("trombinoscope", r"Trombinoscope de Lille"),
    ("founding_meeting", r"Construire dans l'action l'assemblée des communs(?: -)?(?: \d+)?"),
    ("assembly", r"Assemblée des Communs de Lille - \d+"),
    ("assembly", r"Assemblée des Communs de Lille \d{1,2}/\d{1,2}/\d{2,4}"),
    ("subpage", r"48h de la contribution/.+"),
    ("contribution_48h", r"48h de la contribution"),
    ("workshop", r"ROUMICS 2017 - .+"),
    ("roumics", r"ROUMICS 2017"),
    ("coworking", r"Journée de coworking.*"),
    ("tournai", r"Co-construire à Tournai.*"),
    ("governance", r"Code social de l'assemblée des communs de Lille/.+"),
)

# Kinds that are temps forts (one event each).
EVENT_KINDS: frozenset[str] = frozenset(
    {"founding_meeting", "assembly", "contribution_48h", "roumics", "coworking", "tournai"}
)

# Kinds of calendar bullets without their own page, from words in their text.
TEXT_KINDS: tuple[tuple[str, str], ...] = (
    ("coworking", r"coworking"),
    ("tournai", r"tournai"),
    ("roumics", r"roumics"),
    ("contribution_48h", r"48 ?h de la contribution"),
    ("assembly", r"assembl[ée]e des communs de lille"),
    ("founding_meeting", r"construire dans l.action|r[ée]union"),
)

_COMPILED = tuple((kind, re.compile(pat, re.IGNORECASE)) for kind, pat in PAGE_KINDS)
_TEXT_COMPILED = tuple((kind, re.compile(pat, re.IGNORECASE)) for kind, pat in TEXT_KINDS)


def _canonical(title: str) -> str:
    return title.replace("_", " ").replace("\u2019", "'").strip()


def page_kind(title: str) -> str:
    """Return the kind of a page from its title (``other`` when none matches)."""
    t = _canonical(title)
    for kind, rx in _COMPILED:
        if rx.fullmatch(t):
            return kind
    return "other"


def text_kind(text: str) -> str:
    """Return the event kind a calendar line's words suggest (``other`` when none)."""
    for kind, rx in _TEXT_COMPILED:
        if rx.search(text):
            return kind
    return "other"
