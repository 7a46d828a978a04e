"""The house's layout: the core's modules import each other without circles, the
server and the console do not reach into the command line, and the benchmarks do not
import from the tests (``make test`` and ``make bench`` stay independent)."""

from __future__ import annotations

import re

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path, package: str) -> set[str]:
    """Every module of ours that ``path`` imports, at the top, under TYPE_CHECKING or in a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == package or name.startswith(package + ".")}


def module_graph(package: str) -> dict[str, set[str]]:
    base = ROOT / package.replace(".", "/")
    modules = {}
    for path in base.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return {name: imports_of(path, package) & modules.keys() - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph`` (a depth-first search; each reported once by its members)."""
    found, seen = [], set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                circle = path[path.index(nxt):]
                if frozenset(circle) not in seen:
                    seen.add(frozenset(circle))
                    found.append([*circle, nxt])
            elif len(path) < 12:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_the_floors_modules_import_each_other_without_a_circle():
    graph = module_graph("vccsched.floor")
    graph = {name: {m for m in deps if not m == "vccsched.floor"} for name, deps in graph.items()}
    assert "vccsched.floor.state" in graph and graph["vccsched.floor.state"]  # the graph is not empty
    assert cycles(graph) == []


def test_the_cycle_check_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_server_and_console_do_not_import_the_command_line():
    for package in ("server", "console"):
        for path in (ROOT / package).rglob("*.py"):
            assert not imports_of(path, "vccsched.cli"), f"{path.relative_to(ROOT)} imports vccsched.cli"


def test_benchmarks_do_not_import_from_the_tests():
    test_modules = {path.stem for path in (ROOT / "tests").glob("*.py")}
    for path in (ROOT / "benchmarks").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top != "tests" and top not in test_modules, f"{path.name} imports {name} from tests/"
        assert not re.search(r"sys\.path\.\w+\([^)]*[\"'/]tests", path.read_text(encoding="utf-8")), path.name
