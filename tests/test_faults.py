"""Fetches through a fault-injecting proxy (tests/fault_proxy.py) in front of a real MediaWiki.

The reference is a fetch of the same wiki without the proxy: a fetch under
faults must end with the same rows, field for field (the site key aside: it
names the host and port fetched from). Both plans of the api source are run:
``allrevisions`` (what the fixture wiki alone gets) and ``per_page`` (what a
large wiki such as wiki.lescommuns.org gets).

Discovery requests (``meta=siteinfo`` on a candidate api.php) are kept out of
the seeded schedules: there an HTML maintenance page means "no API here",
which is what discovery is for.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from tests.fault_proxy import (
    SURVIVABLE,
    FaultProxy,
    Schedule,
    store_rows,
    stored_revids,
    use_plan,
)
from tests.mediawiki_server import MediaWiki
from wikibilan.config import Politeness
from wikibilan.errors import OffSiteError, RetryBudgetExhausted, SourceError
from wikibilan.integrity import verify_store
from wikibilan.profile import load_profile
from wikibilan.sources.api import ApiSource, FetchResult
from wikibilan.sources.archive import ArchiveSource
from wikibilan.sources.archive import FetchResult as ArchiveFetchResult
from wikibilan.sources.http import PoliteSession
from wikibilan.store import Store

POLITE = Politeness(min_interval=0.0, backoff_base=0.01, backoff_max=5.0, timeout=1.0)
PLANS = ("allrevisions", "per_page")
CLI_POLITE = ("--interval", "0", "--timeout", "1")
Start = Callable[..., FaultProxy]


def not_discovery(target: str) -> bool:
    return "meta=siteinfo&siprop" not in target


def fetch_through(url: str, path: Path, politeness: Politeness = POLITE) -> FetchResult:
    with Store.open(path) as store:
        selection = load_profile().selection
        source = ApiSource(url, session=PoliteSession(politeness), selection=selection)
        return source.fetch(store)


def verified(path: Path) -> None:
    """The store holds no corrupt row, no gap and no schema problem."""
    with Store.open(path) as store:
        report = verify_store(store)
    assert report.ok, report.summary()


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "wikibilan", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def references(fault_wiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A fetch of the wiki without the proxy, per plan."""
    out = {}
    for plan in PLANS:
        use_plan(fault_wiki, plan)
        path = tmp_path_factory.mktemp("reference") / f"{plan}.sqlite"
        assert fetch_through(fault_wiki.url, path).plan == plan
        out[plan] = path
    return out


# -- survived -----------------------------------------------------------------------------


@pytest.mark.mediawiki
@pytest.mark.parametrize(("plan", "seed"), [("allrevisions", 1), ("per_page", 2), ("per_page", 6)])
def test_a_fetch_with_a_fifth_of_its_requests_faulted_gives_the_same_store(
    plan: str, seed: int, fault_wiki: MediaWiki, references: dict[str, Path],
    fault_proxy: Start, tmp_path: Path,
) -> None:  # fmt: skip
    use_plan(fault_wiki, plan)
    proxy = fault_proxy(fault_wiki.url, Schedule.seeded(0.2, seed, match=not_discovery))
    result = fetch_through(proxy.url, tmp_path / "faulted.sqlite")
    assert result.plan == plan
    assert store_rows(tmp_path / "faulted.sqlite") == store_rows(references[plan])
    verified(tmp_path / "faulted.sqlite")
    faults = proxy.faults()
    assert faults, "the seed faults no request"
    if len(proxy.records) >= 40:
        assert 0.1 <= sum(faults.values()) / len(proxy.records) <= 0.3, faults
    assert proxy.survived() == faults  # each faulted request was answered in the end


@pytest.mark.mediawiki
def test_every_kind_of_fault_is_survived_and_every_wait_honoured(
    fault_wiki: MediaWiki, references: dict[str, Path], fault_proxy: Start, tmp_path: Path
) -> None:
    use_plan(fault_wiki, "per_page")
    every_other = {2 * i + 1: kind for i, kind in enumerate(SURVIVABLE)}
    proxy = fault_proxy(fault_wiki.url, Schedule.explicit(every_other, match=not_discovery))
    fetch_through(proxy.url, tmp_path / "all.sqlite")
    assert store_rows(tmp_path / "all.sqlite") == store_rows(references["per_page"])
    assert proxy.survived() == dict.fromkeys(SURVIVABLE, 1)
    # The client came back no sooner than asked (Retry-After, maxlag's Retry-After, the
    # HTTP date to the second) and gave up on a silent server at its timeout.
    assert min(proxy.waits_after("429")) >= 1.0
    assert min(proxy.waits_after("429-date")) >= 0.9
    assert min(proxy.waits_after("maxlag")) >= 1.0
    assert min(proxy.waits_after("timeout")) >= POLITE.timeout
    assert max(proxy.waits_after("timeout")) < POLITE.timeout + 0.5  # not the proxy's hang


# -- not survived: a clear stop, a sound store, a resume ----------------------------------


@pytest.mark.mediawiki
def test_out_of_retries_the_cli_stops_in_one_sentence_and_the_next_run_resumes(
    fault_wiki: MediaWiki, references: dict[str, Path], fault_proxy: Start, tmp_path: Path
) -> None:
    use_plan(fault_wiki, "per_page")
    proxy = fault_proxy(fault_wiki.url, Schedule.from_index(25, "503"))
    cache = tmp_path / "store.sqlite"
    fetch = ("fetch", "--site", proxy.url, "--cache", str(cache), *CLI_POLITE, "-q")
    down = cli(*fetch, "--retries", "1", cwd=tmp_path)
    assert down.returncode == 3, down.stderr
    lines = down.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikibilan: "), down.stderr
    assert "kept failing (HTTP 503) after 1 retries" in lines[0] and "resume" in lines[0]
    kept = stored_revids(cache)
    assert 0 < len(kept) < len(store_rows(references["per_page"])["revisions"])
    check = cli("verify", "--cache", str(cache), cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr  # sound, only unfinished

    proxy.schedule = Schedule.none()
    epoch = proxy.new_epoch()
    again = cli(*fetch, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert store_rows(cache) == store_rows(references["per_page"])
    assert not kept & set(proxy.served_revisions(epoch))  # nothing stored came again


@pytest.mark.mediawiki
def test_a_redirect_to_another_host_stops_the_fetch_and_nothing_goes_there(
    fault_wiki: MediaWiki, references: dict[str, Path], fault_proxy: Start, tmp_path: Path
) -> None:
    use_plan(fault_wiki, "per_page")
    proxy = fault_proxy(fault_wiki.url, Schedule.explicit({12: "redirect"}))
    cache = tmp_path / "store.sqlite"
    with pytest.raises(OffSiteError) as info:
        fetch_through(proxy.url, cache)
    assert info.value.exit_code == 3 and proxy.elsewhere.url in str(info.value)
    assert proxy.elsewhere.hits == []
    verified(cache)
    proxy.schedule = Schedule.none()
    fetch_through(proxy.url, cache)
    assert store_rows(cache) == store_rows(references["per_page"])
    assert proxy.elsewhere.hits == []


@pytest.mark.mediawiki
def test_a_wiki_that_keeps_answering_html_ends_in_a_clear_error(
    fault_wiki: MediaWiki, fault_proxy: Start, tmp_path: Path
) -> None:
    use_plan(fault_wiki, "allrevisions")
    proxy = fault_proxy(fault_wiki.url, Schedule.from_index(3, "html"))
    with pytest.raises(RetryBudgetExhausted, match="not JSON") as info:
        fetch_through(proxy.url, tmp_path / "store.sqlite")
    assert info.value.exit_code == 3
    assert len(proxy.records) == 3 + 1 + POLITE.max_retries


@pytest.mark.mediawiki
def test_a_continuation_that_never_moves_is_refused_instead_of_looping(
    fault_wiki: MediaWiki, fault_proxy: Start, tmp_path: Path
) -> None:
    use_plan(fault_wiki, "allrevisions")
    proxy = fault_proxy(fault_wiki.url, Schedule(lambda i, m, t: "mangle", match=not_discovery))

    def stuck(body: bytes, content_type: str) -> bytes:
        answer = json.loads(body)
        if "allrevisions" in answer.get("query", {}):
            answer["continue"] = {"arvcontinue": "20150101000000|1", "continue": "-||"}
        return json.dumps(answer).encode()

    proxy.mangle = stuck
    with pytest.raises(SourceError, match="same continuation twice"):
        fetch_through(proxy.url, tmp_path / "store.sqlite")
    assert len(proxy.records) < 10


# -- a store damaged on disk --------------------------------------------------------------

BILAN = "Assemblée des Communs de Lille - Bilan 2015-2017"


def tamper(path: Path, sql: str, *params: object) -> None:
    """Change the store behind its back: the immutability trigger is dropped, then put back."""
    with sqlite3.connect(path) as db:
        (trigger,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'revisions_immutable'"
        ).fetchone()
        db.execute("DROP TRIGGER revisions_immutable")
        db.execute(sql, params)
        db.execute(trigger)


def latest_bilan_revid(path: Path) -> int:
    with Store.open(path) as store:
        site = store.sites()[0].key
        page_id = store.page_id_for_title(site, BILAN)
        assert page_id is not None
        return store.revisions(site, page_id)[-1].revid


@pytest.mark.mediawiki
def test_a_corrupted_row_is_reported_never_used_and_fetched_again(
    fault_wiki: MediaWiki, references: dict[str, Path], tmp_path: Path
) -> None:
    use_plan(fault_wiki, "allrevisions")
    cache = tmp_path / "store.sqlite"
    shutil.copy(references["allrevisions"], cache)
    revid = latest_bilan_revid(cache)
    clean = cli("extract", "--cache", str(cache), "--out", "clean", "-q", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert f",{revid}," in (tmp_path / "clean" / "claims.csv").read_text(encoding="utf-8")

    tamper(cache, "UPDATE revisions SET content = replace(content, '1022,66', '9022,66') "
                  "WHERE revid = ?", revid)  # fmt: skip
    check = cli("verify", "--cache", str(cache), cwd=tmp_path)
    assert check.returncode == 4  # verify found a problem
    assert f"sha1 mismatch: {BILAN} (revision {revid}" in check.stdout
    extracted = cli("extract", "--cache", str(cache), "--out", "out", "-q", cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    claims = (tmp_path / "out" / "claims.csv").read_text(encoding="utf-8")
    assert f",{revid}," not in claims and "9022,66" not in claims  # never read
    warnings = (tmp_path / "out" / "warnings.csv").read_text(encoding="utf-8")
    assert f"{BILAN},{revid},0,stored revision fails its sha1" in warnings

    fetched = cli("fetch", "--site", fault_wiki.url, "--cache", str(cache), *CLI_POLITE, "-q",
                  cwd=tmp_path)  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    assert cli("verify", "--cache", str(cache), cwd=tmp_path).returncode == 0
    assert store_rows(cache) == store_rows(references["allrevisions"])


@pytest.mark.mediawiki
def test_a_gap_in_a_history_is_reported_and_filled_by_the_next_fetch(
    fault_wiki: MediaWiki, references: dict[str, Path], tmp_path: Path
) -> None:
    use_plan(fault_wiki, "allrevisions")
    cache = tmp_path / "store.sqlite"
    shutil.copy(references["allrevisions"], cache)
    with Store.open(cache) as store:
        site = store.sites()[0].key
        history = store.revisions(site, store.page_id_for_title(site, BILAN) or 0)
    missing = history[len(history) // 2].revid
    tamper(cache, "DELETE FROM revisions WHERE revid = ?", missing)
    check = cli("verify", "--cache", str(cache), cwd=tmp_path)
    assert check.returncode == 4 and f"names parent {missing}, which is not stored" in check.stdout
    fetch_through(fault_wiki.url, cache)
    verified(cache)
    assert store_rows(cache) == store_rows(references["allrevisions"])


# Exit 4: verify read the store and found a problem; exit 2: the store's schema
# version is one this wikibilan refuses to open at all (an unusable store).
@pytest.mark.parametrize(
    ("damage", "message", "code"),
    [
        ("DROP TRIGGER revisions_immutable", "trigger revisions_immutable is missing", 4),
        ("UPDATE revisions SET size = size + 1 WHERE rowid = 1", "size that is not", 4),
        ("UPDATE meta SET value = '0' WHERE key = 'schema_version'", "old schema version 0", 2),
        ("UPDATE meta SET value = '99' WHERE key = 'schema_version'", "newer wikibilan", 2),
    ],
)
@pytest.mark.mediawiki
def test_verify_checks_the_schema(
    damage: str, message: str, code: int, references: dict[str, Path], tmp_path: Path
) -> None:
    cache = tmp_path / "store.sqlite"
    shutil.copy(references["allrevisions"], cache)
    if damage.startswith("DROP"):
        with sqlite3.connect(cache) as db:
            db.execute(damage)
    else:
        tamper(cache, damage)
    check = cli("verify", "--cache", str(cache), cwd=tmp_path)
    assert check.returncode == code
    assert message in check.stdout + check.stderr


# -- the archive source, through the proxy in front of the mirror server ---------------------

ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "archive"
# A fifth of a whole crawl of the fixture mirror (about 210 requests) is faulted: more
# retries than a live run's default budget (50) allows, so the budget follows the mirror.
ARCHIVE_POLITE = Politeness(min_interval=0.0, backoff_base=0.01, backoff_max=5.0, timeout=0.5,
                            retry_budget=100)  # fmt: skip
ARCHIVE_FAULTS = tuple(k for k in SURVIVABLE if k not in ("readonly", "html"))
"""What can go wrong between a crawler and a static mirror. (A 200 answer that is not a
page of the wiki, such as a host's maintenance page, is read as a page the mirror lacks:
the revisions it hid are reported missing and fetched by a later run.)"""


def crawl_through(url: str, path: Path) -> ArchiveFetchResult:
    with Store.open(path) as store:
        source = ArchiveSource(url + "/", session=PoliteSession(ARCHIVE_POLITE),
                               selection=load_profile().selection, site_key="lille")  # fmt: skip
        return source.fetch(store)


@pytest.mark.skipif(not (ARCHIVE / "full").is_dir(), reason="fixtures/archive/ not built")
@pytest.mark.parametrize(("variant", "seed"), [("nohistory", 6)])  # both: bench/reliability.py
def test_an_archive_crawl_with_a_fifth_of_its_requests_faulted_gives_the_same_store(
    variant: str, seed: int, archive_server: Callable[[Path], ArchiveServer],
    fault_proxy: Start, tmp_path: Path,
) -> None:  # fmt: skip
    server = archive_server(ARCHIVE / variant)
    clean = crawl_through(server.url, tmp_path / "clean.sqlite")
    assert clean.revisions_new == 157 and clean.missing_revisions == ()
    schedule = Schedule.seeded(0.2, seed, kinds=ARCHIVE_FAULTS)
    proxy = fault_proxy(server.url, schedule, client_timeout=0.5, retry_date_in=1)
    faulted = crawl_through(proxy.url, tmp_path / "faulted.sqlite")
    assert faulted.missing_revisions == () and faulted.gaps_left == 0
    assert store_rows(tmp_path / "faulted.sqlite") == store_rows(tmp_path / "clean.sqlite")
    faults = proxy.faults()
    assert 0.1 <= sum(faults.values()) / len(proxy.records) <= 0.3, faults
    assert set(faults) == set(ARCHIVE_FAULTS) and proxy.survived() == faults
    assert proxy.elsewhere.hits == []


@pytest.mark.skipif(not (ARCHIVE / "full").is_dir(), reason="fixtures/archive/ not built")
@pytest.mark.parametrize("variant", ["full", "nohistory"])
def test_pages_that_are_not_the_wikis_make_an_archive_crawl_stop_short_never_wrong(
    variant: str, archive_server: Callable[[Path], ArchiveServer],
    fault_proxy: Start, tmp_path: Path,
) -> None:  # fmt: skip
    """A maintenance page (or an API error) answered 200 instead of a mirrored page."""
    server = archive_server(ARCHIVE / variant)
    crawl_through(server.url, tmp_path / "clean.sqlite")
    clean = store_rows(tmp_path / "clean.sqlite")
    proxy = fault_proxy(server.url, Schedule.seeded(0.2, 3, kinds=("html", "readonly")))
    first = crawl_through(proxy.url, tmp_path / "faulted.sqlite")
    assert first.gaps_left > 0 and proxy.faults()
    stored = store_rows(tmp_path / "faulted.sqlite")
    assert 0 < len(stored["revisions"]) < len(clean["revisions"])
    assert set(stored["revisions"]) <= set(clean["revisions"])  # what is stored is right
    proxy.schedule = Schedule.none()
    second = crawl_through(proxy.url, tmp_path / "faulted.sqlite")
    assert second.gaps_left == 0
    assert store_rows(tmp_path / "faulted.sqlite") == clean
