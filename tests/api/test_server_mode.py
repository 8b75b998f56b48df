"""Server mode: a real ``chroma run`` on loopback, the app building its own Assistant."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.server import ServeError, check_startup
from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.api.conftest import AUTH, KEYS, SECRET_DOC
from tests.support import free_port

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "chroma-db"),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chroma run did not start")
            time.sleep(0.2)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(10)


def test_service_over_a_chroma_server(tmp_path: Path, api_base: Path, embedder: Embedder,
                                      chroma_server: tuple[int, subprocess.Popen[bytes]]
                                      ) -> None:
    port, proc = chroma_server
    shutil.copytree(api_base / "corpus", tmp_path / "corpus")
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                 chroma_host="127.0.0.1", chroma_port=port, api_keys=KEYS)
    idx = Index(s, embedder=embedder)  # vectors go to the server, the manifest stays local
    try:
        assert idx.ingest().ok and sum(idx.vectors.count().values()) > 0
    finally:
        idx.close()
    check_startup(s, workers=4)  # several workers are fine with a server
    with TestClient(create_app(s)) as c:  # the lifespan builds its own Assistant
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["chroma"]["ok"]
        out = c.post("/v1/chat", json={"messages": [
            {"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}]}).json()
        assert out["grounded"] and "1,2 milioni" in out["answer"]
        hits = c.post("/v1/search", json={"query": "progetto Zefiro"}).json()["results"]
        assert SECRET_DOC not in {h["doc_id"] for h in hits}
        r = c.put("/v1/documents/news/server", headers=AUTH["staff"], json={
            "title": "Nota Antares", "text": "Il progetto Antares studia i biosensori."})
        assert r.status_code == 201
        hits = c.post("/v1/search", json={"query": "progetto Antares biosensori"}).json()
        assert hits["results"][0]["doc_id"] == "news/server"
        assert hits["results"][0]["dense"] > 0  # the vector came back from the server
        proc.terminate()
        proc.wait(10)
        down = c.get("/readyz")
        assert down.status_code == 503 and "Chroma not reachable" in down.json()["reason"]


def test_several_workers_need_a_chroma_server(tmp_path: Path) -> None:
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    check_startup(s, workers=1)
    with pytest.raises(ServeError, match="ASSISTANT_CHROMA_HOST"):
        check_startup(s, workers=2)
