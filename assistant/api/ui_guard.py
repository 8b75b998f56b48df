"""Limits on the UI's anonymous file uploads (``POST .../gradio_api/upload``).

The browser uploads a file to Gradio before any event runs, without the API key
(which is a component value, not a header), so the endpoint cannot require the key.
It is bounded instead: at most 1 MB a file (Gradio's ``max_file_size`` and the body
limit), ``ASSISTANT_UI_UPLOADS_PER_MINUTE`` uploads per client address (429 past
it), and every uploaded file is deleted after ``ASSISTANT_UI_CACHE_TTL_S`` (Gradio's
``delete_cache``). Reading an upload into the index still needs a staff key.
"""

from __future__ import annotations

import math

from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api.limits import RateLimiter
from assistant.api.middleware import error_response

UPLOAD_SUFFIX = "/gradio_api/upload"


class UploadGuard:
    """A plain ASGI middleware: a token bucket per client address on Gradio uploads."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST" and \
                str(scope.get("path", "")).rstrip("/").endswith(UPLOAD_SUFFIX):
            client = scope.get("client")
            wait = self.limiter.take(str(client[0]) if client else "unknown")
            if wait > 0:
                rid = str(scope.get("assistant.request_id", ""))
                await error_response(
                    429, f"too many uploads: at most {self.limiter.per_minute} a minute", rid,
                    {"Retry-After": str(math.ceil(wait)), "Connection": "close"})(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)
