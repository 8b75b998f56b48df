"""/v1/documents: pagination, writes visible to the next query, files under uploads/."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from assistant.ingest.index import Index
from assistant.protocols import Embedder as EmbedderSeam
from assistant.settings import Settings
from tests.api.conftest import AUTH, DOCS, AppFactory

pytestmark = pytest.mark.hash_vectors  # routes and roles: what the model ranks is not the point

STAFF = AUTH["staff"]


def search_ids(client: TestClient, query: str, role: str = "anonymous") -> list[str]:
    r = client.post("/v1/search", json={"query": query, "k": 10}, headers=AUTH[role])
    assert r.status_code == 200, r.text
    return [h["doc_id"] for h in r.json()["results"]]


def test_list_is_paginated_and_sorted(client: TestClient) -> None:
    full = client.get("/v1/documents", headers=AUTH["member"], params={"limit": 500}).json()
    assert full["total"] == len(DOCS) == len(full["items"])
    ids = [d["doc_id"] for d in full["items"]]
    assert ids == sorted(ids)
    page = client.get("/v1/documents", headers=AUTH["member"],
                      params={"offset": 1, "limit": 2}).json()
    assert page["total"] == len(DOCS) and [d["doc_id"] for d in page["items"]] == ids[1:3]
    members = client.get("/v1/documents", params={"doc_type": "member"}).json()
    assert [d["doc_type"] for d in members["items"]] == ["member"]
    assert client.get("/v1/documents", params={"limit": 0}).status_code == 422
    assert client.get("/v1/documents", params={"offset": -1}).status_code == 422


def test_json_document_is_searchable_at_once_then_replaced_then_deleted(
        client: TestClient, api_settings: Settings) -> None:
    doc_id = "news/2026/bando-aurora"
    body: dict[str, Any] = {"title": "Bando Aurora 2026", "doc_type": "article",
            "text": "Il bando Aurora finanzia laboratori di fotonica con 800.000 euro.",
            "metadata": {"date": "2026-01-15", "tags": ["bandi"], "visibility": "public"}}
    assert doc_id not in search_ids(client, "bando Aurora fotonica")
    r = client.put(f"/v1/documents/{doc_id}", json=body, headers=STAFF)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["created"] and out["chunks"] == 1 and out["source"].startswith("uploads/")
    saved = api_settings.corpus_dir / out["source"]
    assert "id: news/2026/bando-aurora" in saved.read_text()
    assert search_ids(client, "bando Aurora fotonica")[0] == doc_id
    got = client.get(f"/v1/documents/{doc_id}").json()
    assert got["title"] == "Bando Aurora 2026" and got["metadata"]["tags"] == ["bandi"]

    body["metadata"]["visibility"] = "members"  # replaced: now member-only
    r = client.put(f"/v1/documents/{doc_id}", json=body, headers=STAFF)
    assert r.status_code == 200 and not r.json()["created"]
    assert doc_id not in search_ids(client, "bando Aurora fotonica")
    assert search_ids(client, "bando Aurora fotonica", "member")[0] == doc_id

    assert client.delete(f"/v1/documents/{doc_id}", headers=STAFF).status_code == 204
    assert not saved.exists()
    assert doc_id not in search_ids(client, "bando Aurora fotonica", "member")
    assert client.get(f"/v1/documents/{doc_id}", headers=STAFF).status_code == 404


def test_uploaded_files_of_each_format(client: TestClient, api_settings: Settings) -> None:
    d = docx.Document()
    d.add_heading("Relazione Borealis", level=1)
    d.add_paragraph("Il progetto Borealis sviluppa sensori per la dialisi domiciliare.")
    buf = io.BytesIO()
    d.save(buf)
    files = {
        "up/md": ("nota.md", b"---\ntitle: Nota Cometa\n---\nIl progetto Cometa studia "
                             b"biomateriali riassorbibili.\n"),
        "up/txt": ("nota.txt", b"Nota Vega\nIl progetto Vega misura la glicemia."),
        "up/html": ("pagina.html", b"<html><head><title>Pagina Orione</title></head><body>"
                                   b"<article><p>Il progetto Orione realizza protesi stampate "
                                   b"in 3D per la chirurgia ortopedica pediatrica.</p>"
                                   b"</article></body></html>"),
        "up/docx": ("relazione.docx", buf.getvalue()),
        "up/yaml": ("socio.yaml", b"name: Lyra Bio S.r.l.\nkind: company\nregion: Veneto\n"
                                  b"description: Lyra produce enzimi.\n"),
        "up/csv": ("socio.csv", b"name,kind,region,sectors,description\nAndromeda Med,company,"
                                b"Lazio,medtech;diagnostica,Andromeda produce ecografi.\n"),
    }
    for doc_id, (name, raw) in files.items():
        r = client.put(f"/v1/documents/{doc_id}", files={"file": (name, raw)},
                       data={"visibility": "members"}, headers=STAFF)
        assert r.status_code == 201, (name, r.text)
        got = client.get(f"/v1/documents/{doc_id}", headers=AUTH["member"]).json()
        assert got["visibility"] == "members", name
        assert client.get(f"/v1/documents/{doc_id}").status_code == 404
    assert search_ids(client, "progetto Borealis dialisi", "member")[0] == "up/docx"
    assert search_ids(client, "Andromeda ecografi", "member")[0] == "up/csv"
    assert client.get("/v1/documents/up/yaml", headers=STAFF).json()["doc_type"] == "member"
    uploads = sorted(p.suffix for p in (api_settings.corpus_dir / "uploads").iterdir())
    assert uploads == [".md", ".md", ".md", ".md", ".yaml", ".yaml"]


def test_bad_uploads_are_4xx_and_leave_nothing(client: TestClient,
                                               api_settings: Settings) -> None:
    cases = [
        ({"file": ("x.exe", b"MZ")}, 415),
        ({"file": ("x.pdf", b"not a pdf")}, 422),
        ({"file": ("x.yaml", b"- just\n- a list\n")}, 422),
        ({"file": ("x.csv", b"name\nA\nB\n")}, 422),
        ({"file": ("x.md", b"\xff\xfe garbage")}, 422),
        ({"file": ("x.md", b"   ")}, 422),
    ]
    for files, status in cases:
        r = client.put("/v1/documents/bad", files=files, headers=STAFF)
        assert r.status_code == status, (files, r.text)
    r = client.put("/v1/documents/bad", data={"visibility": "members"}, headers=STAFF,
                   files={"other": ("x.md", b"hi")})
    assert r.status_code == 422
    r = client.put("/v1/documents/bad", content=b"title=x", headers={
        **STAFF, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    for body in ({"title": "t"}, {"title": "t", "text": "x", "metadata": {"id": "other"}},
                 {"title": "t", "text": "x", "metadata": {"visibility": "secret"}},
                 {"title": "t", "text": "x", "metadata": {"date": "ieri"}}):
        assert client.put("/v1/documents/bad", json=body, headers=STAFF).status_code == 422
    assert client.get("/v1/documents/bad", headers=STAFF).status_code == 404
    assert not list((api_settings.corpus_dir / "uploads").glob("*"))


def test_corpus_documents_cannot_be_replaced_but_can_be_removed(client: TestClient) -> None:
    r = client.put("/v1/documents/articles/bando-ponti.md", headers=STAFF,
                   json={"title": "x", "text": "y"})
    assert r.status_code == 409 and "articles/bando-ponti.md" in r.json()["detail"]
    assert client.delete("/v1/documents/articles/bando-ponti.md", headers=STAFF).status_code \
        == 204
    assert "articles/bando-ponti.md" not in search_ids(client, "bando Ponti di Innovazione")


def test_invalid_document_ids_are_refused(client: TestClient) -> None:
    for doc_id in ("%20lead", "tab%09id", "x" * 301):
        r = client.put(f"/v1/documents/{doc_id}", json={"title": "t", "text": "x"},
                       headers=STAFF)
        assert r.status_code == 422, doc_id


def test_a_later_ingest_keeps_uploaded_documents(make_app: AppFactory,
                                                 model_embedder: EmbedderSeam,
                                                 api_settings: Settings) -> None:
    app, assistant = make_app()
    with TestClient(app) as c:
        r = c.put("/v1/documents/news/nuovo", headers=STAFF, json={
            "title": "Nuovo socio Sirio", "text": "Sirio Diagnostics entra nel cluster.",
            "metadata": {"tags": ["soci"]}})
        assert r.status_code == 201
        r = c.put("/v1/documents/soci/sirio", headers=STAFF, json={
            "title": "Sirio Diagnostics", "text": "Test rapidi per la sepsi.",
            "doc_type": "member", "metadata": {"kind": "company", "region": "Toscana"}})
        assert r.status_code == 201
    assistant.index.close()  # the service stops; an ingest of the corpus follows
    idx = Index(api_settings, embedder=model_embedder)
    try:
        report = idx.ingest()
        docs = idx.manifest.docs()
    finally:
        idx.close()
    assert report.ok and report.removed == [] and report.added == [] and report.updated == []
    assert docs["news/nuovo"].source.startswith("uploads/")
    assert docs["soci/sirio"].doc_type == "member"


def test_write_then_read_through_a_fresh_client(client_for: Callable[..., TestClient]) -> None:
    c = client_for()
    r = c.put("/v1/documents/x/y", headers=AUTH["admin"], json={"title": "Titolo", "text":
                                                                 "Testo di prova sul vento."})
    assert r.status_code == 201
    listed = c.get("/v1/documents", params={"limit": 500}).json()
    assert "x/y" in {d["doc_id"] for d in listed["items"]}


def test_unwritable_uploads_folder_is_a_clear_507(client: TestClient,
                                                  api_settings: Settings) -> None:
    (api_settings.corpus_dir / "uploads").write_text("not a folder")
    r = client.put("/v1/documents/x", headers=STAFF, json={"title": "t", "text": "testo"})
    assert r.status_code == 507 and "cannot save the upload" in r.json()["detail"]
    assert client.get("/v1/documents/x", headers=STAFF).status_code == 404
