"""What an ingest writes and reports: embedded documents and the run's report."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.models import Chunk, Document

# a document, its chunks, their vectors [n, DIM] and each chunk's sentence vectors
Embedded = tuple[Document, list[Chunk], np.ndarray, list[np.ndarray]]


@dataclass
class IngestReport:
    """What an ingest run did; ``failed`` maps a file to the reason it was skipped."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks_written: int = 0
    embed_calls: int = 0
    seconds: float = 0.0
    repairs: dict[str, int] = field(default_factory=dict)  # source -> glued words split

    @property
    def ok(self) -> bool:
        return not self.failed


def split_by_document(docs: list[Document], chunks: dict[str, list[Chunk]], vectors: np.ndarray,
                      sentences: list[np.ndarray]) -> list[Embedded]:
    """Cut the vectors of the documents' chunks, embedded together, back per document."""
    out: list[Embedded] = []
    off = 0
    for doc in docs:
        mine = chunks[doc.doc_id]
        out.append((doc, mine, vectors[off:off + len(mine)], sentences[off:off + len(mine)]))
        off += len(mine)
    return out
