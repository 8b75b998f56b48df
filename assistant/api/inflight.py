"""Load shedding and slow bodies: at most ``max_inflight`` API requests at work per worker.

Past that, an API request is refused at once with 503 and ``Retry-After`` instead of
queueing behind the others (queued requests only time out later, holding sockets
and memory). Only work is counted: requests under ``/v1/``, from the moment their
body has fully arrived. An idle socket, a UI tab's Gradio heartbeat or event stream,
the UI's pages, probes and metrics never take a place, so they cannot lock the API
out. A body must arrive within ``body_timeout_s`` (408 otherwise), so a client that
trickles bytes holds a socket for seconds, not a place. Per-key rate limiting (429)
is separate: it caps one caller, this caps the worker.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.limits import BodyTooLarge
from assistant.api.middleware import error_response

COUNTED_PREFIX = "/v1/"


class InflightLimiter:
    """A plain ASGI middleware counting API requests until their response is complete
    (streams included). Runs on the event loop only, so a plain counter is safe."""

    def __init__(self, app: ASGIApp, limit: int, retry_after_s: int = 1,
                 body_timeout_s: float = 10.0) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = str(retry_after_s)
        self.body_timeout = body_timeout_s
        self.inflight = 0
        self.shed = 0  # requests refused since start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(scope.get("assistant.request_id", ""))
        if _has_body(scope):
            try:
                receive = await self._whole_body(receive)
            except TimeoutError:
                await error_response(408, f"request body not received within "
                                     f"{self.body_timeout:g} s", rid,
                                     {"Connection": "close"})(scope, receive, send)
                return
            except BodyTooLarge as exc:
                await error_response(413, exc.detail, rid)(scope, receive, send)
                return
        if not str(scope.get("path", "")).startswith(COUNTED_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:
            self.shed += 1
            await error_response(
                503, f"server busy: {self.limit} requests in progress; retry shortly", rid,
                {"Retry-After": self.retry_after})(scope, receive, send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _whole_body(self, receive: Receive) -> Receive:
        """Read the body under the deadline; a ``receive`` that replays it, then goes on
        with the real one (a streamed response still hears the client disconnect)."""
        chunks: list[bytes] = []
        first: Message | None = None
        async with asyncio.timeout(self.body_timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    first = message  # the client left: pass that on
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        replay: Message = first or {"type": "http.request", "body": b"".join(chunks),
                                    "more_body": False}
        sent = False

        async def replayed() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return replay
            return await receive()

        return replayed


def _has_body(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return "transfer-encoding" in headers or headers.get("content-length", "0") not in ("0", "")
