"""report.html in a real browser: headless Chromium loads it, logs no error, draws it.

Skipped when Chromium is not installed, unless WIKIBILAN_REQUIRE_CHROMIUM=1
(CI sets it after `apt-get install chromium`), when the skip becomes a failure.

The layout checks drive Chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages ending in NUL on file descriptors 3
and 4), which sets the exact viewport width — a headless window is never
narrower than 500 px — and measures the page as the browser laid it out.
With WIKIBILAN_SCREENSHOTS=DIR, the screenshots are also kept in DIR.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_report import sample_context, sample_frames
from wikibilan import library
from wikibilan.report import write_outputs

pytestmark = pytest.mark.chromium

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 120
# Lines Chromium writes to stderr when the page itself misbehaves: a console
# message (a script error, a refused resource under the page's CSP), a failed load.
PAGE_TROUBLE = re.compile(r"CONSOLE|Uncaught|Refused to|Failed to load resource|net::ERR_")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    reason = "headless Chromium is not installed (apt-get install chromium)"
    if os.environ.get("WIKIBILAN_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{reason}, and WIKIBILAN_REQUIRE_CHROMIUM=1")
    pytest.skip(reason)


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    env = {**os.environ, "HOME": str(profile)}  # keep Chromium's files out of the real home
    return subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
    )


def _trouble(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if PAGE_TROUBLE.search(line)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    browser = _chromium()
    out = tmp_path_factory.mktemp("outputs")
    write_outputs(sample_frames(), out, sample_context())
    return browser, out / "report.html", tmp_path_factory.mktemp("chromium")


def test_report_dom_in_headless_chromium(report: tuple[str, Path, Path]) -> None:
    browser, page, profile = report
    result = _run(browser, profile / "dom", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert '<table class="verdicts-data" id="table-verdicts-data">' in dom
    assert '<td class="verdict v-contradicted" data-label="Verdict">contradicted</td>' in dom
    images = re.findall(r'<img src="([^"]{0,40})', dom)
    assert len(images) == 5
    assert all(src.startswith("data:image/png;base64,") for src in images)
    # The hostile claim text is still text once the browser has parsed it.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script" not in dom
    assert not _trouble(result.stderr), _trouble(result.stderr)


def test_report_screenshot_in_headless_chromium(report: tuple[str, Path, Path]) -> None:
    browser, page, profile = report
    shot = profile / "report.png"
    result = _run(
        browser,
        profile / "shot",
        f"--screenshot={shot}",
        "--window-size=1200,2600",
        page.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 20_000, "the screenshot looks blank"
    assert not _trouble(result.stderr), _trouble(result.stderr)


def test_the_log_check_sees_a_misbehaving_page(
    report: tuple[str, Path, Path], tmp_path: Path
) -> None:
    """Control: a page with a script error and a refused asset is caught by `_trouble`.

    Without it, a Chromium that stopped logging console messages to stderr
    would let the tests above pass without checking anything.
    """
    browser, page, profile = report
    bad = tmp_path / "bad.html"
    csp = page.read_text("utf-8").split("<meta http-equiv", 1)[1].split(">", 1)[0]
    bad.write_text(
        f"<!DOCTYPE html><html><head><meta http-equiv{csp}></head><body>"
        '<img src="https://example.invalid/x.png"><script>nope()</script></body></html>',
        encoding="utf-8",
    )
    result = _run(browser, profile / "bad", "--dump-dom", bad.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert _trouble(result.stderr), "Chromium logged nothing for a broken page"


# -- layout, measured in the browser -----------------------------------------------------


class DevTools:
    """Chromium driven over the DevTools protocol on a pipe (no network port, no package)."""

    def __init__(self, browser: str, profile: Path) -> None:
        to_chromium, self._out = os.pipe()
        self._in, from_chromium = os.pipe()

        def fds() -> None:  # the child reads commands on fd 3 and answers on fd 4
            os.dup2(to_chromium, 3)
            os.dup2(from_chromium, 4)

        self.proc = subprocess.Popen(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--force-color-profile=srgb", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(profile)},
        )  # fmt: skip
        os.close(to_chromium)
        os.close(from_chromium)
        self._buffer = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        found: dict[str, Any] = json.loads(message)
        return found

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer["result"]
                return result
            self._events.append(answer)

    def wait_for(self, event: str) -> None:
        if any(e.get("method") == event for e in self._events):
            self._events = [e for e in self._events if e.get("method") != event]
            return
        while self._message().get("method") != event:
            pass

    def open(self, url: str, width: int, height: int = 900) -> str:
        """Load ``url`` in a new tab whose viewport is exactly ``width`` px wide."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session: str = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session)
        self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.call("Runtime.evaluate", session, expression=expression,
                           returnByValue=True)  # fmt: skip
        return result["result"]["value"]

    def screenshot(self, session: str, width: int, height: int) -> bytes:
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = self.call("Page.captureScreenshot", session, format="png", clip=clip,
                         captureBeyondViewport=True)  # fmt: skip
        return base64.b64decode(shot["data"])

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError, RuntimeError):
            self.call("Browser.close")
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._in)
        os.close(self._out)


# Where the browser put things: the viewport, the page's width, every verdict cell,
# the verdict headers that are shown, the plots and the body text's size.
MEASURE = """JSON.stringify({
  viewport: innerWidth,
  page: document.documentElement.scrollWidth,
  verdicts: [...document.querySelectorAll("td.verdict")].map(c => {
    const r = c.getBoundingClientRect(); return [r.left, r.right, r.width]; }),
  labels: [...document.querySelectorAll("td.verdict")].map(
    c => getComputedStyle(c, "::before").content),
  headers: [...document.querySelectorAll("th")].filter(h => h.textContent === "Verdict"
    && h.getBoundingClientRect().width > 1).map(h => {
    const r = h.getBoundingClientRect(); return [r.left, r.right]; }),
  plots: [...document.querySelectorAll("figure img")].map(i => [i.naturalWidth, i.width, i.alt]),
  font: parseFloat(getComputedStyle(document.body).fontSize),
})"""


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of the fixture wiki, as `wikibilan run --offline` writes it (in French)."""
    _chromium()
    work = tmp_path_factory.mktemp("fixture-report")
    library.run(cache=work / "cache.sqlite", out=work / "out", offline=True)
    return work / "out" / "report.html"


@pytest.fixture(scope="module")
def devtools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    browser = DevTools(_chromium(), tmp_path_factory.mktemp("devtools"))
    yield browser
    browser.close()


@pytest.mark.parametrize("width", [1280, 420])
def test_the_verdict_column_stays_on_screen(
    fixture_report: Path, devtools: DevTools, width: int
) -> None:
    session = devtools.open(fixture_report.as_uri(), width)
    seen = json.loads(devtools.evaluate(session, MEASURE))
    assert seen["viewport"] == width
    assert seen["page"] <= width, "the page scrolls sideways"
    assert len(seen["verdicts"]) >= 30
    for left, right, cell_width in seen["verdicts"]:
        assert left >= 0 and right <= width and cell_width > 40, (left, right)
    if width >= 1000:  # a table with its header row; the plots at their full width
        assert seen["headers"] and all(a >= 0 and b <= width for a, b in seen["headers"])
        assert all(natural >= 1000 and shown >= 1000 for natural, shown, _ in seen["plots"])
        assert set(seen["labels"]) == {"none"}
    else:  # cards: each cell says which column it is
        assert '"Verdict"' in seen["labels"] and "none" not in seen["labels"]
        assert all(shown <= width for _, shown, _ in seen["plots"])
    assert len(seen["plots"]) == 5 and all(len(alt) > 40 for _, _, alt in seen["plots"])
    assert seen["font"] >= 14
    png = devtools.screenshot(session, width, 2400)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 20_000
    if keep := os.environ.get("WIKIBILAN_SCREENSHOTS"):
        Path(keep, f"report-{width}.png").write_bytes(png)
