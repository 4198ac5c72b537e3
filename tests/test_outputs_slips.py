"""Issue 12, point 5: output problems are one sentence and exit 2; a run never mixes two runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_report import sample_context, sample_frames
from wikibilan.cli import main
from wikibilan.errors import OutputError
from wikibilan.report import write_csvs, write_outputs

ROOT = Path(__file__).resolve().parents[1]
LILLE = ROOT / "fixtures" / "wiki" / "lille.xml"
OTHER = ROOT / "tests" / "data" / "dump-0.11.xml"  # another site: 127.0.0.1:8080
FRAMES = ("pages", "revisions", "events", "attendance", "workshops", "expenses", "claims",
          "coverage", "warnings")  # fmt: skip
TOOL_FILES = {"datapackage.json", "frames.sqlite"}
PLOTS = {"participants", "events_per_month", "pages_created", "expenses",
         "published_vs_recomputed"}  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding two sites: the Lille fixture wiki and a small other one."""
    path = tmp_path_factory.mktemp("store") / "s.sqlite"
    for dump in (LILLE, OTHER):
        assert main(["import", str(dump), "--cache", str(path), "-q"]) == 0
    return path


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a directory)."""
    return {
        p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
        for p in sorted(root.rglob("*"))
    }


def _one_sentence(stderr: str, *words: str) -> None:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wikibilan: cannot write")
    assert "Traceback" not in stderr
    for word in words:
        assert word in lines[0], lines[0]


def _check(store: Path, out: Path, *more: str) -> list[str]:
    return ["check", "--cache", str(store), "--site", "wiki.lescommuns.org", "--out", str(out),
            "-q", *more]  # fmt: skip


# -- one sentence, exit 2, nothing written ------------------------------------------------


def test_out_pointing_at_a_file(store: Path, tmp_path: Path) -> None:
    target = tmp_path / "outputs"
    target.write_text("mine", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "wikibilan", *_check(store, target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    _one_sentence(r.stderr, f"cannot write the outputs to {target}: it is a file")
    assert _tree(tmp_path) == {"outputs": b"mine"}


def test_out_under_a_file(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_bytes(b"")
    target = tmp_path / "afile" / "out"
    assert main(_check(store, target)) == 2
    _one_sentence(capsys.readouterr().err, f"{tmp_path / 'afile'} is a file, not a directory")
    assert _tree(tmp_path) == {"afile": b""}


def test_out_whose_plots_is_a_file(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plots").write_bytes(b"not a folder")
    assert main(_check(store, tmp_path)) == 2
    _one_sentence(capsys.readouterr().err, f"{tmp_path / 'plots'}: it is a file")
    assert _tree(tmp_path) == {"plots": b"not a folder"}


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into a directory whatever its mode",
)
def test_out_in_a_read_only_directory(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(_check(store, locked / "out")) == 2
        _one_sentence(capsys.readouterr().err, "permission denied")
        assert _tree(locked) == {}
    finally:
        locked.chmod(0o755)


def test_writer_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "report.html").mkdir()
    with pytest.raises(OutputError, match="it is a directory, not a file") as caught:
        write_outputs(sample_frames(), tmp_path, sample_context())
    assert caught.value.path == str(tmp_path / "report.html")
    assert _tree(tmp_path) == {"report.html": None}


# -- never a mix of two runs ---------------------------------------------------------------


def test_a_failure_midway_puts_the_previous_outputs_back(tmp_path: Path) -> None:
    """The plots folder is on another filesystem: the CSVs were already swapped when it fails."""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or elsewhere.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a second filesystem at /dev/shm")
    out = tmp_path / "out"
    write_outputs(sample_frames(), out, sample_context(site="https://first.example"))
    plots = Path(os.path.realpath(elsewhere)) / f"wikibilan-test-{os.getpid()}-{id(out)}"
    shutil.copytree(out / "plots", plots)
    shutil.rmtree(out / "plots")
    (out / "plots").symlink_to(plots, target_is_directory=True)
    try:
        before = _tree(out), _tree(plots)
        fewer = {**sample_frames(), "warnings": sample_frames()["warnings"].iloc[:1]}
        with pytest.raises(OutputError, match="cannot write the outputs to .*plots/.*png") as err:
            write_outputs(fewer, out, sample_context(site="https://second.example"))
        assert str(err.value).count("\n") == 0
        assert (_tree(out), _tree(plots)) == before
        assert b"first.example" in (out / "report.md").read_bytes()
    finally:
        shutil.rmtree(plots)


def test_extract_after_check_keeps_the_frames_of_its_own_run_only(
    store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (tmp_path / "out").mkdir()
    (out / "notes.txt").write_text("the user's own file", encoding="utf-8")
    assert main(_check(store, out)) == 0
    assert {p.stem for p in (out / "plots").glob("*.png")} == PLOTS
    assert "wiki.lescommuns.org" in (out / "report.html").read_text("utf-8")
    # Another site's frames, into the same folder: the Lille report and verdicts are stale.
    extract = ["extract", "--cache", str(store), "--site", "127.0.0.1:8080", "--out", str(out)]
    assert main([*extract, "-q"]) == 0
    assert set(_tree(out)) == {f"{name}.csv" for name in FRAMES} | TOOL_FILES | {"notes.txt"}
    assert (out / "notes.txt").read_text("utf-8") == "the user's own file"
    assert "127.0.0.1:8080" in (out / "pages.csv").read_text("utf-8")
    assert "wiki.lescommuns.org" not in (out / "pages.csv").read_text("utf-8")


def test_a_new_folder_appears_whole_and_no_staging_is_left(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    paths = write_outputs(sample_frames(), out, sample_context())
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]
    write_outputs(sample_frames(), out, sample_context())  # again, over itself
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    assert (out.stat().st_mode & 0o777) == 0o755
    assert all((p.stat().st_mode & 0o777) == 0o644 for p in paths)


def test_fewer_frames_remove_the_csvs_they_no_longer_write(tmp_path: Path) -> None:
    write_outputs(sample_frames(), tmp_path, sample_context())
    frames = sample_frames()
    write_csvs({"pages": frames["pages"]}, tmp_path)
    assert set(_tree(tmp_path)) == {"pages.csv"} | TOOL_FILES
