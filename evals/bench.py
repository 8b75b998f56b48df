"""``make bench``: speed and memory figures of the whole stack, in ONE table.

All figures come from one run on one machine, so their ratios are comparable:
ingestion (cold, unchanged, one edit) on a copy of the demo corpus, query latency
of retrieval and of extractive answers over the golden questions, the service's
time to first answer and peak RSS, then the rows of the retrieval, embedding and
API benchmarks when those modules exist. ``python -m evals.bench [--json]``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.answers import load_questions
from evals.bench_embed import cpu_info
from evals.bench_ingest import IngestBench, Row, bench_ingest
from evals.bench_serve import bench_serve

TARGET_BEYOND_RETRIEVAL_P95_MS = 100.0
EXTERNAL = (("evals.bench_retrieval", "bench_retrieval"), ("evals.bench_embed", "bench_embed"),
            ("evals.bench_api", "bench_api"), ("evals.bench_sync", "bench_sync_rows"))


def machine_row() -> list[Row]:
    """CPU kind, SIMD flags, count and load when the run started (a loaded machine
    inflates latencies; the instruction set decides the embedding engine's speed)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    model, simd = cpu_info()
    return [("machine", f"{os.cpu_count()} CPUs",
             f"{model}; {platform.platform()}, Python {platform.python_version()}, "
             f"1-min load average {load:.1f} at start"),
            ("CPU instruction sets", "AVX-512" if "avx512f" in simd else
             "AVX2" if "avx2" in simd else "other", simd)]


def _pct(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    p50, p95 = np.percentile(values, [50, 95])
    return f"{p50:.1f} / {p95:.1f}"


def bench_queries(ing: IngestBench) -> list[Row]:
    """Latency of ``Assistant.ask`` (offline, extractive) on the golden questions."""
    from assistant.facade import build_assistant
    from assistant.models import Caller
    from assistant.settings import Settings

    settings = Settings(corpus_dir=ing.corpus, index_dir=ing.index, openai_api_key=None,
                        openai_base_url=None)
    seen: set[tuple[str, ...]] = set()
    questions = []
    for q in load_questions(split="all"):  # each distinct conversation once (query LRU)
        key = tuple(m.content for m in q.messages())
        if key not in seen:
            seen.add(key)
            questions.append(q)
    assistant = build_assistant(settings)
    retrieve, total, beyond = [], [], []
    try:
        assistant.ask("Che cos'è Cluster VITALIA?", Caller())  # warm-up: load the models
        for q in questions:
            t0 = time.perf_counter()
            ans = assistant.ask(q.messages(), Caller(role=q.role))  # type: ignore[arg-type]
            wall = (time.perf_counter() - t0) * 1e3
            total.append(wall)
            r = ans.timings.get("retrieve_ms")
            if r is not None:
                retrieve.append(r)
            beyond.append(max(wall - (r or 0.0), 0.0))
    finally:
        assistant.close()
    p95_beyond = float(np.percentile(beyond, 95)) if beyond else float("inf")
    verdict = "met" if p95_beyond <= TARGET_BEYOND_RETRIEVAL_P95_MS else "NOT met"
    size = f"demo corpus: {ing.documents} docs, {ing.chunks} chunks"
    return [
        ("retrieval latency p50 / p95 (ms)", _pct(retrieve),
         f"Answer.timings['retrieve_ms'] (query embedding + BM25 + Chroma + fusion, top-5) of "
         f"{len(retrieve)} golden questions answered through retrieval; {size}; warm process"),
        ("extractive answer latency p50 / p95 (ms)", _pct(total),
         f"wall time of Assistant.ask, {len(total)} distinct golden questions (incl. follow-ups "
         "and directory questions), offline mode, in-process"),
        ("answer time beyond retrieval p50 / p95 (ms)", _pct(beyond),
         f"Assistant.ask wall time minus retrieve_ms (condense, directory routing, sentence "
         f"scoring, citation validation); target p95 <= "
         f"{TARGET_BEYOND_RETRIEVAL_P95_MS:.0f} ms: {verdict}"),
    ]


def _as_row(item: Any) -> Row:
    """A row from another benchmark: (metric, value[, how]) or a dict with those keys."""
    if isinstance(item, dict):
        return (str(item.get("metric", item.get("name", "?"))), str(item.get("value", "")),
                str(item.get("how", item.get("measured", ""))))
    parts = [str(x) for x in item]
    return (parts + ["", "", ""])[0], (parts + ["", ""])[1], " ".join(parts[2:])


def external_rows(benches: Iterable[tuple[str, str]] = EXTERNAL,
                  index: Path | None = None) -> list[Row]:
    """Rows of the other engineers' benchmarks; 'not available' when a module is absent.

    A benchmark that takes an ``index`` argument gets the index built above (it copies
    it), so the demo corpus is not embedded twice."""
    out: list[Row] = []
    for module_name, func in benches:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            out.append((func, "not available", f"{module_name} cannot be imported ({exc})"))
            continue
        fn = getattr(module, func, None)
        if fn is None:
            out.append((func, "not available", f"{module_name} has no {func}()"))
            continue
        kwargs = {"index": index} if index and "index" in inspect.signature(fn).parameters else {}
        try:
            rows = fn(**kwargs)
        except Exception as exc:  # one broken benchmark must not lose the others' figures
            out.append((func, "failed", f"{type(exc).__name__}: {exc}"[:300]))
            continue
        out.extend(_as_row(r) for r in rows)
    return out


def print_table(rows: Sequence[Row], seconds: float) -> None:
    """The one table: metric, value, how it was measured."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Benchmarks ({seconds:.0f} s, one run)", show_lines=True)
    t.add_column("metric", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("how measured")
    for row in rows:
        t.add_row(*row)
    out = Console()
    if not out.is_terminal:  # make/CI logs: do not squeeze the "how measured" column
        out = Console(width=200)
    out.print(t)


def _guarded(name: str, fn: Callable[..., list[Row]], *args: Any) -> list[Row]:
    """A section's rows, or one 'failed' row: a broken section must not lose the table."""
    try:
        return fn(*args)
    except Exception as exc:
        return [(name, "failed", f"{type(exc).__name__}: {exc}"[:300])]


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark in a scratch folder and print the table (or JSON)."""
    p = argparse.ArgumentParser(description="Speed and memory figures, one table.")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--skip-serve", action="store_true", help="skip the service rows")
    p.add_argument("--skip-external", action="store_true",
                   help="skip the retrieval/embedding/API benchmark modules")
    args = p.parse_args(argv)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):  # offline figures only
        os.environ.pop(var, None)
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    rows: list[Row] = machine_row()
    try:
        ing = bench_ingest(work / "ingest")
        rows += ing.rows
        rows += _guarded("query latency", bench_queries, ing)
        if not args.skip_serve:
            rows += _guarded("service", bench_serve, ing, work / "serve")
        rows += [] if args.skip_external else external_rows(index=ing.index)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - t0
    rows.append(("total bench time (s)", f"{seconds:.0f}", "wall time of this run"))
    if args.json:
        print(json.dumps([dict(zip(("metric", "value", "how"), r, strict=True)) for r in rows],
                         ensure_ascii=False))
    else:
        print_table(rows, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
