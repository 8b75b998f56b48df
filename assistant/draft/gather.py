"""Broad, diverse retrieval for drafting: more sources than a chat answer.

A draft needs the topic's whole landscape, not the single best passage. The topic
is searched with several sub-queries (the topic itself, its keywords, keyword
pairs, and an Italian/English variant of the keywords), the results are pooled
and de-duplicated by chunk, and the pool is diversified MMR-style: at most two
chunks per document, a penalty for a second chunk of the same document and for
passages that repeat what was already chosen. Visibility and filters are applied
inside every retrieval call, so nothing the caller may not see ever enters the pool.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.models import Filters, RetrievedChunk
from assistant.rag.extractive import question_terms
from assistant.rag.retrieve import Retriever
from assistant.text import analyze, detect_language, words

POOL = 40  # candidates kept after pooling the sub-queries
PER_QUERY = 20  # results asked of each sub-query
PER_DOC = 2  # chunks of one document at most
MAX_QUERIES = 6
_GENERIC = frozenset(analyze("cluster vitalia notizie news articolo articoli tema", "it")
                     + analyze("cluster vitalia news article articles topic", "en"))
# a few domain words in both languages, so an Italian topic also finds English news
_GLOSSARY = (
    ("missioni", "missions"), ("internazionali", "international"), ("bandi", "calls"),
    ("eventi", "events"), ("fiera", "trade fair"), ("finanziamenti", "funding"),
    ("ricerca", "research"), ("sanità", "health"), ("digitale", "digital"),
    ("invecchiamento", "ageing"), ("formazione", "training"), ("accordo", "agreement"),
    ("soci", "members"), ("imprese", "companies"), ("delegazione", "delegation"),
    ("risultati", "results"), ("medicina", "medicine"), ("rigenerativa", "regenerative"),
    ("dispositivi", "devices"), ("biotecnologie", "biotech"), ("investimenti", "investment"),
    ("ospedali", "hospitals"), ("partenariato", "partnership"), ("licenza", "licence"),
)
_TO_EN = {analyze(it, "it")[0]: en for it, en in _GLOSSARY}
_TO_IT = {analyze(en.split()[-1], "en")[0]: it for it, en in _GLOSSARY}


@dataclass
class Gathered:
    """The diversified sources of a draft and how they were found."""

    chunks: list[RetrievedChunk]
    queries: list[str]
    pool: int
    timings: dict[str, float] = field(default_factory=dict)
    spare: list[RetrievedChunk] = field(default_factory=list)  # pooled, not chosen


def keywords(topic: str, lang: str) -> list[str]:
    """The topic's content words, in order (no stopwords, question or generic words)."""
    keep = set(question_terms(topic, lang)) - _GENERIC
    out: list[str] = []
    for w in words(topic):
        stems = analyze(w, lang)
        if stems and stems[0] in keep and w.lower() not in (x.lower() for x in out):
            out.append(w)
    return out


def sub_queries(topic: str, lang: str | None = None) -> list[tuple[str, float]]:
    """(query, weight): the topic first, then keyword variants, de-duplicated."""
    lang = lang or detect_language(topic)
    kws = keywords(topic, lang)
    plain = [w for w in kws if not w.isdigit()]
    table = _TO_EN if lang == "it" else _TO_IT
    translated = [table.get((analyze(w, lang) or [""])[0], "") for w in plain]
    variants: list[tuple[str, float]] = [(topic, 1.0), (" ".join(kws), 0.9),
                                         (" ".join(plain), 0.85)]
    variants += [(f"{a} {b}", 0.8) for a, b in zip(plain, plain[1:], strict=False)]
    if any(translated):
        variants.append((" ".join(t or w for t, w in zip(translated, plain, strict=True)), 0.8))
    out: list[tuple[str, float]] = []
    for q, w in variants:
        if q.strip() and q.lower() not in (x.lower() for x, _ in out):
            out.append((q, w))
    return out[:MAX_QUERIES]


Run = tuple[str, float, Filters | None, int]  # (query, weight, filters, k)


def pool(retriever: Retriever, runs: Sequence[Run], visibilities: Sequence[str]
         ) -> list[RetrievedChunk]:
    """Pooled results of every sub-query, best first: a chunk scores its best
    weighted score, plus a little for each further sub-query that found it."""
    best: dict[str, tuple[float, RetrievedChunk]] = {}
    hits: dict[str, int] = {}
    for q, weight, filters, k in runs:
        for c in retriever.retrieve(q, visibilities, k, filters):
            hits[c.chunk_id] = hits.get(c.chunk_id, 0) + 1
            s = c.score * weight
            if c.chunk_id not in best or s > best[c.chunk_id][0]:
                best[c.chunk_id] = (s, c)
    scored = [c.model_copy(update={"score": s + 0.05 * (hits[cid] - 1)})
              for cid, (s, c) in best.items()]
    return sorted(scored, key=lambda c: (-c.score, c.chunk_id))


def topic_tags(topic: str, chunks: Sequence[RetrievedChunk], lang: str) -> list[str]:
    """Tags of the found chunks that the topic names ("missioni internazionali")."""
    stems = set(analyze(topic, lang)) | set(analyze(topic, "it"))
    tags = dict.fromkeys(str(t) for c in chunks for t in c.metadata.get("tags", []))
    return [t for t in tags if (ts := set(analyze(t, "it"))) and ts <= stems]


def diversify(cands: Sequence[RetrievedChunk], limit: int, per_doc: int = PER_DOC,
              floor: float = 0.1, redundancy: float = 0.3) -> list[RetrievedChunk]:
    """MMR-like selection: relevance minus redundancy with what was already chosen;
    a second chunk of a document pays a penalty, a third is never taken; candidates
    under ``floor`` times the best score are dropped."""
    if not cands:
        return []
    top = max(c.score for c in cands) or 1.0
    left = [c for c in cands if c.score >= floor * top]
    terms = {c.chunk_id: set(analyze(c.text, c.metadata.get("lang", "it"))) for c in left}
    chosen: list[RetrievedChunk] = []
    per: dict[str, int] = {}
    while left and len(chosen) < limit:
        def gain(c: RetrievedChunk) -> float:
            sim = max((_jaccard(terms[c.chunk_id], terms[o.chunk_id]) for o in chosen),
                      default=0.0)
            return c.score / top - redundancy * sim - 0.35 * per.get(c.doc_id, 0)
        pick = max(left, key=gain)
        left.remove(pick)
        if per.get(pick.doc_id, 0) >= per_doc:
            continue
        per[pick.doc_id] = per.get(pick.doc_id, 0) + 1
        chosen.append(pick)
    return chosen


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def gather(retriever: Retriever, topic: str, visibilities: Sequence[str],
           filters: Filters | None = None, limit: int = 14) -> Gathered:
    """Up to ``limit`` diverse passages about ``topic`` that the caller may see.

    When the topic names a tag of the content, the topic is also searched among
    the articles with that tag, and tagged passages are preferred; a year in the
    topic ("nel 2025") prefers passages of that year without excluding the others.
    """
    t0 = time.perf_counter()
    lang = detect_language(topic)
    queries = sub_queries(topic, lang)
    runs: list[Run] = [(q, w, filters, PER_QUERY) for q, w in queries]
    cands = pool(retriever, runs, visibilities)
    tags = topic_tags(topic, cands, lang)
    if tags and not (filters is not None and filters.tags):  # else already restricted
        tagged = (filters or Filters.model_validate({})).model_copy(update={"tags": tags})
        # a small, on-topic subset: look deeper into it
        runs += [(q, w, tagged, 2 * PER_QUERY) for q, w in queries]
        cands = pool(retriever, runs, visibilities)
    years = set(re.findall(r"\b(?:19|20)\d{2}\b", topic))
    evidence = _evidence(topic, lang, retriever.settings.answer_dense_accept, tags)
    cands = sorted((_boost(c, tags, years) for c in cands if evidence(c)),
                   key=lambda c: -c.score)[:POOL]
    chosen = diversify(cands, limit)
    ms = (time.perf_counter() - t0) * 1e3
    taken = {c.chunk_id for c in chosen}
    return Gathered(chosen, [r[0] for r in runs], len(cands), {"gather_ms": ms},
                    [c for c in cands if c.chunk_id not in taken])


def _evidence(topic: str, lang: str, dense_accept: float,
              tags: list[str]) -> Callable[[RetrievedChunk], bool]:
    """Whether a passage is about the topic at all: it has a tag the topic names, or
    contains two of the topic's keywords (one if the topic has one), or one and is
    close in meaning. Dense search always returns something: this keeps a topic the
    content does not cover ("🙂", "ricetta del tiramisù") from becoming a draft."""
    groups = []  # per keyword: its stems in both languages and in translation
    for w in keywords(topic, lang):
        if w.isdigit():
            continue
        forms = set(analyze(w, "it")) | set(analyze(w, "en"))
        for table in (_TO_EN, _TO_IT):
            forms |= {t for f in list(forms) for t in analyze(table.get(f, ""), "en")}
            forms |= {t for f in list(forms) for t in analyze(table.get(f, ""), "it")}
        groups.append(forms)
    need = min(2, len(groups))

    def ok(c: RetrievedChunk) -> bool:
        if set(tags) & set(c.metadata.get("tags", [])):
            return True
        terms = set(analyze(f"{c.title} {c.text}", c.metadata.get("lang", "it")))
        hits = sum(bool(g & terms) for g in groups)
        return need > 0 and (hits >= need or (hits >= 1 and c.dense >= dense_accept))
    return ok


def _boost(c: RetrievedChunk, tags: list[str], years: set[str]) -> RetrievedChunk:
    bonus = 0.15 if set(tags) & set(c.metadata.get("tags", [])) else 0.0
    if years and str(c.metadata.get("date") or "")[:4] in years:
        bonus += 0.3
    elif any(y in c.text for y in years):
        bonus += 0.1
    return c.model_copy(update={"score": c.score + bonus}) if bonus else c


def related_members(retriever: Retriever, topic: str, names: Sequence[str],
                    visibilities: Sequence[str], limit: int = 8) -> list[RetrievedChunk]:
    """Member profiles named in the sources (``names``), then profiles about the topic.

    A name counts only when retrieval among member profiles returns that very member;
    a topical profile must contain two of the topic's keywords (one if it has one).
    """
    only = Filters.model_validate({"doc_type": "member"})
    found: dict[str, RetrievedChunk] = {}
    for name in list(dict.fromkeys(names))[: limit * 2]:
        hits = retriever.retrieve(name, visibilities, 1, only)
        if hits and _same_name(name, hits[0]) and hits[0].doc_id not in found:
            found[hits[0].doc_id] = hits[0]
    lang = detect_language(topic)
    kws = {s for w in keywords(topic, lang) if not w.isdigit() for s in analyze(w, lang)}
    need = min(2, len(kws))
    for c in retriever.retrieve(topic, visibilities, limit, only):
        have = kws & set(analyze(c.text, c.metadata.get("lang", "it")))
        if need and len(have) >= need and c.doc_id not in found:
            found[c.doc_id] = c
    return list(found.values())[:limit]


def _same_name(name: str, hit: RetrievedChunk) -> bool:
    def norm(s: str) -> str:
        s = re.sub(r"\b(s\.?r\.?l\.?|s\.?p\.?a\.?|gmbh|inc\.?|ltd\.?|ets|irccs)(?=\s|$)", "",
                   s.lower())
        return " ".join(words(s))
    a, b = norm(name), norm(str(hit.metadata.get("name") or hit.title))
    return bool(a and b) and (a == b or (len(a) > 8 and len(b) > 8 and (a in b or b in a)))
