"""Crash safety: ``kill -9`` of a real ``assistant ingest``, then a re-run repairs the index."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.ingest.chunk import chunk_document
from assistant.ingest.index import Index
from assistant.ingest.load import iter_corpus_files, load_file
from assistant.settings import Settings
from assistant.stores.lock import IndexLock
from assistant.stores.manifest import Manifest
from assistant.stores.vector import VectorStore
from tests.ingest.helpers import CLI, assert_consistent, cli_env, md, snapshot, warm_cache, write

pytestmark = pytest.mark.fault

N_DOCS = 60
PROJECTS = ["CardioNet", "OsteoFix", "NeuroMap", "DermaCell", "GenoScan", "VitaSense"]
CITIES = ["Milano", "Bologna", "Trento", "Padova", "Torino", "Ancona", "Napoli"]


def make_corpus(root: Path) -> None:
    for i in range(N_DOCS):
        body = (f"Il socio numero {i} ha presentato il progetto {PROJECTS[i % 6]} alla fiera "
                f"di {CITIES[i % 7]}.")
        if i % 5 == 0:  # some documents have two chunks
            body += f"\n\n## Dettagli\n\nIl progetto {i} durerà {i % 5 + 2} anni."
        write(root / f"articles/n{i:02d}.md",
              md(body, title=f"Notizia {i}", visibility="members" if i % 4 == 0 else "public"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder):
    """The corpus, and the index a clean ingest makes of it (fills the session cache)."""
    base = tmp_path_factory.mktemp("crash")
    corpus = base / "corpus"
    make_corpus(corpus)
    settings = Settings(corpus_dir=corpus, index_dir=base / "reference")
    idx = Index(settings, embedder=embedder)
    try:
        report = idx.ingest()
        assert report.ok and len(report.added) == N_DOCS
        ids = assert_consistent(idx)
        snap = snapshot(idx)
    finally:
        idx.close()
    assert len(ids) == N_DOCS + N_DOCS // 5
    texts = [c.embed_text for f in iter_corpus_files(corpus)
             for d in load_file(f, corpus, settings.max_file_bytes)
             for c in chunk_document(d, settings.chunk_tokens, settings.chunk_overlap_tokens)]
    return corpus, snap, texts


def count_rows(db_path: Path, query: str) -> int:
    if not db_path.exists():
        return 0
    db = sqlite3.connect(db_path, timeout=5)
    try:
        return int(db.execute(query).fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet, or busy
        return 0
    finally:
        db.close()


def kill_ingest(corpus: Path, index_dir: Path, poll: Callable[[], int], kill_at: int,
                jitter_s: float, log: Path) -> bool:
    """Start ``assistant ingest`` and ``kill -9`` it once ``poll()`` reaches ``kill_at``;
    True if it was killed, False if it finished first."""
    with log.open("w") as err:
        proc = subprocess.Popen([str(CLI), "ingest", "--corpus", str(corpus), "--index",
                                 str(index_dir)], cwd=index_dir.parent, env=cli_env(),
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 90
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if poll() >= kill_at:
                time.sleep(jitter_s)  # land anywhere inside one document's write
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        else:
            if proc.poll() is None:
                pytest.fail(f"ingest neither reached {kill_at} nor ended: {log.read_text()}")
    finally:
        if proc.poll() is None and time.monotonic() >= deadline:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode in (0, -signal.SIGKILL), log.read_text()
    return proc.returncode == -signal.SIGKILL


def test_kill_9_mid_ingest_is_repaired_by_the_next_run(
        tmp_path: Path, embedder: Embedder, reference) -> None:
    corpus, ref_snapshot, texts = reference
    seed = int(os.environ.get("CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    dropped = set(rng.sample(texts, 24))
    trials = [  # (what to poll, threshold): while embedding, early writes, late writes
        ("embeddings", 16),  # the child embeds 24 texts in batches of 16
        ("manifest", rng.randint(2, 25)),
        ("manifest", rng.randint(26, N_DOCS - 6)),
    ]
    killed = 0
    for n, (stage, kill_at) in enumerate(trials):
        where = f"seed {seed}, trial {n}: kill after {kill_at} {stage} rows"
        index_dir = tmp_path / f"index{n}"
        warm_cache(embedder, index_dir)
        cache = index_dir / "embeddings.sqlite"
        manifest = index_dir / "manifest.sqlite"
        if stage == "embeddings":  # make the child embed some texts itself
            db = sqlite3.connect(cache)
            with db:
                db.executemany("DELETE FROM emb WHERE key=?",
                               [(embedder._key(t),) for t in dropped])
            base = int(db.execute("SELECT COUNT(*) FROM emb").fetchone()[0])
            db.close()

            def poll(cache: Path = cache, base: int = base) -> int:
                return count_rows(cache, "SELECT COUNT(*) FROM emb") - base
        else:
            def poll(manifest: Path = manifest) -> int:
                return count_rows(manifest, "SELECT COUNT(*) FROM docs WHERE status='done'")

        was_killed = kill_ingest(corpus, index_dir, poll, kill_at, rng.uniform(0, 0.03),
                                 tmp_path / f"ingest{n}.log")
        killed += was_killed
        # the lock died with the process
        IndexLock(index_dir).acquire().release()
        done_rows = count_rows(manifest, "SELECT COUNT(*) FROM docs WHERE status='done'")
        pending = set()
        if manifest.exists():
            m = Manifest(manifest)
            pending = {d for d, row in m.docs().items() if row.status != "done"}
            m.close()
        print(f"{where}: killed={was_killed} done={done_rows} pending={sorted(pending)}")

        idx = Index(Settings(corpus_dir=corpus, index_dir=index_dir), embedder=embedder)
        try:
            report = idx.ingest()
            assert report.ok, where
            assert report.unchanged == done_rows, where
            assert len(report.added) + len(report.updated) == N_DOCS - done_rows, where
            assert set(report.updated) == pending, where
            assert report.removed == [], where
            assert assert_consistent(idx) == set().union(*map(set, ref_snapshot.values())), where
            assert snapshot(idx) == ref_snapshot, where  # same texts, vectors and metadata
            again = idx.ingest()
            assert again.unchanged == N_DOCS and again.chunks_written == 0, where
        finally:
            idx.close()
    assert killed >= 2, f"seed {seed}: ingest finished before the kill in {3 - killed} trials"


# -- deterministic crashes at each step of a document's write, in process ----------------------

class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


# where the crash hits, and the documents left pending: a batch of documents is marked
# pending, has its old vectors deleted, its new ones written (one Chroma write per
# partition) and is then committed document by document
CRASHES = {"delete": ((VectorStore, "delete_doc"), ["d1.md", "d2.md"]),
           "add": ((VectorStore, "add"), ["d1.md", "d2.md"]),
           "commit": ((Manifest, "commit_doc"), ["d2.md"])}


@pytest.mark.parametrize("step", list(CRASHES))
def test_crash_at_each_write_step_is_repaired(tmp_path: Path, embedder: Embedder,
                                              monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    corpus = tmp_path / "corpus"
    for i in range(4):
        write(corpus / f"d{i}.md", md(f"Il documento {i} parla del progetto {PROJECTS[i]}.",
                                      title=f"Documento {i}"))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    idx = Index(settings, embedder=embedder)
    target, pending = CRASHES[step]
    try:
        idx.ingest()
        for i in (1, 2):  # two changed documents; the crash hits while d2 is written
            path = corpus / f"d{i}.md"
            path.write_text(path.read_text().replace("parla del", "descrive il nuovo"))
        real = getattr(*target)

        def crashing(self, *args, **kw):
            about = str(args[0]) + str(getattr(args[0], "doc_id", "")) + repr(args[1:])
            if "d2.md" in about:
                raise Crash(step)
            return real(self, *args, **kw)

        monkeypatch.setattr(*target, crashing)
        with pytest.raises(Crash):
            idx.ingest()
        monkeypatch.undo()
        assert sorted(d for d, row in idx.manifest.docs().items()
                      if row.status != "done") == pending
    finally:
        idx.close()
    idx = Index(settings, embedder=embedder)
    try:
        report = idx.ingest()
        assert sorted(report.updated) == pending and report.unchanged == 4 - len(pending)
        assert assert_consistent(idx) == {f"d{i}.md::0" for i in range(4)}
        got = idx.vectors.collections["public"].get(ids=["d1.md::0", "d2.md::0"],
                                                     include=["documents"])
        assert all("descrive il nuovo" in text for text in got["documents"])
    finally:
        idx.close()


def test_pending_document_whose_file_is_gone_is_removed(tmp_path: Path,
                                                        embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.md", md("Il progetto CardioNet entra nella seconda fase.", title="A"))
    write(corpus / "b.md", md("Il progetto OsteoFix cerca nuovi partner.", title="B"))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    idx = Index(settings, embedder=embedder)
    try:
        idx.ingest()
        doc = load_file(corpus / "b.md", corpus, settings.max_file_bytes)[0]
        idx.manifest.mark_pending(doc)  # died between the pending mark and the commit
        (corpus / "b.md").unlink()
        report = idx.ingest()
        assert report.removed == ["b.md"]
        assert assert_consistent(idx) == {"a.md::0"}
    finally:
        idx.close()
