"""Write synthetic wikis at 1×, 10× and 100× the fixture wiki's size (XML exports, schema 0.11).

Scale ``k`` holds the fixture wiki itself (copy 0, byte for byte the same export
as ``fixtures/wiki/lille.xml``) and ``k - 1`` copies of every page but the bilan,
so the bilan page stays unique and its claims are checked against a wiki ``k``
times larger. Each copy:

- shifts every revision and every date written in its pages by a whole number
  of weeks (weekday names stay right), drawn from a seeded RNG;
- renames the fixture's 83 invented people to other invented names (first names
  and surnames drawn per copy; a surname two people share stays shared);
- renumbers pages (``+ 10000 × copy``) and revisions (``+ 100000 × copy``) and
  retitles pages so that meetings and assemblies keep their page kind
  (``… communs 305``, ``Assemblée des Communs de Lille - 302``); pages whose kind
  is a single title (calendar, trombinoscope, …) become plain pages.

The pages are rendered by fixtures/build_wiki.py and written with its
``export_xml``, page by page. Scale 100 is about 3,800 pages and 13,000 revisions.

Usage: ``python bench/gen_corpus.py [--scale 1 10 100] [--seed 8] [--out bench/work]``.
Files are cached under a name that fingerprints this script and the fixture
generator (``corpus-100x-s8-<fingerprint>.xml``): an existing file is kept, a
stale one replaced.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "work"
SCALES = (1, 10, 100)
SEED = 8
BUILD_WIKI = REPO / "fixtures" / "build_wiki.py"

# Invented names, built from syllables: enough for the fixture's 83 people per copy.
_FIRST_HEADS = "Al Bé Ca Da El Fa Ga Hé Il Jo Ka Li Ma Né Ol Pa Ro Sa Ta Va Yo Za"
_FIRST_TAILS = "ine an elle o ia ric is ette en ou"
_LAST_HEADS = "Van De Le Du Ver Mar Bou Car Del Ga"
_LAST_TAILS = "camp bruck hove quet mont val lier bois court mez rieux dael"
FIRST_NAMES = tuple(a + b for a in _FIRST_HEADS.split(" ") for b in _FIRST_TAILS.split(" "))
LAST_NAMES = tuple(a + b for a in _LAST_HEADS.split(" ") for b in _LAST_TAILS.split(" "))
SHIFT_WEEKS = 12  # copies move by up to this many weeks either way


def load_build_wiki() -> ModuleType:
    """Import fixtures/build_wiki.py (not a package) as the module ``build_wiki``."""
    if "build_wiki" in sys.modules:
        return sys.modules["build_wiki"]
    spec = importlib.util.spec_from_file_location("build_wiki", BUILD_WIKI)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_wiki"] = module  # dataclasses look their module up while importing
    spec.loader.exec_module(module)
    return module


class DateShifter:
    """Move every date written in a text by ``delta``, keeping how it was written."""

    def __init__(self, months: list[str], delta: timedelta) -> None:
        self.months = months
        self.delta = delta
        names = "|".join(months)
        self.long = re.compile(
            rf"\b(\d{{1,2}})(?:er)?(?: au (\d{{1,2}})(?:er)?)? ({names}) (\d{{4}})\b"
        )
        self.short = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")

    def __call__(self, text: str) -> str:
        return self.short.sub(self._short, self.long.sub(self._long, text))

    def _day(self, day: date) -> str:
        return "1er" if day.day == 1 else str(day.day)

    def _long(self, m: re.Match[str]) -> str:
        month, year = self.months.index(m.group(3)) + 1, int(m.group(4))
        try:
            end = date(year, month, int(m.group(2) or m.group(1)))
            start = date(year, month, int(m.group(1))) if m.group(2) else end
        except ValueError:
            return m.group(0)
        start, end = start + self.delta, end + self.delta
        tail = f"{self.months[end.month - 1]} {end.year}"
        if start == end:
            return f"{self._day(end)} {tail}"
        if start.month == end.month:
            return f"{self._day(start)} au {self._day(end)} {tail}"
        return f"{self._day(start)} {self.months[start.month - 1]} au {self._day(end)} {tail}"

    def _short(self, m: re.Match[str]) -> str:
        day, month, year = (int(g) for g in m.groups())
        full = year if len(m.group(3)) == 4 else 2000 + year
        try:
            moved = date(full, month, day) + self.delta
        except ValueError:
            return m.group(0)
        dd = f"{moved.day:02d}" if len(m.group(1)) == 2 else str(moved.day)
        mm = f"{moved.month:02d}" if len(m.group(2)) == 2 else str(moved.month)
        yy = str(moved.year) if len(m.group(3)) == 4 else f"{moved.year % 100:02d}"
        return f"{dd}/{mm}/{yy}"


class Renamer:
    """Replace the fixture's people by other invented people (one draw per copy)."""

    def __init__(self, people: dict[str, Any], rng: random.Random) -> None:
        persons = list(people.values())
        firsts = sorted({p.first for p in persons})
        lasts = sorted({p.last for p in persons})
        new_first = dict(zip(firsts, rng.sample(FIRST_NAMES, len(firsts)), strict=True))
        new_last = dict(zip(lasts, rng.sample(LAST_NAMES, len(lasts)), strict=True))
        table: dict[str, str] = {}
        for p in persons:  # full and initial forms first: "Camille Roussel", "Camille R."
            first, last = new_first[p.first], new_last[p.last]
            table[f"{p.first} {p.last}"] = f"{first} {last}"
            table[f"{p.first} {p.last[0]}."] = f"{first} {last[0]}."
        table.update(new_first)  # lone first names ("Présents : Camille, Bruno")
        self.table = table
        alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def __call__(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.table[m.group(0)], text)


def copy_title(
    bw: ModuleType, title: str, kind: str, copy: int, shift: DateShifter, seq: int
) -> str:
    """A title for a copied page that keeps its kind where the kind allows more than one."""
    if kind == "founding_meeting":
        return f"{bw.FOUNDING} {copy * 100 + seq}"
    if kind == "assembly":
        return f"{bw.ASSEMBLY} - {copy * 100 + seq}"
    return f"{shift(title)} ({copy})"


def copies(bw: ModuleType, pages: list[Any], copy: int, seed: int) -> list[Any]:
    """Copy ``copy`` of every page but the bilan: shifted, renamed, renumbered."""
    rng = random.Random(f"{seed}/{copy}")
    delta = timedelta(weeks=rng.randint(-SHIFT_WEEKS, SHIFT_WEEKS))
    shift = DateShifter(bw.MONTHS, delta)
    rename = Renamer(bw.PEOPLE, rng)
    seqs: dict[str, int] = {}
    out = []
    for page in pages:
        if page.title == bw.BILAN:
            continue
        kind = bw.page_kind(page.title)
        seqs[kind] = seqs.get(kind, 0) + 1
        title = copy_title(bw, page.title, kind, copy, shift, seqs[kind])
        revs = []
        for rev in page.revs:
            text = rename(shift(rev.text))
            revs.append(replace(
                rev, title=title, moment=rev.moment + delta, text=text,
                comment=rename(shift(rev.comment)), revid=rev.revid + 100_000 * copy,
                parentid=None if rev.parentid is None else rev.parentid + 100_000 * copy,
            ))  # fmt: skip
        out.append(bw.WikiPage(title, revs, page.page_id + 10_000 * copy))
    return out


def iter_pages(scale: int, seed: int = SEED) -> Iterator[Any]:
    """Every page of the scale-``scale`` wiki, the fixture wiki's pages first."""
    bw = load_build_wiki()
    pages = bw.build_wiki()
    yield from pages
    for copy in range(1, scale):
        yield from copies(bw, pages, copy, seed)


def write_corpus(path: Path, scale: int, seed: int = SEED) -> tuple[int, int]:
    """Write the scale-``scale`` wiki to ``path``; return (pages, revisions)."""
    bw = load_build_wiki()
    footer = "</mediawiki>\n"
    header = bw.export_xml([])[: -len(footer)]
    n_pages = n_revs = 0
    titles: set[str] = set()
    tmp = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", encoding="utf-8", newline="\n") as fp:
        fp.write(header)
        for page in iter_pages(scale, seed):
            if page.title in titles:
                raise AssertionError(f"two pages titled {page.title!r}")
            titles.add(page.title)
            fp.write(bw.export_xml([page])[len(header) : -len(footer)])
            n_pages += 1
            n_revs += len(page.revs)
        fp.write(footer)
    tmp.replace(path)
    return n_pages, n_revs


def corpus_path(scale: int, seed: int = SEED, work: Path = WORK) -> Path:
    """Where the corpus is cached: its name changes whenever the generators do."""
    digest = hashlib.sha1(Path(__file__).read_bytes() + BUILD_WIKI.read_bytes()).hexdigest()
    return work / f"corpus-{scale}x-s{seed}-{digest[:10]}.xml"


def ensure_corpus(scale: int, seed: int = SEED, work: Path = WORK) -> Path:
    """The scale-``scale`` corpus in ``work``, written now unless already there."""
    path = corpus_path(scale, seed, work)
    if not path.is_file():
        for stale in work.glob(f"corpus-{scale}x-s{seed}-*.xml"):
            stale.unlink()
        write_corpus(path, scale, seed)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=list(SCALES))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=WORK)
    parser.add_argument("--force", action="store_true", help="rewrite cached files")
    args = parser.parse_args(argv)
    for scale in args.scale:
        path = corpus_path(scale, args.seed, args.out)
        if args.force:
            path.unlink(missing_ok=True)
        cached = path.is_file()
        ensure_corpus(scale, args.seed, args.out)
        print(f"{path}: {'cached' if cached else 'written'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
