"""The ``archive`` source over real HTTP, on the two variants of ``fixtures/archive/``.

The mirror was rendered from ``fixtures/wiki/lille.xml`` by a real MediaWiki,
which renumbered page and revision ids: revisions are matched with the XML on
title, timestamp (to the minute), user, summary and content instead.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, unquote

import mwparserfromhell
import pandas as pd
import pytest

from tests.archive_server import ArchiveServer, LoggedRequest, resolve
from wikibilan.config import Politeness, Selection
from wikibilan.document import normalize_title, parse_html, parse_wikitext
from wikibilan.french import parse_datetime
from wikibilan.model import Revision
from wikibilan.pipeline import Workbench, bilan_data, load_frames, run_checks, snapshot_frames
from wikibilan.profile import load_profile
from wikibilan.sources.archive import ArchiveSource, FetchProgress, FetchResult
from wikibilan.sources.archive_meta import render_offset
from wikibilan.sources.archive_urls import (
    entry_urls,
    locate,
    parse_wiki_url,
    rooted_links,
    sibling_url,
)
from wikibilan.sources.dump import import_dump, read_dump
from wikibilan.sources.http import PoliteSession
from wikibilan.store import Store

LILLE = load_profile()  # the Lille site: its old hosts and selection

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "fixtures" / "archive"
LILLE_XML = REPO / "fixtures" / "wiki" / "lille.xml"
VARIANTS = ("full", "nohistory")
OLD_REVISION = re.compile(r"&(?:oldid|direction|diff)=")
BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"
SPECIAL = (
    "Construire dans l'action l'assemblée des communs 5",  # apostrophes and an accent
    "48h de la contribution/Notes",  # a sub-page
    "Assemblée des Communs de Lille 2/10/19",  # a date with slashes
    "Code social de l'assemblée des communs de Lille/Charte des pratiques",
)

pytestmark = pytest.mark.skipif(
    not (ARCHIVE / "full").is_dir(),
    reason="fixtures/archive/ not built (fixtures/build_archive.sh)",
)


# -- helpers ---------------------------------------------------------------------


def xml_history() -> dict[str, list[Revision]]:
    """The fixture wiki's revisions by title, oldest first."""
    with LILLE_XML.open("rb") as fp:
        _, revisions = read_dump(fp)
        by_title: dict[str, list[Revision]] = defaultdict(list)
        for rev in revisions:
            by_title[rev.title].append(rev)
    return {t: sorted(r, key=lambda x: (x.timestamp, x.revid)) for t, r in by_title.items()}


XML = xml_history()


def session() -> PoliteSession:
    return PoliteSession(Politeness(min_interval=0.0))


def crawl(server: ArchiveServer, store: Store, selection: Selection, *,
          wikitext_diffs: bool = False) -> FetchResult:  # fmt: skip
    source = ArchiveSource(server.url + "/", session=session(), selection=selection,
                           wikitext_diffs=wikitext_diffs,
                           old_hosts=LILLE.site.old_hosts)  # fmt: skip
    return source.fetch(store)


def stored_history(store: Store) -> dict[str, list[Revision]]:
    by_title: dict[str, list[Revision]] = defaultdict(list)
    for rev in store.iter_revisions():
        by_title[rev.title].append(rev)
    return {t: sorted(r, key=lambda x: (x.timestamp, x.revid)) for t, r in by_title.items()}


def summary(text: str | None) -> str:
    return " ".join((text or "").split())


def old_revision_downloads(log: list[LoggedRequest]) -> list[str]:
    return [r.target for r in log if r.status == 200 and OLD_REVISION.search(unquote(r.target))]


@dataclass
class Crawled:
    """One cold crawl of a variant with every title of the fixture as a seed."""

    variant: str
    server: ArchiveServer
    store: Store
    path: Path
    result: FetchResult
    log: list[LoggedRequest]


@pytest.fixture(scope="module", params=VARIANTS)
def crawled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Crawled]:  # fmt: skip
    variant = request.param
    server = ArchiveServer(ARCHIVE / variant)
    path = tmp_path_factory.mktemp(variant) / "archive.sqlite"
    store = Store.open(path)
    result = crawl(server, store, Selection(titles=tuple(sorted(XML))))
    yield Crawled(variant, server, store, path, result, server.requests())
    store.close()
    server.stop()


@pytest.fixture
def mirror_copy(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a variant to a temporary directory, to edit it."""

    def copy(variant: str) -> Path:
        return Path(shutil.copytree(ARCHIVE / variant, tmp_path / variant))

    return copy


def current_page(root: Path, title: str) -> Path:
    name = title.replace(" ", "_")
    return root / "wiki" / (quote(name, safe=";@$!(),~/") + ".html")


# -- every page, every revision ------------------------------------------------------


def test_every_page_and_revision_of_the_fixture_is_found(crawled: Crawled) -> None:
    result = crawled.result
    assert result.missing == () and result.missing_revisions == () and result.gaps_left == 0
    assert result.pages == len(XML) == 45
    got = stored_history(crawled.store)
    assert set(got) == set(XML)
    assert result.revisions_new == sum(len(v) for v in XML.values()) == 157
    for title, revisions in XML.items():
        archived = got[title]
        assert len(archived) == len(revisions), title
        for want, have in zip(revisions, archived, strict=True):
            where = f"{title} @ {want.timestamp}"
            assert have.timestamp == want.timestamp.replace(second=0), where
            assert have.user == want.user and have.user_is_ip == want.user_is_ip, where
            assert summary(have.comment) == summary(want.comment), where
            assert have.content_model == "html" and have.source == "archive" and have.sha1 is None
            if crawled.variant == "full":  # revision pages do not show the minor flag
                assert have.minor == want.minor, where
        parents = [r.parentid for r in archived]
        assert parents == [None] + [r.revid for r in archived[:-1]], title


def test_contents_give_the_same_blocks_as_the_wikitext(crawled: Crawled) -> None:
    got = stored_history(crawled.store)
    for title, revisions in XML.items():
        for want, have in zip(revisions, got[title], strict=True):
            html_blocks = [(b.kind, b.text, b.level, b.section) for b in
                           parse_html(have.content, title=title).blocks]  # fmt: skip
            wiki_blocks = [(b.kind, b.text, b.level, b.section) for b in
                           parse_wikitext(want.content, title=title).blocks]  # fmt: skip
            assert html_blocks == wiki_blocks, f"{title} @ {want.timestamp}"


def test_cold_crawl_costs_about_one_request_per_revision(crawled: Crawled) -> None:
    pages, revisions = crawled.result.pages, crawled.result.revisions_new
    floor = pages + revisions  # a current page per page, a page per older revision
    # a few entry-form and history probes come on top (a 404 is an answer)
    assert floor <= crawled.result.requests <= floor + 8, crawled.result
    assert crawled.result.requests == len(crawled.log)
    assert crawled.result.bytes > 0


def test_titles_round_trip_through_the_double_encoding(crawled: Crawled) -> None:
    got = stored_history(crawled.store)
    for title in SPECIAL:
        assert len(got[title]) == len(XML[title]) > 0, title
    targets = [r.target for r in crawled.log if r.status == 200]
    # "'" is %27 in the file name, so %2527 in the URL; "/" in a query is %2F, so %252F
    assert any("Construire_dans_l%2527action_l%2527assembl%25C3%25A9e_des_communs_5&oldid="
               in t for t in targets)  # fmt: skip
    assert any("index.php@title=48h_de_la_contribution%252FNotes&" in t for t in targets)
    assert any(t.endswith("/wiki/Assembl%25C3%25A9e_des_Communs_de_Lille_2/10/19.html")
               for t in targets)  # fmt: skip


def test_special_titles_alone(archive_server: Callable[[Path], ArchiveServer],
                              tmp_path: Path) -> None:  # fmt: skip
    for variant in VARIANTS:
        server = archive_server(ARCHIVE / variant)
        with Store.open(tmp_path / f"{variant}.sqlite") as store:
            result = crawl(server, store, Selection(titles=SPECIAL))
            assert result.titles == SPECIAL and result.missing == ()
            got = stored_history(store)
            assert {t: len(v) for t, v in got.items()} == {t: len(XML[t]) for t in SPECIAL}


# -- missing things are reported, not fatal ---------------------------------------------


def test_a_missing_page_is_reported_not_fatal(archive_server: Callable[[Path], ArchiveServer],
                                              tmp_path: Path) -> None:  # fmt: skip
    server = archive_server(ARCHIVE / "nohistory")
    titles = ("Une page qui n'existe pas", "Trombinoscope de Lille")
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=titles))
        assert result.missing == ("Une page qui n'existe pas",)
        assert result.titles == ("Trombinoscope de Lille",)
        assert store.count_revisions() == len(XML["Trombinoscope de Lille"])
    tried = [r.target for r in server.requests() if "existe" in r.target]
    assert tried == list(dict.fromkeys(entry_urls("", "Une page qui n'existe pas")))  # once each


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_missing_revision_is_reported_not_fatal(
    variant: str, archive_server: Callable[[Path], ArchiveServer],
    mirror_copy: Callable[[str], Path], tmp_path: Path,
) -> None:  # fmt: skip
    root = mirror_copy(variant)
    title = "Construire dans l'action l'assemblée des communs 10"
    pattern = "index.php@title=Construire_dans_l%27action_l%27assembl%C3%A9e_des_communs_10&"
    pages = sorted(p for p in root.iterdir() if p.name.startswith(pattern) and "oldid=" in p.name)
    # the second revision's own page, and the page that shows it as "previous"
    revids = sorted({int(re.search(r"oldid=(\d+)", p.name).group(1)) for p in pages})  # type: ignore[union-attr]
    lost, after = revids[1], revids[2]
    for page in pages:
        if page.name.endswith((f"&oldid={lost}.html", f"&direction=prev&oldid={after}.html",
                               f"&diff=prev&oldid={after}.html")):  # fmt: skip
            page.unlink()
    server = archive_server(root)
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=(title, "Trombinoscope de Lille")))
        assert result.titles == (title, "Trombinoscope de Lille")
        assert result.gaps_left >= 1
        got = stored_history(store)
        assert len(got["Trombinoscope de Lille"]) == len(XML["Trombinoscope de Lille"])
        if variant == "full":  # the history lists it: named, and every other one is there
            assert result.missing_revisions == ((title, lost),)
            assert len(got[title]) == len(XML[title]) - 1
        else:  # the chain breaks: the revisions after the hole are there
            assert {r.revid for r in got[title]} >= {after, *revids[2:]}


# -- never leaving the host; the depth limit ----------------------------------------------


def test_the_crawler_never_leaves_the_site(archive_server: Callable[[Path], ArchiveServer],
                                           mirror_copy: Callable[[str], Path],
                                           tmp_path: Path) -> None:  # fmt: skip
    elsewhere = archive_server(ARCHIVE / "full")  # another host:port with the same pages
    root = mirror_copy("nohistory")
    seed = "Trombinoscope de Lille"
    page = current_page(root, seed)
    links = (
        f'<p><a href="{elsewhere.url}/wiki/ROUMICS_2017.html">ailleurs</a> '
        '<a class="external text" href="http://assemblee.encommuns.org/index.php?title='
        'Documentation_partag%C3%A9e_de_l%27assembl%C3%A9e_des_communs_de_Lille">'
        "ancienne adresse</a> "
        '<a href="https://wiki.lescommuns.org/wiki/ROUMICS_2017">adresse du wiki</a></p>'
    )
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace(
            '<div class="mw-parser-output">', '<div class="mw-parser-output">' + links, 1
        ),  # fmt: skip
        encoding="utf-8",
    )
    server = archive_server(root)
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=(seed,), links=1))
    assert elsewhere.requests() == []
    documentation = "Documentation partagée de l'assemblée des communs de Lille"
    assert documentation in result.titles
    # ROUMICS 2017 is reached through the seed's category, never through those links
    linked_from = {c.title: c.linked_from for c in result.coverage}
    assert seed in linked_from[documentation] and seed not in linked_from["ROUMICS 2017"]
    for request in server.requests():
        assert request.target.startswith("/"), request  # origin-form: always this host
    assert any("Documentation_partag" in r.target and r.status == 200 for r in server.requests())


def _links_of(title: str) -> set[str]:
    """Main-namespace pages the latest wikitext of ``title`` links to (from the XML)."""
    code = mwparserfromhell.parse(XML[title][-1].content)
    found = {normalize_title(str(link.title).split("#")[0]) for link in code.filter_wikilinks()}
    return {t for t in found if t in XML and t != title}


def test_the_depth_limit_is_respected(archive_server: Callable[[Path], ArchiveServer],
                                      tmp_path: Path) -> None:  # fmt: skip
    server = archive_server(ARCHIVE / "full")
    seed = "Historique de l'assemblée des communs lilloise"
    depth1 = _links_of(seed)
    depth2 = set().union(*(_links_of(t) for t in depth1)) - depth1 - {seed}
    assert depth1 and depth2  # the fixture has pages two links away
    # the seed's category is followed as a link is: its members are one level away
    category = f"Catégorie:{LILLE.selection.categories[0]}"
    members = {t for t, r in XML.items() if _in_category(r[-1].content)}
    assert seed in members and depth2 - members == set()
    for links, expected in ((0, {seed}), (1, {seed} | depth1 | members)):
        with Store.open(tmp_path / f"d{links}.sqlite") as store:
            server.clear_log()
            result = crawl(server, store, Selection(titles=(seed,), links=links))
            assert set(result.titles) == expected
            requested = {parse_wiki_url(server.url + r.target) for r in server.requests()}
            titles = {u.title for u in requested if u is not None}
            assert titles <= expected | ({category} if links else set())


def _in_category(wikitext: str) -> bool:
    name = re.escape(LILLE.selection.categories[0])
    return re.search(r"\[\[\s*Catégorie\s*:\s*" + name, wikitext, re.I) is not None


def test_the_lille_selection_finds_what_its_links_say(crawled: Crawled) -> None:
    selection = load_profile().selection
    with Store.open(":memory:") as store:
        crawled.server.clear_log()
        result = crawl(crawled.server, store, selection)
    member = re.compile(r"\[\[\s*Catégorie\s*:\s*" + re.escape(selection.categories[0]), re.I)
    level0 = set(selection.titles) | {t for t, r in XML.items() if member.search(r[-1].content)}
    patterns = re.compile("|".join(selection.title_patterns))
    level1 = {t for s in level0 for t in _links_of(s) if patterns.search(t)}
    assert set(result.titles) == (level0 | level1) & set(XML)
    assert result.missing == ()


# -- incremental: conditional requests, no old revision twice ---------------------------------


def test_a_warm_rerun_downloads_no_old_revision(crawled: Crawled) -> None:
    crawled.server.clear_log()
    again = crawl(crawled.server, crawled.store, Selection(titles=tuple(sorted(XML))))
    log = crawled.server.requests()
    assert again.revisions_new == 0 and again.missing == ()
    assert old_revision_downloads(log) == []
    assert again.not_modified == again.pages == len(XML)
    assert [r.status for r in log] == [304] * len(XML)  # one conditional request per page
    assert again.bytes == 0


def test_new_revisions_are_fetched_without_stored_ones(crawled: Crawled, tmp_path: Path) -> None:
    path = tmp_path / "copy.sqlite"
    shutil.copyfile(crawled.path, path)  # the module's store stays as it is
    with Store.open(path) as store:
        site = store.sites()[0].key
        page_id = store.page_id_for_title(site, BILAN)
        assert page_id is not None
        newest = [r.revid for r in store.revisions(site, page_id)][-2:]
    with sqlite3.connect(path) as db:  # as if the mirror had gained two revisions since
        db.execute(f"DELETE FROM revisions WHERE revid IN ({newest[0]}, {newest[1]})")
        db.execute("DELETE FROM meta WHERE key = ?", (f"archive:{site}:page:{BILAN}",))
    crawled.server.clear_log()
    with Store.open(path) as store:
        result = crawl(crawled.server, store, Selection(titles=(BILAN,)))
        assert result.revisions_new == 2
        assert [r.revid for r in store.revisions(site, page_id)][-2:] == newest
    downloads = old_revision_downloads(crawled.server.requests())
    stored = re.compile(r"(?:oldid|diff)=(\d+)")
    shown = {int(stored.search(unquote(t)).group(1)) for t in downloads}  # type: ignore[union-attr]
    assert shown <= set(newest), downloads  # no page of a stored revision
    assert len(downloads) <= 2


def test_progress_is_reported(archive_server: Callable[[Path], ArchiveServer],
                              tmp_path: Path) -> None:  # fmt: skip
    server = archive_server(ARCHIVE / "full")
    seen: list[FetchProgress] = []
    with Store.open(tmp_path / "s.sqlite") as store:
        source = ArchiveSource(server.url, session=session(),
                               selection=Selection(titles=(BILAN,)))  # fmt: skip
        source.fetch(store, progress=seen.append)
    assert seen and seen[-1].revisions_new == len(XML[BILAN]) and seen[-1].pages_done == 1


def test_wikitext_lines_of_diff_pages_are_kept(archive_server: Callable[[Path], ArchiveServer],
                                               tmp_path: Path) -> None:  # fmt: skip
    server = archive_server(ARCHIVE / "nohistory")
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=(BILAN,)), wikitext_diffs=True)
        assert result.revisions_new == len(XML[BILAN]) and result.gaps_left == 0
        site = store.sites()[0].key
        page_id = store.page_id_for_title(site, BILAN) or 0
        latest = max(r.revid for r in store.revisions(site, page_id))
        diff = json.loads(store.get_meta(f"archive:{site}:diff:{latest}") or "{}")
    lines = [text for hunk in diff["hunks"] for marker, text in hunk["lines"] if marker != "-"]
    assert any("TOTAL = 1022,66" in line for line in lines)
    assert all(hunk["old_start"] > 0 for hunk in diff["hunks"])


# -- the frames equal the XML's ------------------------------------------------------------


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Without what HTML cannot give: ids renumbered by the import (and the evidence
    naming them), wikitext line numbers (and the workshop ids made from them)."""
    keep = [c for c in frame.columns if c not in ("revid", "line", "workshop_id", "evidence")]
    out = frame[keep].astype(str)
    return out.sort_values(keep).reset_index(drop=True)


def test_frames_from_the_archive_equal_those_from_the_xml(crawled: Crawled) -> None:
    with Store.open(":memory:") as xml_store:
        with LILLE_XML.open("rb") as fp:
            import_dump(fp, xml_store)
        xml = Workbench(xml_store, xml_store.sites()[0].key, load_profile())
        archive = Workbench(crawled.store, crawled.store.sites()[0].key, load_profile())
        for when in (None, XML[BILAN][-1].timestamp + timedelta(minutes=1)):
            want, got = snapshot_frames(xml, when), snapshot_frames(archive, when)
            for name in ("events", "attendance", "workshops"):
                assert len(got[name]) > 0, name
                pd.testing.assert_frame_equal(_comparable(got[name]), _comparable(want[name]))
        want_bilan, got_bilan = bilan_data(xml), bilan_data(archive)
        for name in ("claims", "expenses", "all_expenses"):
            pd.testing.assert_frame_equal(
                _comparable(getattr(got_bilan, name)), _comparable(getattr(want_bilan, name))
            )
        want_checks = run_checks(xml, load_frames(xml))["checks"]
        got_checks = run_checks(archive, load_frames(archive))["checks"]
        assert len(got_checks) > 0
        pd.testing.assert_frame_equal(_comparable(got_checks), _comparable(want_checks))


# -- pure parts: URLs, dates, the server's mapping ------------------------------------------


ROOT = "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("url", "title", "params"),
    [
        (f"{ROOT}/index.php@title=Construire_dans_l%2527action_l%2527assembl%25C3%25A9e_des_"
         "communs_10&oldid=18140.html", "Construire dans l'action l'assemblée des communs 10",
         {"oldid": "18140"}),
        (f"{ROOT}/index.php@title=X&oldid=30427&diff=prev.html", "X",
         {"oldid": "30427", "diff": "prev"}),
        (f"{ROOT}/index.php@title=48h_de_la_contribution%252FNotes&action=history.html",
         "48h de la contribution/Notes", {"action": "history"}),
        (f"{ROOT}/wiki/Assembl%C3%A9e_des_Communs_de_Lille_2/10/19",
         "Assemblée des Communs de Lille 2/10/19", {}),
        (f"{ROOT}/wiki/Assembl%25C3%25A9e_des_Communs_de_Lille_2/10/19.html#x",
         "Assemblée des Communs de Lille 2/10/19", {}),
        ("http://assemblee.encommuns.org/index.php?title=Trombinoscope_de_Lille&oldid=3",
         "Trombinoscope de Lille", {"oldid": "3"}),
    ],
)  # fmt: skip
def test_wiki_urls_are_read_in_every_form(url: str, title: str, params: dict[str, str]) -> None:
    found = parse_wiki_url(url)
    assert found is not None and found.title == title
    for key, value in params.items():
        assert found.get(key) == value


def test_built_urls_keep_the_form_found() -> None:
    found = parse_wiki_url(f"{ROOT}/index.php@title=Construire_dans_l%2527action&oldid=5.html#a")
    assert found is not None
    assert sibling_url(found, "diff=prev&oldid=5") == (
        f"{ROOT}/index.php@title=Construire_dans_l%2527action&diff=prev&oldid=5.html"
    )
    assert entry_urls(ROOT, "Construire dans l'action 5")[:2] == [
        f"{ROOT}/wiki/Construire_dans_l%27action_5",
        f"{ROOT}/wiki/Construire_dans_l%2527action_5.html",
    ]
    assert entry_urls(ROOT, "Catégorie:Réunions")[1] == (
        f"{ROOT}/wiki/Cat%25C3%25A9gorie%253AR%25C3%25A9unions.html"
    )


def test_links_are_located_on_the_site_or_ignored() -> None:
    old = ("assemblee.encommuns.org",)
    assert locate(f"{ROOT}/wiki/A", ROOT, old) is not None
    on_site = locate("https://127.0.0.1:8080/wiki/A", ROOT, old)
    assert on_site is not None and on_site[1]
    former = locate("http://assemblee.encommuns.org/index.php?title=A", ROOT, old)
    assert former is not None and former[0].title == "A" and not former[1]
    assert locate("http://127.0.0.1:9999/wiki/A", ROOT, old) is None
    assert locate("https://example.org/wiki/A", ROOT, old) is None
    assert locate("mailto:a@b.c", ROOT, old) is None
    page = f"{ROOT}/wiki/Sub/Page.html"
    assert 'href="/wiki/Other%2527s.html#x"' in rooted_links('<a href="../Other%2527s.html#x">',
                                                             page)  # fmt: skip
    assert rooted_links('<a href="#top">', page) == '<a href="#top">'


def test_french_dates_and_the_render_offset() -> None:
    when = parse_datetime("Révision datée du 21 juillet 2016 à 14:39 par X",
                          timedelta(hours=1))  # fmt: skip
    assert when is not None and when.isoformat() == "2016-07-21T13:39:00+00:00"
    summer = parse_datetime("1er août 2016 à 14:39")  # Paris rules: CEST
    assert summer is not None and summer.hour == 12
    assert parse_datetime("pas de date") is None
    assert render_offset("<!--\nNewPP limit report\nCached time: 20240115120000\n") == timedelta(
        hours=1
    )
    assert render_offset('"cachereport":{"timestamp":"20240615120000"}') == timedelta(hours=2)
    assert render_offset("nothing") is None


def test_the_server_maps_urls_as_the_live_host(tmp_path: Path) -> None:
    (tmp_path / "wiki").mkdir()
    name = "index.php@title=L%27a&oldid=1.html"
    (tmp_path / name).write_text("x")
    (tmp_path / "wiki" / "L%27a.html").write_text("y")
    assert resolve(tmp_path, "/index.php@title=L%2527a&oldid=1.html") == tmp_path / name
    assert resolve(tmp_path, "/index.php?title=L%27a&oldid=1") == tmp_path / name
    assert resolve(tmp_path, "/wiki/L%2527a") == tmp_path / "wiki" / "L%27a.html"
    assert resolve(tmp_path, "/wiki/L%27a") is None  # decoded once: L'a
    assert resolve(tmp_path, "/../etc/passwd") is None
    assert resolve(tmp_path, "/wiki/%2e%2e/%2e%2e/x") is None


def test_the_server_answers_conditional_requests(archive_server: Callable[[Path], ArchiveServer],
                                                 tmp_path: Path) -> None:  # fmt: skip
    (tmp_path / "a.html").write_text("hello", encoding="utf-8")
    server = archive_server(tmp_path)
    http = session()
    first = http.get(server.url + "/a")
    assert first.status_code == 200 and first.text == "hello"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert http.get(server.url + "/a", headers={"If-None-Match": etag}).status_code == 304
    assert http.get(server.url + "/a", headers={"If-Modified-Since": modified}).status_code == 304
    assert http.get(server.url + "/b").status_code == 404
    assert [(r.status, r.bytes) for r in server.requests()] == [(200, 5), (304, 0), (304, 0),
                                                               (404, 22)]  # fmt: skip


def test_a_mirror_without_the_javascript_config(archive_server: Callable[[Path], ArchiveServer],
                                                mirror_copy: Callable[[str], Path],
                                                tmp_path: Path) -> None:  # fmt: skip
    root = mirror_copy("nohistory")
    for page in root.rglob("*.html"):  # an older copy: no RLCONF, only the French text
        page.write_text(page.read_text(encoding="utf-8").replace('"wg', '"xx'), encoding="utf-8")
    server = archive_server(root)
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=SPECIAL))
        assert result.titles == SPECIAL and result.gaps_left == 0
        got = stored_history(store)
    for title in SPECIAL:
        assert [(r.timestamp, r.user, summary(r.comment)) for r in got[title]] == [
            (r.timestamp.replace(second=0), r.user, summary(r.comment)) for r in XML[title]
        ]
        assert all(r.page_id < 0 for r in got[title])  # no wgArticleId: a stable stand-in


def test_fetch_picks_the_archive_source_on_a_mirror(archive_server: Callable[[Path], ArchiveServer],
                                                    tmp_path: Path) -> None:  # fmt: skip
    from wikibilan.library import fetch

    server = archive_server(ARCHIVE / "nohistory")
    chosen: list[str] = []
    outcome = fetch(server.url + "/", tmp_path / "s.sqlite", selection=Selection(titles=(BILAN,)),
                    politeness=Politeness(min_interval=0.0),
                    on_choice=lambda source, why: chosen.append(source))  # fmt: skip
    assert outcome.source == "archive" and chosen == ["archive"]
    assert outcome.result.revisions_new == len(XML[BILAN])


def test_an_older_mediawiki_history_is_read() -> None:
    from wikibilan.sources.archive_parse import read_page

    html = (
        "<html><body><h1 id='firstHeading'>X : Historique des versions</h1>"
        "<ul id='pagehistory'><li>(actu | <a href='/index.php?title=X&amp;diff=12&amp;oldid=11'>"
        "diff</a>) <a href='/index.php?title=X&amp;oldid=12' title='X'>14:39, 21 juillet 2016</a>"
        " <a href='/wiki/Utilisateur:Bob_L' class='mw-userlink'>Bob L</a> "
        "<span class='comment'>(<span class='autocomment'><a href='#Notes'>→</a>Notes : </span>"
        "suite)</span></li></ul></body></html>"
    )
    page = read_page(html, f"{ROOT}/index.php@title=X&action=history.html")
    assert page.kind == "history" and page.title == "X"
    (entry,) = page.history
    assert (entry.revid, entry.user, entry.comment) == (12, "Bob L", "/* Notes */ suite")
    assert (
        entry.timestamp is not None and entry.timestamp.isoformat() == "2016-07-21T12:39:00+00:00"
    )
    assert entry.url == f"{ROOT}/index.php?title=X&oldid=12"
