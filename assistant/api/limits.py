"""Per-key rate limiting and the request-body size limit.

The token bucket lives in memory: one process, one set of buckets (with several
workers each has its own, so the effective limit is N times the setting).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

MAX_BODY_BYTES = 1_000_000
BAD_KEYS_PER_MINUTE = 30  # wrong API keys allowed per address a minute
_MAX_BUCKETS = 10_000


class RateLimiter:
    """Token bucket per key: ``per_minute`` tokens of capacity, refilled continuously.

    Used from the event loop only (no lock needed).
    """

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.per_minute = per_minute
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    def take(self, key: str) -> float:
        """0 if a request is allowed now, else the seconds until the next token."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_BUCKETS:
                self._prune(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Forget buckets that are full again (idle clients): they would start full anyway."""
        full = [k for k, (t, last) in self._buckets.items()
                if t + (now - last) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


def limited_receive(receive: Receive, limit: int) -> Receive:
    """Wrap ``receive`` to raise :class:`BodyTooLarge` once more than ``limit`` bytes came.

    Checked while the body streams in, so a chunked upload without Content-Length is
    stopped at the limit instead of being buffered whole. FastAPI re-raises an
    ``HTTPException`` from body parsing, so this turns into a clean 413.
    """
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped
