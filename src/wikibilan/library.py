"""The library functions the CLI and notebooks call: one per command.

Every function takes paths (the store, ``cache``; the output directory, ``out``)
and returns values; none prints. ``as_of`` accepts what the CLI's ``--as-of``
does, and Python's own dates: a string (``"2018-06-01"``, ``"2018-06-01T12:00"``,
``"2018-06-01T12:00+02:00"``), a ``date`` or a ``datetime``. A naive datetime (or a
string without a zone) is UTC; a date is 00:00 UTC that day.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from wikibilan._version import __version__
from wikibilan.checks import empty_checks
from wikibilan.config import DEFAULT_CACHE, DEFAULT_OUT, FIXTURES_DIR, Politeness, Selection
from wikibilan.errors import InputError, UsageError
from wikibilan.history import HISTORY_COLUMNS
from wikibilan.integrity import VerifyReport, verify_store
from wikibilan.model import FetchResult, ProgressCallback
from wikibilan.pipeline import (
    Frames,
    Workbench,
    article_url,
    check_date,
    choose_site,
    counted,
    run_checks,
)
from wikibilan.pipeline import load_frames as _load
from wikibilan.profile import Profile, load_profile
from wikibilan.report import (
    ReportContext,
    check_out_dir,
    plot_names,
    read_package,
    write_csvs,
    write_outputs,
)
from wikibilan.report.plot_worker import PlotWorker
from wikibilan.sources.dump import ImportResult, export_store
from wikibilan.sources.dump import import_dump as _import_stream
from wikibilan.store import Store

log = logging.getLogger(__name__)
Progress = Callable[[int], None]
AsOf = str | date | datetime | None
ProfileArg = Profile | Path | str | None


def get_profile(profile: ProfileArg = None) -> Profile:
    """A profile as given: loaded from its path, or the default one shipped with wikibilan."""
    if isinstance(profile, Profile):
        return profile
    return load_profile(Path(profile) if profile is not None else None)


def as_of_datetime(value: AsOf) -> datetime | None:
    """Read an ``as_of`` (see the module docstring) as an aware datetime; None stays None.

    Raises:
        UsageError: a string that is not an ISO date, or a value of another type.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(
                f"not a date: {value!r} (give YYYY-MM-DD or an ISO datetime such as "
                "2017-11-30T14:40; without a zone it is UTC)"
            ) from None
    elif not isinstance(value, datetime):
        if not isinstance(value, date):
            raise UsageError(
                f"as_of must be a date string, a date or a datetime, not {type(value).__name__}"
            )
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


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


def import_dump(
    path: Path | str, cache: Path | str = DEFAULT_CACHE, progress: Progress | None = None
) -> ImportResult:
    """Import a MediaWiki XML export file (plain, gzip, bzip2 or xz) into the store.

    The store is created if needed; revisions it already holds are skipped.

    Args:
        progress: called as the file is read with the number of its bytes read since
            the previous call (they add up to the file's size).

    Returns:
        How many pages and revisions were read, and how many revisions were new.

    Raises:
        InputError: the file is missing, not XML, or not a MediaWiki export.
        HostileInputError: the file declares a document type or entities.
        StoreError: the store cannot be opened or written.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such file: {path}", path=str(path))
    with Store.open(Path(cache)) as store, path.open("rb") as fp:
        if progress is None:
            return _import_stream(fp, store)
        done = 0

        def advance(_revisions: int) -> None:
            nonlocal done
            position = fp.tell()
            progress(position - done)
            done = position

        result = _import_stream(fp, store, progress=advance)
        advance(0)  # what the parser read after the last batch
        return result


import_file = import_dump  # the former name


def _open_bench(cache: Path | str, site: str | None, profile: ProfileArg = None) -> Workbench:
    """The store (which must exist; it is only read), the site to work on, its profile."""
    chosen = get_profile(profile)
    store = Store.open(Path(cache), readonly=True)
    try:
        return Workbench(store, choose_site(store, site), chosen)
    except BaseException:
        store.close()
        raise


def _warn_about_as_of(bench: Workbench, as_of: datetime | None) -> None:
    """Warn when ``as_of`` is in the future or before the bilan existed (the check proceeds)."""
    if as_of is None:
        return
    shown = as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if as_of > datetime.now(UTC):
        log.warning(
            "as of %s is in the future: the wiki is checked as it stands now, "
            "with every edit made so far",
            shown,
        )
        return
    title = bench.profile.report_title
    first = next((p.first_rev_at for p in bench.pages if p.title == title), None)
    if first is not None and as_of < first:
        log.warning(
            "as of %s is before the first revision of %r (%s): the figures are checked "
            "against the wiki as it stood before they were published",
            shown,
            title,
            first.strftime("%Y-%m-%d"),
        )


def export_file(path: Path, cache: Path = DEFAULT_CACHE, site: str | None = None) -> int:
    """Write the store (one site) as a schema-0.11 XML export; return revisions written."""
    bench = _open_bench(cache, site)
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
    return [import_dump(d, cache, progress) for d in dumps]


def load_frames(
    cache: Path | str = DEFAULT_CACHE, site: str | None = None, profile: ProfileArg = None
) -> Frames:
    """Every frame of the store's wiki (the latest revision of each page) as typed DataFrames.

    Args:
        cache: the store; it must exist (nothing is created) and is only read.
        site: the site to read when the store holds several.
        profile: the site profile (a path, or a loaded :class:`Profile`; default: the
            profile shipped with wikibilan).

    Returns:
        A dict of DataFrames by name (columns and rules in docs/FRAMES.md):
        ``pages`` (site, page_id, title, kind, n_revisions, first_rev_at,
        last_rev_at, url), ``revisions`` (site, title, revid, parentid, timestamp,
        user, comment, size, sha1, source), ``events`` (event_id, kind, title,
        date_start, date_end, place, n_participants, participants_basis),
        ``attendance`` (event_id, name_raw, name_key, role, page, revid, section,
        line), ``workshops`` (workshop_id, event_id, theme, is_initiation,
        n_participants), ``expenses`` (label, month, amount_eur, page, revid),
        ``claims`` (claim_id, revid, section, text, value, unit, qualifier, low,
        high) and ``warnings`` (page, revid, line, reason, text).

    Raises:
        StoreError: there is no store at ``cache``, or it is not a wikibilan store.
        UsageError: the store is empty, or holds several sites and none was chosen; the
            profile cannot be read or is not valid.
    """
    bench = _open_bench(cache, site, profile)
    try:
        return _load(bench, _base_url(bench))
    finally:
        bench.store.close()


def read_outputs(out: Path | str = DEFAULT_OUT) -> Frames:
    """The frames a run wrote to ``out``, read back through its ``datapackage.json``.

    Each column comes back with the dtype :func:`load_frames` gives it — text
    ``string`` (``events.section`` "2016" stays "2016"), counts and ids ``Int64``,
    dates ``datetime64[s]``, timestamps UTC, money and figures ``Decimal`` — and
    ``checks`` with the dtypes of :func:`check`. Nothing is read from the store.

    Returns:
        A dict of DataFrames by name, one per CSV the run wrote (``checks`` and
        ``claim_history`` too when it wrote them).

    Raises:
        InputError: ``out`` holds no datapackage.json, or it or a CSV it describes
            cannot be read as it says.
    """
    return read_package(Path(out))


def check(
    cache: Path | str = DEFAULT_CACHE,
    site: str | None = None,
    as_of: AsOf = None,
    profile: ProfileArg = None,
) -> pd.DataFrame:
    """The verdict for every published figure of the latest bilan revision.

    Args:
        cache: the store; it must exist (nothing is created) and is only read.
        site: the site to check when the store holds several.
        as_of: check against the wiki as it stood then (each page's last revision
            at or before it) instead of at the bilan revision's date; a date string,
            a ``date`` or a ``datetime`` (naive means UTC). A warning is logged when
            it is in the future or before the bilan's first revision.

    Returns:
        One row per check (columns in docs/FRAMES.md, "checks"): ``claim_id``,
        ``check`` (data or internal), ``revid``, ``as_of``, ``text``, ``published``
        (float; empty for a range), ``published_text`` (the figure as published,
        e.g. ``13.5`` or ``3-21``), ``qualifier``, ``recomputed``, ``tolerance``
        (the rule in words), ``low`` and ``high`` (the bounds), ``gap`` (recomputed −
        published), ``recomputed_low``/``recomputed_high`` (a range's recomputed
        minimum and maximum), ``verdict``, ``holds_by``, ``method``, ``evidence``.
        Numbers are float64, ``revid`` Int64, ``as_of`` a UTC datetime, text columns
        ``string``, as in :func:`load_frames`.

    Raises:
        StoreError: there is no store at ``cache``, or it is not a wikibilan store.
        UsageError: the store is empty or holds several sites, or ``as_of`` is not a date.
    """
    when = as_of_datetime(as_of)
    bench = _open_bench(cache, site, profile)
    try:
        _warn_about_as_of(bench, when)
        frames = _load(bench, _base_url(bench))
        return run_checks(bench, frames, when)["checks"]
    finally:
        bench.store.close()


def run(
    cache: Path | str = DEFAULT_CACHE,
    out: Path | str | None = DEFAULT_OUT,
    site: str | None = None,
    as_of: AsOf = None,
    offline: bool = True,
    report: bool = True,
    progress: Progress | None = None,
    fixtures: bool = True,
    checks: bool = True,
    profile: ProfileArg = None,
    lang: str | None = None,
) -> RunResult:
    """Extract, check and (unless ``out`` is None) write every output.

    The report is written in ``lang`` (``fr``, ``en``; default: the wiki's language,
    from the profile).

    ``checks=False`` (the ``extract`` command) stops at the frames: no verdicts,
    and neither checks.csv nor claim_history.csv is written.

    With ``offline`` and ``fixtures``, an empty (or missing) store is first filled
    with the shipped fixture wiki; otherwise the store must exist and is only read.
    ``as_of`` and ``profile`` are as in :func:`check`.

    Returns:
        A :class:`RunResult`: the frames (as :func:`load_frames`), the checks (as
        :func:`check`), the claim history, and the paths written.
    """
    when = as_of_datetime(as_of)
    cache = Path(cache)
    if out is not None:
        check_out_dir(Path(out))  # before any work: a bad --out fails at once
    chosen = get_profile(profile)
    imported = ensure_fixtures(cache, progress) if offline and fixtures else []
    bench = _open_bench(cache, site, chosen)
    try:
        _warn_about_as_of(bench, when)
        return _run(bench, out, when, report, imported, checks, lang)
    finally:
        bench.store.close()


def _run(
    bench: Workbench,
    out: Path | str | None,
    as_of: datetime | None,
    report: bool,
    imported: list[ImportResult],
    checks: bool = True,
    lang: str | None = None,
) -> RunResult:
    # The plots' child process imports matplotlib while this one reads the wiki, and
    # draws those that need no verdict while this one checks the claims.
    lang = lang or _site_lang(bench)
    with PlotWorker() if out is not None and report else nullcontext() as plotter:
        frames = _load(bench, _base_url(bench))
        if plotter is not None:
            plotter.draw(frames, check_date(bench, as_of), plot_names(frames), lang)
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
            bilan_title=bench.profile.report_title,
            bilan_revid=_bilan_revid(checked),
            tool_version=__version__,
            lang=lang,
            wiki_lang=_site_lang(bench),
            time_zone=bench.profile.site.time_zone,
            article_url=article_url(bench, _base_url(bench)),
            registry=bench.profile.registry,
            counted=counted(bench, frames, as_of) if checks else None,
        )
        result.outputs = write_outputs(all_frames, Path(out), ctx, plotter)
        return result


def _no_checks() -> Frames:
    return {
        "checks": empty_checks(),
        "claim_history": pd.DataFrame(columns=HISTORY_COLUMNS),
    }


def _site_lang(bench: Workbench) -> str:
    """The wiki's language: the profile's, else the one its site record gives."""
    site = bench.store.site(bench.site)
    return bench.profile.site.lang or (site.lang if site else "") or "en"


def _bilan_revid(checked: Frames) -> int | None:
    checks = checked["checks"]
    return None if checks.empty else int(checks["revid"].max())


def _base_url(bench: Workbench) -> str:
    site = bench.store.site(bench.site)
    return site.base_url if site else ""


def verify(cache: Path | str = DEFAULT_CACHE) -> VerifyReport:
    """Check the store: its schema, the sha1 of every revision, gaps in each page's history.

    The store must exist (nothing is created) and is only read.

    Returns:
        A :class:`~wikibilan.integrity.VerifyReport`; ``report.ok`` is False when
        anything is wrong, ``report.summary()`` says what.

    Raises:
        StoreError: there is no store at ``cache``, or it is not a wikibilan store.
    """
    with Store.open(Path(cache), readonly=True) as store:
        return verify_store(store)


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """Which source a fetch used, why, and what it did."""

    source: str
    reason: str
    result: FetchResult


def fetch(
    site: str | None = None,
    cache: Path | str = DEFAULT_CACHE,
    *,
    profile: ProfileArg = None,
    source: str = "auto",
    selection: Selection | None = None,
    politeness: Politeness | None = None,
    progress: ProgressCallback | None = None,
    on_choice: Callable[[str, str], None] | None = None,
) -> FetchOutcome:
    """Fetch the selected pages of a live wiki and their history into the store.

    ``source="auto"`` uses the Action API when the site has one, else the static
    archive; ``on_choice(source, reason)`` is told which and why before fetching.
    The store is created if needed. ``site`` and ``selection`` default to the
    profile's (see :func:`check`).

    Returns:
        A :class:`FetchOutcome`: the source used, why, and the source's result
        (pages, new revisions, requests).

    Raises:
        UsageError: ``site`` is not an http(s) URL with a host, the selection's link
            depth is negative, or the User-Agent gives no contact (all before any
            request).
        SourceError: the site cannot be reached or is not a MediaWiki.
        StoreError: the store cannot be opened or written.
    """
    from wikibilan.errors import NoApiError
    from wikibilan.sources.apiclient import probe_api
    from wikibilan.sources.http import PoliteSession

    chosen = get_profile(profile)
    site = site or chosen.site.url
    check_site_url(site)
    politeness = politeness or Politeness()
    check_user_agent(politeness.user_agent)
    selection = selection or chosen.selection
    if selection.links < 0:
        raise UsageError(f"the link depth must be 0 or more, not {selection.links}")
    session = PoliteSession(politeness)
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
            archived = _archive(site, session, selection, store, progress, chosen.site.old_hosts)
            return FetchOutcome(source, reason, archived)
    finally:
        session.close()


def check_site_url(site: str) -> None:
    """Refuse a site that is not an http(s) URL with a host (before any request).

    Raises:
        UsageError: saying what is wrong with ``site``.
    """
    try:
        parts = urlsplit(site)
        # .port raises ValueError for a port that is not a number
        ok = (
            parts.scheme.lower() in ("http", "https")
            and bool(parts.hostname)
            and (parts.port is None or parts.port >= 0)
        )
    except ValueError:
        ok = False
    if not ok:
        raise UsageError(
            f"the site {site!r} is not an http(s) URL with a host "
            "(give one like https://wiki.example.org)"
        )


# Wikimedia's User-Agent policy: a way to contact the operator, a URL or an e-mail address.
_CONTACT = re.compile(r"https?://[^\s/;()]+\.[^\s;()]+|[^\s@;()<>]+@[^\s@;()<>]+\.\w+")


def check_user_agent(user_agent: str) -> None:
    """Refuse a User-Agent that gives no contact (a URL or an e-mail address).

    Raises:
        UsageError: the User-Agent names no URL and no e-mail address.
    """
    if not _CONTACT.search(user_agent or ""):
        raise UsageError(
            f"the User-Agent {user_agent!r} gives no contact: Wikimedia's User-Agent policy "
            "asks for a URL or an e-mail address, e.g. 'mytool/1.0 (https://example.org; "
            "me@example.org)'"
        )


def _archive(
    site: str,
    session: Any,
    selection: Selection,
    store: Store,
    progress: ProgressCallback | None,
    old_hosts: tuple[str, ...],
) -> FetchResult:
    from wikibilan.sources.archive import ArchiveSource

    archive = ArchiveSource(site, session=session, selection=selection, old_hosts=old_hosts)
    return archive.fetch(store, progress=progress)
