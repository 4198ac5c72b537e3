"""`wikibilan run --site URL` on a real MediaWiki gives the frames of `run --offline`.

importDump.php renumbers pages and revisions, so the comparison leaves out the
columns that hold ids (page_id, revid, workshop_id keeps its line, not its id).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from tests.archive_server import ArchiveServer
from tests.mediawiki_server import MediaWiki
from wikibilan import library
from wikibilan.cli import main

IDS = {"revid", "page_id", "parentid"}
ROOT = Path(__file__).resolve().parents[1]


def _without_ids(df: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in df.columns if c not in IDS]
    out = df[keep].astype(str)
    return out.sort_values(keep).reset_index(drop=True)


@pytest.fixture(scope="module")
def live(mediawiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("live")
    code = main(
        [
            "run",
            "--site",
            mediawiki.url,
            "--cache",
            str(work / "s.db"),
            "--out",
            str(work / "out"),
            "-q",
        ]
    )
    assert code == 0
    return work


@pytest.mark.mediawiki
@pytest.mark.parametrize("name", ["events", "attendance", "workshops", "expenses", "claims"])
def test_api_frames_equal_offline_frames(name: str, live: Path, tmp_path: Path) -> None:
    offline = library.load_frames(_offline_store(tmp_path))[name]
    fetched = library.load_frames(live / "s.db")[name]
    if name == "claims":
        # MediaWiki credits imported edits to "imported>Name" unless the user exists.
        fetched = fetched.assign(user=fetched["user"].str.replace("imported>", "", regex=False))
    pd.testing.assert_frame_equal(_without_ids(fetched), _without_ids(offline))


@pytest.mark.mediawiki
def test_auto_source_says_it_chose_the_api(
    mediawiki: MediaWiki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "fetch",
                "--site",
                mediawiki.url,
                "--cache",
                str(tmp_path / "s.db"),
                "--title",
                "Trombinoscope de Lille",
            ]
        )
        == 0
    )
    assert "using the api source: the site answers at" in capsys.readouterr().err


def test_a_site_without_api_gives_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import http.server
    import threading

    handler = http.server.SimpleHTTPRequestHandler
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        code = main(
            ["fetch", "--site", url, "--source", "api", "--cache", str(tmp_path / "s.db"), "-q"]
        )
    finally:
        server.shutdown()
    assert code == 3
    err = capsys.readouterr().err
    assert "--source archive" in err


def _offline_store(tmp_path: Path) -> Path:
    path = tmp_path / "offline.db"
    library.ensure_fixtures(path)
    return path


def test_run_on_the_static_mirror_picks_the_archive_and_gives_the_same_verdicts(
    archive_server: Callable[[Path], ArchiveServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = archive_server(ROOT / "fixtures" / "archive" / "full")
    out = tmp_path / "out"
    code = main(["run", "--site", server.url + "/", "--cache", str(tmp_path / "s.db"),
                 "--out", str(out), "--interval", "0"])  # fmt: skip
    assert code == 0
    assert "using the archive source: the site has no MediaWiki API" in capsys.readouterr().err
    assert all(urlsplit(r.path).netloc in ("", server.url.split("//")[1])
               for r in server.requests())  # fmt: skip
    got = pd.read_csv(out / "checks.csv", dtype=str, keep_default_na=False)
    expected = pd.read_csv(ROOT / "fixtures" / "expected" / "checks.csv", dtype=str,
                           keep_default_na=False)  # fmt: skip
    pairs = got.set_index("claim_id")["verdict"].to_dict()
    assert pairs == expected.set_index("claim_id")["verdict"].to_dict()
