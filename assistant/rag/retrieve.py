"""Hybrid retrieval: Italian-aware BM25 fused with multilingual-e5 dense search.

Both signals are computed only over the partitions the caller may see (visibility
is enforced inside retrieval, not after), and metadata filters are applied inside
each ranking (a BM25 mask; for vectors, a post-filtered over-fetch or a Chroma
``where``), so filtered-out chunks never compete.

The dense score of a chunk mixes its own cosine with its best sentence's (sentence
vectors stored at index time): a short question often matches one sentence of a
long chunk. Fusion is a weighted sum of per-query normalised scores: BM25 divided
by the query's best BM25 score (its floor is a true zero: no matching term), dense
scores, compressed into a narrow band, min-max scaled over the candidates. Every
choice was measured on the dev split of SQuAD-it (docs/retrieval.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from assistant.models import Filters, RetrievedChunk
from assistant.protocols import Embedder
from assistant.rag.glossary import translations
from assistant.settings import Settings
from assistant.stores.lexical import LexicalIndex, LexicalTier, tier_key
from assistant.stores.vector import VectorStore, sentence_chunk_id
from assistant.text import LANGS, analyze, detect_language, english_content, sentence_spans

# A filter passing at least this share of chunks is applied to an over-fetched
# unfiltered ANN result (<= MAX_OVERFETCH hits: ~12 ms), narrower ones by Chroma's
# ``where`` (~30 ms at 10k chunks, ~200 ms at 100k)
BROAD_FILTER_SHARE = 0.05
MAX_OVERFETCH = 1000
SENTENCE_CANDIDATES = 200  # sentence vectors searched per query (100: -.003 dev MRR)
CROSS_LANGUAGE = 2  # places kept for main-language chunks in another language's results
# share of the best-sentence cosine in a chunk's dense score, per kind of sentence vector
# (tuned on the SQuAD-it dev split, docs/retrieval.md): focused vectors see part of the
# chunk, so they carry a little less on their own
SENTENCE_WEIGHTS = {"separate": 0.7, "late": 0.7, "focused": 0.6}
Search = Callable[[np.ndarray, Sequence[str], int, "Filters | None"], list[tuple[str, float]]]


def _same(chunk_id: str) -> str:
    return chunk_id


def scale_by_max(scores: dict[str, float]) -> dict[str, float]:
    """``s / max(s)``: for non-negative scores whose zero means "no evidence"."""
    hi = max(scores.values(), default=0.0)
    if hi <= 1e-12:
        return dict.fromkeys(scores, 0.0)
    return {k: v / hi for k, v in scores.items()}


def minmax(scores: dict[str, float]) -> dict[str, float]:
    """``(s - min) / (max - min)`` over the candidates (all 1.0 when they tie)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    if span <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - lo) / span for k, v in scores.items()}


def fuse(lexical: dict[str, float], dense: dict[str, float],
         dense_weight: float) -> list[tuple[str, float]]:
    """Weighted sum of normalised scores, best first (ties broken by chunk id)."""
    nl, nd = scale_by_max(lexical), minmax(dense)
    scored = {c: (1 - dense_weight) * nl.get(c, 0.0) + dense_weight * nd.get(c, 0.0)
              for c in set(nl) | set(nd)}
    return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))


def _cross_language(tier: LexicalTier, lang: str, fused: list[tuple[str, float]],
                    dense: dict[str, float], k: int, lexical: dict[str, float]) -> set[str]:
    """Chunks in another language than the question's, kept among the top ``k``.

    An English question about Italian content matches English pages on every word
    and Italian ones only on names and figures, so BM25 buries the Italian passage
    that answers it; its meaning still matches. The best :data:`CROSS_LANGUAGE`
    main-language chunks by dense score alone, when the fused top ``k`` lacks them,
    take the last places. The other way round, an Italian question about the few
    English pages ("quanti incontri a Boston?") loses to Italian pages that share its
    words but not its subject; the best other-language chunk in fused order that
    shares a word with the question (``lexical``: its BM25 score, a name such as
    "Boston" at least) takes the last place when none made the top ``k``. The answer
    model then weighs them like any other passage.
    """
    main = tier.main_language
    if not main or not dense or k <= CROSS_LANGUAGE:
        return set()
    top = {cid for cid, _ in fused[:k]}
    if lang == main:
        other = [cid for cid, _ in fused if lexical.get(cid, 0.0) > 0
                 and tier.rows.get(cid) is not None and tier.rows[cid].lang != main]
        return set() if not other or other[0] in top else {other[0]}
    ranked = sorted((c for c in dense if tier.rows.get(c) is not None
                     and tier.rows[c].lang == main), key=lambda c: -dense[c])
    return {c for c in ranked[:CROSS_LANGUAGE] if c not in top}


class Retriever:
    """Weighted fusion of BM25 and dense scores over each signal's top candidates."""

    def __init__(self, settings: Settings, embedder: Embedder, vectors: VectorStore,
                 lexical: LexicalIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical

    def retrieve(self, query: str, visibilities: Sequence[str], k: int | None = None,
                 filters: Filters | None = None, lang: str | None = None
                 ) -> list[RetrievedChunk]:
        """Top ``k`` chunks for ``query`` among chunks of ``visibilities`` only.

        Raises ``ValueError`` for an unknown visibility; no visibility, no results.
        """
        return self.retrieve_timed(query, visibilities, k, filters, lang)[0]

    def retrieve_timed(self, query: str, visibilities: Sequence[str], k: int | None = None,
                       filters: Filters | None = None, lang: str | None = None
                       ) -> tuple[list[RetrievedChunk], dict[str, float]]:
        """:meth:`retrieve` and the time of each stage in ms (this call's own: the
        retriever is shared by concurrent requests and keeps no per-query state)."""
        results, timings, _ = self._search(query, visibilities, k, filters, lang)
        return results, timings

    def retrieve_with_background(self, query: str, visibilities: Sequence[str],
                                 k: int | None = None, filters: Filters | None = None
                                 ) -> tuple[list[RetrievedChunk], tuple[float, float]]:
        """:meth:`retrieve`, and the mean and standard deviation of ``query``'s dense
        scores over all its dense candidates (the ``candidates`` nearest chunks and
        best sentences), from the same search.

        The answer model reads the best passage against this background: a question
        on a topic the content never covers is about as close to every passage, while
        the passage that answers stands out of the rest. The same top cosine means
        little on its own, as each corpus and language has its own level."""
        results, _, dense = self._search(query, visibilities, k, filters, None)
        scores = np.fromiter(dense.values(), dtype=float)
        background = (float(scores.mean()), float(scores.std())) if scores.size else (0.0, 0.0)
        return results, background

    def _search(self, query: str, visibilities: Sequence[str], k: int | None,
                filters: Filters | None, lang: str | None
                ) -> tuple[list[RetrievedChunk], dict[str, float], dict[str, float]]:
        """(results, timings, every dense candidate's score) of one search."""
        k = k or self.settings.top_k
        n = max(self.settings.candidates, k)
        vis = tier_key(tuple(visibilities))
        if not vis:
            return [], {}, {}
        t0 = time.perf_counter()
        tier = self.lexical.tier(vis)
        lang = lang or detect_language(query)
        other = next(x for x in LANGS if x != lang) if lang in LANGS else "en"
        # an English question's function words match every English page
        said = english_content(query) if lang == "en" else query
        terms = analyze(said, lang)
        foreign = [u for t in terms for u in sorted(translations(t))] + tier.cognates(terms, other)
        lex = dict(tier.search(terms, n, filters, analyze(said, other) + foreign))
        t1 = time.perf_counter()
        qvec = self.embedder.embed_query(query)
        t2 = time.perf_counter()
        dense = self._dense(tier, qvec, vis, n, filters) if tier.ids else {}
        t3 = time.perf_counter()
        fused = fuse(lex, dense, self.settings.dense_weight)
        cross = _cross_language(tier, lang, fused, dense, k, lex)
        results: list[RetrievedChunk] = []
        for cid, score in fused:
            if len(results) == k - len(cross):
                break
            hit = self._result(tier, cid, score, lex.get(cid, 0.0), dense.get(cid, 0.0))
            if hit is not None and cid not in cross:
                results.append(hit)
        for cid, score in (fused if cross else []):  # in fused order, after the others
            if cid in cross and (hit := self._result(tier, cid, score, lex.get(cid, 0.0),
                                                     dense.get(cid, 0.0))):
                results.append(hit)
        timings = {"lexical_ms": (t1 - t0) * 1e3, "embed_ms": (t2 - t1) * 1e3,
                   "dense_ms": (t3 - t2) * 1e3, "retrieve_ms": (time.perf_counter() - t0) * 1e3}
        return results, timings, dense

    def _dense(self, tier: LexicalTier, qvec: np.ndarray, vis: tuple[str, ...], n: int,
               filters: Filters | None) -> dict[str, float]:
        """Dense score per chunk: its cosine mixed with its best sentence's (max-sim).

        A chunk missing from one list gets that list's lowest score, a bound on
        what it would have had. An index without sentence vectors (built before
        they existed) falls back to chunk cosines alone.
        """
        chunks = dict(self._ann(self.vectors.query, _same, tier, qvec, vis, n, filters))
        best: dict[str, float] = {}
        for sid, score in self._ann(self.vectors.query_sentences, sentence_chunk_id, tier,
                                    qvec, vis, SENTENCE_CANDIDATES, filters):
            cid = sentence_chunk_id(sid)
            best[cid] = max(score, best.get(cid, -1.0))
        if not best or not chunks:
            return chunks or best
        c_floor, s_floor = min(chunks.values()), min(best.values())
        a = SENTENCE_WEIGHTS[self.settings.stored_sentence_vectors]
        return {c: a * best.get(c, s_floor) + (1 - a) * chunks.get(c, c_floor)
                for c in set(chunks) | set(best)}

    @staticmethod
    def _ann(search: Search, owner: Callable[[str], str], tier: LexicalTier, qvec: np.ndarray,
             vis: tuple[str, ...], n: int, filters: Filters | None) -> list[tuple[str, float]]:
        """Top ``n`` ANN hits whose chunk (``owner(id)``) passes ``filters``.

        A Chroma ``where`` scans metadata row by row (~200 ms at 100k chunks), so a
        broad filter is applied instead to an over-fetched unfiltered ANN result,
        with the same metadata columns the BM25 mask uses. Narrow filters, or too
        few survivors, fall back to ``where``. Visibility never depends on this:
        it is the choice of partitions.
        """
        if filters is None or filters.is_empty():
            return search(qvec, vis, n, None)
        mask = tier.mask(filters)
        share = float(mask.mean()) if len(mask) else 0.0
        if share >= BROAD_FILTER_SHARE:
            fetch = min(int(1.5 * n / share) + 1, MAX_OVERFETCH)
            hits = [h for h in search(qvec, vis, fetch, None) if tier.allows(owner(h[0]), mask)]
            # half the candidates is plenty to fuse; the top ones are exact either way
            if len(hits) >= min(n // 2, int(mask.sum())):
                return hits[:n]
        return search(qvec, vis, n, filters)

    def sentence_similarity(self, query: str, chunks: Sequence[RetrievedChunk]
                            ) -> list[list[float]]:
        """Cosine of every sentence of each chunk with ``query``, from the sentence
        vectors stored at ingest (the query vector is cached): ``out[i][j]`` is
        sentence ``j`` of ``chunks[i]``; a sentence without a vector gets its chunk's
        dense score."""
        qvec = self.embedder.embed_query(query)
        ids: dict[str, list[str]] = {}
        counts = [len(sentence_spans(c.text)) for c in chunks]
        for c, n in zip(chunks, counts, strict=True):
            vis = str(c.metadata.get("visibility", "public"))
            ids.setdefault(vis, []).extend(f"{c.chunk_id}#s{j}" for j in range(n))
        vecs = self.vectors.sentence_vectors(ids)
        return [[float(vecs[sid] @ qvec) if (sid := f"{c.chunk_id}#s{j}") in vecs else c.dense
                 for j in range(n)] for c, n in zip(chunks, counts, strict=True)]

    @staticmethod
    def _result(tier: LexicalTier, cid: str, score: float, lex: float,
                dense: float) -> RetrievedChunk | None:
        if cid not in tier.rows:  # vector written after this tier was loaded; next refresh has it
            return None
        return tier.passage(cid, score, lex, dense)
