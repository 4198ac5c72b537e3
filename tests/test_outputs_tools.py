"""Outputs for tools: frames.sqlite (Datasette), datapackage.json (Frictionless),
``wikibilan.read_outputs`` (pandas) and ``check --json`` (CI), after a run of the
fixture wiki; and docs/FRAMES.md's column tables, generated from the same data.

To regenerate the column tables after changing ``report/columns.py``:
``WIKIBILAN_REGENERATE_DOCS=1 pytest tests/test_outputs_tools.py -k column_tables``.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import wikibilan
from wikibilan import library
from wikibilan.errors import InputError
from wikibilan.frames import SCHEMAS, make_frame
from wikibilan.history import HISTORY_COLUMNS
from wikibilan.report import frame_records, frame_to_json, write_csvs
from wikibilan.report.columns import EXTRA_DTYPES, TABLES, document_columns
from wikibilan.report.keys import table_keys

ROOT = Path(__file__).resolve().parents[1]
FRAMES_DOC = ROOT / "docs" / "FRAMES.md"
README = (ROOT / "README.md").read_text(encoding="utf-8")
TABLE_TYPES = {"string", "integer", "number", "boolean", "date", "datetime"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture wiki through a whole offline run: (store, outputs)."""
    work = tmp_path_factory.mktemp("tools")
    library.run(cache=work / "store.sqlite", out=work / "out", offline=True)
    return work / "store.sqlite", work / "out"


@pytest.fixture(scope="module")
def db(run: tuple[Path, Path]) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{run[1] / 'frames.sqlite'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


@pytest.fixture(scope="module")
def package(run: tuple[Path, Path]) -> dict[str, object]:
    data: dict[str, object] = json.loads((run[1] / "datapackage.json").read_text("utf-8"))
    return data


def _csv(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


# -- frames.sqlite -------------------------------------------------------------------------


def _columns(db: sqlite3.Connection, table: str) -> dict[str, tuple[str, int]]:
    """column -> (declared type, position in the primary key, 0 when not in it)."""
    return {r["name"]: (r["type"], r["pk"]) for r in db.execute(f'PRAGMA table_info("{table}")')}


def _indexed(db: sqlite3.Connection, table: str) -> set[tuple[str, ...]]:
    out = set()
    for index in db.execute(f'PRAGMA index_list("{table}")'):
        info = db.execute(f'PRAGMA index_info("{index["name"]}")')
        out.add(tuple(r["name"] for r in info))
    return out


def test_frames_sqlite_has_a_table_per_csv_with_the_same_rows(
    run: tuple[Path, Path], db: sqlite3.Connection
) -> None:
    out = run[1]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    csvs = {p.stem for p in out.glob("*.csv")}
    assert {"events", "attendance", "workshops", "checks", "claim_history"} <= tables
    assert tables == csvs
    for name in sorted(tables):
        csv = _csv(out, name)
        assert list(_columns(db, name)) == list(csv.columns), name
        assert db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] == len(csv), name
    assert len(_csv(out, "attendance")) > 100 and len(_csv(out, "checks")) > 20


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("events", ("event_id",)),
        ("pages", ("site", "page_id")),
        ("revisions", ("site", "revid")),
        ("workshops", ("workshop_id",)),
        ("claims", ("claim_id", "revid")),
        ("checks", ("claim_id", "check")),
        ("claim_history", ("claim_id", "revid")),
        ("coverage", ("title",)),
        ("attendance", ()),  # rowid: the CSV's row order
        ("expenses", ()),
        ("warnings", ()),
    ],
)
def test_frames_sqlite_primary_keys(
    db: sqlite3.Connection, table: str, key: tuple[str, ...]
) -> None:
    columns = _columns(db, table)
    assert tuple(sorted((c for c in columns if columns[c][1]), key=lambda c: columns[c][1])) == key


def test_frames_sqlite_declares_types(db: sqlite3.Connection) -> None:
    events, checks = _columns(db, "events"), _columns(db, "checks")
    assert events["event_id"][0] == "TEXT" and events["date_start"][0] == "TEXT"
    assert events["n_participants"][0] == "INTEGER" and events["section"][0] == "TEXT"
    assert checks["published"][0] == "REAL" and checks["revid"][0] == "INTEGER"
    assert _columns(db, "expenses")["amount_eur"][0] == "REAL"
    assert _columns(db, "attendance")["uncertain"][0] == "INTEGER"
    types = {
        (r["typeof(n_participants)"], r["typeof(date_start)"], r["typeof(section)"])
        for r in db.execute(
            "SELECT typeof(n_participants), typeof(date_start), typeof(section) FROM events"
        )
    }
    assert ("integer", "text", "text") in types
    assert {t[0] for t in types} <= {"integer", "null"} and {t[1] for t in types} == {"text"}
    # A heading "2016" stays the text "2016", as in the CSV; a missing value is NULL.
    sections = {r[0] for r in db.execute("SELECT section FROM events")}
    assert "2016" in sections and None in sections and "" not in sections


def test_frames_sqlite_values_match_the_csvs(
    run: tuple[Path, Path], db: sqlite3.Connection
) -> None:
    csv = _csv(run[1], "checks").set_index("claim_id")
    for row in db.execute("SELECT claim_id, published, gap, verdict, as_of, evidence FROM checks"):
        expected = csv.loc[row["claim_id"]]
        assert row["verdict"] == expected["verdict"] and row["as_of"] == expected["as_of"]
        for column in ("published", "gap"):
            if expected[column] == "":
                assert row[column] is None
            else:
                assert row[column] == pytest.approx(float(expected[column]))
        assert (row["evidence"] or "") == expected["evidence"]
    amounts = [r[0] for r in db.execute("SELECT amount_eur FROM expenses")]
    assert sum(amounts) == pytest.approx(
        float(sum(Decimal(a) for a in _csv(run[1], "expenses")["amount_eur"]))
    )


def test_frames_sqlite_indexes_and_references(db: sqlite3.Connection) -> None:
    assert ("event_id",) in _indexed(db, "attendance")
    assert ("event_id",) in _indexed(db, "workshops")
    assert ("title",) in _indexed(db, "revisions")
    references = {
        (table, r["from"], r["table"], r["to"])
        for table in ("attendance", "workshops", "revisions", "checks")
        for r in db.execute(f'PRAGMA foreign_key_list("{table}")')
    }
    assert ("attendance", "event_id", "events", "event_id") in references
    assert ("workshops", "event_id", "events", "event_id") in references
    assert ("revisions", "page_id", "pages", "page_id") in references
    assert ("checks", "revid", "revisions", "revid") in references
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_frames_sqlite_schema_carries_the_descriptions(db: sqlite3.Connection) -> None:
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    assert '"participants_basis" TEXT,  -- Where `n_participants` comes from' in sql


# -- datapackage.json ----------------------------------------------------------------------


def _resources(package: dict[str, object]) -> dict[str, dict[str, object]]:
    resources = package["resources"]
    assert isinstance(resources, list)
    return {r["name"]: r for r in resources}


def test_datapackage_describes_every_csv(
    run: tuple[Path, Path], package: dict[str, object]
) -> None:
    out = run[1]
    resources = _resources(package)
    assert package["profile"] == "tabular-data-package"
    assert {r["path"] for r in resources.values()} == {p.name for p in out.glob("*.csv")}
    for name, resource in resources.items():
        schema = resource["schema"]
        assert isinstance(schema, dict)
        fields = schema["fields"]
        assert [f["name"] for f in fields] == list(_csv(out, name).columns), name
        for f in fields:
            assert f["type"] in TABLE_TYPES, (name, f)
            assert f.get("description"), f"{name}.{f['name']} has no description"
        assert resource["description"]


def test_datapackage_keys(package: dict[str, object]) -> None:
    resources = _resources(package)

    def schema(name: str) -> dict[str, object]:
        value = resources[name]["schema"]
        assert isinstance(value, dict)
        return value

    assert schema("events")["primaryKey"] == ["event_id"]
    assert schema("claims")["primaryKey"] == ["claim_id", "revid"]
    assert schema("checks")["primaryKey"] == ["claim_id", "check"]
    assert schema("claim_history")["primaryKey"] == ["claim_id", "revid"]
    assert "primaryKey" not in schema("attendance")
    foreign = {
        (name, tuple(fk["fields"]), fk["reference"]["resource"])  # type: ignore[index]
        for name in resources
        for fk in schema(name).get("foreignKeys", [])  # type: ignore[attr-defined]
    }
    assert ("attendance", ("event_id",), "events") in foreign
    assert ("workshops", ("event_id",), "events") in foreign
    assert ("checks", ("revid",), "revisions") in foreign
    assert ("claims", ("revid",), "revisions") in foreign


def test_datapackage_types(package: dict[str, object]) -> None:
    fields = {
        (name, f["name"]): f
        for name, r in _resources(package).items()
        for f in r["schema"]["fields"]  # type: ignore[index]
    }
    assert fields["events", "section"]["type"] == "string"
    assert fields["events", "date_start"]["type"] == "date"
    assert fields["events", "n_participants"]["type"] == "integer"
    assert fields["pages", "first_rev_at"]["type"] == "datetime"
    assert fields["attendance", "uncertain"]["type"] == "boolean"
    assert fields["expenses", "amount_eur"]["type"] == "number"
    assert "floatNumber" not in fields["expenses", "amount_eur"]  # exact: read back as Decimal
    assert fields["checks", "published"]["floatNumber"] is True


def test_datapackage_is_a_valid_frictionless_package(run: tuple[Path, Path]) -> None:
    from frictionless import validate

    report = validate(run[1] / "datapackage.json")
    assert report.valid, report.flatten(["title", "type", "note"])[:10]


def test_frictionless_catches_a_broken_reference(run: tuple[Path, Path], tmp_path: Path) -> None:
    """The validation above checks the foreign keys, not just the descriptor's shape."""
    from frictionless import validate

    for path in run[1].glob("*.*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    attendance = _csv(tmp_path, "attendance")
    attendance.loc[0, "event_id"] = "1999-01-01-nowhere"
    attendance.to_csv(tmp_path / "attendance.csv", index=False, lineterminator="\n")
    report = validate(tmp_path / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {e[1] for e in report.flatten(["title", "type"])}


def test_a_hand_made_frame_is_described_by_what_it_holds(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"published": ["1/3", "16"], "n": pd.array([1, None], dtype="Int64"), "ok": [True, False]}
    )
    write_csvs({"checks": frame, "mini": frame}, tmp_path)
    fields = {
        (r["name"], f["name"]): f["type"]
        for r in json.loads((tmp_path / "datapackage.json").read_text("utf-8"))["resources"]
        for f in r["schema"]["fields"]
    }
    assert fields["checks", "published"] == "string"  # declared a number, holds text
    assert fields["mini", "n"] == "integer" and fields["mini", "ok"] == "boolean"
    back = library.read_outputs(tmp_path)
    assert back["mini"]["published"].tolist() == ["1/3", "16"]
    assert back["mini"]["n"].dtype == "Int64" and back["mini"]["ok"].dtype == "boolean"


def test_a_key_the_data_do_not_bear_out_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    events = pd.DataFrame({"event_id": ["a", "b"]})
    keys = table_keys({"events": events, "attendance": pd.DataFrame({"event_id": ["a", ""]})})
    assert keys["events"].primary_key == ("event_id",)
    assert [r.table for r in keys["attendance"].references] == ["events"]  # empty: no reference
    keys = table_keys({"events": events, "attendance": pd.DataFrame({"event_id": ["a", "z"]})})
    assert keys["attendance"].references == ()
    assert "attendance: some event_id are not in events" in caplog.text
    keys = table_keys({"events": pd.DataFrame({"event_id": ["a", "a"]})})
    assert keys["events"].primary_key == ()
    assert "events: event_id is not a key of its rows" in caplog.text


def test_no_frame_no_package(tmp_path: Path) -> None:
    assert write_csvs({}, tmp_path / "out") == []


# -- read_outputs --------------------------------------------------------------------------


def test_read_outputs_is_public() -> None:
    assert "read_outputs" in wikibilan.__all__ and "read_outputs" in dir(wikibilan)
    assert wikibilan.read_outputs is library.read_outputs


def test_read_outputs_gives_load_frames_dtypes_and_values(run: tuple[Path, Path]) -> None:
    store, out = run
    read = wikibilan.read_outputs(out)
    loaded = wikibilan.load_frames(store)
    assert set(loaded) <= set(read)
    for name, frame in loaded.items():
        pd.testing.assert_series_equal(read[name].dtypes, frame.dtypes, obj=name)
        pd.testing.assert_frame_equal(read[name], frame, obj=name)


def test_read_outputs_gives_check_dtypes(run: tuple[Path, Path]) -> None:
    store, out = run
    read = wikibilan.read_outputs(out)
    checks = wikibilan.check(store)
    pd.testing.assert_frame_equal(read["checks"], checks)
    history = read["claim_history"]
    assert list(history.columns) == HISTORY_COLUMNS
    assert dict(history.dtypes.astype(str)) == {
        c: {"datetime": "datetime64[us, UTC]"}.get(t, t)
        for c, t in EXTRA_DTYPES["claim_history"].items()
    }


def test_read_outputs_keeps_text_that_looks_like_a_number(run: tuple[Path, Path]) -> None:
    events = wikibilan.read_outputs(run[1])["events"]
    assert "2016" in set(events["section"])  # plain pd.read_csv would make it 2016.0
    assert events["n_participants"].dtype == "Int64"


def test_read_outputs_where_plain_read_csv_guesses_numbers(tmp_path: Path) -> None:
    rows = [
        {"event_id": "2016-03-01-meeting", "kind": "meeting", "date_start": date(2016, 3, 1),
         "n_participants": 12, "n_listed": 12, "section": "2016", "line": 4, "revid": 7},
        {"event_id": "2016-04-01-meeting", "kind": "meeting", "date_start": date(2016, 4, 1),
         "n_participants": None, "n_listed": 0, "section": "", "line": None, "revid": 8},
    ]  # fmt: skip
    events = make_frame("events", rows)
    write_csvs({"events": events}, tmp_path)
    plain = pd.read_csv(tmp_path / "events.csv")
    assert plain["section"].tolist()[0] == 2016.0 and plain["n_participants"].dtype == "float64"
    back = wikibilan.read_outputs(tmp_path)["events"]
    pd.testing.assert_series_equal(back.dtypes, events.dtypes)
    given = list(rows[0])
    pd.testing.assert_frame_equal(back[given], events[given])
    assert back["section"].tolist() == ["2016", ""]


def test_read_outputs_without_a_package(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no datapackage.json in"):
        wikibilan.read_outputs(tmp_path)


def test_read_outputs_refuses_a_path_outside_the_folder(tmp_path: Path) -> None:
    resource = {"name": "x", "path": "../x.csv", "schema": {"fields": []}}
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [resource]}))
    with pytest.raises(InputError, match="is not a file in"):
        wikibilan.read_outputs(tmp_path)


def test_read_outputs_names_a_cell_of_the_wrong_type(
    run: tuple[Path, Path], tmp_path: Path
) -> None:
    for path in run[1].glob("*.*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    events = _csv(tmp_path, "events")
    events.loc[0, "n_listed"] = "many"
    events.to_csv(tmp_path / "events.csv", index=False, lineterminator="\n")
    with pytest.raises(InputError, match="events.csv: column n_listed holds a value"):
        wikibilan.read_outputs(tmp_path)


# -- check --json --------------------------------------------------------------------------


def test_check_json_prints_the_checks_and_nothing_else(
    run: tuple[Path, Path], tmp_path: Path
) -> None:
    store = run[0]
    command = [sys.executable, "-m", "wikibilan", "check", "--json", "--cache", str(store),
               "--out", str(tmp_path / "out")]  # fmt: skip
    plain = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    checks = json.loads(plain.stdout)
    assert isinstance(checks, list) and len(checks) > 20
    assert all(isinstance(c, dict) and c["claim_id"] and c["verdict"] for c in checks)
    assert {c["verdict"] for c in checks} <= {
        "reproduced", "approximately", "contradicted", "incomplete", "not_checkable"
    }  # fmt: skip
    by_id = {c["claim_id"]: c for c in checks}
    assert by_id["founding_meetings"]["published"] == 16  # a number, not "16"
    assert by_id["founding_meetings"]["revid"] == 22921
    assert any(c["recomputed"] is None for c in checks)  # null, not "" or NaN
    assert any(isinstance(c["gap"], float) for c in checks)
    assert "wrote" in plain.stderr  # the summary goes to stderr
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True, timeout=300)
    assert strict.returncode == 1  # the fixture wiki contradicts some figures
    assert json.loads(strict.stdout) == checks


def test_frame_records_numbers_and_nulls() -> None:
    frame = pd.DataFrame(
        {
            "n": pd.array([3, None], dtype="Int64"),
            "x": [0.25, math.nan],
            "whole": [16.0, -2.0],
            "money": [Decimal("1022.66"), None],
            "ok": pd.array([True, None], dtype="boolean"),
            "text": pd.array(["a", ""], dtype="string"),
            "at": pd.to_datetime(["2017-11-30 14:40", None], utc=True),
        }
    )
    assert frame_records(frame) == [
        {"n": 3, "x": 0.25, "whole": 16, "money": 1022.66, "ok": True, "text": "a",
         "at": "2017-11-30T14:40:00Z"},
        {"n": None, "x": None, "whole": -2, "money": None, "ok": None, "text": None, "at": None},
    ]  # fmt: skip
    assert json.loads(frame_to_json(frame.iloc[0:0])) == []


# -- the descriptions ---------------------------------------------------------------------


def test_every_frame_column_is_described() -> None:
    schemas = {**SCHEMAS, **EXTRA_DTYPES}
    for name, schema in schemas.items():
        assert name in TABLES, f"{name}: no description in report/columns.py"
        assert list(TABLES[name].columns) == list(schema), name
    assert list(EXTRA_DTYPES["claim_history"]) == HISTORY_COLUMNS


# -- docs ----------------------------------------------------------------------------------


def test_frames_doc_column_tables_are_generated() -> None:
    text = FRAMES_DOC.read_text(encoding="utf-8")
    fresh = document_columns(text)
    if fresh != text and os.environ.get("WIKIBILAN_REGENERATE_DOCS"):
        FRAMES_DOC.write_text(fresh, encoding="utf-8")
        text = fresh
    assert fresh == text, "docs/FRAMES.md is out of date: regenerate it (module docstring)"
    for name in TABLES:
        assert f"<!-- columns: {name} -->" in text, f"docs/FRAMES.md has no table for {name}"
    assert "## Evidence" in text


def test_readme_documents_the_tool_outputs(
    run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "datasette outputs/frames.sqlite" in README
    assert "`datapackage.json`" in README and "`frames.sqlite`" in README
    assert "check --json" in README
    block = next(b for b in README.split("```python\n")[1:] if "read_outputs" in b)
    monkeypatch.chdir(run[1].parent)
    (run[1].parent / "outputs").mkdir(exist_ok=True)
    for path in run[1].glob("*.*"):
        (run[1].parent / "outputs" / path.name).write_bytes(path.read_bytes())
    namespace: dict[str, object] = {}
    exec(compile(block.split("```")[0], "README.md", "exec"), namespace)
