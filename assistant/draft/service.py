"""The drafter: broad retrieval, then an LLM draft or, offline, a brief."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.draft import brief, intent, learned, rank, read
from assistant.draft.compose import compose
from assistant.draft.gather import gather, related_members
from assistant.draft.models import Draft, DraftRequest, Mode
from assistant.draft.render import count_words, finish
from assistant.models import Citation, RetrievedChunk
from assistant.rag.llm import LLM
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from assistant.text import detect_language

NOT_FOUND = {
    "it": "Nei contenuti del cluster visibili a questo profilo non ho trovato fonti su "
          "questo tema con i filtri scelti: nessuna bozza senza fonti.",
    "en": "I found no sources on this topic in the cluster's content visible to this "
          "profile with the chosen filters: no draft without sources.",
}
DEGRADED = {"it": "il modello linguistico non è disponibile: al suo posto un brief offline",
            "en": "the language model is unavailable: an offline brief instead"}
RESERVED = {"it": "le fonti {ns} sono riservate ai soci: verificare prima di pubblicare",
            "en": "sources {ns} are members-only: check before publishing"}
FEW_SOURCES = {"it": "poche fonti trovate: allargare il periodo o i tag",
               "en": "few sources found: widen the window or the tags"}
LLM_SOURCES = 14  # article passages given to the LLM
BRIEF_SOURCES = 12  # article passages a brief quotes from
LLM_MEMBERS = 4
LLM_FACTS = 16  # ordered facts the LLM is asked to build on
MIN_FACTS = 20  # facts of a brief at the least, whatever its target length


@dataclass
class Passages:
    """What a draft is written from: the passages as stored (cited, given to the LLM),
    the same passages with their lists merged into sentences (quoted as facts, same
    order), and the learned scorer's percentile of each sentence of ``merged``."""

    stored: list[RetrievedChunk]
    merged: list[RetrievedChunk]
    scores: rank.Learned


class Drafter:
    """Drafts grounded in the cluster's content, on behalf of given visibilities."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: LLM | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm

    def draft(self, request: DraftRequest, visibilities: Sequence[str]) -> Draft:
        """An LLM draft when a model is configured (falling back to the brief if it
        fails), otherwise the offline brief. Only passages of ``visibilities`` that
        match the request's window and tags are ever retrieved, hence cited."""
        t0 = time.perf_counter()
        lang = request.lang or detect_language(request.topic)
        limit = LLM_SOURCES if self.llm is not None else BRIEF_SOURCES
        found = gather(self.retriever, request.topic, visibilities, request.filters(), limit)
        timings = dict(found.timings)
        if not found.chunks:
            text = f"{brief.LABELS[lang]['header']}\n\n{NOT_FOUND[lang]}\n"
            return self._result(request, text, [], "extractive", timings, t0)
        chunks = found.chunks + read.event_passages(self.retriever, visibilities, request.topic,
                                                    request.filters(), found.chunks)
        passages = self._read(request.topic, chunks, visibilities)
        degraded = False
        if self.llm is not None:
            d = self._llm(request, lang, passages, visibilities, timings, t0)
            if d is not None:
                return d
            degraded = True
        return self._brief(request, lang, passages, visibilities, timings, t0, degraded)

    def _read(self, topic: str, chunks: list[RetrievedChunk], visibilities: Sequence[str]
              ) -> Passages:
        """The passages a brief or draft is written from: the documents that best
        answer the topic read in full, their lists merged into sentences (see
        :mod:`assistant.draft.read`); and the learned scorer's view of each sentence."""
        tlang = detect_language(topic)
        docs = rank.lead_documents(topic, tlang, intent.detect(topic), chunks)
        stored = read.whole_documents(self.retriever, visibilities, chunks, docs)
        merged = read.with_lists_merged(stored)
        return Passages(stored, merged, learned.sentence_scores(
            self.retriever, visibilities, topic, tlang, merged, stored))

    def _members(self, topic: str, names: list[str], visibilities: Sequence[str],
                 limit: int, timings: dict[str, float]) -> list[RetrievedChunk]:
        t = time.perf_counter()
        out = related_members(self.retriever, topic, names, visibilities, limit)
        timings["members_ms"] = (time.perf_counter() - t) * 1e3
        return out

    def _llm(self, request: DraftRequest, lang: str, passages: Passages,
             visibilities: Sequence[str], timings: dict[str, float], t0: float
             ) -> Draft | None:
        assert self.llm is not None
        chunks, facts = _ordered(request.topic, passages, LLM_FACTS)
        members: list[RetrievedChunk] = []
        if request.include_members:
            names = brief.organisation_names(chunks)
            members = self._members(request.topic, names, visibilities, LLM_MEMBERS, timings)
        out = compose(self.llm, request.topic, request.kind, request.target_words, lang,
                      chunks + members, [(f.source, f.text) for f in facts])
        if out is None:
            return None
        timings.update(out.timings)
        d = self._result(request, out.markdown, out.citations, "llm", timings, t0,
                         sources=len(chunks) + len(members))
        d.warnings += out.warnings + _reserved(out.citations, chunks + members, lang)
        d.timings["attempts"] = out.attempts
        return d

    def _brief(self, request: DraftRequest, lang: str, passages: Passages,
               visibilities: Sequence[str], timings: dict[str, float], t0: float,
               degraded: bool) -> Draft:
        t = time.perf_counter()
        tlang = detect_language(request.topic)
        n_facts = max(MIN_FACTS, min(24, request.target_words // 25))
        chunks = passages.merged
        facts = brief.select_facts(request.topic, tlang, chunks, n_facts,
                                   learned=passages.scores)
        members: list[RetrievedChunk] = []
        if request.include_members:
            names = brief.organisation_names(brief.quoted(facts, chunks))
            members = self._members(request.topic, names, visibilities, 8, timings)
        body = brief.compose(request.topic, lang, facts, chunks, members,
                             _scope(request, lang), offline_note=request.kind != "brief")
        # cited as stored: a citation is an exact passage of its document
        markdown, cites = finish(body, passages.stored + members, lang)
        timings["brief_ms"] = (time.perf_counter() - t) * 1e3
        d = self._result(request, markdown, cites, "extractive", timings, t0,
                         sources=len(chunks) + len(members))
        d.degraded = degraded
        if degraded:
            d.warnings.append(DEGRADED[lang])
        d.warnings += _reserved(cites, chunks + members, lang)
        if len({c.doc_id for c in cites if c.doc_type == "article"}) < 3:
            d.warnings.append(FEW_SOURCES[lang])
        return d

    def _result(self, request: DraftRequest, markdown: str, cites: list[Citation],
                mode: Mode, timings: dict[str, float], t0: float, sources: int = 0) -> Draft:
        timings = dict(timings, total_ms=(time.perf_counter() - t0) * 1e3)
        return Draft(markdown=markdown, citations=cites, kind=request.kind,
                     mode=mode,
                     topic=request.topic, words=count_words(markdown),
                     target_words=request.target_words if mode == "llm" else None,
                     sources_used=len(cites), sources_considered=sources,
                     filters=request.filters(), timings=timings)


def _reserved(cites: list[Citation], sources: list[RetrievedChunk], lang: str) -> list[str]:
    members_only = {c.chunk_id for c in sources if c.metadata.get("visibility") == "members"}
    ns = [str(c.n) for c in cites if c.chunk_id in members_only]
    return [RESERVED[lang].format(ns=", ".join(ns))] if ns else []


def _ordered(topic: str, passages: Passages, limit: int
             ) -> tuple[list[RetrievedChunk], list[brief.Fact]]:
    """The sources reordered as the brief would quote them (documents that best answer
    the topic first), and the brief's facts numbered against that order: the LLM
    writes from the very facts, in the very order, the offline brief quotes."""
    chunks = passages.merged
    facts = brief.select_facts(topic, detect_language(topic), chunks, limit,
                               learned=passages.scores)
    order = {d: i for i, d in enumerate(dict.fromkeys(f.doc_id for f in facts))}
    ranked = sorted(range(len(chunks)), key=lambda i: order.get(chunks[i].doc_id, len(order)))
    new_n = {old + 1: new + 1 for new, old in enumerate(ranked)}
    for f in facts:
        f.source = new_n[f.source]
    return [passages.stored[i] for i in ranked], facts


def _scope(request: DraftRequest, lang: str) -> dict[str, str]:
    lab = brief.LABELS[lang]
    out: dict[str, str] = {}
    if request.since or request.until:
        out["window"] = f"{request.since or '…'} → {request.until or '…'}"
    if request.tags:
        out["tags"] = ", ".join(request.tags)
    if not out:
        out["window"] = lab["any"]
    return out
