"""Issue 12, point 10: page URLs as the wiki builds them (siteinfo's server + articlepath).

The expected URLs are written by hand from MediaWiki's rules: spaces become
``_``, then ``wfUrlencode`` escapes everything but letters, digits, ``_.-``
and ``;@$!*(),/~:``. A real MediaWiki answers each URL the API source stores
with the page it names.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from tests.mediawiki_server import MediaWiki
from wikibilan.cli import main
from wikibilan.config import Politeness, Selection
from wikibilan.library import load_frames
from wikibilan.model import Site
from wikibilan.sources.api import ApiSource
from wikibilan.sources.archive import ArchiveSource
from wikibilan.sources.http import PoliteSession
from wikibilan.store import SCHEMA_VERSION, Store
from wikibilan.titles import (
    article_url_from_main_page,
    article_url_from_siteinfo,
    page_url,
    wiki_urlencode,
)

ROOT = Path(__file__).resolve().parents[1]
INDEX_PHP_DUMP = ROOT / "tests" / "data" / "dump-0.11.xml"  # <base>…/index.php/Accueil
ARCHIVE = ROOT / "fixtures" / "archive" / "nohistory"


@pytest.mark.parametrize(
    ("base", "template"),
    [
        ("https://host/wiki/Main", "https://host/wiki/$1"),
        ("https://host/index.php/Main", "https://host/index.php/$1"),
        ("https://host/w/index.php?title=Main", "https://host/w/index.php?title=$1"),
        ("http://127.0.0.1:8080/index.php/Accueil", "http://127.0.0.1:8080/index.php/$1"),
        ("https://host/wiki/Portail/Accueil", "https://host/wiki/$1"),
        ("https://host/Main_Page", "https://host/$1"),
        ("https://host", "https://host/wiki/$1"),
        ("https://host/w/index.php?action=view&title=Main", "https://host/w/index.php?action=view&title=$1"),
    ],
)  # fmt: skip
def test_article_url_from_a_dumps_base(base: str, template: str) -> None:
    assert article_url_from_main_page(base) == template


@pytest.mark.parametrize(
    ("server", "path", "site", "template"),
    [
        ("https://wiki.example", "/wiki/$1", "", "https://wiki.example/wiki/$1"),
        ("http://127.0.0.1:8080", "/index.php/$1", "", "http://127.0.0.1:8080/index.php/$1"),
        ("//wiki.example", "/w/index.php?title=$1", "http://wiki.example/", "http://wiki.example/w/index.php?title=$1"),
        ("//wiki.example", "/wiki/$1", "", "https://wiki.example/wiki/$1"),
    ],
)  # fmt: skip
def test_article_url_from_siteinfo(server: str, path: str, site: str, template: str) -> None:
    assert article_url_from_siteinfo(server, path, site) == template


@pytest.mark.parametrize(
    ("title", "encoded"),
    [
        ("Construire dans l'action l'assemblée des communs 5",
         "Construire_dans_l%27action_l%27assembl%C3%A9e_des_communs_5"),  # ARCHIVE.md's example
        ("Assemblée des Communs de Lille/Visite elus",
         "Assembl%C3%A9e_des_Communs_de_Lille/Visite_elus"),
        ("Fabrique Assemblée des Communs de Lille 2/10/19",
         "Fabrique_Assembl%C3%A9e_des_Communs_de_Lille_2/10/19"),
        ("Catégorie:Lille", "Cat%C3%A9gorie:Lille"),
        ("A;B@C$D!E*F(G),H~I:J", "A;B@C$D!E*F(G),H~I:J"),  # what wfUrlencode leaves alone
        ("Q? A&B #1 50% a+b=c \"x\" <y>", "Q%3F_A%26B_%231_50%25_a%2Bb%3Dc_%22x%22_%3Cy%3E"),
        ("Café-crème_1.5", "Caf%C3%A9-cr%C3%A8me_1.5"),
    ],
)  # fmt: skip
def test_titles_are_encoded_as_mediawiki_does(title: str, encoded: str) -> None:
    assert wiki_urlencode(title) == encoded
    assert page_url("https://h/index.php?title=$1", title) == f"https://h/index.php?title={encoded}"


def test_pages_csv_of_a_wiki_served_as_index_php(tmp_path: Path) -> None:
    """The issue's slip: ``…/index.php/Accueil/wiki/…`` for a wiki served as index.php/Title."""
    cache, out = tmp_path / "s.sqlite", tmp_path / "out"
    assert main(["import", str(INDEX_PHP_DUMP), "--cache", str(cache), "-q"]) == 0
    assert main(["extract", "--cache", str(cache), "--out", str(out), "-q"]) == 0
    urls = (out / "pages.csv").read_text("utf-8").splitlines()
    assert sorted(line.rsplit(",", 1)[1] for line in urls[1:]) == [
        "http://127.0.0.1:8080/index.php/Assembl%C3%A9e_des_Communs_de_Lille_-_Bilan_2015-2017",
        "http://127.0.0.1:8080/index.php/Atelier_Initiation_aux_communs",
    ]
    with Store.open(cache, readonly=True) as store:
        site = store.site("127.0.0.1:8080")
    assert site is not None and site.article_url == "http://127.0.0.1:8080/index.php/$1"


# -- the store keeps the template; older stores are migrated or read as they are -------


def _version_1_store(path: Path, site: Site) -> None:
    """A store as version 1 wrote it: no article_url column."""
    with Store.open(path) as store:
        store.upsert_site(site)
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE sites DROP COLUMN article_url")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()


def test_a_version_1_store_is_read_as_it_is_and_migrated_when_written(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = Site(key="w.example", base_url="https://w.example/index.php/Accueil", name="W")
    _version_1_store(path, old)
    with Store.open(path, readonly=True) as store:
        assert store.site("w.example") == old
        assert store.schema_problems() == []
    with Store.open(path) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "3"
        store.upsert_site(
            Site(
                key="w.example", base_url=old.base_url, article_url="https://w.example/index.php/$1"
            )
        )
        store.upsert_site(Site(key="w.example", base_url=old.base_url))  # None keeps it
        assert store.site("w.example") == Site(
            key="w.example", base_url=old.base_url, article_url="https://w.example/index.php/$1"
        )
        assert store.schema_problems() == []


def test_pages_of_a_version_1_store_take_their_urls_from_its_base(tmp_path: Path) -> None:
    cache = tmp_path / "s.sqlite"
    assert main(["import", str(INDEX_PHP_DUMP), "--cache", str(cache), "-q"]) == 0
    with sqlite3.connect(cache) as db:
        db.execute("ALTER TABLE sites DROP COLUMN article_url")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    urls = sorted(load_frames(cache)["pages"]["url"])  # reading leaves it at version 1
    assert urls[1] == "http://127.0.0.1:8080/index.php/Atelier_Initiation_aux_communs"


# -- a real MediaWiki: the stored template is its siteinfo's, and its URLs answer ----------


@pytest.mark.mediawiki
def test_api_pages_have_the_urls_the_wiki_answers_at(mediawiki: MediaWiki, tmp_path: Path) -> None:
    titles = ("Code social de l'assemblée des communs de Lille/Charte des pratiques",
              "Construire dans l'action l'assemblée des communs 10")  # fmt: skip
    cache = tmp_path / "s.sqlite"
    session = PoliteSession(Politeness(min_interval=0.0))
    with Store.open(cache) as store:
        ApiSource(mediawiki.url, session=session, selection=Selection(titles=titles)).fetch(store)
    query = "?action=query&meta=siteinfo&format=json&formatversion=2"
    with urllib.request.urlopen(mediawiki.api_url + query, timeout=30) as answer:
        general = json.load(answer)["query"]["general"]
    pages = load_frames(cache)["pages"].set_index("title")
    for title in titles:
        url = pages.loc[title, "url"]
        assert url == general["server"] + general["articlepath"].replace(
            "$1", wiki_urlencode(title)
        )
        with urllib.request.urlopen(url, timeout=30) as answer:
            html = answer.read().decode("utf-8")
        start = html.index('"wgPageName":') + len('"wgPageName":')
        assert json.JSONDecoder().raw_decode(html, start)[0] == title.replace(" ", "_"), url


# -- an archive: MediaWiki's own current-page form on the mirror -----------------------------


def test_archive_pages_have_the_mirrors_current_page_urls(
    archive_server: Callable[[Path], ArchiveServer], tmp_path: Path
) -> None:
    server = archive_server(ARCHIVE)
    title = "Construire dans l'action l'assemblée des communs 10"
    cache = tmp_path / "s.sqlite"
    session = PoliteSession(Politeness(min_interval=0.0))
    with Store.open(cache) as store:
        source = ArchiveSource(
            server.url + "/", session=session, selection=Selection(titles=(title,))
        )
        assert source.fetch(store).pages == 1
    root = server.url.rstrip("/")
    with Store.open(cache, readonly=True) as store:
        assert [s.article_url for s in store.sites()] == [f"{root}/wiki/$1"]
    urls = list(load_frames(cache)["pages"]["url"])
    assert urls == [f"{root}/wiki/Construire_dans_l%27action_l%27assembl%C3%A9e_des_communs_10"]
