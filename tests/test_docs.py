"""The README's examples and every command's --help are exercised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wikibilan import library
from wikibilan.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_notebook_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    library.run(cache="cache/fixtures.sqlite", out=None, offline=True)
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README has a python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    checks = namespace["checks"]
    assert {"claim_id", "published", "recomputed", "verdict"} <= set(checks.columns)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", [None, *sorted(COMMANDS)])
def test_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: wikibilan")


def test_readme_lists_every_command_and_output() -> None:
    for command in COMMANDS:
        assert f"wikibilan {command}" in README, command
    for name in [
        "pages",
        "revisions",
        "events",
        "attendance",
        "workshops",
        "expenses",
        "claims",
        "checks",
        "claim_history",
        "warnings",
    ]:
        assert f"`{name}.csv`" in README, name
