"""Score the reader on a directory of golden cases, field by field and class by class.

    .venv/bin/python bench/score_cases.py tests/cases            # the zoo
    .venv/bin/python bench/score_cases.py /tmp/realpages --html   # also the HTML path

Cases are in the format of tests/cases/README.md. With PYTHONPATH pointing at an
older checkout's ``src``, it scores that checkout's reader (the title-gated one
before issue 13 is read through a shim), which gives the before/after figures.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from case_reading import FIELDS, CasePage, compare, current_reader, load_cases  # noqa: E402


def _title_gated_reader(pages: list[tuple[CasePage, Any]]) -> Any:
    """The reader before issue 13: page kinds from titles (kept to measure it)."""
    from wikibilan.extract.kinds import page_kind  # type: ignore[import-not-found]

    from wikibilan.extract.snapshot import PageRevision, extract_snapshot

    revs = [
        PageRevision(p.title, page_kind(p.title), i + 1, p.edited, p.created, doc, "u")
        for i, (p, doc) in enumerate(pages)
    ]
    return extract_snapshot(revs)


def reader() -> Any:
    try:
        import wikibilan.extract.kinds  # noqa: F401
    except ImportError:
        return current_reader
    return _title_gated_reader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--html", action="store_true", help="also read the rendered HTML")
    parser.add_argument("--details", action="store_true", help="print each failing field")
    args = parser.parse_args(argv)
    cases = load_cases(args.directory)
    read = reader()
    paths = ["wikitext", "html"] if args.html else ["wikitext"]
    for path in paths:
        per_class: dict[str, Counter[str]] = defaultdict(Counter)
        per_field: dict[str, Counter[str]] = defaultdict(Counter)
        right = 0
        for case in cases:
            try:
                outcome = compare(case, read, path)
            except Exception as exc:  # a crash is a wrong reading of every field
                print(f"{case.name}: reader failed: {exc!r}", file=sys.stderr)
                per_class[case.klass]["pages"] += 1
                continue
            per_class[case.klass]["pages"] += 1
            per_class[case.klass]["right"] += outcome.ok
            right += outcome.ok
            for name, ok in outcome.results.items():
                if ok is not None:
                    per_field[name]["n"] += 1
                    per_field[name]["right"] += ok
            if args.details and not outcome.ok:
                print(f"  {case.name} [{path}]: " + "; ".join(outcome.details))
        print(f"\n## {args.directory} — {path} path: {right}/{len(cases)} pages read right\n")
        print("| class | pages read right |\n|---|---:|")
        for klass in sorted(per_class):
            c = per_class[klass]
            print(f"| {klass} | {c['right']}/{c['pages']} |")
        print("\n| field | right |\n|---|---:|")
        for name in FIELDS:
            if per_field[name]["n"]:
                print(f"| {name} | {per_field[name]['right']}/{per_field[name]['n']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
