"""Benchmark the offline pipeline against its parse floor; write bench/results/pipeline.md.

For each corpus size (bench/gen_corpus.py: 1×, 10× and 100× the fixture wiki),
every step runs in a fresh subprocess, so each peak memory figure is that
step's process alone:

- ``import``: the XML export into an empty store (``library.import_file``);
- ``extract``: every frame (``library.load_frames``);
- ``check``: ``run_checks``, timed alone after the extract it needs (same process,
  so it shares the extract's parse cache, as a real run does);
- ``report``: ``write_outputs``, timed alone after the extract and check it needs;
- ``pipeline``: the whole offline run on the imported store (``library.run``:
  extract + check + report), the figure compared with the floor;
- ``floor``: parsing, once each, exactly the revisions issue 8 says the pipeline
  needs (per page its latest revision and its last one at the bilan's date,
  every revision of the bilan page) with mwparserfromhell (wikitext) or lxml
  (HTML), nothing else; the texts are read before the clock starts;
- ``floor_read``: the same for the revisions the pipeline actually parses (pages
  whose kind an extractor reads, and the bilan page).
- ``floor_tokens``: only mwparserfromhell's tokenizer on the floor's revisions:
  the pipeline walks the tokens and builds tree nodes only for what is not
  plain, so this is the lower bound of its parse.

CPU time and peak memory include the plot worker, the child process that
draws the plots during a run (``report.plot_worker``); ``peak RSS`` is the
step's process and ``child peak`` that of the child, which run side by side.

Wall and CPU time cover the step alone (after the interpreter started and
imported wikibilan), best of ``--repeat`` runs; ``process`` is the whole
subprocess as the parent saw it. Peak memory is the subprocess's RSS high-water
mark (``ru_maxrss``), the highest of the runs.

Usage: ``python bench/pipeline.py [--scales 1 10 100] [--repeat 3]``.
``--src DIR`` benchmarks another source tree (e.g. ``git archive`` of an older
commit) and, with ``--save-before``, keeps it as the note's "before" section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "work"
RESULTS = REPO / "bench" / "results" / "pipeline.md"
STEPS = ("import", "extract", "check", "report", "pipeline", "floor", "floor_read",
         "floor_tokens")  # fmt: skip
KEPT = ("notes", "before")  # hand-written or older sections the note keeps across runs
TARGET_RATIO, TARGET_GROWTH, TARGET_PEAK_MIB = 1.5, 11.0, 1024

sys.path.insert(0, str(REPO / "bench"))
from gen_corpus import SCALES, ensure_corpus  # noqa: E402

# --------------------------------------------------------------------------- child side


def needed_revids(store_path: Path, read_kinds_only: bool = False) -> set[int]:
    """The revisions the pipeline needs, found with plain SQL (single-site store).

    Per page, its latest revision and its last one at the bilan's latest revision;
    every revision of the bilan page. With ``read_kinds_only``, only the pages
    whose kind an extractor reads (and the bilan page): what the pipeline parses.
    """
    import sqlite3

    try:
        from wikibilan.profile import load_profile

        bilan_title = load_profile().report_title
    except ImportError:  # a source tree from before the site profile
        from wikibilan.config import BILAN_TITLE as bilan_title  # type: ignore[attr-defined]

    conn = sqlite3.connect(store_path)
    newest = """SELECT page_id, revid FROM (SELECT page_id, revid, ROW_NUMBER() OVER (
                PARTITION BY page_id ORDER BY timestamp DESC, revid DESC) AS k
                FROM revisions WHERE {w}) WHERE k = 1"""
    bilan = "SELECT page_id FROM pages WHERE title = ?"
    as_of = conn.execute(
        f"SELECT MAX(timestamp) FROM revisions WHERE page_id = ({bilan})", (bilan_title,)
    ).fetchone()[0]
    pairs = conn.execute(newest.format(w="1")).fetchall()
    if as_of is not None:
        pairs += conn.execute(newest.format(w="timestamp <= ?"), (as_of,)).fetchall()
    read = _read_kinds() if read_kinds_only else None
    if read is not None:
        from wikibilan.extract.kinds import page_kind  # versions that read pages by title

        kinds = {pid: page_kind(t) for pid, t in conn.execute("SELECT page_id, title FROM pages")}
        pairs = [(pid, r) for pid, r in pairs if kinds[pid] in read]
    revids = {r for _, r in pairs}
    revids |= {r for (r,) in conn.execute(
        f"SELECT revid FROM revisions WHERE page_id = ({bilan})", (bilan_title,))}  # fmt: skip
    conn.close()
    return revids


def _read_kinds() -> frozenset[str] | None:
    """The page kinds the extractors read (None: a version that parses every page)."""
    try:
        from wikibilan.extract.snapshot import SNAPSHOT_KINDS
    except ImportError:
        return None
    return SNAPSHOT_KINDS


def _texts(store_path: Path, revids: set[int]) -> list[tuple[str, str]]:
    """(content model, content) of ``revids``."""
    import sqlite3

    conn = sqlite3.connect(store_path)
    conn.execute("CREATE TEMP TABLE wanted (revid INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO wanted VALUES (?)", [(r,) for r in revids])
    rows = conn.execute(
        "SELECT content_model, content FROM revisions JOIN wanted USING (revid)"
    ).fetchall()
    conn.close()
    return rows


def _floor(store: Path, read_kinds_only: bool, tokens: bool) -> Callable[[], dict[str, Any]]:
    import lxml.html
    import mwparserfromhell
    from mwparserfromhell.parser import Parser

    texts = _texts(store, needed_revids(store, read_kinds_only))
    tokenize = Parser()._tokenizer.tokenize  # what mwparserfromhell.parse runs before its builder

    def run() -> dict[str, Any]:
        for model, content in texts:
            if model == "html":
                lxml.html.fromstring(content)
            elif tokens:
                tokenize(content, 0, False)
            else:
                mwparserfromhell.parse(content)
        return {"revisions": len(texts)}

    return run


def _step(name: str, xml: Path, store: Path, out: Path) -> Callable[[], dict[str, Any]]:
    """The timed part of step ``name``; untimed preparation happens here."""
    if name.startswith("floor"):
        return _floor(store, read_kinds_only=name == "floor_read", tokens=name == "floor_tokens")
    from wikibilan import __version__, library
    from wikibilan.pipeline import load_frames, open_bench, run_checks

    if name == "import":
        for path in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
            path.unlink(missing_ok=True)
        return lambda: {"revisions": library.import_file(xml, store).revisions_new}
    if name == "extract":
        return lambda: {"events": len(library.load_frames(store)["events"])}
    if name == "pipeline":
        return lambda: {"checks": len(library.run(store, out, offline=True).checks)}
    try:
        from wikibilan.profile import load_profile

        bench = open_bench(store, None, load_profile())
    except ImportError:  # a source tree from before the site profile
        bench = open_bench(store, None)  # type: ignore[call-arg]
    frames = load_frames(bench, "")
    if name == "check":
        return lambda: {"checks": len(run_checks(bench, frames)["checks"])}
    if name == "report":
        from wikibilan.report import ReportContext, write_outputs

        checked = run_checks(bench, frames)
        ctx = ReportContext(
            site=bench.site, generated_at=datetime.now(UTC), as_of=None,
            bilan_title="Assemblée des Communs de Lille - Bilan 2015-2017",
            bilan_revid=int(checked["checks"]["revid"].max()), tool_version=__version__,
        )  # fmt: skip
        all_frames = {**frames, **checked}
        return lambda: {"files": len(write_outputs(all_frames, out, ctx))}
    raise ValueError(name)


def child(name: str, xml: Path, store: Path, out: Path) -> None:
    """Run one step and print its measures as JSON (the parent's subprocess)."""
    run = _step(name, xml, store, out)
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)  # children: the plot worker
    usage0, t0 = [resource.getrusage(w) for w in who], time.perf_counter()
    info = run()
    wall = time.perf_counter() - t0
    usage1 = [resource.getrusage(w) for w in who]
    cpu = sum(u1.ru_utime - u0.ru_utime + u1.ru_stime - u0.ru_stime
              for u0, u1 in zip(usage0, usage1, strict=True))  # fmt: skip
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mib": usage1[0].ru_maxrss / 1024,
                      "child_peak_mib": usage1[1].ru_maxrss / 1024, **info}))  # fmt: skip


# --------------------------------------------------------------------------- parent side


def measure(name: str, xml: Path, store: Path, out: Path, src: Path) -> dict[str, Any]:
    """Run step ``name`` in a fresh interpreter on the source tree ``src``."""
    path = os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, str(xml), str(store), str(out)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"step {name} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - t0
    return result


def bench_size(scale: int, repeat: int, src: Path) -> dict[str, Any]:
    """Every step at one size: best wall/CPU of ``repeat`` runs, the highest peak."""
    xml = ensure_corpus(scale)
    store, out = WORK / f"store-{scale}x.sqlite", WORK / f"out-{scale}x"
    shutil.rmtree(out, ignore_errors=True)
    steps: dict[str, dict[str, Any]] = {}
    for name in STEPS:
        runs = [measure(name, xml, store, out, src) for _ in range(repeat)]
        best = dict(runs[0])
        for key in ("wall", "cpu", "process"):
            best[key] = min(r[key] for r in runs)
        best["peak_mib"] = max(r["peak_mib"] for r in runs)
        best["child_peak_mib"] = max(r.get("child_peak_mib", 0.0) for r in runs)
        steps[name] = best
        print(f"  {scale}x {name}: {best['wall']:.2f} s wall, {best['peak_mib']:.0f} MiB",
              file=sys.stderr, flush=True)  # fmt: skip
    return {"scale": scale, "xml_mib": xml.stat().st_size / 2**20, **_counts(store),
            "steps": steps}  # fmt: skip


def _counts(store: Path) -> dict[str, int]:
    import sqlite3

    conn = sqlite3.connect(store)
    pages = conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    revs = conn.execute("SELECT COUNT(*) FROM revisions").fetchone()[0]
    conn.close()
    return {"pages": pages, "revisions": revs}


# --------------------------------------------------------------------------- the note


def _machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        mem = ""
    import mwparserfromhell
    import pandas

    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}; "
            f"Python {platform.python_version()}, pandas {pandas.__version__}, "
            f"mwparserfromhell {mwparserfromhell.__version__} "
            f"(C tokenizer: {mwparserfromhell.parser.use_c})")  # fmt: skip


def _child(step: dict[str, Any]) -> str:
    peak = step.get("child_peak_mib", 0.0)
    return f"{peak:.0f}" if peak else "–"


def _ratio(res: dict[str, Any], a: str, b: str) -> float:
    return float(res["steps"][a]["wall"] / res["steps"][b]["wall"])


def tables(results: list[dict[str, Any]]) -> str:
    """The Markdown tables of one benchmark run."""
    lines = ["| size | pages | revisions | step | wall (s) | CPU (s) | process (s) "
             "| peak RSS (MiB) | child peak (MiB) |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for res in results:
        for name in STEPS:
            s = res["steps"][name]
            extra = f" ({s['revisions']} revisions)" if name.startswith("floor") else ""
            lines.append(
                f"| {res['scale']}× | {res['pages']} | {res['revisions']} | {name}{extra} | "
                f"{s['wall']:.2f} | {s['cpu']:.2f} | {s['process']:.2f} | {s['peak_mib']:.0f} | "
                f"{_child(s)} |"
            )
    lines += ["", "| size | pipeline (s) | floor (s) | pipeline / floor | "
              "pipeline / floor_read | pipeline / floor_tokens | extract + check (s) | "
              "(extract + check) / floor | peak RSS, pipeline + child (MiB) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for res in results:
        s = res["steps"]
        data = s["extract"]["wall"] + s["check"]["wall"]
        peak = s["pipeline"]["peak_mib"] + s["pipeline"].get("child_peak_mib", 0.0)
        lines.append(
            f"| {res['scale']}× | {s['pipeline']['wall']:.2f} | {s['floor']['wall']:.2f} | "
            f"{_ratio(res, 'pipeline', 'floor'):.2f} | {_ratio(res, 'pipeline', 'floor_read'):.2f}"
            f" | {_ratio(res, 'pipeline', 'floor_tokens'):.2f} | {data:.2f} | "
            f"{data / s['floor']['wall']:.2f} | {peak:.0f} |"
        )
    if len(results) > 1:
        lines += ["", "Growth of the wall time from one size to the next:", "",
                  "| from → to | revisions × | " + " | ".join(STEPS) + " |",
                  "|---|---:|" + "---:|" * len(STEPS)]  # fmt: skip
        for a, b in zip(results, results[1:], strict=False):
            growth = [b["steps"][n]["wall"] / a["steps"][n]["wall"] for n in STEPS]
            lines.append(f"| {a['scale']}× → {b['scale']}× | {b['revisions'] / a['revisions']:.1f} "
                         "| " + " | ".join(f"{g:.1f}" for g in growth) + " |")  # fmt: skip
    return "\n".join(lines)


def verdicts(results: list[dict[str, Any]]) -> str:
    """Each target of issue 8, met or not, on the largest size."""
    big = results[-1]
    ratio = _ratio(big, "pipeline", "floor")
    peak = max(s["peak_mib"] + s.get("child_peak_mib", 0.0) for s in big["steps"].values())
    out = [
        f"- the whole offline pipeline within {TARGET_RATIO} × the parse floor at "
        f"{big['scale']}×: {'met' if ratio <= TARGET_RATIO else '**not met**'} ({ratio:.2f} ×)",
        f"- peak memory under {TARGET_PEAK_MIB} MiB at {big['scale']}× (every step, process "
        "and plot worker together): "
        f"{'met' if peak < TARGET_PEAK_MIB else '**not met**'} ({peak:.0f} MiB)",
    ]
    for a, b in zip(results, results[1:], strict=False):
        data = b["revisions"] / a["revisions"]
        limit = TARGET_GROWTH * data / 10
        worst, step = max((b["steps"][n]["wall"] / a["steps"][n]["wall"], n) for n in STEPS)
        out.append(f"- growth {a['scale']}× → {b['scale']}× at most {limit:.1f} × "
                   f"(the data grows {data:.1f} ×): {'met' if worst <= limit else '**not met**'} "
                   f"(steepest: {step}, {worst:.1f} ×)")  # fmt: skip
    return "\n".join(out)


def _marked(name: str, body: str) -> str:
    return f"<!-- {name}:start -->\n{body}\n<!-- {name}:end -->"


def kept_sections() -> dict[str, str]:
    """The sections of the current note that every run keeps (see KEPT)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else ""
    kept = {}
    for name in KEPT:
        start, end = (re.escape(f"<!-- {name}:{edge} -->") for edge in ("start", "end"))
        found = re.search(rf"{start}\n(.*?)\n{end}", text, re.DOTALL)
        kept[name] = found.group(1) if found else ""
    return kept


def write_note(results: list[dict[str, Any]], command: str, before: str | None) -> None:
    """Write bench/results/pipeline.md; ``before`` replaces the kept "before" section."""
    kept = kept_sections()
    if before is not None:
        kept["before"] = before
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = f"""# Offline pipeline benchmark

Written by `bench/pipeline.py` (`make bench`) on {now}.
Reproduce: `{command}` (corpora from `bench/gen_corpus.py`, cached in `bench/work/`).

Machine: {_machine()}.

Each step runs in a fresh subprocess. *wall* and *CPU* time the step alone (best
of the runs); *process* is the whole subprocess (interpreter start and imports
included); *peak RSS* is the subprocess's high-water mark. `check` and `report`
are timed after the extract (and check) they need, in the same process, as in a
real run; `pipeline` is the whole offline run (`library.run`: extract, check,
report) on an imported store. The *floor* parses, once, exactly the revisions
issue 8 names (latest revision of each page, last revision of each page at the
bilan's date, every bilan revision) with mwparserfromhell, nothing else;
*floor_read* parses only those the pipeline reads (pages of the kinds an
extractor uses, and the bilan page); *floor_tokens* runs only mwparserfromhell's
tokenizer on the floor's revisions (the pipeline builds tree nodes only for
what is not plain text, lists, headings and links). CPU time includes the plot
worker, the child process that draws the plots during a run; *child peak* is
its high-water mark (it runs beside the step's process).

## Now

{tables(results)}

Targets (issue 8):

{verdicts(results)}

## Notes

{_marked("notes", kept["notes"] or "(none yet)")}

## Before the performance work

Measured with this script on the source tree before issue 8's changes
(`--src` pointing at an export of that commit, `--save-before`).

{_marked("before", kept["before"] or "(not measured)")}
"""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (best is kept)")
    parser.add_argument("--src", type=Path, default=REPO / "src", help="source tree to measure")
    parser.add_argument("--save-before", action="store_true",
                        help="write this run as the note's 'before' section only")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, xml, store, out = args.child
        child(name, Path(xml), Path(store), Path(out))
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in sorted(args.scales):
        print(f"== {scale}x", file=sys.stderr, flush=True)
        results.append(bench_size(scale, args.repeat, args.src.resolve()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    body = tables(results) + "\n\n" + verdicts(results)
    if args.save_before and RESULTS.is_file():  # only the "before" section changes
        text = RESULTS.read_text(encoding="utf-8")
        old = _marked("before", kept_sections()["before"])
        RESULTS.write_text(text.replace(old, _marked("before", body)), encoding="utf-8")
    elif args.save_before:
        write_note(results, "python bench/pipeline.py", body)
    else:
        command = "make bench" if sorted(args.scales) == list(SCALES) else (
            "python bench/pipeline.py --scales " + " ".join(map(str, args.scales)))  # fmt: skip
        write_note(results, command, None)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
