"""The dependency rule of STYLE.md, checked on the source's imports (AST): no import
cycle, the layers of the core in order, sources apart, no I/O in the pure core."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "wikibilan"
PURE = [
    "document", "frames", "checks", "verdicts", "internal", "history", "extract", "recompute",
    "specs", "french",
]  # fmt: skip
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


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(nodes: Iterable[ast.AST], typing: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import in ``nodes``, in functions too; under ``if TYPE_CHECKING`` if ``typing``."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and not typing and _is_type_checking(node.test):
            yield from _import_nodes(node.orelse, typing)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node), typing)


def _imports(path: Path, *, typing: bool = True) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved), and of
    the names it imports from them (``wikibilan.library`` for ``from wikibilan import
    library``). ``typing=False`` leaves out what is imported for type checkers only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in _import_nodes([tree], typing):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        else:
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in SRC.rglob("*.py")}


def _graph(*, typing: bool = True) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a parent package's ``__init__`` is
    imported on the way to its modules: that edge is Python's, not the code's)."""
    modules = _modules()
    return {
        name: {m for m in _imports(path, typing=typing) if m in modules and m != name}
        for name, path in modules.items()
    }


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
        "wikibilan.recompute",
        "wikibilan.internal",
        "wikibilan.verdicts",
        "wikibilan.history",
        "wikibilan.report",
        "wikibilan.profile",
        "wikibilan.integrity",
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


def test_no_import_cycles() -> None:
    """No module imports itself back through others, at import time or inside a function
    (only what ``if TYPE_CHECKING`` imports is left out)."""
    graph = _graph(typing=False)
    state: dict[str, str] = {}  # "open" while on the path walked, then "done"

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                cycle = [*path[path.index(imported) :], imported]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


# The core, bottom up: a module imports only from its own layer and those below.
CORE_LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors", "model", "config", "specs", "french", "paristime", "titles"),
    ("document",),
    ("extract",),
    ("frames",),
    ("verdicts", "recompute", "internal", "checks", "history"),
    ("report",),
)


def _layer(module: str) -> int | None:
    """The core layer of ``wikibilan.<name>[.…]``, None outside the core."""
    name = module.removeprefix("wikibilan.").split(".")[0]
    return next((i for i, layer in enumerate(CORE_LAYERS) if name in layer), None)


def test_the_core_imports_only_downwards() -> None:
    for module, imported in _graph().items():
        own = _layer(module)
        if own is None:
            continue
        for other in imported:
            layer = _layer(other)
            assert layer is not None, f"{module} (core) imports {other} (outside the core)"
            assert layer <= own, f"{module} imports {other}, a layer above it"


PURE_CORE = ["extract", "frames", "recompute", "internal", "checks", "specs", "french", "document"]
IO_LIBRARIES = (
    "sqlite3", "requests", "subprocess", "urllib.request", "socket", "http.client", "urllib3",
    "shutil", "tempfile",
)  # fmt: skip
IO_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes"}


@pytest.mark.parametrize("part", PURE_CORE)
def test_the_pure_core_does_no_io(part: str) -> None:
    for path in _files(part):
        bad = {
            m for m in _imports(path) for lib in IO_LIBRARIES if m == lib or m.startswith(lib + ".")
        }
        assert not bad, f"{_module_name(path)} imports {sorted(bad)}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                assert name not in IO_CALLS, f"{name}() in {_module_name(path)}, line {node.lineno}"
