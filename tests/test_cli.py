"""The command line: exit codes, one-sentence errors, round trips through the store."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wikibilan.cli import main

ROOT = Path(__file__).resolve().parents[1]
LILLE = ROOT / "fixtures" / "wiki" / "lille.xml"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wikibilan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _one_sentence(stderr: str) -> None:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wikibilan: ")
    assert "Traceback" not in stderr


def test_version() -> None:
    r = run_cli("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("wikibilan ")


@pytest.mark.parametrize(
    "args", [["frobnicate"], ["run", "--bogus"], ["import"], ["check", "--as-of", "yesterday"]]
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    _one_sentence(capsys.readouterr().err)


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nope.xml"), "--cache", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    _one_sentence(err)
    assert "nope.xml" in err


def test_not_xml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"\x89PNG not at all xml")
    assert main(["import", str(bad), "--cache", str(tmp_path / "s.db")]) == 2
    _one_sentence(capsys.readouterr().err)


def test_corrupt_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.db"
    store.write_bytes(b"this is not a database" * 100)
    assert main(["import", str(LILLE), "--cache", str(store), "-q"]) == 2
    _one_sentence(capsys.readouterr().err)


def test_locked_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.db"
    assert main(["import", str(LILLE), "--cache", str(store), "-q"]) == 0
    holder = sqlite3.connect(store)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = run_cli("import", str(LILLE), "--cache", str(store), "-q")
    finally:
        holder.rollback()
        holder.close()
    assert r.returncode == 2
    _one_sentence(r.stderr)


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    r = run_cli("import", str(tmp_path / "nope.xml"), "--cache", str(tmp_path / "s.db"), "-v")
    assert r.returncode == 2
    assert "Traceback" in r.stderr


def test_empty_store_without_fixtures_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--cache", str(tmp_path / "s.db"), "--out", str(tmp_path)]) == 2
    _one_sentence(capsys.readouterr().err)


def test_import_export_import_round_trip(tmp_path: Path) -> None:
    from wikibilan.store import Store

    a, b, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out.xml"
    assert main(["import", str(LILLE), "--cache", str(a), "-q"]) == 0
    assert main(["import", str(LILLE), "--cache", str(a), "-q"]) == 0  # idempotent
    assert main(["export", str(out), "--cache", str(a), "-q"]) == 0
    assert main(["import", str(out), "--cache", str(b), "-q"]) == 0
    with Store.open(a) as sa, Store.open(b) as sb:
        ra, rb = list(sa.iter_revisions()), list(sb.iter_revisions())
    assert len(ra) == 157
    fields = (
        "site",
        "page_id",
        "title",
        "revid",
        "parentid",
        "timestamp",
        "user",
        "comment",
        "sha1",
        "content",
        "user_is_ip",
    )
    assert [tuple(getattr(r, f) for f in fields) for r in ra] == [
        tuple(getattr(r, f) for f in fields) for r in rb
    ]


def test_strict_exits_1_on_a_contradicted_figure(tmp_path: Path) -> None:
    cache, out = str(tmp_path / "s.db"), str(tmp_path / "out")
    assert main(["run", "--offline", "--cache", cache, "--out", out, "-q"]) == 0
    assert main(["check", "--cache", cache, "--out", out, "--strict", "-q"]) == 1
    assert (tmp_path / "out" / "report.html").is_file()


def test_verify_on_a_clean_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = str(tmp_path / "s.db")
    assert main(["import", str(LILLE), "--cache", cache, "-q"]) == 0
    assert main(["verify", "--cache", cache]) == 0
    assert (
        "157 revisions of 45 pages checked: 0 with a wrong sha1, 0 gaps" in capsys.readouterr().out
    )
