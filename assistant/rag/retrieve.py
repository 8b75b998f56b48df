"""Hybrid retrieval: Italian-aware BM25 fused with multilingual-e5 dense search.

Both signals are computed only over the partitions the caller may see (visibility
is enforced inside retrieval, not after), and metadata filters are applied inside
each ranking (a BM25 mask, a Chroma ``where``), so filtered-out chunks never compete.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from assistant.embed import Embedder
from assistant.models import Filters, RetrievedChunk
from assistant.settings import Settings
from assistant.stores.lexical import LexicalIndex, LexicalTier
from assistant.stores.manifest import ChunkRow
from assistant.stores.vector import VectorStore
from assistant.text import analyze, detect_language


def _minmax(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    if span <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - lo) / span for k, v in scores.items()}


class Retriever:
    """Weighted fusion of min-max-normalised BM25 and dense scores over top candidates."""

    def __init__(self, settings: Settings, embedder: Embedder, vectors: VectorStore,
                 lexical: LexicalIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical
        self.last_timings: dict[str, float] = {}

    def retrieve(self, query: str, visibilities: Sequence[str], k: int | None = None,
                 filters: Filters | None = None, lang: str | None = None
                 ) -> list[RetrievedChunk]:
        """Top ``k`` chunks for ``query`` among chunks of ``visibilities`` only."""
        k = k or self.settings.top_k
        n = self.settings.candidates
        t0 = time.perf_counter()
        tier = self.lexical.tier(tuple(visibilities))
        lang = lang or detect_language(query)
        lex = dict(tier.search(analyze(query, lang), n, filters))
        t1 = time.perf_counter()
        qvec = self.embedder.embed_query(query)
        t2 = time.perf_counter()
        dense = dict(self.vectors.query(qvec, visibilities, n, filters)) if tier.ids else {}
        t3 = time.perf_counter()
        fused = self._fuse(lex, dense)
        out = [self._result(tier, cid, s, lex.get(cid, 0.0), dense.get(cid, 0.0))
               for cid, s in fused[: k * 3]]
        results = [r for r in out if r is not None][:k]
        self.last_timings = {"lexical_ms": (t1 - t0) * 1e3, "embed_ms": (t2 - t1) * 1e3,
                             "dense_ms": (t3 - t2) * 1e3,
                             "retrieve_ms": (time.perf_counter() - t0) * 1e3}
        return results

    def query_vector(self, query: str) -> np.ndarray:
        return self.embedder.embed_query(query)

    def _fuse(self, lex: dict[str, float], dense: dict[str, float]) -> list[tuple[str, float]]:
        w = self.settings.dense_weight
        nl, nd = _minmax(lex), _minmax(dense)
        ids = set(nl) | set(nd)
        scored = {c: (1 - w) * nl.get(c, 0.0) + w * nd.get(c, 0.0) for c in ids}
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))

    @staticmethod
    def _result(tier: LexicalTier, cid: str, score: float, lex: float,
                dense: float) -> RetrievedChunk | None:
        row: ChunkRow | None = tier.rows.get(cid)
        if row is None:  # vector written after this tier was loaded; next refresh has it
            return None
        md = row.meta
        return RetrievedChunk(
            chunk_id=cid, doc_id=row.doc_id, doc_type=md.get("doc_type", "article"),
            title=md.get("title", ""), url=md.get("url", ""), text=row.text, start=row.start,
            end=row.end, score=score, lexical=lex, dense=dense,
            metadata={k: v for k, v in md.items() if k not in ("title", "url")}
            | {"lang": row.lang, "visibility": row.visibility})
