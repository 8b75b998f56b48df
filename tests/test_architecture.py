"""The import graph: no cycles among the project's modules, imports inside functions
included (the layer contract itself runs in ``make lint`` through import-linter)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            nexts = edges.get(node, [])
            if i < len(nexts):
                work.append((node, i + 1))
                child = nexts[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    class Toy:
        modules = {"a", "b", "c"}

        def find_modules_directly_imported_by(self, m: str) -> set[str]:
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}}[m]

    assert _cycles(Toy()) == [["a", "b", "c"]]  # type: ignore[arg-type]


def test_no_import_cycles_in_the_project() -> None:
    graph = grimp.build_graph("assistant", include_external_packages=False)
    assert _cycles(graph) == []


def test_imports_inside_functions_are_in_the_graph() -> None:
    graph = grimp.build_graph("assistant", include_external_packages=False)
    # `assistant.cli.index.ingest` imports the ingestion code inside the function
    assert "assistant.ingest.index" in graph.find_modules_directly_imported_by(
        "assistant.cli.index")


def test_the_ui_contract_forbids_every_other_package() -> None:
    """The import-linter contract lists the core's packages by name: a new one must join it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (ui,) = [c for c in config["contracts"] if c.get("source_modules") == ["assistant.ui"]]
    packages = {f"assistant.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "assistant")])}
    assert set(ui["forbidden_modules"]) == packages - {"assistant.ui"}


def test_importing_the_ui_loads_nothing_of_the_core() -> None:
    """``assistant/__init__.py`` stays import-light: the UI's client, rendering and views
    load no other module of the package (checked in a fresh interpreter)."""
    code = ("import sys, assistant.ui, assistant.ui.client, assistant.ui.render, "
            "assistant.ui.views; print(' '.join(sorted(m for m in sys.modules "
            "if m.startswith('assistant'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out and all(m == "assistant" or m.startswith("assistant.ui") for m in out), out
