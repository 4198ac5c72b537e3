"""Reaching every page of a mirror from what is known to exist (issue 15, points 1 and 2).

- Entry URLs in every form a mirror may use, on a mirror whose file names and
  links keep apostrophes literal (``l'assembl%C3%A9e``): made at test time from
  ``fixtures/archive/full`` by ``derive_literal`` in ``fixtures/build_archive.py``
  (``fixtures/archive/README.md`` says how), served over real HTTP.
- Discovery: seeds that do not exist, the categories found on pages, sub-pages.
- The coverage record of every page met (fetched, missing, found, skipped, and
  who links to it) in the fetch result, the store and the offline coverage frame.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

import mwparserfromhell
import pytest

from tests.archive_server import ArchiveServer
from wikibilan.cli import main
from wikibilan.config import Politeness, Selection
from wikibilan.document import normalize_title
from wikibilan.model import FetchResult, PageCoverage, merge_coverage
from wikibilan.pipeline import Workbench, snapshot_frames
from wikibilan.profile import load_profile
from wikibilan.sources.archive import ArchiveSource
from wikibilan.sources.archive_crawl import CATEGORY_PROBES
from wikibilan.sources.archive_parse import read_page
from wikibilan.sources.archive_reach import Filter
from wikibilan.sources.archive_urls import EntryForms, entry_forms, entry_urls
from wikibilan.sources.dump import read_dump
from wikibilan.sources.http import PoliteSession
from wikibilan.store import SCHEMA_VERSION, Store

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "fixtures" / "archive"
LILLE = load_profile()
BILAN = LILLE.report_title
HISTORY = "Historique de l'assemblée des communs lilloise"
CALENDAR = "Calendrier de l'assemblée des communs de Lille"
GUESS = "Liste des rencontres de l'assemblée des communs de Lille"  # no such page
CATEGORY = f"Catégorie:{LILLE.selection.categories[0]}"
ROOT = "http://127.0.0.1:8080"

pytestmark = pytest.mark.skipif(
    not (ARCHIVE / "full").is_dir(),
    reason="fixtures/archive/ not built (fixtures/build_archive.sh)",
)


def _build_archive() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_archive", REPO / "fixtures" /
                                                  "build_archive.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _latest_wikitext() -> dict[str, str]:
    with (REPO / "fixtures" / "wiki" / "lille.xml").open("rb") as fp:
        _, revisions = read_dump(fp)
        latest = {}
        for rev in sorted(revisions, key=lambda r: (r.timestamp, r.revid)):
            latest[rev.title] = rev.content
    return latest


WIKITEXT = _latest_wikitext()


def links_of(title: str) -> set[str]:
    """Fixture pages the latest wikitext of ``title`` links to."""
    code = mwparserfromhell.parse(WIKITEXT[title])
    found = {normalize_title(str(link.title).split("#")[0]) for link in code.filter_wikilinks()}
    return {t for t in found if t in WIKITEXT and t != title}


def crawl(server: ArchiveServer, store: Store, selection: Selection) -> FetchResult:
    source = ArchiveSource(server.url + "/", selection=selection, old_hosts=LILLE.site.old_hosts,
                           session=PoliteSession(Politeness(min_interval=0.0)))  # fmt: skip
    return source.fetch(store)


@pytest.fixture(scope="module")
def literal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``full/`` as a mirror of a MediaWiki that leaves ``'`` unescaped."""
    out = tmp_path_factory.mktemp("archive") / "literal"
    assert _build_archive().derive_literal(ARCHIVE / "full", out) == len(
        [p for p in (ARCHIVE / "full").rglob("*") if p.is_file()]
    )
    return out


@pytest.fixture
def mirror_copy(tmp_path: Path) -> Callable[[str], Path]:
    def copy(variant: str) -> Path:
        return Path(shutil.copytree(ARCHIVE / variant, tmp_path / variant))

    return copy


def without_category_pages(root: Path) -> Path:
    """The mirror as the live archive may be: no category page at all."""
    for page in (root / "wiki").glob("Cat%C3%A9gorie*"):
        page.unlink()
    return root


# -- the literal-apostrophe mirror: same revisions as the escaped one -------------------


def test_the_literal_variant_keeps_apostrophes_in_names_and_links(literal: Path) -> None:
    hub = literal / "wiki" / "Calendrier_de_l'assembl%C3%A9e_des_communs_de_Lille.html"
    assert hub.is_file()
    assert not list(literal.rglob("*%27*"))
    text = (literal / "wiki" / "Historique_de_l'assembl%C3%A9e_des_communs_lilloise.html"
            ).read_text(encoding="utf-8")  # fmt: skip
    assert "href=\"Construire_dans_l'action_l'assembl%25C3%25A9e_des_communs_4.html\"" in text
    assert "%27" not in text and "%2527" not in text


@pytest.mark.parametrize(
    "selection",
    [
        Selection(titles=(CALENDAR,), links=2),  # the hub, its links and its category
        replace(LILLE.selection, titles=(HISTORY,)),  # the Lille filters and depth
    ],
    ids=["calendar", "history-lille"],
)
def test_a_literal_mirror_gives_every_revision_the_escaped_one_gives(
    selection: Selection, literal: Path, archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path,
) -> None:  # fmt: skip
    results, revids = {}, {}
    for name, root in (("escaped", ARCHIVE / "full"), ("literal", literal)):
        server = archive_server(root)
        with Store.open(tmp_path / f"{name}.sqlite") as store:
            results[name] = result = crawl(server, store, selection)
            revids[name] = store.stored_revids(result.site)
            form = store.get_meta(f"archive:{result.site}:entry_form")
        assert result.missing == () and result.warnings == () and result.gaps_left == 0, name
        assert form == {"escaped": "file", "literal": "file_literal"}[name]
        if name == "literal":  # asked for with the apostrophe as the mirror writes it
            assert any("l'assembl" in r.target and r.status == 200 for r in server.requests())
    assert revids["literal"] == revids["escaped"]
    assert len(revids["literal"]) == sum(1 for _ in _all_revisions()) == 157
    assert set(results["literal"].titles) == set(results["escaped"].titles) == set(WIKITEXT)


def _all_revisions() -> list[int]:
    with (REPO / "fixtures" / "wiki" / "lille.xml").open("rb") as fp:
        _, revisions = read_dump(fp)
        return [r.revid for r in revisions]


def test_the_entry_form_is_learnt_and_tried_first(
    literal: Path, archive_server: Callable[[Path], ArchiveServer], tmp_path: Path
) -> None:
    server = archive_server(literal)
    with Store.open(tmp_path / "s.sqlite") as store:
        crawl(server, store, Selection(titles=(CALENDAR,)))
        first = [r for r in server.requests() if "action=" not in r.target
                 and "oldid=" not in r.target]  # fmt: skip
        # MediaWiki's own URL, the escaped file, then the literal one answers
        assert [r.status for r in first] == [404, 404, 200]
        hub = "/wiki/Calendrier_de_l'assembl%25C3%25A9e_des_communs_de_Lille.html"
        assert first[-1].target == hub
        server.clear_log()
        crawl(server, store, Selection(titles=(HISTORY,)))  # the next crawl starts there
        assert server.requests()[0].status == 200
        assert unquote(server.requests()[0].target).startswith("/wiki/Historique_de_l'")


def test_links_found_in_pages_come_before_built_urls(
    literal: Path, archive_server: Callable[[Path], ArchiveServer], tmp_path: Path
) -> None:
    server = archive_server(literal)
    with Store.open(tmp_path / "s.sqlite") as store:
        # the report has no apostrophe; it links the two hubs, asked for by those links
        result = crawl(server, store, Selection(titles=(BILAN, HISTORY, CALENDAR)))
    assert result.titles == (BILAN, HISTORY, CALENDAR)
    misses = [r.target for r in server.requests() if r.status == 404]
    assert misses == ["/wiki/Assembl%C3%A9e_des_Communs_de_Lille_-_Bilan_2015-2017"]


def test_a_link_in_the_other_scheme_is_asked_for_in_the_mirrors(
    mirror_copy: Callable[[str], Path], archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path,
) -> None:  # fmt: skip
    root = mirror_copy("nohistory")
    server = archive_server(root)
    page = root / "wiki" / "Assembl%C3%A9e_des_Communs_de_Lille_-_Bilan_2015-2017.html"
    https = server.url.replace("http://", "https://")
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace('href="Trombinoscope_de_Lille.html"',
                                 f'href="{https}/wiki/Trombinoscope_de_Lille.html"'),
                    encoding="utf-8")  # fmt: skip
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=(BILAN,), links=1))
    assert "Trombinoscope de Lille" in result.titles
    asked = [r for r in server.requests() if "Trombinoscope" in r.target]
    assert asked[0].target == "/wiki/Trombinoscope_de_Lille.html" and asked[0].status == 200


# -- seeds that do not exist ------------------------------------------------------------


@pytest.mark.parametrize("seeds", [(GUESS, BILAN, HISTORY), (BILAN, GUESS, HISTORY)])
def test_a_seed_that_does_not_exist_is_a_warning_not_the_end(
    seeds: tuple[str, ...], mirror_copy: Callable[[str], Path],
    archive_server: Callable[[Path], ArchiveServer], tmp_path: Path,
) -> None:  # fmt: skip
    server = archive_server(without_category_pages(mirror_copy("nohistory")))
    selection = replace(LILLE.selection, titles=seeds, categories=(), links=1)
    with Store.open(tmp_path / "with.sqlite") as store:
        result = crawl(server, store, selection)
        stored = {c.title: c for c in store.coverage(result.site)}
    with Store.open(tmp_path / "without.sqlite") as store:
        reference = crawl(server, store, replace(selection, titles=(BILAN, HISTORY)))
    assert result.missing == (GUESS,)
    assert len(result.warnings) == 1 and GUESS in result.warnings[0]
    assert stored[GUESS] == PageCoverage(GUESS, "missing", ())
    linked = {t for t in links_of(BILAN) | links_of(HISTORY) if Filter(selection).accepts(t)}
    assert linked and linked <= set(result.titles)
    assert set(result.titles) == set(reference.titles)
    assert result.revisions_new == reference.revisions_new
    # the missing seed costs one request per distinct URL form, nothing more
    tried = [r for r in server.requests() if "rencontres" in unquote(r.target)]
    assert len(tried) == len(entry_urls("", GUESS)) and {r.status for r in tried} == {404}


def test_the_lille_profile_starts_from_titles_known_to_exist() -> None:
    assert LILLE.selection.titles == (BILAN, HISTORY)  # the report first, then a hub seen
    assert LILLE.selection.links == 2  # report -> hubs -> events


# -- every page met has a status, in the result, the store and the coverage frame ------


@pytest.fixture
def reach(
    mirror_copy: Callable[[str], Path], archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path,
) -> tuple[FetchResult, Path, ArchiveServer]:  # fmt: skip
    """The report and a missing seed, one link deep, on a mirror that lost the
    Trombinoscope and keeps no category page."""
    root = without_category_pages(mirror_copy("nohistory"))
    (root / "wiki" / "Trombinoscope_de_Lille.html").rename(tmp_path / "trombinoscope.html")
    server = archive_server(root)
    selection = replace(LILLE.selection, titles=(BILAN, GUESS), categories=(), links=1)
    path = tmp_path / "s.sqlite"
    with Store.open(path) as store:
        result = crawl(server, store, selection)
    return result, path, server


def test_every_page_met_has_a_status_and_its_links(
    reach: tuple[FetchResult, Path, ArchiveServer],
) -> None:
    result, path, _ = reach
    met = {c.title: c for c in result.coverage}
    depth1 = links_of(BILAN)
    wanted = Filter(LILLE.selection)
    assert {t for t, c in met.items() if c.status == "fetched"} == {
        BILAN, *(t for t in depth1 if wanted.accepts(t) and t != "Trombinoscope de Lille")
    }  # fmt: skip
    assert met["Trombinoscope de Lille"].status == "missing"  # a 404, linked from the report
    assert BILAN in met["Trombinoscope de Lille"].linked_from
    assert met[GUESS] == PageCoverage(GUESS, "missing", ())
    documentation = "Documentation partagée de l'assemblée des communs de Lille"
    assert met[documentation] == PageCoverage(documentation, "skipped", (BILAN,))
    depth2 = {t for s in depth1 if met[s].status == "fetched" for t in links_of(s)} - set(met)
    assert depth2 == set()  # every page a fetched page links to is met
    found = {t for t, c in met.items() if c.status == "found"}
    assert "Journée de coworking 11 mai 2017" in found
    assert met["Journée de coworking 11 mai 2017"].linked_from == (CALENDAR,)
    assert Counter(c.status for c in result.coverage) == Counter(
        {"fetched": 11, "found": 24, "missing": 2, "skipped": 2}
    )
    with Store.open(path, readonly=True) as store:
        assert tuple(store.coverage(result.site)) == result.coverage


def test_the_offline_coverage_frame_shows_404s_and_skipped_pages(
    reach: tuple[FetchResult, Path, ArchiveServer],
) -> None:
    result, path, _ = reach
    with Store.open(path, readonly=True) as store:
        frame = snapshot_frames(Workbench(store, result.site, LILLE), None)["coverage"]
    status = dict(zip(frame["title"], frame["status"], strict=True))
    assert status["Trombinoscope de Lille"] == "missing"
    assert status[GUESS] == "missing"  # linked from no stored page: from the store's record
    assert status["Documentation partagée de l'assemblée des communs de Lille"] == "skipped"
    assert status["Journée de coworking 11 mai 2017"] == "found"
    assert status[BILAN] == "fetched"
    row = frame[frame["title"] == GUESS].iloc[0]
    assert row["linked_from"] == "" and row["n_links"] == 0
    assert set(frame["status"]) == {"fetched", "missing", "found", "skipped"}


def test_a_later_crawl_adds_to_what_the_store_knows(
    reach: tuple[FetchResult, Path, ArchiveServer], tmp_path: Path
) -> None:
    result, path, server = reach
    (tmp_path / "trombinoscope.html").rename(server.root / "wiki" / "Trombinoscope_de_Lille.html")
    with Store.open(path) as store:
        again = crawl(server, store, Selection(titles=("Trombinoscope de Lille",)))
        assert again.titles == ("Trombinoscope de Lille",)
        known = {c.title: c for c in store.coverage(result.site)}
    # fetched now, still linked from the report; the rest is as the first crawl left it
    assert known["Trombinoscope de Lille"].status == "fetched"
    assert BILAN in known["Trombinoscope de Lille"].linked_from
    assert {t: c.status for t, c in known.items() if t != "Trombinoscope de Lille"} == {
        c.title: c.status for c in result.coverage if c.title != "Trombinoscope de Lille"
    }


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        ("found", "fetched", "fetched"),
        ("fetched", "found", "fetched"),  # a later crawl that stopped short hides nothing
        ("fetched", "skipped", "fetched"),
        ("fetched", "missing", "missing"),  # the mirror lost it since
        ("missing", "found", "missing"),
        ("skipped", "found", "found"),
        ("found", "skipped", "found"),
    ],
)
def test_coverage_records_merge(old: str, new: str, status: str) -> None:
    merged = merge_coverage(PageCoverage("P", old, ("A",)), PageCoverage("P", new, ("B",)))  # type: ignore[arg-type]
    assert merged == PageCoverage("P", status, ("A", "B"))  # type: ignore[arg-type]


def test_the_fetch_summary_names_the_missing_seed_and_counts_the_pages_met(
    mirror_copy: Callable[[str], Path], archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    server = archive_server(without_category_pages(mirror_copy("nohistory")))
    code = main(["fetch", "--site", server.url + "/", "--source", "archive", "--cache",
                 str(tmp_path / "s.sqlite"), "--interval", "0", "--title", GUESS,
                 "--title", BILAN, "--links", "1"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert f"warning: seed {GUESS!r} is not in the mirror" in err
    assert re.search(r"pages met: \d+ fetched, \d+ found .*, 1 missing .*", err), err


# -- categories found on pages, sub-pages ------------------------------------------------


def test_categories_are_read_from_the_box_or_the_config() -> None:
    page = ARCHIVE / "full" / "wiki" / "Historique_de_l%27assembl%C3%A9e_des_communs_lilloise.html"
    text = page.read_text(encoding="utf-8")
    assert read_page(text, f"{ROOT}/wiki/x.html").categories == (CATEGORY,)
    no_config = text.replace('"wgCategories"', '"xxCategories"')
    assert read_page(no_config, f"{ROOT}/wiki/x.html").categories == (CATEGORY,)
    no_box = re.sub(r'<div id="catlinks".*?</div></div>', "", text, flags=re.S)
    assert 'id="catlinks"' not in no_box
    assert read_page(no_box, f"{ROOT}/wiki/x.html").categories == (CATEGORY,)


def test_members_of_a_found_category_join_through_the_filters(
    archive_server: Callable[[Path], ArchiveServer], tmp_path: Path
) -> None:
    server = archive_server(ARCHIVE / "full")
    selection = replace(LILLE.selection, titles=(HISTORY,), categories=(), links=1)
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, selection)
    met = {c.title: c for c in result.coverage}
    # in the category, linked from no page, and not a Lille title
    workshop = "Atelier Rédigeons ensemble la charte des pratiques"
    assert met[workshop] == PageCoverage(workshop, "skipped", (CATEGORY,))
    # only the category lists it: reached through it, as a sub-page of a Lille page
    sub = "Assemblée des Communs de Lille 2/10/19/Présences"
    assert not LILLE.selection.title_patterns or not any(
        re.search(p, sub) for p in LILLE.selection.title_patterns
    )
    assert met[sub].status == "fetched" and CATEGORY in met[sub].linked_from
    assert "Journée de coworking 11 mai 2017" in result.titles  # from the category, not links
    assert result.missing == ()


def test_a_mirror_without_category_pages_is_asked_a_few_times_only(
    mirror_copy: Callable[[str], Path], archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path,
) -> None:  # fmt: skip
    root = without_category_pages(mirror_copy("nohistory"))
    page = root / "wiki" / "Historique_de_l%27assembl%C3%A9e_des_communs_lilloise.html"
    names = [f"Rubrique {n}" for n in range(6)]
    page.write_text(page.read_text(encoding="utf-8").replace(
        '"wgCategories":["', '"wgCategories":[' + "".join(f'"{n}",' for n in names) + '"'
    ), encoding="utf-8")  # fmt: skip
    server = archive_server(root)
    with Store.open(tmp_path / "s.sqlite") as store:
        result = crawl(server, store, Selection(titles=(HISTORY,), links=1))
    asked = [r for r in server.requests() if "gorie" in unquote(r.target)]
    assert asked and {r.status for r in asked} == {404}
    assert len({unquote(r.target).split(":")[-1] for r in asked}) == CATEGORY_PROBES
    assert len(asked) == CATEGORY_PROBES  # in the form the mirror answers in, once each
    assert result.missing == () and len(result.titles) == 1 + len(links_of(HISTORY))


def test_sub_pages_follow_their_page() -> None:
    wanted = Filter(Selection(titles=("Seed",), title_patterns=("^ROUMICS 2017$",), links=1))
    assert wanted.accepts("ROUMICS 2017") and wanted.accepts("ROUMICS 2017/Notes")
    assert wanted.accepts("Seed/Présences") and wanted.accepts("Autre/Page", kept={"Autre"})
    assert not wanted.accepts("Autre/Page") and not wanted.accepts("ROUMICS 2018/Notes")
    assert not wanted.accepts("Utilisateur:ROUMICS 2017")
    assert Filter(Selection(titles=("Seed",))).accepts("Anything")  # no filter: every page


# -- pure parts: entry forms ----------------------------------------------------------------


def test_entry_forms_of_a_title_with_apostrophes() -> None:
    assert dict(entry_forms(ROOT, "L'é/Dé")) == {
        "article": f"{ROOT}/wiki/L%27%C3%A9/D%C3%A9",  # as MediaWiki links it
        "file": f"{ROOT}/wiki/L%2527%25C3%25A9/D%25C3%25A9.html",  # the name keeps %27
        "file_literal": f"{ROOT}/wiki/L'%25C3%25A9/D%25C3%25A9.html",
        "file_decoded": f"{ROOT}/wiki/L%27%C3%A9/D%C3%A9.html",  # the name is the title
        "index": f"{ROOT}/index.php@title=L%2527%25C3%25A9%252FD%25C3%25A9.html",
        "index_literal": f"{ROOT}/index.php@title=L'%25C3%25A9%252FD%25C3%25A9.html",
    }
    assert len(entry_urls(ROOT, "Réunion 2017")) == 4  # no "'": the literal forms are the same
    assert len(entry_urls(ROOT, "ROUMICS 2017")) == 3  # nothing escaped: one file name


def test_entry_forms_are_narrowed_by_each_answer() -> None:
    forms = EntryForms()
    plain, quoted = entry_forms(ROOT, "Réunion 2017"), entry_forms(ROOT, "L'a")
    assert forms.learn(dict(plain)["file"], plain) and forms.known == ("file", "file_literal")
    assert forms.order(quoted)[:2] == [dict(quoted)["file"], dict(quoted)["file_literal"]]
    assert forms.learn(dict(quoted)["file_literal"], quoted) and forms.known == ("file_literal",)
    assert not forms.learn(f"{ROOT}/elsewhere.html", quoted)  # a link of no built form
    # "/wiki/T" is answered with the file "wiki/T.html": URLs compare without ".html"
    assert forms.learn(dict(plain)["article"], plain)
    assert forms.known == ("article", "file_decoded")
    bare, learnt = entry_forms(ROOT, "ROUMICS 2017"), EntryForms()
    assert learnt.learn(dict(bare)["article"], bare)
    assert learnt.known == ("article", "file", "file_literal", "file_decoded")
    assert EntryForms.load(forms.dump()) == forms
    assert EntryForms.load("1").known == ("file",)  # a store of an earlier version
    assert EntryForms.load("nonsense").known == ()


# -- the store: the coverage table and its migration ------------------------------------------


def test_a_version_2_store_is_read_as_it_is_and_gains_the_table_when_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v2.sqlite"
    with Store.open(path) as store:
        store.record_coverage("w", [PageCoverage("A", "found", ("B",))])
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE coverage")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.close()
    with Store.open(path, readonly=True) as store:
        assert store.coverage("w") == [] and store.schema_problems() == []
    with Store.open(path) as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "3"
        store.record_coverage("w", [PageCoverage("A", "skipped", ("C",))])
        assert store.coverage("w") == [PageCoverage("A", "skipped", ("C",))]
        assert store.schema_problems() == []
