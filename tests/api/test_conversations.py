"""Stored conversations through the real app, on SQLite and on a real PostgreSQL:
create, ask and follow up with only ``conversation_id``, restart, read back, isolation
between keys, rename, export, delete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.api.conftest import AUTH, KEYS
from tests.api.test_chat import sse_events

OTHER = {"Authorization": "Bearer k-member-2"}
MEMBER = AUTH["member"]


@pytest.fixture(params=["sqlite", "postgres"])
def conv_settings(request: pytest.FixtureRequest, api_settings: Settings) -> Settings:
    extra: dict[str, Any] = {"api_keys": {**KEYS, "k-member-2": "member"}}
    if request.param == "postgres":
        extra["database_url"] = request.getfixturevalue("postgres_url")
    return Settings(**{**api_settings.model_dump(), **extra})


@contextmanager
def service(s: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """The app started (lifespan run) on ``s``; stopped, index closed, on exit."""
    assistant = Assistant(s, Index(s, embedder=embedder), None)
    try:
        with TestClient(create_app(s, assistant=assistant),
                        raise_server_exceptions=False) as client:
            yield client
    finally:
        assistant.index.close()


def chat(client: TestClient, conv: str, question: str, stream: bool = False) -> Any:
    body = {"conversation_id": conv, "stream": stream,
            "messages": [{"role": "user", "content": question}]}
    if not stream:
        r = client.post("/v1/chat", headers=MEMBER, json=body)
        assert r.status_code == 200, r.text
        return r.json()
    with client.stream("POST", "/v1/chat", headers=MEMBER, json=body) as r:
        assert r.status_code == 200
        events = sse_events(r.read().decode())
    assert events[-1][0] == "done", events
    return events[-1][1]


def test_conversation_survives_a_restart(conv_settings: Settings, embedder: Embedder) -> None:
    with service(conv_settings, embedder) as client:
        r = client.post("/v1/conversations", headers=MEMBER, json={})
        assert r.status_code == 201, r.text
        conv = r.json()
        assert set(conv) == {"id", "title", "created_at"} and conv["title"] == ""
        first = chat(client, conv["id"], "Quanto vale il bando Ponti di Innovazione?")
        assert "1,2 milioni" in first["answer"] and first["conversation_id"] == conv["id"]
        # the follow-up names nothing: only the stored history says which call it means
        second = chat(client, conv["id"], "Entro quando si presentano le domande?",
                      stream=True)
        assert "30 giugno" in second["answer"], second
        assert second["citations"][0]["doc_id"] == "articles/bando-ponti.md"
        assert "Ponti" in second["query"]  # the standalone query came from the history
    with service(conv_settings, embedder) as client:  # a new process would see the same
        r = client.get(f"/v1/conversations/{conv['id']}", headers=MEMBER)
        assert r.status_code == 200, r.text
        got = r.json()
        msgs = got["messages"]
        assert [m["role"] for m in msgs] == ["user", "assistant"] * 2
        assert msgs[0]["content"] == "Quanto vale il bando Ponti di Innovazione?"
        assert msgs[1]["content"] == first["answer"] and msgs[3]["content"] == second["answer"]
        for answer in (msgs[1], msgs[3]):
            marks = {int(n) for n in re.findall(r"\[(\d+)\]", answer["content"])}
            assert marks and marks == {c["n"] for c in answer["citations"]}
        assert msgs[1]["message_id"] == first["answer_id"]
        assert got["title"].startswith("Quanto vale il bando")
        assert client.get(f"/v1/conversations/{conv['id']}", headers=OTHER).status_code == 404
        assert client.post("/v1/chat", headers=OTHER, json={
            "conversation_id": conv["id"],
            "messages": [{"role": "user", "content": "e poi?"}]}).status_code == 404
        r = client.post("/v1/feedback", headers=MEMBER,
                        json={"message_id": msgs[3]["message_id"], "rating": "up"})
        assert r.status_code == 201, r.text
        assert client.delete(f"/v1/conversations/{conv['id']}",
                             headers=OTHER).status_code == 404
        assert client.delete(f"/v1/conversations/{conv['id']}",
                             headers=MEMBER).status_code == 204
        assert client.get(f"/v1/conversations/{conv['id']}", headers=MEMBER).status_code == 404


def test_list_rename_export(conv_settings: Settings, embedder: Embedder) -> None:
    with service(conv_settings, embedder) as client:
        ids = [client.post("/v1/conversations", headers=MEMBER,
                           json={"title": f"Prova {i}"}).json()["id"] for i in range(3)]
        chat(client, ids[0], "Quanto vale il bando Ponti di Innovazione?")
        r = client.get("/v1/conversations", headers=MEMBER, params={"limit": 200})
        assert r.status_code == 200
        listed = [c for c in r.json()["conversations"] if c["id"] in ids]
        assert [c["id"] for c in listed] == [ids[0], ids[2], ids[1]]  # newest activity first
        assert [c["turns"] for c in listed] == [1, 0, 0]
        page = client.get("/v1/conversations", headers=MEMBER, params={"limit": 1}).json()
        assert len(page["conversations"]) == 1 and page["total"] >= 3
        mine = {c["id"] for c in client.get("/v1/conversations", headers=OTHER,
                                            params={"limit": 200}).json()["conversations"]}
        assert not mine & set(ids)
        r = client.patch(f"/v1/conversations/{ids[0]}", headers=MEMBER,
                         json={"title": "Bandi 2024"})
        assert r.status_code == 200 and r.json()["title"] == "Bandi 2024"
        assert client.patch(f"/v1/conversations/{ids[0]}", headers=OTHER,
                            json={"title": "x"}).status_code == 404
        r = client.get(f"/v1/conversations/{ids[0]}/export", headers=MEMBER)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
        md = r.text
        assert md.startswith("# Bandi 2024") and "## Fonti" in md
        assert "1. Bando Ponti di Innovazione 2024" in md and "[1]" in md


def test_anonymous_callers_have_no_stored_conversations(client: TestClient) -> None:
    assert client.post("/v1/conversations", json={}).status_code == 401
    assert client.get("/v1/conversations").status_code == 401
    r = client.post("/v1/chat", json={"conversation_id": "abc",
                                      "messages": [{"role": "user", "content": "Ciao?"}]})
    assert r.status_code == 401
    r = client.post("/v1/chat", headers=MEMBER, json={"conversation_id": "abc", "messages": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}]})
    assert r.status_code == 422  # with a stored conversation only the new message is sent
