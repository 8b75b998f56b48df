"""Roles x routes, API keys, and what anonymous callers can never see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.service import KeyRing
from tests.api.conftest import AUTH, SECRET_DOC, SECRET_WORD

pytestmark = pytest.mark.hash_vectors  # routes and roles: what the model ranks is not the point

Q = {"messages": [{"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}]}
DOC = {"title": "Nota di prova", "text": "Una nota di prova sul bando.", "doc_type": "article"}
ROLES = ("anonymous", "member", "staff", "admin")
# (method, path, json body, expected status for anonymous, member, staff, admin)
MATRIX: list[tuple[str, str, Any, tuple[int, int, int, int]]] = [
    ("GET", "/healthz", None, (200, 200, 200, 200)),
    ("GET", "/readyz", None, (200, 200, 200, 200)),
    ("GET", "/metrics", None, (200, 200, 200, 200)),
    ("GET", "/v1/models", None, (200, 200, 200, 200)),
    ("POST", "/v1/chat", Q, (200, 200, 200, 200)),
    ("POST", "/v1/chat/completions", {"model": "assistant", **Q}, (200, 200, 200, 200)),
    ("POST", "/v1/search", {"query": "bando"}, (200, 200, 200, 200)),
    ("GET", "/v1/members", None, (200, 200, 200, 200)),
    ("GET", "/v1/documents", None, (200, 200, 200, 200)),
    ("GET", "/v1/documents/articles/bando-ponti.md", None, (200, 200, 200, 200)),
    ("GET", f"/v1/documents/{SECRET_DOC}", None, (404, 200, 200, 200)),
    ("PUT", "/v1/documents/note/{role}", DOC, (401, 403, 201, 201)),
    ("PUT", "/v1/documents/note/{role}", DOC, (401, 403, 200, 200)),
    ("DELETE", "/v1/documents/note/{role}", None, (401, 403, 204, 204)),
    ("DELETE", "/v1/documents/note/{role}", None, (401, 403, 404, 404)),
    ("POST", "/v1/feedback", {"answer_id": "f" * 32, "rating": "up"}, (404, 404, 404, 404)),
]


@pytest.mark.parametrize("role", ROLES)
def test_roles_by_routes(client: TestClient, role: str) -> None:
    got, want = [], []
    for method, path, body, expected in MATRIX:
        r = client.request(method, path.format(role=role), json=body, headers=AUTH[role])
        got.append((method, path, r.status_code))
        want.append((method, path, expected[ROLES.index(role)]))
    assert got == want


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic azpw", "k-staff",
                                    "Bearer k-staff2", "Bearer k-staf"])
def test_unknown_or_malformed_keys_are_401(client: TestClient, header: str) -> None:
    for method, path in (("POST", "/v1/search"), ("GET", "/v1/documents"),
                         ("PUT", "/v1/documents/x"), ("GET", "/v1/models")):
        r = client.request(method, path, json={"query": "bando"},
                           headers={"Authorization": header})
        assert r.status_code == 401, (path, header)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["request_id"] == r.headers["x-request-id"]
    assert client.get("/healthz", headers={"Authorization": header}).status_code == 200


def test_anonymous_can_be_switched_off(client_for: Callable[..., TestClient]) -> None:
    c = client_for(allow_anonymous=False)
    assert c.post("/v1/search", json={"query": "bando"}).status_code == 401
    assert c.get("/v1/models", headers={"Authorization": "Bearer anonymous"}).status_code == 401
    assert c.post("/v1/chat", json=Q).status_code == 401
    assert c.post("/v1/search", json={"query": "bando"},
                  headers=AUTH["member"]).status_code == 200
    assert c.get("/healthz").status_code == 200


def test_placeholder_key_anonymous_means_no_key(client: TestClient) -> None:
    anon = {"Authorization": "Bearer anonymous"}
    assert client.get(f"/v1/documents/{SECRET_DOC}", headers=anon).status_code == 404
    assert client.post("/v1/search", json={"query": "bando"}, headers=anon).status_code == 200
    assert client.put("/v1/documents/x", json=DOC, headers=anon).status_code == 401


def test_hidden_document_looks_exactly_like_a_missing_one(client: TestClient) -> None:
    hidden = client.get(f"/v1/documents/{SECRET_DOC}")
    missing = client.get("/v1/documents/articles/does-not-exist.md")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    member = client.get(f"/v1/documents/{SECRET_DOC}", headers=AUTH["member"]).json()
    assert SECRET_WORD in member["text"] and member["visibility"] == "members"


def test_member_only_document_is_never_listed_or_searchable_for_anonymous(
        client: TestClient) -> None:
    anon = client.get("/v1/documents", params={"limit": 500}).json()
    assert SECRET_DOC not in {d["doc_id"] for d in anon["items"]}
    member = client.get("/v1/documents", params={"limit": 500}, headers=AUTH["member"]).json()
    assert SECRET_DOC in {d["doc_id"] for d in member["items"]}
    assert member["total"] == anon["total"] + 1
    for query in ("progetto Zefiro budget", "verbale riservato consiglio direttivo",
                  "telemonitoraggio soci ospedalieri 450.000 euro"):
        hits = client.post("/v1/search", json={"query": query, "k": 50}).json()["results"]
        assert SECRET_DOC not in {h["doc_id"] for h in hits}
        assert all(SECRET_WORD not in h["text"] for h in hits)
        hits = client.post("/v1/search", json={"query": query},
                           headers=AUTH["member"]).json()["results"]
        assert hits[0]["doc_id"] == SECRET_DOC
    r = client.post("/v1/chat/completions", json={"model": "assistant", "messages": [
        {"role": "user", "content": "Quale budget ha il progetto Zefiro?"}]}).json()
    assert r["citations"] == [] and SECRET_WORD not in r["choices"][0]["message"]["content"]


def test_key_ring_matches_exact_keys_only() -> None:
    ring = KeyRing({"alpha": "member", "beta": "staff"})
    member, staff = ring.lookup("alpha"), ring.lookup("beta")
    assert member is not None and member.role == "member"
    assert staff is not None and staff.is_staff and staff.key_id != member.key_id
    assert "alpha" not in member.key_id  # the key itself never appears in logs or the db
    for wrong in ("alph", "alphaa", "ALPHA", "", "beta "):
        assert ring.lookup(wrong) is None
