"""Which sentences a brief quotes, in which order: relevance to the topic, driven by
what the topic asks (see :mod:`assistant.draft.intent`).

Every sentence of the gathered passages is scored with the answers' machinery
(``rag.extractive.candidates``: stemmed, IDF-weighted overlap with the topic, the
passage's retrieval score) plus the passage's dense similarity to the topic (the
retriever's query vector), the sentence's fit to the topic's intent and how
informative it is. Documents are then ranked as wholes: their best sentences,
their title's and sentences' fit to the intent, their dense similarity. The most
relevant document gets the most facts and comes first; within a document, facts
are ordered by score, so the most informative come first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.draft import extract, intent
from assistant.models import RetrievedChunk
from assistant.rag import extractive
from assistant.text import analyze

MAX_FACT_CHARS = 320
PER_DOC = (8, 5, 3)  # facts from the first, second, third document; then 2 each
DEEPEN_DOCS = 3  # documents read in full
FIGURE_DOCS = 2  # documents all of whose figure sentences are quoted
FIGURE_EXTRA = 6  # figure sentences such a document adds beyond its quota
LEARNED = 0.1  # weight of the learned scorer's percentile (see draft.learned)
Learned = Mapping[tuple[int, int], float]
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_STARTS = re.compile(r"[«\"'(]?[A-ZÀ-ÖØ-Þ]|\d+(?:[.,]\d+)*\s?(?:%|[a-zà-ÿ])")


@dataclass
class Scored:
    """A candidate sentence with its parts of the score."""

    cand: extractive.Candidate
    doc_id: str
    score: float
    fit: float
    own: frozenset[str] = frozenset()  # the sentence's own stems (not its title's)


def score_sentences(topic: str, lang: str, want: intent.Intent,
                    chunks: Sequence[RetrievedChunk], learned: Learned | None = None
                    ) -> list[Scored]:
    """Quotable sentences of ``chunks`` with their brief score (no table rows, list
    labels, run-on paragraphs or sentences addressed to an AI); ``learned`` is the
    learned scorer's percentile of each sentence by (chunk index, start)."""
    years = set(_YEAR.findall(topic))
    top_dense = max((c.dense for c in chunks), default=0.0) or 1.0
    out: list[Scored] = []
    for c in extractive.candidates(topic, lang, list(chunks)):
        text = extract.clean(c.text).lstrip("-*•> ")
        if (not 40 <= len(text) <= MAX_FACT_CHARS or not _STARTS.match(text)
                or text.endswith(":") or text.count("|") > 1
                or text.count("«") != text.count("»")):  # a quotation cut in two
            continue
        chunk = chunks[c.source]
        f = intent.fit(want, text)
        s = (c.score + 0.15 * chunk.dense / top_dense + 0.25 * f
             + 0.1 * intent.informative(text) + _year_bonus(text, years)
             + LEARNED * (learned or {}).get((c.source, c.start), 0.5))
        own = frozenset(analyze(text, chunk.metadata.get("lang", "it")))
        out.append(Scored(c, chunk.doc_id, s, f, own))
    return out


def _year_bonus(text: str, years: set[str]) -> float:
    # with a year in the topic, sentences about that year rather than others
    if not years:
        return 0.0
    said = set(_YEAR.findall(text))
    return 0.08 if said & years else (-0.08 if said else 0.0)


def _weight(s: Scored) -> float:
    # within a document: the most informative, on-intent facts first
    return -(s.score + 0.2 * intent.informative(s.cand.text) + 0.15 * s.fit)


def rank_documents(want: intent.Intent, scored: Sequence[Scored],
                   chunks: Sequence[RetrievedChunk], topic: str) -> list[str]:
    """Documents, most relevant first: best sentences, fit of title and sentences to
    the intent, a year of the topic in the document's date."""
    by_doc: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_doc[s.doc_id].append(s)
    titles = {c.doc_id: c.title for c in chunks}
    dates = {c.doc_id: str(c.metadata.get("date") or "") for c in chunks}
    years = set(_YEAR.findall(topic))

    def value(doc: str) -> float:
        best = sorted((s.score for s in by_doc[doc]), reverse=True)[:3]
        mean_fit = sum(s.fit for s in by_doc[doc]) / len(by_doc[doc])
        title = titles.get(doc, "")
        title_fit = intent.fit(want, title)
        year = 0.1 if years and dates.get(doc, "")[:4] in years else 0.0
        return (best[0] + 0.5 * sum(best[1:]) / 2 + 0.2 * title_fit + 0.3 * mean_fit
                + year + 0.2 * _about(title, by_doc[doc][0]) * max(0.0, 1 + 2 * min(mean_fit, 0)))
    return sorted(by_doc, key=lambda d: -value(d))


def _about(title: str, s: Scored) -> float:
    # a document about the topic names it in its title; one that mentions it does not
    # (counted for documents that do not, on the whole, answer the opposite intent)
    idf = s.cand.qterms or {}
    have = set(analyze(title, "it")) | set(analyze(title, "en"))
    total = sum(idf.values())
    return sum(w for t, w in idf.items() if t in have) / total if total else 0.0


def select(topic: str, lang: str, want: intent.Intent, chunks: Sequence[RetrievedChunk],
           limit: int, learned: Learned | None = None) -> list[tuple[Scored, int]]:
    """Up to ``limit`` (sentence, document rank), in brief order: documents by rank,
    sentences by weight; no near-duplicates. The first ``FIGURE_DOCS`` documents
    also give every further sentence that states a figure (up to ``FIGURE_EXTRA``
    each, past ``limit``): a brief must not drop the numbers of its main story."""
    scored = score_sentences(topic, lang, want, chunks, learned)
    docs = rank_documents(want, scored, chunks, topic)
    chosen: list[tuple[Scored, int]] = []
    for r, doc in enumerate(docs):
        quota = PER_DOC[r] if r < len(PER_DOC) else 2
        own = sorted((s for s in scored if s.doc_id == doc), key=_weight)
        picks: list[Scored] = []
        for s in own:
            if len(chosen) + len(picks) >= limit or len(picks) >= quota:
                break
            if _novel(s, picks, chosen):
                picks.append(s)
        if r < FIGURE_DOCS:
            picks += _figures(want, own, picks, chosen)
        chosen += [(s, r) for s in sorted(picks, key=_weight)]
    return chosen


def _figures(want: intent.Intent, own: Sequence[Scored], picks: Sequence[Scored],
             chosen: Sequence[tuple[Scored, int]]) -> list[Scored]:
    # the document's other sentences with a figure, whatever their fit: a decision
    # ("integrare la dotazione fino a 340.000 euro") reads like a call, yet is news
    dates = want in ("call", "event")
    extra: list[Scored] = []
    for s in own:
        if len(extra) >= FIGURE_EXTRA:
            break
        if (s not in picks and intent.has_figure(extract.clean(s.cand.text), dates)
                and _novel(s, [*picks, *extra], chosen)):
            extra.append(s)
    return extra


def _novel(s: Scored, picks: Sequence[Scored], chosen: Sequence[tuple[Scored, int]]) -> bool:
    others = [*picks, *(o for o, _ in chosen)]
    # near-duplicates by their own words: the title's, shared by every sentence of a
    # document, would make two different facts of one story look alike
    return not any(extractive.jaccard(s.own, o.own) > 0.5 for o in others)


def lead_documents(topic: str, lang: str, want: intent.Intent,
                   chunks: Sequence[RetrievedChunk]) -> list[str]:
    """The ``DEEPEN_DOCS`` documents that best answer the topic: a brief reads them in
    full (see :mod:`assistant.draft.read`), since retrieval keeps two passages a
    document for diversity and the outcome or the figures may sit in a third."""
    return rank_documents(want, score_sentences(topic, lang, want, chunks), chunks,
                          topic)[:DEEPEN_DOCS]

