"""Structure-aware chunking with exact offsets into the document text.

Sections follow Markdown headers; within a section, whole sentences are packed up to
``max_tokens`` with a small sentence overlap. The header path is kept as metadata and,
with the title, prepended to the text that is embedded and lexically indexed
(measured +1-2 points of recall), while ``Chunk.text`` stays an exact slice of the
source so citations can point at the passage. A Markdown table row is one sentence;
a chunk that starts inside a long table records the table's header line
(``table_header``) so its rows can still be read with their column labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.models import Chunk, Document
from assistant.text import detect_language, is_table_line, sentence_spans

_HEADER = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_WORDS = re.compile(r"\S+")
CHUNKER_VERSION = "5"  # bump when chunk boundaries change: documents get re-chunked
CHUNK_META_KEYS = ("url", "date", "tags", "sectors", "region", "city", "kind", "visibility",
                   "author", "name")


def estimate_tokens(text: str) -> int:
    """Subword tokens of multilingual-e5 are ~1.35 per Italian word."""
    return int(len(_WORDS.findall(text)) * 1.35) + 1


@dataclass
class _Span:
    start: int
    end: int
    tokens: int


def _sections(text: str) -> Iterator[tuple[str, int, int]]:
    """(header path, body start, body end) for each Markdown section."""
    path: list[tuple[int, str]] = []
    pos, current = 0, ""
    for m in _HEADER.finditer(text):
        yield current, pos, m.start()
        level = len(m.group(1))
        path = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2).strip())]
        current = " > ".join(h for _, h in path)
        pos = m.end()
    yield current, pos, len(text)


def _split_long(text: str, a: int, b: int, max_tokens: int) -> list[_Span]:
    """Cut a sentence longer than a chunk at word boundaries."""
    words = [(m.start(), m.end()) for m in _WORDS.finditer(text, a, b)]
    step = max(1, int(max_tokens / 1.35) - 1)
    return [_Span(words[i][0], words[min(i + step, len(words)) - 1][1], max_tokens)
            for i in range(0, len(words), step)]


def _pack(spans: list[_Span], max_tokens: int, overlap: int) -> Iterator[tuple[int, int]]:
    i = 0
    while i < len(spans):
        j, total = i, 0
        while j < len(spans) and (j == i or total + spans[j].tokens <= max_tokens):
            total += spans[j].tokens
            j += 1
        yield spans[i].start, spans[j - 1].end
        if j >= len(spans):
            break
        back, k = 0, j
        while k - 1 > i and back + spans[k - 1].tokens <= overlap:
            k -= 1
            back += spans[k].tokens
        i = k


def chunk_document(doc: Document, max_tokens: int = 220, overlap: int = 30) -> list[Chunk]:
    """Split a document into chunks whose ``text`` is ``doc.text[start:end]``."""
    lang = str(doc.metadata.get("lang") or detect_language(doc.text))
    meta = {k: doc.metadata[k] for k in CHUNK_META_KEYS if k in doc.metadata}
    chunks: list[Chunk] = []
    for section, a, b in _sections(doc.text):
        spans: list[_Span] = []
        for s, e in sentence_spans(doc.text, a, b):
            tok = estimate_tokens(doc.text[s:e])
            spans.extend(_split_long(doc.text, s, e, max_tokens) if tok > max_tokens
                         else [_Span(s, e, tok)])
        for s, e in _pack(spans, max_tokens, overlap):
            text = doc.text[s:e]
            prefix = "\n".join(x for x in (doc.title, section) if x and not text.startswith(x))
            header = table_header(doc.text, s)
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}::{len(chunks)}", doc_id=doc.doc_id, index=len(chunks),
                text=text, start=s, end=e, embed_text=f"{prefix}\n{text}" if prefix else text,
                lang=lang, metadata={**meta, "section": section, "doc_type": doc.doc_type,
                                     "title": doc.title}
                | ({"table_header": header} if header else {})))
    return chunks


def table_header(text: str, pos: int) -> str | None:
    """The header line of the Markdown table a chunk starting at ``pos`` opens inside
    of: its rows are read with the header's labels, which the chunk itself lacks. None
    when the chunk does not start on a table row, or starts on the header."""
    line_start = text.rfind("\n", 0, pos) + 1
    if line_start == 0 or not is_table_line(text[line_start:]):
        return None
    header = None
    while line_start > 0:
        prev = text.rfind("\n", 0, line_start - 1) + 1
        if not is_table_line(text[prev:line_start]):
            break
        header, line_start = text[prev:line_start].strip(), prev
    return header


def embedded_sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Offsets of the chunk's sentences in ``chunk.embed_text`` (which may start with
    the title and section path), for pooling sentence vectors out of the chunk's pass."""
    off = len(chunk.embed_text) - len(chunk.text)
    return [(a + off, b + off) for a, b in sentence_spans(chunk.text)]
