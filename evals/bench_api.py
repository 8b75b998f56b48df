"""Load test of the HTTP service: N concurrent clients asking for T seconds.

``assistant serve`` runs as a subprocess on loopback over a private copy of the
demo index (offline: extractive answers, no LLM); clients post the golden
questions of ``evals/questions.jsonl`` (follow-ups and roles included) to
``POST /v1/chat`` in a loop. Reported: answers/s, latency percentiles, the status
histogram and the service's CPU time per answer. ``python -m evals.bench_api``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from evals.answers import DEMO_CORPUS, load_questions

Row = tuple[str, str, str]
CLIENTS, DURATION_S, FRESH_S = 20, 30.0, 10.0
TARGET_RPS, TARGET_P95_MS = 50.0, 300.0
KEYS = {"bench-member": "member", "bench-staff": "staff", "bench-admin": "admin"}
ROLE_KEY = {role: key for key, role in KEYS.items()}


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    grounded: int = 0
    seconds: float = 0.0
    cpu_s: float | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (Linux), to report the service's CPU per answer."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def prepare_index(work: Path, source: Path | None = None) -> Path:
    """A private copy of a built demo index, or a fresh ingest of ``corpus/`` (slow)."""
    from assistant.ingest.index import Index
    from assistant.settings import Settings

    target = work / "index"
    src = source or Settings(openai_api_key=None, openai_base_url=None).index_dir
    if (src / "manifest.sqlite").exists():
        shutil.copytree(src, target, ignore=shutil.ignore_patterns(".lock"))
        return target
    print(f"no built index at {src}: ingesting {DEMO_CORPUS} (minutes)", file=sys.stderr)
    idx = Index(Settings(corpus_dir=DEMO_CORPUS, index_dir=target, openai_api_key=None,
                         openai_base_url=None))
    try:
        idx.ingest()
    finally:
        idx.close()
    return target


@contextmanager
def running_service(index: Path) -> Iterator[tuple[str, int]]:
    """``assistant serve`` on a free loopback port; yields (base URL, pid)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_CORPUS_DIR": str(DEMO_CORPUS),
            "ASSISTANT_API_KEYS": json.dumps(KEYS), "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000000",
            "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-c", "from assistant.cli import main; main()", "serve",
           "--no-ui", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()[-1500:] if proc.stderr else ""
                raise RuntimeError(f"assistant serve exited: {err}")
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("assistant serve not ready after 180 s")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _bodies() -> list[tuple[dict[str, Any], dict[str, str]]]:
    out = []
    for q in load_questions(split="all"):
        body = {"messages": [m.model_dump() for m in q.messages()]}
        key = ROLE_KEY.get(q.role)
        out.append((body, {"Authorization": f"Bearer {key}"} if key else {}))
    return out


def _fresh(body: dict[str, Any], n: int) -> dict[str, Any]:
    """The conversation with a never-seen last question: the same words, ``n`` written in
    base 3 as 1-3 spaces between them. Retrieval reads the same terms, but the text
    differs, so its embedding is computed (no cache hit), as for a new question."""
    msgs = [dict(m) for m in body["messages"]]
    words = msgs[-1]["content"].split()
    gaps = []
    for _ in words[1:]:
        n, digit = divmod(n, 3)
        gaps.append(" " * (digit + 1))
    msgs[-1]["content"] = words[0] + "".join(g + w for g, w in zip(gaps, words[1:],
                                                                    strict=True))
    return {"messages": msgs}


async def _client(n: int, clients: int, url: str, deadline: float, res: LoadResult,
                  fresh: bool) -> None:
    bodies = _bodies()
    i = n * len(bodies) // clients  # clients start at different questions
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        while time.monotonic() < deadline:
            body, headers = bodies[i % len(bodies)]
            body = _fresh(body, i * clients + n) if fresh else body
            i += 1
            t0 = time.perf_counter()
            try:
                r = await http.post("/v1/chat", json=body, headers=headers)
                status = str(r.status_code)
                if r.status_code == 200 and r.json().get("grounded"):
                    res.grounded += 1
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            res.latencies_ms.append((time.perf_counter() - t0) * 1e3)
            res.statuses[status] += 1


async def warm_up(url: str) -> None:
    """Each distinct conversation once, unmeasured: query embeddings are then cached (the
    Embedder's LRU), as for the recurring questions of a live service."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for body, headers in _bodies():
            await http.post("/v1/chat", json=body, headers=headers)


async def run_load(url: str, clients: int, seconds: float, pid: int | None = None,
                   fresh: bool = False) -> LoadResult:
    """``clients`` concurrent loops posting questions for ``seconds`` (``fresh``: every
    question new, so each one is embedded)."""
    res = LoadResult()
    cpu0 = _cpu_seconds(pid) if pid else None
    t0 = time.monotonic()
    await asyncio.gather(*(_client(n, clients, url, t0 + seconds, res, fresh)
                           for n in range(clients)))
    res.seconds = time.monotonic() - t0
    cpu1 = _cpu_seconds(pid) if pid else None
    res.cpu_s = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return res


def rows(res: LoadResult, clients: int, label: str = "") -> list[Row]:
    ok = res.statuses.get("200", 0)
    rps = ok / res.seconds if res.seconds else 0.0
    p50, p95, p99 = (np.percentile(res.latencies_ms, [50, 95, 99]) if res.latencies_ms
                     else (float("nan"),) * 3)
    errors = sum(n for s, n in res.statuses.items() if not s.startswith(("2", "4")))
    met = rps >= TARGET_RPS and p95 <= TARGET_P95_MS and errors == 0
    how = (f"assistant serve (1 worker) on loopback, copy of the demo index, offline extractive;"
           f" {clients} concurrent httpx clients for {res.seconds:.0f} s posting the "
           f"{len(_bodies())} golden conversations of evals/questions.jsonl to /v1/chat"
           + (", each last question rewritten to be never seen (no query-embedding cache)"
              if label else " (recurring questions, after one warm-up pass)")
           + f"; {os.cpu_count()} CPUs shared by server and clients")
    cpu = (f"{res.cpu_s / ok * 1e3:.1f}" if res.cpu_s is not None and ok else "n/a")
    hist = ", ".join(f"{s}: {n}" for s, n in sorted(res.statuses.items()))
    return [
        (f"API answers/s{label}", f"{rps:.1f}", how),
        (f"API latency p50 / p95 / p99 (ms){label}", f"{p50:.0f} / {p95:.0f} / {p99:.0f}",
         f"per request, client side; target p95 <= {TARGET_P95_MS:.0f} ms and >= "
         f"{TARGET_RPS:.0f} answers/s with zero 5xx: {'met' if met else 'NOT met'}"),
        (f"API status histogram{label}", hist, f"{ok} answers, {res.grounded} grounded; "
                                               f"errors (5xx or transport): {errors}"),
        (f"API server CPU per answer (ms){label}", cpu,
         "utime+stime of the serve process / answers"),
    ]


def bench_api(clients: int = CLIENTS, seconds: float = DURATION_S,
              index: Path | None = None, fresh_seconds: float = FRESH_S) -> list[Row]:
    """Start the service, load it, stop it; rows of (metric, value, how measured).

    Two phases: the golden conversations after one unmeasured pass over them (recurring
    questions: query embeddings cached), then ``fresh_seconds`` of never-seen questions
    (each one embedded: the cost of novel traffic)."""
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-api-"))
    try:
        with running_service(prepare_index(work, index)) as (url, pid):
            asyncio.run(warm_up(url))
            res = asyncio.run(run_load(url, clients, seconds, pid))
            new = (asyncio.run(run_load(url, clients, fresh_seconds, pid, fresh=True))
                   if fresh_seconds > 0 else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = rows(res, clients)
    return out + (rows(new, clients, ", new questions") if new else [])


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    p = argparse.ArgumentParser(description="Load test of the HTTP service.")
    p.add_argument("--clients", type=int, default=CLIENTS)
    p.add_argument("--seconds", type=float, default=DURATION_S)
    p.add_argument("--fresh-seconds", type=float, default=FRESH_S,
                   help="then this long with never-seen questions (0: skip)")
    p.add_argument("--index", type=Path, default=None, help="a built index to copy")
    args = p.parse_args(argv)
    t = Table(title="HTTP API load test", show_lines=True)
    for col in ("metric", "value", "how measured"):
        t.add_column(col)
    for row in bench_api(args.clients, args.seconds, args.index, args.fresh_seconds):
        t.add_row(*row)
    Console().print(t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
