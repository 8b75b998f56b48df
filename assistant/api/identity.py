"""Who a request comes from, for rate limits: the peer address, or the end user the UI
vouches for.

The UI calls the API over HTTP from the server itself, so every UI user arrives from
the UI's address. The UI therefore forwards the browser's address in
:data:`END_USER_HEADER`, signed with a secret only the API and the UI know
(HMAC-SHA256): a client cannot forge it, and a header with a wrong signature is
ignored. ``X-Forwarded-For`` is handled by uvicorn, and only from
``ASSISTANT_TRUSTED_PROXIES`` (see :func:`assistant.api.server.uvicorn_options`).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

END_USER_HEADER = "X-Assistant-End-User"  # the UI sends it (assistant/ui/client.py)
_MAX_ADDRESS = 64


def sign(address: str, secret: str) -> str:
    """The header value for ``address``: ``address;hex HMAC``."""
    sig = hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"{address};{sig}"


def verified_end_user(value: str | None, secret: str) -> str | None:
    """The address in a header value when its signature is right, else None."""
    if not value or not secret:
        return None
    address, _, _sig = value.rpartition(";")
    if not address or len(address) > _MAX_ADDRESS:
        return None
    return address if hmac.compare_digest(sign(address, secret), value) else None


def client_address(request: Request, secret: str) -> str:
    """The end user's address: the one the UI signed, else the connection's peer."""
    vouched = verified_end_user(request.headers.get(END_USER_HEADER), secret)
    if vouched is not None:
        return "ui:" + vouched
    return request.client.host if request.client else "unknown"
