"""wikibilan: audit the figures a MediaWiki community published against its own wiki.

The public API for notebooks::

    import wikibilan
    frames = wikibilan.load_frames(cache="cache/fixtures.sqlite")
    checks = wikibilan.check(cache="cache/fixtures.sqlite")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from wikibilan.errors import (
    HostileInputError,
    InputError,
    NoApiError,
    SourceError,
    StoreError,
    UsageError,
    WikibilanError,
)
from wikibilan.model import PageRecord, PageRef, Revision, Site

if TYPE_CHECKING:
    from wikibilan.library import RunResult, check, load_frames, run

__all__ = [
    "HostileInputError", "InputError", "NoApiError", "PageRecord", "PageRef", "Revision",
    "RunResult", "Site", "SourceError", "StoreError", "UsageError", "WikibilanError",
    "__version__", "check", "load_frames", "run",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    # The library pulls in pandas and the parsers; load it on first use only.
    if name in {"run", "check", "load_frames", "RunResult"}:
        from wikibilan import library

        return getattr(library, name)
    raise AttributeError(name)
