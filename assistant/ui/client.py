"""The UI's only way to the service: its public HTTP API, with the user's API key.

Even when the UI is mounted in the API's own process it goes through HTTP, so it
can never see more than the key allows (see docs/ui.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx

CONNECT_TIMEOUT_S = 5.0
CHAT_TIMEOUT_S = 120.0  # between two bytes of the stream (the server pings every 15 s)
DRAFT_TIMEOUT_S = 240.0  # the server allows a draft 180 s
PAGE = 500  # the API's largest page of documents
# the end user's address, signed with a secret shared with the API: the API rate-limits
# each UI user on its own instead of all of them as the UI server's one address
END_USER_HEADER = "X-Assistant-End-User"


def end_user_value(address: str, secret: str) -> str:
    """``address;hex HMAC-SHA256(secret, address)``: a client cannot forge it."""
    sig = hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"{address};{sig}"


class ApiError(Exception):
    """A failed API call: HTTP ``status`` (0 when unreachable) and the server's detail."""

    def __init__(self, status: int, detail: str, retry_after: str | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


def _detail(resp: httpx.Response) -> str:
    """The ``detail`` of an error response, as one readable line."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300] or resp.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):  # validation errors
        return "; ".join(str(e.get("msg", e)) if isinstance(e, dict) else str(e)
                         for e in detail)[:300]
    return str(detail)[:300]


def _check(resp: httpx.Response) -> httpx.Response:
    if resp.status_code >= 400:
        raise ApiError(resp.status_code, _detail(resp), resp.headers.get("retry-after"))
    return resp


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """``(event, data)`` pairs from Server-Sent Events lines (JSON data, comments skipped)."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                raw = "\n".join(data)
                try:
                    yield event, json.loads(raw)
                except ValueError:
                    yield event, raw
            event, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:
        yield event, json.loads("\n".join(data))


class ApiClient:
    """A thin client of ``/v1`` for one user (one API key, possibly none)."""

    def __init__(self, base_url: str, key: str | None = None,
                 transport: httpx.BaseTransport | None = None,
                 end_user: str | None = None) -> None:
        """``end_user``: the signed :data:`END_USER_HEADER` value for the API's rate limit."""
        self.base_url = base_url.rstrip("/")
        self.key = (key or "").strip() or None
        self.transport = transport
        self.end_user = end_user

    def _client(self, read_timeout: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        if self.end_user:
            headers[END_USER_HEADER] = self.end_user
        return httpx.Client(base_url=self.base_url, headers=headers, transport=self.transport,
                            timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT_S))

    def _call(self, method: str, path: str, read_timeout: float = 60.0,
              **kw: Any) -> httpx.Response:
        try:
            with self._client(read_timeout) as c:
                return _check(c.request(method, path, **kw))
        except httpx.TransportError as exc:
            raise ApiError(0, f"{type(exc).__name__}: {exc}") from None

    def me(self) -> dict[str, Any]:
        """``{"role": ...}`` for this key (401 for an unknown key)."""
        return dict(self._call("GET", "/v1/me").json())

    def chat_stream(self, messages: list[dict[str, str]],
                    filters: dict[str, Any] | None = None,
                    conversation_id: str | None = None) -> Iterator[tuple[str, Any]]:
        """The SSE events of ``POST /v1/chat``: token, reset, citations, done, error.
        With ``conversation_id`` send only the new message: the server has the rest."""
        body: dict[str, Any] = {"messages": messages, "stream": True}
        if conversation_id:
            body["conversation_id"] = conversation_id
        if filters:
            body["filters"] = filters
        try:
            with self._client(CHAT_TIMEOUT_S) as c, \
                    c.stream("POST", "/v1/chat", json=body) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    _check(resp)
                yield from parse_sse(resp.iter_lines())
        except httpx.TransportError as exc:
            raise ApiError(0, f"{type(exc).__name__}: {exc}") from None

    def feedback(self, answer_id: str, rating: str, comment: str | None = None) -> int:
        body: dict[str, Any] = {"answer_id": answer_id, "rating": rating}
        if comment:
            body["comment"] = comment[:2000]
        return int(self._call("POST", "/v1/feedback", json=body).json()["feedback_id"])

    def documents(self, doc_type: str | None = None) -> dict[str, Any]:
        """The first page (up to 500) of the documents visible to this key."""
        params: dict[str, Any] = {"limit": PAGE}
        if doc_type:
            params["doc_type"] = doc_type
        return dict(self._call("GET", "/v1/documents", params=params).json())

    def upload(self, doc_id: str, filename: str, content: bytes,
               visibility: str | None = None) -> dict[str, Any]:
        """Create or replace ``doc_id`` from a file (indexed before this returns)."""
        data = {"visibility": visibility} if visibility else {}
        return dict(self._call("PUT", _doc_path(doc_id), read_timeout=180.0, data=data,
                               files={"file": (filename, content)}).json())

    def delete(self, doc_id: str) -> None:
        self._call("DELETE", _doc_path(doc_id))

    def draft(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/v1/drafts", read_timeout=DRAFT_TIMEOUT_S,
                               json=body).json())


    # -- stored conversations (keyed callers) and the staff's gap report -----------------
    def conversations(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v1/conversations",
                               params={"limit": 100}).json()["conversations"])

    def create_conversation(self, title: str = "") -> dict[str, Any]:
        return dict(self._call("POST", "/v1/conversations", json={"title": title}).json())

    def conversation(self, conv_id: str) -> dict[str, Any]:
        return dict(self._call("GET", _conv_path(conv_id)).json())

    def rename_conversation(self, conv_id: str, title: str) -> dict[str, Any]:
        return dict(self._call("PATCH", _conv_path(conv_id), json={"title": title}).json())

    def delete_conversation(self, conv_id: str) -> None:
        self._call("DELETE", _conv_path(conv_id))

    def export_conversation(self, conv_id: str) -> str:
        return self._call("GET", _conv_path(conv_id) + "/export").text

    def gaps(self, days: int = 30) -> dict[str, Any]:
        return dict(self._call("GET", "/v1/insights/gaps", read_timeout=180.0,
                               params={"days": days}).json())


def _conv_path(conv_id: str) -> str:
    return "/v1/conversations/" + quote(conv_id, safe="")


def _doc_path(doc_id: str) -> str:
    return "/v1/documents/" + quote(doc_id, safe="/")
