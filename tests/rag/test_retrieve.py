"""Hybrid retrieval on a real Chroma index.

Visibility and metadata filters are checked on each signal separately (BM25 tier,
Chroma partitions) and on the fused result, so a leak in either path fails a test.
These are properties of the plumbing, not of the model: the index embeds with the
hash-based ``FakeEmbedder``; the tests of what the model ranks use the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.ingest.load import article_document, member_document
from assistant.models import Document, Filters
from assistant.protocols import Embedder as EmbedderSeam
from assistant.rag import retrieve
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from assistant.stores.vector import sentence_texts
from assistant.text import analyze
from tests.fakes import FakeEmbedder

PUB, ALL = ("public",), ("public", "members")
SECRET = "Le quote associative riservate ai soci per il 2025 sono state ridotte del 12 per cento."


def _article(doc_id: str, title: str, body: str, **meta: Any) -> Document:
    return article_document(doc_id, title, body, meta)


DOCS = [
    _article("bando", "Bando voucher internazionalizzazione",
             "Il bando finanzia con voucher fino a 20.000 euro la partecipazione delle PMI "
             "socie a fiere internazionali.", date="2024-02-10", tags=["bandi", "export"]),
    _article("forum", "Forum annuale a Roma",
             "Il forum annuale del cluster si è tenuto a Roma con 400 partecipanti. Un "
             "panel ha discusso le quote di mercato dei dispositivi medici.",
             date="2024-04-18", tags=["eventi"]),
    _article("quote", "Quote associative 2025", SECRET, date="2025-01-05", tags=["soci"],
             visibility="members"),
    _article("osaka", "Mission to Osaka", "Ten member companies visited the Kansai region "
             "to meet partners in regenerative medicine.", date="2025-06-01", lang="en",
             tags=["internazionalizzazione"]),
    member_document({"name": "BioRigenera S.r.l.", "kind": "company", "region": "Lombardia",
                     "sectors": ["medicina rigenerativa"], "description":
                     "Scaffold in collagene per la rigenerazione della cartilagine."}, "biorig"),
    member_document({"name": "Diagnostica Arno S.r.l.", "kind": "company", "region": "Toscana",
                     "sectors": ["diagnostica"], "description":
                     "Test diagnostici rapidi per le infezioni ospedaliere."}, "arno"),
]


def _index(path: Path, embedder: EmbedderSeam) -> Index:
    idx = Index(Settings(corpus_dir=path, index_dir=path / "index"), embedder=embedder)
    for d in DOCS:
        idx.upsert_document(d)
    return idx


@pytest.fixture
def index(tmp_path: Path, fake_embedder: FakeEmbedder) -> Iterator[Index]:
    idx = _index(tmp_path, fake_embedder)
    yield idx
    idx.close()


@pytest.fixture
def retriever(index: Index) -> Retriever:
    return Retriever(index.settings, index.embedder, index.vectors, index.lexical)


@pytest.fixture
def real_retriever(tmp_path: Path, embedder: Embedder) -> Iterator[Retriever]:
    """Over the same documents embedded with the real model (what the model ranks)."""
    idx = _index(tmp_path, embedder)
    yield Retriever(idx.settings, idx.embedder, idx.vectors, idx.lexical)
    idx.close()


def _lexical_docs(index: Index, query: str, vis: tuple[str, ...],
                  filters: Filters | None = None) -> set[str]:
    hits = index.lexical.tier(vis).search(analyze(query, "it"), 50, filters,
                                          analyze(query, "en"))
    return {cid.split("::")[0] for cid, _ in hits}


def _dense_docs(index: Index, query: str, vis: tuple[str, ...],
                filters: Filters | None = None) -> set[str]:
    hits = index.vectors.query(index.embedder.embed_query(query), vis, 50, filters)
    return {cid.split("::")[0] for cid, _ in hits}


def _sentence_docs(index: Index, query: str, vis: tuple[str, ...],
                   filters: Filters | None = None) -> set[str]:
    hits = index.vectors.query_sentences(index.embedder.embed_query(query), vis, 200, filters)
    return {sid.split("::")[0] for sid, _ in hits}


def _docs(retriever: Retriever, query: str, vis: tuple[str, ...],
          filters: Filters | None = None) -> list[str]:
    return [r.doc_id for r in retriever.retrieve(query, vis, k=50, filters=filters)]


def test_ranks_the_relevant_passage_first_with_per_signal_scores(
        real_retriever: Retriever) -> None:
    res, timings = real_retriever.retrieve_timed(
        "Quanto finanzia il voucher per le fiere internazionali?", PUB, k=3)
    assert res[0].doc_id == "bando"
    assert res[0].lexical > 0 and res[0].dense > 0
    assert [r.score for r in res] == sorted((r.score for r in res), reverse=True)
    assert res[0].title == "Bando voucher internazionalizzazione"
    assert res[0].metadata["visibility"] == "public" and res[0].metadata["date"] == "2024-02-10"
    doc = DOCS[0]
    assert doc.text[res[0].start:res[0].end] == res[0].text
    assert timings["retrieve_ms"] >= timings["embed_ms"] > 0


def test_dense_background_is_the_spread_the_best_passage_stands_out_of(
        real_retriever: Retriever) -> None:
    """Mean and spread of the dense scores over all candidates: the best retrieved
    passage is above the mean; no visible partition, no background."""
    found, (mean, std) = real_retriever.retrieve_with_background(
        "Quanto finanzia il voucher per le fiere internazionali?", PUB, k=1)
    best = found[0]
    assert 0 < std < 0.2 and mean + std < best.dense
    assert real_retriever.retrieve_with_background("voucher", ())[1] == (0.0, 0.0)


def test_english_query_finds_english_document(real_retriever: Retriever) -> None:
    assert real_retriever.retrieve("Which companies visited Kansai?", PUB, k=1)[0].doc_id == "osaka"


def test_member_only_chunk_never_reaches_anonymous_query(index: Index,
                                                         retriever: Retriever) -> None:
    query = "Di quanto sono state ridotte le quote associative riservate ai soci per il 2025?"
    # the query matches the member-only passage best on both signals...
    assert "quote" in _lexical_docs(index, query, ALL)
    assert "quote" in _dense_docs(index, query, ALL)
    assert _docs(retriever, query, ALL)[0] == "quote"
    # ...and neither path, nor the fused list, lets an anonymous caller see it
    assert "quote" in _sentence_docs(index, query, ALL)
    assert "quote" not in _lexical_docs(index, query, PUB)
    assert "quote" not in _dense_docs(index, query, PUB)
    assert "quote" not in _sentence_docs(index, query, PUB)
    anon = retriever.retrieve(query, PUB, k=50)
    assert anon and all(r.doc_id != "quote" and r.metadata["visibility"] == "public"
                        for r in anon)
    assert all("ridotte del 12" not in r.text for r in anon)


FILTER_CASES = [
    (Filters(doc_type="member"), {"biorig", "arno"}),
    (Filters(doc_type="article"), {"bando", "forum", "osaka"}),
    (Filters(tags=["Export"]), {"bando"}),
    (Filters(tags=["eventi", "internazionalizzazione"]), {"forum", "osaka"}),
    (Filters(sectors=["diagnostica"]), {"arno"}),
    (Filters(region="Lombardia"), {"biorig"}),
    (Filters(date_from="2024-03-01"), {"forum", "osaka"}),
    (Filters(date_to="2024-03-01"), {"bando"}),
    (Filters(doc_type="article", date_from="2024-01-01", date_to="2024-12-31"),
     {"bando", "forum"}),
]


@pytest.mark.parametrize(("filters", "allowed"), FILTER_CASES)
def test_each_filter_holds_on_both_signals(index: Index, retriever: Retriever,
                                           monkeypatch: pytest.MonkeyPatch,
                                           filters: Filters, allowed: set[str]) -> None:
    query = ("voucher fiere forum partecipanti quote rigenerazione cartilagine test "
             "diagnostici Kansai")
    assert _lexical_docs(index, query, PUB, filters) == allowed
    assert _dense_docs(index, query, PUB, filters) == allowed
    assert _sentence_docs(index, query, PUB, filters) == allowed
    assert set(_docs(retriever, query, PUB)) > allowed  # the filter did the work
    # dense side, both strategies: post-filtering an over-fetch, and Chroma's where
    for share, strategy in ((0.0, "overfetch"), (1.1, "where")):
        monkeypatch.setattr(retrieve, "BROAD_FILTER_SHARE", share)
        seen = set()
        for r in retriever.retrieve(query, PUB, k=50, filters=filters):
            seen.add(r.doc_id)
            assert r.dense > 0 or r.lexical > 0
        assert seen == allowed, strategy
        assert set(retriever._dense(index.lexical.tier(PUB), index.embedder.embed_query(query),
                                    PUB, 50, filters)) == {
            c for c in index.lexical.tier(PUB).ids if c.split("::")[0] in allowed}, strategy


def test_update_and_remove_reach_both_signals(index: Index, retriever: Retriever) -> None:
    query = "ornitorinco"
    assert "forum" not in _docs(retriever, query, PUB)[:1]
    changed = _article("forum", "Forum annuale a Roma",
                       "Al forum un ornitorinco ha sorpreso i 400 partecipanti.",
                       date="2024-04-18", tags=["eventi"])
    index.upsert_document(changed)
    top = retriever.retrieve(query, PUB, k=1)[0]
    assert top.doc_id == "forum" and "ornitorinco" in top.text and top.lexical > 0
    assert "quote di mercato" not in " ".join(r.text for r in retriever.retrieve(
        "quote di mercato dei dispositivi medici", PUB, k=50) if r.doc_id == "forum")
    sentences = index.vectors.sentences["public"]
    assert len(sentences.get(where={"doc_id": "forum"})["ids"]) == 1  # the new text's one
    index.remove_document("forum")
    assert "forum" not in _docs(retriever, "forum annuale Roma partecipanti", PUB)
    assert "forum" not in _dense_docs(index, "forum annuale Roma partecipanti", PUB)
    assert sentences.get(where={"doc_id": "forum"})["ids"] == []


def test_empty_and_unmatched_queries(tmp_path: Path, fake_embedder: FakeEmbedder,
                                     retriever: Retriever) -> None:
    empty = Index(Settings(corpus_dir=tmp_path, index_dir=tmp_path / "empty"),
                  embedder=fake_embedder)
    try:
        r = Retriever(empty.settings, fake_embedder, empty.vectors, empty.lexical)
        assert r.retrieve("qualunque cosa", ALL) == []
    finally:
        empty.manifest.close()
    # no lexical match: dense still answers
    assert retriever.retrieve("xyzzy qwerty", PUB, k=2)
    with pytest.raises(ValueError):
        retriever.retrieve("bando", ("public", "secret"))


def test_dense_score_mixes_chunk_and_best_sentence_cosines(index: Index,
                                                           retriever: Retriever) -> None:
    query = "Quanti partecipanti ha avuto il forum di Roma?"
    q = index.embedder.embed_query(query)
    tier = index.lexical.tier(PUB)
    dense = retriever._dense(tier, q, PUB, 100, None)
    chunk = index.chunk(DOCS[1])[0]
    sentences = sentence_texts(chunk)
    assert len(sentences) == 2  # the 400 participants are in one sentence of two
    chunk_cos = float(index.embedder.embed_passages([chunk.embed_text])[0] @ q)
    best = float(max(index.embed_chunks([chunk])[1][0] @ q))  # as stored (late or not)
    a = retrieve.SENTENCE_WEIGHTS[retriever.settings.stored_sentence_vectors]
    assert dense[chunk.chunk_id] == pytest.approx(a * best + (1 - a) * chunk_cos, abs=1e-3)
    stored = index.vectors.sentences["public"].get(where={"doc_id": "forum"})["ids"]
    assert sorted(stored) == [f"{chunk.chunk_id}#s0", f"{chunk.chunk_id}#s1"]


def test_index_without_sentence_vectors_falls_back_to_chunk_cosines(
        index: Index, retriever: Retriever) -> None:
    for col in index.vectors.sentences.values():
        ids = col.get(include=[])["ids"]
        if ids:
            col.delete(ids=ids)
    q = index.embedder.embed_query("voucher per le fiere internazionali")
    dense = retriever._dense(index.lexical.tier(PUB), q, PUB, 100, None)
    assert dense == dict(index.vectors.query(q, PUB, 100))
    assert retriever.retrieve("voucher per le fiere internazionali", PUB, k=1)[0].doc_id == \
        "bando"


def test_fusion_normalises_each_signal_per_query() -> None:
    lex = {"a": 8.0, "b": 2.0}  # BM25: divided by the best, zero stays "no evidence"
    dense = {"b": 0.86, "c": 0.84, "d": 0.80}  # cosines: min-max over the candidates
    fused = dict(retrieve.fuse(lex, dense, 0.6))
    assert fused["a"] == pytest.approx(0.4 * 1.0)
    assert fused["b"] == pytest.approx(0.4 * 0.25 + 0.6 * 1.0)
    assert fused["c"] == pytest.approx(0.6 * (0.04 / 0.06))
    assert fused["d"] == 0.0
    assert [c for c, _ in retrieve.fuse(lex, dense, 0.6)] == ["b", "a", "c", "d"]
    assert retrieve.scale_by_max({"x": 0.0}) == {"x": 0.0}
    assert retrieve.minmax({"x": 0.5, "y": 0.5}) == {"x": 1.0, "y": 1.0}


def test_other_language_question_keeps_main_language_passages(
        index: Index, retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """An English question matches English pages on every word; the content's main
    language still gets the two best places by meaning (the last two of k)."""
    for n in range(3):
        index.upsert_document(_article(f"en{n}", f"Member companies report {n}",
                                       "Member companies visited the region to meet "
                                       f"partners, report number {n}.", lang="en"))
    tier = index.lexical.tier(PUB)
    assert tier.main_language == "it"
    query = "Which member companies visited the Kansai region to meet partners?"
    res = retriever.retrieve(query, PUB, k=4, lang="en")
    assert [r.metadata["lang"] for r in res] == ["en", "en", "it", "it"]
    dense = retriever._dense(tier, index.embedder.embed_query(query), PUB, 100, None)
    best_it = sorted((c for c in dense if tier.rows[c].lang == "it"), key=lambda c: -dense[c])
    assert {r.chunk_id for r in res[2:]} == set(best_it[:2])
    monkeypatch.setattr(retrieve, "CROSS_LANGUAGE", 0)
    assert [r.metadata["lang"] for r in retriever.retrieve(query, PUB, k=4, lang="en")] == [
        "en"] * 4  # what BM25 alone would have given
    italian = retriever.retrieve("Il forum annuale del cluster a Roma", PUB, k=3, lang="it")
    assert italian[0].doc_id == "forum"  # a main-language question is ranked as before


def test_main_language_question_keeps_the_best_other_language_passage(
        index: Index, retriever: Retriever) -> None:
    """An Italian question about an English page ("i soci a Osaka") shares few words
    with it and many with Italian pages: the best English chunk in fused order takes
    the last place when none made the top k."""
    for n in range(3):
        index.upsert_document(_article(f"it{n}", f"Incontri dei soci {n}",
                                       f"I soci del cluster hanno fatto incontri {n} volte "
                                       "con le imprese della regione.", date="2025-06-01"))
    query = "quanti incontri hanno fatto i soci a Osaka nella regione del Kansai?"
    res = retriever.retrieve(query, PUB, k=3, lang="it")
    assert [r.metadata["lang"] for r in res] == ["it", "it", "en"]
    assert res[-1].doc_id == "osaka"
    plain = retriever.retrieve("quante volte lo hanno fatto?", PUB, k=3, lang="it")
    assert "osaka" not in {r.doc_id for r in plain}  # shares no word with the English page


def test_italian_words_reach_the_english_page_that_spells_them_alike(
        index: Index, retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """"contatti qualificati" is "qualified contacts" on an English page: no stem is
    shared, so the lexical query also carries the English page's stems spelt almost
    alike ("contact", "qualifi"), and the page is found."""
    index.upsert_document(_article("medica", "MEDICA results", "Over four days the companies "
                                   "recorded 210 qualified contacts.", lang="en"))
    tier = index.lexical.tier(PUB)
    query = "quanti contatti qualificati?"
    terms = analyze(query, "it")
    assert {"contact", "qualifi"} <= set(tier.cognates(terms, "en"))
    assert tier.cognates(["incontr", "soci"], "en") == []  # nothing alike, or too short
    plain = {c for c, _ in tier.search(terms, 10, None, analyze(query, "en"))}
    assert not any(c.startswith("medica") for c in plain)

    def medica_lexical() -> float:
        hits = retriever.retrieve(query, PUB, k=3, lang="it")
        return max((r.lexical for r in hits if r.doc_id == "medica"), default=-1.0)

    assert medica_lexical() > 0  # found, and by its words
    monkeypatch.setattr(type(tier), "cognates", lambda self, terms, lang: [])
    monkeypatch.setattr(retrieve, "translations", lambda term: frozenset())
    assert medica_lexical() <= 0


def test_an_english_question_reaches_italian_words_through_the_glossary(
        index: Index, retriever: Retriever) -> None:
    """"deadline" and "scadenza" share no letters: the glossary gives the lexical
    query the Italian word, so the Italian call is found by its words."""
    index.upsert_document(_article("call", "Bando ricerca 2026", "La scadenza per le "
                                   "domande è fissata al 15 aprile 2026."))
    hits = retriever.retrieve("What is the deadline?", PUB, k=3, lang="en")
    assert any(r.doc_id == "call" and r.lexical > 0 for r in hits)


def test_english_function_words_are_not_searched(index: Index, retriever: Retriever) -> None:
    """"What did they do?" shares only function words with an English page that uses
    them: the lexical score gives it nothing (the dense score still ranks it)."""
    index.upsert_document(_article("recap", "What the members did", "What did they do? They "
                                   "met partners and did what they had planned.", lang="en"))
    hits = retriever.retrieve("What did they do?", PUB, k=5, lang="en")
    assert all(r.lexical == 0 for r in hits)
    assert any(r.lexical > 0 for r in retriever.retrieve("What did the members plan?", PUB,
                                                         k=5, lang="en"))
