"""Every limit: body size, question and history length, rate, timeouts, bad input, crashes,
CORS."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.limits import MAX_BODY_BYTES, RateLimiter
from assistant.api.schemas import MAX_HISTORY, MAX_QUESTION_CHARS
from assistant.settings import Settings
from tests.api.conftest import AUTH, AppFactory
from tests.api.test_chat import sse_events

pytestmark = pytest.mark.hash_vectors  # routes and roles: what the model ranks is not the point


def chat(content: str, history: int = 0) -> dict[str, Any]:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turno {i}"}
             for i in range(history)]
    return {"messages": [*turns, {"role": "user", "content": content}]}


def test_body_over_1mb_is_413_by_header_and_while_streaming(client: TestClient) -> None:
    big = b'{"query": "' + b"a" * MAX_BODY_BYTES + b'"}'
    r = client.post("/v1/search", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["request_id"] == r.headers["x-request-id"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"query": "'
        for _ in range(20):
            yield b"a" * 60_000
        yield b'"}'

    r = client.post("/v1/search", content=chunks(), headers={"Content-Type":
                                                             "application/json"})
    assert r.status_code == 413
    r = client.put("/v1/documents/big", headers=AUTH["staff"],
                   files={"file": ("big.txt", b"titolo\n" + b"x" * MAX_BODY_BYTES)})
    assert r.status_code == 413
    ok = client.post("/v1/search", content=b'{"query": "bando"' + b" " * 990_000 + b"}",
                     headers={"Content-Type": "application/json"})
    assert ok.status_code == 200


def test_question_and_history_limits(client: TestClient) -> None:
    assert client.post("/v1/chat", json=chat("a" * MAX_QUESTION_CHARS)).status_code == 200
    r = client.post("/v1/chat", json=chat("a" * (MAX_QUESTION_CHARS + 1)))
    assert r.status_code == 422 and "4000" in r.text
    assert client.post("/v1/chat", json=chat("bando?", MAX_HISTORY)).status_code == 200
    assert client.post("/v1/chat", json=chat("bando?", MAX_HISTORY + 1)).status_code == 422
    r = client.post("/v1/chat/completions", json=chat("bando?", MAX_HISTORY + 1))
    assert r.status_code == 422
    bads: list[dict[str, Any]] = [
        {"messages": []}, chat("   "), {"messages": [{"role": "assistant", "content": "ciao"}]},
        {"messages": [{"role": "tool", "content": "ciao"}]},
        {"query": "x" * (MAX_QUESTION_CHARS + 1)}]
    for bad in bads:
        path = "/v1/search" if "query" in bad else "/v1/chat"
        assert client.post(path, json=bad).status_code == 422, bad


@pytest.mark.parametrize("raw", [
    b'{"messages": [', b"\xff\xfe\x00", b"null", b"[]", b'{"messages": "ciao"}',
    b'{"messages": [{"role": "user", "content": "ciao \\u0000 mondo"}]}',
    b'{"messages": [{"role": "user", "content": "ciao \\ud800 mondo"}]}',
    b'{"messages": [{"role": "user", "content": "bando"}], "filters": {"tags": ["\\udfff"]}}',
])
def test_malformed_input_is_4xx_never_5xx(client: TestClient, raw: bytes) -> None:
    r = client.post("/v1/chat", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["request_id"] == r.headers["x-request-id"]
    r = client.post("/v1/chat/completions", content=raw,
                    headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500


def test_surrogates_and_nul_in_every_kind_of_field(client: TestClient) -> None:
    bodies = {
        "/v1/search": b'{"query": "\\ud83d"}',
        "/v1/feedback": b'{"answer_id": "x", "rating": "up", "comment": "\\u0000"}',
    }
    for path, raw in bodies.items():
        r = client.post(path, content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (path, r.text)
    r = client.put("/v1/documents/z", headers={**AUTH["staff"], "Content-Type":
                                               "application/json"},
                   content=b'{"title": "t", "text": "x", "metadata": {"\\udc80": 1}}')
    assert r.status_code == 422
    assert client.get("/v1/documents/a%00b").status_code == 422
    assert client.put("/v1/documents/a%00b", headers=AUTH["staff"],
                      json={"title": "t", "text": "x"}).status_code == 422


def test_rate_limit_per_key_with_retry_after(client_for: Callable[..., TestClient]) -> None:
    c = client_for(rate_limit_per_minute=3)
    codes = [c.post("/v1/search", json={"query": "bando"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = c.get("/v1/models")
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 20
    assert c.get("/v1/models", headers=AUTH["member"]).status_code == 200  # its own bucket
    assert c.get("/healthz").status_code == 200  # health is never limited
    assert "assistant_rate_limited_total 2.0" in c.get("/metrics").text


def test_token_bucket_refills_continuously() -> None:
    now = [0.0]
    rl = RateLimiter(60, clock=lambda: now[0])  # one token a second, 60 of burst
    assert all(rl.take("k") == 0 for _ in range(60))
    assert rl.take("k") == pytest.approx(1.0)
    now[0] += 0.5
    assert rl.take("k") == pytest.approx(0.5)
    now[0] += 0.5
    assert rl.take("k") == 0 and rl.take("k") > 0
    assert rl.take("other") == 0


def test_slow_answers_are_504(make_app: AppFactory) -> None:
    app, assistant = make_app(request_timeout_s=0.3)

    def slow(*args: Any, **kw: Any) -> Any:
        time.sleep(1.0)
        raise AssertionError("too late to matter")

    def slow_stream(*args: Any, **kw: Any) -> Iterator[Any]:
        yield ("token", "Un ")
        time.sleep(1.0)
        yield ("token", "attimo")

    assistant.ask = slow  # type: ignore[method-assign]
    assistant.stream = slow_stream  # type: ignore[method-assign]
    with TestClient(app) as c:
        t0 = time.monotonic()
        r = c.post("/v1/chat", json=chat("bando?"))
        assert r.status_code == 504 and time.monotonic() - t0 < 0.9
        assert c.post("/v1/chat/completions", json=chat("bando?")).status_code == 504
        r = c.post("/v1/chat", json={**chat("bando?"), "stream": True})
        events = sse_events(r.text)
        assert [e for e, _ in events] == ["token", "error"] and events[1][1]["status"] == 504
        r = c.post("/v1/chat/completions", json={**chat("bando?"), "stream": True})
        assert '"code": 504' in r.text and r.text.rstrip().endswith("data: [DONE]")


def test_crash_is_500_with_request_id_and_no_traceback(make_app: AppFactory) -> None:
    app, assistant = make_app()

    def boom(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("secret detail in /srv/app/file.py")

    assistant.search = assistant.search_timed = boom  # type: ignore[method-assign]
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/search", json={"query": "bando"})
        assert r.status_code == 500
        assert r.json() == {"detail": "internal server error",
                            "request_id": r.headers["x-request-id"]}
        assert "secret" not in r.text and "Traceback" not in r.text
        assert c.get("/healthz").status_code == 200  # and the service goes on
        assert 'route="/v1/search",status="500"' in c.get("/metrics").text


PREFLIGHT = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}


def test_cors_is_off_by_default(client: TestClient, api_settings: Settings) -> None:
    r = client.options("/v1/chat", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in r.headers
    r = client.post("/v1/search", json={"query": "bando"}, headers={"Origin": PREFLIGHT["Origin"]})
    assert "access-control-allow-origin" not in r.headers
    with pytest.raises(ValueError, match="explicit origins"):
        create_app(api_settings.model_copy(update={"cors_origins": ["*"]}))


def test_cors_allows_only_the_listed_origins(client_for: Callable[..., TestClient]) -> None:
    on = client_for(cors_origins=["https://app.example"])
    r = on.options("/v1/chat", headers=PREFLIGHT)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    r = on.options("/v1/chat", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert r.headers.get("access-control-allow-origin") != "https://evil.example"
    r = on.post("/v1/search", json={"query": "bando"}, headers={"Origin": PREFLIGHT["Origin"]})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
