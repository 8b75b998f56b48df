"""Attacks on the API, replayed against a real uvicorn on 127.0.0.1 (started with
``assistant serve``'s options) with the payloads that worked before they were closed.
See docs/security.md, "Threat model and tests"."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import docx
import httpx
import pytest

from assistant.api.server import uvicorn_options
from assistant.settings import Settings
from tests.api.conftest import AUTH, AppFactory
from tests.support import alias_bomb, live_server

pytestmark = pytest.mark.slow  # real uvicorn servers

Live = Callable[..., Any]
STAFF = AUTH["staff"]


@pytest.fixture
def live(make_app: AppFactory) -> Iterator[Live]:
    """``with live(**settings) as client``: an httpx client of a real server."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[httpx.Client]:
        app, assistant = make_app(**overrides)
        with live_server(app, **uvicorn_options(assistant.settings)) as url, \
                httpx.Client(base_url=url, timeout=60) as client:
            yield client

    yield start


def put_file(c: httpx.Client, doc_id: str, name: str, raw: bytes) -> httpx.Response:
    return c.put(f"/v1/documents/{doc_id}", headers=STAFF, files={"file": (name, raw)})


def test_yaml_alias_bomb_is_refused_small_and_without_values(live: Live) -> None:
    bomb = alias_bomb()
    assert len(bomb) < 500
    with live() as c:
        for name, raw in (("bomba.yaml", bomb), ("bomba.md", f"---\n{bomb}---\nTesto.\n")):
            r = put_file(c, f"uploads/{name}", name, raw.encode())
            assert r.status_code == 422, r.text[:300]
            assert len(r.content) < 2000 and "lol" not in r.text
            assert "alias" in r.json()["detail"]
        assert c.get("/v1/me").status_code == 200  # the server is fine


def _docx(paragraphs: int) -> bytes:
    d = docx.Document()
    for _ in range(paragraphs):
        d.add_paragraph("Il cluster sostiene la ricerca sulle terapie avanzate. " * 10)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_text_over_max_doc_chars_is_refused_before_indexing(live: Live) -> None:
    """A small, highly compressed DOCX that expands past ASSISTANT_MAX_DOC_CHARS gets a
    413 naming the limit; so does a JSON body; nothing is indexed."""
    raw = _docx(40)  # ~22,000 characters of text in a few KB
    assert len(raw) < 60_000
    with live(max_doc_chars=10_000) as c:
        r = put_file(c, "uploads/espansa.docx", "espansa.docx", raw)
        assert r.status_code == 413 and "10,000" in r.json()["detail"], r.text
        j = c.put("/v1/documents/uploads/lunga", headers=STAFF,
                  json={"title": "Lunga", "text": "parola " * 2000})
        assert j.status_code == 413, j.text
        md = put_file(c, "uploads/lunga.md", "lunga.md", ("parola " * 2000).encode())
        assert md.status_code == 413, md.text
        assert c.get("/v1/documents/uploads/espansa.docx", headers=STAFF).status_code == 404


def test_overflowing_numbers_huge_csv_fields_and_nul_names_are_422(live: Live) -> None:
    with live() as c:
        inf = put_file(c, "uploads/inf.yaml", "inf.yaml",
                       b"name: Infinita S.r.l.\nkind: company\nfounded: .inf\n")
        assert inf.status_code == 422, inf.text
        big = c.put("/v1/documents/uploads/big", headers={**STAFF,
                    "Content-Type": "application/json"}, content=(
            b'{"title": "Grande", "text": "Un socio.", "doc_type": "member",'
            b' "metadata": {"founded": 1e400}}'))
        assert big.status_code == 422, big.text
        field = put_file(c, "uploads/campo.csv", "campo.csv",
                         b"name,description\nCampo S.r.l.,\"" + b"x" * 140_000 + b"\"\n")
        assert field.status_code == 422 and "xxx" not in field.text, field.text[:300]
        nul = put_file(c, "uploads/nul.csv", "nul.csv", b"name,kind\nNul\x00 S.r.l.,company\n")
        assert nul.status_code == 422, nul.text


def test_untitled_markdown_upload_is_titled_from_its_file_name(live: Live) -> None:
    with live() as c:
        r = put_file(c, "uploads/relazione", "relazione_annuale-2025.md",
                     b"Il cluster ha chiuso il 2025 con 120 soci.\n")
        assert r.status_code == 201, r.text
        doc = c.get("/v1/documents/uploads/relazione").json()
        assert doc["title"] == "relazione annuale 2025"


def test_visibility_at_the_top_of_search_and_chat_is_422(live: Live) -> None:
    with live() as c:
        s = c.post("/v1/search", json={"query": "progetto Zefiro", "visibility": "members"})
        assert s.status_code == 422, s.text
        q = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "Zefiro?"}],
                                     "visibility": "members"})
        assert q.status_code == 422, q.text


def test_readyz_does_not_count_member_only_content(live: Live) -> None:
    with live() as c:
        body = c.get("/readyz").json()
        assert body["status"] == "ready" and "chunks" not in str(body)


def test_an_unwritable_corpus_is_507_without_server_paths(live: Live,
                                                          api_settings: Settings) -> None:
    uploads = api_settings.corpus_dir / "uploads"
    uploads.write_text("not a folder")  # saving under it fails like a read-only volume
    with live() as c:
        r = c.put("/v1/documents/uploads/nota", headers=STAFF,
                  json={"title": "Nota", "text": "Una nota."})
    assert r.status_code == 507, r.text
    assert str(api_settings.corpus_dir) not in r.text and "/" not in r.json()["detail"]


def test_question_cost_is_bounded_after_unicode_normalisation(live: Live) -> None:
    """4,000 × U+FDFA is under the character limit but 16,000 words once normalised."""
    heavy = "\ufdfa" * 4000
    with live() as c:
        chat = c.post("/v1/chat", json={"messages": [{"role": "user", "content": heavy}]})
        assert chat.status_code == 422, chat.text[:300]
        search = c.post("/v1/search", json={"query": heavy})
        assert search.status_code == 422, search.text[:300]
        fine = c.post("/v1/search", json={"query": "bando Ponti di Innovazione " * 100})
        assert fine.status_code == 200, fine.text[:300]
