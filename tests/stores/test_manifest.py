"""The manifest: two-step document writes, chunk rows with lexical tokens, a change counter."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.load import article_document, member_document
from assistant.models import Document
from assistant.stores.manifest import Manifest
from assistant.text import analyze


@pytest.fixture
def manifest(tmp_path: Path):
    m = Manifest(tmp_path / "manifest.sqlite")
    yield m
    m.close()


def article(doc_id: str = "a.md", body: str = "Il cluster apre il bando.",
            visibility: str = "public") -> Document:
    doc = article_document(doc_id, "Titolo", body, {"visibility": visibility,
                                                    "tags": ["Bandi"], "date": "2025-02-03"})
    doc.source, doc.content_hash = doc_id, f"hash-{body}"
    return doc


def test_pending_then_commit(manifest: Manifest) -> None:
    doc = article()
    assert manifest.version == 0
    manifest.mark_pending(doc)
    row = manifest.docs()["a.md"]
    assert row.status == "pending" and row.content_hash == "" and row.n_chunks == 0
    assert manifest.version == 0  # intent only: readers see no change yet
    chunks = chunk_document(doc)
    manifest.commit_doc(doc, chunks)
    row = manifest.docs()["a.md"]
    assert row.status == "done" and row.content_hash == doc.content_hash
    assert row.n_chunks == len(chunks) == 1
    assert (row.doc_type, row.title, row.visibility, row.source) == (
        "article", "Titolo", "public", "a.md")
    assert row.meta["tags"] == ["bandi"] and row.meta["date"] == "2025-02-03"
    assert manifest.doc_text("a.md") == doc.text and manifest.doc_text("nope") is None
    assert manifest.version == 1


def test_pending_keeps_the_last_committed_hash(manifest: Manifest) -> None:
    doc = article()
    manifest.commit_doc(doc, chunk_document(doc))
    newer = article(body="Il cluster chiude il bando.")
    manifest.mark_pending(newer)
    row = manifest.docs()["a.md"]
    assert row.status == "pending"
    assert row.content_hash == doc.content_hash != newer.content_hash


def test_chunk_rows_hold_offsets_and_tokens_of_the_embedded_text(manifest: Manifest) -> None:
    doc = article(body="## Scadenze\n\nLe domande scadono il 30 aprile.")
    (chunk,) = chunk_document(doc)
    manifest.commit_doc(doc, [chunk])
    (row,) = manifest.iter_chunks()
    assert (row.chunk_id, row.doc_id, row.visibility) == ("a.md::0", "a.md", "public")
    assert doc.text[row.start:row.end] == row.text == "Le domande scadono il 30 aprile."
    assert row.tokens == analyze(chunk.embed_text, "it")
    assert {"titol", "scadenz"} <= set(row.tokens)  # title and section are searchable too
    assert row.meta["section"] == "Scadenze" and row.lang == "it"


def test_commit_replaces_all_chunks_of_the_document(manifest: Manifest) -> None:
    long = article(body=" ".join(f"La frase numero {i} parla del bando regionale." for i in
                                 range(60)))
    manifest.commit_doc(long, chunk_document(long, 60, 0))
    assert manifest.chunk_count() > 3
    other = article("b.md")
    manifest.commit_doc(other, chunk_document(other))
    short = article(body="Ora il testo è breve.")
    manifest.commit_doc(short, chunk_document(short))
    assert [r.chunk_id for r in manifest.iter_chunks()] == ["a.md::0", "b.md::0"]
    assert manifest.docs()["a.md"].n_chunks == 1


def test_remove_doc_and_version(manifest: Manifest) -> None:
    for doc_id in ("a.md", "b.md"):
        doc = article(doc_id)
        manifest.commit_doc(doc, chunk_document(doc))
    assert manifest.has_doc("a.md") and not manifest.has_doc("c.md")
    manifest.remove_doc("a.md")
    assert list(manifest.docs()) == ["b.md"] and not manifest.has_doc("a.md")
    assert [r.doc_id for r in manifest.iter_chunks()] == ["b.md"]
    assert manifest.version == 3


def test_iter_chunks_by_visibility_in_stable_order(manifest: Manifest) -> None:
    docs = [article("z.md"), article("m.md", visibility="members"), article("a.md")]
    member = member_document({"name": "Alfa", "kind": "company", "visibility": "members"},
                             "members/alfa.yaml")
    for doc in [*docs, member]:
        manifest.commit_doc(doc, chunk_document(doc))
    assert [r.chunk_id for r in manifest.iter_chunks(["public"])] == ["a.md::0", "z.md::0"]
    assert [r.chunk_id for r in manifest.iter_chunks(["members"])] == [
        "m.md::0", "members/alfa.yaml::0"]
    assert len(list(manifest.iter_chunks())) == 4
    assert list(manifest.iter_chunks([])) == []


def test_persists_across_reopen(tmp_path: Path) -> None:
    m = Manifest(tmp_path / "m.sqlite")
    doc = article()
    m.commit_doc(doc, chunk_document(doc))
    m.mark_pending(article("b.md"))
    m.close()
    m = Manifest(tmp_path / "m.sqlite")
    try:
        assert {d: r.status for d, r in m.docs().items()} == {"a.md": "done", "b.md": "pending"}
        assert m.version == 1 and m.chunk_count() == 1
        m.check()
    finally:
        m.close()


def test_corrupt_file_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    m = Manifest(path)
    for i in range(200):
        doc = article(f"d{i}.md", body=f"Documento numero {i} sul bando regionale.")
        m.commit_doc(doc, chunk_document(doc))
    m.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    m.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3:4096 * 3 + 2048] = b"\xff" * 2048  # trash part of a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(sqlite3.DatabaseError):
        bad = Manifest(path)
        try:
            bad.check()
        finally:
            bad.close()
