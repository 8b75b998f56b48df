"""The ``assistant draft`` command and ``POST /v1/drafts`` (staff only)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.cli import app
from assistant.draft import Draft
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.rag.citations import check
from assistant.settings import Settings
from tests.draft.conftest import RESERVED

KEYS = {"k-member": "member", "k-staff": "staff", "k-admin": "admin"}
AUTH = {"anonymous": {}, **{r: {"Authorization": f"Bearer {k}"} for k, r in KEYS.items()}}
BODY = {"topic": "missioni internazionali del cluster", "kind": "brief"}


@pytest.fixture
def index_copy(draft_index: Settings, tmp_path: Path) -> Path:
    shutil.copytree(draft_index.index_dir, tmp_path / "index")
    return tmp_path / "index"


def test_cli_writes_the_brief_and_validates_options(index_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    runner = CliRunner()
    res = runner.invoke(app, ["draft", "missioni internazionali", "--index", str(index_copy),
                              "--kind", "brief", "--since", "2025", "--tag",
                              "missioni internazionali", "--out", str(out), "--role", "member"])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Bozza di lavoro (brief)") and "## Fonti" in text
    assert "2025-01-01 → …" in text and "Boston" not in text.split("## Fonti")[1]
    for bad in (["--role", "anonymous"], ["--kind", "tweet"], ["--since", "ieri"],
                ["--words", "5"]):
        res = runner.invoke(app, ["draft", "missioni", "--index", str(index_copy), *bad])
        assert res.exit_code == 1, (bad, res.output)


@pytest.fixture
def client(index_copy: Path, embedder: Embedder) -> Iterator[TestClient]:
    s = Settings(corpus_dir=index_copy.parent / "corpus", index_dir=index_copy, api_keys=KEYS,
                 rate_limit_per_minute=100_000)
    assistant = Assistant(s, Index(s, embedder=embedder, lock=False))
    with TestClient(create_app(s, assistant=assistant), raise_server_exceptions=False) as c:
        yield c
    assistant.index.manifest.close()


def test_api_drafts_are_for_staff_only(client: TestClient) -> None:
    assert client.post("/v1/drafts", json=BODY).status_code == 401
    assert client.post("/v1/drafts", json=BODY, headers=AUTH["member"]).status_code == 403
    for role in ("staff", "admin"):
        r = client.post("/v1/drafts", json=BODY, headers=AUTH[role])
        assert r.status_code == 200, r.text
        d = Draft.model_validate(r.json())
        assert d.mode == "extractive" and check(d.markdown, d.citations)
        assert "CANARY" not in d.markdown
    assert {c.doc_id for c in d.citations} & set(RESERVED)  # staff see member-only content
    assert "riservato ai soci" in d.markdown


def test_api_rejects_bad_requests(client: TestClient) -> None:
    staff = AUTH["staff"]
    for body in ({"topic": "x"}, {**BODY, "since": "2026", "until": "2025"},
                 {**BODY, "kind": "tweet"}, {**BODY, "words": 99999}):
        assert client.post("/v1/drafts", json=body, headers=staff).status_code == 422
    r = client.post("/v1/drafts", json={**BODY, "until": "2024"}, headers=staff)
    assert r.status_code == 200
    assert all(c["date"] <= "2024-12-31" for c in r.json()["citations"]
               if c["doc_type"] == "article")
