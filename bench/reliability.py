"""Reliability figures: fetches under faults, fetches killed and resumed, hostile input.

Writes bench/results/reliability.md (``make reliability``; ``make bench`` runs it too).
The same machinery as the test suite, at a larger scale:

- the fixture wiki (fixtures/wiki/lille.xml) in Debian's MediaWiki, answers
  capped at 32 KiB, fetched by the api source under both of its plans, and
  the static mirror (fixtures/archive/, both variants) crawled by the archive
  source, each through the fault-injecting proxy of tests/fault_proxy.py;
- seeded schedules faulting about a fifth of the requests, and one run with
  every kind of fault in turn; every store is compared, field by field, with
  the store of a fetch without the proxy;
- ``python -m wikibilan fetch`` killed with SIGKILL at seeded points and run
  again (tests/test_kill_resume.py's chains), each stored revision checked
  against what the proxy served after the restart;
- the hostile-input and fuzzing tests, run with pytest.

Faults, downloads and re-downloads are counted by the proxy, on the wire.
"""

from __future__ import annotations

import logging
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.archive_server import ArchiveServer  # noqa: E402
from tests.fault_proxy import (  # noqa: E402
    FAULT_KINDS,
    SURVIVABLE,
    FaultProxy,
    Schedule,
    cap_api_results,
    duplicate_rows,
    store_rows,
    use_plan,
)
from tests.mediawiki_server import LILLE_XML, MediaWiki, mediawiki_missing, start_mediawiki  # noqa: E402
from tests.test_kill_resume import (  # noqa: E402
    Chain,
    asks_for_content,
    clean_fetch,
    run_kill_chain,
    shows_a_revision,
)

from wikibilan.config import Politeness  # noqa: E402
from wikibilan.errors import SourceError  # noqa: E402
from wikibilan.profile import load_profile  # noqa: E402
from wikibilan.sources.api import ApiSource  # noqa: E402
from wikibilan.sources.archive import ArchiveSource  # noqa: E402
from wikibilan.sources.http import PoliteSession  # noqa: E402
from wikibilan.store import Store  # noqa: E402

RESULTS = REPO / "bench" / "results" / "reliability.md"
ARCHIVE = REPO / "fixtures" / "archive"
API_POLITE = Politeness(min_interval=0.0, backoff_base=0.01, backoff_max=5.0, timeout=1.0)
ARCHIVE_POLITE = Politeness(min_interval=0.0, backoff_base=0.01, backoff_max=5.0, timeout=0.5)
ARCHIVE_FAULTS = tuple(k for k in SURVIVABLE if k not in ("readonly", "html"))
API_SEEDS = {"allrevisions": (1, 5, 6, 8, 14), "per_page": (1, 2, 5, 6, 9)}
ARCHIVE_SEEDS = (2, 6)
KILL_CHAINS = (("allrevisions", 4), ("allrevisions", 4), ("per_page", 4), ("per_page", 4),
               ("per_page", 4), ("per_page", 4))  # fmt: skip
ARCHIVE_CHAINS = (("full", 4), ("full", 4), ("nohistory", 4), ("nohistory", 4))


def not_discovery(target: str) -> bool:
    return "meta=siteinfo&siprop" not in target


@dataclass
class FaultRun:
    source: str
    case: str
    requests: int
    faults: Counter[str]
    survived: Counter[str]
    same: bool
    lost: int
    seconds: float


@dataclass
class ChainRun:
    source: str
    case: str
    chain: Chain
    same: bool
    lost: int
    duplicates: int

    @property
    def again(self) -> int:
        return sum(len(k.served_again) for k in self.chain.kills)


@dataclass
class Tally:
    fault_runs: list[FaultRun] = field(default_factory=list)
    chains: list[ChainRun] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)
    hostile: dict[str, int] = field(default_factory=dict)


def lost_revisions(reference: Path, got: Path) -> int:
    want = {row[0] for row in store_rows(reference)["revisions"]}
    have = {row[0] for row in store_rows(got)["revisions"]}
    return len(want - have)


def api_fetch(url: str, path: Path) -> None:
    with Store.open(path) as store:
        ApiSource(url, session=PoliteSession(API_POLITE), selection=load_profile().selection).fetch(
            store
        )


def archive_fetch(url: str, path: Path) -> None:
    with Store.open(path) as store:
        selection = load_profile().selection
        ArchiveSource(url + "/", session=PoliteSession(ARCHIVE_POLITE),
                      selection=selection, site_key="lille").fetch(store)  # fmt: skip


def fault_run(
    tally: Tally, source: str, case: str, upstream: str, reference: Path, work: Path,
    schedule: Schedule, *, then_clean: bool = False, **options: object,
) -> None:  # fmt: skip
    """One fetch under ``schedule`` (and, with ``then_clean``, a second one without faults)."""
    path = work / f"{source}-{case}.sqlite"
    fetch = api_fetch if source == "api" else archive_fetch
    with FaultProxy(upstream, schedule, **options) as proxy:  # type: ignore[arg-type]
        started = time.monotonic()
        fetch(proxy.url, path)
        if then_clean:
            proxy.schedule = Schedule.none()
            fetch(proxy.url, path)
        seconds = time.monotonic() - started
        run = FaultRun(source, case, len(proxy.records), proxy.faults(), proxy.survived(),
                       store_rows(path) == store_rows(reference),
                       lost_revisions(reference, path), seconds)  # fmt: skip
    tally.fault_runs.append(run)
    print(f"  {source} {case}: {sum(run.faults.values())}/{run.requests} faulted, "
          f"same store: {run.same}, {seconds:.1f} s", flush=True)  # fmt: skip


def api_part(tally: Tally, work: Path) -> None:
    wiki: MediaWiki = cap_api_results(start_mediawiki(work / "mediawiki", [LILLE_XML]))
    try:
        references = {}
        for plan in API_SEEDS:
            use_plan(wiki, plan)
            references[plan] = work / f"reference-{plan}.sqlite"
            api_fetch(wiki.url, references[plan])
        print("fetches under faults (api)", flush=True)
        for plan, seeds in API_SEEDS.items():
            use_plan(wiki, plan)
            for seed in seeds:
                schedule = Schedule.seeded(0.2, seed, match=not_discovery)
                fault_run(tally, "api", f"{plan}, seed {seed}", wiki.url, references[plan],
                          work, schedule)  # fmt: skip
        use_plan(wiki, "per_page")
        every = {2 * i + 1: kind for i, kind in enumerate(SURVIVABLE)}
        fault_run(tally, "api", "per_page, every kind once", wiki.url, references["per_page"],
                  work, Schedule.explicit(every, match=not_discovery))  # fmt: skip
        stop_and_resume(tally, wiki, references["per_page"], work)
        print("kills (api)", flush=True)
        rng = random.Random(20240607)
        for n, (plan, kills) in enumerate(KILL_CHAINS):
            use_plan(wiki, plan)
            with FaultProxy(wiki.url) as proxy:
                clean = clean_fetch(proxy, work / f"clean-{plan}-{n}.sqlite", asks_for_content)
                chain = run_kill_chain(
                    proxy, kills, rng, work / f"killed-{plan}-{n}.sqlite",
                    downloads=clean.downloads, revisions=clean.revisions,
                )  # fmt: skip
            record_chain(tally, "api", plan, chain, clean.store)
    finally:
        wiki.stop()


def stop_and_resume(tally: Tally, wiki: MediaWiki, reference: Path, work: Path) -> None:
    """Retries run out (the site goes down), then the next run resumes."""
    use_plan(wiki, "per_page")
    path = work / "stopped.sqlite"
    with FaultProxy(wiki.url, Schedule.from_index(25, "503")) as proxy:
        tight = Politeness(min_interval=0.0, backoff_base=0.01, timeout=1.0, max_retries=1)
        try:
            with Store.open(path) as store:
                ApiSource(proxy.url, session=PoliteSession(tight),
                          selection=load_profile().selection).fetch(store)  # fmt: skip
        except SourceError as exc:
            tally.stops.append(str(exc))
        proxy.schedule = Schedule.none()
        api_fetch(proxy.url, path)
    same = store_rows(path) == store_rows(reference)
    tally.stops.append(f"the next run resumed to the same store: {same}")
    # a redirect to another host: refused, nothing sent there, then resumed
    path = work / "redirected.sqlite"
    with FaultProxy(wiki.url, Schedule.explicit({12: "redirect"})) as proxy:
        try:
            api_fetch(proxy.url, path)
        except SourceError as exc:
            tally.stops.append(str(exc))
        proxy.schedule = Schedule.none()
        api_fetch(proxy.url, path)
        hits = len(proxy.elsewhere.hits)
    same = store_rows(path) == store_rows(reference)
    tally.stops.append(f"requests the other host received: {hits}; the next run resumed to "
                       f"the same store: {same}")  # fmt: skip


def record_chain(tally: Tally, source: str, case: str, chain: Chain, reference: Path) -> None:
    run = ChainRun(source, case, chain, store_rows(chain.final) == store_rows(reference),
                   lost_revisions(reference, chain.final), duplicate_rows(chain.final))  # fmt: skip
    tally.chains.append(run)
    print(f"  {source} {case}: {len(chain.kills)} kills, {chain.runs} runs, same store "
          f"{run.same}, lost {run.lost}, duplicates {run.duplicates}, stored revisions "
          f"downloaded again {run.again}", flush=True)  # fmt: skip


def archive_part(tally: Tally, work: Path) -> None:
    print("fetches under faults (archive)", flush=True)
    for variant in ("full", "nohistory"):
        with ArchiveServer(ARCHIVE / variant) as server:
            reference = work / f"reference-archive-{variant}.sqlite"
            archive_fetch(server.url, reference)
            for seed in ARCHIVE_SEEDS:
                schedule = Schedule.seeded(0.2, seed, kinds=ARCHIVE_FAULTS)
                fault_run(tally, "archive", f"{variant}, seed {seed}", server.url, reference,
                          work, schedule, client_timeout=0.5, retry_date_in=1)  # fmt: skip
            stand_ins = Schedule.seeded(0.2, 3, kinds=("html", "readonly"))
            fault_run(tally, "archive", f"{variant}, 200 answers that are not pages, then a "
                      "run without faults", server.url, reference, work, stand_ins,
                      then_clean=True)  # fmt: skip
    print("kills (archive)", flush=True)
    for n, (variant, kills) in enumerate(ARCHIVE_CHAINS):
        with ArchiveServer(ARCHIVE / variant) as server, FaultProxy(server.url) as proxy:
            clean = clean_fetch(proxy, work / f"clean-archive-{n}.sqlite", shows_a_revision,
                                "archive")  # fmt: skip
            chain = run_kill_chain(
                proxy, kills, random.Random(f"archive:{n}"), work / f"killed-archive-{n}.sqlite",
                downloads=clean.downloads, revisions=clean.revisions,
                is_download=shows_a_revision, source="archive",
            )  # fmt: skip
        record_chain(tally, "archive", variant, chain, clean.store)


def hostile_part(tally: Tally) -> None:
    """Run the hostile-input and fuzzing tests; count what they tried."""
    print("hostile input and fuzzing (pytest)", flush=True)
    dump = "tests/test_dump.py::"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_hostile.py", "tests/test_fuzz.py", dump + "test_hostile_files_change_nothing",
         dump + "test_hostile_prologs", dump + "test_parser_itself_expands_no_entity"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    print("  " + summary, flush=True)
    from tests import test_dump, test_fuzz, test_hostile

    tally.hostile = {
        "XML bombs, external entities, hostile prologs (reader and command line)": 2
        + len(test_dump.HOSTILE)
        + 2,
        "invalid UTF-8 (dump, HTML, API answer)": 3,
        "responses of a gigabyte (announced, chunked, gzip; command line)": 4,
        "deeply nested wikitext": len(test_hostile.DEEP_WIKITEXT),
        "deeply nested HTML": len(test_hostile.DEEP_HTML),
        "hostile titles through the whole pipeline": len(test_hostile.HOSTILE_TITLES) + 1,
        "pages with `<script>` through to report.html": 1,
        "links and redirects to another host": 2,
        "hypothesis examples (4 properties)": 4 * test_fuzz.CI_BUDGET.max_examples,
        "atheris inputs": test_fuzz.ATHERIS_RUNS,
        "pytest": int(re.search(r"(\d+) passed", summary).group(1)) if "passed" in summary else 0,
    }
    tally.hostile["failed"] = 1 if done.returncode else 0


def write(tally: Tally, seconds: float) -> None:
    runs, chains = tally.fault_runs, tally.chains
    faulted = sum(sum(r.faults.values()) for r in runs)
    requests = sum(r.requests for r in runs)
    kinds: Counter[str] = sum((r.faults for r in runs), Counter())
    survived: Counter[str] = sum((r.survived for r in runs), Counter())
    kills = sum(len(c.chain.kills) for c in chains)
    lost = sum(r.lost for r in runs) + sum(c.lost for c in chains)
    duplicated = sum(c.duplicates + c.again for c in chains)
    hostile = sum(v for k, v in tally.hostile.items() if k not in ("pytest", "failed"))
    out = [
        "# Reliability",
        "",
        "Written by `bench/reliability.py` (`make reliability`, also run by `make bench`) in "
        f"{seconds:.0f} s. Faults and downloads are counted by the fault-injecting proxy "
        "(tests/fault_proxy.py), on the wire.",
        "",
        "## Summary",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| fetches under faults | {len(runs)} |",
        f"| requests through the proxy in them | {requests} |",
        f"| requests faulted | {faulted} ({faulted / max(1, requests):.0%}) |",
        f"| faults survived (the request answered in the end) | {sum(survived.values())} |",
        f"| fetches under faults ending with the store of a fetch without faults | "
        f"{sum(r.same for r in runs)} of {len(runs)} |",
        f"| runs killed with SIGKILL, then resumed | {kills} |",
        f"| kill chains ending with the store of an uninterrupted fetch | "
        f"{sum(c.same for c in chains)} of {len(chains)} |",
        f"| hostile inputs tried | {hostile} |",
        f"| **revisions lost** | **{lost}** |",
        f"| **revisions duplicated** (duplicate rows, and stored revisions downloaded again "
        f"after a restart) | **{duplicated}** |",
        "",
        "## Faults of each kind",
        "",
        "| fault | injected | survived |",
        "|---|---:|---:|",
    ]
    out += [f"| {k} | {kinds[k]} | {survived[k]} |" for k in FAULT_KINDS if kinds[k]]
    out += ["", "A redirect to another host is not meant to be survived: the fetch stops with "
            "an error, the other host receives nothing, and the next run completes "
            "(tests/test_faults.py). An answer 200 that is not a page of the wiki (`html`: a "
            "host's maintenance page; `readonly`: an API error) cannot be told from a page "
            "by a crawler of a static mirror within the run: the archive source stores "
            "nothing from it, reports the revisions it hid, and the next run completes the "
            "store (the archive runs marked so).", "",
            "## Fetches under faults", "",
            "| source | schedule | requests | faulted | same store | seconds |",
            "|---|---|---:|---:|---|---:|"]  # fmt: skip
    out += [f"| {r.source} | {r.case} | {r.requests} | {sum(r.faults.values())} | "
            f"{'yes' if r.same else 'NO'} | {r.seconds:.1f} |" for r in runs]  # fmt: skip
    out += ["", "Faults not meant to be survived: retries running out (the site answers 503 "
            "from its 26th request on, one retry allowed), and a redirect to another host, "
            "each followed by a run without faults:", ""]  # fmt: skip
    out += [f"- {line}" for line in tally.stops]
    out += ["", "## Kills and resumes", "",
            "Each chain starts from an empty store; each run is killed at a seeded point (the "
            "k-th download of the run, or one of its first requests; when the request "
            "arrives, right after its answer is sent, or up to 30 ms later); the last run "
            "finishes. *Downloaded again*: revisions that were in the store when a run was "
            "killed and whose content the proxy delivered again during the next run.", "",
            "| source | case | kills | runs | same store | lost | duplicate rows | "
            "downloaded again |", "|---|---|---:|---:|---|---:|---:|---:|"]  # fmt: skip
    out += [f"| {c.source} | {c.case} | {len(c.chain.kills)} | {c.chain.runs} | "
            f"{'yes' if c.same else 'NO'} | {c.lost} | {c.duplicates} | {c.again} |"
            for c in chains]  # fmt: skip
    out += ["", "## Hostile input", "", "| input | tried |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in tally.hostile.items() if k not in ("pytest", "failed")]
    out += ["", f"pytest: {tally.hostile.get('pytest', 0)} tests passed, "
            f"{'none' if not tally.hostile.get('failed') else 'SOME'} failed.", "",
            "## Commands", "", "```", "make reliability            # this note",
            ".venv/bin/python bench/reliability.py",
            ".venv/bin/python -m pytest tests/test_faults.py tests/test_kill_resume.py "
            "tests/test_hostile.py tests/test_fuzz.py",
            ".venv/bin/python tests/test_fuzz.py -runs=100000 CORPUS_DIR   # a longer atheris run",
            "```", ""]  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {RESULTS}")


def main() -> int:
    logging.getLogger("wikibilan").setLevel(logging.CRITICAL)  # the retries are counted here
    started = time.monotonic()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="wikibilan-reliability-") as tmp:
        work = Path(tmp)
        missing = mediawiki_missing()
        if missing is None:
            api_part(tally, work)
        else:
            print(f"api part skipped: {missing}")
        if (ARCHIVE / "full").is_dir():
            archive_part(tally, work)
        hostile_part(tally)
    write(tally, time.monotonic() - started)
    bad = [r for r in tally.fault_runs if not r.same or r.lost]
    bad += [c for c in tally.chains if not c.same or c.lost or c.duplicates or c.again]
    return 1 if bad or tally.hostile.get("failed") else 0


if __name__ == "__main__":
    raise SystemExit(main())
