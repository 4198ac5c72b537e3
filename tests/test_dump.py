"""MediaWiki XML exports: reading, importing, writing, and refusing hostile files."""

from __future__ import annotations

import bz2
import gzip
import io
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from wikibilan.errors import HostileInputError, InputError, UsageError
from wikibilan.model import Revision, Site, sha1_from_base36, sha1_hex
from wikibilan.sources.dump import (
    ImportResult,
    _Stream,
    _xml_events,
    export_store,
    import_dump,
    read_dump,
    write_export,
)
from wikibilan.store import Store

DATA = Path(__file__).parent / "data"
# Debian's mediawiki package ships the schema gzipped under /usr/share/doc.
XSD = Path(
    os.environ.get("WIKIBILAN_EXPORT_XSD", "/usr/share/doc/mediawiki/docs/export-0.11.xsd.gz")
)
EXAMPLE = "wiki.example.org"


def read(name: str) -> tuple[Site, list[Revision]]:
    with (DATA / name).open("rb") as fp:
        site, revisions = read_dump(fp)
        return site, list(revisions)


def import_file(store: Store, path: Path, **kwargs: object) -> ImportResult:
    with path.open("rb") as fp:
        return import_dump(fp, store, **kwargs)  # type: ignore[arg-type]


def snapshot(store: Store) -> tuple[list[Site], list[Revision]]:
    return store.sites(), list(store.iter_revisions())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "store.sqlite") as s:
        yield s


# -- reading ---------------------------------------------------------------------


def test_read_schema_0_10() -> None:
    site, revs = read("dump-0.10.xml")
    assert site == Site(
        key=EXAMPLE,
        base_url="https://wiki.example.org/wiki/Accueil",
        name="Wiki des communs (test)",
        lang="fr",
        article_url="https://wiki.example.org/wiki/$1",
    )
    summary = [
        (r.page_id, r.title, r.namespace, r.revid, r.parentid, r.user, r.user_is_ip, r.comment,
         r.minor)
        for r in revs
    ]  # fmt: skip
    assert summary == [
        (101, "Réunion du 5 janvier 2016", 0, 1001, None, "Marie Dupont", False,
         "Création de la page", False),
        (101, "Réunion du 5 janvier 2016", 0, 1002, 1001, "192.0.2.44", True,
         "ajout des présents", True),
        (101, "Réunion du 5 janvier 2016", 0, 1005, 1002, "Jean Martin", False, None, False),
        (102, "Catégorie:Lille", 14, 1003, None, "2001:DB8:0:0:0:0:0:7", True, "catégorie", False),
    ]  # fmt: skip
    first, second, third, category = revs
    assert first.timestamp == datetime(2016, 1, 4, 18, 30, tzinfo=UTC)
    assert first.content.startswith("Réunion le mardi 5 janvier 2016 à 18h30.\n\n== Qui a")
    assert first.sha1 == sha1_from_base36("8w8kbfh4kctz2e6xn9q8koh6ujrwbq2") == first.content_sha1
    # <sha1/> empty (1002) and no <sha1> at all (1005): computed from the text
    assert second.sha1 == second.content_sha1 and third.sha1 == third.content_sha1
    assert "Maison des associations & de la solidarité" in third.content
    assert third.content.endswith("Dépenses : 12 € < budget")
    assert {r.source for r in revs} == {"dump"} and {r.content_model for r in revs} == {"wikitext"}
    assert category.size == len(category.content.encode()) == 43


def test_read_schema_0_11() -> None:
    site, revs = read("dump-0.11.xml")
    assert site.key == "127.0.0.1:8080" and site.name == "Wiki local"
    assert [(r.revid, r.parentid, r.user, r.user_is_ip, r.minor) for r in revs] == [
        (50, None, "Paul Lefèvre", False, False),
        (51, 50, "203.0.113.9", True, True),
        (40, None, "Awa Koné", False, False),
    ]
    assert revs[1].comment == "typo" and revs[2].comment is None
    assert revs[1].content.endswith("* TOTAL = 1022,66 €")
    assert all(r.sha1 == r.content_sha1 for r in revs)  # 40 has no sha1: computed


def test_read_wikiteam_one_revision_per_page() -> None:
    _, revs = read("dump-wikiteam.xml")
    assert [(r.page_id, r.revid) for r in revs] == [
        (201, 2001),
        (201, 2004),
        (202, 2005),
        (201, 2009),
    ]
    assert revs[1].user_is_ip and revs[1].comment is None


def test_import_wikiteam_merges_pages(store: Store) -> None:
    result = import_file(store, DATA / "dump-wikiteam.xml")
    assert result == ImportResult(pages=2, revisions_read=4, revisions_new=4)
    assert [r.revid for r in store.revisions(EXAMPLE, 201)] == [2001, 2004, 2009]
    assert [(p.title, p.n_revisions) for p in store.pages(EXAMPLE)] == [
        ("Journée de coworking du 12 décembre 2015", 1),
        ("Trombinoscope de Lille", 3),
    ]


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress])
def test_read_compressed(compress: object) -> None:
    raw = (DATA / "dump-0.11.xml").read_bytes()
    site, revs = read_dump(io.BytesIO(compress(raw)))  # type: ignore[operator]
    assert (site, list(revs)) == read("dump-0.11.xml")


def test_read_is_lazy() -> None:
    fp = (DATA / "dump-0.10.xml").open("rb")
    with fp:
        site, revs = read_dump(fp)
        assert site.key == EXAMPLE
        assert next(revs).revid == 1001


# -- refusing --------------------------------------------------------------------

HOSTILE = {
    "internal subset": b'<?xml version="1.0"?>\n<!DOCTYPE mediawiki [<!ENTITY a "b">]>\n'
    b'<mediawiki xml:lang="fr" version="0.11"/>',
    "external DTD": b'<!DOCTYPE mediawiki SYSTEM "http://127.0.0.1:9/evil.dtd"><mediawiki/>',
    "doctype after comment": b"<!-- hi -->\n<!doctype mediawiki><mediawiki/>",
    "utf-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE m [<!ENTITY x "y">]><m/>'.encode(
        "utf-16"
    ),
    "utf-7 smuggling": b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE m+AD4-<m/>',
}


@pytest.mark.parametrize("name", ["dump-billion-laughs.xml", "dump-external-entity.xml"])
def test_hostile_files_change_nothing(store: Store, name: str) -> None:
    import_file(store, DATA / "dump-0.10.xml")
    before = snapshot(store)
    with pytest.raises(HostileInputError, match="Refused"):
        import_file(store, DATA / name)
    assert snapshot(store) == before
    assert "bomb.example.org" not in {s.key for s in store.sites()}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_prologs(store: Store, name: str) -> None:
    with pytest.raises(HostileInputError):
        import_dump(io.BytesIO(HOSTILE[name]), store)
    assert snapshot(store) == ([], [])


def test_parser_itself_expands_no_entity() -> None:
    """Second line of defence: even past the prolog scan, entities stay unexpanded."""
    for name in ["dump-billion-laughs.xml", "dump-external-entity.xml"]:
        stream = _Stream((DATA / name).read_bytes(), io.BytesIO())
        texts = []
        with pytest.raises(etree.XMLSyntaxError) if "laughs" in name else nullcontext():
            for event, element in _xml_events(stream):
                if event == "end" and etree.QName(element).localname == "text":
                    texts.append(element.text)
        assert all("lol" not in (t or "") and "root:" not in (t or "") for t in texts)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty or not XML"),
        (b"hello, world\n", "not XML"),
        (b"PK\x03\x04 zip", "not XML"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", "7-Zip"),
        ((DATA / "dump-not-mediawiki.xml").read_bytes(), "not a MediaWiki export"),
        (b"<mediawiki><siteinfo><sitename>x</sitename></siteinfo></mediawiki>", "<base>"),
        (b"<mediawiki><page><title>x</title></page></mediawiki>", "malformed"),
    ],
)
def test_not_an_export(store: Store, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        import_dump(io.BytesIO(data), store)
    assert not isinstance(info.value, HostileInputError)
    assert snapshot(store) == ([], [])


def test_truncated_file(store: Store) -> None:
    with pytest.raises(InputError, match=r"truncated near line 94") as info:
        import_file(store, DATA / "dump-truncated.xml", batch_revisions=2)
    # the first batch (1001, 1002) was committed; the batch in progress was not
    assert "The 2 revisions of the batches committed" in str(info.value)
    assert store.stored_revids(EXAMPLE) == {1001, 1002}
    assert import_file(store, DATA / "dump-0.10.xml").revisions_new == 2
    assert store.count_revisions() == 4


class _Trickle(io.BytesIO):
    """A file that hands out at most ``limit`` bytes per read, as a slow pipe would."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.limit:
            size = self.limit
        return super().read(size)


# Where the parser notices the fault depends on how much it has buffered: a 1-byte
# reader finds it while iterating, a reader that gives the whole file at once finds
# it before the first revision. The message must be the same.
@pytest.mark.parametrize("limit", [1, 7, 4096, 1 << 16, 1 << 24])
def test_malformed_in_the_middle(store: Store, limit: int) -> None:
    text = (DATA / "dump-0.11.xml").read_text(encoding="utf-8")
    broken = text.replace("<comment>typo</comment>", "<comment>typo</commment>")
    with pytest.raises(InputError, match=r"near line 4\d, column") as info:
        import_dump(_Trickle(broken.encode(), limit), store)
    assert "Nothing was stored" in str(info.value)
    assert store.count_revisions() == 0


# -- importing -------------------------------------------------------------------


def test_import_twice_changes_nothing(store: Store) -> None:
    first = import_file(store, DATA / "dump-0.10.xml")
    assert first == ImportResult(pages=2, revisions_read=4, revisions_new=4)
    before = snapshot(store)
    again = import_file(store, DATA / "dump-0.10.xml")
    assert again == ImportResult(pages=2, revisions_read=4, revisions_new=0)
    assert snapshot(store) == before


def test_import_keeps_a_known_site_record(store: Store) -> None:
    known = Site(key=EXAMPLE, base_url="https://wiki.example.org", name="From the API")
    store.upsert_site(known)
    import_file(store, DATA / "dump-0.10.xml")
    assert store.sites() == [known]


def test_batch_size_must_be_positive(store: Store) -> None:
    with pytest.raises(UsageError):
        import_file(store, DATA / "dump-0.10.xml", batch_revisions=0)


# -- writing ---------------------------------------------------------------------


def export_bytes(store: Store, key: str) -> bytes:
    out = io.BytesIO()
    export_store(store, key, out)
    return out.getvalue()


def test_round_trip_import_export_import(tmp_path: Path, store: Store) -> None:
    for name in ["dump-0.10.xml", "dump-0.11.xml", "dump-wikiteam.xml"]:
        import_file(store, DATA / name)
    with Store.open(tmp_path / "fresh.sqlite") as fresh:
        for site in store.sites():
            exported = export_bytes(store, site.key)
            result = import_dump(io.BytesIO(exported), fresh)
            assert result.revisions_new == store.count_revisions(site.key)
            # exporting the fresh store again gives the same bytes
            assert export_bytes(fresh, site.key) == exported
        assert list(fresh.iter_revisions()) == list(store.iter_revisions())
        assert fresh.sites() == store.sites()


def test_export_structure(store: Store) -> None:
    import_file(store, DATA / "dump-0.10.xml")
    root = etree.fromstring(export_bytes(store, EXAMPLE))
    ns = {"mw": "http://www.mediawiki.org/xml/export-0.11/"}
    assert root.get("version") == "0.11"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext("mw:siteinfo/mw:base", namespaces=ns) == (
        "https://wiki.example.org/wiki/Accueil"
    )
    names = {n.get("key"): n.text for n in root.iterfind(".//mw:namespace", ns)}
    assert names["14"] == "Catégorie" and names["4"] == "Wiki des communs (test)"
    pages = root.findall("mw:page", ns)
    assert [p.findtext("mw:title", namespaces=ns) for p in pages] == [
        "Réunion du 5 janvier 2016",
        "Catégorie:Lille",
    ]
    revs = pages[0].findall("mw:revision", ns)
    assert [r.findtext("mw:id", namespaces=ns) for r in revs] == ["1001", "1002", "1005"]
    assert revs[1].findtext("mw:contributor/mw:ip", namespaces=ns) == "192.0.2.44"
    assert revs[1].find("mw:minor", ns) is not None
    assert revs[0].findtext("mw:contributor/mw:username", namespaces=ns) == "Marie Dupont"
    text = revs[2].find("mw:text", ns)
    assert text is not None
    assert text.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert int(text.get("bytes") or 0) == len((text.text or "").encode())
    assert sha1_from_base36(revs[2].findtext("mw:sha1", namespaces=ns) or "") == sha1_hex(
        text.text or ""
    )


def test_export_validates_against_the_mediawiki_schema(store: Store) -> None:
    import_file(store, DATA / "dump-0.10.xml")
    exported = export_bytes(store, EXAMPLE)
    if not XSD.is_file():
        if os.environ.get("WIKIBILAN_REQUIRE_MEDIAWIKI") == "1":
            pytest.fail(f"{XSD} is absent although WIKIBILAN_REQUIRE_MEDIAWIKI=1")
        pytest.skip(f"{XSD} is absent (Debian's mediawiki package installs it)")
    import gzip

    raw = gzip.decompress(XSD.read_bytes()) if XSD.suffix == ".gz" else XSD.read_bytes()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_XmlNamespaceSchema())
    schema = etree.XMLSchema(etree.fromstring(raw, parser))
    document = etree.fromstring(exported)
    assert schema.validate(document), schema.error_log


class _XmlNamespaceSchema(etree.Resolver):
    """Serve a minimal xml.xsd offline (the MediaWiki schema imports it from w3.org)."""

    XSD = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
        targetNamespace="http://www.w3.org/XML/1998/namespace">
      <xs:attribute name="lang" type="xs:string"/>
      <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName">
        <xs:enumeration value="default"/><xs:enumeration value="preserve"/>
      </xs:restriction></xs:simpleType></xs:attribute>
      <xs:attribute name="base" type="xs:anyURI"/>
      <xs:attribute name="id" type="xs:ID"/>
    </xs:schema>"""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url.endswith("/xml.xsd"):
            return self.resolve_string(self.XSD, context)
        return None


def test_write_export_edge_cases() -> None:
    site = Site(key="w.example", base_url="https://w.example/wiki/Main", name="", lang="en",
                article_url="https://w.example/wiki/$1")  # fmt: skip
    when = datetime(2020, 5, 4, 3, 2, 1, tzinfo=UTC)
    revs = [
        Revision(site="w.example", page_id=1, title="A & <B>", revid=1, parentid=None,
                 timestamp=when, user=None, comment=None, content="")
        ,
        Revision(site="w.example", page_id=1, title="A & <B>", revid=2, parentid=1,
                 timestamp=when + timedelta(seconds=1), user="10.0.0.1", user_is_ip=True,
                 comment='"quoted" ]]> \t tab', content="line\r\nnext\r\t]]>&amp;", minor=True),
        Revision(site="w.example", page_id=9, title="Help:Aide", revid=5, parentid=None,
                 timestamp=when, user="Zoé", comment="x", content="h", namespace=12),
    ]  # fmt: skip
    out = io.BytesIO()
    assert write_export(site, revs, out) == 3
    back_site, back = read_dump(io.BytesIO(out.getvalue()))
    assert back_site == site
    assert [replace_sha1(r) for r in back] == [replace_sha1(r) for r in revs]
    with pytest.raises(ValueError, match="belongs to"):
        write_export(site, [Revision("x", 1, "T", 1, None, when, None, None, "")], io.BytesIO())


def replace_sha1(r: Revision) -> tuple[object, ...]:
    """Every field, with the sha1 the dump reader computes when the source had none."""
    return (r.site, r.page_id, r.title, r.revid, r.parentid, r.timestamp, r.user, r.comment,
            r.content, r.content_model, r.sha1 or r.content_sha1, r.namespace, r.user_is_ip,
            r.minor)  # fmt: skip


def test_export_empty_site_and_unknown_site(store: Store) -> None:
    store.upsert_site(Site(key="empty.example", base_url="https://empty.example/"))
    assert export_store(store, "empty.example", io.BytesIO()) == 0
    with pytest.raises(UsageError, match="no site 'nope'"):
        export_store(store, "nope", io.BytesIO())


# -- interrupted imports ---------------------------------------------------------


def synthetic_dump(path: Path, n_pages: int, per_page: int) -> list[Revision]:
    """Write a generated export (n_pages × per_page revisions) and return its revisions."""
    site = Site(key="gen.example", base_url="https://gen.example/wiki/Accueil", name="Gen")
    start = datetime(2015, 11, 1, tzinfo=UTC)
    revs: list[Revision] = []
    for p in range(1, n_pages + 1):
        text = ""
        for k in range(per_page):
            revid = 10_000 + k * n_pages + p  # interleaved over time, like a real wiki
            text += f"* ligne {k} de la page {p} — é\n"
            revs.append(
                Revision(
                    site=site.key, page_id=p, title=f"Page générée {p:04d}", revid=revid,
                    parentid=revs[-1].revid if k else None,
                    timestamp=start + timedelta(hours=revid - 10_000),
                    user=f"192.0.2.{p % 250}" if k % 7 == 3 else f"Contributeur {p % 13}",
                    user_is_ip=k % 7 == 3, comment=f"modif {k}" if k % 3 else None,
                    content=text, sha1=sha1_hex(text), minor=k % 5 == 4,
                )
            )  # fmt: skip
    with path.open("wb") as fp:
        write_export(site, revs, fp)
    return revs


def test_interrupted_by_the_progress_callback(tmp_path: Path, store: Store) -> None:
    dump = tmp_path / "gen.xml"
    revs = synthetic_dump(dump, n_pages=5, per_page=10)
    calls: list[int] = []

    def stop_after_three(n: int) -> None:
        calls.append(n)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(store, dump, batch_revisions=10, progress=stop_after_three)
    assert calls == [10, 10, 10]
    assert store.stored_revids("gen.example") == {r.revid for r in revs[:30]}
    result = import_file(store, dump, batch_revisions=10)
    assert result == ImportResult(pages=5, revisions_read=50, revisions_new=20)
    assert list(store.iter_revisions("gen.example")) == sorted(
        revs, key=lambda r: (r.page_id, r.timestamp, r.revid)
    )


_CHILD = """
import sys, time
from wikibilan.sources.dump import import_dump
from wikibilan.store import Store

def progress(n):
    print(n, flush=True)
    time.sleep(0.03)

with Store.open(sys.argv[1]) as store, open(sys.argv[2], "rb") as fp:
    import_dump(fp, store, batch_revisions=100, progress=progress)
print("done", flush=True)
"""


def test_killed_import_resumes(tmp_path: Path) -> None:
    dump = tmp_path / "gen.xml"
    revs = synthetic_dump(dump, n_pages=60, per_page=50)  # 3000 revisions
    path = tmp_path / "killed.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(dump)],
        stdout=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert child.stdout is not None
    lines = [child.stdout.readline() for _ in range(5)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL and lines == ["100\n"] * 5

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()
    by_id = {r.revid: r for r in revs}
    with Store.open(path) as store:
        stored = list(store.iter_revisions("gen.example"))
        assert 500 <= len(stored) < 3000 and len(stored) % 100 == 0  # whole batches only
        assert all(r == by_id[r.revid] for r in stored)
        result = import_file(store, dump)
        assert result.revisions_new == 3000 - len(stored)
        assert list(store.iter_revisions("gen.example")) == sorted(
            revs, key=lambda r: (r.page_id, r.timestamp, r.revid)
        )
