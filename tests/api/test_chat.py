"""POST /v1/chat (JSON and SSE), /v1/feedback, /metrics, health, through the real app."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AUTH, SECRET_DOC, SECRET_WORD, ask


def sse_events(text: str) -> list[tuple[str, Any]]:
    """(event, parsed data) pairs of a text/event-stream body."""
    out = []
    for block in re.split(r"\r?\n\r?\n", text.strip()):
        name = re.search(r"^event: (.*)$", block, re.M)
        data = "\n".join(m.group(1) for m in re.finditer(r"^data: ?(.*)$", block, re.M))
        if name and data:
            out.append((name.group(1).strip(), json.loads(data)))
    return out


@pytest.mark.hash_vectors
def test_chat_answers_with_resolvable_citations(client: TestClient) -> None:
    out = ask(client, "Quanto vale il bando Ponti di Innovazione?")
    assert out["grounded"] and out["mode"] == "extractive" and not out["degraded"]
    assert "1,2 milioni" in out["answer"]
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", out["answer"])}
    assert numbers and numbers == {c["n"] for c in out["citations"]}
    assert out["citations"][0]["doc_id"] == "articles/bando-ponti.md"
    assert re.fullmatch(r"[0-9a-f]{32}", out["answer_id"])
    assert out["language"] == "it" and out["timings"]["total_ms"] > 0


def test_member_only_content_is_never_cited_for_anonymous(client: TestClient) -> None:
    anon = ask(client, "Quale budget ha il progetto Zefiro?")
    assert not anon["grounded"] and anon["citations"] == []
    assert SECRET_WORD not in anon["answer"]
    member = ask(client, "Quale budget ha il progetto Zefiro?", role="member")
    assert member["grounded"] and "450.000" in member["answer"]
    assert {c["doc_id"] for c in member["citations"]} == {SECRET_DOC}


@pytest.mark.hash_vectors
def test_filters_narrow_and_unknown_filter_fields_are_refused(client: TestClient) -> None:
    out = ask(client, "bando Ponti di Innovazione", filters={"doc_type": "member"})
    assert all(c["doc_type"] == "member" for c in out["citations"])
    r = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "Zefiro"}],
                                      "filters": {"visibility": "members"}})
    assert r.status_code == 422  # visibility comes from the key, never from the body


def test_follow_up_uses_the_conversation(client: TestClient) -> None:
    first = ask(client, "Chi ha partecipato alla missione a Osaka?")
    r = client.post("/v1/chat", json={"messages": [
        {"role": "user", "content": "Chi ha partecipato alla missione a Osaka?"},
        {"role": "assistant", "content": first["answer"]},
        {"role": "user", "content": "e quanti stakeholder hanno incontrato?"}]})
    assert r.status_code == 200
    out = r.json()
    assert "Osaka" in out["query"] and "70" in out["answer"]


@pytest.mark.hash_vectors
def test_stream_sends_tokens_then_citations_then_done(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat", json={"stream": True, "messages": [
            {"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}]}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r.read().decode())
    names = [e for e, _ in events]
    assert names[-2:] == ["citations", "done"] and names.count("token") >= 3
    text = "".join(d["text"] for e, d in events if e == "token")
    done = events[-1][1]
    assert text == done["answer"] and done["grounded"]
    assert events[-2][1]["citations"] == done["citations"] and done["citations"]
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} == {c["n"] for c in
                                                                done["citations"]}


@pytest.mark.hash_vectors
def test_feedback_refers_to_recorded_answers(client: TestClient) -> None:
    out = ask(client, "Quanto vale il bando Ponti di Innovazione?")
    r = client.post("/v1/feedback", json={"answer_id": out["answer_id"], "rating": "up",
                                          "comment": "utile"})
    assert r.status_code == 201 and r.json()["answer_id"] == out["answer_id"]
    r = client.post("/v1/feedback", json={"answer_id": "0" * 32, "rating": "down"})
    assert r.status_code == 404
    r = client.post("/v1/feedback", json={"answer_id": out["answer_id"], "rating": "meh"})
    assert r.status_code == 422
    store = client.app.state.service.feedback  # type: ignore[attr-defined]
    assert store.counts() == {"up": 1}


@pytest.mark.hash_vectors
def test_streamed_answers_are_recorded_for_feedback(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat", json={"stream": True, "messages": [
            {"role": "user", "content": "missione a Osaka"}]}) as r:
        done = sse_events(r.read().decode())[-1][1]
    r = client.post("/v1/feedback", json={"answer_id": done["answer_id"], "rating": "down"})
    assert r.status_code == 201


@pytest.mark.hash_vectors
def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["chroma"]["ok"] and ready.json()["checks"]["index"]["ok"]
    ask(client, "Quanto vale il bando Ponti di Innovazione?")
    client.get("/v1/documents/nope")
    text = client.get("/metrics").text
    assert 'assistant_http_requests_total{method="POST",route="/v1/chat",status="200"} 1.0' \
        in text
    assert 'route="/v1/documents/{doc_id:path}",status="404"' in text
    assert 'assistant_answer_stage_seconds_count{stage="retrieve"} 1.0' in text
    assert 'assistant_answers_total{degraded="false",grounded="true",mode="extractive"} 1.0' \
        in text


@pytest.mark.hash_vectors
def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


@pytest.mark.hash_vectors
def test_readyz_is_503_with_a_reason_when_chroma_fails(client: TestClient) -> None:
    vectors = client.app.state.service.assistant.index.vectors  # type: ignore[attr-defined]

    def down() -> None:
        raise ConnectionError("connection refused")

    vectors.heartbeat = down
    r = client.get("/readyz")
    assert r.status_code == 503 and "Chroma not reachable" in r.json()["reason"]


@pytest.mark.hash_vectors
def test_docs_and_openapi_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in ("/v1/chat", "/v1/search", "/v1/documents/{doc_id}", "/v1/chat/completions",
                 "/v1/models", "/v1/feedback", "/healthz", "/readyz", "/metrics"):
        assert path in spec["paths"], path
    assert AUTH["member"]["Authorization"].startswith("Bearer ")
