"""Paragraph-retrieval benchmark on a SQuAD-format file, through the real code path.

Every paragraph becomes its own document (article title as title) in a throw-away
index built with :class:`~assistant.ingest.index.Index`; every question is asked
through :class:`~assistant.rag.retrieve.Retriever`. A question is answered at rank r
when the r-th distinct document retrieved is its paragraph. Passage embeddings
go through a persistent cache outside the temporary index, so only the first run
pays for embedding.

To keep tuning honest, questions are split by a hash of their article title into
``dev`` (~70% of articles, used for tuning) and ``heldout`` (never tuned on).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.ingest.load import article_document
from assistant.models import Document
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings

SPLITS = ("dev", "heldout", "all")
DEV_SHARE = 70  # percent of articles whose questions may be used for tuning
Progress = Callable[[str, int, int], None]


@dataclass
class Question:
    """One SQuAD question and the document id of the paragraph that answers it."""

    text: str
    answers: list[str]
    doc_id: str
    split: str


@dataclass
class Squad:
    """The paragraphs of a SQuAD file as documents, and its questions."""

    documents: list[Document] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def split_of(title: str) -> str:
    """``dev`` or ``heldout`` for an article, stable across runs and machines."""
    h = int(hashlib.sha256(title.encode()).hexdigest()[:8], 16)
    return "dev" if h % 100 < DEV_SHARE else "heldout"


def load_squad(path: Path) -> Squad:
    """Read a SQuAD v1/v2 JSON file; unanswerable questions are skipped."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = Squad()
    for a, article in enumerate(data["data"]):
        title = str(article.get("title") or f"article {a}").replace("_", " ")
        split = split_of(title)
        for p, para in enumerate(article["paragraphs"]):
            doc_id = f"squad/{a}/{p}"
            out.documents.append(article_document(doc_id, title, para["context"], {}))
            for qa in para.get("qas", []):
                answers = [x["text"] for x in qa.get("answers", []) if x.get("text")]
                if answers and not qa.get("is_impossible"):
                    out.questions.append(Question(qa["question"], answers, doc_id, split))
    return out


def default_cache_path() -> Path:
    """``$XDG_CACHE_HOME/assistant/embeddings.sqlite`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant" / "embeddings.sqlite"


def build_index(index: Index, documents: list[Document],
                progress: Progress | None = None) -> int:
    """Chunk, embed (cache first) and upsert ``documents``; returns the chunk count.

    Every chunk (and its sentence vectors) is embedded up front through
    :meth:`Index.embed_chunks`, so the progress bar covers the embedding."""
    chunks = [index.chunk(d) for d in documents]
    flat = [c for cs in chunks for c in cs]
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embed", done, len(flat))

    if progress:
        progress("embed", 0, len(flat))
    vectors, sentences = index.embed_chunks(flat, progress=tick)
    off = 0
    for i, (doc, cs) in enumerate(zip(documents, chunks, strict=True)):
        index.upsert_document(doc, vectors[off:off + len(cs)], cs, sentences[off:off + len(cs)])
        off += len(cs)
        if progress:
            progress("index", i + 1, len(documents))
    return off


def rank_documents(retriever: Retriever, query: str, k: int) -> tuple[list[str], list[str]]:
    """(distinct doc ids in rank order, top passages) for ``query``."""
    hits = retriever.retrieve(query, ("public",), k=k * 4)
    docs: list[str] = []
    for h in hits:
        if h.doc_id not in docs:
            docs.append(h.doc_id)
    return docs[:k], [h.text for h in hits[:5]]


def metrics(ranks: list[int | None], aic: list[bool], latencies: list[float],
            cpu: list[float] | None = None) -> dict[str, Any]:
    """Recall@1/5/10, MRR@10, answer-in-context@5 and latency percentiles.

    ``cpu`` (process CPU ms per query, all threads) is reported beside wall time
    because wall time on a shared 2-core machine mostly measures the neighbours.
    """
    n = len(ranks)
    if n == 0:
        return {"n_questions": 0}
    r = np.array([x if x is not None else 10**9 for x in ranks])
    lat = np.array(latencies) if latencies else np.zeros(1)
    extra: dict[str, Any] = {}
    if cpu:
        extra = {"p50_cpu_ms": float(np.percentile(cpu, 50)),
                 "p95_cpu_ms": float(np.percentile(cpu, 95))}
    return extra | {
        "recall@1": float(np.mean(r <= 1)), "recall@5": float(np.mean(r <= 5)),
        "recall@10": float(np.mean(r <= 10)),
        "mrr@10": float(np.mean(np.where(r <= 10, 1.0 / r, 0.0))),
        "aic@5": float(np.mean(aic)), "p50_ms": float(np.percentile(lat, 50)),
        "p95_ms": float(np.percentile(lat, 95)), "n_questions": n,
    }


def evaluate(retriever: Retriever, questions: list[Question], k: int = 10,
             progress: Progress | None = None) -> dict[str, Any]:
    """Ask every question; metrics for all of them and for each split."""
    ranks: list[int | None] = []
    aic: list[bool] = []
    lat: list[float] = []
    cpu: list[float] = []
    for i, q in enumerate(questions):
        t0, c0 = time.perf_counter(), time.process_time()
        docs, passages = rank_documents(retriever, q.text, k)
        lat.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        ranks.append(docs.index(q.doc_id) + 1 if q.doc_id in docs else None)
        low = [p.casefold() for p in passages]
        aic.append(any(a.casefold() in p for a in q.answers for p in low))
        if progress and (i % 20 == 0 or i + 1 == len(questions)):
            progress("ask", i + 1, len(questions))
    out = metrics(ranks, aic, lat, cpu)
    out["splits"] = {}
    for s in ("dev", "heldout"):
        sel = [i for i, q in enumerate(questions) if q.split == s]
        out["splits"][s] = metrics([ranks[i] for i in sel], [aic[i] for i in sel],
                                   [lat[i] for i in sel], [cpu[i] for i in sel])
    return out


def run(path: Path, k: int = 10, split: str = "all", index_parent: Path | None = None,
        cache_path: Path | None = None, settings: Settings | None = None,
        progress: Progress | None = None) -> dict[str, Any]:
    """Build a temporary index of ``path`` and measure retrieval on its questions.

    The temporary index lives under ``index_parent`` (the system temp dir by
    default) and is deleted afterwards; the user's own index is never opened.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    squad = load_squad(path)
    questions = [q for q in squad.questions if split in ("all", q.split)]
    base = settings or Settings()  # type: ignore[call-arg]  # filled from the env
    if index_parent is not None:
        index_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", dir=index_parent) as tmp:
        # chroma_host cleared: a configured Chroma server is the user's index, never ours
        s = base.model_copy(update={"index_dir": Path(tmp) / "index",
                                    "corpus_dir": Path(tmp), "chroma_host": None})
        t0 = time.perf_counter()
        embedder = Embedder(cache_path or default_cache_path(), s.embed_engine, s.embed_threads)
        index = Index(s, embedder=embedder)
        try:
            n_chunks = build_index(index, squad.documents, progress)
            calls = embedder.calls
            retriever = Retriever(s, embedder, index.vectors, index.lexical)
            retriever.retrieve("warm-up", ("public",), k=1)  # load the BM25 tier and model
            t1 = time.perf_counter()
            result = evaluate(retriever, questions, k, progress)
        finally:
            index.close()
    result.update({"split": split, "k": k, "n_documents": len(squad.documents),
                   "n_chunks": n_chunks, "embed_calls": calls,
                   "index_s": round(t1 - t0, 1), "ask_s": round(time.perf_counter() - t1, 1)})
    return result
