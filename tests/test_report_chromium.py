"""report.html in a real browser: headless Chromium loads it, logs no error, draws it.

Skipped when Chromium is not installed, unless WIKIBILAN_REQUIRE_CHROMIUM=1
(CI sets it after `apt-get install chromium`), when the skip becomes a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_report import sample_context, sample_frames
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
    assert '<table class="verdicts" id="table-verdicts">' in dom
    assert '<td class="verdict v-contradicted">contradicted</td>' in dom
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
