"""Fuzzing the document model and the extractors, on a fixed budget.

Hypothesis (derandomized, so CI runs the same examples every time) checks
properties rather than mere survival: the same page written as wikitext and
as MediaWiki's HTML gives the same blocks; parsing is deterministic and reads
``\\r\\n`` like ``\\n``; every extracted row points back at a page and
revision it was read from; arbitrary bytes never break the HTML parser.
(tests/test_document.py and tests/test_extract.py already check that random
text and markup never raise.)

When atheris is installed, a coverage-guided run of 2,000 inputs, seeded
with the fixture wiki's pages and the HTML samples, goes through both parsers
and the extractors of the kind of page the first byte picks, in a subprocess
(libFuzzer exits the process when it is done); it is skipped cleanly
otherwise. The same file is the fuzz target, for longer runs:
``python tests/test_fuzz.py -runs=100000 -len_control=0 CORPUS_DIR``.
"""

from __future__ import annotations

import html
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikibilan.document import Block, parse_html, parse_revision, parse_wikitext
from wikibilan.extract.snapshot import PageRevision, extract_bilan, extract_snapshot
from wikibilan.profile import load_profile
from wikibilan.sources.dump import read_dump

PROFILE = load_profile()
VOCAB = PROFILE.reading

CI_BUDGET = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WHEN = datetime(2017, 11, 30, 12, tzinfo=UTC)
ATHERIS_RUNS = 2000
REPO = Path(__file__).resolve().parents[1]
LILLE_XML = REPO / "fixtures" / "wiki" / "lille.xml"
HTML_SAMPLES = REPO / "tests" / "data" / "html"

# -- one page, two renderings ----------------------------------------------------------

WORDS = st.sampled_from(
    ["réunion", "Marie", "atelier", "12", "mars", "2017", "communs", "Lille", "coût", "€",
     "présent·e·s", "Œuvre", "jeudi", "La", "Coroutine", "n°3", "a&b", "x<y", "«", "»"]
)  # fmt: skip
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Items:
    entries: tuple[tuple[int, str], ...]
    """(depth, text); each depth at most one more than the one before."""


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


def _depths(draws: list[int]) -> list[int]:
    out, depth = [], 0
    for step in draws:  # step: 0 = one deeper, n > 0 = n levels up (at least depth 1)
        depth = depth + 1 if step == 0 or depth == 0 else max(1, depth - step + 1)
        out.append(depth)
    return out


items = st.lists(st.tuples(st.integers(0, 3), TEXT), min_size=1, max_size=8).map(
    lambda pairs: Items(
        tuple(zip(_depths([s for s, _ in pairs]), (t for _, t in pairs), strict=True))
    )
)
tables = st.lists(st.lists(TEXT, min_size=2, max_size=3).map(tuple), min_size=1, max_size=4).map(
    lambda rows: Table(tuple(rows))
)
pieces = st.one_of(
    st.builds(Heading, st.integers(2, 4), TEXT), items, st.builds(Para, TEXT), tables
)
pages = st.lists(pieces, min_size=1, max_size=8)


def as_wikitext(page: list[object]) -> str:
    out = []
    for piece in page:
        if isinstance(piece, Heading):
            out.append(f"{'=' * piece.level} {piece.text} {'=' * piece.level}")
        elif isinstance(piece, Items):
            out.append("\n".join(f"{'*' * d} {t}" for d, t in piece.entries))
        elif isinstance(piece, Para):
            out.append(piece.text)
        elif isinstance(piece, Table):
            rows = "\n".join("|-\n| " + " || ".join(cells) for cells in piece.rows)
            out.append("{|\n" + rows + "\n|}")
    return "\n\n".join(out)


def _html_list(entries: tuple[tuple[int, str], ...]) -> str:
    out, depth = [], 0
    for d, text in entries:
        if d > depth:
            out.append("<ul><li>" * (d - depth))
        else:
            out.append("</li></ul>" * (depth - d) + "</li><li>")
        out.append(html.escape(text))
        depth = d
    out.append("</li></ul>" * depth)
    return "".join(out)


def as_html(page: list[object]) -> str:
    out = ['<div class="mw-parser-output">']
    for piece in page:
        if isinstance(piece, Heading):
            text = html.escape(piece.text)
            out.append(f'<h{piece.level}><span class="mw-headline" id="h">{text}</span>'
                       f"</h{piece.level}>")  # fmt: skip
        elif isinstance(piece, Items):
            out.append(_html_list(piece.entries))
        elif isinstance(piece, Para):
            out.append(f"<p>{html.escape(piece.text)}\n</p>")
        elif isinstance(piece, Table):
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}\n</td>" for c in cells) + "</tr>"
                for cells in piece.rows
            )
            out.append(f"<table><tbody>{rows}</tbody></table>")
    out.append("</div>")
    return "\n".join(out)


def shape(blocks: tuple[Block, ...]) -> list[tuple[object, ...]]:
    return [(b.kind, b.text, b.level, b.section, b.cells) for b in blocks]


@CI_BUDGET
@given(pages)
def test_the_same_page_as_wikitext_and_as_html_gives_the_same_blocks(page: list[object]) -> None:
    from_wikitext = parse_wikitext(as_wikitext(page), title="Page")
    from_html = parse_html(as_html(page), title="Page")
    assert shape(from_wikitext.blocks) == shape(from_html.blocks)
    expected = sum(
        1 if isinstance(p, Heading | Para) else len(p.entries if isinstance(p, Items) else p.rows)
        for p in page
    )  # fmt: skip
    assert len(from_wikitext.blocks) == expected


@CI_BUDGET
@given(pages, st.text(max_size=40))
def test_parsing_is_deterministic_and_line_endings_do_not_matter(
    page: list[object], noise: str
) -> None:
    text = as_wikitext(page) + "\n" + noise
    first = parse_wikitext(text, title="P")
    assert first == parse_wikitext(text, title="P")
    assert shape(parse_wikitext(text.replace("\n", "\r\n"), title="P").blocks) == shape(
        first.blocks
    )
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert all(1 <= b.line <= lines for b in first.blocks)


@CI_BUDGET
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_as_a_page(data: bytes) -> None:
    doc = parse_html(data)
    assert all(isinstance(b.text, str) and b.text for b in doc.blocks)
    assert isinstance(parse_revision(data.decode("utf-8", "replace"), "wikitext").blocks, tuple)


# -- extractors: every row points back at what it was read from ---------------------------------

TITLES = [
    "Assemblée des Communs de Lille - Bilan 2015-2017",
    "Calendrier de l'assemblée des communs de Lille",
    "Construire dans l'action l'assemblée des communs 4",
    "Journée de coworking du 12 mars 2017",
    "Atelier Initiation aux communs",
    "Liste des ateliers de l'assemblée des communs de Lille",
    "ROUMICS 2017",
]
LINES = st.sampled_from([
    "== Présent·e·s ==", "== Ateliers ==", "== Dépenses ==", "* Marie Dupont",
    "* Léa (excusée)", "Date : 12 mars 2017",
    "* 3 novembre 2015 : [[Construire dans l'action l'assemblée des communs 4]]",
    "* 21 mars 2017 : atelier initiation, 5 participants", "* Location salle (mars 2017) : 120 €",
    "TOTAL = 1022,66€", "Solde : 977,34€", "34 temps forts sur 24 mois",
    "Environ 50 personnes initiées", "Lieu : La Coroutine",
    "moyenne de 13,5 participant⋅e⋅s par réunion (de 3 … à 21 au plus)",
    "{|\n|-\n| Marie || présente\n|}", "21 personnes sont passées", "----",
])  # fmt: skip
page_texts = st.lists(st.one_of(LINES, TEXT), max_size=20).map("\n".join)


@CI_BUDGET
@given(st.lists(st.tuples(st.sampled_from(TITLES), page_texts), min_size=1, max_size=5,
                unique_by=lambda p: p[0]))  # fmt: skip
def test_every_extracted_row_points_at_a_page_and_revision_it_was_read_from(
    wiki: list[tuple[str, str]],
) -> None:
    pages = [
        PageRevision(title, 100 + i, WHEN, WHEN,
                     parse_wikitext(text, title=title, revid=100 + i), "u")
        for i, (title, text) in enumerate(wiki)
    ]  # fmt: skip
    revid_of = {p.title: p.revid for p in pages}
    snapshot = extract_snapshot(pages, VOCAB)
    bilan = [p for p in pages if p.title in VOCAB.report_titles]
    claims, expenses, warnings = extract_bilan(bilan, PROFILE.claims, PROFILE.expense_sections)
    rows = [*snapshot.events, *snapshot.attendance, *snapshot.workshops, *claims, *expenses]
    for row in rows:
        where = row.where  # type: ignore[attr-defined]
        assert revid_of.get(where.page) == where.revid, row
    for warning in [*snapshot.warnings, *warnings]:
        assert revid_of.get(warning.page) == warning.revid, warning
    events = {e.event_id for e in snapshot.events}
    assert {a.event_id for a in snapshot.attendance} <= events
    assert {w.event_id for w in snapshot.workshops if w.event_id} <= events


# -- atheris ----------------------------------------------------------------------------------


def fuzz_one(data: bytes) -> None:
    """The atheris target: any bytes, as wikitext and as HTML, through the extractors.

    The first byte picks the page's title, hence its kind and its extractors.
    """
    title = TITLES[data[0] % len(TITLES)] if data else TITLES[0]
    text = data[1:].decode("utf-8", "replace")
    for doc in (parse_wikitext(text, title=title), parse_html(data[1:], title=title)):
        page = PageRevision(title, 1, WHEN, WHEN, doc, "u")
        extract_snapshot([page], VOCAB)
        extract_bilan([page], PROFILE.claims, PROFILE.expense_sections)


def seed_corpus(directory: Path) -> Path:
    """Real pages to start from: the fixture wiki's latest revisions and the HTML samples."""
    directory.mkdir()
    with LILLE_XML.open("rb") as fp:
        latest = {rev.title: rev.content.encode() for rev in read_dump(fp)[1]}
    samples = [*latest.values(), *(p.read_bytes() for p in sorted(HTML_SAMPLES.glob("*.html")))]
    for n, data in enumerate(samples):
        (directory / f"seed{n}").write_bytes(bytes([n % len(TITLES)]) + data[:4000])
    return directory


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
def test_atheris_finds_no_crash_in_a_bounded_run(tmp_path: Path) -> None:
    corpus = seed_corpus(tmp_path / "corpus")
    done = subprocess.run(
        [sys.executable, __file__, f"-runs={ATHERIS_RUNS}", "-seed=7", "-max_len=4096",
         "-len_control=0", "-timeout=20", "-rss_limit_mb=2048",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Done {ATHERIS_RUNS} runs" in done.stderr, done.stderr[-2000:]


def _instrumented() -> None:
    """Import the package again under atheris' instrumentation, for the target to use."""
    import atheris

    for name in [n for n in sys.modules if n.startswith("wikibilan")]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["wikibilan"]):
        import wikibilan.document as document
        import wikibilan.extract.snapshot as snapshot
    globals().update(
        parse_wikitext=document.parse_wikitext, parse_html=document.parse_html,
        PageRevision=snapshot.PageRevision,
        extract_snapshot=snapshot.extract_snapshot, extract_bilan=snapshot.extract_bilan,
    )  # fmt: skip
    atheris.Setup(sys.argv, fuzz_one)
    atheris.Fuzz()


if __name__ == "__main__":
    _instrumented()
