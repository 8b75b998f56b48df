"""Server mode: the manifest lives in the Chroma server, so every worker sees one index.

With ``ASSISTANT_CHROMA_HOST`` set, several API workers (on one or several machines)
and the ingestion job share a Chroma server. A local SQLite manifest per process
would let them drift apart (documents written through worker A unknown to worker
B's BM25 and document list), so in server mode the manifest is three small
collections in the same server, next to the vectors:

* ``assistant_docs``: one record per document (its text as the record document,
  status, hashes and metadata as record metadata, a fresh ``write_id`` per write);
* ``assistant_chunks``: one record per chunk (text, offsets, language, the lexical
  tokens and the chunk metadata as JSON) -- what BM25 and the answers need;
* ``assistant_meta``: one record, ``generation``, whose random ``token`` every
  writer replaces after each document write or delete.

A worker polls the token at most every ``ASSISTANT_CHROMA_SYNC_MS`` (one tiny
request, only when a query comes); when it moved, the worker diffs the document
records against its cache and fetches the chunk records of the documents whose
``write_id`` changed, then rebuilds its BM25 tiers in memory. The token is read
before the data and written after it, so a worker can read more than the token
promised but never less: staleness is bounded by the poll interval plus one
rebuild. Chroma has no transactions, so a document is still written pending ->
chunks -> done, and a crash leaves a ``pending`` record the next write redoes.
The records need no vectors: they carry a constant one-dimensional placeholder.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from assistant.models import Chunk, Document
from assistant.stores.manifest import ChunkRow, DocRow
from assistant.text import analyze

DOCS, CHUNKS, META = "assistant_docs", "assistant_chunks", "assistant_meta"
GENERATION = "generation"
_NOVEC = [0.0]  # manifest records are looked up by id and metadata, never by vector
_BATCH = 2000  # well under Chroma's ~5,400 records per request


def _doc_meta(doc: Document, status: str, n_chunks: int, write_id: str) -> dict[str, Any]:
    return {"source": doc.source, "content_hash": doc.content_hash if status == "done" else "",
            "doc_type": doc.doc_type, "title": doc.title, "visibility": doc.visibility,
            "status": status, "n_chunks": n_chunks, "updated": time.time(),
            "meta": json.dumps(doc.metadata, ensure_ascii=False, default=str),
            "write_id": write_id}


def _doc_row(doc_id: str, m: dict[str, Any]) -> DocRow:
    return DocRow(doc_id, str(m["source"]), str(m["content_hash"]), str(m["doc_type"]),
                  str(m["title"]), str(m["visibility"]), str(m["status"]),
                  int(m["n_chunks"]), json.loads(m["meta"]))


def _chunk_row(chunk_id: str, text: str, m: dict[str, Any]) -> ChunkRow:
    return ChunkRow(chunk_id, str(m["doc_id"]), str(m["visibility"]), text, int(m["start"]),
                    int(m["end"]), str(m["lang"]), json.loads(m["tokens"]),
                    json.loads(m["meta"]))


class ChromaManifest:
    """The :class:`ManifestStore` interface over collections of the Chroma server.

    ``version`` is the shared generation token (polled at most every ``sync_s``);
    ``iter_chunks`` serves a per-process cache of chunk rows kept in step with the
    server by diffing document ``write_id``s. Thread-safe.
    """

    def __init__(self, client: Any, sync_s: float = 0.5) -> None:  # noqa: D107
        self.client = client
        self.sync_s = sync_s
        self._lock = threading.RLock()
        self.docs_col = client.get_or_create_collection(DOCS)
        self.chunks_col = client.get_or_create_collection(CHUNKS)
        self.meta_col = client.get_or_create_collection(META)
        self._token = 0
        self._polled = float("-inf")
        self._synced: int | None = None  # the token the row cache was synced after
        self._rows: dict[str, list[ChunkRow]] = {}
        self._seen: dict[str, str] = {}  # doc_id -> write_id of the cached rows

    # -- the generation token ----------------------------------------------------------
    @property
    def version(self) -> int:
        """The shared generation token (0 before the first write), re-read at most every
        ``sync_s`` seconds; Chroma errors propagate (the caller answers 503)."""
        with self._lock:
            now = time.monotonic()
            if now - self._polled >= self.sync_s:
                got = self.meta_col.get(ids=[GENERATION], include=["metadatas"])
                metas = got.get("metadatas") or []
                self._token = int(metas[0]["token"]) if metas else 0
                self._polled = now
            return self._token

    def _bump(self) -> None:
        token = secrets.randbits(60) | 1  # never 0, never the same twice in practice
        self.meta_col.upsert(ids=[GENERATION], embeddings=[_NOVEC],
                             metadatas=[{"token": token, "at": time.time()}])
        with self._lock:
            self._token, self._polled = token, time.monotonic()

    def check(self) -> None:
        """Raise if the server does not answer (or our collections cannot be read)."""
        self.client.heartbeat()
        self.docs_col.count()

    # -- documents ---------------------------------------------------------------------
    def docs(self) -> dict[str, DocRow]:
        got = self.docs_col.get(include=["metadatas"])
        return {i: _doc_row(i, m) for i, m in zip(got["ids"], got["metadatas"] or [],
                                                  strict=True)}

    def has_doc(self, doc_id: str) -> bool:
        return bool(self.docs_col.get(ids=[doc_id], include=[])["ids"])

    def doc_text(self, doc_id: str) -> str | None:
        got = self.docs_col.get(ids=[doc_id], include=["documents"])
        return str(got["documents"][0]) if got["ids"] and got["documents"] else None

    def mark_pending(self, doc: Document, old_visibility: str | None = None) -> None:
        """Step 1 of a write; an existing record keeps its last committed hash."""
        if self.has_doc(doc.doc_id):
            self.docs_col.update(ids=[doc.doc_id], metadatas=[{"status": "pending",
                                                               "updated": time.time()}])
        else:
            self.docs_col.upsert(ids=[doc.doc_id], embeddings=[_NOVEC], documents=[doc.text],
                                 metadatas=[_doc_meta(doc, "pending", 0, "")])

    def mark_removing(self, doc_id: str) -> None:
        """Step 1 of a removal: a crash before :meth:`remove_doc` leaves it pending."""
        self.docs_col.update(ids=[doc_id], metadatas=[{"status": "pending",
                                                       "updated": time.time()}])

    def commit_doc(self, doc: Document, chunks: list[Chunk]) -> None:
        """Step 2: replace the document's chunk records, then mark it done, then bump."""
        rows = [ChunkRow(c.chunk_id, c.doc_id, doc.visibility, c.text, c.start, c.end, c.lang,
                         analyze(c.embed_text, c.lang), c.metadata) for c in chunks]
        self._delete_chunks(doc.doc_id)
        for b in range(0, len(rows), _BATCH):
            part = rows[b:b + _BATCH]
            self.chunks_col.upsert(
                ids=[r.chunk_id for r in part], embeddings=[_NOVEC] * len(part),
                documents=[r.text for r in part],
                metadatas=[{"doc_id": r.doc_id, "visibility": r.visibility, "start": r.start,
                            "end": r.end, "lang": r.lang, "tokens": json.dumps(r.tokens),
                            "meta": json.dumps(r.meta, ensure_ascii=False, default=str)}
                           for r in part])
        write_id = uuid.uuid4().hex
        self.docs_col.upsert(ids=[doc.doc_id], embeddings=[_NOVEC], documents=[doc.text],
                             metadatas=[_doc_meta(doc, "done", len(rows), write_id)])
        with self._lock:
            self._rows[doc.doc_id], self._seen[doc.doc_id] = rows, write_id
        self._bump()

    def _delete_chunks(self, doc_id: str) -> None:
        # a read first: a delete is a server write (~50 ms), a new document has nothing
        ids = self.chunks_col.get(where={"doc_id": doc_id}, include=[])["ids"]
        if ids:
            self.chunks_col.delete(ids=list(ids))

    def remove_doc(self, doc_id: str) -> None:
        self._delete_chunks(doc_id)
        self.docs_col.delete(ids=[doc_id])
        with self._lock:
            self._rows.pop(doc_id, None)
            self._seen.pop(doc_id, None)
        self._bump()

    # -- chunks ------------------------------------------------------------------------
    def iter_chunks(self, visibilities: Iterable[str] | None = None) -> Iterator[ChunkRow]:
        """All chunk rows (optionally of some visibilities) by chunk id, synced first if
        the generation token moved since the last sync."""
        vis = None if visibilities is None else set(visibilities)
        with self._lock:
            token = self.version  # read before the data: see the module docstring
            if token != self._synced:
                self._sync()
                self._synced = token
            rows = [r for rs in self._rows.values() for r in rs
                    if vis is None or r.visibility in vis]
        rows.sort(key=lambda r: r.chunk_id)
        yield from rows

    def _sync(self) -> None:
        """Bring the row cache in line with the server's document records."""
        current = {i: m for i, m in zip(*self._doc_metas(), strict=True)}
        for doc_id in [d for d in self._rows if d not in current]:
            del self._rows[doc_id]
            self._seen.pop(doc_id, None)
        # a pending document keeps the rows it had (as SQLite keeps them until commit)
        stale = [d for d, m in current.items() if self._seen.get(d) != m["write_id"]
                 and not (m["status"] != "done" and d in self._rows)]
        if not stale:
            return
        fetched: dict[str, list[ChunkRow]] = {d: [] for d in stale}
        for ids, texts, metas in self._chunk_records(stale, whole=len(stale) > len(current) / 2):
            for cid, text, m in zip(ids, texts, metas, strict=True):
                if m["doc_id"] in fetched:
                    fetched[m["doc_id"]].append(_chunk_row(cid, text, m))
        for doc_id, rows in fetched.items():
            self._rows[doc_id] = rows
            self._seen[doc_id] = str(current[doc_id]["write_id"])

    def _doc_metas(self) -> tuple[list[str], list[dict[str, Any]]]:
        got = self.docs_col.get(include=["metadatas"])
        return list(got["ids"]), list(got["metadatas"] or [])

    def _chunk_records(self, doc_ids: list[str], whole: bool
                       ) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        """Chunk records of ``doc_ids``: one request for everything when most documents
        changed (a fresh worker), else by batches of document ids."""
        batches: list[dict[str, Any] | None] = [None] if whole else [
            {"doc_id": {"$in": doc_ids[b:b + 500]}} for b in range(0, len(doc_ids), 500)]
        for where in batches:
            got = self.chunks_col.get(where=where, include=["documents", "metadatas"])
            yield list(got["ids"]), list(got["documents"] or []), list(got["metadatas"] or [])

    def chunk_count(self) -> int:
        return int(self.chunks_col.count())

    def close(self) -> None:
        """Nothing to release: the Chroma client belongs to the :class:`Index`."""
