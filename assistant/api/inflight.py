"""Load shedding: at most ``max_inflight`` requests served at once per worker.

Past that, a request is refused at once with 503 and ``Retry-After`` instead of
queueing behind the others (queued requests only time out later, holding sockets
and memory). Probes and metrics are never shed, so an overloaded worker still
reports itself. Per-key rate limiting (429) is separate: it caps one caller, this
caps the worker.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.middleware import error_response

EXEMPT = ("/healthz", "/readyz", "/metrics")


class InflightLimiter:
    """A plain ASGI middleware counting requests until their response is complete
    (streams included). Runs on the event loop only, so a plain counter is safe."""

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int = 1) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = str(retry_after_s)
        self.inflight = 0
        self.shed = 0  # requests refused since start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:
            self.shed += 1
            rid = str(scope.get("assistant.request_id", ""))
            await error_response(
                503, f"server busy: {self.limit} requests in progress; retry shortly", rid,
                {"Retry-After": self.retry_after})(scope, receive, send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
