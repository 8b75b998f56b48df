"""Dependencies failing under a running API: the Chroma server killed or frozen, the
LLM server hanging or failing. The API answers fast and clearly, then recovers."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.settings import Settings
from tests.api.conftest import KEYS, AppFactory
from tests.api.test_chat import sse_events
from tests.fake_llm import FakeLLM
from tests.faults.conftest import ChromaServer, server_index

pytestmark = pytest.mark.fault
QUESTION = "Quanto vale il bando Ponti di Innovazione?"
CHAT = {"messages": [{"role": "user", "content": QUESTION}]}


@pytest.fixture
def server_client(fast_tmp: Path, api_base: Path, chroma: ChromaServer,
                  fast_embedder: Embedder) -> Iterator[TestClient]:
    corpus = server_index(fast_tmp, api_base, chroma, fast_embedder)
    s = Settings(corpus_dir=corpus, index_dir=fast_tmp / "api", chroma_host="127.0.0.1",
                 chroma_port=chroma.port, chroma_sync_ms=200, chroma_timeout_s=1.0,
                 api_keys=KEYS, rate_limit_per_minute=100_000)
    with TestClient(create_app(s), raise_server_exceptions=False) as c:
        yield c


def timed(c: TestClient, method: str, url: str, **kw: object) -> tuple[int, float, dict]:
    t0 = time.monotonic()
    r = c.request(method, url, **kw)  # type: ignore[arg-type]
    return r.status_code, time.monotonic() - t0, r.json() if r.content else {}


def assert_unavailable(c: TestClient, rounds: int = 3) -> int:
    """Every query is a 503 naming the vector store, each within 2 s; returns the count."""
    sent = 0
    for _ in range(rounds):
        for method, url, body in (("POST", "/v1/chat", CHAT),
                                  ("POST", "/v1/search", {"query": "bando Ponti"}),
                                  ("GET", "/v1/documents", None)):
            status, took, out = timed(c, method, url, json=body)
            sent += 1
            assert status == 503 and took < 2.0, (url, status, took, out)
            assert "Chroma" in out["detail"], out
    ready = c.get("/readyz")
    assert ready.status_code == 503 and "Chroma" in ready.json()["reason"]
    events = sse_events(c.post("/v1/chat", json={**CHAT, "stream": True}).text)
    assert events[-1][0] == "error" and events[-1][1]["status"] == 503
    return sent + 2


def assert_recovers(c: TestClient, seconds: float = 30) -> float:
    t0 = time.monotonic()
    while True:
        r = c.post("/v1/chat", json=CHAT)
        if r.status_code == 200:
            assert "1,2 milioni" in r.json()["answer"]
            return time.monotonic() - t0
        assert r.status_code == 503 and time.monotonic() - t0 < seconds, r.text
        time.sleep(0.2)


def test_chroma_killed_then_restarted(server_client: TestClient, chroma: ChromaServer) -> None:
    c = server_client
    assert c.post("/v1/chat", json=CHAT).status_code == 200
    chroma.kill()
    sent = assert_unavailable(c)
    chroma.start()  # same port, same data folder
    took = assert_recovers(c)
    assert c.get("/readyz").status_code == 200
    print(f"chroma killed: {sent} requests, all 503 < 2 s; recovered {took:.1f} s after restart")


def test_chroma_frozen_then_resumed(server_client: TestClient, chroma: ChromaServer) -> None:
    """SIGSTOP: connections are accepted but never answered; the read timeout
    (``ASSISTANT_CHROMA_TIMEOUT_S``) turns that into a 503 too."""
    c = server_client
    assert c.post("/v1/chat", json=CHAT).status_code == 200
    assert chroma.proc is not None
    os.kill(chroma.proc.pid, signal.SIGSTOP)
    try:
        status, took, out = timed(c, "POST", "/v1/search", json={"query": "bando Ponti"})
        assert status == 503 and took < 2.5 and "Chroma" in out["detail"], (status, took, out)
    finally:
        os.kill(chroma.proc.pid, signal.SIGCONT)
    assert_recovers(c)


# -- the LLM server ------------------------------------------------------------------------

def reply(body: dict[str, Any]) -> str:
    """The condensed query for a condense request, else a cited answer."""
    if "Standalone query:" in body["messages"][-1]["content"]:
        return QUESTION
    return "Il bando vale 1,2 milioni di euro [1]."


@pytest.fixture
def llm_app(make_app: AppFactory) -> Iterator[tuple[TestClient, FakeLLM]]:
    with FakeLLM() as fake:
        app, _ = make_app(openai_base_url=fake.base_url, llm_model="fake-model",
                          llm_timeout_s=1.5, llm_max_retries=0)
        fake.reply = reply
        with TestClient(app) as c:
            yield c, fake


@pytest.mark.parametrize("mode", ["hang", "fail", "fail_midstream"])
def test_llm_failing_gives_a_degraded_answer_in_time(llm_app: tuple[TestClient, FakeLLM],
                                                     mode: str) -> None:
    c, fake = llm_app
    fake.mode, fake.hang_s = mode, 20.0
    follow_up = {"messages": [{"role": "user", "content": "Parlami del bando Ponti."},
                              {"role": "assistant", "content": "Il bando finanzia progetti."},
                              {"role": "user", "content": "Quanto vale?"}]}
    # one LLM call per answer, two with a follow-up to condense: each bounded by 1.5 s
    for body, calls in ((CHAT, 1), (follow_up, 2)):
        for stream in (False, True):
            t0 = time.monotonic()
            if stream:
                events = sse_events(c.post("/v1/chat", json={**body, "stream": True}).text)
                assert events[-1][0] == "done", events[-3:]
                out = events[-1][1]
            else:
                r = c.post("/v1/chat", json=body)
                assert r.status_code == 200, r.text
                out = r.json()
            took = time.monotonic() - t0
            assert took < calls * 1.5 + 3.0, (mode, stream, took)
            assert out["degraded"] and out["mode"] == "extractive", out
            assert "1,2 milioni" in out["answer"] and out["citations"], out
    assert json.dumps(fake.requests)  # the LLM was really asked each time
