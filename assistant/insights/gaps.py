"""The content-gap report: unanswered questions grouped by meaning.

Questions that were refused or rated down are embedded with e5 (the index's own query
model), centred (e5's cosines are compressed into a narrow band, 0.77-0.89 between
related and unrelated texts; removing the mean direction spreads them) and grouped by
average-linkage agglomerative clustering in numpy: two groups merge while the mean
similarity between their questions stays above a threshold. Each group gets its most
central question as topic, up to three examples and the closest existing documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.models import RetrievedChunk

MERGE_AT = 0.08  # mean centred cosine to merge two groups (planted topics, tests/insights)
MAX_QUESTIONS = 600  # distinct questions clustered (the most recent); O(n^3) merging
EXAMPLES = 3
DOCUMENTS = 3

Embed = Callable[[str], np.ndarray]
Search = Callable[[str, int], list[RetrievedChunk]]


@dataclass
class GapGroup:
    """Questions about one topic the content does not cover well."""

    topic: str
    count: int
    refused: int
    rated_down: int
    examples: list[str]
    documents: list[dict[str, object]] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(" ?!.")


def centred(vectors: np.ndarray) -> np.ndarray:
    """Rows minus their mean, L2-normalised again (with fewer than 3 rows: unchanged)."""
    if len(vectors) < 3:
        return vectors
    out = vectors - vectors.mean(axis=0, keepdims=True)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def cluster(vectors: np.ndarray, weights: Sequence[int] | None = None,
            merge_at: float = MERGE_AT) -> list[list[int]]:
    """Average-linkage clustering of L2-normalised rows on cosine similarity.

    ``weights`` counts how often each row was asked (the mean is over questions, not
    distinct texts). Returns groups of row indices, largest (by weight) first."""
    n = len(vectors)
    if n == 0:
        return []
    w = np.asarray(weights if weights is not None else [1] * n, dtype=np.float64)
    sim = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    members: list[list[int]] = [[i] for i in range(n)]
    size = w.copy()
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        flat = int(np.argmax(sim))
        a, b = divmod(flat, n)
        if sim[a, b] < merge_at:
            break
        # Lance-Williams update for average linkage: b joins a
        merged = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
        sim[a, :], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b, :], sim[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        members[a] += members[b]
        alive[b] = False
    groups = [members[i] for i in np.flatnonzero(alive)]
    return sorted(groups, key=lambda g: (-sum(w[i] for i in g), min(g)))


def _central(idx: list[int], vectors: np.ndarray) -> int:
    """The member closest to the group's mean direction."""
    block = vectors[idx]
    return idx[int(np.argmax(block @ block.mean(axis=0)))]


def group_gaps(questions: Sequence[tuple[str, str]], embed: Embed, search: Search,
               limit: int = 30, merge_at: float = MERGE_AT) -> list[GapGroup]:
    """The ``limit`` largest groups of ``(question, reason)`` pairs (reason ``refused`` or
    ``down``), each with its closest documents from ``search(topic, k)``."""
    texts: dict[str, str] = {}  # normalised -> first wording seen
    reasons: dict[str, Counter[str]] = {}
    for question, reason in questions:
        key = _norm(question)
        if key:
            texts.setdefault(key, question.strip())
            reasons.setdefault(key, Counter())[reason] += 1
    keys = list(texts)[-MAX_QUESTIONS:]
    if not keys:
        return []
    vectors = centred(np.stack([embed(texts[k]) for k in keys]).astype(np.float64))
    weights = [sum(reasons[k].values()) for k in keys]
    out = []
    for idx in cluster(vectors, weights, merge_at)[:limit]:
        ranked = sorted(idx, key=lambda i: -weights[i])
        topic = texts[keys[_central(idx, vectors)]]
        out.append(GapGroup(
            topic=topic, count=sum(weights[i] for i in idx),
            refused=sum(reasons[keys[i]]["refused"] for i in idx),
            rated_down=sum(reasons[keys[i]]["down"] for i in idx),
            examples=[texts[keys[i]] for i in ranked[:EXAMPLES]],
            documents=closest_documents(search, topic)))
    return out


def closest_documents(search: Search, topic: str, n: int = DOCUMENTS) -> list[dict[str, object]]:
    """The best-ranked distinct documents for ``topic``."""
    seen: dict[str, dict[str, object]] = {}
    for hit in search(topic, 4 * n):
        if hit.doc_id not in seen:
            seen[hit.doc_id] = {"doc_id": hit.doc_id, "title": hit.title, "url": hit.url,
                                "score": round(float(hit.score), 4)}
        if len(seen) == n:
            break
    return list(seen.values())
