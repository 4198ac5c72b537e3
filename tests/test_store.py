"""The SQLite revision store, on real SQLite files in tmp_path."""

from __future__ import annotations

import os
import sqlite3
import types
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikibilan.errors import StoreError
from wikibilan.model import Revision, Site
from wikibilan.store import SCHEMA_VERSION, Store

SITE = Site(key="wiki.example.org", base_url="https://wiki.example.org/wiki/Accueil", name="W")
OTHER = Site(key="other.example.org", base_url="https://other.example.org/")


def ts(text: str) -> datetime:
    """'2016-01-01T10:00' -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rev(
    revid: int,
    page_id: int,
    when: str,
    *,
    title: str | None = None,
    content: str | None = None,
    site: str = SITE.key,
    parentid: int | None = None,
    user: str = "Marie Dupont",
) -> Revision:
    return Revision(
        site=site,
        page_id=page_id,
        title=title or f"Page {page_id}",
        revid=revid,
        parentid=parentid,
        timestamp=ts(when),
        user=user,
        comment=f"edit {revid}",
        content=content if content is not None else f"text of {revid}",
    )


# Hand-made history used by the query tests:
#   page 1 "Alpha": 10 @ 01-01 10:00, 11 @ 02-01 00:00, 12 @ 03-01
#   page 2 "Beta":  20 @ 02-15
#   page 3 "Gamma": 30 and 31 both @ 01-15 12:00 (tie: the higher revid is newer)
HISTORY = [
    rev(10, 1, "2016-01-01T10:00:00", title="Alpha"),
    rev(11, 1, "2016-02-01T00:00:00", title="Alpha", parentid=10),
    rev(12, 1, "2016-03-01T00:00:00", title="Alpha", parentid=11),
    rev(20, 2, "2016-02-15T00:00:00", title="Beta"),
    rev(31, 3, "2016-01-15T12:00:00", title="Gamma", parentid=30),
    rev(30, 3, "2016-01-15T12:00:00", title="Gamma"),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache" / "store.sqlite") as s:
        s.upsert_site(SITE)
        yield s


@pytest.fixture
def filled(store: Store) -> Store:
    store.upsert_site(OTHER)
    store.add_revisions(HISTORY)
    store.add_revisions([rev(99, 1, "2015-06-01T00:00:00", site=OTHER.key, title="Elsewhere")])
    return store


# -- opening ---------------------------------------------------------------------


def test_open_creates_directory_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.sqlite"
    with Store.open(path) as s:
        assert s.sites() == []
    assert path.is_file()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert int(version) == SCHEMA_VERSION
    raw.close()
    with Store.open(path) as s:  # reopening an existing store is fine
        assert s.count_revisions() == 0


def test_constructor_does_no_io() -> None:
    conn = sqlite3.connect(":memory:")
    store = Store(conn)  # no schema created, nothing read
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    store.ensure_schema()
    assert store.count_revisions() == 0
    store.close()


def test_in_memory_store() -> None:
    with Store.open(":memory:") as s:
        s.upsert_site(SITE)
        assert s.add_revisions(HISTORY) == len(HISTORY)


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreError, match="not a SQLite database or is corrupt") as info:
        Store.open(path)
    assert info.value.path == str(path)
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("these are my notes, not a database\n" * 10)
    with pytest.raises(StoreError, match="not a SQLite database"):
        Store.open(text_file)


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE things (x)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="not a wikibilan store"):
        Store.open(path)


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer wikibilan"):
        Store.open(path)


def test_unwritable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the directory"):
        Store.open(blocker / "store.sqlite")
    with pytest.raises(StoreError, match="Cannot open or write"):
        Store.open(tmp_path)  # a directory


def test_write_locked_by_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store.open(path) as s:
        s.upsert_site(SITE)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock
    try:
        with Store.open(path, timeout=0.2) as s:  # WAL: reading is still possible
            assert s.sites() == [SITE]
            # The wait is SQLite's busy timeout, set from ``timeout`` (not a clock in the test).
            assert s._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 200
            with pytest.raises(StoreError, match=r"locked by another process \(waited 0.2 s\)"):
                s.add_revisions(HISTORY)
            assert s.count_revisions() == 0
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_open_while_exclusively_locked(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = DELETE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            Store.open(path, timeout=0.2)
    finally:
        other.execute("ROLLBACK")
        other.close()


# -- writing ---------------------------------------------------------------------


def test_add_revisions_is_idempotent(store: Store) -> None:
    assert store.add_revisions(HISTORY) == 6
    assert store.add_revisions(HISTORY) == 0
    assert store.add_revisions(iter(HISTORY[:2])) == 0
    assert store.count_revisions() == 6


def test_revisions_are_immutable(store: Store) -> None:
    store.add_revisions([rev(10, 1, "2016-01-01T10:00:00", content="original")])
    changed = rev(10, 1, "2016-05-05T00:00:00", content="tampered", user="Someone")
    assert store.add_revisions([changed]) == 0
    kept = store.revision(SITE.key, 10)
    assert kept is not None and kept.content == "original" and kept.user == "Marie Dupont"
    raw = sqlite3.connect(store._path or "")
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        raw.execute("UPDATE revisions SET content = 'x' WHERE revid = 10")
    raw.close()


def test_unknown_site_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="upsert_site"):
        store.add_revisions([rev(1, 1, "2016-01-01T00:00:00", site="nowhere.example")])
    assert store.count_revisions() == 0


def test_page_title_follows_the_newest_revision(store: Store) -> None:
    store.add_revisions([rev(1, 5, "2016-01-01T00:00:00", title="Brouillon")])
    store.add_revisions([rev(3, 5, "2016-03-01T00:00:00", title="Titre final")])
    # an older revision arriving later (WikiTeam order) does not rename the page back
    store.add_revisions([rev(2, 5, "2016-02-01T00:00:00", title="Titre intermédiaire")])
    assert [p.title for p in store.pages(SITE.key)] == ["Titre final"]
    assert {r.title for r in store.revisions(SITE.key, 5)} == {"Titre final"}
    assert store.page_id_for_title(SITE.key, "Titre_final") == 5
    assert store.page_id_for_title(SITE.key, "Brouillon") is None


def test_round_trip_of_every_field(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    original = Revision(
        site=SITE.key,
        page_id=7,
        title="Catégorie:Lille",
        revid=70,
        parentid=69,
        timestamp=datetime(2017, 6, 1, 14, 30, 5, tzinfo=paris),
        user="192.0.2.1",
        comment=None,
        content="é & <b>\r\n",
        content_model="html",
        sha1="ab" * 20,
        namespace=14,
        user_is_ip=True,
        minor=True,
        source="archive",
    )
    store.add_revisions([original])
    back = store.revision(SITE.key, 70)
    assert back is not None
    assert back.timestamp == original.timestamp and back.timestamp.tzinfo == UTC
    assert back == replace(original, timestamp=datetime(2017, 6, 1, 12, 30, 5, tzinfo=UTC))


def test_naive_timestamps_are_rejected(store: Store) -> None:
    naive = replace(rev(1, 1, "2016-01-01T00:00:00"), timestamp=datetime(2016, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        store.add_revisions([naive])
    with pytest.raises(ValueError, match="naive"):
        store.revisions_as_of(SITE.key, datetime(2016, 1, 1))


# -- transactions ----------------------------------------------------------------


def test_transaction_rolls_back_on_exception(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add_revisions(HISTORY[:3])
        store.set_meta("cursor", "abc")
        raise RuntimeError("boom")
    assert store.count_revisions() == 0
    assert store.get_meta("cursor") is None


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    watcher = sqlite3.connect(store._path or "")
    with pytest.raises(KeyError), store.transaction():
        with store.transaction():
            store.add_revisions(HISTORY[:2])
        assert store.count_revisions() == 2  # visible inside
        assert watcher.execute("SELECT count(*) FROM revisions").fetchone()[0] == 0
        raise KeyError("outer fails after the inner block ended")
    assert store.count_revisions() == 0
    with store.transaction():
        with store.transaction():
            store.add_revisions(HISTORY[:2])
        assert watcher.execute("SELECT count(*) FROM revisions").fetchone()[0] == 0
    assert watcher.execute("SELECT count(*) FROM revisions").fetchone()[0] == 2
    watcher.close()


def test_meta(store: Store) -> None:
    assert store.get_meta("api:continue") is None
    store.set_meta("api:continue", "2016-01-01|42")
    store.set_meta("api:continue", "2016-02-01|43")
    assert store.get_meta("api:continue") == "2016-02-01|43"
    with pytest.raises(ValueError, match="reserved"):
        store.set_meta("schema_version", "2")


def test_sites(store: Store) -> None:
    store.upsert_site(OTHER)
    renamed = Site(key=SITE.key, base_url="https://wiki.example.org/", name="Nouveau", lang="en")
    store.upsert_site(renamed)
    assert store.sites() == [OTHER, renamed]
    assert store.site(SITE.key) == renamed
    assert store.site("missing") is None


# -- reading ---------------------------------------------------------------------


def test_revisions_of_a_page_in_time_order(filled: Store) -> None:
    assert [r.revid for r in filled.revisions(SITE.key, 1)] == [10, 11, 12]
    assert [r.revid for r in filled.revisions(SITE.key, 3)] == [30, 31]
    assert filled.revisions(SITE.key, 404) == []
    assert filled.revision(SITE.key, 20) == HISTORY[3]
    assert filled.revision(SITE.key, 99) is None  # belongs to the other site
    assert filled.stored_revids(SITE.key) == {10, 11, 12, 20, 30, 31}
    assert filled.count_revisions(SITE.key) == 6
    assert filled.count_revisions(OTHER.key) == 1
    assert filled.count_revisions() == 7


def test_iter_revisions_streams_in_order(filled: Store) -> None:
    stream = filled.iter_revisions(SITE.key)
    assert isinstance(stream, types.GeneratorType)
    assert [r.revid for r in stream] == [10, 11, 12, 20, 30, 31]
    everything = [(r.site, r.revid) for r in filled.iter_revisions()]
    assert everything[0] == (OTHER.key, 99) and len(everything) == 7


def test_latest_revids(filled: Store) -> None:
    assert filled.latest_revids(SITE.key) == {1: 12, 2: 20, 3: 31}
    assert filled.latest_revids(OTHER.key) == {1: 99}
    assert filled.latest_revids("missing") == {}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2015-12-31T23:59:59", []),
        ("2016-01-01T09:59:59", []),
        ("2016-01-01T10:00:00", [("Alpha", 10)]),  # inclusive
        ("2016-01-15T11:59:59", [("Alpha", 10)]),
        ("2016-01-15T12:00:00", [("Alpha", 10), ("Gamma", 31)]),
        ("2016-02-01T00:00:00", [("Alpha", 11), ("Gamma", 31)]),
        ("2016-02-20T00:00:00", [("Alpha", 11), ("Beta", 20), ("Gamma", 31)]),
        ("2030-01-01T00:00:00", [("Alpha", 12), ("Beta", 20), ("Gamma", 31)]),
        (None, [("Alpha", 12), ("Beta", 20), ("Gamma", 31)]),
    ],
)
def test_revisions_as_of(filled: Store, when: str | None, expected: list[tuple[str, int]]) -> None:
    snapshot = filled.revisions_as_of(SITE.key, None if when is None else ts(when))
    assert [(r.title, r.revid) for r in snapshot] == expected


def test_revisions_as_of_converts_time_zones(filled: Store) -> None:
    lille = timezone(timedelta(hours=1))
    # 01:00 in Lille is midnight UTC: revision 11 counts, to the second
    at = datetime(2016, 2, 1, 1, 0, 0, tzinfo=lille)
    assert [r.revid for r in filled.revisions_as_of(SITE.key, at)] == [11, 31]
    before = datetime(2016, 2, 1, 0, 59, 59, tzinfo=lille)
    assert [r.revid for r in filled.revisions_as_of(SITE.key, before)] == [10, 31]


def test_pages_summary(filled: Store) -> None:
    pages = filled.pages(SITE.key)
    assert [(p.title, p.page_id, p.n_revisions, p.latest_revid) for p in pages] == [
        ("Alpha", 1, 3, 12),
        ("Beta", 2, 1, 20),
        ("Gamma", 3, 2, 31),
    ]
    alpha = pages[0]
    assert alpha.first_rev_at == ts("2016-01-01T10:00:00")
    assert alpha.last_rev_at == ts("2016-03-01T00:00:00")
    assert filled.page_id_for_title(SITE.key, "Beta") == 2


def test_revision_metadata(filled: Store) -> None:
    rows = filled.revision_metadata(SITE.key)
    assert [(r["title"], r["revid"]) for r in rows] == [
        ("Alpha", 10),
        ("Alpha", 11),
        ("Alpha", 12),
        ("Beta", 20),
        ("Gamma", 30),
        ("Gamma", 31),
    ]
    assert set(rows[0]) == {
        "site",
        "page_id",
        "title",
        "revid",
        "parentid",
        "timestamp",
        "user",
        "comment",
        "size",
        "sha1",
        "source",
        "content_model",
    }
    assert rows[1]["parentid"] == 10 and rows[1]["timestamp"] == ts("2016-02-01T00:00:00")
    assert rows[0]["size"] == len(b"text of 10") and rows[0]["source"] == "dump"


# -- property: the SQL snapshot equals a brute-force one --------------------------

_events = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 6)),  # (page, day)
    min_size=0,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(events=_events, revids=st.permutations(range(1, 26)), day=st.integers(-1, 7))
def test_as_of_matches_brute_force(
    events: list[tuple[int, int]], revids: list[int], day: int
) -> None:
    # revids are shuffled against time on purpose: newest means (timestamp, revid)
    revs = [
        rev(revid, page, f"2016-01-0{1 + d}T12:00:00")
        for revid, (page, d) in zip(revids, events, strict=False)
    ]
    when = ts("2016-01-01T12:00:00") + timedelta(days=day)
    with Store.open(":memory:") as s:
        s.upsert_site(SITE)
        s.add_revisions(revs)
        got = {r.page_id: r.revid for r in s.revisions_as_of(SITE.key, when)}
        assert got == _newest([r for r in revs if r.timestamp <= when])
        assert s.latest_revids(SITE.key) == _newest(revs)


def _newest(revs: list[Revision]) -> dict[int, int]:
    """Brute force: per page, the revid of the greatest (timestamp, revid)."""
    best: dict[int, Revision] = {}
    for r in revs:
        old = best.get(r.page_id)
        if old is None or (r.timestamp, r.revid) > (old.timestamp, old.revid):
            best[r.page_id] = r
    return {page: r.revid for page, r in best.items()}
