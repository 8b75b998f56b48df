"""The seams of the core: what indexing, retrieval and answering need of a model.

``Embedder``: the production class is :class:`assistant.embed.Embedder`
(multilingual-e5-small, with a passage cache). ``LLM``: the production class is
:class:`assistant.rag.llm.OpenAILLM` (any OpenAI-compatible server). Anything with
these methods can stand in (``build_assistant(settings, embedder=..., llm=...)``):
the tests use a deterministic hash-based embedder and a scripted LLM where the
model is not what is being tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from assistant.settings import Settings


class Embedder(Protocol):
    """L2-normalised vectors of one dimension for queries and passages."""

    calls: int  # model calls: texts sent to the model (cache misses), or packed groups

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str],
                       progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def embed_groups(self, groups: Sequence[Sequence[str]],
                     progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """The passage vectors of each group's texts (a chunk and its sentences),
        as :meth:`embed_passages` would give them, computed group by group."""
        ...

    @property
    def pools_spans(self) -> bool:
        """Whether :meth:`embed_with_spans` pools span vectors from one encoder pass
        (late chunking, or its focused variant); when False, sentences are embedded as
        texts of their own."""
        ...

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None, focused: bool = False
                         ) -> tuple[np.ndarray, list[np.ndarray]]: ...

    def close(self) -> None: ...


class LLMError(RuntimeError):
    """The LLM could not produce an answer (timeout, HTTP error, bad response)."""


class LLM(Protocol):
    """A chat model. Every failure is raised as :class:`LLMError`, so that callers
    can fall back to the extractive answer or the rule-based reading."""

    model: str  # the model name sent with each request
    settings: Settings  # generation defaults: max tokens, temperature, timeout
    client: Any  # the OpenAI-compatible client, for requests beyond plain chat (tool calls)

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None) -> str:
        """The whole reply text to ``messages`` (``role``/``content`` dicts)."""
        ...

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None
               ) -> Iterator[str]:
        """Reply text deltas as they arrive; raises :class:`LLMError` if the reply
        does not complete."""
        ...

    def ping(self) -> None:
        """Return when the model's server answers, raise :class:`LLMError` otherwise."""
        ...
