"""wikibilan: audit the figures a MediaWiki community published against its own wiki.

The public API for notebooks, one function per command (``wikibilan.library``)::

    import wikibilan
    wikibilan.import_dump("dump.xml", cache="cache/fixtures.sqlite")
    frames = wikibilan.load_frames(cache="cache/fixtures.sqlite")  # dict of DataFrames
    checks = wikibilan.check(cache="cache/fixtures.sqlite", as_of="2018-06-01")

- ``fetch(site, cache)``: a live wiki's selected pages and history into the store.
- ``import_dump(path, cache)``: a MediaWiki XML export into the store.
- ``load_frames(cache)``: the frames (pages, revisions, events, attendance,
  workshops, expenses, claims, warnings) as typed DataFrames.
- ``check(cache, as_of=None)``: one row per published figure with its verdict.
- ``run(cache, out)``: frames, checks and every output file.
- ``read_outputs(out)``: the frames a run wrote, read back typed (through its
  datapackage.json), without the store.
- ``verify(cache)``: the store's integrity.

Functions that only read (load_frames, check, verify) never create a store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wikibilan._version import __version__
from wikibilan.errors import (
    HostileInputError,
    InputError,
    NoApiError,
    OutputError,
    SourceError,
    StoreError,
    UnreachableError,
    UsageError,
    WikibilanError,
)
from wikibilan.model import PageRecord, PageRef, Revision, Site

if TYPE_CHECKING:
    from wikibilan.library import (
        RunResult,
        check,
        fetch,
        import_dump,
        load_frames,
        read_outputs,
        run,
        verify,
    )

# The library pulls in pandas and the parsers: its names load on first use only.
_LAZY = {
    "RunResult", "check", "fetch", "import_dump", "load_frames", "read_outputs", "run", "verify",
}  # fmt: skip

__all__ = [
    "HostileInputError", "InputError", "NoApiError", "OutputError", "PageRecord", "PageRef",
    "Revision", "RunResult", "Site", "SourceError", "StoreError", "UnreachableError",
    "UsageError", "WikibilanError",
    "__version__", "check", "fetch", "import_dump", "load_frames", "read_outputs", "run",
    "verify",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from wikibilan import library

        return getattr(library, name)
    raise AttributeError(f"module 'wikibilan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
