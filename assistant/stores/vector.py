"""Dense vectors in Chroma, one collection per visibility.

Partitioning by visibility keeps the common anonymous query unfiltered (a Chroma
``where`` scans every row) and means a member-only vector is not even in the
collection an anonymous query searches. Reads and writes call the Chroma collections
directly (reads ask for ids and distances only); the llama-index view of the index is
:mod:`assistant.rag.llama_retriever`, over the same ranking the service uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.models import VISIBILITIES, Chunk, Filters
from assistant.stores.filtering import chroma_where, date_int
from assistant.text import sentence_spans


def sentence_texts(chunk: Chunk) -> list[str]:
    """What is embedded per sentence of a chunk: the title, then the sentence.

    Sentence vectors let a short question match one sentence of a long chunk
    (max-sim): +3 points of dense R@5 on SQuAD-it dev (docs/retrieval.md).
    """
    title = str(chunk.metadata.get("title", ""))
    return [f"{title}\n{chunk.text[a:b]}" if title else chunk.text[a:b]
            for a, b in sentence_spans(chunk.text)]


def sentence_chunk_id(sentence_id: str) -> str:
    """The chunk a sentence vector belongs to (ids are ``<chunk_id>#s<n>``)."""
    return sentence_id.rsplit("#s", 1)[0]


class VectorStore:
    """Chroma collections ``chunks_<visibility>`` (one vector per chunk) and
    ``sentences_<visibility>`` (one per sentence of a chunk) behind one interface."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.collections = {
            v: client.get_or_create_collection(f"chunks_{v}", metadata={"hnsw:space": "cosine"})
            for v in VISIBILITIES
        }
        self.sentences = {
            v: client.get_or_create_collection(f"sentences_{v}",
                                               metadata={"hnsw:space": "cosine"})
            for v in VISIBILITIES
        }

    def add(self, visibility: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Store one vector per chunk, with its text and filterable metadata."""
        col = self.collections[visibility]
        for b in range(0, len(chunks), 5000):  # Chroma's batch limit is ~5,400
            part = chunks[b:b + 5000]
            # upsert: a write redone after a crash must not trip over its own ids
            col.upsert(ids=[c.chunk_id for c in part], embeddings=vectors[b:b + 5000],
                       documents=[c.text for c in part], metadatas=[_metadata(c) for c in part])

    def add_sentences(self, visibility: str, chunks: Sequence[Chunk],
                      vectors: Sequence[np.ndarray]) -> None:
        """Store each chunk's sentence vectors (``vectors[i]``: one row per sentence of
        ``chunks[i]``, in :func:`sentence_texts` order)."""
        ids, metas, rows = [], [], []
        for c, vecs in zip(chunks, vectors, strict=True):
            meta = _metadata(c)
            for i, vec in enumerate(vecs):
                ids.append(f"{c.chunk_id}#s{i}")
                metas.append(meta)
                rows.append(vec)
        if not ids:
            return
        col = self.sentences[visibility]
        for b in range(0, len(ids), 5000):  # Chroma's batch limit is ~5,400
            # upsert: a write redone after a crash must not trip over its own ids
            col.upsert(ids=ids[b:b + 5000], embeddings=np.asarray(rows[b:b + 5000]),
                       metadatas=metas[b:b + 5000])

    def delete_doc(self, doc_id: str) -> None:
        """Remove every chunk of ``doc_id`` from every partition (idempotent)."""
        for col in (*self.collections.values(), *self.sentences.values()):
            col.delete(where={"doc_id": doc_id})

    def query_sentences(self, vector: np.ndarray, visibilities: Sequence[str], n: int,
                        filters: Filters | None = None) -> list[tuple[str, float]]:
        """Top ``n`` (sentence id, cosine similarity) over the allowed partitions."""
        return self._query(self.sentences, vector, visibilities, n, filters)

    def sentence_vectors(self, ids_by_visibility: dict[str, list[str]]) -> dict[str, np.ndarray]:
        """Stored sentence vectors by id (``<chunk_id>#s<n>``); missing ids are absent."""
        out: dict[str, np.ndarray] = {}
        for vis, ids in ids_by_visibility.items():
            if not ids or vis not in self.sentences:
                continue
            res = self.sentences[vis].get(ids=ids, include=["embeddings"])
            for sid, vec in zip(res["ids"], res["embeddings"], strict=True):
                out[sid] = np.asarray(vec, dtype=np.float32)
        return out

    def query(self, vector: np.ndarray, visibilities: Sequence[str], n: int,
              filters: Filters | None = None) -> list[tuple[str, float]]:
        """Top ``n`` (chunk_id, cosine similarity) over the allowed partitions."""
        return self._query(self.collections, vector, visibilities, n, filters)

    @staticmethod
    def _query(collections: dict[str, Any], vector: np.ndarray, visibilities: Sequence[str],
               n: int, filters: Filters | None) -> list[tuple[str, float]]:
        where = chroma_where(filters)
        hits: list[tuple[str, float]] = []
        for vis in visibilities:
            col = collections[vis]
            res = col.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                            include=["distances"])
            dists = (res.get("distances") or [[]])[0]
            hits.extend((cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], dists, strict=True))
        hits.sort(key=lambda h: -h[1])
        return hits[:n]

    def count(self) -> dict[str, int]:
        return {v: c.count() for v, c in self.collections.items()}

    def ids(self, visibility: str) -> set[str]:
        col = self.collections[visibility]
        out: set[str] = set()
        total = col.count()
        for off in range(0, total, 5000):
            out.update(col.get(include=[], limit=5000, offset=off)["ids"])
        return out

    def heartbeat(self) -> None:
        self.client.heartbeat()


def _metadata(chunk: Chunk) -> dict[str, Any]:
    """The filterable metadata stored with every vector of ``chunk``."""
    md = chunk.metadata
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id, "doc_type": md.get("doc_type", "article"),
        "title": md.get("title", ""), "visibility": md.get("visibility", "public"),
        "date_int": date_int(md.get("date")),
        "region_key": str(md.get("region", "")).strip().lower(),
        "start": chunk.start, "end": chunk.end, "lang": chunk.lang,
    }
    for key in ("tags", "sectors"):
        if md.get(key):
            meta[key] = [str(v).strip().lower() for v in md[key]]
    return meta
