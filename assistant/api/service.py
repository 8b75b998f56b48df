"""Per-app service state and the bridge from async routes to the blocking facade.

The facade is synchronous (embedding, BM25, Chroma, the LLM client): every call
runs in a bounded thread pool so the event loop keeps serving other requests, and
under a deadline (``settings.request_timeout_s``) so a stuck call gives a 504
instead of holding the client forever (the thread finishes on its own).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.exceptions import HTTPException

from assistant.api.limits import BAD_KEYS_PER_MINUTE, RateLimiter
from assistant.api.metrics import Metrics
from assistant.appdb import AppDB, FeedbackStore
from assistant.facade import Assistant
from assistant.healthcheck import store_unavailable
from assistant.models import Answer, Caller, Filters
from assistant.rag.condense import Message
from assistant.settings import Settings

T = TypeVar("T")
_END = object()


class KeyRing:
    """API keys -> callers, compared in constant time (no early exit, equal-length digests)."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._entries = [(hashlib.sha256(k.encode()).digest(), role,
                          "key-" + hashlib.sha256(k.encode()).hexdigest()[:12])
                         for k, role in keys.items()]

    def lookup(self, key: str) -> Caller | None:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
        found: Caller | None = None
        for known, role, key_id in self._entries:
            if hmac.compare_digest(digest, known):
                found = Caller(role=role, key_id=key_id)  # type: ignore[arg-type]
        return found


@dataclass
class Service:
    """Everything a request needs; ``assistant``/``db``/``executor`` come with the
    lifespan, the rest with the app."""

    settings: Settings
    metrics: Metrics
    limiter: RateLimiter
    keys: KeyRing
    assistant: Assistant | None = None
    db: AppDB | None = None
    executor: ThreadPoolExecutor | None = None
    owns_assistant: bool = True
    # the website sync worker (assistant.api.routes_sync.SyncJobs), set by its attach()
    sync_jobs: object | None = None
    # signs the end user the UI forwards (assistant.api.identity)
    client_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    bad_keys: RateLimiter = field(default_factory=lambda: RateLimiter(BAD_KEYS_PER_MINUTE))

    @property
    def feedback(self) -> FeedbackStore | None:
        return self.db.feedback if self.db is not None else None

    def database(self) -> AppDB:
        if self.db is None:
            raise HTTPException(503, "the service is starting")
        return self.db

    @property
    def ready(self) -> bool:
        return self.assistant is not None and self.executor is not None

    def core(self) -> Assistant:
        if self.assistant is None:
            raise HTTPException(503, "the service is starting")
        return self.assistant

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``fn(*args)`` in the thread pool, or a 504 after the request timeout."""
        if self.executor is None:
            raise HTTPException(503, "the service is starting")
        limit = timeout or self.settings.request_timeout_s
        fut = asyncio.get_running_loop().run_in_executor(self.executor,
                                                         functools.partial(fn, *args))
        try:
            return await asyncio.wait_for(fut, limit)
        except TimeoutError:
            raise HTTPException(504, f"no result within {limit:g} s") from None
        except Exception as exc:
            _raise_if_unavailable(exc)
            raise

    async def iterate(self, make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
        """Items of a blocking iterator, each fetched in the pool, all under one deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.request_timeout_s
        it: Iterator[T] | None = None
        while True:
            left = deadline - loop.time()
            if left <= 0 or self.executor is None:
                raise HTTPException(504, "the answer took too long")
            # making the iterator may already do work (the facade routes eagerly)
            step: Callable[[], Any] = make if it is None else functools.partial(next, it, _END)
            try:
                item = await asyncio.wait_for(loop.run_in_executor(self.executor, step), left)
            except TimeoutError:
                raise HTTPException(504, "the answer took too long") from None
            except Exception as exc:
                _raise_if_unavailable(exc)
                raise
            if it is None:
                it = item
            elif item is _END:
                return
            else:
                yield item

    # -- answers ---------------------------------------------------------------------
    def answer(self, messages: Sequence[Message], caller: Caller, filters: Filters | None,
               conversation_id: str | None = None) -> tuple[str, Answer]:
        """Blocking: answer and record it (for feedback); returns ``(answer_id, answer)``."""
        ans = self.core().ask(list(messages), caller, filters)
        return self.record(messages, caller, ans, conversation_id), ans

    def record(self, messages: Sequence[Message], caller: Caller, ans: Answer,
               conversation_id: str | None = None) -> str:
        """Blocking: store the answer under a new id (and, in a stored conversation, the
        question and answer as its next two messages) and count it in the metrics."""
        answer_id = uuid.uuid4().hex
        if self.db is not None:
            self.db.feedback.record_answer(answer_id, caller, messages[-1].content, ans)
            if conversation_id is not None:
                self.db.conversations.append(conversation_id, caller.key_id,
                                             messages[-1].content, answer_id, ans)
        self.metrics.observe_answer(ans)
        return answer_id


def _raise_if_unavailable(exc: Exception) -> None:
    """A vector store outage becomes a 503 with Retry-After; other errors go on."""
    reason = store_unavailable(exc)
    if reason is not None:
        raise HTTPException(503, reason, headers={"Retry-After": "5"}) from exc
