"""A tiny corpus (public, member-only, a member profile) indexed once per session, a
private copy per test, apps over it through TestClient or a real uvicorn on loopback.

The index and the app embed with the real model, or with hash vectors in tests marked
``hash_vectors`` (routes, auth, limits: what the model ranks is not the point)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.protocols import Embedder as EmbedderSeam
from assistant.rag.llm import OpenAILLM
from assistant.settings import Settings
from tests.fakes import FakeEmbedder
from tests.support import build_index, write_corpus

KEYS = {"k-member": "member", "k-staff": "staff", "k-admin": "admin"}
AUTH: dict[str, dict[str, str]] = {
    "anonymous": {}, **{role: {"Authorization": f"Bearer {key}"} for key, role in KEYS.items()}}
SECRET_DOC = "articles/verbale-riservato.md"
SECRET_WORD = "Zefiro"

DOCS = {
    "articles/bando-ponti.md": """---
title: "Bando Ponti di Innovazione 2024"
date: 2024-05-06
tags: [bandi]
visibility: public
---
Il bando Ponti di Innovazione ha una dotazione di 1,2 milioni di euro.
Finanzia progetti collaborativi tra soci di regioni diverse.
Le domande si presentano entro il 30 giugno 2024 sul portale del cluster.
""",
    "articles/missione-osaka.md": """---
title: "Missione a Osaka: sei soci alla fiera Japan Health"
date: 2025-06-20
tags: [missioni]
---
Sei soci del cluster hanno partecipato alla missione a Osaka in occasione di Japan Health.
La delegazione ha incontrato oltre 70 stakeholder giapponesi in tre giorni di incontri.
""",
    SECRET_DOC: """---
title: "Verbale riservato del consiglio direttivo"
date: 2025-11-03
tags: [policy]
visibility: members
---
Il consiglio direttivo ha approvato il progetto Zefiro con un budget di 450.000 euro.
Il progetto Zefiro finanzia la piattaforma di telemonitoraggio dei soci ospedalieri.
""",
    "members/rigenera.yaml": """name: Rigenera Lab S.r.l.
kind: company
region: Lombardia
city: Milano
sectors: [medicina rigenerativa, biotecnologie]
founded: 2015
employees: 22
visibility: public
description: |
  Rigenera Lab sviluppa scaffold bioattivi per la rigenerazione della cartilagine.
  Il prodotto principale, CartiGen, è in sperimentazione clinica di fase II.
""",
}


def _build(base: Path, embedder: EmbedderSeam) -> Path:
    write_corpus(base / "corpus", DOCS)
    build_index(Settings(corpus_dir=base / "corpus", index_dir=base / "index"), embedder)
    return base


@pytest.fixture(scope="session")
def api_base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """``<base>/corpus`` and ``<base>/index``, ingested once (copy before writing)."""
    return _build(tmp_path_factory.mktemp("api"), embedder)


@pytest.fixture(scope="session")
def api_base_hashed(tmp_path_factory: pytest.TempPathFactory,
                    fake_embedder: FakeEmbedder) -> Path:
    """The same with hash vectors, for tests marked ``hash_vectors``."""
    return _build(tmp_path_factory.mktemp("api-hashed"), fake_embedder)


@pytest.fixture
def api_settings(tmp_path: Path, request: pytest.FixtureRequest,
                 model_embedder: EmbedderSeam) -> Settings:
    """A private copy of the index that matches ``model_embedder``."""
    hashed = request.node.get_closest_marker("hash_vectors") is not None
    base: Path = request.getfixturevalue("api_base_hashed" if hashed else "api_base")
    shutil.copytree(base / "corpus", tmp_path / "corpus")
    shutil.copytree(base / "index", tmp_path / "index")
    # hash vectors' cosines are nothing like e5's, so the fitted answerability model
    # would refuse on them: these tests are about routes, auth and limits, and the
    # refusals they need come from the checks (names and words the corpus lacks)
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                    api_keys=KEYS, rate_limit_per_minute=100_000,
                    answer_threshold=0.0 if hashed else None)


AppFactory = Callable[..., tuple[FastAPI, Assistant]]


@pytest.fixture
def make_app(api_settings: Settings, model_embedder: EmbedderSeam) -> Iterator[AppFactory]:
    """``make_app(**settings_overrides) -> (app, assistant)``; the assistant reuses the
    session embedder (its query cache makes the suite fast) and holds the index lock."""
    made: list[Assistant] = []

    def make(**overrides: Any) -> tuple[FastAPI, Assistant]:
        s = Settings(**{**api_settings.model_dump(), **overrides})
        llm = OpenAILLM(s) if s.llm_enabled else None
        assistant = Assistant(s, Index(s, embedder=model_embedder), llm)
        made.append(assistant)
        return create_app(s, assistant=assistant), assistant

    yield make
    for a in made:
        a.index.close()


@pytest.fixture
def client_for(make_app: AppFactory) -> Iterator[Callable[..., TestClient]]:
    """``client_for(**settings_overrides)``: a started TestClient (lifespan run)."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app, _ = make_app(**overrides)
        c = TestClient(app, raise_server_exceptions=False)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(client_for: Callable[..., TestClient]) -> TestClient:
    return client_for()


def ask(client: TestClient, question: str, role: str = "anonymous",
        **body: Any) -> Any:
    r = client.post("/v1/chat", headers=AUTH[role],
                    json={"messages": [{"role": "user", "content": question}], **body})
    assert r.status_code == 200, r.text
    return r.json()
