"""Retrieval latency at 10k and 100k chunks, through the real fusion code.

Synthetic but shaped like the real thing: chunk and sentence vectors (one sentence
per four chunks, to fit ~3 minutes) are random 384-d unit vectors in real
(embedded, on-disk) Chroma collections, and chunk token lists are sampled from the
term frequencies of the demo corpus as analysed for BM25 (Italian Snowball +
stopwords), ~110 terms per chunk. Queries take a random unit vector
(the query embedding is timed separately) and 3-7 mid-frequency terms.

``python -m evals.bench_retrieval`` prints the table; ``bench_retrieval()`` returns
its rows for ``python -m evals.bench``.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import DIM
from assistant.models import Filters
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from assistant.stores.chroma_client import make_client
from assistant.stores.filtering import date_int
from assistant.stores.lexical import LexicalTier
from assistant.stores.manifest import ChunkRow
from assistant.stores.vector import VectorStore
from assistant.text import analyze, detect_language

Row = tuple[str, str, str]
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TAGS = [f"tag{i}" for i in range(12)]
REGIONS = ["lombardia", "toscana", "lazio", "piemonte", "veneto", "emilia-romagna", "puglia"]
FILTERS = {
    "no filter": None,
    "filter doc_type+date": Filters(doc_type="article", date_from="2024-01-01"),
    "filter tag": Filters(tags=["tag3"]),
}


def corpus_terms(corpus: Path = CORPUS) -> tuple[list[str], np.ndarray]:
    """Analysed terms of the demo corpus and their relative frequencies."""
    counts: Counter[str] = Counter()
    for path in sorted(corpus.rglob("*")):
        if path.suffix in (".md", ".yaml", ".yml", ".txt") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            counts.update(analyze(text, detect_language(text)))
    if len(counts) < 100:  # no corpus here: a Zipf-shaped made-up vocabulary
        counts = Counter({f"term{i}": 10_000 // (i + 1) + 1 for i in range(5000)})
    terms = sorted(counts, key=lambda t: -counts[t])
    freq = np.array([counts[t] for t in terms], dtype=np.float64)
    return terms, freq / freq.sum()


def synthetic_rows(n: int, rng: np.random.Generator, terms: list[str],
                   probs: np.ndarray, start: int = 0) -> list[ChunkRow]:
    """``n`` public chunks with sampled tokens and random filterable metadata."""
    lengths = np.clip(rng.normal(110, 30, n), 20, 220).astype(int)
    draws = rng.choice(len(terms), size=int(lengths.sum()), p=probs)
    rows, off = [], 0
    for i, length in enumerate(lengths):
        toks = [terms[j] for j in draws[off:off + length]]
        off += length
        meta = {"doc_type": "article" if rng.random() < 0.8 else "member",
                "date": f"{rng.integers(2020, 2027)}-{rng.integers(1, 13):02d}-15",
                "region": REGIONS[rng.integers(len(REGIONS))],
                "tags": [TAGS[t] for t in rng.choice(len(TAGS), 2, replace=False)],
                "title": f"doc {start + i}"}
        cid = f"d{start + i}::0"
        rows.append(ChunkRow(cid, f"d{start + i}", "public", " ".join(toks[:30]), 0, 0, "it",
                             toks, meta))
    return rows


def add_vectors(collection: Any, rows: list[ChunkRow], rng: np.random.Generator,
                suffix: str = "") -> None:
    """Random unit vectors with the metadata ``VectorStore`` writes, in Chroma batches."""
    for b in range(0, len(rows), 5000):
        part = rows[b:b + 5000]
        vecs = rng.normal(size=(len(part), DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        metas: list[Any] = [{"doc_id": r.doc_id, "doc_type": r.meta["doc_type"],
                             "date_int": date_int(r.meta["date"]),
                             "region_key": r.meta["region"], "tags": r.meta["tags"]}
                            for r in part]
        collection.add(ids=[r.chunk_id + suffix for r in part], embeddings=vecs,
                       metadatas=metas)


class _FixedLexical:
    """The LexicalIndex interface over one prebuilt tier."""

    def __init__(self, tier: LexicalTier) -> None:
        self._tier = tier

    def tier(self, visibilities: Any) -> LexicalTier:
        return self._tier


class _RandomQueries:
    """The Embedder interface returning precomputed random query vectors."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def embed_query(self, text: str) -> np.ndarray:
        v = self.rng.normal(size=DIM).astype(np.float32)
        return v / np.linalg.norm(v)


def _label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    lat = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        lat.append((time.perf_counter() - t0) * 1e3)
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 95))


def _time_queries(retriever: Retriever, queries: list[str],
                  filters: Filters | None) -> tuple[float, float]:
    it = iter(queries)
    return _time(lambda: retriever.retrieve(next(it), ("public",), filters=filters),
                 len(queries))


def _queries(rng: np.random.Generator, terms: list[str], n: int) -> list[str]:
    mid = terms[50:3000] or terms  # skip the most frequent terms, as real questions do
    return [" ".join(rng.choice(mid, size=int(rng.integers(3, 8)))) for _ in range(n)]


def bench_retrieval(sizes: tuple[int, ...] = (10_000, 100_000), repeat: int = 60) -> list[Row]:
    """Rows (metric, value, how measured) for retrieval latency at each size."""
    rng = np.random.default_rng(7)
    terms, probs = corpus_terms()
    queries = _queries(rng, terms, repeat)
    out: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        settings = Settings(index_dir=Path(tmp), corpus_dir=Path(tmp))  # type: ignore[call-arg]
        store = VectorStore(make_client(settings))
        rows: list[ChunkRow] = []
        for size in sorted(sizes):
            t0 = time.perf_counter()
            more = synthetic_rows(size - len(rows), rng, terms, probs, start=len(rows))
            add_vectors(store.collections["public"], more, rng)
            # a sentence vector for one chunk in four (real text has ~4 per chunk):
            # ANN query cost grows with log(size), while 16x the inserts would take
            # the whole time budget; so the sentence search is slightly flattered
            add_vectors(store.sentences["public"], more[::4], rng, "#s0")
            rows += more
            tier = LexicalTier(rows)
            build_s = time.perf_counter() - t0
            retriever = Retriever(settings, _RandomQueries(rng),  # type: ignore[arg-type]
                                  store, _FixedLexical(tier))  # type: ignore[arg-type]
            how = (f"{size:,} synthetic chunks: random unit vectors (chunks + {size // 4:,} "
                   f"sentences) in on-disk Chroma, BM25 over demo-corpus terms; "
                   f"top {settings.top_k}, "
                   f"{settings.candidates} candidates per signal; query embedding excluded; "
                   f"{repeat} queries")
            for name, filters in FILTERS.items():
                p50, p95 = _time_queries(retriever, queries, filters)
                out.append((f"retrieval p50/p95 @ {_label(size)} chunks, {name}",
                            f"{p50:.1f} / {p95:.1f} ms", how))
            out.append((f"index build @ {_label(size)} chunks (synthetic)",
                        f"{build_s:.0f} s", "Chroma add + BM25 tier build for the new chunks"))
    out.append(_query_embedding(queries))
    return out


def _query_embedding(queries: list[str]) -> Row:
    from assistant.embed import Embedder

    emb = Embedder(None)
    emb.embed_query("riscaldamento")  # load the model outside the timing
    it = iter(queries)
    p50, p95 = _time(lambda: emb.embed_query(next(it)), len(queries))
    return (f"query embedding p50/p95 ({emb.engine_name})", f"{p50:.1f} / {p95:.1f} ms",
            f"{len(queries)} distinct synthetic queries, single-threaded calls, no cache hits")


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table("metric", "value", "how measured", title="Retrieval benchmark")
    for row in bench_retrieval():
        t.add_row(*row)
    Console().print(t)


if __name__ == "__main__":
    main()
