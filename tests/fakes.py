"""Deterministic stand-ins for the models, for tests where the model is not the point.

``FakeEmbedder`` (an ``assistant.protocols.Embedder``): each text becomes the
L2-normalised sum of pseudo-random unit vectors, one per word stem, seeded by the
stem's hash: texts sharing words get a higher cosine, the same text always gets the
same vector, and nothing is loaded (microseconds per text).

``ScriptedLLM`` (an ``assistant.protocols.LLM``): replies set by the test, in
process. ``tests/fake_llm.py`` serves the same behaviours over HTTP for tests of
the real OpenAI client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from assistant.protocols import LLMError
from assistant.settings import Settings
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

    def embed_groups(self, groups: Sequence[Sequence[str]],
                     progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """Each text as :meth:`embed_passages` embeds it; one call per group."""
        self.calls += len(groups)
        out = [np.stack([hash_vector(t) for t in g]).astype(np.float32) if g
               else np.zeros((0, DIM), np.float32) for g in groups]
        if progress is not None:
            progress(len(groups))
        return out

    @property
    def pools_spans(self) -> bool:
        """Sentences are embedded as texts of their own (the "separate" mode)."""
        return False

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None, focused: bool = False
                         ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors, and each span embedded as the text it covers."""
        out = self.embed_passages(texts, progress)
        return out, [np.stack([hash_vector(t[a:b]) for a, b in s]) if s
                     else np.zeros((0, DIM), np.float32) for t, s in zip(texts, spans, strict=True)]

    def close(self) -> None:
        """Nothing to release."""


Messages = list[dict[str, str]]


class ScriptedLLM:
    """Satisfies :class:`assistant.protocols.LLM` without a server.

    ``reply`` is a fixed text or a function of the messages; ``mode`` is ``ok``,
    ``fail`` (every call raises ``LLMError``) or ``fail_midstream`` (a stream yields
    half the reply, then raises). Every request's messages are kept in ``requests``.
    Tool calls (``client``) are not scripted: code that needs them gets an error and
    takes its fallback path.
    """

    def __init__(self, reply: str | Callable[[Messages], str] = "Risposta di prova [1].",
                 settings: Settings | None = None) -> None:
        self.reply = reply
        self.mode = "ok"
        self.model = "scripted"
        self.settings = settings or Settings()
        self.client: Any = None
        self.requests: list[Messages] = []

    def _text(self, messages: Messages) -> str:
        self.requests.append(messages)
        if self.mode == "fail":
            raise LLMError("scripted failure")
        return self.reply(messages) if callable(self.reply) else self.reply

    def complete(self, messages: Messages, max_tokens: int | None = None) -> str:
        return self._text(messages)

    def stream(self, messages: Messages, max_tokens: int | None = None) -> Iterator[str]:
        text = self._text(messages)
        words = text.split(" ")
        if self.mode == "fail_midstream":
            yield " ".join(words[: len(words) // 2])
            raise LLMError("scripted failure mid-stream")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word

    def ping(self) -> None:
        if self.mode == "fail":
            raise LLMError("scripted failure")
