"""The fixture wiki itself: a sound MediaWiki export, every ARCHIVE.md form, reproducible.

These tests read fixtures/wiki/lille.xml with the standard library only (plus mwxml,
which the dump source relies on), never with wikibilan, so they hold whatever the
package does.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
EXPORT = FIXTURES / "wiki" / "lille.xml"
EXPECTED = FIXTURES / "expected"
MW = "{http://www.mediawiki.org/xml/export-0.11/}"
BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"


@dataclass(frozen=True)
class Rev:
    revid: int
    parentid: int | None
    timestamp: str
    username: str | None
    user_id: str | None
    ip: str | None
    comment: str | None
    text: str
    text_bytes: int
    sha1: str


@dataclass(frozen=True)
class Page:
    title: str
    ns: int
    page_id: int
    revs: list[Rev]


def _base36(hex_digest: str) -> str:
    n = int(hex_digest, 16)
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + out
    return out.rjust(31, "0")


def _text(elem: ET.Element, tag: str) -> str | None:
    child = elem.find(MW + tag)
    return None if child is None else (child.text or "")


@pytest.fixture(scope="module")
def root() -> ET.Element:
    return ET.parse(EXPORT).getroot()


@pytest.fixture(scope="module")
def pages(root: ET.Element) -> list[Page]:
    out = []
    for page in root.iter(MW + "page"):
        revs = []
        for rev in page.iter(MW + "revision"):
            contributor = rev.find(MW + "contributor")
            assert contributor is not None
            text = rev.find(MW + "text")
            assert text is not None
            parent = _text(rev, "parentid")
            revs.append(
                Rev(
                    revid=int(_text(rev, "id") or 0),
                    parentid=int(parent) if parent else None,
                    timestamp=_text(rev, "timestamp") or "",
                    username=_text(contributor, "username"),
                    user_id=_text(contributor, "id"),
                    ip=_text(contributor, "ip"),
                    comment=_text(rev, "comment"),
                    text=text.text or "",
                    text_bytes=int(text.get("bytes", "-1")),
                    sha1=_text(rev, "sha1") or "",
                )
            )
        out.append(
            Page(
                _text(page, "title") or "",
                int(_text(page, "ns") or -1),
                int(_text(page, "id") or 0),
                revs,
            )
        )
    return out


@pytest.fixture(scope="module")
def latest_texts(pages: list[Page]) -> dict[str, str]:
    return {p.title: p.revs[-1].text for p in pages}


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_wiki", FIXTURES / "build_wiki.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_wiki"] = module
    spec.loader.exec_module(module)
    return module


def test_export_is_schema_0_11(root: ET.Element) -> None:
    assert root.tag == MW + "mediawiki"
    assert root.get("version") == "0.11"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    site = root.find(MW + "siteinfo")
    assert site is not None
    assert _text(site, "sitename") == "Wiki des communs"
    assert _text(site, "dbname")
    assert _text(site, "base") == "https://wiki.lescommuns.org/wiki/Accueil"
    assert _text(site, "generator") == "MediaWiki 1.39.17"
    assert _text(site, "case") == "first-letter"
    keys = {ns.get("key"): ns.text for ns in site.iter(MW + "namespace")}
    assert keys["0"] is None and keys["14"] == "Catégorie"


def test_every_revision_is_complete(pages: list[Page], root: ET.Element) -> None:
    order = ["id", "parentid", "timestamp", "contributor", "minor", "comment", "model"]
    order += ["format", "text", "sha1"]
    for rev in root.iter(MW + "revision"):
        tags = [child.tag.removeprefix(MW) for child in rev]
        assert tags == [t for t in order if t in tags], tags
        assert {"id", "timestamp", "contributor", "model", "format", "text", "sha1"} <= set(tags)
        assert _text(rev, "model") == "wikitext" and _text(rev, "format") == "text/x-wiki"
        text = rev.find(MW + "text")
        assert text is not None
        assert text.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert all(p.ns == 0 and p.title and p.revs for p in pages)


def test_ids_are_unique(pages: list[Page]) -> None:
    page_ids = [p.page_id for p in pages]
    revids = [r.revid for p in pages for r in p.revs]
    assert len(set(page_ids)) == len(page_ids)
    assert len(set(revids)) == len(revids)
    assert len({p.title for p in pages}) == len(pages)


def test_parent_chains_are_consistent(pages: list[Page]) -> None:
    for page in pages:
        assert page.revs[0].parentid is None, page.title
        for before, after in zip(page.revs, page.revs[1:], strict=False):
            assert after.parentid == before.revid, page.title
            assert after.timestamp > before.timestamp, page.title
            assert after.text != before.text, f"{page.title}: empty edit {after.revid}"


def test_revids_grow_with_timestamps(pages: list[Page]) -> None:
    revs = sorted((r for p in pages for r in p.revs), key=lambda r: r.timestamp)
    ids = [r.revid for r in revs]
    assert ids == sorted(ids) and len(set(r.timestamp for r in revs)) == len(revs)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.timestamp) for r in revs)


def test_sha1_and_bytes_match_the_text(pages: list[Page]) -> None:
    for page in pages:
        for rev in page.revs:
            data = rev.text.encode("utf-8")
            assert rev.text_bytes == len(data), rev.revid
            assert rev.sha1 == _base36(hashlib.sha1(data).hexdigest()), rev.revid
            assert len(rev.sha1) == 31


def test_contributors_are_users_or_ips(pages: list[Page]) -> None:
    revs = [r for p in pages for r in p.revs]
    for rev in revs:
        assert (rev.username is not None and rev.user_id is not None) != (rev.ip is not None)
    assert any(r.ip and ":" in r.ip for r in revs), "an IPv6 editor"
    assert any(r.ip and "." in r.ip for r in revs), "an IPv4 editor"
    assert any(r.username and " " in r.username for r in revs), "a user name with a space"
    assert any(r.comment and r.comment.startswith("/* ") for r in revs)


def test_bilan_history_matches_the_archive(pages: list[Page]) -> None:
    bilan = next(p for p in pages if p.title == BILAN)
    by_id = {r.revid: r for r in bilan.revs}
    assert {22806, 22917, 22921} <= set(by_id)
    assert by_id[22917].timestamp.startswith("2017-11-30T14:0")
    assert by_id[22921].timestamp == "2017-11-30T14:40:00Z"
    assert bilan.revs[-1].revid == 22921, "no bilan revision after 30 Nov 2017 15:40 Paris"
    assert "==Origine==\n* Novembre 2015 : " in by_id[22806].text
    assert "33 temps forts" in by_id[22806].text
    for revid in (22917, 22921):
        lines = by_id[revid].text.split("\n")
        assert lines[298] == "*TOTAL = 1022,66€"
    assert by_id[22917].text.split("\n")[300] == "'''Solde : 977,34€''' (env. 720€)"
    assert by_id[22921].text.split("\n")[299:304] == [
        "",
        "",
        "'''Solde : 977,34€'''",
        "",
        "==Perspectives==",
    ]
    assert "(env. 720€)" not in by_id[22921].text
    seed_lines = (
        "A ce jour 3 décisions ont été prises via le Loomio :",
        "Soit un total de 34 temps forts sur 24 mois",
        "avec une moyenne de 13,5 participant⋅e⋅s par réunion (de 3 au démarrage à 21 au plus).",
        "* 48h de la contribution (mars 2017) : 743,46€",
    )
    assert all(line in by_id[22921].text.split("\n") for line in seed_lines)


def test_every_page_kind_is_present(pages: list[Page], builder: ModuleType) -> None:
    kinds = {builder.page_kind(p.title) for p in pages}
    assert kinds >= {
        "bilan",
        "history",
        "calendar",
        "workshop_list",
        "initiation",
        "trombinoscope",
        "founding_meeting",
        "assembly",
        "contribution_48h",
        "subpage",
        "roumics",
        "workshop",
        "coworking",
        "governance",
        "other",
    }
    events = [p for p in pages if builder.page_kind(p.title) in builder.EVENT_KINDS]
    assert len(events) >= 20


DATE_FORMS = {
    "dd/mm/yyyy report": r"Compte-rendu de la rencontre du 28/01/2016",
    "slipped year": r"Compte-rendu de la rencontre du 28/01/2015",
    "no year": r"\ble 21 Juillet\b",
    "weekday, no year": r"Jeudi 18 août de 12h à 16h",
    "weekday and hours": r"Jeudi 27 octobre 2016 12h à 16h",
    "two days": r"Vendredi 17 & Samedi 18 Novembre 2017",
    "range": r"\b21 au 23 mars 2017\b",
    "weekday, no year, under Rendez-vous": r"^== Rendez-vous ==\nLe Lundi 21 Janvier entre 17h",
    "capitalised weekday and month": r"^Mardi 5 Février 2019 de 18h",
    "first line dating a visit": r"\ALa visite a eu lieu le jeudi 6 octobre 2016",
    "dated session bullets and headings": r"^\* Le 24 mai 2016 à 14h[^\n]*\n\* Le 14 juin 2016",
    "session heading without year": r"^== Session du 24 mai ==$",
}
ATTENDANCE_FORMS = {
    "planned heading": r"^== Qui a prévu de venir \? ==$",
    "planned couple with &": r"^\* \w+ & \w+ \w+$",
    "planned couple with et": r"^\* \w+ et \w+$",
    "planned note": r"^\* .+ \(à confirmer\)$",
    "introductions": r"^== Présentations ==$",
    "trombinoscope pointer": r"^(\* )?.*\[\[Trombinoscope de Lille",
    "full name : description": r"^\* \w[\w-]* \w+ : ",
    "participant-es": r"^== Participant-es ==$",
    "présent-e-s": r"^== Présent-e-s ==$",
    "présent.e.s": r"^== Présent\.e\.s ==$",
    "description sub-bullets": r"^\*\* ",
    "ils sont là": r"^== Ils sont là ==$",
    "first name : description": r"^\* \w+ : ",
    "round table": r"^== Tour de table ==$",
    "first name / description": r"^\* \w+ / ",
    "inline": r"^Présents : \w+(, \w+){3,}$",
    "interested": r"^== Personnes ayant manifesté de l'intérêt",
    "first name and initial": r"^\* \w+ [A-Z]\.$",
    "count: présentes": r"\b10 personnes présentes\b",
    "count: passées": r"\b21 personnes sont passées\b",
    "count: vingtaine": r"une bonne vingtaine de participants",
    "count: partial in a timeline": r"^\* 12h30 : .*\(8 personnes présentes\)$",
    "count: explicit total": r"^En tout, 14 personnes sont passées",
    "workshop in a timeline": r"^\* 14h : un atelier « [^»]+ » animé par ",
    "interest in a relaunch": r"^== Personnes ayant manifesté de l'intérêt pour une relance",
    "inline with et": r"^Présents : \w+(, [\w. ]+)+ et \w+$",
    "who was there": r"^== Qui était là \? ==$",
    "round table of news": r"^== Tour de table ==\n\* Nouveau ",
    "unlabelled place": r"^Samedi 8 juillet 2017, à partir de 12h, au parc de la Citadelle$",
}


@pytest.mark.parametrize("form", sorted({**DATE_FORMS, **ATTENDANCE_FORMS}))
def test_every_archive_form_is_written(form: str, latest_texts: dict[str, str]) -> None:
    pattern = re.compile({**DATE_FORMS, **ATTENDANCE_FORMS}[form], re.MULTILINE)
    assert any(pattern.search(text) for text in latest_texts.values()), form


@pytest.mark.parametrize(
    "title",
    ["Assemblée des Communs de Lille 2/10/19", "Fabrique Assemblée des Communs de Lille 6/11/19"],
)
def test_date_only_in_the_title(title: str, latest_texts: dict[str, str]) -> None:
    assert title in latest_texts
    assert not re.search(r"\d{4}|\d+/\d+", latest_texts[title])


def test_a_subpage_of_a_dated_page(latest_texts: dict[str, str]) -> None:
    parent = "Assemblée des Communs de Lille 2/10/19"
    assert parent in latest_texts and f"{parent}/Présences" in latest_texts
    assert "\n== Présent-e-s ==\n" in latest_texts[f"{parent}/Présences"]


def test_expected_revisions_describe_the_export(pages: list[Page]) -> None:
    with open(EXPECTED / "revisions.csv", encoding="utf-8", newline="") as fp:
        rows = {int(r["revid"]): r for r in csv.DictReader(fp)}
    revs = {r.revid: (p, r) for p in pages for r in p.revs}
    assert set(rows) == set(revs)
    for revid, (page, rev) in revs.items():
        row = rows[revid]
        assert row["title"] == page.title and int(row["page_id"]) == page.page_id
        assert row["sha1"] == hashlib.sha1(rev.text.encode("utf-8")).hexdigest()
        assert int(row["size"]) == rev.text_bytes
        assert row["timestamp"] == rev.timestamp
        assert row["user"] == (rev.username or rev.ip)


def test_mwxml_reads_the_export(pages: list[Page]) -> None:
    mwxml = pytest.importorskip("mwxml")
    with open(EXPORT, "rb") as fp:
        dump = mwxml.Dump.from_file(fp)
        seen = [(page.title, rev.id, rev.sha1) for page in dump for rev in page]
    assert seen == [(p.title, r.revid, r.sha1) for p in pages for r in p.revs]


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(FIXTURES / "build_wiki.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert made, "the generator wrote nothing"
    for relative in made:
        committed = FIXTURES / relative
        assert committed.exists(), f"{relative} is generated but not committed"
        assert (tmp_path / relative).read_bytes() == committed.read_bytes(), (
            f"{relative} differs: run `make fixtures`"
        )
    committed_expected = {p.relative_to(FIXTURES) for p in EXPECTED.glob("*.csv")}
    assert committed_expected <= set(made), "a committed expected file is no longer generated"
