"""``kill -9`` of a real ``assistant ingest`` at random points, 10 trials on 210 documents.

After each kill a new ingest must leave exactly the expected chunks: no duplicates,
no pending documents, and the same ids in the manifest, both Chroma collections
and both BM25 tiers (the ones in memory and the ones saved on disk). Fresh builds,
incremental updates (changed, new and removed files) and the Chroma server mode
(where the manifest lives in the server) are all killed. ``FAULT_SEED`` replays a run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.healthcheck import check_index
from assistant.ingest.index import Index
from assistant.settings import Settings
from assistant.stores.chroma_client import make_client, wipe_server
from assistant.stores.lock import IndexLock
from tests.faults.conftest import ASSISTANT, ChromaServer, make_docs, scratch_dir
from tests.ingest.helpers import TIERS, assert_consistent, cli_env, warm_cache
from tests.ingest.test_crash import count_rows

pytestmark = pytest.mark.fault
N_DOCS = 210
SEED = int(os.environ.get("FAULT_SEED", time.time_ns() % 1_000_000))
REMOVED = [f"d{i:03d}.md" for i in range(5, 105, 10)]  # by edit_corpus
DONE = f"status = 'done' AND doc_id IN ({','.join(repr(d) for d in REMOVED)})"


def edit_corpus(corpus: Path) -> None:
    """Version 2 of the corpus: 15 changed, 10 removed, 10 new documents."""
    for i in range(0, 150, 10):
        path = corpus / f"d{i:03d}.md"
        path.write_text(path.read_text().replace("ha presentato", "ha aggiornato"))
    for doc_id in REMOVED:
        (corpus / doc_id).unlink()
    make_docs(corpus, 10, start=N_DOCS)


def ingest(settings: Settings, embedder: Embedder) -> tuple[Index, set[str]]:
    idx = Index(settings, embedder=embedder)
    report = idx.ingest()
    assert report.ok, report.failed
    return idx, assert_consistent(idx)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory, fast_embedder: Embedder):
    """Corpus v1 and v2, the complete index of v1, and the chunk ids each must have
    (both ingested once here, which also fills the embedding cache)."""
    with scratch_dir(tmp_path_factory.mktemp("kill")) as base:
        yield _corpora(base, fast_embedder)


def _corpora(base: Path, fast_embedder: Embedder) -> tuple[Path, Path, Path, dict[str, set[str]]]:
    v1, v2 = base / "v1", base / "v2"
    make_docs(v1, N_DOCS)
    shutil.copytree(v1, v2)
    edit_corpus(v2)
    expected = {}
    for name, corpus in (("v1", v1), ("v2", v2)):
        idx, ids = ingest(Settings(corpus_dir=corpus, index_dir=base / f"ref-{name}"),
                          fast_embedder)
        idx.close()
        expected[name] = ids
    assert len(expected["v1"]) == N_DOCS + N_DOCS // 5
    return v1, v2, base / "ref-v1", expected


def kill_ingest_at(corpus: Path, index_dir: Path, poll: Callable[[], int], kill_at: int,
                   jitter_s: float, env: dict[str, str] | None = None) -> bool:
    """Run ``assistant ingest`` and SIGKILL it once ``poll() >= kill_at`` (plus a jitter
    that lands anywhere inside one document's write); True if it was killed."""
    log = index_dir.parent / f"{index_dir.name}.log"
    with log.open("w") as err:
        proc = subprocess.Popen([str(ASSISTANT), "ingest", "--corpus", str(corpus), "--index",
                                 str(index_dir)], env=cli_env(env), stdout=subprocess.DEVNULL,
                                stderr=err)
    deadline = time.monotonic() + 180
    try:
        while proc.poll() is None:
            assert time.monotonic() < deadline, f"ingest neither ended nor got to {kill_at}"
            if poll() >= kill_at:
                time.sleep(jitter_s)
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.003)
    finally:
        if proc.poll() is None and time.monotonic() >= deadline:
            proc.kill()
        proc.wait(30)
    assert proc.returncode in (0, -signal.SIGKILL), log.read_text()
    return proc.returncode == -signal.SIGKILL


def saved_tier_ids(index_dir: Path, vis: tuple[str, ...]) -> list[str]:
    meta = json.loads((index_dir / ("bm25_" + "+".join(vis)) / "assistant.json").read_text())
    return list(meta["ids"])


def test_kill_9_at_random_points_then_ingest_repairs(fast_tmp: Path, fast_embedder: Embedder,
                                                     corpora) -> None:
    v1, v2, ref_v1, expected = corpora
    rng = random.Random(SEED)
    killed, summary = 0, []
    for trial in range(8):
        update = trial >= 5  # 5 fresh builds of v1, 3 updates of a full v1 index to v2
        corpus, want = (v2, expected["v2"]) if update else (v1, expected["v1"])
        index_dir = fast_tmp / f"t{trial}"
        if update:
            shutil.copytree(ref_v1, index_dir)
        warm_cache(fast_embedder, index_dir)
        manifest, t0 = index_dir / "manifest.sqlite", time.time()
        kill_at = rng.randint(1, 22) if update else rng.randint(1, N_DOCS - 10)
        query = f"SELECT COUNT(*) FROM docs WHERE updated > {t0}"
        if trial == 7:  # during the removals, which come after the writes
            kill_at, query = rng.randint(1, 9), f"SELECT 10 - COUNT(*) FROM docs WHERE {DONE}"

        def poll(manifest: Path = manifest, query: str = query) -> int:
            return count_rows(manifest, query)

        was_killed = kill_ingest_at(corpus, index_dir, poll, kill_at, rng.uniform(0, 0.05))
        killed += was_killed
        IndexLock(index_dir).acquire().release()  # the lock died with the process
        pending = count_rows(manifest, "SELECT COUNT(*) FROM docs WHERE status != 'done'")
        where = f"seed {SEED} trial {trial} ({'update' if update else 'fresh'}, kill at {kill_at})"
        # a killed index is never reported damaged: the service would refuse to start
        check_index(Settings(corpus_dir=corpus, index_dir=index_dir))
        idx, ids = ingest(Settings(corpus_dir=corpus, index_dir=index_dir), fast_embedder)
        try:
            assert ids == want, f"{where}: lost {sorted(want - ids)[:5]}, extra {ids - want}"
            for vis in TIERS:  # the tiers saved for the next start agree too
                assert saved_tier_ids(index_dir, vis) == sorted(
                    r.chunk_id for r in idx.manifest.iter_chunks(vis)), where
            again = idx.ingest()
            assert again.chunks_written == 0 and not again.removed, where
        finally:
            idx.close()
        summary.append(f"trial {trial}: killed={was_killed} at>={kill_at} pending={pending}")
    print(f"seed {SEED}:", "; ".join(summary))
    assert killed >= 6, f"seed {SEED}: only {killed} of 8 runs were killed mid-way"


def test_kill_9_mid_ingest_on_a_chroma_server(fast_tmp: Path, fast_embedder: Embedder,
                                              chroma: ChromaServer) -> None:
    """Server mode: the manifest is in the Chroma server; 2 kills, each repaired."""
    tmp_path = fast_tmp
    corpus = tmp_path / "corpus"
    make_docs(corpus, 40, start=300)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ref",
                        chroma_host="127.0.0.1", chroma_port=chroma.port)
    idx, want = ingest(settings, fast_embedder)  # the expected ids, and a warm cache
    wipe_server(idx.vectors.client)
    idx.close()
    rng = random.Random(SEED)
    client = make_client(settings)
    try:
        for trial in range(2):
            index_dir = tmp_path / f"s{trial}"
            warm_cache(fast_embedder, index_dir)
            docs = client.get_or_create_collection("assistant_docs")

            def poll(docs=docs) -> int:  # type: ignore[no-untyped-def]
                return len(docs.get(where={"status": "done"}, include=[])["ids"])

            kill_at = rng.randint(1, 30)
            assert kill_ingest_at(corpus, index_dir, poll, kill_at, rng.uniform(0, 0.1),
                                  chroma.env()), f"seed {SEED}: finished before the kill"
            s = settings.model_copy(update={"index_dir": index_dir})
            idx, ids = ingest(s, fast_embedder)
            assert ids == want, f"seed {SEED} trial {trial}: lost {sorted(want - ids)[:5]}"
            wipe_server(idx.vectors.client)
            idx.close()
    finally:
        client.close()
