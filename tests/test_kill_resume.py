"""``wikibilan fetch`` killed with SIGKILL at seeded points, then run again to the end.

Each chain starts from an empty store and runs ``python -m wikibilan fetch``
through a fault proxy (tests/fault_proxy.py) in front of the real MediaWiki;
the proxy kills the process when the chosen request of that run arrives
(the client is waiting for its answer), right after its answer was sent (the
client is reading or storing it), or a few milliseconds later. The next run
of the chain resumes; the last one is left to finish.

What is measured, per kill:

- **committed**: the revision ids in the store once the killed process is gone;
- **served again**: those of them whose content the proxy delivered again,
  in full, during the next run (read from the answers on the wire). It must
  be empty: a stored revision is never downloaded twice. A revision that was
  delivered but not yet committed when the kill came may come again: it was
  not stored.

At the end: the same rows as a fetch that was never interrupted, no
duplicate rows, and ``verify`` passes.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.archive_server import ArchiveServer
from tests.fault_proxy import (
    FaultProxy,
    Record,
    duplicate_rows,
    store_rows,
    stored_revids,
    use_plan,
)
from tests.mediawiki_server import MediaWiki

SEED = 20240607
KILL_EVENTS = ("request", "response", "response+delay")
PLANS = ("allrevisions", "per_page")
CLI_POLITE = ("--interval", "0", "--timeout", "2", "-q")


@dataclass
class Kill:
    """One run of a chain: where it was to be killed and what came of it."""

    at: int
    """The request to kill at: the ``at``-th download of the run (1-based), or, with
    ``any_request``, its request number ``at`` (0-based) whatever it asks."""
    event: str
    delay: float
    any_request: bool = False
    killed: bool = False
    committed: set[int] = field(default_factory=set)
    """Revisions in the store once the killed process was gone."""
    served_again: set[int] = field(default_factory=set)
    """Of those, the ones the next run downloaded again (must stay empty)."""
    requests: int = 0


@dataclass
class Chain:
    """A fetch killed and resumed until it finished."""

    plan: str
    kills: list[Kill]
    final: Path
    runs: int = 0


def asks_for_content(target: str) -> bool:
    """An API request for revision contents (``rvprop`` or ``arvprop`` with ``content``)."""
    return "content" in target and ("prop=revisions" in target or "allrevisions" in target)


def shows_a_revision(target: str) -> bool:
    """An archive request for a page view (current, old or diff), not a history page."""
    return "action=history" not in target


def _fetch(url: str, cache: Path, cwd: Path, source: str = "api") -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "wikibilan", "fetch", "--site", url, "--cache", str(cache)]
    return subprocess.Popen(
        [*args, "--source", source, *CLI_POLITE],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def run_kill_chain(
    proxy: FaultProxy,
    kills: int,
    rng: random.Random,
    cache: Path,
    *,
    downloads: int,
    revisions: int,
    is_download: Callable[[str], bool] = asks_for_content,
    source: str = "api",
) -> Chain:
    """Fetch into a new store through ``proxy``, killing up to ``kills`` runs, then finish.

    Most kill points are drawn among the downloads the fetch still has to make
    (judged from how much of the store is filled); one in five falls on any of
    a run's first requests instead (discovery, the selection, a resumed listing).

    Args:
        downloads: download requests an uninterrupted fetch sends.
        revisions: revisions it stores.
    """
    chain = Chain(cache.stem, [], cache)
    for _ in range(kills):
        left = max(1, round(downloads * (1 - len(stored_revids(cache)) / revisions)))
        any_request = rng.random() < 0.2
        # below three quarters of what is left: the run must not end before its kill
        at = rng.randrange(0, 5) if any_request else rng.randrange(1, max(2, left * 3 // 4 + 1))
        kill = Kill(at, rng.choice(KILL_EVENTS), rng.uniform(0.0, 0.03), any_request)
        epoch = proxy.new_epoch()
        before = stored_revids(cache)
        process = _fetch(proxy.url, cache, cache.parent, source)
        proxy.on_event = _killer(process, epoch, kill, is_download)
        try:
            _, err = process.communicate(timeout=120)
        finally:
            proxy.on_event = None
        chain.runs += 1
        kill.killed = process.returncode == -signal.SIGKILL
        kill.requests = sum(1 for r in proxy.records if r.epoch == epoch)
        if chain.kills:
            chain.kills[-1].served_again = before & set(proxy.served_revisions(epoch))
        if not kill.killed:  # the fetch ended before the kill point
            assert process.returncode == 0, err.decode()
            return chain
        kill.committed = stored_revids(cache)
        chain.kills.append(kill)
    epoch = proxy.new_epoch()
    process = _fetch(proxy.url, cache, cache.parent, source)
    _, err = process.communicate(timeout=120)
    chain.runs += 1
    assert process.returncode == 0, err.decode()
    if chain.kills:
        last = chain.kills[-1]
        last.served_again = last.committed & set(proxy.served_revisions(epoch))
    return chain


def _killer(
    process: subprocess.Popen[bytes], epoch: int, kill: Kill, is_download: Callable[[str], bool]
) -> Callable[[str, Record], None]:
    chosen: list[int] = []  # the index of the request to kill at, once it has come
    counted = [0]

    def kill_now() -> None:
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.kill(process.pid, signal.SIGKILL)

    def on_event(event: str, record: Record) -> None:
        if record.epoch != epoch:
            return
        if event == "request" and not chosen:
            if kill.any_request:
                hit = record.seq == kill.at
            else:
                counted[0] += is_download(record.target)
                hit = is_download(record.target) and counted[0] == kill.at
            if hit:
                chosen.append(record.index)
        if not chosen or chosen[0] != record.index or event != kill.event.split("+")[0]:
            return
        if kill.event.endswith("+delay"):
            threading.Timer(kill.delay, kill_now).start()
        else:
            kill_now()

    return on_event


@dataclass(frozen=True)
class Clean:
    """An uninterrupted CLI fetch through a proxy."""

    store: Path
    downloads: int
    revisions: int


def clean_fetch(
    proxy: FaultProxy, cache: Path, is_download: Callable[[str], bool], source: str = "api"
) -> Clean:
    epoch = proxy.new_epoch()
    process = _fetch(proxy.url, cache, cache.parent, source)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    downloads = sum(1 for r in proxy.records if r.epoch == epoch and is_download(r.target))
    return Clean(cache, downloads, len(stored_revids(cache)))


@pytest.fixture(scope="module")
def clean_runs(fault_wiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clean]:
    """Per plan, an uninterrupted fetch: the reference store, and what it took."""
    work = tmp_path_factory.mktemp("clean")
    out = {}
    for plan in PLANS:
        use_plan(fault_wiki, plan)
        with FaultProxy(fault_wiki.url) as proxy:
            out[plan] = clean_fetch(proxy, work / f"{plan}.sqlite", asks_for_content)
    return out


def check_chain(chain: Chain, clean: Clean) -> None:
    """The end of a chain: the same rows as the clean fetch, no duplicate, verify passes."""
    assert store_rows(chain.final) == store_rows(clean.store), chain.plan
    assert duplicate_rows(chain.final) == 0
    verify = subprocess.run(
        [sys.executable, "-m", "wikibilan", "verify", "--cache", str(chain.final)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout


@pytest.mark.mediawiki
def test_fetches_killed_at_ten_points_or_more_resume_to_the_same_store(
    fault_wiki: MediaWiki, clean_runs: dict[str, Clean], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    chains: list[Chain] = []
    chains_wanted = (("allrevisions", 3), ("per_page", 4), ("per_page", 4), ("allrevisions", 2))
    for n, (plan, kills) in enumerate(chains_wanted):
        use_plan(fault_wiki, plan)
        clean = clean_runs[plan]
        with FaultProxy(fault_wiki.url) as proxy:
            chain = run_kill_chain(
                proxy, kills, rng, tmp_path / f"{plan}-{n}.sqlite",
                downloads=clean.downloads, revisions=clean.revisions,
            )  # fmt: skip
        chains.append(chain)
        check_chain(chain, clean)
    kills = [k for c in chains for k in c.kills]
    assert len(kills) >= 10, [(c.plan, len(c.kills)) for c in chains]
    assert {k.event for k in kills} == set(KILL_EVENTS)
    assert sum(1 for k in kills if k.committed) >= 5  # kills amid the downloads
    assert [k.served_again for k in kills] == [set()] * len(kills)


ARCHIVE = Path(__file__).resolve().parents[1] / "fixtures" / "archive"


@pytest.mark.skipif(not (ARCHIVE / "full").is_dir(), reason="fixtures/archive/ not built")
@pytest.mark.parametrize("variant", ["full", "nohistory"])
def test_archive_crawls_killed_at_three_points_resume_to_the_same_store(
    variant: str, archive_server: Callable[[Path], ArchiveServer], tmp_path: Path
) -> None:
    server = archive_server(ARCHIVE / variant)
    with FaultProxy(server.url) as proxy:
        clean = clean_fetch(proxy, tmp_path / "clean.sqlite", shows_a_revision, "archive")
        chain = run_kill_chain(
            proxy, 3, random.Random(f"{SEED}:{variant}"), tmp_path / "killed.sqlite",
            downloads=clean.downloads, revisions=clean.revisions,
            is_download=shows_a_revision, source="archive",
        )  # fmt: skip
    check_chain(chain, clean)
    assert len(chain.kills) >= 2 and sum(1 for k in chain.kills if k.committed) >= 2
    assert [k.served_again for k in chain.kills] == [set()] * len(chain.kills)
