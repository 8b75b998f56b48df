"""The import graph: no cycles among the project's modules, imports inside functions
included (the layer contract itself runs in ``make lint`` through import-linter)."""

from __future__ import annotations

import grimp


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
    graph = grimp.build_graph("assistant", "ui", include_external_packages=False)
    assert _cycles(graph) == []


def test_imports_inside_functions_are_in_the_graph() -> None:
    graph = grimp.build_graph("assistant", include_external_packages=False)
    # `assistant.cli.index.ingest` imports the ingestion code inside the function
    assert "assistant.ingest.index" in graph.find_modules_directly_imported_by(
        "assistant.cli.index")
