"""Settings (paths, politeness) — nothing particular to one wiki; no I/O at import time.

What belongs to one wiki and its report is in its profile (``profiles/*.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CACHE = Path("cache/wikibilan.sqlite")
DEFAULT_OUT = Path("outputs")
USER_AGENT = "wikibilan/0.1 (+https://github.com/wikibilan/wikibilan; audit of a wiki-kept record)"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which pages to take from a wiki; shared by the API and archive sources."""

    titles: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    category_depth: int = 1
    prefixes: tuple[str, ...] = ()
    title_patterns: tuple[str, ...] = ()
    links: int = 0


@dataclass(frozen=True, slots=True)
class Politeness:
    """How gently to talk to a live wiki."""

    min_interval: float = 0.5
    max_retries: int = 6
    retry_budget: int = 50
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 30.0
    maxlag: int = 5
    max_response_bytes: int = 50 * 1024 * 1024
    user_agent: str = USER_AGENT


# The fixture wiki shipped in the repository (used by offline runs on an empty store).
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
