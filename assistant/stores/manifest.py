"""The manifest: SQLite source of truth for which documents and chunks are indexed.

Each document is written in two committed steps around the Chroma writes
(``pending`` then ``done``), so a crash at any moment leaves a ``pending`` row
that the next ingest redoes from scratch: no duplicates, no orphans.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.models import Chunk, Document
from assistant.text import analyze

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
  doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, content_hash TEXT NOT NULL,
  doc_type TEXT NOT NULL, title TEXT NOT NULL, visibility TEXT NOT NULL,
  status TEXT NOT NULL, n_chunks INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL,
  meta TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, idx INTEGER NOT NULL,
  visibility TEXT NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, end_ INTEGER NOT NULL,
  lang TEXT NOT NULL, tokens TEXT NOT NULL, meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class DocRow:
    doc_id: str
    source: str
    content_hash: str
    doc_type: str
    title: str
    visibility: str
    status: str
    n_chunks: int
    meta: dict[str, Any]


@dataclass
class ChunkRow:
    chunk_id: str
    doc_id: str
    visibility: str
    text: str
    start: int
    end: int
    lang: str
    tokens: list[str]
    meta: dict[str, Any]


class ManifestStore(Protocol):
    """What the index, the lexical index and the service need of a manifest.

    Two implementations: :class:`Manifest` (SQLite in the index folder, one process)
    and :class:`assistant.stores.chroma_manifest.ChromaManifest` (records in a
    Chroma server, shared by several workers). ``version`` changes after every write.
    """

    @property
    def version(self) -> int: ...

    def check(self) -> None: ...

    def docs(self) -> dict[str, DocRow]: ...

    def has_doc(self, doc_id: str) -> bool: ...

    def doc_text(self, doc_id: str) -> str | None: ...

    def mark_pending(self, doc: Document, old_visibility: str | None = None) -> None: ...

    def mark_removing(self, doc_id: str) -> None: ...

    def commit_doc(self, doc: Document, chunks: list[Chunk]) -> None: ...

    def remove_doc(self, doc_id: str) -> None: ...

    def iter_chunks(self, visibilities: Iterable[str] | None = None) -> Iterator[ChunkRow]: ...

    def chunk_count(self) -> int: ...

    def close(self) -> None: ...


class Manifest:
    """Documents, chunks (with their lexical tokens) and a change counter."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def check(self) -> None:
        """Raise ``sqlite3.DatabaseError`` if the file is corrupt."""
        row = self.db.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"manifest integrity check failed: {row}")

    @property
    def version(self) -> int:
        row = self.db.execute("SELECT value FROM kv WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    def _bump(self) -> None:
        self.db.execute("INSERT INTO kv VALUES ('version', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def docs(self) -> dict[str, DocRow]:
        with self._lock:
            rows = self.db.execute("SELECT doc_id, source, content_hash, doc_type, title, "
                                   "visibility, status, n_chunks, meta FROM docs").fetchall()
        return {r[0]: DocRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], int(r[7]),
                             json.loads(r[8])) for r in rows}

    def has_doc(self, doc_id: str) -> bool:
        """True if ``doc_id`` has a row (done or pending); one indexed lookup."""
        with self._lock:
            row = self.db.execute("SELECT 1 FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        return row is not None

    def doc_text(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def mark_pending(self, doc: Document, old_visibility: str | None = None) -> None:
        """Step 1 of a write: record intent before touching the vector store."""
        with self._lock, self.db:
            self.db.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?, 'pending', 0, ?, ?, ?) ON CONFLICT(doc_id) "
                "DO UPDATE SET status='pending', updated=excluded.updated",
                (doc.doc_id, doc.source, "", doc.doc_type, doc.title, doc.visibility,
                 time.time(), json.dumps(doc.metadata), doc.text))

    def mark_removing(self, doc_id: str) -> None:
        """Step 1 of a removal: a crash before :meth:`remove_doc` leaves it pending."""
        with self._lock, self.db:
            self.db.execute("UPDATE docs SET status='pending', updated=? WHERE doc_id=?",
                            (time.time(), doc_id))

    def commit_doc(self, doc: Document, chunks: list[Chunk]) -> None:
        """Step 2: replace the document's chunks and mark it done, atomically."""
        rows = [(c.chunk_id, c.doc_id, c.index, doc.visibility, c.text, c.start, c.end, c.lang,
                 json.dumps(analyze(c.embed_text, c.lang)), json.dumps(c.metadata))
                for c in chunks]
        with self._lock, self.db:
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            self.db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            self.db.execute(
                "REPLACE INTO docs VALUES (?,?,?,?,?,?, 'done', ?, ?, ?, ?)",
                (doc.doc_id, doc.source, doc.content_hash, doc.doc_type, doc.title,
                 doc.visibility, len(chunks), time.time(), json.dumps(doc.metadata), doc.text))
            self._bump()

    def remove_doc(self, doc_id: str) -> None:
        with self._lock, self.db:
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            self.db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,))
            self._bump()

    def iter_chunks(self, visibilities: Iterable[str] | None = None) -> Iterator[ChunkRow]:
        """All chunks (optionally of some visibilities), in a stable order."""
        q = "SELECT chunk_id, doc_id, visibility, text, start, end_, lang, tokens, meta FROM chunks"
        args: list[str] = []
        if visibilities is not None:
            vis = list(visibilities)
            q += f" WHERE visibility IN ({','.join('?' * len(vis))})"
            args = vis
        with self._lock:
            rows = self.db.execute(q + " ORDER BY chunk_id", args).fetchall()
        for r in rows:
            yield ChunkRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]),
                           json.loads(r[8]))

    def chunk_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def close(self) -> None:
        self.db.close()
