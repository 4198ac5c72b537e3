"""Missing pages are missing data, never a false figure (issue 15: coverage-aware verdicts).

Pages the calendar hub links to are left out of the store; every verdict must stay
what it was or become ``incomplete``, and the incomplete ones name the missing pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from wikibilan import library
from wikibilan.model import Revision
from wikibilan.sources.dump import read_dump
from wikibilan.store import Store

LILLE_XML = Path(__file__).resolve().parents[1] / "fixtures" / "wiki" / "lille.xml"
HUB = "Calendrier de l'assemblée des communs de Lille"
DEFINITIVE = {"reproduced", "approximately", "contradicted"}
LINK = re.compile(r"\[\[([^\]|#]+)")


def _store(path: Path, keep: list[Revision], site: object) -> Path:
    with Store.open(path) as store:
        store.upsert_site(site)  # type: ignore[arg-type]
        store.add_revisions(keep)
    return path


@pytest.fixture(scope="module")
def checks(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    tmp = tmp_path_factory.mktemp("coverage")
    with LILLE_XML.open("rb") as fp:
        site, revisions = read_dump(fp)
        revs = list(revisions)
    hub = max((r for r in revs if r.title == HUB), key=lambda r: r.timestamp)
    linked = [t.strip() for t in LINK.findall(hub.content)]
    titles = {r.title for r in revs}
    # six pages the hub links to: meetings, coworking days, an assembly
    removed = [t for t in linked if t in titles][:6]
    assert len(removed) == 6
    full = _store(tmp / "full.sqlite", revs, site)
    partial = _store(tmp / "partial.sqlite", [r for r in revs if r.title not in removed], site)
    return library.check(full), library.check(partial), removed


def test_no_verdict_turns_into_another_definitive_one(
    checks: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    full, partial, _ = checks
    before = dict(zip(full["claim_id"], full["verdict"], strict=True))
    after = dict(zip(partial["claim_id"], partial["verdict"], strict=True))
    assert before.keys() == after.keys()
    changed = {c: (before[c], after[c]) for c in before if before[c] != after[c]}
    assert changed, "removing six linked pages must change some verdicts"
    for claim_id, (was, now) in changed.items():
        assert now == "incomplete", (claim_id, was, now)
        assert was in DEFINITIVE | {"not_checkable"}


def test_incomplete_checks_name_the_missing_pages(
    checks: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    _, partial, removed = checks
    incomplete = partial[partial["verdict"] == "incomplete"]
    assert {"temps_forts", "mean_participants"} <= set(incomplete["claim_id"])
    for method in incomplete["method"]:
        assert "linked but not in the store" in method
        assert any(title in method for title in removed)


def test_the_full_fixture_has_no_incomplete_verdict(
    checks: tuple[pd.DataFrame, pd.DataFrame, list[str]],
) -> None:
    full, _, _ = checks
    assert "incomplete" not in set(full["verdict"])


def test_the_report_says_which_pages_each_check_lacks(tmp_path: Path) -> None:
    with LILLE_XML.open("rb") as fp:
        site, revisions = read_dump(fp)
        revs = list(revisions)
    hub = max((r for r in revs if r.title == HUB), key=lambda r: r.timestamp)
    removed = [t.strip() for t in LINK.findall(hub.content)][:3]
    store = _store(tmp_path / "s.sqlite", [r for r in revs if r.title not in removed], site)
    library.run(store, tmp_path / "out", offline=True)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "absentes de la copie" in html
    assert all(title.replace("'", "&#x27;") in html or title in html for title in removed)
