"""A deterministic stand-in for the e5 model, for tests where the model is not the point.

Each text becomes the L2-normalised sum of pseudo-random unit vectors, one per word
stem, seeded by the stem's hash: texts sharing words get a higher cosine, the same
text always gets the same vector, and nothing is loaded (microseconds per text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from assistant.text import analyze

DIM = 384


@lru_cache(maxsize=65536)
def _term_vector(term: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def hash_vector(text: str) -> np.ndarray:
    """The fake embedding of ``text`` (a fixed vector for a text without words)."""
    terms = analyze(text, "it") or [text.strip().lower() or "<empty>"]
    v = np.sum([_term_vector(t) for t in terms], axis=0).astype(np.float32)
    return v / (np.linalg.norm(v) or 1.0)


class FakeEmbedder:
    """Satisfies :class:`assistant.protocols.Embedder` without a model."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_query(self, text: str) -> np.ndarray:
        return hash_vector(text)

    def embed_passages(self, texts: Sequence[str],
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.calls += len(texts)
        out = np.stack([hash_vector(t) for t in texts]) if texts else np.zeros((0, DIM),
                                                                               np.float32)
        if progress is not None:
            progress(len(texts))
        return out.astype(np.float32)

    @property
    def pools_spans(self) -> bool:
        """Sentences are embedded as texts of their own (the "separate" mode)."""
        return False

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors, and each span embedded as the text it covers."""
        out = self.embed_passages(texts, progress)
        return out, [np.stack([hash_vector(t[a:b]) for a, b in s]) if s
                     else np.zeros((0, DIM), np.float32) for t, s in zip(texts, spans, strict=True)]

    def close(self) -> None:
        """Nothing to release."""
