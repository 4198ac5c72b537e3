"""One exception hierarchy for the whole library.

Odd *input* (a line that cannot be read) is data, not an exception: it becomes a
row of the ``warnings`` frame. Exceptions are for things that stop a command.
"""

from __future__ import annotations

import os


class WikibilanError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 2


class UsageError(WikibilanError):
    """The user asked for something that cannot be done as asked."""

    exit_code = 2


class InputError(WikibilanError):
    """A file given by the user cannot be read (missing, not XML, hostile)."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class HostileInputError(InputError):
    """Input that tries to expand entities, reach outside files, or exceed a size cap."""


class StoreError(WikibilanError):
    """The SQLite store is locked, corrupt, or of an unknown schema version."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class OutputError(WikibilanError):
    """An output cannot be written: a file where a directory is needed, no permission, no space."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(message)
        self.path = None if path is None else os.fspath(path)


class SchemaError(WikibilanError):
    """A frame does not have the columns or types its schema declares (a bug, not input)."""


class SourceError(WikibilanError):
    """A wiki could not be reached or does not look like a MediaWiki."""

    exit_code = 3

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class NoApiError(SourceError):
    """The site has no MediaWiki Action API (``api.php``)."""


class UnreachableError(SourceError):
    """The site cannot be reached at all, and retrying would not help.

    Its host name does not resolve, it refuses connections, TLS fails, or the
    URL is not an http(s) one.
    """


class RetryBudgetExhausted(SourceError):
    """The site kept failing after the allowed number of retries."""


class OffSiteError(SourceError):
    """A link or redirect pointed to another host; it was not followed."""
