"""Draw the report's plots in a child process, alongside the rest of a run.

Importing matplotlib and drawing the plots is most of a run's fixed cost, and
all of it is single-threaded. A :class:`PlotWorker` starts
``python -m wikibilan.report.plot_worker`` when a run begins: the child imports
matplotlib while the parent reads and parses the wiki, draws the plots of the
frames as soon as they exist (the verdicts' plot once the checks exist), while
the parent checks the claims and writes the CSVs.

The child is a plain subprocess, not a fork of the caller and no re-import of
its ``__main__``, so a worker is safe in notebooks, scripts and threads. It
runs the same code on the same frames, so the bytes are those the parent would
draw. If it cannot start, fails or outlives its timeout, the parent draws the
plots itself and logs why: a run never loses its plots to the worker.

Protocol: the parent pickles one ``(frames, as_of, names, lang)`` request after
another onto the child's stdin and closes it; the child draws each request as
it arrives and, at the end of its input, writes one pickled
``{name: PNG bytes}`` to its stdout.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

import pandas as pd

from .plots import PLOT_FRAMES, render_plots

log = logging.getLogger(__name__)

TIMEOUT_S = 300.0  # far above any real drawing time (seconds on a whole wiki)

_Request = tuple[dict[str, pd.DataFrame], datetime | None, list[str], str]


class PlotWorker:
    """One child process that draws the plots of one run.

    ``draw`` hands it plots to draw and returns at once; ``result`` returns
    the PNG bytes of every plot asked for, by name. ``close`` (or leaving the
    ``with`` block) stops a child that still runs.
    """

    def __init__(self, command: list[str] | None = None) -> None:
        command = command or [sys.executable, "-m", __name__]
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (close() closes it)
        self._proc: subprocess.Popen[bytes] | None = None
        self._requests: list[_Request] = []
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._out: bytes | None = None
        self._error = ""
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=_child_env(),
            )
        except OSError as exc:
            self._error = f"cannot start {command[0]}: {exc}"
            return
        self._thread = threading.Thread(target=self._talk, daemon=True)
        self._thread.start()

    def __enter__(self) -> PlotWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requested(self) -> list[str]:
        """The names of the plots asked for so far."""
        return [name for _, _, names, _ in self._requests for name in names]

    def draw(self, frames: Mapping[str, pd.DataFrame], as_of: datetime | None,
             names: Iterable[str], lang: str = "en") -> None:  # fmt: skip
        """Have the child draw ``names`` from ``frames`` in ``lang``; the caller goes on."""
        frames = {n: frames[n] for n in PLOT_FRAMES if n in frames}
        request = (frames, as_of, list(names), lang)
        if not request[2]:
            return
        self._requests.append(request)
        if self._thread is not None:
            self._outbox.put(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))

    def _talk(self) -> None:
        """Feed the child its requests, then read its answer (a thread: no pipe blocks the run)."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            for payload in iter(self._outbox.get, None):
                proc.stdin.write(payload)
                proc.stdin.flush()
            proc.stdin.close()
            out = proc.stdout.read()
        except (OSError, ValueError) as exc:  # the child died, or close() shut the pipes
            self._error = self._error or f"lost the child ({exc})"
            return
        if proc.wait() == 0:
            self._out = out
        else:
            self._error = f"exit status {proc.returncode}"

    def result(self) -> dict[str, bytes]:
        """The PNG bytes of every plot asked for, by name (drawn here if the child could not)."""
        if self._thread is not None:
            self._outbox.put(None)
            self._thread.join(TIMEOUT_S)
            if self._thread.is_alive():
                self._error = f"no answer within {TIMEOUT_S:.0f} s"
        plots = self._decode()
        why = "" if plots is not None else self._why()
        self.close()
        if plots is None:
            log.info("plot worker: %s; drawing the plots in this process", why)
            plots = {}
            for frames, as_of, names, lang in self._requests:
                plots.update(render_plots(frames, as_of, names, lang))
        return plots

    def _decode(self) -> dict[str, bytes] | None:
        if self._error or self._out is None:
            return None
        try:
            plots = pickle.loads(self._out)
        except Exception as exc:  # a truncated or foreign answer
            self._error = f"unreadable answer ({exc})"
            return None
        if (
            not isinstance(plots, dict)
            or set(plots) != set(self.requested)
            or not all(isinstance(png, bytes) for png in plots.values())
        ):
            self._error = "unexpected answer"
            return None
        return plots

    def _why(self) -> str:
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return f"{self._error}: {tail.splitlines()[-1]}" if tail else self._error

    def close(self) -> None:
        """Stop the child if it still runs, and release its pipes."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        if self._thread is not None:
            self._outbox.put(None)
            self._thread.join()
        if self._proc is not None:
            for pipe in (self._proc.stdin, self._proc.stdout):
                if pipe is not None and not pipe.closed:
                    pipe.close()
        self._stderr.close()


def _child_env() -> dict[str, str]:
    """The caller's environment, with this very package first on the child's path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def main() -> int:
    """Child side: import matplotlib, draw each request read, write ``{name: PNG bytes}``."""
    import matplotlib.backends.backend_agg  # noqa: F401  (imported while the parent parses)
    import matplotlib.figure  # noqa: F401

    source, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the answer reaches the parent's pipe
    plots: dict[str, bytes] = {}
    while True:
        try:
            frames, as_of, names, lang = pickle.load(source)
        except EOFError:
            break
        plots.update(render_plots(frames, as_of, names, lang))
    out.write(pickle.dumps(plots, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
