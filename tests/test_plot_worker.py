"""The plot worker: a child process draws the plots; any failure falls back to drawing here."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_report import sample_context, sample_frames
from wikibilan import library
from wikibilan.report import PlotWorker, render_plots, write_outputs

AS_OF = datetime(2017, 11, 30, 14, 40, tzinfo=UTC)
# A child that reads every request, then answers the value in braces (not every plot asked for).
ANSWER = "import pickle, sys; sys.stdin.buffer.read(); sys.stdout.buffer.write(pickle.dumps({}))"


@pytest.fixture(scope="module")
def drawn_here() -> dict[str, bytes]:
    return render_plots(sample_frames(), AS_OF)


def test_the_child_draws_the_bytes_this_process_draws(drawn_here: dict[str, bytes]) -> None:
    with PlotWorker() as worker:
        worker.draw(sample_frames(), AS_OF, ["participants", "expenses"])
        worker.draw(sample_frames(), AS_OF, ["events_per_month", "pages_created"])
        worker.draw(sample_frames(), AS_OF, ["published_vs_recomputed"])
        assert worker.result() == drawn_here
    assert len(drawn_here) == 5


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ([sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(3)"], "exit status 3"),
        ([sys.executable, "-c", "import sys; sys.stdin.read(); print('no pickle')"], "unreadable"),
        ([sys.executable, "-c", ANSWER.format("[1]")], "unexpected answer"),
        ([sys.executable, "-c", ANSWER.format("{}")], "unexpected answer"),
        ([sys.executable, "-c", "raise SystemExit('worker broke')"], "worker broke"),
        (["/nonexistent/python"], "cannot start"),
    ],
)  # fmt: skip
def test_a_failing_child_leaves_the_plots_to_this_process(
    command: list[str], why: str, drawn_here: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wikibilan.report.plot_worker")
    worker = PlotWorker(command)
    worker.draw(sample_frames(), AS_OF, list(drawn_here))
    assert worker.result() == drawn_here
    assert why in caplog.text


def test_closing_an_unused_worker_stops_its_child() -> None:
    worker = PlotWorker([sys.executable, "-c", "import time; time.sleep(60)"])
    worker.close()
    assert worker._proc is not None and worker._proc.returncode is not None


def test_a_worker_asked_for_nothing_draws_nothing() -> None:
    with PlotWorker() as worker:
        assert worker.result() == {}
        assert worker.requested == []


@pytest.mark.parametrize("as_of", [None, datetime(2019, 6, 1, tzinfo=UTC)])
def test_a_run_writes_the_plots_this_process_would_draw(
    tmp_path: Path, as_of: datetime | None
) -> None:
    result = library.run(cache=tmp_path / "cache.sqlite", out=tmp_path / "out", as_of=as_of)
    frames = {**result.frames, "checks": result.checks, "claim_history": result.claim_history}
    drawn = {p.stem: p.read_bytes() for p in (tmp_path / "out" / "plots").glob("*.png")}
    assert drawn == render_plots(frames, as_of, lang="fr")  # the wiki's language
    assert len(drawn) == 5


def test_write_outputs_with_and_without_a_worker_write_the_same_bytes(tmp_path: Path) -> None:
    frames, ctx = sample_frames(), sample_context()
    here = write_outputs(frames, tmp_path / "here", ctx)
    with PlotWorker() as worker:
        there = write_outputs(frames, tmp_path / "there", ctx, worker)
    assert [p.relative_to(tmp_path / "here") for p in here] == [
        p.relative_to(tmp_path / "there") for p in there
    ]
    assert [p.read_bytes() for p in here] == [p.read_bytes() for p in there]


def test_a_run_that_fails_leaves_no_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers: list[PlotWorker] = []

    class Recorded(PlotWorker):
        def __init__(self) -> None:
            super().__init__()
            workers.append(self)

    def broken(*args: object) -> None:
        raise RuntimeError("extraction failed")

    monkeypatch.setattr(library, "PlotWorker", Recorded)
    monkeypatch.setattr(library, "run_checks", broken)
    with pytest.raises(RuntimeError, match="extraction failed"):
        library.run(cache=tmp_path / "cache.sqlite", out=tmp_path / "out")
    assert len(workers) == 1
    assert workers[0]._proc is not None and workers[0]._proc.returncode is not None
