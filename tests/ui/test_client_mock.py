"""The UI's API client against ``httpx.MockTransport``: what it sends and how it reads
answers and errors, without a server (the live round trip is in test_client.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.ui.client import ApiClient, ApiError


def _client(handler: httpx.MockTransport, key: str | None = None) -> ApiClient:
    return ApiClient("http://api.test", key, transport=handler)


def test_sends_the_key_as_a_bearer_token_and_reads_the_role() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"role": "staff", "staff": True})

    assert _client(httpx.MockTransport(handler), " k-staff ").me()["role"] == "staff"
    assert seen[0].url.path == "/v1/me"
    assert seen[0].headers["authorization"] == "Bearer k-staff"


def test_no_key_sends_no_authorization_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers
        return httpx.Response(200, json={"role": "anonymous"})

    assert _client(httpx.MockTransport(handler)).me()["role"] == "anonymous"


def test_errors_carry_status_detail_and_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"detail": "too many requests"},
                              headers={"Retry-After": "7"})

    with pytest.raises(ApiError) as err:
        _client(httpx.MockTransport(handler)).me()
    assert (err.value.status, err.value.detail, err.value.retry_after) == (
        429, "too many requests", "7")


def test_validation_errors_become_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"detail": [{"msg": "field required"},
                                                    {"msg": "too long"}]})

    with pytest.raises(ApiError, match="field required; too long"):
        _client(httpx.MockTransport(handler)).me()


def test_chat_stream_posts_the_messages_and_parses_the_events() -> None:
    body = ('event: token\ndata: {"text": "Ciao"}\n\n: keep-alive\n\n'
            'event: citations\ndata: [{"n": 1}]\n\nevent: done\ndata: {}\n\n')

    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        assert request.url.path == "/v1/chat" and sent["stream"] is True
        assert sent["filters"] == {"doc_type": "article"}
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    events = list(_client(httpx.MockTransport(handler)).chat_stream(
        [{"role": "user", "content": "ciao"}], {"doc_type": "article"}))
    assert events == [("token", {"text": "Ciao"}), ("citations", [{"n": 1}]), ("done", {})]


def test_chat_stream_error_status_raises_before_any_event() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"detail": "unknown API key"})

    with pytest.raises(ApiError) as err:
        list(_client(httpx.MockTransport(handler), "nope").chat_stream(
            [{"role": "user", "content": "x"}]))
    assert err.value.status == 401 and err.value.detail == "unknown API key"


def test_transport_failure_is_status_zero() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ApiError) as err:
        _client(httpx.MockTransport(handler)).me()
    assert err.value.status == 0 and "ConnectError" in err.value.detail
