"""The seam of the core: what indexing and retrieval need of an embedder.

The production class is :class:`assistant.embed.Embedder` (multilingual-e5-small,
with a passage cache). Anything with these methods can stand in
(``build_assistant(settings, embedder=...)``): the tests use a deterministic
hash-based embedder where the model is not what is being tested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """L2-normalised vectors of one dimension for queries and passages."""

    calls: int  # texts actually sent to the model (cache misses)

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str],
                       progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    @property
    def pools_spans(self) -> bool:
        """Whether :meth:`embed_with_spans` pools span vectors from one encoder pass
        (late chunking); when False, sentences are embedded as texts of their own."""
        ...

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def close(self) -> None: ...
