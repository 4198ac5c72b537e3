"""Titles are evidence, never the gate: the fixture wiki with neutral titles reads the same.

Every page but the bilan gets a neutral title ("Page 7"); links in every
revision are renamed alike, and a sub-page keeps its ``/…`` under its parent's
new name. The events frame must keep its rows: same dates, same participant
counts and bases.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from wikibilan.model import Revision
from wikibilan.pipeline import load_frames, open_bench
from wikibilan.profile import load_profile
from wikibilan.sources.dump import read_dump
from wikibilan.store import Store

BILAN_TITLE = load_profile().report_title

LILLE_XML = Path(__file__).resolve().parents[1] / "fixtures" / "wiki" / "lille.xml"
KEEP = ["date_start", "date_end", "n_participants", "participants_basis"]
WITH_KIND = [*KEEP, "kind"]


# A date written in a title is data, not a title pattern: a neutral title keeps it
# ("Page 3 2/10/19"), since for a page dated only there nothing else could date it.
# A sub-page of such a page keeps it too ("Page 3 2/10/19/Présences").
TITLE_DATE = re.compile(r"\s*\d{1,2}/\d{1,2}/\d{2,4}(?=/|$)")


def _split(title: str) -> tuple[str, str]:
    """(root, rest) of a title: rest is a title date and/or a sub-page's "/…" path (a
    date's slashes are no sub-page path)."""
    dated = TITLE_DATE.search(title)
    head = title[: dated.start()] if dated else title
    root, sep, rest = head.partition("/")
    return root, (sep + rest if sep else "") + title[len(head) :]


def neutral_names(titles: list[str]) -> dict[str, str]:
    """Old title -> neutral title; parents (present or not) first, sub-pages under them."""
    names: dict[str, str] = {}
    roots = sorted({_split(t)[0] for t in titles if t != BILAN_TITLE})
    for i, root in enumerate(roots, 1):
        names[root] = f"Page {i}"
    for title in titles:
        if title == BILAN_TITLE:
            continue
        root, rest = _split(title)
        names[title] = names[root] + rest
    return names


def renamed(text: str, names: dict[str, str]) -> str:
    """``[[Old|label]]`` -> ``[[New|label]]``, ``[[Old]]`` -> ``[[New]]``, longest titles first."""
    for old in sorted(names, key=len, reverse=True):
        pattern = re.compile(r"\[\[\s*" + re.escape(old).replace(r"\ ", "[ _]") + r"\s*(?=[|\]#])")
        text = pattern.sub(lambda _m, new=names[old]: "[[" + new, text)
    return text


def _events(store_path: Path) -> pd.DataFrame:
    bench = open_bench(store_path, None, load_profile())
    try:
        events = load_frames(bench)["events"]
    finally:
        bench.store.close()
    return events[KEEP].astype(str).sort_values(KEEP).reset_index(drop=True)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("rename")
    with LILLE_XML.open("rb") as fp:
        site, revisions = read_dump(fp)
        revs: list[Revision] = list(revisions)
    names = neutral_names(sorted({r.title for r in revs}))
    paths = []
    for label, rows in (
        ("original", revs),
        ("neutral", [replace(r, title=names.get(r.title, r.title),
                             content=renamed(r.content, names), sha1=None) for r in revs]),
    ):  # fmt: skip
        path = tmp / f"{label}.sqlite"
        with Store.open(path) as store:
            store.upsert_site(site)
            store.add_revisions(rows)
        paths.append(path)
    return paths[0], paths[1]


def test_every_title_but_the_bilan_is_neutral(stores: tuple[Path, Path]) -> None:
    with Store.open(stores[1]) as store:
        titles = {p.title for p in store.pages(store.sites()[0].key)}
    assert BILAN_TITLE in titles
    pattern = r"Page \d+( \d{1,2}/\d{1,2}/\d{2,4})?(/.+)?"
    assert all(t == BILAN_TITLE or re.fullmatch(pattern, t) for t in titles)


def test_neutral_titles_keep_every_event(stores: tuple[Path, Path]) -> None:
    original, neutral = (_events(p) for p in stores)
    assert len(original) == 41
    pd.testing.assert_frame_equal(neutral, original)
