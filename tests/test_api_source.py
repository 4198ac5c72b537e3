"""The api source against a real MediaWiki (tests/mediawiki_server.py).

Request counts come from the server's log. importDump.php renumbers pages and
revisions and credits users unknown to the wiki as ``imported>Name``, so
revisions are compared on title, timestamp, text, user (prefix removed),
comment, sha1 and flags, and parent chains on their shape.
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fault_proxy import FaultProxy, Schedule
from tests.mediawiki_server import SMALL_XML, MediaWiki
from wikibilan.config import Politeness, Selection
from wikibilan.errors import InputError, NoApiError
from wikibilan.model import Revision
from wikibilan.profile import load_profile
from wikibilan.sources.api import (
    CHECK_FULL,
    CHECK_RECENT,
    PLAN_ALLREVISIONS,
    PLAN_PER_PAGE,
    ApiSource,
    FetchProgress,
    FetchResult,
    choose_plan,
    discover_api,
    find_gaps,
    revision_from_api,
)
from wikibilan.sources.dump import export_store, read_dump
from wikibilan.sources.http import PoliteSession
from wikibilan.sources.selection import PageState, load_selection
from wikibilan.store import Store

pytestmark = pytest.mark.mediawiki

IMPORT_PREFIX = "imported>"
_REDIRECT = re.compile(r"#\s*(REDIRECT|REDIRECTION)\b", re.IGNORECASE)
BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"
MEETING_1 = "Construire dans l'action l'assemblée des communs 1"
MEETING_2 = "Construire dans l'action l'assemblée des communs 2"
CALENDAR = "Calendrier de l'assemblée des communs de Lille"


def session() -> PoliteSession:
    return PoliteSession(Politeness(min_interval=0.0, backoff_base=0.1))


def xml_revisions(path: Path) -> list[Revision]:
    with path.open("rb") as fp:
        _, revisions = read_dump(fp)
        return list(revisions)


def key(rev: Revision) -> tuple[str, str]:
    return rev.title, rev.timestamp.isoformat()


def comparable(rev: Revision) -> tuple[object, ...]:
    user = (rev.user or "").removeprefix(IMPORT_PREFIX)
    if rev.user_is_ip:  # MediaWiki writes IPv6 addresses in upper case, in full
        user = ipaddress.ip_address(user).compressed
    return (rev.content, user, rev.user_is_ip, rev.comment or "", rev.sha1, rev.minor)


def redirect_titles(revisions: list[Revision]) -> set[str]:
    latest: dict[str, Revision] = {}
    for rev in revisions:
        if rev.title not in latest or rev.timestamp > latest[rev.title].timestamp:
            latest[rev.title] = rev
    return {t for t, r in latest.items() if _REDIRECT.match(r.content)}


@dataclass
class Fetch:
    result: FetchResult
    served: int  # requests in the server's log
    paths: list[str]


def fetch(wiki: MediaWiki, source: ApiSource, store: Store, **kwargs: object) -> Fetch:
    before = len(wiki.log_lines())
    result = source.fetch(store, **kwargs)  # type: ignore[arg-type]
    lines = wiki.log_lines()[before:]
    return Fetch(result, len(lines), [path for _, _, path in lines])


def listing(paths: list[str]) -> int:
    """Requests that resolved the selection (``prop=info`` queries)."""
    return sum(1 for p in paths if "prop=info" in p)


def downloads_text(paths: list[str]) -> bool:
    return any("content" in p and ("prop=revisions" in p or "allrevisions" in p) for p in paths)


# -- the shared fixture wiki: cold, warm, gaps, round trip ------------------------


@pytest.fixture(scope="module")
def lille(mediawiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A cold then a warm fetch of the default selection from the fixture wiki."""
    store = Store.open(tmp_path_factory.mktemp("api") / "store.sqlite")
    source = ApiSource(mediawiki.url, session=session(), selection=load_profile().selection)
    seen: list[FetchProgress] = []
    cold = fetch(mediawiki, source, store, progress=seen.append)
    warm = fetch(mediawiki, source, store)
    return {"store": store, "source": source, "cold": cold, "warm": warm, "progress": seen}


def test_cold_fetch_stays_within_the_floor_of_the_cheaper_plan(
    lille: dict[str, object], mediawiki: MediaWiki
) -> None:
    cold, warm, store = lille["cold"], lille["warm"], lille["store"]
    assert isinstance(cold, Fetch) and isinstance(warm, Fetch) and isinstance(store, Store)
    site = cold.result.site
    pages = store.pages(site)
    assert cold.result.pages == len(pages) > 0
    assert cold.result.revisions_new == store.count_revisions(site)
    # The floor: the listing (the selection's prop=info queries) plus the cheaper plan.
    per_page = sum(math.ceil(p.n_revisions / 50) for p in pages)
    ns0 = sum(1 for r in xml_revisions(mediawiki.dumps[0]) if r.namespace == 0) + 1  # + Accueil
    floor = listing(cold.paths) + min(per_page, math.ceil(ns0 / 50))
    assert cold.served <= 1.05 * floor + 1, (cold.served, floor, cold.paths)
    allrevisions = math.ceil(ns0 / 50)
    if min(per_page, allrevisions) < 0.9 * max(per_page, allrevisions):  # a clear winner
        cheaper = PLAN_ALLREVISIONS if allrevisions < per_page else PLAN_PER_PAGE
        assert cold.result.plan == cheaper
    assert cold.result.requests == cold.served  # our own count agrees with the server's


def test_warm_rerun_reads_recent_changes_only(lille: dict[str, object]) -> None:
    warm = lille["warm"]
    assert isinstance(warm, Fetch)
    assert warm.served == 1 and "list=recentchanges" in warm.paths[0], warm.paths
    assert warm.result.check == CHECK_RECENT and warm.result.revisions_new == 0
    assert all("maxlag=5" in p for p in warm.paths)


def test_a_full_recheck_asks_only_for_lastrevids(
    lille: dict[str, object], mediawiki: MediaWiki
) -> None:
    store, cold = lille["store"], lille["cold"]
    assert isinstance(store, Store) and isinstance(cold, Fetch)
    source = ApiSource(
        mediawiki.url, session=session(), selection=load_profile().selection, full_check_every=0.0
    )
    full = fetch(mediawiki, source, store)
    assert full.result.check == CHECK_FULL and full.result.revisions_new == 0
    assert full.served == listing(cold.paths)
    assert not downloads_text(full.paths)
    assert all("maxlag=5" in p for p in full.paths)


def test_progress_reports_pages_and_revisions(lille: dict[str, object]) -> None:
    seen = lille["progress"]
    assert isinstance(seen, list) and seen
    last = seen[-1]
    assert last.pages_total == last.pages_done
    assert last.revisions_new == lille["cold"].result.revisions_new  # type: ignore[attr-defined]
    assert [p.revisions_new for p in seen] == sorted(p.revisions_new for p in seen)


def test_a_hole_in_a_stored_history_is_found_and_filled(
    lille: dict[str, object], mediawiki: MediaWiki, tmp_path: Path
) -> None:
    store, source = lille["store"], lille["source"]
    assert isinstance(store, Store) and isinstance(source, ApiSource)
    site = source.site_key
    page = max(store.pages(site), key=lambda p: p.n_revisions)
    assert page.n_revisions >= 3
    history = store.revisions(site, page.page_id)
    hole = history[len(history) // 2]
    holed = Store.open(tmp_path / "holed.sqlite")
    holed.upsert_site(store.site(site))  # type: ignore[arg-type]
    holed.add_revisions(r for r in store.iter_revisions(site) if r.revid != hole.revid)
    assert find_gaps(holed.revision_metadata(site)) == [
        (page.page_id, history[len(history) // 2 + 1].revid, history[len(history) // 2 - 1].revid)
    ]
    again = ApiSource(
        mediawiki.url, session=session(), selection=load_profile().selection,
        api_url=mediawiki.api_url,
    )  # fmt: skip
    done = fetch(mediawiki, again, holed)
    assert done.result.gaps_filled == 1 and done.result.revisions_new == 1
    assert holed.revision(site, hole.revid) == hole
    assert done.served == listing(done.paths) + 1, done.paths


def test_export_of_the_fetched_store_equals_the_imported_xml(
    mediawiki: MediaWiki, tmp_path: Path
) -> None:
    expected = xml_revisions(mediawiki.dumps[0])
    redirects = redirect_titles(expected)
    expected = [r for r in expected if r.title not in redirects]
    titles = tuple(dict.fromkeys(r.title for r in expected))
    store = Store.open(tmp_path / "all.sqlite")
    source = ApiSource(mediawiki.url, session=session(), selection=Selection(titles=titles))
    result = source.fetch(store)
    assert result.pages == len(titles)

    buffer = io.BytesIO()
    assert export_store(store, source.site_key, buffer) == len(expected)
    buffer.seek(0)
    _, exported_iter = read_dump(buffer)
    exported = list(exported_iter)

    assert {key(r): comparable(r) for r in exported} == {key(r): comparable(r) for r in expected}
    # Ids are renumbered by the import, but every chain is whole: each revision's
    # parent is the one before it on its page.
    by_page: dict[int, list[Revision]] = defaultdict(list)
    for rev in exported:
        by_page[rev.page_id].append(rev)
    for revs in by_page.values():
        revs.sort(key=lambda r: (r.timestamp, r.revid))
        assert [r.parentid for r in revs] == [None] + [r.revid for r in revs[:-1]]
    assert all(r.sha1 == r.content_sha1 for r in exported)


# -- through a proxy that throttles, fails and lags ------------------------------

FAULTS: dict[int, str] = {0: "429", 2: "503", 3: "maxlag", 5: "429-date", 6: "503"}


def test_throttling_errors_and_lag_on_the_way_still_give_the_same_store(
    lille: dict[str, object], mediawiki: MediaWiki, tmp_path: Path,
    fault_proxy: Callable[..., FaultProxy],
) -> None:  # fmt: skip
    # tests/fault_proxy.py; the waits are recorded instead of slept
    proxy = fault_proxy(
        mediawiki.url, Schedule.explicit(FAULTS),
        retry_after=2, retry_date_in=60, maxlag_retry_after=5,
    )  # fmt: skip
    slept: list[float] = []
    polite = PoliteSession(Politeness(min_interval=0.0, backoff_base=0.1), sleep=slept.append)
    store = Store.open(tmp_path / "proxied.sqlite")
    source = ApiSource(proxy.url, session=polite, selection=load_profile().selection)
    result = source.fetch(store)
    direct = lille["store"]
    assert isinstance(direct, Store)
    site = lille["cold"].result.site  # type: ignore[attr-defined]
    assert {key(r): comparable(r) for r in store.iter_revisions(source.site_key)} == {
        key(r): comparable(r) for r in direct.iter_revisions(site)
    }
    assert result.revisions_new == direct.count_revisions(site)
    assert polite.stats.retries == len(FAULTS)
    assert polite.stats.throttled == 4 and polite.stats.maxlag == 1
    assert slept[0] == 2.0 and 5.0 in slept and any(55 < s <= 60 for s in slept)


# -- selection, plans and discovery on the small wiki ---------------------------


@pytest.fixture(scope="module")
def small(mediawiki_factory: Callable[..., MediaWiki]) -> MediaWiki:
    """tests/data/api_small.xml, served; read-only."""
    return mediawiki_factory((SMALL_XML,))


def fetched_titles(wiki: MediaWiki, selection: Selection, tmp_path: Path) -> set[str]:
    store = Store.open(tmp_path / f"sel{len(list(tmp_path.iterdir()))}.sqlite")
    source = ApiSource(wiki.url, session=session(), selection=selection, api_url=wiki.api_url)
    source.fetch(store)
    return {p.title for p in store.pages(source.site_key)}


def test_default_selection_follows_links_to_pages_of_the_known_kinds(
    small: MediaWiki, tmp_path: Path
) -> None:
    titles = fetched_titles(small, load_profile().selection, tmp_path)
    assert BILAN in titles and "Trombinoscope de Lille" in titles
    assert {f"Construire dans l'action l'assemblée des communs {n}" for n in range(1, 6)} <= titles
    assert "Portail des communs" not in titles  # linked, but not a Lille page
    assert "Utilisateur:Zoé" not in titles  # links are followed in the main namespace only
    assert len(titles) == 10


def test_a_seed_that_does_not_exist_is_a_warning_not_the_end(
    small: MediaWiki, tmp_path: Path
) -> None:
    guess = "Liste des rencontres de l'assemblée des communs de Lille"
    profile = load_profile().selection
    stored = {}
    for name, seeds in (("with", (guess, BILAN)), ("without", (BILAN,))):
        store = Store.open(tmp_path / f"{name}.sqlite")
        selection = dataclasses.replace(profile, titles=seeds, categories=())
        source = ApiSource(small.url, session=session(), selection=selection,
                           api_url=small.api_url)  # fmt: skip
        result = source.fetch(store)
        stored[name] = {p.title for p in store.pages(source.site_key)}
        met = {c.title: c.status for c in store.coverage(source.site_key)}
        assert met == {c.title: c.status for c in result.coverage}
        assert {t for t, status in met.items() if status == "fetched"} == stored[name]
        if name == "with":
            assert guess in result.missing and met[guess] == "missing"
            assert len(result.warnings) == 1 and guess in result.warnings[0]
    assert stored["with"] == stored["without"] and BILAN in stored["with"]


def test_categories_prefixes_and_redirected_titles(small: MediaWiki, tmp_path: Path) -> None:
    assert fetched_titles(
        small, Selection(categories=("Assemblée des communs de Lille",), category_depth=0), tmp_path
    ) == {BILAN, "Trombinoscope de Lille"}
    with_sub = fetched_titles(
        small, Selection(categories=("Catégorie:Assemblée des communs de Lille",)), tmp_path
    )
    assert {BILAN, "Trombinoscope de Lille", MEETING_2} <= with_sub and len(with_sub) == 7
    assert fetched_titles(small, Selection(prefixes=("48h",)), tmp_path) == {
        "48h de la contribution/Notes"
    }
    assert fetched_titles(small, Selection(prefixes=("Utilisateur:Zo",)), tmp_path) == {
        "Utilisateur:Zoé"
    }
    assert fetched_titles(small, Selection(titles=("Bilan Lille", "Nulle part")), tmp_path) == {
        BILAN
    }


def test_a_single_long_history_is_fetched_page_by_page(small: MediaWiki, tmp_path: Path) -> None:
    long_page = "Construire dans l'action l'assemblée des communs 4"
    store = Store.open(tmp_path / "one.sqlite")
    source = ApiSource(
        small.url, session=session(), selection=Selection(titles=(long_page, MEETING_2)),
        api_url=small.api_url,
    )  # fmt: skip
    done = fetch(small, source, store)
    assert done.result.plan == PLAN_PER_PAGE
    assert done.result.revisions_new == 62
    # titles, then 60 revisions in two requests (continuation) and 2 in one.
    assert done.served == 1 + 2 + 1, done.paths


def test_discovery_reads_the_edit_uri_of_a_page(small: MediaWiki, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<html><head><link rel="EditURI" type="application/rsd+xml" '
        f'href="{small.api_url}?action=rsd"/></head><body>Accueil</body></html>',
        encoding="utf-8",
    )
    with static_site(tmp_path) as url:
        assert discover_api(url + "/page.html", session()) == small.api_url
        assert discover_api(small.url + "/index.php/Accueil", session()) == small.api_url


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class static_site:  # noqa: N801 - used as a context manager, like a function
    """python's http.server over a directory, on a free port."""

    def __init__(self, directory: Path) -> None:
        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(_Quiet, directory=str(directory))
        )

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_site_without_api_gives_exit_3_and_the_archive_hint(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body>Archive statique</body></html>")
    store = Store.open(tmp_path / "none.sqlite")
    with static_site(tmp_path) as url:
        source = ApiSource(url + "/", session=session(), selection=load_profile().selection)
        with pytest.raises(NoApiError) as info:
            source.fetch(store)
    assert info.value.exit_code == 3
    assert "--source archive" in str(info.value)
    assert store.count_revisions() == 0


# -- a wiki of our own, edited, moved and deleted -------------------------------


@pytest.fixture(scope="module")
def scratch(mediawiki_factory: Callable[..., MediaWiki]) -> MediaWiki:
    return mediawiki_factory((SMALL_XML,))


@pytest.fixture
def synced(scratch: MediaWiki, tmp_path: Path) -> Iterator[tuple[ApiSource, Store, Fetch]]:
    """A store in step with the scratch wiki, and the cost of a warm run."""
    store = Store.open(tmp_path / "scratch.sqlite")
    source = ApiSource(scratch.url, session=session(), selection=load_profile().selection)
    source.fetch(store)
    warm = fetch(scratch, source, store)
    assert warm.result.revisions_new == 0
    yield source, store, warm
    store.close()


def test_one_edited_page_costs_one_request_more_than_the_warm_budget(
    scratch: MediaWiki, synced: tuple[ApiSource, Store, Fetch]
) -> None:
    source, store, warm = synced
    scratch.edit(MEETING_1, "Réunion 1.\nLieu : La Coroutine\n== Présents ==\n* Marie")
    done = fetch(scratch, source, store)
    assert done.result.check == CHECK_RECENT
    assert done.result.revisions_new == 1 and done.result.gaps_filled == 0
    # recent changes, the edited page's links (its links are followed), its new revision
    assert done.served == warm.served + 2 <= 1 + math.ceil(done.result.pages / 500) + 1
    page_id = store.page_id_for_title(source.site_key, MEETING_1)
    assert page_id is not None
    latest = store.revisions(source.site_key, page_id)[-1]
    assert latest.content.endswith("* Marie") and latest.user == "Admin"


def test_a_new_link_from_a_seed_brings_the_linked_page_whole(
    scratch: MediaWiki, synced: tuple[ApiSource, Store, Fetch]
) -> None:
    source, store, _ = synced
    notes = "48h de la contribution/Notes"
    assert store.page_id_for_title(source.site_key, notes) is None
    scratch.edit(CALENDAR, f"* 3 novembre 2015 : [[{MEETING_1}]]\n* 21 mars 2017 : [[{notes}]]")
    done = fetch(scratch, source, store)
    assert done.result.check == CHECK_FULL and done.result.revisions_new == 2
    assert store.page_id_for_title(source.site_key, notes) is not None


def test_a_page_edited_twice_costs_one_range_request(
    scratch: MediaWiki, synced: tuple[ApiSource, Store, Fetch]
) -> None:
    source, store, warm = synced
    scratch.edit(MEETING_2, "première version")
    scratch.edit(MEETING_2, "seconde version")
    done = fetch(scratch, source, store)
    assert done.result.revisions_new == 2 and done.result.gaps_filled == 0
    # recent changes, the page's links, one range from its new latest to the stored one
    assert done.served == warm.served + 2, done.paths
    assert not find_gaps(store.revision_metadata(source.site_key))


def test_deleted_and_moved_pages_are_reported_and_kept(
    scratch: MediaWiki, synced: tuple[ApiSource, Store, Fetch], tmp_path: Path
) -> None:
    source, store, _ = synced
    site = source.site_key
    kept = {p.title: p.n_revisions for p in store.pages(site)}
    old = "Construire dans l'action l'assemblée des communs 3"
    new = "Réunion de l'assemblée lilloise 3"
    (tmp_path / "move.txt").write_text(f"{old}|{new}\n", encoding="utf-8")
    (tmp_path / "delete.txt").write_text("Trombinoscope de Lille\n", encoding="utf-8")
    scratch.run_maintenance("moveBatch", "--u", "Admin", str(tmp_path / "move.txt"))
    scratch.run_maintenance("deleteBatch", "--u", "Admin", str(tmp_path / "delete.txt"))
    scratch.run_maintenance("runJobs", "--quiet")
    done = fetch(scratch, source, store)
    assert done.result.deleted == ("Trombinoscope de Lille",)
    assert done.result.moved == ((old, new),)
    # Nothing is dropped from the store; the moved page, still in the category, is
    # renamed and gains the revision MediaWiki writes for a move.
    kept[new] = kept.pop(old) + 1
    assert {p.title: p.n_revisions for p in store.pages(site)} == kept


# -- pure parts: the spec file, plans, gaps, records -----------------------------


def test_the_default_selection_is_the_lille_seeds_known_to_exist_and_their_links() -> None:
    selection = load_profile().selection
    # the report first, then the one hub seen on the live archive; two levels of links
    # reach the calendar and the workshop list from the report, and the events from them
    assert selection.titles == (BILAN, "Historique de l'assemblée des communs lilloise")
    assert selection.links == 2 and selection.title_patterns


@pytest.mark.parametrize(
    "text",
    [
        '{"seeds": "not a list"}',
        '{"colour": []}',
        '{"title_patterns": ["("]}',
        "[]",
        "{",
        '{"links": -1}',
    ],
)
def test_a_bad_selection_file_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        load_selection(io.StringIO(text))


def _pages(n_single: int, n_multi: int) -> list[PageState]:
    return [
        PageState(i, f"P{i}", 0, i, single_revision=i < n_single) for i in range(n_single + n_multi)
    ]


@pytest.mark.parametrize(
    ("pages", "stats", "generator", "plan"),
    [
        (_pages(50, 250), {"edits": 3000, "pages": 301}, "MediaWiki 1.39.17", PLAN_ALLREVISIONS),
        (_pages(0, 3), {"edits": 3000, "pages": 301}, "MediaWiki 1.39.17", PLAN_PER_PAGE),
        (_pages(50, 250), {"edits": 3000, "pages": 301}, "MediaWiki 1.26.2", PLAN_PER_PAGE),
        (_pages(0, 300), {}, "MediaWiki 1.39.17", PLAN_PER_PAGE),
    ],
)
def test_choose_plan(
    pages: list[PageState], stats: dict[str, int], generator: str, plan: str
) -> None:
    assert choose_plan(pages, stats, generator) == plan


def test_find_gaps_names_each_hole_and_its_stored_neighbour() -> None:
    def row(revid: int, parent: int | None, minute: int, page: int = 1) -> dict[str, object]:
        when = datetime(2016, 1, 1, 12, minute, tzinfo=UTC)
        return {"page_id": page, "revid": revid, "parentid": parent, "timestamp": when}

    rows = [row(10, None, 0), row(12, 11, 2), row(13, 12, 3), row(20, 15, 5), row(30, 29, 1, 2)]
    assert find_gaps(rows) == [(1, 12, 10), (1, 20, 13), (2, 30, None)]
    assert find_gaps(rows, {2}) == [(2, 30, None)]


def test_revision_from_api_reads_hidden_fields_ips_and_old_formats() -> None:
    page = {"pageid": 7, "ns": 0, "title": "Calendrier"}
    rev = revision_from_api(
        "w",
        page,
        {
            "revid": 9, "parentid": 0, "user": "192.0.2.1", "anon": True, "minor": True,
            "timestamp": "2016-07-21T12:39:00Z", "comment": "", "sha1": "ab",
            "content": "texte d'avant les slots",
        },
    )  # fmt: skip
    assert (rev.parentid, rev.user_is_ip, rev.minor, rev.content) == (
        None, True, True, "texte d'avant les slots",
    )  # fmt: skip
    assert rev.timestamp == datetime(2016, 7, 21, 12, 39, tzinfo=UTC) and rev.source == "api"
    hidden = revision_from_api(
        "w",
        page,
        {
            "revid": 10, "parentid": 9, "userhidden": True, "commenthidden": True,
            "sha1hidden": True, "timestamp": "2016-07-22T12:39:00Z",
            "slots": {"main": {"texthidden": True}},
        },
    )  # fmt: skip
    assert (hidden.user, hidden.comment, hidden.sha1, hidden.content) == (None, None, None, "")
    imported = revision_from_api(
        "w", page,
        {"revid": 11, "user": "imported>Zoé", "anon": True, "timestamp": "2016-07-23T00:00:00Z",
         "slots": {"main": {"content": "x"}}},
    )  # fmt: skip
    assert imported.user == "imported>Zoé" and not imported.user_is_ip
