"""The offline answerer: the best sentences of the retrieved passages, each cited.

No model generates text here, so nothing can be invented: every sentence of an
answer is a sentence of a source, followed by the number of that source.
Sentences are scored by stemmed, IDF-weighted overlap with the question, the
passage's retrieval score and position; near-duplicates are dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.ingest.chunk import sentence_spans
from assistant.models import RetrievedChunk
from assistant.text import analyze

# words of a question that say what kind of answer is wanted, not what it is about
_QUESTION_TERMS = frozenset(analyze(
    "quale quali qual chi cosa come quando dove perché quanto quanti quante elenca dimmi "
    "parlami descrivi spiega sai puoi vorrei sapere informazioni notizie "
    "soci socio membri associati occupano occupa lavorano lavora operano opera attivi attive "
    "cluster",
    "it")) | frozenset(analyze(
    "which what who how when where why much many list tell describe explain know "
    "information news about members member work works working active involved cluster",
    "en"))
_FIELD_LINE = re.compile(r"^[A-Z][\w ]{2,20}:\s")
# sentences addressed to an assistant are never quoted (indirect prompt injection)
_INSTRUCTION = re.compile(
    r"\b(ignora|ignorate|dimentica|ignore|disregard|forget)\b.{0,40}\b(istruzion\w*|regol\w*|"
    r"prompt|instructions?|rules?)\b|\b(system prompt|prompt di sistema)\b|"
    r"\b(rispondi|scrivi|write|respond|reply|answer|say|print|output)\b.{0,30}"
    r"\b(solo|soltanto|only|sempre|always)\b|\b(assistente|assistant|AI|IA|LLM|chatbot)\b.{0,40}"
    r"\b(deve|devi|must|should|shall)\b", re.IGNORECASE)
MAX_SENTENCES = 4


@dataclass
class Candidate:
    source: int  # index into the retrieved chunks
    start: int  # offset in the document
    text: str
    score: float
    terms: set[str]
    overlap: float = 0.0  # IDF-weighted share of the question's terms in the sentence
    qterms: dict[str, float] | None = None  # question term -> IDF weight (shared)


def question_terms(question: str, lang: str) -> list[str]:
    """Stemmed content terms of the question, without question words."""
    terms = analyze(question, lang)
    if lang != "it":
        terms += analyze(question, "it")
    return [t for t in dict.fromkeys(terms) if t not in _QUESTION_TERMS]


def _idf(terms: list[str], chunks: list[RetrievedChunk]) -> dict[str, float]:
    # IDF within the retrieved set: a term present in every passage tells little apart
    docs = [set(analyze(c.text, c.metadata.get("lang", "it"))) for c in chunks]
    n = len(docs) or 1
    return {t: math.log(1 + n / (1 + sum(t in d for d in docs))) + 0.2 for t in terms}


def candidates(question: str, lang: str, chunks: list[RetrievedChunk]) -> list[Candidate]:
    """Every sentence of the retrieved chunks, scored against the question."""
    q = question_terms(question, lang)
    idf = _idf(q, chunks)
    total = sum(idf.values()) or 1.0
    top = max((c.score for c in chunks), default=1.0) or 1.0
    out: list[Candidate] = []
    for i, c in enumerate(chunks):
        clang = c.metadata.get("lang", "it")
        spans = sentence_spans(c.text)
        for pos, (s, e) in enumerate(spans):
            text = c.text[s:e].strip()
            if len(text) < 25 or text.startswith("#") or _INSTRUCTION.search(text):
                continue
            if text.endswith(":") and len(text) < 80:  # a label, not a statement
                continue
            terms = set(analyze(text, clang))
            overlap = sum(idf[t] for t in q if t in terms) / total
            score = (0.65 * overlap + 0.25 * (c.score / top)
                     + 0.05 * (1.0 / (1 + pos)) + 0.05 * (clang == lang))
            out.append(Candidate(i, c.start + s, text, score, terms, overlap, idf))
    return out


def confidence(cands: list[Candidate], chunks: list[RetrievedChunk]) -> float:
    """How well the best passage covers the question: the best sentence's overlap,
    or the whole top chunk's coverage when the answer spans sentences."""
    best = max((c.overlap for c in cands), default=0.0)
    by_chunk: dict[int, set[str]] = {}
    for c in cands:
        by_chunk.setdefault(c.source, set()).update(c.terms)
    return max(best, 0.8 * max((_cover(t, cands) for t in by_chunk.values()), default=0.0))


def _cover(terms: set[str], cands: list[Candidate]) -> float:
    # overlap of a whole chunk, recomputed from its sentences' term sets
    q = (cands[0].qterms or {}) if cands else {}
    total = sum(q.values()) or 1.0
    return sum(w for t, w in q.items() if t in terms) / total


def select(cands: list[Candidate], max_sentences: int = MAX_SENTENCES) -> list[Candidate]:
    """Best sentences above a relative floor, without near-duplicates."""
    if not cands:
        return []
    ranked = sorted(cands, key=lambda c: -c.score)
    floor = ranked[0].score * 0.75
    chosen: list[Candidate] = []
    for c in ranked:
        if len(chosen) >= max_sentences or c.score < floor:
            break
        if any(_jaccard(c.terms, o.terms) > 0.5 for o in chosen):
            continue
        chosen.append(c)
    # reading order: by source rank, then position in the document
    return sorted(chosen, key=lambda c: (c.source, c.start))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def compose(chosen: list[Candidate], chunks: list[RetrievedChunk]) -> str:
    """Sentences with ``[n]`` markers (n = 1-based index into ``chunks``)."""
    parts = []
    for c in chosen:
        chunk = chunks[c.source]
        text = _tidy(c.text)
        name = chunk.metadata.get("name") or chunk.title
        if chunk.doc_type == "member" and name and name.lower() not in text.lower():
            text = f"{name}: {text[0].lower() + text[1:] if _FIELD_LINE.match(text) else text}"
        parts.append(f"{text} [{c.source + 1}]")
    return " ".join(parts)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().lstrip("-*• ").strip()
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return text if text[-1:] in ".!?:;…" else text + "."
