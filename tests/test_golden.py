"""End to end: the fixture wiki through the whole offline pipeline equals fixtures/expected/.

The expected files are written by fixtures/build_wiki.py from the structured data
it builds the wiki from, never by the code under test. To change them on purpose,
edit the generator and run ``make fixtures``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wikibilan import library

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "fixtures" / "expected"
FRAMES = ["pages", "revisions", "events", "attendance", "workshops", "expenses", "claims"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("golden")
    library.run(cache=work / "store.sqlite", out=work / "out", offline=True, report=False)
    return work / "out"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _figures_as_text(checks: pd.DataFrame) -> pd.DataFrame:
    """checks.csv's figures as the expected files write them: the published one as
    published (``published_text``, a range as ``3-21``), a range's recomputed minimum
    and maximum as ``min-max`` (checks.csv keeps them as numbers of their own)."""
    out = checks.copy()
    out["published"] = out["published_text"]
    ranged = (out["recomputed"] == "") & (out["recomputed_low"] != "")
    out.loc[ranged, "recomputed"] = out["recomputed_low"] + "-" + out["recomputed_high"]
    return out


def _compare(name: str, outputs: Path, expected_name: str | None = None) -> None:
    expected = _read(EXPECTED / f"{expected_name or name}.csv")
    actual = _read(outputs / f"{name}.csv")
    if name == "checks":
        actual = _figures_as_text(actual)
    missing = [c for c in expected.columns if c not in actual.columns]
    assert not missing, f"{name}.csv lacks columns {missing}"
    actual = actual[list(expected.columns)]
    keys = list(expected.columns)
    exp = expected.sort_values(keys).reset_index(drop=True)
    act = actual.sort_values(keys).reset_index(drop=True)
    extra = act.merge(exp, how="left", indicator=True).query("_merge == 'left_only'")
    lost = exp.merge(act, how="left", indicator=True).query("_merge == 'left_only'")
    assert extra.empty and lost.empty, (
        f"{name}: {len(lost)} expected rows missing:\n{lost.head(20).to_string()}\n"
        f"{len(extra)} unexpected rows:\n{extra.head(20).to_string()}"
    )


@pytest.mark.parametrize("name", FRAMES)
def test_frame_equals_expected(name: str, outputs: Path) -> None:
    _compare(name, outputs)


def test_checks_equal_expected(outputs: Path) -> None:
    _compare("checks", outputs)


def test_checks_as_of_after_the_late_edits(outputs: Path, tmp_path: Path) -> None:
    """Edits made after the bilan change nothing, unless --as-of moves past them."""
    from datetime import UTC, datetime

    from wikibilan.report import frame_to_csv

    store = outputs.parent / "store.sqlite"
    late = library.check(cache=store, as_of=datetime(2019, 6, 1, tzinfo=UTC))
    late_out = tmp_path / "late"
    late_out.mkdir()
    (late_out / "checks.csv").write_text(frame_to_csv(late), encoding="utf-8")
    _compare("checks", late_out, expected_name="checks_late")
    on_time = _read(outputs / "checks.csv")
    changed = set(
        _read(EXPECTED / "checks_late.csv")
        .merge(on_time[["claim_id", "verdict"]], on="claim_id", suffixes=("_late", ""))
        .query("verdict_late != verdict")["claim_id"]
    )
    assert {"coworking_days", "temps_forts"} <= changed
