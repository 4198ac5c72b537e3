"""The benchmark corpus generator (bench/gen_corpus.py) and the pipeline on its output.

No timing here: bench/pipeline.py is the measure. These tests only check that a
generated wiki is a sound export of the intended size, and that the whole
offline pipeline runs on it and parses no more than the benchmark's floor.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from wikibilan import library
from wikibilan.pipeline import load_frames, open_bench, run_checks
from wikibilan.profile import load_profile

BILAN_TITLE = load_profile().report_title

ROOT = Path(__file__).resolve().parents[1]
MW = "{http://www.mediawiki.org/xml/export-0.11/}"
SCALE = 3


def _load(name: str, as_name: str | None = None) -> ModuleType:
    """Import bench/<name>.py (bench/ is not a package) as ``as_name``."""
    as_name = as_name or name
    if as_name in sys.modules:
        return sys.modules[as_name]
    spec = importlib.util.spec_from_file_location(as_name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[as_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load("gen_corpus")


@pytest.fixture(scope="module")
def corpus(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.xml"
    gen.write_corpus(path, SCALE, seed=8)
    return path


def _sha1_base36(text: str) -> str:
    n = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(31, "0")


def test_scale_one_is_the_fixture_wiki(gen: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "one.xml"
    assert gen.write_corpus(path, 1) == (45, 157)
    assert path.read_bytes() == (ROOT / "fixtures" / "wiki" / "lille.xml").read_bytes()


def test_generated_wiki_is_a_sound_export_of_the_intended_size(
    corpus: Path, gen: ModuleType
) -> None:
    root = ET.parse(corpus).getroot()
    assert root.tag == f"{MW}mediawiki" and root.get("version") == "0.11"
    pages = root.findall(f"{MW}page")
    titles = [p.findtext(f"{MW}title") for p in pages]
    assert len(pages) == 45 + 44 * (SCALE - 1)  # every page but the bilan is copied
    assert len(set(titles)) == len(titles)
    assert len({p.findtext(f"{MW}id") for p in pages}) == len(pages)
    bw = gen.load_build_wiki()
    kinds = Counter(bw.page_kind(t or "") for t in titles)
    assert titles.count(BILAN_TITLE) == 1 and kinds["bilan"] == 1
    assert kinds["founding_meeting"] == 14 * SCALE and kinds["assembly"] == 6 * SCALE
    revids: list[int] = []
    for page in pages:
        previous = None
        for rev in page.findall(f"{MW}revision"):
            revid = int(rev.findtext(f"{MW}id") or 0)
            parent = rev.findtext(f"{MW}parentid")
            assert (None if parent is None else int(parent)) == previous
            text = rev.findtext(f"{MW}text") or ""
            assert rev.findtext(f"{MW}sha1") == _sha1_base36(text)
            revids.append(revid)
            previous = revid
    assert len(revids) == 157 + 152 * (SCALE - 1) and len(set(revids)) == len(revids)


def test_copies_are_shifted_and_renamed(gen: ModuleType) -> None:
    bw = gen.load_build_wiki()
    pages = bw.build_wiki()
    copy = gen.copies(bw, pages, 2, seed=8)
    original, copied = pages[1], copy[1]
    assert copied.title != original.title
    assert bw.page_kind(copied.title) == bw.page_kind(original.title)
    delta = copied.revs[0].moment - original.revs[0].moment
    assert delta.days % 7 == 0 and all(
        c.moment - o.moment == delta for c, o in zip(copied.revs, original.revs, strict=True)
    )
    people = {p.spell("full") for p in bw.PEOPLE.values()}
    assert any(name in original.revs[-1].text for name in people)
    assert not any(name in copied.revs[-1].text for name in people)
    assert gen.copies(bw, pages, 2, seed=8)[1].revs[-1].text == copied.revs[-1].text


def test_pipeline_runs_on_the_corpus_and_parses_within_the_floor(
    corpus: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    imported = library.import_file(corpus, store)
    assert imported.revisions_new == 157 + 152 * (SCALE - 1)
    result = library.run(store, tmp_path / "out", offline=True, report=False)
    assert len(result.frames["pages"]) == 45 + 44 * (SCALE - 1)
    assert not result.checks.empty and (tmp_path / "out" / "checks.csv").is_file()

    bench = _load("pipeline", "bench_pipeline")
    bench_store = open_bench(store, None, load_profile())
    try:
        run_checks(bench_store, load_frames(bench_store))
        parsed = bench_store.docs.parsed
    finally:
        bench_store.store.close()
    assert parsed == len(bench.needed_revids(store, read_kinds_only=True))
    assert parsed <= len(bench.needed_revids(store))
