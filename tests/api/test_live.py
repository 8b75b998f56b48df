"""A real uvicorn on 127.0.0.1: the official openai client, SSE, chunked bodies, concurrency."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
import pytest

from tests.api.conftest import AppFactory
from tests.api.test_chat import sse_events
from tests.support import live_server

QUESTION = "Quanto vale il bando Ponti di Innovazione?"


@pytest.fixture
def live(make_app: AppFactory) -> Iterator[tuple[str, Any]]:
    app, assistant = make_app()
    with live_server(app) as url:
        yield url, assistant


def test_openai_client_non_streaming(live: tuple[str, Any]) -> None:
    url, _ = live
    client = openai.OpenAI(api_key="k-member", base_url=f"{url}/v1", max_retries=0, timeout=30)
    assert [m.id for m in client.models.list()] == ["assistant"]
    resp = client.chat.completions.create(model="assistant", messages=[
        {"role": "system", "content": "Rispondi in italiano."},
        {"role": "user", "content": QUESTION}])
    msg = resp.choices[0].message
    assert resp.object == "chat.completion" and resp.choices[0].finish_reason == "stop"
    assert "1,2 milioni" in (msg.content or "")
    cites = msg.citations  # type: ignore[attr-defined]  # our extension field
    assert cites and cites[0]["doc_id"] == "articles/bando-ponti.md"
    assert {int(n) for n in re.findall(r"\[(\d+)\]", msg.content or "")} == {c["n"] for c in
                                                                             cites}
    assert resp.usage is not None and resp.usage.total_tokens > 0


def test_openai_client_streaming(live: tuple[str, Any]) -> None:
    url, _ = live
    client = openai.OpenAI(api_key="k-member", base_url=f"{url}/v1", max_retries=0, timeout=30)
    stream = client.chat.completions.create(model="assistant", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    cites = last.citations  # type: ignore[attr-defined]
    assert "1,2 milioni" in text and cites
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} == {c["n"] for c in cites}
    with httpx.Client(base_url=url, timeout=30) as h:  # the wire format ends with [DONE]
        raw = h.post("/v1/chat/completions", json={"stream": True, "messages": [
            {"role": "user", "content": QUESTION}]}).text
    assert raw.rstrip().endswith("data: [DONE]") and "event:" not in raw


def test_openai_client_errors_and_anonymous_use(live: tuple[str, Any]) -> None:
    url, _ = live
    bad = openai.OpenAI(api_key="wrong", base_url=f"{url}/v1", max_retries=0, timeout=30)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    anon = openai.OpenAI(api_key="anonymous", base_url=f"{url}/v1", max_retries=0, timeout=30)
    resp = anon.chat.completions.create(model="anything", messages=[
        {"role": "user", "content": [{"type": "text", "text": QUESTION}]}])
    assert resp.model == "assistant" and "1,2 milioni" in (resp.choices[0].message.content or "")
    with pytest.raises(openai.UnprocessableEntityError):
        anon.chat.completions.create(model="assistant", messages=[
            {"role": "assistant", "content": "no question"}])


def test_sse_over_http_streams_incrementally(live: tuple[str, Any]) -> None:
    url, _ = live
    with httpx.Client(base_url=url, timeout=30) as h, h.stream("POST", "/v1/chat", json={
            "stream": True, "messages": [{"role": "user", "content": QUESTION}]}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
        body = "".join(r.iter_text())
    events = sse_events(body)
    assert [e for e, _ in events][-2:] == ["citations", "done"]
    assert events[-1][1]["citations"] and events[-1][1]["answer"] == "".join(
        d["text"] for e, d in events if e == "token")


def test_chunked_body_over_the_limit_is_cut_off(live: tuple[str, Any]) -> None:
    url, _ = live

    def body() -> Iterator[bytes]:
        yield b'{"query": "'
        for _ in range(40):
            yield b"a" * 50_000
        yield b'"}'

    with httpx.Client(base_url=url, timeout=30) as h:
        r = h.post("/v1/search", content=body(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_answers_never_block_the_event_loop(live: tuple[str, Any]) -> None:
    url, assistant = live
    real_ask = assistant.ask

    def slow_ask(*args: Any, **kw: Any) -> Any:
        time.sleep(1.5)
        return real_ask(*args, **kw)

    assistant.ask = slow_ask
    results: list[int] = []

    def chat() -> None:
        with httpx.Client(base_url=url, timeout=30) as h:
            results.append(h.post("/v1/chat", json={"messages": [
                {"role": "user", "content": QUESTION}]}).status_code)

    slow = [threading.Thread(target=chat) for _ in range(3)]
    for t in slow:
        t.start()
    time.sleep(0.3)
    with httpx.Client(base_url=url, timeout=30) as h:
        t0 = time.monotonic()
        assert h.get("/healthz").status_code == 200
        assert h.post("/v1/search", json={"query": "missione Osaka"}).status_code == 200
        assert time.monotonic() - t0 < 1.0  # served while three answers are in progress
    for t in slow:
        t.join()
    assert results == [200, 200, 200]


def test_concurrent_mixed_requests_all_succeed(live: tuple[str, Any]) -> None:
    url, _ = live
    questions = [QUESTION, "Chi è andato a Osaka?", "Rigenera Lab cosa sviluppa?",
                 "progetto Zefiro", "What is the Ponti di Innovazione call worth?"]

    def one(i: int) -> int:
        with httpx.Client(base_url=url, timeout=60) as h:
            if i % 3 == 0:
                return h.post("/v1/search", json={"query": questions[i % 5]}).status_code
            return h.post("/v1/chat", json={"messages": [
                {"role": "user", "content": questions[i % 5]}]}).status_code

    with ThreadPoolExecutor(12) as ex:
        codes = list(ex.map(one, range(36)))
    assert codes == [200] * 36


def test_reads_during_writes_never_fail(live: tuple[str, Any]) -> None:
    url, _ = live
    stop = threading.Event()
    codes: list[int] = []

    def reader() -> None:
        with httpx.Client(base_url=url, timeout=60) as h:
            while not stop.is_set():
                codes.append(h.post("/v1/search", json={"query": "nota di prova Sirio"},
                                    headers={"Authorization": "Bearer k-member"}).status_code)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    staff = {"Authorization": "Bearer k-staff"}
    with httpx.Client(base_url=url, timeout=60) as h:
        for i in range(6):
            doc = {"title": f"Nota Sirio {i}", "text": f"Nota di prova Sirio numero {i}.",
                   "metadata": {"visibility": "members" if i % 2 else "public"}}
            assert h.put(f"/v1/documents/stress/{i % 3}", json=doc,
                         headers=staff).status_code in (200, 201)
            if i % 3 == 2:
                assert h.delete(f"/v1/documents/stress/{i % 3}", headers=staff).status_code \
                    == 204
    stop.set()
    for t in readers:
        t.join()
    assert codes and set(codes) == {200}
