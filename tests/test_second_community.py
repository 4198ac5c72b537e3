"""A second community needs a profile and no code (issue 14, point 3).

fixtures/valenciennes/ is an invented wiki of another community — other town, people,
page titles, reading vocabulary and report wording — with its own profile. Its
expected verdicts and events are worked out by ``fixtures/valenciennes/build.py`` from
the data it writes the wiki from, never by the reader. Here the real command line
imports the wiki and runs it offline with that profile. (The Lille fixture, run with
the default profile, is tests/test_golden.py.)
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from wikibilan.cli import main

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "valenciennes"
PROFILE = HERE / "profile.toml"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("valenciennes")
    store, out = work / "store.sqlite", work / "out"
    assert main(["import", str(HERE / "wiki.xml"), "--cache", str(store), "-q"]) == 0
    run = ["run", "--offline", "--profile", str(PROFILE), "--cache", str(store)]
    assert main([*run, "--out", str(out), "-q"]) == 0
    return out


def _mismatches(expected: pd.DataFrame, actual: pd.DataFrame, key: str) -> str:
    merged = expected.merge(actual[list(expected.columns)], on=key, how="outer",
                            suffixes=("_expected", "_got"), indicator=True)  # fmt: skip
    bad = []
    for _, row in merged.iterrows():
        cols = [c for c in expected.columns if c != key]
        if row["_merge"] != "both" or any(row[f"{c}_expected"] != row[f"{c}_got"] for c in cols):
            bad.append(
                f"{row[key]}: expected "
                + ", ".join(f"{c}={row.get(f'{c}_expected')!r}" for c in cols)
                + " / got "
                + ", ".join(f"{c}={row.get(f'{c}_got')!r}" for c in cols)
            )
    return "\n".join(bad)


def test_checks_equal_expected(outputs: Path) -> None:
    """Every claim and internal check: verdict, figure as published, recomputed value."""
    got = _read(outputs / "checks.csv")
    got["published"] = got["published_text"]  # as published; a range as "6-17"
    ranged = (got["recomputed"] == "") & (got["recomputed_low"] != "")
    got.loc[ranged, "recomputed"] = got["recomputed_low"] + "-" + got["recomputed_high"]
    expected = _read(HERE / "expected_checks.csv")
    assert not (bad := _mismatches(expected, got, "claim_id")), bad


def test_events_equal_expected(outputs: Path) -> None:
    expected = _read(HERE / "expected_events.csv")
    assert not (bad := _mismatches(expected, _read(outputs / "events.csv"), "event_id")), bad


def test_every_page_read_on_strong_evidence(outputs: Path) -> None:
    """No page of this wiki qualifies for a warning under docs/FRAMES.md's rules."""
    assert _read(outputs / "warnings.csv").empty


def test_generator_writes_the_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("valenciennes_build", HERE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        for name, content in module.files().items():
            assert (HERE / name).read_text(encoding="utf-8") == content, (
                f"{name} differs from what build.py writes: run "
                "python fixtures/valenciennes/build.py"
            )
    finally:
        del sys.modules[spec.name]


# -------------------------------------------------------------------------- broken profiles

# (a line of the profile, what a broken profile says instead, the key the error must name,
# the line it must name: the broken one, or the line before it opening with this — the
# table of an unknown key, the key of a multi-line array)
BROKEN = [
    ('recompute = "distinct_themes"', 'recompute = "count_themes"', "claims[10].recompute", ""),
    (
        "find = 'moyenne\\s+{number}\\s+personnes\\s+par\\s+rencontre'",
        "find = 'moyenne\\s+{number}\\s+(personnes'",
        "claims[4].find",
        "",
    ),
    (
        "single = 'chantier|f[êe]te des communs'",
        "single = 'chantier|f[êe]te des communs['",
        "internal[0].with.single",
        "",
    ),
    ("  '^Atelier ',", "  '^Atelier (',", "selection.title_patterns[6]", "title_patterns = ["),
    ('with = { allocation = "grant" }', 'bogus = "grant"', "claims[17]", "[[claims]]"),
]


def _broken(tmp_path: Path, good: str, bad: str, header: str = "") -> tuple[Path, int]:
    """The profile with ``good`` replaced by ``bad``, and the line the error must name."""
    text = PROFILE.read_text(encoding="utf-8")
    assert text.count(good) == 1, good
    text = text.replace(good, bad)
    path = tmp_path / "broken profile.toml"
    path.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    line = next(n for n, t in enumerate(lines) if bad in t)
    while header and not lines[line].startswith(header):
        line -= 1
    return path, line + 1


@pytest.mark.parametrize(("good", "bad", "key", "header"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_profile_is_one_sentence_naming_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], good: str, bad: str, key: str, header: str
) -> None:
    path, line = _broken(tmp_path, good, bad, header)
    store = tmp_path / "s.db"
    code = main(["run", "--offline", "--profile", str(path), "--cache", str(store),
                 "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("wikibilan: "), err
    assert "Traceback" not in err
    assert f"{path}, line {line}: {key}:" in err, (line, err)
    assert not store.exists()  # refused before any store was opened


def test_a_bad_reading_pattern_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = _broken(tmp_path, "title = ['^chantier\\b']", "title = ['^chantier(']")
    code = main(["run", "--offline", "--profile", str(path), "--cache", str(tmp_path / "s.db"),
                 "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(path) in err and re.search(rf"line {line}:.*kinds\[2\]\.title", err), err
