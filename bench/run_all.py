"""Run every benchmark script of bench/ (``make bench``); each writes bench/results/*.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"run_all.py", "gen_corpus.py"}


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in SKIP)
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    if not scripts:
        print("no benchmark yet")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
