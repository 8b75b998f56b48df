"""The index: manifest + Chroma + lexical BM25, kept in step by one writer.

``Index.ingest`` makes the index match the corpus incrementally: unchanged
documents cost nothing, a changed one has exactly its chunks replaced, a removed
file's chunks go. Each document is written as pending -> vectors -> done, so a
``kill -9`` at any point is repaired by the next run.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import DIM, Embedder
from assistant.ingest.chunk import CHUNKER_VERSION, chunk_document, embedded_sentence_spans
from assistant.ingest.load import LoadError, iter_corpus_files, load_file
from assistant.ingest.written import Embedded, IngestReport, split_by_document
from assistant.models import Chunk, Document
from assistant.protocols import Embedder as EmbedderSeam
from assistant.settings import Settings
from assistant.stores.lock import IndexLock
from assistant.stores.open import open_stores
from assistant.stores.vector import sentence_texts
from assistant.text import TOKENIZER_VERSION

# bump when what is stored per chunk changes; "2": sentence vectors beside chunk vectors,
# so an index built before them is redone instead of silently ranking without them
LAYOUT_VERSION = "2"

Progress = Callable[[str, int, int], None]
DOC_BATCH = 64


class Index:
    """Owns the index directory (single-writer lock) and every store in it."""

    def __init__(self, settings: Settings, embedder: EmbedderSeam | None = None,
                 lock: bool = True, rebuild: bool = False) -> None:
        self.settings = settings
        self.dir = settings.index_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        # server mode: the Chroma server serialises writers, no local folder to guard
        self._lock = IndexLock(self.dir).acquire() if lock and not settings.chroma_host else None
        try:
            if rebuild:
                wipe_index(self.dir)
            # a caller-supplied embedder (shared cache) is the caller's to close
            self._owns_embedder = embedder is None
            self.embedder = embedder or Embedder(self.dir / "embeddings.sqlite",
                                                 settings.embed_engine, settings.embed_threads)
            stores = open_stores(settings, wipe_server_first=rebuild)
            self.manifest, self.vectors, self.lexical = (stores.manifest, stores.vectors,
                                                         stores.lexical)
        except BaseException:
            self.close()
            raise

    # -- single documents (also used by the API) ------------------------------------
    def upsert_document(self, doc: Document, vectors: Any = None,
                        chunks: list[Chunk] | None = None,
                        sentences: list[np.ndarray] | None = None) -> int:
        """Index ``doc`` replacing any previous version; returns its chunk count.

        ``vectors`` and ``sentences`` (as from :meth:`embed_chunks`) are computed
        when not given."""
        chunks = chunks if chunks is not None else self.chunk(doc)
        if vectors is None or sentences is None:
            vectors, sentences = self.embed_chunks(chunks)
        self.upsert_documents([(doc, chunks, vectors, sentences)])
        return len(chunks)

    def upsert_documents(self, batch: list[Embedded]) -> None:
        """Index embedded documents, each replacing its previous version.

        All are marked pending first, their vectors go to Chroma in one write per
        partition (a write costs ~13 ms whatever its size: per document, that was
        most of Chroma's share of a cold ingest), then each is committed. A crash
        in between leaves them pending, and the next run redoes them.
        """
        for doc, *_ in batch:
            existing = self.manifest.has_doc(doc.doc_id)  # not docs(): O(n) per document
            self.manifest.mark_pending(doc)
            if existing:
                self.vectors.delete_doc(doc.doc_id)
        by_visibility: dict[str, list[Embedded]] = {}
        for item in batch:
            by_visibility.setdefault(item[0].visibility, []).append(item)
        for vis, items in by_visibility.items():
            chunks = [c for _, cs, _, _ in items for c in cs]
            vectors = np.concatenate([np.asarray(v, dtype=np.float32).reshape(-1, DIM)
                                      for _, _, v, _ in items])
            self.vectors.add(vis, chunks, vectors)
            self.vectors.add_sentences(vis, chunks, [s for _, _, _, ss in items for s in ss])
        for doc, chunks, _, _ in batch:
            self.manifest.commit_doc(doc, chunks)

    def embed_chunks(self, chunks: list[Chunk], progress: Callable[[int], None] | None = None
                     ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Chunk vectors and, per chunk, its sentence vectors (cache first).

        ``separate``: each "title + sentence" embedded as a text of its own; ``packed``:
        the same vectors, a chunk and its sentences in one encoder row (one call per
        chunk); ``late`` (fast engine): pooled from the chunk's own pass (cheaper,
        lower recall). Costs and recall: docs/embedding.md.
        """
        texts = [c.embed_text for c in chunks]
        if self.settings.sentence_vectors == "packed" and chunks:
            groups = self.embedder.embed_groups(
                [[t, *sentence_texts(c)] for t, c in zip(texts, chunks, strict=True)], progress)
            return np.stack([g[0] for g in groups]), [g[1:] for g in groups]
        mode = self._sentence_mode()
        if mode in ("late", "focused"):
            return self.embedder.embed_with_spans(
                texts, [embedded_sentence_spans(c) for c in chunks], progress,
                focused=mode == "focused")
        vectors = self.embedder.embed_passages(texts, progress=progress)
        per_chunk = [sentence_texts(c) for c in chunks]
        flat = self.embedder.embed_passages([t for ts in per_chunk for t in ts])
        bounds = np.cumsum([0] + [len(ts) for ts in per_chunk])
        return vectors, [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def remove_document(self, doc_id: str) -> bool:
        """Remove a document and its chunks; False if it was not indexed."""
        if not self.manifest.has_doc(doc_id):
            return False
        self.manifest.mark_removing(doc_id)  # a crash now leaves it pending, not half-gone
        self.vectors.delete_doc(doc_id)
        self.manifest.remove_doc(doc_id)
        return True

    def versioned(self, content_hash: str) -> str:
        """The hash stored in the manifest: ``content_hash`` salted with everything that
        shapes the stored chunks (a new chunker or layout must redo unchanged sources)."""
        s = self.settings
        salt = (f"chunker{CHUNKER_VERSION}/{s.chunk_tokens}/{s.chunk_overlap_tokens}"
                f"/repair={s.repair_scraped_text}/tokens{TOKENIZER_VERSION}/layout{LAYOUT_VERSION}"
                f"/sentences={self._sentence_mode()}")
        return hashlib.sha256(f"{content_hash}/{salt}".encode()).hexdigest()

    def _sentence_mode(self) -> str:
        """What the stored sentence vectors are (``Settings.stored_sentence_vectors``),
        given that an injected embedder may not pool spans either."""
        mode = self.settings.stored_sentence_vectors
        return mode if self.embedder.pools_spans else "separate"

    def chunk(self, doc: Document) -> list[Chunk]:
        return chunk_document(doc, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens)

    # -- whole corpus ------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path] | None = None, progress: Progress | None = None
               ) -> IngestReport:
        """Bring the index in line with the corpus (or with ``paths`` inside it)."""
        t0, calls0 = time.perf_counter(), self.embedder.calls
        report = IngestReport()
        root = self.settings.corpus_dir
        files, scope = self._files(root, paths, report)
        docs = self.load_files(files, root, report, progress)
        existing = self.manifest.docs()
        changed = [d for d in docs if not (d.doc_id in existing
                                           and existing[d.doc_id].status == "done"
                                           and existing[d.doc_id].content_hash == d.content_hash)]
        report.unchanged = len(docs) - len(changed)
        self._write(changed, existing, report, progress)
        seen = {d.doc_id for d in docs}
        for doc_id, row in existing.items():
            if is_web_source(row.source):
                continue  # a synced web page: `assistant sync --prune` owns its removal
            in_scope = any(s == "" or row.source == s
                           or row.source.startswith(s.rstrip("/") + "/") for s in scope)
            if in_scope and doc_id not in seen and row.source not in report.failed:
                self.remove_document(doc_id)
                report.removed.append(doc_id)
        self.lexical.refresh()
        for vis in (("public",), ("public", "members")):
            self.lexical.tier(vis)  # rebuild + persist now, not on the first query
        report.embed_calls = self.embedder.calls - calls0
        report.seconds = time.perf_counter() - t0
        return report

    def _files(self, root: Path, paths: Iterable[Path] | None,
               report: IngestReport) -> tuple[list[Path], list[str]]:
        if not root.is_dir():
            raise FileNotFoundError(f"corpus directory not found: {root}")
        if paths is None:
            return list(iter_corpus_files(root)), [""]
        files: list[Path] = []
        scope: list[str] = []
        for p in paths:
            p = Path(p)
            try:
                rel = p.resolve().relative_to(root.resolve())
            except (ValueError, RuntimeError):  # RuntimeError: a symlink loop
                report.failed[str(p)] = f"outside the corpus directory {root}"
                continue
            scope.append("" if str(rel) == "." else rel.as_posix())
            inside = root / rel
            if inside.is_dir():
                files.extend(iter_corpus_files(inside))
            elif inside.exists() or inside.is_symlink():
                files.append(inside)
            elif not any(r.source == scope[-1] or r.source.startswith(scope[-1] + "/")
                         for r in self.manifest.docs().values()):
                report.failed[str(p)] = "no such file in the corpus or the index"
            # a path that is gone but indexed stays in scope: its documents are removed
        return files, scope

    def load_files(self, files: list[Path], root: Path, report: IngestReport,
                   progress: Progress | None) -> list[Document]:
        docs: dict[str, Document] = {}
        for i, path in enumerate(files, 1):
            rel = path.relative_to(root).as_posix()
            try:
                loaded = load_file(path, root, self.settings.max_file_bytes,
                                   repair=self.settings.repair_scraped_text,
                                   max_chars=self.settings.max_doc_chars)
                ids: set[str] = set()
                for doc in loaded:  # a file is taken whole or not at all (CSV rows too)
                    if doc.doc_id in docs or doc.doc_id in ids:
                        raise LoadError(f"duplicate document id {doc.doc_id!r}")
                    ids.add(doc.doc_id)
                for doc in loaded:
                    doc.content_hash = self.versioned(doc.content_hash)
                    docs[doc.doc_id] = doc
                    if doc.metadata.get("repaired_splits"):
                        report.repairs[doc.source] = int(doc.metadata["repaired_splits"])
            except LoadError as exc:
                report.failed[rel] = str(exc)
            if progress:
                progress("load", i, len(files))
        return list(docs.values())

    def _write(self, changed: list[Document], existing: dict[str, Any], report: IngestReport,
               progress: Progress | None) -> None:
        all_chunks = {d.doc_id: self.chunk(d) for d in changed}
        total = sum(len(c) for c in all_chunks.values())
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("embed", done, total)

        if progress:
            progress("embed", 0, total)
        for b in range(0, len(changed), DOC_BATCH):
            batch = changed[b:b + DOC_BATCH]
            vecs, sents = self.embed_chunks([c for d in batch for c in all_chunks[d.doc_id]],
                                            progress=tick)
            self.upsert_documents(split_by_document(batch, all_chunks, vecs, sents))
            for doc in batch:
                report.chunks_written += len(all_chunks[doc.doc_id])
                (report.updated if doc.doc_id in existing else report.added).append(doc.doc_id)

    def stats(self) -> dict[str, Any]:
        docs = self.manifest.docs().values()
        by_type: dict[str, dict[str, int]] = {}
        for d in docs:
            t = by_type.setdefault(d.doc_type, {"documents": 0, "chunks": 0})
            t["documents"] += 1
            t["chunks"] += d.n_chunks
        return {"by_type": by_type, "vectors": self.vectors.count(),
                "pending": sum(d.status != "done" for d in docs)}

    def close(self) -> None:
        for attr in ("manifest", "embedder"):
            if attr == "embedder" and not getattr(self, "_owns_embedder", True):
                continue
            obj = getattr(self, attr, None)
            if obj is not None:
                obj.close()
        # stop this process's Chroma system on the folder: a later Index (or --rebuild,
        # which deletes the folder) in the same process must not reuse stale handles
        vectors = getattr(self, "vectors", None)
        if vectors is not None and hasattr(vectors.client, "close"):
            vectors.client.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def is_web_source(source: str) -> bool:
    """True for documents synced from a website (their source is the page URL)."""
    return source.startswith(("http://", "https://"))


def wipe_index(index_dir: Path, keep_cache: bool = True) -> None:
    """Delete the index (for ``--rebuild``), keeping the embedding cache by default and
    always the feedback store (answers and ratings are not derived data)."""
    if not index_dir.exists():
        return
    for child in index_dir.iterdir():
        if child.name == ".lock" or child.name.startswith("feedback.") or (
                keep_cache and child.name.startswith("embeddings.")):
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()
