"""The dependency rule of STYLE.md, checked on the source's imports (AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "wikibilan"
PURE = ["document", "frames", "checks", "verdicts", "internal", "history", "extract"]
IO_MODULES = ("wikibilan.sources", "wikibilan.store", "wikibilan.report", "wikibilan.pipeline",
              "wikibilan.library", "wikibilan.cli")


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _files(prefix: str) -> list[Path]:
    target = SRC / prefix
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


@pytest.mark.parametrize("part", PURE)
def test_pure_layers_do_no_io(part: str) -> None:
    for path in _files(part):
        bad = {m for m in _imports(path) if m.startswith(IO_MODULES)}
        assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


def test_sources_do_not_know_each_other() -> None:
    shared = {"wikibilan.sources.http", "wikibilan.sources.selection", "wikibilan.sources"}
    for path in _files("sources"):
        me = _module_name(path)
        others = {m for m in _imports(path)
                  if m.startswith("wikibilan.sources.") and m not in shared and m != me}
        assert not others, f"{me} imports {sorted(others)}"


def test_only_the_cli_parses_arguments_prints_or_configures_logging() -> None:
    for path in SRC.rglob("*.py"):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        assert "argparse" not in _imports(path), path
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"print() in {path}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr != "basicConfig", f"logging.basicConfig in {path}"
