"""The retrieval latency benchmark runs end to end at a tiny size."""

from __future__ import annotations

import numpy as np
import pytest

from evals.bench_retrieval import FILTERS, bench_retrieval, corpus_terms, synthetic_rows


def test_synthetic_chunks_use_the_demo_corpus_vocabulary() -> None:
    terms, probs = corpus_terms()
    assert len(terms) > 500 and abs(probs.sum() - 1) < 1e-9
    assert "cluster" in terms[:200]  # the demo corpus' own frequent terms
    rows = synthetic_rows(50, np.random.default_rng(0), terms, probs)
    assert len({r.chunk_id for r in rows}) == 50
    assert all(20 <= len(r.tokens) <= 220 for r in rows)


@pytest.mark.model
def test_bench_rows_cover_each_size_and_filter() -> None:
    rows = bench_retrieval(sizes=(400, 800), repeat=5)
    assert all(len(r) == 3 and all(isinstance(x, str) and x for x in r) for r in rows)
    names = [r[0] for r in rows]
    for size in ("@ 400 chunks", "@ 800 chunks"):
        assert sum(size in n for n in names) == len(FILTERS) + 1  # + the build time
    latency = [r for r in rows if r[0].startswith("retrieval p50/p95")]
    assert len(latency) == 2 * len(FILTERS)
    for _, value, how in latency:
        p50, p95 = (float(x) for x in value.removesuffix(" ms").split(" / "))
        assert 0 < p50 <= p95 and "synthetic" in how
    assert names[-1].startswith("query embedding")
