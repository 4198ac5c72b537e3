"""Draw the report's plots in a child process, alongside the rest of a run.

Importing matplotlib and drawing the plots is most of a run's fixed cost, and
all of it is single-threaded. A :class:`PlotWorker` starts
``python -m wikibilan.report.plot_worker`` when a run begins: the child imports
matplotlib while the parent reads and parses the wiki, then draws from the
frames it is sent while the parent writes the CSVs.

The child is a plain subprocess, not a fork of the caller and no re-import of
its ``__main__``, so a worker is safe in notebooks, scripts and threads. It
runs the same code on the same frames, so the bytes are those the parent would
draw. If it cannot start, fails or outlives its timeout, the parent draws the
plots itself and logs why: a run never loses its plots to the worker.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO

import pandas as pd

from .plots import PLOT_FRAMES, render_plots

log = logging.getLogger(__name__)

TIMEOUT_S = 300.0  # far above any real drawing time (seconds on a whole wiki)


class PlotWorker:
    """One child process that draws one set of plots.

    ``start`` sends the frames without waiting; ``result`` returns the PNG
    bytes by plot name. ``close`` (or leaving the ``with`` block) stops a
    child that is still running.
    """

    def __init__(self, command: list[str] | None = None) -> None:
        self._command = command or [sys.executable, "-m", __name__]
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (close() closes it)
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._out: bytes | None = None
        self._error = ""
        self._request: tuple[dict[str, pd.DataFrame], datetime | None] | None = None
        try:
            self._proc = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=_child_env(),
            )
        except OSError as exc:
            self._error = f"cannot start {self._command[0]}: {exc}"

    def __enter__(self) -> PlotWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, frames: Mapping[str, pd.DataFrame], as_of: datetime | None) -> None:
        """Send the frames the plots read; the child draws while the caller goes on."""
        request = ({name: frames[name] for name in PLOT_FRAMES if name in frames}, as_of)
        self._request = request
        if self._proc is None:
            return
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self._thread = threading.Thread(target=self._talk, args=(payload,), daemon=True)
        self._thread.start()

    def _talk(self, payload: bytes) -> None:
        assert self._proc is not None
        try:
            out, _ = self._proc.communicate(payload, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._error = f"no answer within {TIMEOUT_S:.0f} s"
            return
        except OSError as exc:  # the child died before reading its input
            self._error = str(exc)
            return
        if self._proc.returncode == 0:
            self._out = out
        else:
            self._error = f"exit status {self._proc.returncode}"

    def result(self) -> dict[str, bytes]:
        """The PNG bytes of every plot, by name (drawn here if the child could not)."""
        if self._request is None:
            raise RuntimeError("PlotWorker.result() before start()")
        if self._thread is not None:
            self._thread.join()
        plots = self._decode()
        why = "" if plots is not None else self._why()
        self.close()
        if plots is None:
            log.info("plot worker: %s; drawing the plots in this process", why)
            plots = render_plots(*self._request)
        return plots

    def _decode(self) -> dict[str, bytes] | None:
        if self._out is None:
            return None
        try:
            plots = pickle.loads(self._out)
        except Exception as exc:  # a truncated or foreign answer
            self._error = f"unreadable answer ({exc})"
            return None
        if not isinstance(plots, dict) or not all(
            isinstance(k, str) and isinstance(v, bytes) for k, v in plots.items()
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
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self._proc is not None:
            self._proc.wait()
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
    """Child side: import matplotlib, read (frames, as_of), write ``{name: PNG bytes}``."""
    import matplotlib.backends.backend_agg  # noqa: F401  (imported while the parent parses)
    import matplotlib.figure  # noqa: F401

    frames, as_of = pickle.loads(sys.stdin.buffer.read())
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the answer reaches the parent's pipe
    plots = render_plots(frames, as_of)
    out.write(pickle.dumps(plots, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
