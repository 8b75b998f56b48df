"""Grouping unanswered questions with the real e5 model: planted topics come out as
groups, unrelated questions do not pile up, each group has its counts and examples."""

from __future__ import annotations

import numpy as np

from assistant.embed import Embedder
from assistant.insights import cluster, group_gaps
from assistant.models import RetrievedChunk
from tests.insights.planted import OTHERS, TOPICS


def _topic(question: str) -> str:
    return next((t for t, qs in TOPICS.items() if question in qs), "other")


def test_planted_topics_become_the_largest_groups(embedder: Embedder) -> None:
    asked = [(q, "refused") for qs in TOPICS.values() for q in qs] + \
        [(q, "refused") for q in OTHERS] + [(TOPICS["quota"][0], "down")]  # asked twice
    searched: list[str] = []

    def search(query: str, k: int) -> list[RetrievedChunk]:
        searched.append(query)
        return [RetrievedChunk(chunk_id=f"d{i}#0", doc_id=f"d{i % 2}", doc_type="article",
                               title=f"Doc {i % 2}", text="", start=0, end=0, score=1 - i / 10)
                for i in range(k)]

    groups = group_gaps(asked, embedder.embed_query, search)
    top = groups[:3]
    assert sorted(_topic(g.topic) for g in top) == sorted(TOPICS), [g.examples for g in top]
    for g in groups:  # no group mixes two planted topics; unrelated ones stay small
        planted = {_topic(q) for q in g.examples} - {"other"}
        assert len(planted) <= 1, g.examples
        if _topic(g.topic) == "other":
            assert g.count <= 2, g.examples
    for g in top:
        assert g.count >= 3 and len(g.examples) == 3
        assert all(_topic(q) == _topic(g.topic) for q in g.examples)
        assert [d["doc_id"] for d in g.documents] == ["d0", "d1"]  # distinct documents
    quota = next(g for g in top if _topic(g.topic) == "quota")
    assert quota.count == 5 and quota.refused == 4 and quota.rated_down == 1
    assert quota.examples[0] == TOPICS["quota"][0]  # the most asked comes first
    assert len(searched) == len(groups)


def test_cluster_merges_by_average_similarity() -> None:
    vectors = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.1, 0.99]], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cluster(vectors, merge_at=0.9) == [[0, 1], [2, 3]]
    assert cluster(vectors, [1, 1, 5, 1], merge_at=0.9) == [[2, 3], [0, 1]]  # by weight
    assert len(cluster(vectors, merge_at=-1.0)) == 1
    assert cluster(np.zeros((0, 2))) == []


def test_no_questions_no_groups(embedder: Embedder) -> None:
    assert group_gaps([], embedder.embed_query, lambda q, k: []) == []
    one = group_gaps([("Dove si parcheggia?", "refused")], embedder.embed_query,
                     lambda q, k: [])
    assert len(one) == 1 and one[0].count == 1 and one[0].topic == "Dove si parcheggia?"
