"""Incremental ingest on real Chroma: unchanged costs nothing, edits and deletions are exact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from assistant.stores.vector import VectorStore
from assistant.text import analyze
from tests.fakes import FakeEmbedder
from tests.ingest.helpers import (
    assert_consistent,
    chroma_ids,
    md,
    snapshot,
    warm_cache,
    write,
)

MISSIONE = md(
    "## Programma\n\nUndici soci hanno visitato il Kansai per cinque giorni di incontri.\n\n"
    "## Risultati\n\nSono stati organizzati settantotto incontri con le imprese locali.\n\n"
    "## Prossimi passi\n\nUna delegazione giapponese arriverà in Italia nel 2026.\n",
    title="Missione a Osaka", date="2025-06-24", tags=["Missioni", "Giappone"])
CORPUS = {
    "articles/missione.md": MISSIONE,
    "articles/quote.md": md("Le quote associative per il 2026 restano invariate per tutti.",
                            title="Quote associative", visibility="members"),
    "articles/fiera.txt": "Fiera MEDICA a Düsseldorf\nDodici soci hanno esposto nel padiglione "
                          "italiano della fiera.\n",
    "members/biolab.yaml": "name: BioLab S.r.l.\nkind: company\nregion: Lombardia\n"
                           "sectors: [Biotech]\ndescription: BioLab coltiva tessuti in vitro.\n",
}
DOC_IDS = sorted(CORPUS)


@pytest.fixture
def corpus_settings(tmp_path: Path) -> Settings:
    for rel, text in CORPUS.items():
        write(tmp_path / "corpus" / rel, text)
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                    chunk_tokens=40, chunk_overlap_tokens=0)


@pytest.fixture
def index(corpus_settings: Settings, embedder: Embedder) -> Iterator[Index]:
    idx = Index(corpus_settings, embedder=embedder)
    try:
        yield idx
    finally:
        idx.close()


class Calls:
    """Counts writes to Chroma and texts handed to the embedder."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> None:
        self.added: list[str] = []
        self.deleted: list[str] = []
        self.embedded: list[str] = []
        real_add, real_delete = VectorStore.add, VectorStore.delete_doc
        real_embed, real_spans = embedder.embed_passages, embedder.embed_with_spans

        def add(store: VectorStore, visibility: str, chunks: Any, vectors: Any) -> None:
            self.added.extend(c.chunk_id for c in chunks)
            real_add(store, visibility, chunks, vectors)

        def delete_doc(store: VectorStore, doc_id: str) -> None:
            self.deleted.append(doc_id)
            real_delete(store, doc_id)

        def embed(texts: Any, progress: Any = None) -> Any:
            self.embedded.extend(texts)
            return real_embed(texts, progress=progress)

        def embed_spans(texts: Any, spans: Any, progress: Any = None) -> Any:
            self.embedded.extend(texts)
            return real_spans(texts, spans, progress=progress)

        monkeypatch.setattr(VectorStore, "add", add)
        monkeypatch.setattr(VectorStore, "delete_doc", delete_doc)
        monkeypatch.setattr(embedder, "embed_passages", embed)
        monkeypatch.setattr(embedder, "embed_with_spans", embed_spans)


def lexical_hits(idx: Index, word: str, tier: tuple[str, ...] = ("public", "members")
                 ) -> list[str]:
    return [cid for cid, _ in idx.lexical.tier(tier).search(analyze(word), 20)]


def test_first_ingest_indexes_every_store(index: Index) -> None:
    report = index.ingest()
    assert report.ok and sorted(report.added) == DOC_IDS
    assert report.updated == [] and report.removed == [] and report.unchanged == 0
    ids = assert_consistent(index)
    assert report.chunks_written == len(ids) == 6  # 3 sections + 3 one-chunk documents
    assert {i for i in ids if i.startswith("articles/missione.md")} == {
        f"articles/missione.md::{n}" for n in range(3)}
    # visibility partitions: the members-only article is not in the public collection/tier
    assert chroma_ids(index, "members") == ["articles/quote.md::0"]
    assert "articles/quote.md::0" not in lexical_hits(index, "quote", ("public",))
    assert lexical_hits(index, "quote") == ["articles/quote.md::0"]
    meta = index.vectors.collections["public"].get(ids=["articles/missione.md::1"],
                                                   include=["metadatas"])["metadatas"][0]
    assert meta["doc_id"] == "articles/missione.md" and meta["date_int"] == 20250624
    assert meta["tags"] == ["missioni", "giappone"]
    stats = index.stats()
    assert stats == {"by_type": {"article": {"documents": 3, "chunks": 5},
                                 "member": {"documents": 1, "chunks": 1}},
                     "vectors": {"public": 5, "members": 1}, "pending": 0}


def test_second_run_changes_nothing(corpus_settings: Settings, embedder: Embedder,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    idx = Index(corpus_settings, embedder=embedder)
    try:
        idx.ingest()
        before, version = snapshot(idx), idx.manifest.version
    finally:
        idx.close()
    bm25_files = sorted(p for p in corpus_settings.index_dir.glob("bm25_*/*"))
    mtimes = [p.stat().st_mtime_ns for p in bm25_files]
    calls = Calls(monkeypatch, embedder)
    idx = Index(corpus_settings, embedder=embedder)  # a new run, as from the CLI
    try:
        report = idx.ingest()
        assert report.unchanged == len(DOC_IDS)
        assert report.added == report.updated == report.removed == []
        assert report.embed_calls == 0 and report.chunks_written == 0
        assert calls.embedded == [] and calls.added == [] and calls.deleted == []
        assert idx.manifest.version == version
        assert snapshot(idx) == before
        assert [p.stat().st_mtime_ns for p in bm25_files] == mtimes
        assert_consistent(idx)
    finally:
        idx.close()


def test_editing_one_document_replaces_only_its_chunks(index: Index, embedder: Embedder,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    index.ingest()
    before = snapshot(index)["public"]
    path = index.settings.corpus_dir / "articles/missione.md"
    path.write_text(MISSIONE.replace("settantotto incontri",
                                     "novantadue incontri (dato aggiornato a luglio)"))
    calls = Calls(monkeypatch, embedder)
    report = index.ingest()
    assert report.updated == ["articles/missione.md"] and report.added == []
    assert report.unchanged == len(DOC_IDS) - 1
    # the embedding cache: only the one changed chunk text, and the one changed
    # sentence of it (sentence vectors, assistant/stores/vector.py), reach the model
    assert report.embed_calls == 2
    assert calls.deleted == ["articles/missione.md"]
    assert calls.added == [f"articles/missione.md::{n}" for n in range(3)]
    after = snapshot(index)["public"]
    assert set(after) == set(before)
    for cid in before:
        if not cid.startswith("articles/missione.md"):
            assert after[cid] == before[cid], cid
    assert after["articles/missione.md::0"][2] == before["articles/missione.md::0"][2]
    assert after["articles/missione.md::2"][2] == before["articles/missione.md::2"][2]
    assert after["articles/missione.md::1"][2] != before["articles/missione.md::1"][2]
    assert "novantadue" in after["articles/missione.md::1"][0]
    assert lexical_hits(index, "novantadue") == ["articles/missione.md::1"]
    assert lexical_hits(index, "settantotto") == []
    assert_consistent(index)


def test_edit_that_shrinks_a_document_drops_its_extra_chunks(index: Index) -> None:
    index.ingest()
    path = index.settings.corpus_dir / "articles/missione.md"
    path.write_text(md("Undici soci hanno visitato il Kansai per cinque giorni di incontri.",
                       title="Missione a Osaka"))
    report = index.ingest()
    assert report.updated == ["articles/missione.md"]
    ids = assert_consistent(index)
    assert {i for i in ids if i.startswith("articles/missione.md")} == {"articles/missione.md::0"}
    assert index.manifest.docs()["articles/missione.md"].n_chunks == 1


def test_visibility_change_moves_chunks_between_partitions(index: Index) -> None:
    index.ingest()
    path = index.settings.corpus_dir / "articles/fiera.txt"
    path.rename(path.with_suffix(".md"))
    path.with_suffix(".md").write_text(md("Dodici soci hanno esposto nel padiglione italiano.",
                                          title="Fiera MEDICA", visibility="members"))
    report = index.ingest()
    assert report.added == ["articles/fiera.md"] and report.removed == ["articles/fiera.txt"]
    assert_consistent(index)
    assert sorted(chroma_ids(index, "members")) == ["articles/fiera.md::0",
                                                    "articles/quote.md::0"]
    assert not [c for c in chroma_ids(index, "public") if "fiera" in c]
    assert lexical_hits(index, "padiglione", ("public",)) == []
    # and the same file changing visibility in place
    quote = index.settings.corpus_dir / "articles/quote.md"
    quote.write_text(quote.read_text().replace("visibility: members", "visibility: public"))
    index.ingest()
    assert_consistent(index)
    assert "articles/quote.md::0" in chroma_ids(index, "public")
    assert chroma_ids(index, "members") == ["articles/fiera.md::0"]


def test_deleting_a_file_removes_it_everywhere(index: Index) -> None:
    index.ingest()
    assert lexical_hits(index, "Düsseldorf") == ["articles/fiera.txt::0"]
    (index.settings.corpus_dir / "articles/fiera.txt").unlink()
    report = index.ingest()
    assert report.removed == ["articles/fiera.txt"] and report.unchanged == len(DOC_IDS) - 1
    assert "articles/fiera.txt" not in index.manifest.docs()
    for vis in ("public", "members"):
        got = index.vectors.collections[vis].get(where={"doc_id": "articles/fiera.txt"})
        assert got["ids"] == []
    assert lexical_hits(index, "Düsseldorf") == []
    assert len(assert_consistent(index)) == 5


def test_scoped_runs_leave_the_rest_alone(index: Index) -> None:
    corpus = index.settings.corpus_dir
    index.ingest()
    (corpus / "articles/fiera.txt").unlink()
    (corpus / "members/biolab.yaml").write_text(
        CORPUS["members/biolab.yaml"].replace("in vitro", "in vitro e in bioreattori"))
    (corpus / "articles/nuovo.md").write_text(md("Nuovo bando per le startup del settore.",
                                                 title="Nuovo bando"))
    # one file: only that file is looked at; the deleted article stays
    report = index.ingest(paths=[corpus / "members/biolab.yaml"])
    assert report.updated == ["members/biolab.yaml"] and report.unchanged == 0
    assert report.removed == [] and report.added == []
    assert {"articles/fiera.txt", "articles/missione.md"} <= set(index.manifest.docs())
    # another folder: nothing outside it is removed
    report = index.ingest(paths=[corpus / "members"])
    assert report.removed == [] and report.unchanged == 1
    assert "articles/fiera.txt" in index.manifest.docs()
    # a deleted file named explicitly is removed
    report = index.ingest(paths=[corpus / "articles/fiera.txt"])
    assert report.removed == ["articles/fiera.txt"] and report.ok
    # the folder that holds new files picks them up
    report = index.ingest(paths=[corpus / "articles"])
    assert report.added == ["articles/nuovo.md"] and report.removed == []
    assert_consistent(index)
    # paths outside the corpus, and paths that exist nowhere, are reported
    outside = write(corpus.parent / "elsewhere.md", md("Fuori.", title="Fuori"))
    report = index.ingest(paths=[outside, corpus / "articles/typo.md"])
    assert set(report.failed) == {str(outside), str(corpus / "articles/typo.md")}
    assert "outside the corpus" in report.failed[str(outside)]
    assert report.removed == [] and len(index.manifest.docs()) == 4


def test_rebuild_keeps_the_embedding_cache(corpus_settings: Settings, embedder: Embedder) -> None:
    idx = Index(corpus_settings, embedder=embedder)  # puts every text in the session cache
    try:
        idx.ingest()
        before = snapshot(idx)
    finally:
        idx.close()
    warm_cache(embedder, corpus_settings.index_dir)
    (corpus_settings.index_dir / "chroma" / "stray-file").write_text("junk")
    idx = Index(corpus_settings, rebuild=True)  # its own embedder on index/embeddings.sqlite
    try:
        assert idx.manifest.docs() == {} and idx.vectors.count() == {"public": 0, "members": 0}
        report = idx.ingest()
        assert sorted(report.added) == DOC_IDS
        assert report.embed_calls == 0 and idx.embedder._model is None
        assert not (corpus_settings.index_dir / "chroma" / "stray-file").exists()
        assert snapshot(idx) == before
        assert_consistent(idx)
    finally:
        idx.close()


def test_duplicate_ids_are_reported_not_merged(index: Index) -> None:
    corpus = index.settings.corpus_dir
    write(corpus / "a/uno.md", md("Primo testo con id esplicito.", id="notizia-1", title="Uno"))
    write(corpus / "a/due.md", md("Secondo testo con lo stesso id.", id="notizia-1", title="Due"))
    write(corpus / "members/soci.csv", "name,kind\nAlfa Med,company\nBeta,company\n"
                                       "Alfa Med,company\n")
    report = index.ingest()
    # files are read in sorted order: the first one keeps the id, the other is reported;
    # a file is taken whole or not at all: no row of the CSV is indexed
    assert report.failed == {
        "a/uno.md": "duplicate document id 'notizia-1'",
        "members/soci.csv": "duplicate document id 'members/soci.csv#alfa-med'"}
    assert index.manifest.docs()["notizia-1"].source == "a/due.md"
    assert not [d for d in index.manifest.docs() if d.startswith("members/soci.csv")]
    assert_consistent(index)


def test_upsert_and_remove_single_documents(index: Index) -> None:
    from assistant.ingest.load import article_document

    index.ingest()
    doc = article_document("api/upload.md", "Caricato via API",
                           "Un documento caricato dalla redazione.", {"visibility": "members"})
    assert index.upsert_document(doc) == 1
    assert "api/upload.md::0" in chroma_ids(index, "members")
    assert index.remove_document("api/upload.md") is True
    assert index.remove_document("api/upload.md") is False
    assert len(assert_consistent(index)) == 6


def test_missing_corpus_is_an_error(tmp_path: Path, embedder: Embedder) -> None:
    idx = Index(Settings(corpus_dir=tmp_path / "nope", index_dir=tmp_path / "i"),
                embedder=embedder)
    try:
        with pytest.raises(FileNotFoundError, match="corpus directory not found"):
            idx.ingest()
    finally:
        idx.close()


def test_closing_an_index_leaves_a_shared_embedder_usable(corpus_settings: Settings,
                                                          embedder: Embedder) -> None:
    Index(corpus_settings, embedder=embedder).close()
    assert embedder._db is not None


@pytest.mark.model
@pytest.mark.parametrize("mode", ["late", "separate", "packed", "focused"])
def test_cold_ingest_embedding_calls_per_chunk(corpus_settings: Settings, mode: str) -> None:
    settings = corpus_settings.model_copy(update={"sentence_vectors": mode})
    idx = Index(settings, embedder=Embedder(None, "fast", threads=1))  # no cache: all cold
    try:
        report = idx.ingest()
        sentences = sum(c.count() for c in idx.vectors.sentences.values())
        if mode != "separate":  # one call per chunk (sentences pooled, packed or focused)
            assert report.embed_calls == report.chunks_written == 6
        else:  # one more pass per sentence
            assert report.embed_calls == report.chunks_written + sentences
        assert sentences > report.chunks_written
    finally:
        idx.embedder.close()
        idx.close()


def test_packed_sentence_vectors_are_the_separate_ones(corpus_settings: Settings,
                                                      fake_embedder: FakeEmbedder) -> None:
    stored, hashes = {}, {}
    for mode in ("separate", "packed"):
        settings = corpus_settings.model_copy(update={
            "sentence_vectors": mode, "index_dir": corpus_settings.index_dir / mode})
        idx = Index(settings, embedder=fake_embedder)
        try:
            calls0 = fake_embedder.calls
            report = idx.ingest()
            if mode == "packed":  # one call per chunk and its sentences
                assert fake_embedder.calls - calls0 == report.chunks_written == 6
            got = {v: c.get(include=["embeddings"]) for v, c in idx.vectors.sentences.items()}
            stored[mode] = {i: e for g in got.values()
                            for i, e in zip(g["ids"], g["embeddings"], strict=True)}
            hashes[mode] = idx.versioned("x")
        finally:
            idx.close()
    assert hashes["packed"] == hashes["separate"]  # same vectors: no re-ingest on a switch
    assert stored["packed"].keys() == stored["separate"].keys() and stored["packed"]
    for key, vec in stored["separate"].items():
        np.testing.assert_allclose(stored["packed"][key], vec, atol=1e-6)


def test_focused_mode_stores_its_own_vectors_and_redoes_an_index(
        corpus_settings: Settings, embedder: Embedder) -> None:
    """Switching to focused sentence vectors re-ingests (the manifest hash names the
    kind), and what is stored differs from separate passes."""
    idx = Index(corpus_settings, embedder=embedder)
    try:
        idx.ingest()
        before = idx.vectors.sentences["public"].get(include=["embeddings"])
    finally:
        idx.close()
    focused = corpus_settings.model_copy(update={"sentence_vectors": "focused"})
    idx = Index(focused, embedder=embedder)
    try:
        report = idx.ingest()
        assert report.unchanged == 0 and len(report.updated) == len(DOC_IDS)
        after = idx.vectors.sentences["public"].get(include=["embeddings"])
    finally:
        idx.close()
    old = dict(zip(before["ids"], before["embeddings"], strict=True))
    new = dict(zip(after["ids"], after["embeddings"], strict=True))
    assert old.keys() == new.keys()
    cos = [float(np.dot(old[k], new[k])) for k in old]
    assert max(cos) < 0.9999 and min(cos) > 0.8


def test_a_batch_of_documents_is_one_chroma_write_per_partition(
        corpus_settings: Settings, fake_embedder: FakeEmbedder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[tuple[str, int]] = []
    real = VectorStore.add

    def counting(self: VectorStore, visibility: str, chunks: Any, vectors: Any) -> None:
        writes.append((visibility, len(chunks)))
        real(self, visibility, chunks, vectors)

    monkeypatch.setattr(VectorStore, "add", counting)
    idx = Index(corpus_settings, embedder=fake_embedder)
    try:
        report = idx.ingest()
    finally:
        idx.close()
    assert sorted(v for v, _ in writes) == ["members", "public"]  # not one per document
    assert sum(n for _, n in writes) == report.chunks_written
