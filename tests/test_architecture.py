"""The dependency rule of STYLE.md, checked on the source's imports (AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "wikibilan"
PURE = ["document", "frames", "checks", "verdicts", "internal", "history", "extract"]
IO_MODULES = (
    "wikibilan.sources",
    "wikibilan.store",
    "wikibilan.report",
    "wikibilan.pipeline",
    "wikibilan.library",
    "wikibilan.cli",
)


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def _files(prefix: str) -> list[Path]:
    target = SRC / prefix
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


@pytest.mark.parametrize("part", PURE)
def test_pure_layers_do_no_io(part: str) -> None:
    for path in _files(part):
        bad = {m for m in _imports(path) if m.startswith(IO_MODULES)}
        assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


def test_sources_import_only_what_lies_below_them() -> None:
    upward = (
        "wikibilan.document",
        "wikibilan.extract",
        "wikibilan.frames",
        "wikibilan.checks",
        "wikibilan.report",
        "wikibilan.pipeline",
        "wikibilan.library",
        "wikibilan.cli",
    )
    for path in _files("sources"):
        bad = {m for m in _imports(path) if m.startswith(upward)}
        assert not bad, f"{_module_name(path)} imports {sorted(bad)}"


def _family(module: str) -> str:
    """api, archive or dump: a source and its helper modules (apiclient, archive_crawl…)."""
    name = module.split(".")[2] if module.count(".") >= 2 else ""
    return {"apiclient": "api"}.get(name, name.split("_")[0])


def test_sources_do_not_know_each_other() -> None:
    shared = {"http", "selection", ""}
    for path in _files("sources"):
        me = _family(_module_name(path))
        if me == "selection":  # resolves a selection spec through the API client
            me = "api"
        others = {
            m
            for m in _imports(path)
            if m.startswith("wikibilan.sources.") and _family(m) not in shared | {me}
        }
        assert not others, f"{_module_name(path)} imports {sorted(others)}"


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
