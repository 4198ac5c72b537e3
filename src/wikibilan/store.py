"""The SQLite revision store: one file, WAL mode, immutable revisions keyed by (site, revid).

Writes happen in transactions (``BEGIN IMMEDIATE``), so an interrupted fetch or
import leaves every committed batch in place and a re-run resumes. Timestamps are
stored as ``YYYY-MM-DDTHH:MM:SSZ`` text (which sorts chronologically) and come
back as aware UTC datetimes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, cast

from .errors import StoreError
from .model import (
    ContentModel,
    PageCoverage,
    PageRecord,
    Revision,
    Site,
    SourceName,
    merge_coverage,
    sha1_hex,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
# What a fetch met, page by page (model.PageCoverage; linked_from is a JSON list of titles).
_COVERAGE_TABLE = """CREATE TABLE IF NOT EXISTS coverage (
    site TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('found', 'fetched', 'missing', 'skipped')),
    linked_from TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (site, title)
)"""
# The statements that bring a store of version N to N + 1, applied when it is opened to write.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE sites ADD COLUMN article_url TEXT",),  # page URLs from siteinfo
    2: (_COVERAGE_TABLE,),  # the pages a fetch met: fetched, missing, found, skipped
}
# Tables that a store read as it is (read-only, older version) may lack.
_ADDED_IN = {"coverage": 3}
_VERSION_KEY = "schema_version"
_TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sites (
    key TEXT PRIMARY KEY,
    base_url TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'fr',
    article_url TEXT
);
CREATE TABLE pages (
    site TEXT NOT NULL REFERENCES sites(key),
    page_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    namespace INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'present',
    PRIMARY KEY (site, page_id)
);
CREATE INDEX pages_by_title ON pages(site, title);
CREATE TABLE revisions (
    site TEXT NOT NULL,
    revid INTEGER NOT NULL,
    page_id INTEGER NOT NULL,
    parentid INTEGER,
    timestamp TEXT NOT NULL CHECK (timestamp GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
    user TEXT,
    user_is_ip INTEGER NOT NULL DEFAULT 0,
    comment TEXT,
    content_model TEXT NOT NULL,
    content TEXT NOT NULL,
    sha1 TEXT,
    size INTEGER NOT NULL,
    minor INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    PRIMARY KEY (site, revid),
    FOREIGN KEY (site, page_id) REFERENCES pages(site, page_id)
);
CREATE INDEX revisions_by_page_time ON revisions(site, page_id, timestamp, revid);
CREATE TRIGGER revisions_immutable BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;
{_COVERAGE_TABLE};
"""
# What the schema creates, for schema_problems().
_SCHEMA_OBJECTS = tuple(
    (m[0].lower(), m[1])
    for m in re.findall(r"CREATE (TABLE|INDEX|TRIGGER) (?:IF NOT EXISTS )?(\w+)", _SCHEMA)
)

# Columns of a Revision, in the order _revision_from_row reads them.
_REV_SELECT = """
SELECT r.site, r.page_id, p.title, r.revid, r.parentid, r.timestamp, r.user, r.comment,
       r.content, r.content_model, r.sha1, p.namespace, r.user_is_ip, r.minor, r.source
"""
_REV_JOIN = "JOIN pages p ON p.site = r.site AND p.page_id = r.page_id"

# Per page, the newest revision (by timestamp, then revid) among those kept by {where}.
# Only key columns: the covering index answers it without reading any content.
_NEWEST = """
SELECT site, page_id, revid FROM (
    SELECT r.site, r.page_id, r.revid, ROW_NUMBER() OVER (
        PARTITION BY r.page_id ORDER BY r.timestamp DESC, r.revid DESC) AS rank_in_page
    FROM revisions r WHERE {where}
) WHERE rank_in_page = 1
"""
_ID_CHUNK = 500  # revids per "IN (…)" query, well under SQLite's variable limit

_PAGE_UPSERT = """
INSERT INTO pages (site, page_id, title, namespace) VALUES (:site, :page_id, :title, :namespace)
ON CONFLICT (site, page_id) DO UPDATE SET title = excluded.title, namespace = excluded.namespace
WHERE NOT EXISTS (
    SELECT 1 FROM revisions o WHERE o.site = excluded.site AND o.page_id = excluded.page_id
    AND (o.timestamp, o.revid) > (:timestamp, :revid))
"""
_REV_INSERT = """
INSERT OR IGNORE INTO revisions (site, revid, page_id, parentid, timestamp, user, user_is_ip,
    comment, content_model, content, sha1, size, minor, source)
VALUES (:site, :revid, :page_id, :parentid, :timestamp, :user, :user_is_ip,
    :comment, :content_model, :content, :sha1, :size, :minor, :source)
"""

P = ParamSpec("P")
T = TypeVar("T")


def format_timestamp(when: datetime) -> str:
    """Format an aware datetime as the store's ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds).

    Raises:
        ValueError: ``when`` is naive (the store never guesses a time zone).
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when!r}: give a timezone-aware (UTC) datetime")
    return when.astimezone(UTC).strftime(_TS_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Read a stored timestamp back as an aware UTC datetime."""
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":  # the stored form, 20× faster
        return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
    return datetime.strptime(text, _TS_FORMAT).replace(tzinfo=UTC)


def _describe(exc: sqlite3.Error, where: str, timeout: float) -> str:
    """Turn an sqlite3 error into one sentence a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The store {where} is locked by another process (waited {timeout:g} s); "
            "try again when that process has finished."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"{where} is not a usable wikibilan store: "
            "the file is not a SQLite database or is corrupt."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"Cannot open or write the store {where}: {exc}."
    if "foreign key" in text:
        return f"The store {where} refused a row whose page or site it does not hold ({exc})."
    return f"The store {where} failed: {exc}."


def _connect_existing(where: str, timeout: float) -> sqlite3.Connection:
    """Connect to an existing store without creating anything; read-only where it must be.

    A writable store opens as usual (a read-only SQLite connection would leave its
    ``-wal`` and ``-shm`` files behind). In a read-only place it opens with
    ``mode=ro``; when even that fails (a WAL database whose ``-shm`` file cannot be
    created), as immutable: nobody can be writing where nothing can be written.
    """
    file = Path(where)
    if not file.is_file():
        what = "a directory" if file.is_dir() else "no such file"
        raise StoreError(
            f"There is no store at {where} ({what}): check the path, "
            "or fetch a site or import a dump first.",
            path=where,
        )
    uri = file.resolve().as_uri()
    writable = os.access(file, os.W_OK) and os.access(file.resolve().parent, os.W_OK)
    modes = ["rw"] if writable else ["ro", "ro&immutable=1"]
    for i, mode in enumerate(modes):
        try:
            conn = sqlite3.connect(
                f"{uri}?mode={mode}", timeout=timeout, isolation_level=None, uri=True
            )
        except sqlite3.Error as exc:
            raise StoreError(_describe(exc, where, timeout), path=where) from exc
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            if i + 1 < len(modes) and "unable to open" in str(exc).lower():
                continue
            raise StoreError(_describe(exc, where, timeout), path=where) from exc
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(_describe(exc, where, timeout), path=where) from exc
        log.debug("store %s opened with mode=%s", where, mode)
        return conn
    raise AssertionError("unreachable")  # pragma: no cover


def _translated(method: Callable[P, T]) -> Callable[P, T]:
    """Wrap a Store method so that sqlite3 errors surface as StoreError."""

    @wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            store = cast("Store", args[0])
            raise store._error(exc) from exc

    return wrapper


class Store:
    """Revision store over one SQLite connection.

    ``Store(conn)`` only holds the connection (the schema must already exist, see
    :meth:`ensure_schema`); :meth:`open` is the usual entry point.
    """

    def __init__(
        self, conn: sqlite3.Connection, *, path: str | None = None, timeout: float = 5.0
    ) -> None:
        self._conn = conn
        self._path = path
        self._timeout = timeout
        self._depth = 0
        self._readonly = False

    # -- opening and closing -------------------------------------------------

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, timeout: float = 5.0, readonly: bool = False
    ) -> Store:
        """Open the store at ``path``; create it (and its directory) unless ``readonly``.

        Args:
            path: the SQLite file. ``":memory:"`` works too.
            timeout: seconds to wait for another process's write lock.
            readonly: for commands that only read: the store must exist (nothing is
                created, no directory either); a store in a read-only place (file or
                directory) is opened read-only.

        Raises:
            StoreError: the path cannot be written (or, ``readonly``, does not hold a
                store), the file is not a SQLite database or is corrupt, another process
                holds the lock, or the schema is newer than this version of wikibilan knows.
        """
        where = os.fspath(path)
        if readonly and where != ":memory:":
            conn = _connect_existing(where, timeout)
        else:
            if where != ":memory:":
                try:
                    Path(where).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"Cannot create the directory {exc.filename or Path(where).parent} "
                        f"for the store {where}: {exc.strerror or exc}.",
                        path=where,
                    ) from exc
            try:
                conn = sqlite3.connect(where, timeout=timeout, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreError(_describe(exc, where, timeout), path=where) from exc
        store = cls(conn, path=where, timeout=timeout)
        store._readonly = readonly
        try:
            store._configure()
            store.ensure_schema()
        except BaseException:
            conn.close()
            raise
        return store

    @_translated
    def _configure(self) -> None:
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self._path != ":memory:" and not self._readonly:
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("store %s: journal mode is %s, not WAL", self._path, mode)
            self._conn.execute("PRAGMA synchronous = NORMAL")

    @_translated
    def ensure_schema(self) -> None:
        """Create the tables if the database is empty; refuse unknown versions.

        An older store is brought up to date, unless it is opened read-only: it
        is then read as it is.

        Raises:
            StoreError: the database belongs to something else or to a newer wikibilan.
        """
        version = self._schema_version()
        if version is None and self._readonly:
            raise StoreError(
                f"{self._where} is an empty database, not a wikibilan store: "
                "fetch a site or import a dump into it first.",
                path=self._path,
            )
        if version is None:
            with self.transaction():
                if self._schema_version() is None:  # another process may have won the race
                    # statement by statement: executescript() would COMMIT our transaction
                    for statement in _SCHEMA.split(";\n"):
                        if statement.strip():
                            self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        (_VERSION_KEY, str(SCHEMA_VERSION)),
                    )
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self._where} has schema version {version}, written by a newer "
                f"wikibilan; this version reads up to {SCHEMA_VERSION}. Upgrade wikibilan.",
                path=self._path,
            )
        if version < min(_MIGRATIONS):  # no way up from there
            raise StoreError(
                f"The store {self._where} has an old schema version {version}; "
                "delete it and fetch again.",
                path=self._path,
            )
        if version < SCHEMA_VERSION and not self._readonly:  # read-only: read it as it is
            self._migrate()

    def _migrate(self) -> None:
        """Bring an older store to this version, in one transaction."""
        with self.transaction():
            version = self._schema_version()  # another process may have done it meanwhile
            while version is not None and version < SCHEMA_VERSION:
                for statement in _MIGRATIONS[version]:
                    self._conn.execute(statement)
                version += 1
                self._conn.execute(
                    "UPDATE meta SET value = ? WHERE key = ?", (str(version), _VERSION_KEY)
                )

    def _schema_version(self) -> int | None:
        names = {
            row[0]
            for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "meta" not in names:
            if names:
                raise StoreError(
                    f"{self._where} is a SQLite database but not a wikibilan store.",
                    path=self._path,
                )
            return None
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (_VERSION_KEY,)).fetchone()
        if row is None:
            raise StoreError(
                f"{self._where} has no schema version: it is not a wikibilan store.",
                path=self._path,
            )
        try:
            return int(row[0])
        except ValueError as exc:
            raise StoreError(
                f"{self._where} has an unreadable schema version {row[0]!r}.", path=self._path
            ) from exc

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _where(self) -> str:
        return self._path or "(in-memory connection)"

    def _error(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(_describe(exc, self._where, self._timeout), path=self._path)

    # -- transactions and meta -----------------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """Run a block in one write transaction; nested use joins the outer one.

        Commits when the outermost block ends, rolls back if it raises.
        """
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._depth or self._conn.in_transaction:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._error(exc) from exc

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the original error matters more
            log.warning("rollback failed on %s: %s", self._where, exc)

    @_translated
    def get_meta(self, key: str) -> str | None:
        """Return the value stored under ``key`` (fetch state), or None."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_translated
    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing any previous value)."""
        if key == _VERSION_KEY:
            raise ValueError(f"{key!r} is reserved for the store itself")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- sites ---------------------------------------------------------------

    @_translated
    def upsert_site(self, site: Site) -> None:
        """Add a site, or update its URLs, name and language (a None article URL keeps the old)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO sites (key, base_url, name, lang, article_url) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET base_url = excluded.base_url, "
                "name = excluded.name, lang = excluded.lang, "
                "article_url = COALESCE(excluded.article_url, sites.article_url)",
                (site.key, site.base_url, site.name, site.lang, site.article_url),
            )

    def _site_columns(self) -> str:
        """The columns a Site is read from (a version 1 store read-only has no article URL)."""
        names = {row[1] for row in self._conn.execute("PRAGMA table_info(sites)")}
        return "key, base_url, name, lang, " + ("article_url" if "article_url" in names else "NULL")

    @_translated
    def sites(self) -> list[Site]:
        """Every site in the store, by key."""
        rows = self._conn.execute(f"SELECT {self._site_columns()} FROM sites ORDER BY key")
        return [Site(*row) for row in rows]

    @_translated
    def site(self, key: str) -> Site | None:
        """The site stored under ``key``, or None."""
        row = self._conn.execute(
            f"SELECT {self._site_columns()} FROM sites WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else Site(*row)

    # -- coverage: the pages a fetch met -------------------------------------

    @_translated
    def record_coverage(self, site: str, rows: Iterable[PageCoverage]) -> None:
        """Note what a fetch saw of some pages, merged with what was known (``merge_coverage``).

        Runs in one transaction (or joins the current one).
        """
        with self.transaction():
            for row in rows:
                old = self._coverage_row(site, row.title)
                new = row if old is None else merge_coverage(old, row)
                self._conn.execute(
                    "INSERT INTO coverage (site, title, status, linked_from) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (site, title) DO UPDATE SET status = excluded.status, "
                    "linked_from = excluded.linked_from",
                    (site, new.title, new.status, json.dumps(list(new.linked_from),
                                                             ensure_ascii=False)),
                )  # fmt: skip

    def _coverage_row(self, site: str, title: str) -> PageCoverage | None:
        row = self._conn.execute(
            "SELECT title, status, linked_from FROM coverage WHERE site = ? AND title = ?",
            (site, title),
        ).fetchone()
        return None if row is None else _coverage_from_row(row)

    @_translated
    def coverage(self, site: str) -> list[PageCoverage]:
        """What fetches of ``site`` met, page by page, by title (empty for an older store)."""
        if not self._has_table("coverage"):
            return []
        rows = self._conn.execute(
            "SELECT title, status, linked_from FROM coverage WHERE site = ? ORDER BY title",
            (site,),
        )
        return [_coverage_from_row(row) for row in rows]

    def _has_table(self, name: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            ).fetchone()
            is not None
        )

    # -- writing revisions ---------------------------------------------------

    @_translated
    def add_revisions(self, revs: Iterable[Revision]) -> int:
        """Store revisions; ones already stored (same site and revid) are left as they are.

        The page row is created or, when the revision is the newest stored for its
        page, renamed to the revision's title. Runs in one transaction (or joins the
        current one). The revisions' sites must have been added with :meth:`upsert_site`.

        Returns:
            How many revisions were new.

        Raises:
            StoreError: a site is unknown, or the database refused the write.
        """
        known_sites: set[str] = set()
        added = 0
        with self.transaction():
            for rev in revs:
                if rev.site not in known_sites:
                    if self.site(rev.site) is None:
                        raise StoreError(
                            f"Site {rev.site!r} is not in the store {self._where}; "
                            "add it with upsert_site before its revisions.",
                            path=self._path,
                        )
                    known_sites.add(rev.site)
                row = _revision_row(rev)
                self._conn.execute(_PAGE_UPSERT, row)
                added += self._conn.execute(_REV_INSERT, row).rowcount
        return added

    # -- reading -------------------------------------------------------------

    @_translated
    def pages(self, site: str) -> list[PageRecord]:
        """Every stored page of ``site`` with a summary of its history, by title."""
        rows = self._conn.execute(
            """
            SELECT p.site, p.page_id, p.title, p.namespace, COUNT(r.revid),
                   MIN(r.timestamp), MAX(r.timestamp),
                   (SELECT l.revid FROM revisions l WHERE l.site = p.site
                    AND l.page_id = p.page_id ORDER BY l.timestamp DESC, l.revid DESC LIMIT 1)
            FROM pages p LEFT JOIN revisions r ON r.site = p.site AND r.page_id = p.page_id
            WHERE p.site = ? GROUP BY p.site, p.page_id ORDER BY p.title, p.page_id
            """,
            (site,),
        )
        return [
            PageRecord(
                site=r[0],
                page_id=r[1],
                title=r[2],
                namespace=r[3],
                n_revisions=r[4],
                first_rev_at=None if r[5] is None else parse_timestamp(r[5]),
                last_rev_at=None if r[6] is None else parse_timestamp(r[6]),
                latest_revid=r[7],
            )
            for r in rows
        ]

    @_translated
    def page_id_for_title(self, site: str, title: str) -> int | None:
        """The id of the page titled ``title`` (underscores read as spaces), or None."""
        row = self._conn.execute(
            "SELECT page_id FROM pages WHERE site = ? AND title = ?",
            (site, title.replace("_", " ")),
        ).fetchone()
        return None if row is None else int(row[0])

    @_translated
    def revisions(self, site: str, page_id: int) -> list[Revision]:
        """The stored history of one page, oldest first."""
        rows = self._conn.execute(
            f"{_REV_SELECT} FROM revisions r {_REV_JOIN} "
            "WHERE r.site = ? AND r.page_id = ? ORDER BY r.timestamp, r.revid",
            (site, page_id),
        )
        return [_revision_from_row(r) for r in rows]

    def iter_revisions(self, site: str | None = None) -> Iterator[Revision]:
        """Yield every stored revision (of ``site``, or of all sites) without loading them all.

        Ordered by site, page id, timestamp, revid.
        """
        where, params = ("WHERE r.site = ?", (site,)) if site is not None else ("", ())
        sql = (
            f"{_REV_SELECT} FROM revisions r {_REV_JOIN} {where} "
            "ORDER BY r.site, r.page_id, r.timestamp, r.revid"
        )
        try:
            cursor = self._conn.execute(sql, params)
            while rows := cursor.fetchmany(200):
                for row in rows:
                    yield _revision_from_row(row)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    @_translated
    def revision(self, site: str, revid: int) -> Revision | None:
        """One stored revision, or None."""
        row = self._conn.execute(
            f"{_REV_SELECT} FROM revisions r {_REV_JOIN} WHERE r.site = ? AND r.revid = ?",
            (site, revid),
        ).fetchone()
        return None if row is None else _revision_from_row(row)

    @_translated
    def stored_revids(self, site: str) -> set[int]:
        """Every revid stored for ``site``."""
        rows = self._conn.execute("SELECT revid FROM revisions WHERE site = ?", (site,))
        return {int(r[0]) for r in rows}

    @_translated
    def latest_revids(self, site: str, when: datetime | None = None) -> dict[int, int]:
        """Map each page id of ``site`` to its newest stored revid (by timestamp, then revid).

        With ``when``, the newest at or before it; pages without a revision by then are
        absent. Reads no content.

        Raises:
            ValueError: ``when`` is a naive datetime.
        """
        where, params = _as_of_filter(site, when)
        rows = self._conn.execute(
            f"SELECT page_id, revid FROM ({_NEWEST.format(where=where)})", params
        )
        return {int(r[0]): int(r[1]) for r in rows}

    @_translated
    def revisions_as_of(self, site: str, when: datetime | None) -> list[Revision]:
        """Snapshot of ``site``: per page, its last revision at or before ``when``.

        ``when=None`` takes the latest revision of every page. Pages without a revision
        by then are absent. Ordered by title, then page id.

        Raises:
            ValueError: ``when`` is a naive datetime.
        """
        where, params = _as_of_filter(site, when)
        rows = self._conn.execute(
            f"{_REV_SELECT} FROM ({_NEWEST.format(where=where)}) n "
            f"JOIN revisions r ON r.site = n.site AND r.revid = n.revid {_REV_JOIN} "
            "ORDER BY p.title, r.page_id",
            params,
        )
        return [_revision_from_row(r) for r in rows]

    @_translated
    def revisions_by_id(self, site: str, revids: Iterable[int]) -> list[Revision]:
        """The stored revisions of ``site`` among ``revids`` (unknown ones skipped), by revid."""
        wanted = sorted(set(revids))
        out: list[Revision] = []
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            rows = self._conn.execute(
                f"{_REV_SELECT} FROM revisions r {_REV_JOIN} WHERE r.site = ? "
                f"AND r.revid IN ({', '.join('?' * len(chunk))}) ORDER BY r.revid",
                (site, *chunk),
            )
            out += [_revision_from_row(r) for r in rows]
        return out

    @_translated
    def revision_metadata(self, site: str) -> list[dict[str, object]]:
        """Every revision of ``site`` without its content, by title, timestamp, revid.

        Keys: site, page_id, title, revid, parentid, timestamp (aware datetime), user,
        comment, size, sha1, source, content_model.
        """
        cursor = self._conn.execute(
            """
            SELECT r.site, r.page_id, p.title, r.revid, r.parentid, r.timestamp, r.user,
                   r.comment, r.size, r.sha1, r.source, r.content_model
            FROM revisions r JOIN pages p ON p.site = r.site AND p.page_id = r.page_id
            WHERE r.site = ? ORDER BY p.title, r.timestamp, r.revid
            """,
            (site,),
        )
        names = [d[0] for d in cursor.description]
        out: list[dict[str, object]] = []
        for row in cursor:
            record: dict[str, object] = dict(zip(names, row, strict=True))
            record["timestamp"] = parse_timestamp(row[5])
            out.append(record)
        return out

    @_translated
    def count_revisions(self, site: str | None = None) -> int:
        """How many revisions are stored (for ``site``, or in all)."""
        if site is None:
            row = self._conn.execute("SELECT COUNT(*) FROM revisions").fetchone()
        else:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM revisions WHERE site = ?", (site,)
            ).fetchone()
        return int(row[0])

    # -- integrity -------------------------------------------------------------

    @_translated
    def corrupt_revisions(self, site: str | None = None) -> list[Revision]:
        """Stored revisions whose content does not match their sha1 (of ``site``, or all).

        Revisions stored without a sha1 (rendered HTML) cannot be checked and are not listed.
        """
        where, params = ("AND site = ?", (site,)) if site is not None else ("", ())
        cursor = self._conn.execute(
            f"SELECT site, revid, sha1, content FROM revisions WHERE sha1 IS NOT NULL {where}",
            params,
        )
        bad: dict[str, list[int]] = {}
        while rows := cursor.fetchmany(200):
            for key, revid, sha1, content in rows:
                if sha1_hex(content) != sha1:
                    bad.setdefault(key, []).append(int(revid))
        return [rev for key, revids in bad.items() for rev in self.revisions_by_id(key, revids)]

    @_translated
    def replace_corrupt(self, revs: Iterable[Revision]) -> int:
        """Put a fresh copy in place of each stored revision whose content fails its sha1.

        The one exception to immutability: a row that fails its own checksum is
        not what the wiki held. A revision is replaced only when the stored row
        is corrupt and the fresh copy's content matches its sha1.

        Returns:
            How many rows were replaced.
        """
        replaced = 0
        with self.transaction():
            for rev in revs:
                if rev.sha1 is None or rev.sha1 != rev.content_sha1:
                    continue
                row = self._conn.execute(
                    "SELECT sha1, content FROM revisions WHERE site = ? AND revid = ?",
                    (rev.site, rev.revid),
                ).fetchone()
                if row is None or row[0] is None or row[0] == sha1_hex(row[1]):
                    continue
                self._conn.execute(
                    "DELETE FROM revisions WHERE site = ? AND revid = ?", (rev.site, rev.revid)
                )
                data = _revision_row(rev)
                self._conn.execute(_PAGE_UPSERT, data)
                replaced += self._conn.execute(_REV_INSERT, data).rowcount
        return replaced

    @_translated
    def schema_problems(self) -> list[str]:
        """What is wrong with the database itself: version, tables, trigger, pages, sizes.

        An empty list when the store is sound.
        """
        problems: list[str] = []
        version = self.get_meta(_VERSION_KEY)
        if version not in {str(v) for v in range(min(_MIGRATIONS), SCHEMA_VERSION + 1)}:
            problems.append(f"schema version is {version!r}, expected {SCHEMA_VERSION}")
        present = {
            (row[0], row[1]) for row in self._conn.execute("SELECT type, name FROM sqlite_master")
        }
        known = int(version) if version and version.isdigit() else SCHEMA_VERSION
        for kind, name in _SCHEMA_OBJECTS:
            if _ADDED_IN.get(name, 0) > known:
                continue  # an older store read as it is
            if (kind, name) not in present:
                problems.append(f"the {kind} {name} is missing")
        check = [str(r[0]) for r in self._conn.execute("PRAGMA quick_check")]
        if check != ["ok"]:
            problems.append("SQLite integrity check: " + "; ".join(check[:5]))
        orphans = self._conn.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            problems.append(f"{len(orphans)} rows name a page or site the store does not hold")
        wrong_size = self._conn.execute(
            "SELECT COUNT(*) FROM revisions WHERE size != length(CAST(content AS BLOB))"
        ).fetchone()[0]
        if wrong_size:
            problems.append(f"{wrong_size} revisions have a size that is not their content's")
        return problems


def _coverage_from_row(row: tuple[Any, ...] | sqlite3.Row) -> PageCoverage:
    try:
        linked = json.loads(row[2] or "[]")
    except ValueError:
        linked = []
    linked_from = tuple(str(t) for t in linked) if isinstance(linked, list) else ()
    return PageCoverage(str(row[0]), row[1], linked_from)


def _as_of_filter(site: str, when: datetime | None) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause (on ``revisions r``) keeping ``site``'s revisions up to ``when``."""
    if when is None:
        return "r.site = ?", (site,)
    return "r.site = ? AND r.timestamp <= ?", (site, format_timestamp(when))


def _revision_row(rev: Revision) -> dict[str, Any]:
    """Parameters for _PAGE_UPSERT and _REV_INSERT."""
    return {
        "site": rev.site,
        "revid": rev.revid,
        "page_id": rev.page_id,
        "title": rev.title,
        "namespace": rev.namespace,
        "parentid": rev.parentid,
        "timestamp": format_timestamp(rev.timestamp),
        "user": rev.user,
        "user_is_ip": int(rev.user_is_ip),
        "comment": rev.comment,
        "content_model": rev.content_model,
        "content": rev.content,
        "sha1": rev.sha1,
        "size": rev.size,
        "minor": int(rev.minor),
        "source": rev.source,
    }


def _revision_from_row(row: tuple[Any, ...] | sqlite3.Row) -> Revision:
    return Revision(
        site=row[0],
        page_id=row[1],
        title=row[2],
        revid=row[3],
        parentid=row[4],
        timestamp=parse_timestamp(row[5]),
        user=row[6],
        comment=row[7],
        content=row[8],
        content_model=cast(ContentModel, row[9]),
        sha1=row[10],
        namespace=row[11],
        user_is_ip=bool(row[12]),
        minor=bool(row[13]),
        source=cast(SourceName, row[14]),
    )
