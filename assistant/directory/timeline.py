"""Questions about how something went over time, answered one dated article per line.

"Come è andato avanti nel tempo l'arruolamento di CondroRegen?", "com'è cambiata la
dotazione da un'edizione all'altra?", "how did VitalHome evolve?": each article
reports one moment (120 patients planned, 34 enrolled, then 104), and the top
passages of one search hold one or two of them. :func:`timeline` searches for the
subject without the words about time, reads the articles whose title names it too
(:func:`assistant.directory.partanswer.retrieve_part`), keeps the best sentence of
each dated article about the subject (the fitted sentence model's score, plus the
asked words and a figure, as for the parts of a comparison) and lists them oldest
first, one cited line each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.directory.partanswer import (
    ASKED_WEIGHT,
    FIGURE_BONUS,
    DocPassages,
    asked_share,
    asked_terms,
    has_figure,
    label_terms,
    names_every,
    retrieve_part,
    scored_sentences,
)
from assistant.models import Answer, Filters, RetrievedChunk
from assistant.rag.answer import Answerer
from assistant.rag.citations import marker, validate
from assistant.rag.proper import ProperNouns
from assistant.text import fold, words, zipf

TIMELINE = re.compile(
    r"\b(nel corso del tempo|nel tempo|col tempo|con il tempo|negli anni|anno dopo anno|"
    r"da un'?\s?edizione all'?\s?altra|tra le edizioni|di edizione in edizione|"
    r"evolut[oaie]|evoluzion[ei]|andat[oaie] avanti|progredit[oaie]|cambiat[oaie]|"
    r"in quali anni|over time|over the years|year after year|from one edition to the next|"
    r"evolved?|progressed|changed|in which years|what years)\b", re.I)
MAX_LINES = 6
SUBJECT_K = 30  # passages searched with the subject's name alone
SUBJECT_DOCS = 10
PER_DOC = 2
VERY_COMMON = 5.0  # Zipf frequency (once per 100,000 words) of words that ask nothing
ASKED_SHARE = 0.4
PREFIX = 6  # letters that make two forms of a word one
HEAD = {"it": "In ordine di data, gli articoli riportano:",
        "en": "In date order, the articles report:"}


# words of change ("sono cresciute", "è aumentato"): how, not what, is asked
_CHANGE = re.compile(r"\b(cresciut[oaie]|aumentat[oaie]|diminuit[oaie]|calat[oaie]|"
                     r"variat[oaie]|grown|grew|increased|decreased|com'\s?)", re.I)


def core_question(question: str) -> str:
    """The question without its words about time and change: what to search for."""
    return " ".join(_CHANGE.sub(" ", TIMELINE.sub(" ", question)).split())


def content_words(question: str, lang: str) -> str:
    """The question without its very common words ("fatto", "numero", "anni"): rare
    in news text, so weighty by IDF, yet they never say what a line must report."""
    return " ".join(w for w in words(question)
                    if w[:1].isupper() or zipf(w.lower(), lang) < VERY_COMMON)


def subject(question: str, proper: ProperNouns) -> str:
    """The question's names ("VITALIA Accelerate 2025", "GenoMap Rare"), which say
    what the timeline is about. The first word counts when the corpus writes it
    capitalised ("Ponti di Innovazione: …"), not when only its position does."""
    toks = words(core_question(question))
    names = [w for i, w in enumerate(toks) if w.isdigit() or w[:1].isupper() and (
        i > 0 or fold(w) in proper.spelling)]
    return " ".join(names)


def timeline(answerer: Answerer, question: str, lang: str, visibilities: Sequence[str],
             filters: Filters | None, doc_passages: DocPassages,
             proper: ProperNouns) -> Answer | None:
    """One cited line per dated article about the subject, oldest first; None when the
    question is not about time, names no subject, or fewer than two articles tell it.
    ``proper``: the corpus's proper nouns, to read a question typed in lower case."""
    if not TIMELINE.search(question):
        return None
    question = proper.truecase(question)
    label = subject(question, proper)
    own = label_terms(label)
    if not own:
        return None
    core = core_question(question)
    chunks = retrieve_part(answerer, core, label, visibilities, filters, doc_passages)
    chunks += _naming(answerer, label, visibilities, filters, {c.chunk_id for c in chunks})
    tier = answerer.retriever.lexical.tier(tuple(visibilities))
    asked = asked_terms(content_words(core, lang), label, lang, tier.idf)
    best: dict[str, tuple[float, str, RetrievedChunk]] = {}
    for cand, chunk in scored_sentences(answerer, core, chunks, tier):
        date = str(chunk.metadata.get("date", ""))
        context = f"{cand.text} {chunk.title}"
        if chunk.doc_type == "member" or not date or not names_every(own, context, date):
            continue
        if not _tells(cand.text, asked, own):
            continue
        score = (cand.score + ASKED_WEIGHT * asked_share(asked, context, lang)
                 + (FIGURE_BONUS if has_figure(cand.text) else 0.0))
        if score > best.get(chunk.doc_id, (float("-inf"),))[0]:
            best[chunk.doc_id] = (score, cand.text, chunk)
    return _answer(list(best.values()), lang, core)


def _naming(answerer: Answerer, label: str, visibilities: Sequence[str],
            filters: Filters | None, seen: set[str]) -> list[RetrievedChunk]:
    """The passages that name the subject most, at most :data:`PER_DOC` per article
    and :data:`SUBJECT_DOCS` articles: a later report often mentions it in passing."""
    per_doc: dict[str, int] = {}
    out = []
    for c in answerer.retriever.retrieve(label, visibilities, SUBJECT_K, filters):
        if c.chunk_id in seen or per_doc.get(c.doc_id, 0) >= PER_DOC:
            continue
        if c.doc_id not in per_doc and len(per_doc) >= SUBJECT_DOCS:
            continue
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        out.append(c)
    return out


def _tells(sentence: str, asked: dict[str, float], own: list[str]) -> bool:
    """A line says what is asked: at least :data:`ASKED_SHARE` of the asked words by
    weight (rarer words weigh more), each matched on its first
    :data:`PREFIX` letters ("arruolerà" and "arruolato", "rianalisi" and
    "rianalizzato" are one word here); with nothing asked beyond the subject, a figure
    about the subject named in the sentence itself."""
    if not asked:
        return has_figure(sentence) and names_every(own, sentence)
    held = {fold(w)[:PREFIX] for w in words(sentence)}
    weight = {t[:PREFIX]: w for t, w in asked.items()}
    return sum(w for t, w in weight.items() if t in held) >= ASKED_SHARE * sum(weight.values())


def _answer(lines: list[tuple[float, str, RetrievedChunk]], lang: str,
            query: str) -> Answer | None:
    kept = sorted(lines, key=lambda ln: -ln[0])[:MAX_LINES]
    if len(kept) < 2:
        return None
    kept.sort(key=lambda ln: str(ln[2].metadata.get("date", "")))
    sources: list[RetrievedChunk] = []
    body = [f"- **{ln[2].metadata.get('date', '')}**: {ln[1].rstrip()} {marker(sources, ln[2])}"
            for ln in kept]
    text, cits = validate("\n".join([HEAD.get(lang, HEAD["it"]), *body]), sources)
    return Answer(text=text, citations=cits, grounded=bool(cits), language=lang, query=query)
