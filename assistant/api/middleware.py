"""The outermost layer of our app: request ids, body limit, crash barrier, metrics.

A plain ASGI middleware (not ``BaseHTTPMiddleware``) so streamed responses pass
through untouched and the body can be limited while it is being received.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.limits import limited_receive
from assistant.api.metrics import Metrics

log = logging.getLogger("assistant.api")
REQUEST_ID_KEY = "assistant.request_id"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(request: Request) -> str:
    return str(request.scope.get(REQUEST_ID_KEY, ""))


def error_response(status: int, detail: Any, rid: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The one error shape: ``{"detail": ..., "request_id": ...}``.

    ASCII-escaped JSON, so even a client string echoed in a validation message can
    never fail to encode (which would turn a 4xx into a 500).
    """
    body = json.dumps({"detail": detail, "request_id": rid}, ensure_ascii=True, default=str)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


class ServiceMiddleware:
    """Adds ``X-Request-ID``, enforces the body limit, turns crashes into a clean 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        rid = incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex
        scope[REQUEST_ID_KEY] = rid
        t0 = time.perf_counter()
        status, started = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            if self._declared_length(scope) > self.max_body:
                # refuse before reading a byte of it
                await error_response(413, f"request body larger than {self.max_body} bytes",
                                     rid)(scope, receive, send_with_id)
                return
            await self.app(scope, limited_receive(receive, self.max_body), send_with_id)
        except Exception:
            log.exception("request %s %s failed (request id %s)", scope.get("method"),
                          scope.get("path"), rid)
            if not started:  # after the start of a stream there is nothing left to send
                await error_response(500, "internal server error", rid)(
                    scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            self.metrics.observe_request(scope.get("method", ""), route, status,
                                         time.perf_counter() - t0)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        try:
            return int(Headers(scope=scope).get("content-length", "0"))
        except ValueError:
            return 0
