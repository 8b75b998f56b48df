"""The LLM path through the API, against the fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AppFactory, ask
from tests.api.test_chat import sse_events
from tests.fake_llm import FakeLLM

QUESTION = "Quanto vale il bando Ponti di Innovazione?"


@pytest.fixture
def llm_client(make_app: AppFactory) -> Iterator[tuple[TestClient, FakeLLM]]:
    with FakeLLM() as fake:
        app, _ = make_app(openai_base_url=fake.base_url, llm_model="fake-model",
                          llm_timeout_s=2.0, llm_max_retries=0)
        fake.reply = "Il bando Ponti di Innovazione vale 1,2 milioni di euro [1]."
        with TestClient(app) as c:
            yield c, fake


def test_llm_answer_json_and_stream(llm_client: tuple[TestClient, FakeLLM]) -> None:
    c, fake = llm_client
    out = ask(c, QUESTION)
    assert out["mode"] == "llm" and out["grounded"] and not out["degraded"]
    assert out["answer"] == fake.reply and out["citations"][0]["n"] == 1
    assert "llm_ms" in out["timings"]
    r = c.post("/v1/chat", json={"stream": True, "messages": [
        {"role": "user", "content": QUESTION}]})
    events = sse_events(r.text)
    assert "".join(d["text"] for e, d in events if e == "token") == fake.reply
    assert events[-1][0] == "done" and events[-1][1]["mode"] == "llm"
    assert 'assistant_answer_stage_seconds_count{stage="llm"} 2.0' in c.get("/metrics").text


def test_uncited_llm_reply_is_reset_in_both_stream_formats(
        llm_client: tuple[TestClient, FakeLLM]) -> None:
    c, fake = llm_client
    fake.reply = "Secondo me vale moltissimo, fidati."
    body: dict[str, Any] = {"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    events = sse_events(c.post("/v1/chat", json=body).text)
    names = [e for e, _ in events]
    assert "reset" in names
    after = "".join(d["text"] for e, d in events[names.index("reset"):] if e == "token")
    done = events[-1][1]
    assert after == done["answer"] and not done["grounded"] and done["citations"] == []
    raw = c.post("/v1/chat/completions", json=body).text
    assert '"reset": true' in raw and raw.rstrip().endswith("data: [DONE]")


def test_llm_down_degrades_and_is_not_ready(llm_client: tuple[TestClient, FakeLLM]) -> None:
    c, fake = llm_client
    assert c.get("/readyz").json()["checks"]["llm"]["ok"]
    fake.mode = "fail"
    out = ask(c, QUESTION)
    assert out["degraded"] and out["mode"] == "extractive" and out["citations"]
    r = c.get("/readyz")
    assert r.status_code == 503 and "llm" in r.json()["reason"]
