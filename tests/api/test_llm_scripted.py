"""The answerer's LLM path through the API with an in-process ``ScriptedLLM`` and hash
vectors: citation checks, resets and fallbacks, without a server or the model.
``tests/api/test_llm.py`` covers the same path through the real OpenAI client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.protocols import Embedder as EmbedderSeam
from assistant.settings import Settings
from tests.api.conftest import ask
from tests.api.test_chat import sse_events
from tests.fakes import ScriptedLLM

pytestmark = pytest.mark.hash_vectors

QUESTION = "Quanto vale il bando Ponti di Innovazione?"
REPLY = "Il bando Ponti di Innovazione vale 1,2 milioni di euro [1]."


@pytest.fixture
def scripted(api_settings: Settings, model_embedder: EmbedderSeam
             ) -> Iterator[tuple[TestClient, ScriptedLLM]]:
    llm = ScriptedLLM(REPLY, api_settings)
    assistant = Assistant(api_settings, Index(api_settings, embedder=model_embedder), llm)
    with TestClient(create_app(api_settings, assistant=assistant)) as c:
        yield c, llm
    assistant.index.close()


def _stream(c: TestClient, **body: Any) -> list[tuple[str, Any]]:
    r = c.post("/v1/chat", json={"stream": True, **body,
                                 "messages": [{"role": "user", "content": QUESTION}]})
    assert r.status_code == 200, r.text
    return sse_events(r.text)


def test_cited_reply_is_passed_on_and_unknown_markers_dropped(
        scripted: tuple[TestClient, ScriptedLLM]) -> None:
    c, llm = scripted
    llm.reply = REPLY + " Lo conferma un'altra fonte [9]."
    out = ask(c, QUESTION)
    assert out["mode"] == "llm" and out["grounded"] and not out["degraded"]
    assert "[9]" not in out["answer"] and [x["n"] for x in out["citations"]] == [1]
    system, user = llm.requests[-1]
    assert system["role"] == "system" and QUESTION in user["content"]
    events = _stream(c)
    assert "".join(d["text"] for e, d in events if e == "token").startswith(REPLY[:40])
    assert events[-1][0] == "done" and events[-1][1]["mode"] == "llm"


def test_uncited_reply_is_reset_into_a_refusal(scripted: tuple[TestClient, ScriptedLLM]) -> None:
    c, llm = scripted
    llm.reply = "Secondo me vale moltissimo, fidati."
    events = _stream(c)
    names = [e for e, _ in events]
    assert "reset" in names
    done = events[-1][1]
    assert not done["grounded"] and done["citations"] == []


@pytest.mark.parametrize("mode", ["fail", "fail_midstream"])
def test_failing_llm_degrades_to_the_extractive_answer(
        scripted: tuple[TestClient, ScriptedLLM], mode: str) -> None:
    c, llm = scripted
    llm.mode = mode
    out = ask(c, QUESTION)
    assert out["degraded"] and out["mode"] == "extractive" and out["citations"]
    events = _stream(c)
    names = [e for e, _ in events]
    assert "reset" in names and events[-1][1]["degraded"]
    after = "".join(d["text"] for e, d in events[names.index("reset"):] if e == "token")
    assert after == events[-1][1]["answer"]


def test_readiness_follows_the_llm(scripted: tuple[TestClient, ScriptedLLM]) -> None:
    c, llm = scripted
    ready = c.get("/readyz").json()
    assert ready["checks"]["llm"] == {"ok": True, "model": "scripted"}
    llm.mode = "fail"
    r = c.get("/readyz")
    assert r.status_code == 503 and "llm" in r.json()["reason"]
