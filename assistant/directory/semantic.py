"""Sector synonyms the vocabulary does not know, matched with the existing embeddings.

"genomica" or "wearable" are not sector labels; the e5 model usually knows which
label they are closest to. Its cosine scores are compressed (0.77-0.89 between
related and unrelated texts, see the shared notes), so a match must both clear an
absolute floor and beat the second-best sector by a margin; anything less is "no
match", and the question then goes to normal retrieval instead of the directory.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.directory.vocab import SECTOR_EN
from assistant.text import fold

# calibrated on the demo profiles' 12 sectors (see docs/directory.md): related
# phrases score >= 0.90 against their sector, unrelated ones stay below
MIN_SCORE = 0.895
MARGIN = 0.02


class QueryEmbedder(Protocol):
    def embed_query(self, text: str) -> np.ndarray: ...


class SectorMatcher:
    """Nearest sector label to a phrase, or None when the match is not clear-cut."""

    def __init__(self, embedder: QueryEmbedder, min_score: float = MIN_SCORE,
                 margin: float = MARGIN) -> None:
        self.embedder = embedder
        self.min_score = min_score
        self.margin = margin
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _vector(self, text: str) -> np.ndarray:
        # labels are embedded once per process; the query side of e5 is used for both
        # sides because a label and a phrase are the same kind of text (symmetric task)
        with self._lock:
            vec = self._vectors.get(text)
        if vec is None:
            vec = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
            with self._lock:
                self._vectors[text] = vec
        return vec

    def _names(self, label: str) -> list[str]:
        """The label with its English name: both languages can ask."""
        names = [label]
        if label in SECTOR_EN:
            names.append(SECTOR_EN[label])
        return names

    def scores(self, phrase: str, labels: Sequence[str]) -> dict[str, float]:
        """Cosine of ``phrase`` with each label (best of its names)."""
        q = self._vector(fold(phrase))
        return {label: max(float(q @ self._vector(n)) for n in self._names(label))
                for label in labels}

    def match(self, phrase: str, labels: Sequence[str]) -> str | None:
        """The one label clearly closest to ``phrase``, else None."""
        if not phrase.strip() or not labels:
            return None
        ranked = sorted(self.scores(phrase, labels).items(), key=lambda kv: -kv[1])
        best, score = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        words = set(fold(phrase).split())
        if any(words < set(fold(n).split()) for n in self._names(best)):
            return None  # "ricerca" is not "ricerca clinica": a bare head word is too vague
        if score >= self.min_score and score - second >= self.margin:
            return best
        return None

