"""Ingestion benchmark on a private copy of the demo corpus.

Three runs of :meth:`assistant.ingest.index.Index.ingest`, in-process, on the same
index folder: cold (empty index, empty embedding cache), again on the unchanged
corpus, and after appending a paragraph to one article. The finished index is
left in place so the query and service benchmarks can reuse it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from evals.answers import DEMO_CORPUS

Row = tuple[str, str, str]
EDITED = "articles/2024-08-vitalsense-san-romedio-vitalhome.md"
EDIT = ("\n\nAggiornamento: a dicembre 2024 il programma VitalHome ha superato i 150 pazienti "
        "arruolati e l'Ospedale San Romedio ha formato altre due infermiere dedicate.\n")


@dataclass
class IngestBench:
    """The rows for the table and the folders the other benchmarks reuse."""

    rows: list[Row]
    corpus: Path
    index: Path
    chunks: int
    documents: int


def bench_ingest(workdir: Path) -> IngestBench:
    """Cold, unchanged and one-edit ingest of a copy of the demo corpus under ``workdir``."""
    from assistant.ingest.index import Index
    from assistant.settings import Settings

    corpus, index = workdir / "corpus", workdir / "index"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(DEMO_CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=index, openai_api_key=None,
                        openai_base_url=None)
    idx = Index(settings)  # a fresh folder: empty manifest, vectors and embedding cache
    try:
        cold = idx.ingest()
        same = idx.ingest()
        path = corpus / EDITED
        path.write_text(path.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
        edit = idx.ingest()
        stats = idx.stats()
    finally:
        idx.close()
    n_docs = len(cold.added)
    rate = cold.chunks_written / cold.seconds if cold.seconds else 0.0
    rows: list[Row] = [
        ("ingest cold: chunks/s", f"{rate:.1f}",
         f"{n_docs} docs, {cold.chunks_written} chunks in {cold.seconds:.1f} s, "
         f"{cold.embed_calls} embedding calls; empty index and embedding cache, copy of "
         "corpus/, Index.ingest in-process"),
        ("re-ingest unchanged: seconds", f"{same.seconds:.2f}",
         f"{same.unchanged} unchanged docs, {same.embed_calls} embedding calls, "
         f"{same.chunks_written} chunks written"),
        ("re-ingest after editing 1 doc: seconds", f"{edit.seconds:.2f}",
         f"{len(edit.updated)} doc updated ({EDITED}, one paragraph appended): "
         f"{edit.chunks_written} chunks rewritten, {edit.embed_calls} embedding calls "
         "(unchanged chunk texts come from the cache)"),
    ]
    chunks = sum(int(t["chunks"]) for t in stats["by_type"].values())
    return IngestBench(rows, corpus, index, chunks, n_docs)
