"""The library functions the CLI and notebooks call: one per command."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wikibilan import __version__
from wikibilan.checks import CHECK_COLUMNS
from wikibilan.config import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    DEFAULT_SITE,
    FIXTURES_DIR,
    Politeness,
    Selection,
)
from wikibilan.errors import InputError, UsageError
from wikibilan.history import HISTORY_COLUMNS
from wikibilan.integrity import VerifyReport, verify_store
from wikibilan.model import ProgressCallback
from wikibilan.pipeline import Frames, Workbench, check_date, open_bench, run_checks
from wikibilan.pipeline import load_frames as _load
from wikibilan.report import ReportContext, check_out_dir, plot_names, write_csvs, write_outputs
from wikibilan.report.plot_worker import PlotWorker
from wikibilan.sources.dump import ImportResult, export_store, import_dump
from wikibilan.store import Store

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


@dataclass
class RunResult:
    """What a run produced: frames, verdicts, files written, and counts."""

    site: str
    frames: Frames
    checks: pd.DataFrame
    claim_history: pd.DataFrame
    outputs: list[Path] = field(default_factory=list)
    imported: list[ImportResult] = field(default_factory=list)

    @property
    def contradicted(self) -> int:
        """How many checks contradict a published figure."""
        if self.checks.empty:
            return 0
        return int((self.checks["verdict"] == "contradicted").sum())


def import_file(
    path: Path, cache: Path = DEFAULT_CACHE, progress: Progress | None = None
) -> ImportResult:
    """Import an XML export into the store."""
    if not path.is_file():
        raise InputError(f"no such file: {path}", path=str(path))
    with Store.open(cache) as store, path.open("rb") as fp:
        return import_dump(fp, store, progress=progress)


def export_file(path: Path, cache: Path = DEFAULT_CACHE, site: str | None = None) -> int:
    """Write the store (one site) as a schema-0.11 XML export; return revisions written."""
    bench = open_bench(cache, site)
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("wb") as fp:
            n = export_store(bench.store, bench.site, fp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        bench.store.close()
    return n


def ensure_fixtures(cache: Path, progress: Progress | None = None) -> list[ImportResult]:
    """Load the shipped fixture wiki when the store is empty (offline runs)."""
    with Store.open(cache) as store:
        if store.sites():
            return []
    dumps = sorted(FIXTURES_DIR.glob("wiki/*.xml")) if FIXTURES_DIR.is_dir() else []
    if not dumps:
        raise UsageError(
            "the store is empty and no shipped fixtures were found: "
            "import a dump with `wikibilan import FILE.xml` first"
        )
    return [import_file(d, cache, progress) for d in dumps]


def load_frames(cache: Path | str = DEFAULT_CACHE, site: str | None = None) -> Frames:
    """Every frame (pages, revisions, events, …) of the store as typed DataFrames."""
    bench = open_bench(Path(cache), site)
    try:
        return _load(bench, _base_url(bench))
    finally:
        bench.store.close()


def check(
    cache: Path | str = DEFAULT_CACHE, site: str | None = None, as_of: datetime | None = None
) -> pd.DataFrame:
    """The verdict for every published figure of the latest bilan revision."""
    bench = open_bench(Path(cache), site)
    try:
        frames = _load(bench, _base_url(bench))
        return run_checks(bench, frames, as_of)["checks"]
    finally:
        bench.store.close()


def run(
    cache: Path | str = DEFAULT_CACHE,
    out: Path | str | None = DEFAULT_OUT,
    site: str | None = None,
    as_of: datetime | None = None,
    offline: bool = True,
    report: bool = True,
    progress: Progress | None = None,
    fixtures: bool = True,
    checks: bool = True,
) -> RunResult:
    """Extract, check and (unless ``out`` is None) write every output.

    ``checks=False`` (the ``extract`` command) stops at the frames: no verdicts,
    and neither checks.csv nor claim_history.csv is written.

    With ``offline`` and ``fixtures``, an empty store is first filled with the
    shipped fixture wiki.
    """
    cache = Path(cache)
    if out is not None:
        check_out_dir(Path(out))  # before any work: a bad --out fails at once
    imported = ensure_fixtures(cache, progress) if offline and fixtures else []
    bench = open_bench(cache, site)
    try:
        return _run(bench, out, as_of, report, imported, checks)
    finally:
        bench.store.close()


def _run(
    bench: Workbench,
    out: Path | str | None,
    as_of: datetime | None,
    report: bool,
    imported: list[ImportResult],
    checks: bool = True,
) -> RunResult:
    # The plots' child process imports matplotlib while this one reads the wiki, and
    # draws all but the verdicts' plot while this one checks the claims.
    with PlotWorker() if out is not None and report else nullcontext() as plotter:
        frames = _load(bench, _base_url(bench))
        if plotter is not None:
            plotter.draw(frames, check_date(bench, as_of), plot_names(frames))
        checked = run_checks(bench, frames, as_of) if checks else _no_checks()
        result = RunResult(
            bench.site, frames, checked["checks"], checked["claim_history"], imported=imported
        )
        if out is None:
            return result
        all_frames = {**frames, **checked} if checks else dict(frames)
        if plotter is None:
            result.outputs = write_csvs(all_frames, Path(out))
            return result
        ctx = ReportContext(
            site=bench.site,
            generated_at=datetime.now().astimezone(),
            as_of=as_of,
            bilan_title="Assemblée des Communs de Lille - Bilan 2015-2017",
            bilan_revid=_bilan_revid(checked),
            tool_version=__version__,
        )
        result.outputs = write_outputs(all_frames, Path(out), ctx, plotter)
        return result


def _no_checks() -> Frames:
    return {
        "checks": pd.DataFrame(columns=CHECK_COLUMNS),
        "claim_history": pd.DataFrame(columns=HISTORY_COLUMNS),
    }


def _bilan_revid(checked: Frames) -> int | None:
    checks = checked["checks"]
    return None if checks.empty else int(checks["revid"].max())


def _base_url(bench: Workbench) -> str:
    site = bench.store.site(bench.site)
    return site.base_url if site else ""


def verify(cache: Path | str = DEFAULT_CACHE) -> VerifyReport:
    """Check the store: sha1 of every revision, gaps in each page's history."""
    with Store.open(Path(cache)) as store:
        return verify_store(store)


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """Which source a fetch used, why, and what it did."""

    source: str
    reason: str
    result: Any


def fetch(
    site: str = DEFAULT_SITE,
    cache: Path | str = DEFAULT_CACHE,
    *,
    source: str = "auto",
    selection: Selection | None = None,
    politeness: Politeness | None = None,
    progress: ProgressCallback | None = None,
    on_choice: Callable[[str, str], None] | None = None,
) -> FetchOutcome:
    """Fetch the selected pages of a live wiki and their history into the store.

    ``source="auto"`` uses the Action API when the site has one, else the static
    archive; ``on_choice(source, reason)`` is told which and why before fetching.
    """
    from wikibilan.errors import NoApiError
    from wikibilan.sources.apiclient import probe_api
    from wikibilan.sources.http import PoliteSession
    from wikibilan.sources.selection import default_selection

    selection = selection or default_selection()
    session = PoliteSession(politeness or Politeness())
    try:
        api_url: str | None = None
        reason = f"--source {source}"
        if source in ("auto", "api"):
            try:
                api_url, _ = probe_api(site, session)
                reason = f"the site answers at {api_url}" if source == "auto" else reason
                source = "api"
            except NoApiError:
                if source == "api":
                    raise
                source = "archive"
                reason = "the site has no MediaWiki API (api.php): reading its HTML"
        if on_choice is not None:
            on_choice(source, reason)
        with Store.open(Path(cache)) as store:
            if source == "api":
                from wikibilan.sources.api import ApiSource

                api = ApiSource(site, session=session, selection=selection, api_url=api_url)
                return FetchOutcome(source, reason, api.fetch(store, progress=progress))
            return FetchOutcome(source, reason, _archive(site, session, selection, store, progress))
    finally:
        session.close()


def _archive(
    site: str,
    session: Any,
    selection: Selection,
    store: Store,
    progress: ProgressCallback | None,
) -> Any:
    from wikibilan.sources.archive import ArchiveSource

    archive = ArchiveSource(site, session=session, selection=selection)
    return archive.fetch(store, progress=progress)
