"""Issue 12, point 9 (and 4): the library as a notebook sees it.

The public names, what their docstrings promise, ``as_of`` in every form the
docstrings name, typed checks, and reading functions that never create a store.
Expected figures come from fixtures/expected/checks.csv (written by the fixture
generator, not by the code under test).
"""

from __future__ import annotations

import inspect
import pydoc
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

import wikibilan
from wikibilan.errors import StoreError, UsageError

ROOT = Path(__file__).resolve().parents[1]
LILLE = ROOT / "fixtures" / "wiki" / "lille.xml"
EXPECTED = pd.read_csv(ROOT / "fixtures" / "expected" / "checks.csv", dtype=str,
                       keep_default_na=False).set_index("claim_id")  # fmt: skip
COMMANDS = ["load_frames", "check", "run", "fetch", "import_dump", "verify"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lib") / "lille.sqlite"
    wikibilan.import_dump(LILLE, cache=path)
    return path


@pytest.fixture(scope="module")
def checks(cache: Path) -> pd.DataFrame:
    return wikibilan.check(cache=cache)


# -- names and docs --------------------------------------------------------------------------


def test_the_commands_are_public_and_listed() -> None:
    for name in COMMANDS:
        assert name in wikibilan.__all__, name
        assert name in dir(wikibilan), name
        assert callable(getattr(wikibilan, name)), name


def test_help_shows_every_command() -> None:
    text = pydoc.render_doc(wikibilan, renderer=pydoc.plaintext)
    for name in COMMANDS:
        assert f"{name}(" in text, name


def test_docstrings_say_what_comes_back() -> None:
    for name in COMMANDS:
        doc = inspect.getdoc(getattr(wikibilan, name)) or ""
        assert "Returns:" in doc, name
    frames_doc = inspect.getdoc(wikibilan.load_frames) or ""
    for frame, key in [("pages", "page_id"), ("revisions", "revid"), ("events", "event_id"),
                       ("attendance", "name_key"), ("workshops", "workshop_id"),
                       ("expenses", "amount_eur"), ("claims", "claim_id"),
                       ("warnings", "reason")]:  # fmt: skip
        assert f"``{frame}``" in frames_doc and key in frames_doc, frame
    check_doc = " ".join((inspect.getdoc(wikibilan.check) or "").split())
    assert "a date string, a ``date`` or a ``datetime`` (naive means UTC)" in check_doc
    assert "published_text" in check_doc


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        wikibilan.no_such_function  # noqa: B018


# -- import_dump -----------------------------------------------------------------------------


def test_import_dump_reports_bytes_read_up_to_the_files_size(tmp_path: Path) -> None:
    seen: list[int] = []
    result = wikibilan.import_dump(LILLE, cache=tmp_path / "s.sqlite", progress=seen.append)
    assert (result.pages, result.revisions_read, result.revisions_new) == (45, 157, 157)
    assert sum(seen) == LILLE.stat().st_size
    assert all(n >= 0 for n in seen)


# -- as_of in every form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of",
    [
        "2018-06-01",
        "2018-06-01T00:00",
        "2018-06-01T02:00+02:00",
        date(2018, 6, 1),
        datetime(2018, 6, 1),  # naive: UTC
        datetime(2018, 6, 1, tzinfo=UTC),
        datetime(2018, 5, 31, 20, tzinfo=timezone(timedelta(hours=-4))),
        pd.Timestamp("2018-06-01"),
    ],
    ids=repr,
)
def test_check_as_of_takes_strings_dates_and_datetimes(cache: Path, as_of: object) -> None:
    got = wikibilan.check(cache=cache, as_of=as_of)  # type: ignore[arg-type]
    assert len(got) == len(EXPECTED)
    assert set(got["as_of"]) == {pd.Timestamp("2018-06-01T00:00:00Z")}


@pytest.mark.parametrize("as_of", ["yesterday", "30/11/2017", 2018])
def test_a_bad_as_of_is_a_usage_error(cache: Path, as_of: object) -> None:
    with pytest.raises(UsageError):
        wikibilan.check(cache=cache, as_of=as_of)  # type: ignore[arg-type]


def test_run_takes_as_of_the_same_way(cache: Path) -> None:
    result = wikibilan.run(cache=cache, out=None, as_of="2018-06-01", offline=False)
    assert set(result.checks["as_of"]) == {pd.Timestamp("2018-06-01T00:00:00Z")}


def test_an_as_of_before_the_bilan_warns_and_proceeds(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    got = wikibilan.check(cache=cache, as_of="2010-01-01")
    assert len(got) == len(EXPECTED)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "before the first revision of" in warned[0], warned


# -- typed checks ----------------------------------------------------------------------------


def test_check_columns_are_typed_like_the_frames(cache: Path, checks: pd.DataFrame) -> None:
    for column in ("published", "recomputed", "low", "high", "gap", "recomputed_low",
                   "recomputed_high"):  # fmt: skip
        assert checks[column].dtype == "float64", column
    for column in ("claim_id", "check", "text", "published_text", "qualifier", "tolerance",
                   "verdict", "holds_by", "method", "evidence"):  # fmt: skip
        assert checks[column].dtype == "string", column
    frames = wikibilan.load_frames(cache=cache)
    assert checks["revid"].dtype == frames["claims"]["revid"].dtype == "Int64"
    assert checks["as_of"].dtype == frames["revisions"]["timestamp"].dtype


def test_check_figures_are_numbers_and_the_published_text_has_its_own_column(
    checks: pd.DataFrame,
) -> None:
    by_id = checks.set_index("claim_id")
    for claim_id, row in EXPECTED.iterrows():
        got = by_id.loc[claim_id]
        assert got["verdict"] == row["verdict"], claim_id
        assert got["published_text"] == row["published"], claim_id
        if "-" not in row["published"]:
            assert got["published"] == float(row["published"]), claim_id
        if row["recomputed"] and "-" not in row["recomputed"]:
            assert got["recomputed"] == float(row["recomputed"]), claim_id
        elif not row["recomputed"]:
            assert pd.isna(got["recomputed"]), claim_id
    # "de 3 … à 21": a range is two numbers, never a "3-21" or a "0 / 0" in a number column
    ranged = by_id.loc["participants_range"]
    assert pd.isna(ranged["published"]) and pd.isna(ranged["recomputed"])
    assert (ranged["low"], ranged["high"]) == (3.0, 21.0)
    assert (ranged["recomputed_low"], ranged["recomputed_high"]) == (3.0, 21.0)
    mean = by_id.loc["mean_participants"]
    assert (mean["low"], mean["high"], mean["gap"]) == (13.45, 13.55, -1.73)


def test_checks_csv_stays_readable(cache: Path, tmp_path: Path) -> None:
    wikibilan.run(cache=cache, out=tmp_path, offline=False, report=False)
    text = (tmp_path / "checks.csv").read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    assert header[:7] == ["claim_id", "check", "revid", "as_of", "text", "published",
                          "published_text"]  # fmt: skip
    got = pd.read_csv(tmp_path / "checks.csv", dtype=str, keep_default_na=False)
    row = got.set_index("claim_id").loc["mean_participants"]
    assert (row["published"], row["recomputed"], row["gap"]) == ("13.5", "11.77", "-1.73")
    assert not got["published"].str.contains(r"\.0$|e[+-]", regex=True).any()


# -- reading never creates a store -----------------------------------------------------------


@pytest.mark.parametrize("function", ["load_frames", "check", "verify"])
def test_reading_functions_never_create_a_store(function: str, tmp_path: Path) -> None:
    typo = tmp_path / "no" / "such" / "store.sqlite"
    with pytest.raises(StoreError) as err:
        getattr(wikibilan, function)(cache=typo)
    assert str(typo) in str(err.value) and err.value.path == str(typo)
    assert list(tmp_path.iterdir()) == []


def test_run_without_fixtures_never_creates_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        wikibilan.run(cache=tmp_path / "typo.sqlite", out=None, offline=True, fixtures=False)
    assert list(tmp_path.iterdir()) == []


def test_no_bilan_gives_an_empty_checks_frame_typed_all_the_same(tmp_path: Path) -> None:
    dump = tmp_path / "other.xml"
    text = (ROOT / "tests" / "data" / "dump-0.11.xml").read_text(encoding="utf-8")
    # the same small wiki, its bilan page renamed: nothing to check
    dump.write_text(text.replace("<title>Assemblée des Communs de Lille - Bilan 2015-2017<",
                                 "<title>Notes<"), encoding="utf-8")  # fmt: skip
    cache = tmp_path / "other.sqlite"
    wikibilan.import_dump(dump, cache=cache)
    got = wikibilan.check(cache=cache)
    assert got.empty
    assert got["published"].dtype == "float64" and got["published_text"].dtype == "string"
