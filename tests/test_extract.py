"""Extractors on the bilan rebuilt from the seed, odd input, and parse-once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikibilan import library
from wikibilan.document import parse_html, parse_wikitext
from wikibilan.extract.snapshot import (
    PageRevision,
    extract_bilan,
    extract_snapshot,
)
from wikibilan.pipeline import Workbench, load_frames, run_checks
from wikibilan.profile import load_profile
from wikibilan.store import Store

ROOT = Path(__file__).resolve().parents[1]
PROFILE = load_profile()
VOCAB = PROFILE.reading
VOCAB_BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"
WHEN = datetime(2017, 11, 30, 14, 40, tzinfo=UTC)
KINDS = [
    "founding_meeting",
    "assembly",
    "calendar",
    "initiation",
    "workshop_list",
    "bilan",
    "coworking",
    "other",
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("extract") / "s.db"
    library.ensure_fixtures(path)
    return path


def test_seed_claims_and_expenses(store_path: Path) -> None:
    frames = library.load_frames(store_path)
    claims = frames["claims"]
    final = claims[claims["revid"] == 22921].set_index("claim_id")
    expected = {
        "founding_meetings": ("16", "exact"), "assemblies": ("5", "exact"),
        "coworking_days": ("10", "exact"), "temps_forts": ("34", "exact"),
        "period_months": ("24", "exact"), "mean_participants": ("13.5", "mean"),
        "initiation_workshops": ("15", "approx"), "initiation_mean_participants": ("4", "mean"),
        "people_initiated": ("50", "approx"), "wiki_pages": ("272", "exact"),
        "members": ("20", "exact"), "people_total": ("100", "exact"),
        "workshop_themes": ("30", "at_least"), "loomio_decisions": ("3", "exact"),
        "events_contributed": ("25", "at_least"), "allocation": ("2000", "exact"),
        "expenses_total": ("1022.66", "exact"), "balance": ("977.34", "exact"),
        "local_partners": ("15", "approx"),
    }  # fmt: skip
    for claim_id, (value, qualifier) in expected.items():
        assert final.loc[claim_id, "value"] == Decimal(value), claim_id
        assert final.loc[claim_id, "qualifier"] == qualifier, claim_id
    rng = final.loc["participants_range"]
    assert (rng["low"], rng["high"], rng["qualifier"]) == (Decimal(3), Decimal(21), "range")
    assert "balance_estimate" not in final.index
    earlier = claims[(claims["revid"] == 22917) & (claims["claim_id"] == "balance_estimate")]
    assert list(earlier["value"]) == [Decimal(720)]
    expenses = frames["expenses"]
    assert len(expenses) == 3
    assert sum(expenses["amount_eur"], Decimal(0)) == Decimal("1022.66")


def test_claim_history_shows_the_removed_estimate(store_path: Path) -> None:
    with Store.open(store_path) as store:
        bench = Workbench(store, "wiki.lescommuns.org", PROFILE)
        history = run_checks(bench, load_frames(bench))["claim_history"]
    est = history[history["claim_id"] == "balance_estimate"].set_index("revid")
    assert est.loc[22917, "value"] == "720"
    assert est.loc[22917, "check_verdict"] == "contradicted"
    assert est.loc[22921, "status"] == "removed"
    parts = history[(history["claim_id"] == "temps_forts")].set_index("revid")
    assert parts.loc[22806, "value"] == "33"
    assert parts.loc[22921, "status"] == "same"
    assert parts.loc[22921, "first_revid"] != 22806


def test_each_needed_revision_is_parsed_once(store_path: Path) -> None:
    with Store.open(store_path) as store:
        bench = Workbench(store, "wiki.lescommuns.org", PROFILE)
        frames = load_frames(bench)
        run_checks(bench, frames)
        # the as-of revisions of every content page (each is read for what it says),
        # and every bilan revision
        needed = {
            r.revid
            for when in (None, WHEN)
            for r in store.revisions_as_of(bench.site, when)
            if r.namespace == 0
        }
        bilan = store.page_id_for_title(
            bench.site, "Assemblée des Communs de Lille - Bilan 2015-2017"
        )
        assert bilan is not None
        needed |= {r.revid for r in store.revisions(bench.site, bilan)}
        assert bench.docs.parsed == len(needed)


_markup = st.sampled_from(
    [
        "== Présent-e-s ==\n",
        "* Marie Dupont : x\n",
        "** desc\n",
        "* A & B Martin (à confirmer)\n",
        "Présents : A, B, C\n",
        "{|\n|-\n| a || 1\n|}\n",
        "* 28/01/2015 : [[Journée de coworking]]\n",
        "== Ateliers ==\n",
        "* 12 mars 2017 : 5 participants\n",
        "[[Lien|label]] ",
        "'''gras''' ",
        "21 personnes sont passées\n",
        "* TOTAL = 1022,66€\n",
        "Solde : 977,34€ (env. 720€)\n",
        "== Dépenses ==\n* x (mois 2017) : 12€\n",
        "{{modèle|a=b}}",
        "<div>",
        "</ul>",
        "\n",
    ]
)
_page_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_markup, st.text(max_size=20)), max_size=25).map("".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.tuples(_page_text, st.sampled_from(KINDS), st.booleans()), min_size=1, max_size=4
    )
)
def test_no_input_makes_an_extractor_raise(texts: list[tuple[str, str, bool]]) -> None:
    pages = []
    for i, (text, kind, as_html) in enumerate(texts):
        doc = (
            parse_html(f"<div class='mw-parser-output'>{text}</div>")
            if as_html
            else parse_wikitext(text)
        )
        title = f"{kind} {i}" if kind != "bilan" else VOCAB_BILAN
        pages.append(PageRevision(title, i + 1, WHEN, WHEN, doc, "u"))
    snapshot = extract_snapshot(pages, VOCAB)
    bilan = [p for p in pages if p.title == VOCAB_BILAN]
    claims, expenses, warnings = extract_bilan(bilan, PROFILE.claims, PROFILE.expense_sections)
    for row in snapshot.attendance:
        assert row.name_key == row.name_key.strip()
    assert isinstance(claims, list) and isinstance(expenses, list) and isinstance(warnings, list)


def test_odd_lines_end_up_in_warnings() -> None:
    doc = parse_wikitext(
        "== Dépenses ==\n* Location salle (quelque part) : douze €\n"
        "== Présent-e-s ==\n* Jeanne Martin\n* " + "mot " * 12 + "\n"
    )
    bilan = PageRevision("B", 1, WHEN, WHEN, doc)
    _, expenses, warnings = extract_bilan([bilan], PROFILE.claims, PROFILE.expense_sections)
    assert expenses == []
    assert [w.reason for w in warnings] == ["expense line not understood"]
    event = PageRevision("Construire dans l'action l'assemblée des communs 9", 2, WHEN, WHEN, doc)
    snap = extract_snapshot([event], VOCAB)
    reasons = {w.reason for w in snap.warnings}
    assert "line under a presence heading does not read like a name" in reasons
    assert "names people but gives no date: not read as a gathering" in reasons
