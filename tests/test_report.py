"""The report package: CSVs, report.md, report.html and plots, from hand-built frames."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from wikibilan import library
from wikibilan.report import (
    ReportContext,
    render_html,
    render_markdown,
    render_plots,
    write_csvs,
    write_outputs,
)
from wikibilan.report.csv_out import format_cell, frame_to_csv
from wikibilan.report.links import parse_evidence, revision_link
from wikibilan.report.markdown import escape
from wikibilan.report.plots import plot_alt, plot_names, render_plot
from wikibilan.report.wording import EN, FR, language
from wikibilan.specs import InternalSpec, Registry

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOSTILE_TEXT = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(2)>'
T = pd.Timestamp


def _utc(text: str) -> pd.Timestamp:
    return T(text, tz="UTC")


BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"
REGISTRY = Registry(
    (),
    (
        InternalSpec("internal:expenses_total", "expenses_total", "lines_sum", {}),
        InternalSpec("internal:initiated_product", "people_initiated", "product", {}),
        InternalSpec("internal:balance_estimate", "balance_estimate", "difference", {}),
    ),
)


def _counted() -> pd.DataFrame:
    """What the coworking check counted (two days), and a day the wiki recorded later."""
    rows = [
        ("coworking_days", "event", "2016-10-06-coworking", T("2016-10-06"), "Coworking 6 oct",
         pd.NA, "absent", "Calendrier", 17, 9, True),
        ("coworking_days", "event", "2017-05-11-coworking", T("2017-05-11"),
         "Journée de coworking 11 mai 2017", 7, "listed", "Journée de coworking 11 mai 2017", 21,
         1, True),
        ("coworking_days", "event", "2017-10-26-coworking", T("2017-10-26"),
         "Journée de coworking 26 octobre 2017", 6, "listed",
         "Journée de coworking 26 octobre 2017", 30, 1, False),
    ]  # fmt: skip
    cols = ["claim_id", "item", "key", "date", "title", "n", "basis", "page", "revid", "line",
            "counted"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def sample_context(**changes: object) -> ReportContext:
    """The context shared by the report tests (and the Chromium test): an English report."""
    values: dict[str, object] = {
        "site": "https://wiki.example.org",
        "generated_at": datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        "as_of": datetime(2017, 11, 30, 14, 40, tzinfo=UTC),
        "bilan_title": BILAN,
        "bilan_revid": 120,
        "tool_version": "0.1.0",
        "wiki_lang": "fr",
        "registry": REGISTRY,
        "counted": _counted(),
    }
    values.update(changes)
    return ReportContext(**values)  # type: ignore[arg-type]


def french_context(**changes: object) -> ReportContext:
    """The same context, the report in French, times in Paris."""
    return sample_context(**{"lang": "fr", "time_zone": "Europe/Paris", **changes})


def _checks() -> pd.DataFrame:
    as_of = _utc("2017-11-30 14:40")
    rows = [
        # claim_id, check, text, published, qualifier, recomputed, tolerance, low, high, gap,
        # verdict, holds_by, method, evidence
        ("temps_forts", "data", "Soit un total de 34 temps forts sur 24 mois", "34", "exact",
         "34", "exact", "34", "34", "0", "reproduced", "", "all events up to the bilan date",
         "Calendrier@11; Historique@12"),
        ("mean_participants", "data", "avec une moyenne de 13,5 participant⋅e⋅s", "13.5", "mean",
         "13.46", "rounds to 13.5 (1 decimals)", "13.45", "13.55", "-0.04", "approximately",
         "rounding",
         "mean of n_participants over events listed or stated", "Assemblée 1@21"),
        ("initiation_workshops", "data", "Environ 15 ateliers d'initiation", "15", "approx",
         "14", "±2 (10 %)", "13", "17", "-1", "approximately", "qualifier",
         "initiation workshops up to the bilan date",
         "; ".join(f"Atelier {i}@{300 + i}" for i in range(30))),
        ("wiki_pages", "data", "272 pages créées dans la section \"Lille\" du wiki", "272",
         "exact", "5", "exact", "272", "272", "-267", "contradicted", "",
         "pages whose first revision is before the bilan date", "Calendrier@11"),
        ("workshop_themes", "data", "Plus de 30 thèmes", "30", "at_least", "31", "> 30", "30",
         "", "1", "reproduced", "", "distinct normalised themes", "Liste des ateliers@50"),
        ("share_in_commons", "data", f"environ 1/3 {HOSTILE_TEXT}", "1/3", "approx", "",
         "±10 %", "", "", "", "not_checkable", "", "the wiki records no involvement",
         f"Trombinoscope@40 {HOSTILE_ATTR}"),
        ("internal:expenses_total", "internal", "TOTAL = 1022,66€ | lines", "1022.66", "exact",
         "1022.66", "to the cent", "1022.66", "1022.66", "0.00", "reproduced", "",
         "sum of the expense lines", "Assemblée des Communs de Lille - Bilan 2015-2017@120"),
        ("internal:initiated_product", "internal", "15 × 4 => Environ 50 personnes", "50",
         "approx", "60", "±5 (10 %)", "45", "55", "+10", "contradicted", "",
         "initiation_workshops × initiation_mean_participants",
         "Assemblée des Communs de Lille - Bilan 2015-2017@120"),
        ("internal:balance_estimate", "internal", "Solde : 977,34€ (env. 720€)", "720",
         "approx", "977.34", "±72", "648", "792", "257.34", "contradicted", "",
         "allocation 2000 − expenses_total 1022.66", ""),
        ("coworking_days", "data", "10 journées de coworking", "10", "exact", "2", "equal",
         "10", "10", "-8", "contradicted", "", "events of kind coworking up to the claim date",
         "Calendrier@17; Journée de coworking 11 mai 2017@21"),
    ]  # fmt: skip
    cols = ["claim_id", "check", "text", "published", "qualifier", "recomputed", "tolerance",
            "low", "high", "gap", "verdict", "holds_by", "method", "evidence"]  # fmt: skip
    df = pd.DataFrame(rows, columns=cols)
    # The estimate was last stated in revision 112: the latest revision removed it.
    df.insert(2, "revid", [120] * 8 + [112, 120])
    df.insert(3, "as_of", as_of)
    return df


def _history_rows(
    claim_id: str, revisions: list[tuple[int, pd.Timestamp, str, str]], verdict: str = ""
) -> list[dict[str, object]]:
    """Rows of claim_history for one claim, as ``wikibilan.history`` shapes them."""
    rows: list[dict[str, object]] = []
    previous, first = None, None
    for revid, ts, user, value in revisions:
        if previous is None:
            status = "added"
        elif not value:
            status = "removed"
        else:
            status = "same" if value == previous else "changed"
        if value and status != "same":
            first = (revid, ts, user)
        rows.append({
            "claim_id": claim_id, "revid": revid, "timestamp": ts, "user": user, "value": value,
            "status": status, "changed": status != "same",
            "first_revid": first[0] if value and first else pd.NA,
            "first_timestamp": first[1] if value and first else pd.NaT,
            "first_user": first[2] if value and first else "",
            "check_verdict": verdict if value else "",
        })  # fmt: skip
        previous = value
    return rows


def _claim_history() -> pd.DataFrame:
    stamps = [(100 + 2 * i, _utc(f"2017-{m:02d}-15 10:00")) for i, m in enumerate(range(1, 12))]
    rows = _history_rows("temps_forts", [(r, ts, "Alice", "34") for r, ts in stamps])
    # The "(env. 720€)" estimate: written, kept, then removed from the page.
    estimate = [(r, ts, "Bob", "720") for r, ts in stamps[:7]]
    estimate.append((stamps[7][0], stamps[7][1], "Bob", ""))
    rows += _history_rows("balance_estimate", estimate, verdict="contradicted")
    # A long unchanged run folds into one row.
    days = [(200 + i, _utc("2018-01-01") + pd.Timedelta(days=i)) for i in range(15)]
    rows += _history_rows(
        "mean_participants", [(r, ts, "Chloé", "13.5" if r < 214 else "14") for r, ts in days]
    )
    df = pd.DataFrame(rows)
    df["first_revid"] = df["first_revid"].astype("Int64")
    df["changed"] = df["changed"].astype("boolean")
    return df


def sample_frames() -> dict[str, pd.DataFrame]:
    """Small frames covering every verdict, a changed claim and hostile wiki text."""
    dates = pd.to_datetime(["2015-11-19", "2016-01-28", "2016-10-06", "2017-03-21",
                            "2017-04-27", "2017-11-30"])  # fmt: skip
    kinds = ["founding_meeting", "founding_meeting", "coworking", "contribution_48h",
             "assembly", "assembly"]  # fmt: skip
    events = pd.DataFrame(
        {
            "event_id": [f"{d:%Y-%m-%d}-{k}" for d, k in zip(dates, kinds, strict=True)],
            "kind": kinds,
            "title": [f"Réunion {i}" for i in range(6)],
            "date_start": dates,
            "date_end": dates,
            "place": ["MRES", "", "Coroutine", "", "MRES", "MRES"],
            "n_participants": pd.array([3, 12, None, 21, 14, 17], dtype="Int64"),
            "participants_basis": ["listed", "listed", "absent", "stated", "listed", "planned"],
            "page": [f"Page {i}" for i in range(6)],
            "revid": range(10, 16),
        }
    )
    pages = pd.DataFrame(
        {
            "site": "wiki.example.org",
            "page_id": range(1, 6),
            "title": ["Calendrier", "Historique", f"Bad {HOSTILE_TEXT}", "Assemblée 1", "Tromb"],
            "kind": ["calendar", "history", "other", "assembly", "trombinoscope"],
            "url": [
                f"https://wiki.example.org/wiki/{t}"
                for t in ("Calendrier", "Historique", "Bad", "Assembl%C3%A9e_1", "Tromb")
            ],
            "first_rev_at": [
                _utc("2016-01-02 10:00"),
                _utc("2016-03-01 10:00"),
                _utc("2016-09-10 08:30"),
                T("2017-04-28 09:00", tz="Europe/Paris"),
                _utc("2018-02-01 00:00"),
            ],  # fmt: skip
        }
    )
    revisions = pd.DataFrame(
        {
            "title": ["Calendrier", "Calendrier", "Historique"],
            "revid": [11, 17, 12],
            "parentid": pd.array([None, 11, None], dtype="Int64"),
            "timestamp": [
                _utc("2016-01-02 10:00"),
                _utc("2016-02-02 10:00"),
                _utc("2016-03-01 10:00"),
            ],  # fmt: skip
            "user": ["Alice", "192.0.2.1", "Bob"],
            "minor": [False, True, False],
            "source": ["dump", "dump", "dump"],
        }
    )
    attendance = pd.DataFrame(
        {
            "event_id": ["2015-11-19-founding_meeting"] * 2,
            "name_raw": ["Marie D.", "Jean Martin (à confirmer)"],
            "name_key": ["marie d", "jean m"],
            "uncertain": [False, True],
        }
    )
    expenses = pd.DataFrame(
        {
            "label": ["Repas 48h", "Impression | flyers", "Location $salle$"],
            "month": ["2017-03", "2017-04", "2017-05"],
            "amount_eur": [Decimal("159.20"), Decimal("63.46"), Decimal("800.00")],
        }
    )
    claims = pd.DataFrame(
        {
            "claim_id": ["mean_participants", "participants_range", "wiki_pages", "expenses_total",
                         "balance_estimate", "coworking_days", "people_initiated"],
            "revid": [120, 120, 120, 120, 112, 120, 120],
            "value": ["13.5", "", "272", "1022.66", "720", "10", "50"],
            "qualifier": ["mean", "range", "exact", "exact", "approx", "exact", "approx"],
            "low": ["", "3", "", "", "", "", ""],
            "high": ["", "21", "", "", "", "", ""],
            "unit": ["people", "people", "pages", "eur", "eur", "events", "people"],
            "label": ["Participants par réunion (moyenne)", "Participants (de … à …)",
                      "Pages créées", "Total des dépenses", "Solde estimé",
                      "Journées de coworking", "Personnes initiées"],
            "measure": ["mean_participants", "participants_range", "pages_created",
                        "sum_expenses", "", "count_events", "workshop_participants"],
        }
    )  # fmt: skip
    warnings = pd.DataFrame(
        {
            "page": [f"Page {HOSTILE_TEXT}", "Calendrier"],
            "revid": [13, 11],
            "line": [4, 9],
            "reason": ["no date", "unreadable count"],
            "text": [HOSTILE_ATTR, "a | b\nsecond line"],
        }
    )
    return {
        "pages": pages,
        "revisions": revisions,
        "events": events,
        "attendance": attendance,
        "workshops": pd.DataFrame(columns=["workshop_id", "event_id", "theme", "is_initiation"]),
        "expenses": expenses,
        "claims": claims,
        "warnings": warnings,
        "checks": _checks(),
        "claim_history": _claim_history(),
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("outputs")
    return out, write_outputs(sample_frames(), out, sample_context())


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# -- files and CSVs ---------------------------------------------------------------------


def test_every_output_is_written(written: tuple[Path, list[Path]]) -> None:
    out, paths = written
    names = {p.relative_to(out).as_posix() for p in paths}
    assert {f"{n}.csv" for n in sample_frames()} | {"report.md", "report.html"} <= names
    assert {"plots/participants.png", "plots/events_per_month.png", "plots/pages_created.png",
            "plots/expenses.png", "plots/published_vs_recomputed.png"} <= names  # fmt: skip
    assert all(p.is_file() for p in paths)
    assert not list(out.rglob("*.tmp")), "a temporary file was left behind"


def test_csvs_round_trip_with_pandas(written: tuple[Path, list[Path]]) -> None:
    out, _ = written
    for name, frame in sample_frames().items():
        back = _read_csv(out / f"{name}.csv")
        assert list(back.columns) == list(frame.columns)
        assert len(back) == len(frame)
    checks = _read_csv(out / "checks.csv")
    assert list(checks["verdict"]) == list(_checks()["verdict"])
    assert checks.loc[7, "text"] == "15 × 4 => Environ 50 personnes"
    assert (out / "checks.csv").read_bytes().count(b"\r") == 0


def test_csv_formats_dates_timestamps_booleans_and_decimals(
    written: tuple[Path, list[Path]],
) -> None:
    out, _ = written
    events = _read_csv(out / "events.csv")
    assert events.loc[0, "date_start"] == "2015-11-19"
    assert events.loc[0, "date_end"] == "2015-11-19"
    assert list(events["n_participants"]) == ["3", "12", "", "21", "14", "17"]
    pages = _read_csv(out / "pages.csv")
    # Europe/Paris 09:00 in April is 07:00 UTC.
    assert list(pages["first_rev_at"])[2:4] == ["2016-09-10T08:30:00Z", "2017-04-28T07:00:00Z"]
    revisions = _read_csv(out / "revisions.csv")
    assert list(revisions["minor"]) == ["false", "true", "false"]
    assert list(revisions["parentid"]) == ["", "11", ""]
    assert list(_read_csv(out / "attendance.csv")["uncertain"]) == ["false", "true"]
    assert list(_read_csv(out / "expenses.csv")["amount_eur"]) == ["159.20", "63.46", "800.00"]
    history = _read_csv(out / "claim_history.csv")
    assert set(history["changed"]) == {"true", "false"}
    assert history.loc[0, "timestamp"] == "2017-01-15T10:00:00Z"


@pytest.mark.parametrize(
    ("value", "as_date", "expected"),
    [
        (True, False, "true"),
        (None, False, ""),
        (float("nan"), False, ""),
        (pd.NA, False, ""),
        (13.5, False, "13.5"),
        (14.0, False, "14"),
        (1e-7, False, "0.0000001"),
        (Decimal("1022.66"), False, "1022.66"),
        (datetime(2017, 11, 30, 15, 40), False, "2017-11-30T15:40:00Z"),
        (T("2017-11-30 15:40", tz="Europe/Paris"), False, "2017-11-30T14:40:00Z"),
        (T("2017-11-30"), True, "2017-11-30"),
        ('a, "b"', False, 'a, "b"'),
    ],
)
def test_format_cell(value: object, as_date: bool, expected: str) -> None:
    assert format_cell(value, as_date=as_date) == expected


def test_write_csvs_alone(tmp_path: Path) -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2017-01-02"]), "ok": [True]})
    paths = write_csvs({"mini": frame}, tmp_path / "new")
    assert paths[0] == tmp_path / "new" / "mini.csv"
    assert paths[0].read_text(encoding="utf-8") == "date,ok\n2017-01-02,true\n"


def test_csv_text_quotes_commas_and_newlines() -> None:
    text = frame_to_csv(pd.DataFrame({"text": ["a, b", "x\ny"]}))
    assert pd.read_csv(pd.io.common.StringIO(text))["text"].tolist() == ["a, b", "x\ny"]


def test_a_bad_frame_name_writes_nothing(tmp_path: Path) -> None:
    write_outputs(sample_frames(), tmp_path, sample_context())
    before = (tmp_path / "report.md").read_bytes()
    with pytest.raises(ValueError, match="file name"):
        write_outputs({**sample_frames(), "../evil": pd.DataFrame()}, tmp_path, sample_context())
    assert (tmp_path / "report.md").read_bytes() == before
    assert not (tmp_path.parent / "evil.csv").exists()
    assert not list(tmp_path.rglob("*.tmp"))


# -- report content ---------------------------------------------------------------------


def test_report_order_verdicts_then_claims_then_history(written: tuple[Path, list[Path]]) -> None:
    out, _ = written
    md = (out / "report.md").read_text("utf-8")
    page = (out / "report.html").read_text("utf-8")
    sections = ["verdicts", "claims", "history", "plots", "notes"]
    for text, marks in [
        (md, ["## Verdicts", "| Pages créées |", "## Claims in detail", "### temps_forts —",
              "## Figure history", "## Plots", "## Data notes"]),
        (page, [f'<h2 id="{s}">' for s in sections]),
        (page, ['<table class="verdicts-data"', 'id="claim-temps-forts"',
                'id="claim-internal-init', '<table class="history"',
                '<figure id="plot-participants"', "<footer>"]),
    ]:  # fmt: skip
        positions = [text.index(m) for m in marks]
        assert positions == sorted(positions), marks


def test_markdown_summary_and_verdict_tables() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    summary = md.split("\n\n")[1]
    assert "9 published figures checked, 7 against the wiki's data and 2 for internal" in summary
    assert "3 reproduced, 2 approximately, 3 contradicted, 1 not checkable" in summary
    assert "One figure that earlier revisions stated and the latest removed is listed" in summary
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert (
        "| Participants par réunion (moyenne) | mean 13.5 | 13.46 | approximately | holds only "
        "by rounding (bounds 13.45 … 13.55) |"
    ) in rows
    assert (
        "| initiation_workshops | about 15 | 14 | approximately | holds only under its "
        "qualifier (bounds 13 … 17) |"
    ) in rows
    assert "| Pages créées | 272 | 5 | contradicted | gap -267 |" in rows
    assert "| workshop_themes | more than 30 | 31 | reproduced |  |" in rows
    # not checkable: the reason checks.csv gives, not a generic phrase
    assert any(r.startswith("| share_in_commons |") and "the wiki records no involvement" in r
               for r in rows)  # fmt: skip
    # an internal check is named by the figure it is about, and how it is checked
    assert any(r.startswith("| Personnes initiées — product |") for r in rows)


def test_a_figure_the_latest_revision_removed_is_not_a_current_verdict() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    current = md[md.index("## Verdicts") : md.index("### Figures the latest revision removed")]
    assert "Solde estimé" not in current
    removed = md[md.index("### Figures the latest revision removed") :]
    assert removed.splitlines()[4].startswith(
        "| Solde estimé — difference | about 720 € | [114 (15 August 2017, 10:00, Bob)]("
        "https://wiki.example.org/index.php?title=Assembl%C3%A9e_des_Communs_de_Lille_-_Bilan"
        "_2015-2017&oldid=114) | contradicted |"
    )
    history = md[md.index("## Figure history") :]
    assert (
        "| Solde estimé | (removed) | [removed in 114, 15 August 2017, 10:00, by Bob]("
    ) in history


def test_markdown_claim_section_has_method_tolerance_gap_and_evidence() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    section = md[md.index("### Personnes initiées — product") :]
    assert "> 15 × 4 =\\> Environ 50 personnes" in section
    assert "- **Tolerance:** ±5 (10 %)" in section
    assert "- **Gap (recomputed − published):** +10" in section
    assert "- **Method:** initiation_workshops × initiation_mean_participants" in section
    assert (
        "- [Assemblée des Communs de Lille - Bilan 2015-2017, rev. 120](https://wiki.example.org"
        "/index.php?title=Assembl%C3%A9e_des_Communs_de_Lille_-_Bilan_2015-2017&oldid=120)"
    ) in section
    # 30 evidence items: 25 shown, the rest pointed to.
    assert "- *… and 5 more (full list in checks.csv)*" in md
    reason = md[md.index("### share_in_commons") :]
    assert "- **Why:** the wiki records no involvement" in reason.split("###")[1]


def test_a_data_check_lists_what_it_counted_and_what_came_later() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    section = md[md.index("### Journées de coworking — contradicted") :].split("\n### ")[0]
    assert "Counted (2):" in section
    assert (
        "| 6 October 2016 | Coworking 6 oct |  | [Calendrier, rev. 17, line 9](https://wiki."
        "example.org/index.php?title=Calendrier&oldid=17) |"
    ) in section
    assert (
        "| 11 May 2017 | Journée de coworking 11 mai 2017 | 7 participants (names listed) | "
        "[Journée de coworking 11 mai 2017, rev. 21]("
    ) in section
    assert "On the wiki now but not when the bilan was written (1): not counted." in section
    assert "| 26 October 2017 | Journée de coworking 26 octobre 2017 |" in section
    assert "recorded after the bilan's date |" in section


def test_the_french_report() -> None:
    frames = sample_frames()
    md = render_markdown(frames, french_context(), plots=[])
    assert md.startswith("# Vérification du bilan : Assemblée des Communs de Lille")
    summary = md.split("\n\n")[1]
    assert "révision 120 (15 novembre 2017 à 11:00)" in summary
    assert "confrontée au wiki tel qu'il était le 30 novembre 2017 à 15:40" in summary
    assert "3 reproduits, 2 approximativement, 3 contredits, 1 non vérifiable" in summary
    assert "| Total des dépenses — somme des lignes | 1 022,66 € | 1 022,66 € | reproduit |" in md
    assert "| Participants par réunion (moyenne) | moyenne 13,5 | 13,46 | approximativement |" in md
    assert "| share_in_commons | environ 1/3 |" in md
    assert "- **Tolérance :** arrondi à 13,5 (1 déc.)" in md
    assert "| 6 octobre 2016 | Coworking 6 oct |  | [Calendrier, rév. 17, ligne 9](" in md
    assert "retiré en 114, le 15 août 2017 à 12:00, par Bob" in md
    page = render_html(frames, french_context(), {})
    assert page.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert '<blockquote lang="fr">' in page
    assert '<span class="nb">1 022,66</span> €' in page
    assert '<td class="verdict v-contradicted" data-label="Verdict">contredit</td>' in page
    assert "produit le 1er mai 2024 à 14:00" in page


def test_markdown_history_highlights_changes_and_folds_runs() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    history = md[md.index("## Figure history") :]
    assert "| Participants par réunion (moyenne) | 14 | [written in 214, 15 January 2018" in history
    assert "### Solde estimé: 720 € → (removed)" in history
    assert "| **[100](" in history and "| **720 €** | **contradicted** |" in history
    assert "| 15 February 2017, 10:00 | Bob | 720 € | contradicted |" in history
    assert "| **(removed)** |  |" in history
    assert "| … 13 revisions unchanged |  |  |  |" in history
    # An unchanged claim gets a summary row but no table of its own.
    assert "### temps_forts" not in history


def test_markdown_escapes_pipes_newlines_and_markup() -> None:
    md = render_markdown(sample_frames(), sample_context(), plots=[])
    assert not re.search(r"(?<!\\)<", md), "an unescaped < reached report.md"
    assert "\\<script\\>alert(1)\\</script\\>" in md
    warning_row = next(line for line in md.splitlines() if line.startswith("| Calendrier | ["))
    assert warning_row.endswith("| 9 | unreadable count | a \\| b second line |")
    header = next(line for line in md.splitlines() if line.startswith("| Page |"))
    assert warning_row.replace("\\|", "").count("|") == header.count("|")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a|b", "a\\|b"),
        ("x\ny", "x y"),
        ("mean_participants", "mean_participants"),
        ("_x_", "\\_x\\_"),
        ("<b>", "\\<b\\>"),
        ("# title", "\\# title"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("13.46", "13.46"),
        ("-267", "-267"),
        ("[a](javascript:x)", "\\[a\\](javascript:x)"),
        ("&lt;", "\\&lt;"),
    ],
)
def test_markdown_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


# -- words, numbers, dates and links -----------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "value", "decimals", "expected"),
    [
        ("fr", Decimal("1022.66"), None, "1 022,66"),
        ("fr", 13.5, None, "13,5"),
        ("fr", "2000", 2, "2 000,00"),
        ("fr", -1234567, None, "-1 234 567"),
        ("fr", 11.769, 2, "11,77"),
        ("en", Decimal("1022.66"), None, "1,022.66"),
        ("en", "977.340", None, "977.34"),
        ("fr", "n/a", None, "n/a"),
    ],
)
def test_numbers_in_each_language(lang: str, value: object, decimals: int | None,
                                  expected: str) -> None:  # fmt: skip
    assert language(lang).number(value, decimals) == expected


def test_money_and_dates_in_each_language() -> None:
    fr, en = language("fr"), language("en-GB")
    assert fr.money(Decimal("1022.66")) == "1 022,66 €"
    assert en.money(1022.66) == "1,022.66 €"
    assert fr.date(T("2017-11-30")) == "30 novembre 2017"
    assert fr.date(T("2017-12-01")) == "1er décembre 2017"
    assert en.date(T("2017-12-01")) == "1 December 2017"
    assert fr.when(_utc("2017-11-30 14:40"), "Europe/Paris") == "30 novembre 2017 à 15:40"
    assert en.when(_utc("2017-11-30 14:40")) == "30 November 2017, 14:40"
    assert fr.month(T("2016-02-10")) == "févr. 2016"
    assert language("de") is language("en")


def test_every_phrase_exists_in_every_language() -> None:
    assert set(FR) == set(EN)
    for key, text in EN.items():
        assert re.findall(r"{(\w+)}", FR[key]) or not re.findall(r"{(\w+)}", text), key
        assert sorted(re.findall(r"{(\w+)}", FR[key])) == sorted(re.findall(r"{(\w+)}", text))


@pytest.mark.parametrize(
    ("article", "title", "archive", "expected"),
    [
        ("https://w.org/wiki/$1", "L'été 2/10", False,
         "https://w.org/index.php?title=L%27%C3%A9t%C3%A9_2/10&oldid=7"),
        ("https://w.org/w/index.php?title=$1", "A b", False,
         "https://w.org/w/index.php?title=A_b&oldid=7"),
        ("http://127.0.0.1:8080/index.php/$1", "A&B", False,
         "http://127.0.0.1:8080/index.php?title=A%26B&oldid=7"),
        # the mirror's file, its name's escapes escaped again (ARCHIVE.md)
        ("https://wiki.lescommuns.org/wiki/$1", "Construire dans l'action l'assemblée 10", True,
         "https://wiki.lescommuns.org/index.php@title=Construire_dans_l%2527action_l%2527"
         "assembl%25C3%25A9e_10&oldid=7.html"),
        ("https://m.org/wiki/$1", "Assemblée/Visite", True,
         "https://m.org/index.php@title=Assembl%25C3%25A9e%252FVisite&oldid=7.html"),
        ("javascript:alert(1)//$1", "A", False, ""),
        ("", "A", False, ""),
    ],
)  # fmt: skip
def test_revision_links_in_the_sites_own_form(
    article: str, title: str, archive: bool, expected: str
) -> None:
    assert revision_link(article, title, 7, archive=archive) == expected


def test_evidence_items() -> None:
    assert parse_evidence("A@1; B; c@d@22; ") == [("A", 1), ("B", None), ("c@d", 22)]


def test_an_archive_revision_links_to_the_mirror() -> None:
    frames = sample_frames()
    frames["revisions"] = frames["revisions"].assign(source="archive")
    md = render_markdown(frames, french_context(), plots=[])
    assert (
        "[Calendrier, rév. 17, ligne 9](https://wiki.example.org/index.php@title=Calendrier"
        "&oldid=17.html)" in md
    )


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "nav", "ul", "li", "a", "h1",
    "h2", "h3", "p", "blockquote", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th",
    "td", "code", "figure", "img", "figcaption", "footer", "h4", "span",
}  # fmt: skip


def test_html_escapes_every_piece_of_wiki_text() -> None:
    frames = sample_frames()
    ctx = sample_context(bilan_title=f"Bilan {HOSTILE_TEXT} {HOSTILE_ATTR}", site=HOSTILE_ATTR)
    page = render_html(frames, ctx, render_plots(frames))
    assert "<script" not in page.lower()
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    for tag, attrs in _tags(page):
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)


def test_html_is_self_contained_and_links_only_to_the_wiki() -> None:
    frames = sample_frames()
    page = render_html(frames, sample_context(), render_plots(frames))
    links = 0
    for tag, attrs in _tags(page):
        if (src := attrs.get("src")) is not None:
            assert src.startswith("data:image/png;base64,"), (tag, src)
        if (href := attrs.get("href")) is not None:
            assert href.startswith(("#", "https://wiki.example.org/")), (tag, href)
            links += "oldid=" in href
    assert links >= 10
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "@import" not in page and "url(" not in page


def test_html_verdict_table_has_a_class_per_verdict() -> None:
    page = render_html(sample_frames(), sample_context(), {})
    table = page[page.index('<table class="verdicts-data"') : page.index("</table>")]
    for css, word in [
        ("v-reproduced", "reproduced"),
        ("v-approximately", "approximately"),
        ("v-contradicted", "contradicted"),
        ("v-not-checkable", "not checkable"),
    ]:
        assert f'<td class="verdict {css}" data-label="Verdict">{word}</td>' in table
    internal = page[page.index('<table class="verdicts-internal"') :]
    assert '<a href="#claim-internal-initiated-product">Personnes initiées — product</a>' in (
        internal
    )
    assert 'id="claim-internal-initiated-product"' in page
    assert '<tr class="changed">' in page


@given(st.text(max_size=60))
@settings(max_examples=60, deadline=None)
def test_any_claim_text_comes_back_as_text(text: str) -> None:
    frames = {"checks": _checks().assign(text=text)}
    page = render_html(frames, sample_context(), {})
    assert {tag for tag, _ in _tags(page)} <= ALLOWED_TAGS
    md = render_markdown(frames, sample_context(), plots=[])
    assert not re.search(r"(?<!\\)<", md)


# -- the fixture wiki's report --------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of the fixture wiki, as `wikibilan run --offline` writes it."""
    work = tmp_path_factory.mktemp("fixture-report")
    library.run(cache=work / "cache.sqlite", out=work / "out", offline=True)
    return work / "out" / "report.html"


def test_the_fixture_report_is_french_with_revision_links(fixture_report: Path) -> None:
    page = fixture_report.read_text("utf-8")
    assert '<html lang="fr">' in page
    assert '<span class="nb">1 022,66</span> €' in page
    assert len(re.findall(r'href="https://[^"]*oldid=\d+', page)) >= 10


def test_the_coworking_check_lists_the_days_it_counted(fixture_report: Path) -> None:
    page = fixture_report.read_text("utf-8")
    section = page[page.index('id="claim-coworking-days"') :]
    section = section[: section.index("<h3", 10)]
    counted, later = section.split("Sur le wiki aujourd")
    days = re.findall(r'<td class="date" data-label="Date">([^<]+)</td>', counted)
    assert len(days) == 9
    assert days[0] == "13 octobre 2016" and days[-1] == "14 septembre 2017"
    assert "Calendrier de l&#x27;assemblée des communs de Lille, rév. 22884, ligne 19" in counted
    assert re.findall(r'data-label="Date">([^<]+)<', later) == ["26 octobre 2017"]
    assert "page créée le" in later


# -- plots --------------------------------------------------------------------------------


def test_plots_are_pngs_referenced_from_both_reports(written: tuple[Path, list[Path]]) -> None:
    out, _ = written
    md = (out / "report.md").read_text("utf-8")
    page = (out / "report.html").read_text("utf-8")
    pngs = sorted((out / "plots").glob("*.png"))
    assert len(pngs) == 5
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert f"](plots/{png.name})" in md
        assert f'src="data:image/png;base64,{base64.b64encode(data).decode()}"' in page


def test_plots_are_deterministic() -> None:
    frames = sample_frames()
    first = render_plots(frames)
    assert first == render_plots(frames)
    assert all(b"Software" not in png for png in first.values())


def test_plots_are_opaque_rgb_pngs_of_fixed_width_with_no_text_chunk() -> None:
    for name, png in render_plots(sample_frames()).items():
        with Image.open(io.BytesIO(png)) as image:
            assert (image.format, image.mode, image.width) == ("PNG", "RGB", 1050), name
            assert set(image.info) == {"dpi"}, name
            assert [round(d) for d in image.info["dpi"]] == [100, 100], name


def test_events_per_month_draws_a_single_month_and_long_gaps() -> None:
    frames = sample_frames()
    events = frames["events"]
    late = events["date_start"].where(events.index < 5, T("2021-06-01"))
    for rows in (events.iloc[:1], events.assign(date_start=late)):
        frames["events"] = rows
        png = render_plot(frames, "events_per_month")
        assert png.startswith(PNG_SIGNATURE)
        assert png == render_plot(frames, "events_per_month")


def test_the_plots_have_alt_text_in_the_reports_language() -> None:
    frames = sample_frames()
    page = render_html(frames, french_context(), render_plots(frames, lang="fr"))
    alts = [attrs["alt"] for tag, attrs in _tags(page) if tag == "img"]
    assert len(alts) == 5 and all(alts)
    assert (
        "Nuage de points des participant·e·s de 5 événements jusqu'au 30 novembre 2017. Publié : "
        "moyenne 13,5, de 3 à 21. Recalculé : moyenne 13,46."
    ) in alts
    assert "de 6 chiffres : 2 reproduits, 2 approximativement, 2 contredits." in alts[-1]
    assert plot_alt(frames, "expenses", "en").startswith("Bar chart of 3 expense lines summing")


def test_time_axes_end_at_the_bilan_date() -> None:
    """An event years later changes nothing: it is left out, not drawn on a longer axis."""
    frames = sample_frames()
    late = frames["events"].iloc[:1].assign(date_start=T("2019-06-01"), date_end=T("2019-06-01"))
    later = {**frames, "events": pd.concat([frames["events"], late], ignore_index=True)}
    for name in ("events_per_month", "participants"):
        assert render_plot(later, name) != render_plot(frames, name)  # it says one is left out
        a, b = (io.BytesIO(render_plot(f, name)) for f in (later, frames))
        with Image.open(a) as drawn_later, Image.open(b) as drawn:
            assert drawn_later.size == drawn.size


def test_plots_of_a_bilan_older_than_every_event() -> None:
    """Checked as of 2010, before anything happened: the plots are drawn, empty."""
    frames = sample_frames()
    frames["checks"] = frames["checks"].assign(as_of=_utc("2010-01-01"))
    plots = render_plots(frames, datetime(2010, 1, 1, tzinfo=UTC), lang="fr")
    assert set(plots) == set(plot_names(frames))
    assert all(png.startswith(PNG_SIGNATURE) for png in plots.values())


def test_plots_follow_the_data() -> None:
    frames = sample_frames()
    del frames["expenses"]
    frames["pages"] = frames["pages"].iloc[0:0]
    assert set(render_plots(frames)) == {
        "participants", "events_per_month", "published_vs_recomputed",
    }  # fmt: skip


# -- empty and missing frames -----------------------------------------------------------


def test_empty_frames_still_write_a_valid_report(tmp_path: Path) -> None:
    write_outputs(sample_frames(), tmp_path, sample_context())
    empty = {name: frame.iloc[0:0] for name, frame in sample_frames().items()}
    paths = write_outputs(empty, tmp_path, sample_context(as_of=None, bilan_revid=None))
    assert {f"{n}.csv" for n in empty} | {"report.md", "report.html"} <= {p.name for p in paths}
    assert not list((tmp_path / "plots").glob("*.png")), "stale plots were left behind"
    md = (tmp_path / "report.md").read_text("utf-8")
    assert "no published figure could be checked" in md
    assert "No checks: the checks frame is empty or missing." in md
    assert "No figure history" in md and "No plot" in md
    assert (tmp_path / "checks.csv").read_text("utf-8").startswith("claim_id,check,revid,")
    assert "<table" not in (tmp_path / "report.html").read_text("utf-8").split("Data notes")[0]


def test_no_frames_at_all_still_write_a_valid_report(tmp_path: Path) -> None:
    paths = write_outputs(
        {}, tmp_path / "out", ReportContext(site="", generated_at=datetime(2024, 1, 1))
    )
    assert [p.name for p in paths] == ["report.md", "report.html"]
    md = paths[0].read_text("utf-8")
    assert md.startswith("# Bilan check\n")
    assert "Frames not available: pages, revisions, events" in md
    assert paths[1].read_text("utf-8").startswith("<!DOCTYPE html>")
