"""Shared fixtures: real e5 embedder (default engine, one cache per session), real Chroma,
and the ``FakeEmbedder`` for tests where the model is not the point.

Fixtures shared by tests of both kinds (the API's app and index) take
``model_embedder``: the real model, or hash vectors in a test marked ``hash_vectors``.
A test that uses the real model (``embedder``, or ``model_embedder`` without
``hash_vectors``, directly or through another fixture) is marked ``model`` at
collection; ``make test-fast`` leaves those out, with the ``slow``, ``browser`` and
``fault`` ones. Tests that load the model another way (a CLI run, a server process)
carry the ``model`` mark themselves.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
for _var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_var, None)  # tests never reach a real LLM

from assistant.embed import Embedder  # noqa: E402
from assistant.protocols import Embedder as EmbedderSeam  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402
from tests.postgres import postgres_cluster, unavailable  # noqa: E402
from tests.support import build_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEMO_CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "japan-health-expo-mission.txt"


def uses_real_model(item: pytest.Item) -> bool:
    """Whether the test's fixtures embed with the real model."""
    names = set(getattr(item, "fixturenames", ()))
    return "embedder" in names or (
        "model_embedder" in names and item.get_closest_marker("hash_vectors") is None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``model`` every test that embeds with the real model."""
    for item in items:
        if uses_real_model(item):
            item.add_marker(pytest.mark.model)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in list(os.environ):
        if var.startswith("ASSISTANT_") or var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))  # never ./data


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL on 127.0.0.1 (see tests/postgres.py); skipped if impossible."""
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with postgres_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def embed_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the whole session: each text is embedded once."""
    return tmp_path_factory.mktemp("embcache") / "embeddings.sqlite"


@pytest.fixture(scope="session")
def embedder(embed_cache: Path) -> Iterator[Embedder]:
    emb = Embedder(embed_cache)
    yield emb
    emb.close()


@pytest.fixture(scope="session")
def fake_embedder() -> FakeEmbedder:
    """Hash-based vectors: for tests of ranking, answering and routing logic, where
    what the real model would rank is not the point (no model load, no inference)."""
    return FakeEmbedder()


@pytest.fixture
def model_embedder(request: pytest.FixtureRequest, fake_embedder: FakeEmbedder) -> EmbedderSeam:
    """The real model, or ``FakeEmbedder`` in a test marked ``hash_vectors``."""
    if request.node.get_closest_marker("hash_vectors") is not None:
        return fake_embedder
    real: Embedder = request.getfixturevalue("embedder")
    return real


def make_settings(tmp_path: Path, corpus: Path | None = None, **kw: object) -> Settings:
    return Settings(corpus_dir=corpus or tmp_path / "corpus", index_dir=tmp_path / "index", **kw)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "corpus").mkdir()
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def demo_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The demo corpus indexed once per session (copy it before writing to it)."""
    base = tmp_path_factory.mktemp("demo")
    build_index(Settings(corpus_dir=DEMO_CORPUS, index_dir=base / "index"), embedder)
    return base / "index"


@pytest.fixture
def demo_settings(tmp_path: Path, demo_index_dir: Path) -> Settings:
    """Settings on a private copy of the session's demo index."""
    shutil.copytree(demo_index_dir, tmp_path / "index")
    return Settings(corpus_dir=DEMO_CORPUS, index_dir=tmp_path / "index")
