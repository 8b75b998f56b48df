"""Storage faults: the disk filling up during an ingest, index files truncated.

A full disk (``ulimit -f`` in the ingest's shell, with SIGXFSZ ignored so writes fail
with EFBIG instead of killing it) must give a clear message and exit 5, and the
index must still open and answer with what it had. A damaged manifest or Chroma
store is detected by ``assistant check`` and by ``assistant serve`` before it starts
(exit 4, once, no traceback); damaged BM25 files are rebuilt from the manifest.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.models import Caller
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from tests.faults.conftest import ASSISTANT, code_word, make_docs, scratch_dir
from tests.ingest.helpers import assert_consistent, cli_env, warm_cache

pytestmark = pytest.mark.fault
N_OLD, N_NEW = 20, 120


def finds(settings: Settings, embedder: Embedder, i: int) -> bool:
    """Document ``i`` is the top hit for its code word (a fresh process's view)."""
    idx = Index(settings, embedder=embedder)
    try:
        hits = Retriever(settings, embedder, idx.vectors, idx.lexical).retrieve(
            f"socio {code_word(i)}", Caller(role="member").visibilities, 3)
        return bool(hits) and hits[0].doc_id == f"d{i:03d}.md"
    finally:
        idx.close()


def cli(*args: str, timeout: float = 240, shell_prefix: str = "") -> subprocess.CompletedProcess:
    cmd = " ".join([str(ASSISTANT), *args])
    return subprocess.run(["bash", "-c", f"{shell_prefix}exec {cmd}"], env=cli_env(
        {"ASSISTANT_EMBED_ENGINE": "fast"}), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory,
          fast_embedder: Embedder) -> Iterator[tuple[Path, Path]]:
    """A 20-document index and a corpus with 120 more documents (all embeddings cached)."""
    with scratch_dir(tmp_path_factory.mktemp("storage")) as base:
        corpus = base / "corpus"
        make_docs(corpus, N_OLD, start=600)
        idx = Index(Settings(corpus_dir=corpus, index_dir=base / "index"),
                    embedder=fast_embedder)
        assert idx.ingest().ok
        idx.close()
        make_docs(corpus, N_NEW, start=700)
        warm = Index(Settings(corpus_dir=corpus, index_dir=base / "warm"),
                     embedder=fast_embedder)
        assert warm.ingest().ok  # fills the embedding cache with the new texts
        warm.close()
        yield corpus, base / "index"


@pytest.mark.parametrize("margin_kb", [8, 96])
def test_disk_full_during_ingest(fast_tmp: Path, fast_embedder: Embedder,
                                 built: tuple[Path, Path], margin_kb: int) -> None:
    corpus, ref = built
    index = fast_tmp / "index"
    shutil.copytree(ref, index)
    warm_cache(fast_embedder, index)
    biggest = max((p.stat().st_size for p in index.rglob("*")
                   if p.is_file() and p.name != "embeddings.sqlite"), default=0)
    limit_kb = biggest // 1024 + margin_kb  # room for some of the new documents only
    out = cli("ingest", "--corpus", str(corpus), "--index", str(index),
              shell_prefix=f"trap '' XFSZ; ulimit -f {limit_kb}; ")
    text = " ".join((out.stdout + out.stderr).split())
    assert out.returncode == 5, text[-2000:]
    assert "writing the index failed" in text and "run `assistant ingest` again" in text, text
    assert "Traceback" not in text
    settings = Settings(corpus_dir=corpus, index_dir=index)
    check = cli("check", "--index", str(index))
    assert check.returncode == 0, check.stderr  # opens, consistent (pending redone later)
    assert finds(settings, fast_embedder, 600) and finds(settings, fast_embedder, 619)
    idx = Index(settings, embedder=fast_embedder)  # with space again, the ingest finishes
    try:
        report = idx.ingest()
        assert report.ok and len(assert_consistent(idx)) == (N_OLD + N_NEW) * 6 // 5
        print(f"limit {limit_kb} KB: {len(report.added)} documents were left to add")
    finally:
        idx.close()


def truncate(path: Path, size: int | None = None) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2 if size is None else size)


CASES = {  # what to damage -> (expected exit code, words in the message)
    "manifest": (4, "manifest"),
    "chroma-db-half": (4, "Chroma database"),
    "chroma-db-empty": (4, "vector store lacks"),
    "bm25": (0, "rebuilt from the manifest"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_index_is_detected_at_start(fast_tmp: Path, fast_embedder: Embedder,
                                            built: tuple[Path, Path], case: str) -> None:
    corpus, ref = built
    index = fast_tmp / "index"
    shutil.copytree(ref, index)
    if case == "manifest":
        truncate(index / "manifest.sqlite")
    elif case.startswith("chroma-db"):
        truncate(index / "chroma" / "chroma.sqlite3", 0 if case.endswith("empty") else None)
    else:
        for f in (index / "bm25_public").iterdir():
            truncate(f)
    want_code, words = CASES[case]
    out = cli("check", "--index", str(index))
    text = " ".join(out.stderr.split())
    assert out.returncode == want_code and words in text, (out.returncode, text)
    assert "Traceback" not in text
    if want_code == 0:  # the tier was rebuilt: a new process loads it and answers
        assert finds(Settings(corpus_dir=corpus, index_dir=index), fast_embedder, 605)


def test_serve_refuses_a_damaged_index_once(fast_tmp: Path, built: tuple[Path, Path]) -> None:
    corpus, ref = built
    index = fast_tmp / "index"
    shutil.copytree(ref, index)
    truncate(index / "manifest.sqlite")
    out = cli("serve", "--no-ui", "--port", "1", "--index", str(index), "--corpus",
              str(corpus))
    text = " ".join(out.stderr.split())
    assert out.returncode == 4 and "index damaged" in text and "--rebuild" in text, text
    assert "Traceback" not in text


def test_damaged_vector_files_never_crash_the_check(fast_tmp: Path, fast_embedder: Embedder,
                                                   built: tuple[Path, Path]) -> None:
    """HNSW segment files: either detected (4) or harmless (0 and correct answers);
    never a crash of the caller."""
    corpus, ref = built
    index = fast_tmp / "index"
    shutil.copytree(ref, index)
    segments = [p for p in (index / "chroma").glob("*/*.bin") if p.stat().st_size]
    assert segments
    for f in segments:
        truncate(f)
    out = cli("check", "--index", str(index))
    assert out.returncode in (0, 4), out.stderr
    if out.returncode == 0:
        assert finds(Settings(corpus_dir=corpus, index_dir=index), fast_embedder, 603)
