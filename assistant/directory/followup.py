"""Follow-ups about the previous answer's list: "quali di loro hanno firmato accordi di
distribuzione?", "e quali di queste vengono ospitate ad Arezzo?".

The previous answer named several things (members, startups, projects); the
follow-up asks which of them have some property. The question is retrieved with the
previous user turn's subject (not with the listed names, which would drown it), every
sentence of those passages is scored by the fitted sentence model, and each listed
name is kept when a sentence naming it scores close to the best sentence: one cited
line per name kept. The entities come from the previous answer only, so the answer
cannot wander to things the user did not ask about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.directory.mentions import short_forms
from assistant.directory.partanswer import ASKED_WEIGHT, scored_sentences
from assistant.models import Answer, Filters, RetrievedChunk
from assistant.rag.answer import Answerer
from assistant.rag.citations import marker, validate
from assistant.rag.condense import Message, answer_names, refers_to_list, rewrite
from assistant.rag.extractive import QUESTION_TERMS
from assistant.text import analyze, fold

K = 10  # passages retrieved for the follow-up
DELTA = 1.5  # a name's best sentence may score this far below the best (log-odds)
MIN_LISTED = 2  # a previous answer naming fewer things is not a list
_LEAD = {"it": "Tra quelli citati nella risposta precedente:",
         "en": "Among those named in the previous answer:"}


@dataclass
class Listed:
    """One name of the previous answer and the spellings that find it in a sentence."""

    name: str
    pattern: re.Pattern[str]


def listed_names(previous: str, members: Sequence[str]) -> list[Listed]:
    """The things the previous answer listed: members by their full name (found by
    any short form), other names as written."""
    text = fold(previous)
    out: list[Listed] = []
    for m in members:
        forms = short_forms(m)
        if any(fold(f) in text for f in forms):
            out.append(Listed(m, _pattern(forms)))
    if len(out) >= MIN_LISTED:  # a list of members: its other names are context
        return out
    taken = " ".join(fold(x.name) for x in out)
    found = [part for n in answer_names(previous)
             for part in re.split(r"\s+(?:e|ed|and)\s+(?=[A-ZÀ-Þ])", n)]
    for n in found:
        if fold(n) not in taken and not any(x.pattern.search(n) for x in out):
            out.append(Listed(n, _pattern([n])))
    return out


def _pattern(forms: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?<![\w-]){re.escape(fold(f))}(?![\w-])" for f in forms))


def _prefixes(text: str, lang: str) -> set[str]:
    """The first six letters of the content words: "distribuzione" and
    "distribution" agree, so an English report answers an Italian follow-up."""
    return {t[:6] for t in analyze(text, lang) if len(t) >= 4}


def standalone(messages: Sequence[Message]) -> str:
    """The follow-up with the previous user turn's subject, without the listed names."""
    history = [m for m in messages[:-1] if m.role == "user"]
    return rewrite(messages[-1].content.strip(), history)


def source_passages(answerer: Answerer, names: Sequence[Listed],
                    visibilities: Sequence[str]) -> list[RetrievedChunk]:
    """Every passage of the articles that name at least half of the listed things: the
    list's own source (the MEDICA report), whose other sections say which of them
    signed, won or hosted, in words the follow-up may not share."""
    tier = answerer.retriever.lexical.tier(tuple(visibilities))
    seen: dict[str, set[int]] = {}
    for row in tier.rows.values():
        if row.meta.get("doc_type", "article") != "member":
            text = fold(row.text)
            seen.setdefault(row.doc_id, set()).update(
                i for i, n in enumerate(names) if n.pattern.search(text))
    need = max(MIN_LISTED, len(names) // 2)
    docs = {d for d, found in seen.items() if len(found) >= need}
    return [tier.passage(cid) for cid, row in sorted(tier.rows.items(),
            key=lambda kv: (kv[1].doc_id, kv[1].start)) if row.doc_id in docs]


def which_of_them(answerer: Answerer, messages: Sequence[Message], members: Sequence[str],
                  lang: str, visibilities: Sequence[str],
                  filters: Filters | None) -> Answer | None:
    """The names of the previous answer that the follow-up's best sentences name, one
    cited line each; None when the question is not about a list or none qualifies."""
    question = messages[-1].content.strip()
    prev = next((m.content for m in reversed(messages[:-1]) if m.role == "assistant"), "")
    if not prev or not refers_to_list(question):
        return None
    names = listed_names(prev, members)
    if len(names) < MIN_LISTED:
        return None
    query = standalone(messages)
    # what happened to them is told by articles; what they are, by the directory
    chunks = [c for c in answerer.retriever.retrieve(query, visibilities, K, filters)
              if c.doc_type != "member"]
    ids = {c.chunk_id for c in chunks}
    chunks += [c for c in source_passages(answerer, names, visibilities) if c.chunk_id not in ids]
    if not chunks:
        return None
    scored = scored_sentences(answerer, query, chunks,
                              answerer.retriever.lexical.tier(tuple(visibilities)))
    subject = fold(" ".join(m.content for m in messages if m.role == "user"))
    # a sentence must share a word the follow-up itself asks about ("firmato",
    # "ospitate"): the listed names alone make any sentence about them look relevant
    asked = _prefixes(question, lang) - {t[:6] for t in QUESTION_TERMS}
    if not scored or not asked:
        return None
    # each sentence read once: its folded text (to find the names) and its share of
    # the asked words; sentences sharing none are never quoted
    read = [(fold(c.text), c.score + ASKED_WEIGHT * len(shared) / len(asked), c.text, chunk)
            for c, chunk in scored if (shared := asked & _prefixes(c.text, lang))]
    best: list[tuple[float, str, str, RetrievedChunk]] = []
    for n in names:
        if n.pattern.search(subject):  # "Boston": what the list was about
            continue
        hits = [(score, text, chunk) for folded, score, text, chunk in read
                if n.pattern.search(folded)]
        if hits:
            score, text, chunk = max(hits, key=lambda h: h[0])
            best.append((score, n.name, text, chunk))
    # compared among the listed names: the best of them sets the bar
    bar = max((b[0] for b in best), default=0.0)
    kept = [(name, text, chunk) for score, name, text, chunk in best if score >= bar - DELTA]
    if not kept:
        return None
    return _compose(kept, lang, query)


def _compose(kept: Sequence[tuple[str, str, RetrievedChunk]], lang: str,
             query: str) -> Answer:
    sources: list[RetrievedChunk] = []
    lines = [_LEAD.get(lang, _LEAD["it"])]
    for name, sentence, chunk in kept:
        lines.append(f"- **{name}**: {sentence.strip()} {marker(sources, chunk)}")
    text, cits = validate("\n".join(lines), sources)
    return Answer(text=text, citations=cits, grounded=bool(cits), language=lang,
                  query=query)
