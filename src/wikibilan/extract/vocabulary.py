"""The reading vocabulary: words that name kinds, people's headings, marks of minutes.

The vocabulary is data (the ``[reading]`` part of a site profile); this module
only compiles it. It is built once, at the edge, from a mapping (what
``tomllib`` gives) and passed down as an immutable object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from wikibilan.errors import UsageError

Patterns = tuple[re.Pattern[str], ...]

# Weights of the places a kind's words are found in (see ``kind_scores``).
TITLE_WEIGHT, HUB_WEIGHT, CATEGORY_WEIGHT, TEXT_WEIGHT = 3, 2, 2, 1
DEFAULT_KIND = "meeting"


@dataclass(frozen=True, slots=True)
class KindWords:
    """A kind of gathering and the words that name it in titles and in text."""

    kind: str
    title: Patterns
    words: Patterns


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Compiled reading vocabulary of one wiki."""

    report_titles: frozenset[str]
    kinds: tuple[KindWords, ...]
    headings: tuple[tuple[str, Patterns], ...]
    inline_present: Patterns
    workshop_headings: Patterns
    workshop_page_words: Patterns
    workshop_list: Patterns
    workshop_in_text: Patterns
    meeting_marks: Patterns
    total_marks: Patterns
    place_label: Patterns
    place_opening: Patterns
    place_end: Patterns
    practical_headings: Patterns
    next_date: Patterns

    def role_of_heading(self, text: str) -> str | None:
        """The attendance role a heading announces, or None."""
        t = text.strip()
        for role, patterns in self.headings:
            if any_match(patterns, t):
                return role
        return None

    def kind_scores(self, places: Sequence[tuple[str, int]], *, title: str = "") -> dict[str, int]:
        """Score every kind from ``(text, weight)`` evidence; the title uses title words."""
        scores: dict[str, int] = {}
        for kw in self.kinds:
            score = TITLE_WEIGHT if title and any_match(kw.title, title) else 0
            score += sum(w for text, w in places if any_match(kw.words, text))
            if score:
                scores[kw.kind] = score
        return scores

    def best_kind(self, scores: Mapping[str, int]) -> str:
        """The kind with the highest score (the vocabulary's order breaks ties)."""
        if not scores:
            return DEFAULT_KIND
        order = {kw.kind: i for i, kw in enumerate(self.kinds)}
        return min(scores, key=lambda k: (-scores[k], order.get(k, len(order))))


def any_match(patterns: Patterns, text: str) -> bool:
    """True when one of ``patterns`` is found in ``text`` (one search for them all)."""
    combined = _combined(patterns)
    if combined is None:
        return any(p.search(text) for p in patterns)
    return combined.search(text) is not None


@lru_cache(maxsize=256)
def _combined(patterns: Patterns) -> re.Pattern[str] | None:
    """One alternation of ``patterns`` (same flags), or None when they cannot be joined."""
    if not patterns or len({p.flags for p in patterns}) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:  # e.g. the same group name twice
        return None


def _compile(where: str, value: Any) -> Patterns:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"reading vocabulary: {where} must be a list of regular expressions")
    out = []
    for pattern in value:
        try:
            out.append(re.compile(pattern, re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise UsageError(
                f"reading vocabulary: {where}: bad pattern {pattern!r}: {exc}"
            ) from exc
    return tuple(out)


_PATTERN_KEYS = (
    "inline_present",
    "workshop_headings",
    "workshop_page_words",
    "workshop_list",
    "workshop_in_text",
    "meeting_marks",
    "total_marks",
    "place_label",
    "place_opening",
    "place_end",
    "practical_headings",
    "next_date",
)
# Roles a heading gives the people under it, in the order headings are tried: plans,
# interest and apologies before presence ("Présents prévus" is a plan). Excused
# people are listed nowhere.
_ROLES = ("planned", "interested", "excused", "present")
_KEYS = frozenset({"report_titles", "kinds", "headings", *_PATTERN_KEYS})


def vocabulary_from_mapping(data: Mapping[str, Any]) -> Vocabulary:
    """Build the vocabulary from its TOML mapping; errors name the key."""
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise UsageError(f"reading vocabulary: unknown key(s) {', '.join(unknown)}")
    kinds = []
    for i, entry in enumerate(data.get("kinds", [])):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kind"), str):
            raise UsageError(f"reading vocabulary: kinds[{i}] needs a 'kind' name")
        name = entry["kind"]
        kinds.append(
            KindWords(
                name,
                _compile(f"kinds[{i}].title", entry.get("title", [])),
                _compile(f"kinds[{i}].words", entry.get("words", [])),
            )
        )
    headings = []
    for i, entry in enumerate(data.get("headings", [])):
        role = entry.get("role") if isinstance(entry, Mapping) else None
        if role not in _ROLES:
            raise UsageError(
                f"reading vocabulary: headings[{i}].role must be one of {', '.join(_ROLES)}"
            )
        headings.append((str(role), _compile(f"headings[{i}].words", entry.get("words", []))))
    # Interest and plans before presence: "Présents prévus" is a plan, not a presence.
    headings.sort(key=lambda h: _ROLES.index(h[0]))
    titles = data.get("report_titles", [])
    if not isinstance(titles, list):
        raise UsageError("reading vocabulary: report_titles must be a list of titles")
    return Vocabulary(
        report_titles=frozenset(str(t) for t in titles),
        kinds=tuple(kinds),
        headings=tuple(headings),
        **{key: _compile(key, data.get(key, [])) for key in _PATTERN_KEYS},
    )
