"""The real server (API + UI mounted at /) on 127.0.0.1 over a small private corpus:
a few demo files, a poisoned article full of HTML, indexed once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.conftest import DEMO_CORPUS
from tests.support import build_index, free_port, live_server

KEYS = {"k-member": "member", "k-staff": "staff", "k-sidebar": "member"}
DEMO_FILES = ["articles/2024-05-bando-ponti-innovazione-2024.md",
              "articles/2025-06-missione-osaka-risultati.md",
              "members/biorigenera-srl.yaml", "members/cellaria-therapeutics-spa.yaml",
              "members/venetissue-srl.yaml"]
POISON_DOC = "articles/avviso-protocollo-fenice.md"
POISON = """---
title: "Protocollo Fenice <img src=x onerror=window.__pwned=3> {{7*7}}"
date: 2025-09-01
url: "javascript:window.__pwned=4"
tags: [policy]
visibility: public
---
Il protocollo Fenice ha il codice FX-42 <script>window.__pwned=1</script> e scade a marzo.
Il protocollo Fenice vale anche per gli ospiti <img src=x onerror="window.__pwned=2"> ${7*7}.
Per il protocollo Fenice vedi [il sito](javascript:window.__pwned=5) e ![foto](http://127.0.0.9/x.png).
"""


@pytest.fixture(scope="session")
def ui_base(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """``<base>/corpus`` and ``<base>/index`` of the UI corpus, ingested once."""
    base = tmp_path_factory.mktemp("ui")
    for rel in DEMO_FILES:
        (base / "corpus" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO_CORPUS / rel, base / "corpus" / rel)
    (base / "corpus" / POISON_DOC).write_text(POISON, encoding="utf-8")
    build_index(Settings(corpus_dir=base / "corpus", index_dir=base / "index"), embedder)
    return base


@dataclass
class LiveUI:
    url: str
    settings: Settings


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory, ui_base: Path,
              embedder: Embedder) -> Iterator[LiveUI]:
    """uvicorn serving the API with the UI mounted at /, on a private copy of the index."""
    work = tmp_path_factory.mktemp("ui-live")
    shutil.copytree(ui_base / "corpus", work / "corpus")
    shutil.copytree(ui_base / "index", work / "index")
    port = free_port()
    s = Settings(corpus_dir=work / "corpus", index_dir=work / "index", api_keys=KEYS,
                 rate_limit_per_minute=100_000, port=port, data_dir=work / "data")
    assistant = Assistant(s, Index(s, embedder=embedder), None)
    try:
        with live_server(create_app(s, assistant=assistant, ui=True), port,
                         start_timeout_s=60) as url:
            yield LiveUI(url, s)
    finally:
        assistant.index.close()
