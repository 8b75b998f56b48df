"""The sentence that answers one part of a multi-entity question, chosen by the fitted
sentence model.

Each part ("Forum 2025: iscritti", "missione a Boston 2024: quota") is retrieved on
its own, with its year as a date filter besides the unfiltered search (a report may be
dated after the event it counts), and every sentence of those passages is scored by
:func:`assistant.rag.selection.score_candidates`, the model the answerer uses. What
the model cannot know is which entity a sentence is about: a sentence counts for the
part when it, or its document's title and date, names the part's label, and it is
dropped when it names only another part's label ("2024" in the line about 2026, the
Osaka article in the line about Boston).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from assistant.models import Filters, RetrievedChunk
from assistant.rag.answer import Answerer
from assistant.rag.extractive import NUMBER, QUESTION_TERMS, Candidate
from assistant.rag.features import ASKS_NUMBER, DATE, analyse_question
from assistant.rag.glossary import translations
from assistant.rag.selection import score_candidates
from assistant.stores.lexical import LexicalTier
from assistant.text import analyze, fold, words

DocPassages = Callable[[str, Sequence[str]], list[RetrievedChunk]]
PART_K = 8  # passages retrieved per part without a date filter
_COMPARING = ("confront", "compar", "differ", "versus")
STEM = 6  # letters that make two spellings of a word the same
DOCS = 5  # articles about the part read in full
YEAR_K = 4  # and with the part's year as a date filter
_YEAR = re.compile(r"^(?:19|20)\d\d$")
FIGURE_BONUS = 3.0  # in the model's score units (log-odds)
COUNTED_BONUS = 2.0  # a figure of what is asked (see counts_asked)
_DIGITS = re.compile(r"(?<![\w-])\d[\d.,]*(?![\w-])")
SIDE_WEIGHT = 4.0  # per step of :func:`about`
ASKED_WEIGHT = 3.0  # for a sentence holding every word the part (or follow-up) asks
_GENERIC = frozenset({"missione", "missioni", "mission", "missions", "bando", "bandi", "call",
                      "the", "del", "della", "di", "edizione", "edition"})


@dataclass
class Cell:
    """The chosen sentence of one part, its passage and its model score."""

    sentence: str
    chunk: RetrievedChunk
    score: float


def label_terms(label: str) -> list[str]:
    """The folded words that say which entity a label is ("boston", "2024")."""
    return [fold(w) for w in words(label) if fold(w) not in _GENERIC and len(w) >= 3]


def names_every(terms: Sequence[str], text: str, date: str = "") -> bool:
    """Every term of the label occurs in ``text``, up to its ending ("indagini",
    "Indagine"); a year also as the date's year."""
    toks = {_key(w) for w in words(text)}
    return bool(terms) and all(_key(t) in toks or (_YEAR.match(t) and date.startswith(t))
                               for t in terms)


def _key(word: str) -> str:
    """A word up to its ending: the first :data:`STEM` letters without the final
    vowels ("Fiera"/"fiere", "indagine"/"indagini" share one key)."""
    key = fold(word)[:STEM]
    return key.rstrip("aeiou") if len(key) > 3 and not key.isdigit() else key


def about(sentence: str, chunk: RetrievedChunk, own: Sequence[str],
          foreign: Sequence[Sequence[str]]) -> int:
    """2: the document's title (or section) and date name this part, whatever else
    the sentence compares it with ("44 proposte, contro le 31 del 2024"); 1: the
    sentence does, with its document's help ("Boston" in a row of the 2027 calendar);
    0: no part; -1: only another part (never quoted for this one)."""
    context = f"{chunk.title} {chunk.metadata.get('section', '')}"
    date = str(chunk.metadata.get("date", ""))
    full = f"{sentence} {context}"
    if names_every(own, context, date):
        return 2
    if names_every(own, full, date):
        return 1
    return -1 if any(names_every(f, full, date) for f in foreign) else 0


def _year_filter(filters: Filters | None, year: str) -> Filters:
    base = filters.model_copy() if filters else Filters()
    base.date_from, base.date_to = f"{year}-01-01", f"{year}-12-31"
    return base


def retrieve_part(answerer: Answerer, question: str, label: str,
                  visibilities: Sequence[str], filters: Filters | None,
                  doc_passages: DocPassages | None = None) -> list[RetrievedChunk]:
    """The part's passages: an unfiltered search, one limited to its year, and every
    passage of the (at most ``DOCS``) retrieved articles whose title and date name the
    part: the figure is often in a passage the question's words do not reach."""
    hits = answerer.retriever.retrieve(question, visibilities, PART_K, filters)
    years = [w for w in words(label) if _YEAR.match(w)]
    if years and not (filters and (filters.date_from or filters.date_to)):
        hits += answerer.retriever.retrieve(question, visibilities, YEAR_K,
                                            _year_filter(filters, years[-1]))
    key = part_terms(question, label)
    if doc_passages and any(not _YEAR.match(t) for t in key):
        for doc in titled(answerer, key, visibilities, [h.doc_id for h in hits])[:DOCS]:
            hits += doc_passages(doc, visibilities)
    first: dict[str, RetrievedChunk] = {}
    for h in hits:
        first.setdefault(h.chunk_id, h)
    return list(first.values())


def part_terms(question: str, label: str) -> list[str]:
    """The words that say which part a text is about: the label's, and for a bare year
    ("2025") the words naming what it is the edition of ("MEDICA", "indagini soci")."""
    terms = label_terms(label)
    if terms and all(_YEAR.match(t) for t in terms):
        terms += entity_words(question, terms[-1])
    elif terms:  # "le missioni 2027 a Dubai e a Boston": the year all parts share
        terms += [y for y in words(question) if _YEAR.match(y) and y not in terms]
    return terms


def entity_words(question: str, year: str) -> list[str]:
    """What a bare year is the edition of: the question's capitalised names ("Forum",
    "Ponti"), else the words just before the year ("indagini soci 2025")."""
    toks = words(question)
    caps = [fold(w) for w in toks[1:] if w[:1].isupper() and fold(w) not in _GENERIC]
    if caps or year not in toks:
        return caps
    before = toks[max(0, toks.index(year) - 2):toks.index(year)]
    return [fold(w) for w in before if len(w) >= 4 and analyze(w)
            and not fold(w).startswith(_COMPARING)]


def titled(answerer: Answerer, key: Sequence[str], visibilities: Sequence[str],
           retrieved: Sequence[str]) -> list[str]:
    """The articles whose title (and date, for a year) names every term of ``key``:
    those retrieved first, in rank order, then the others, latest first."""
    tier = answerer.retriever.lexical.tier(tuple(visibilities))
    docs: dict[str, str] = {}
    for row in tier.rows.values():
        meta = row.meta
        if row.doc_id not in docs and meta.get("doc_type", "article") != "member" and \
                names_every(key, str(meta.get("title", "")), str(meta.get("date", ""))):
            docs[row.doc_id] = str(meta.get("date", ""))
    first = [d for d in dict.fromkeys(retrieved) if d in docs]
    rest = sorted((d for d in docs if d not in first), key=lambda d: docs[d], reverse=True)
    return first + rest


def asked_terms(question: str, label: str, lang: str,
                idf: Callable[[str], float] = lambda t: 1.0) -> dict[str, float]:
    """What the part asks, weighted by rarity: the question's terms without the label,
    the years and the capitalised names, which only say which entity ("dotazione",
    "iscritti", "incontri"; not "Ponti", "Forum", "2024")."""
    names = " ".join(w for w in words(question)[1:] if w.isdigit() or (
        w[:1].isupper() and not any(ch.isdigit() for ch in w)))  # "B2B" is asked
    drop = set(analyze(label, lang)) | set(analyze(names, lang)) | QUESTION_TERMS
    return {t: idf(t) for t in analyze(question, lang) if t not in drop}


def asked_share(asked: dict[str, float], text: str, lang: str) -> float:
    if not asked:
        return 0.0
    terms = set(analyze(text, lang)) | set(analyze(text, "en" if lang == "it" else "it"))
    return sum(w for t, w in asked.items() if t in terms) / sum(asked.values())


def has_figure(text: str) -> bool:
    """A figure (not a date, a year or a list item's number): what a "how many"
    question wants. Number words are left out: "sei incontri per organizzazione" is
    a target, rarely the count asked."""
    return bool(_DIGITS.search(DATE.sub(" ", re.sub(r"(?m)^\s*\d+[.)]\s", " ", text))))


# the units that state a measure the question names: "superficie" -> "48 metri quadrati"
_UNITS = {
    "superfic": r"metri quadrat|m2|m²|mq|square met|ettar|hectare",
    "durat": r"ann|mes|settiman|giorn|or[ae]\b|year|month|week|day|hour",
    "lunghezz": r"chilometr|km\b|metr|mile",
    "distanz": r"chilometr|km\b|metr|mile",
    "pes": r"kg\b|chil|tonnellat|ton",
    "capacit": r"unit|post|lett|seat|bed|litr",
}
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")  # "9:00" is when, not how many
_LIMIT = re.compile(r"\b(almeno|massimo|minimo|fino a|oltre|at least|at most|up to)\W*$",
                    re.I)


def measure_units(asked: Iterable[str]) -> list[str]:
    """The unit patterns of the measures among the asked terms ("superfic" -> m²)."""
    return [u for a in asked for k, u in _UNITS.items() if a.startswith(k)]


def counts_asked(text: str, asked: Collection[str], lang: str) -> bool:
    """A figure of the sentence counts or measures what is asked: the word after it is
    an asked word or its translation ("7 imprese", "sette imprese", "nine member
    companies" for "numero di imprese"; an adjective may come between), or, for an
    asked measure, the measure's unit ("48 metri quadrati" for "superficie"). A figure
    before other words ("95 distributori", "alle 9:00 lo stand") answers another
    question; a number word only counts when an asked word follows it, and not after
    "almeno", "massimo" or "fino a" (a target or a limit)."""
    if not asked:
        return False
    other = "en" if lang == "it" else "it"
    units = measure_units(asked)
    wanted = set(asked) | {t for a in asked for t in translations(a)}
    plain = _TIME.sub(" ", DATE.sub(" ", text))
    for m in NUMBER.finditer(plain):
        if not m.group()[:1].isdigit() and _LIMIT.search(plain[max(0, m.start() - 14):m.start()]):
            continue  # "almeno sei incontri", "massimo tre risposte": a target, not a count
        after = fold(plain[m.end():m.end() + 40]).lstrip(" *")
        if units:
            if m.group()[:1].isdigit() and any(re.match(u, after) for u in units):
                return True
            continue
        for word in after.split()[:2]:
            if (set(analyze(word, lang)) | set(analyze(word, other))) & wanted:
                return True
    return False


def scored_sentences(answerer: Answerer, question: str, chunks: Sequence[RetrievedChunk],
                     tier: LexicalTier) -> list[tuple[Candidate, RetrievedChunk]]:
    """Every quotable sentence of ``chunks`` scored by the answer model, the passages
    of each language scored with the question read in that language: a figure in an
    English report answers an Italian question as well (the model's same-language
    feature is for one answer, not for choosing among the reports of several parts)."""
    out: list[tuple[Candidate, RetrievedChunk]] = []
    by_lang: dict[str, list[RetrievedChunk]] = {}
    for c in chunks:
        by_lang.setdefault(str(c.metadata.get("lang", "it")), []).append(c)
    for clang, group in by_lang.items():
        q = analyse_question(question, clang, tier.idf, tier.doc_freq, lambda: tier.vocabulary)
        dense = answerer.retriever.sentence_similarity(question, group)
        scored = score_candidates(q, group, dense, answerer.model)
        # a table's rows come as one sentence each ("Progetto: SmartRehab; Contributo:
        # 135.000 €.", see assistant.rag.tables)
        out += [(cand, group[cand.source]) for cand in scored.cands]
    return out


def best_cells(answerer: Answerer, question: str, label: str, others: Sequence[str],
               lang: str, visibilities: Sequence[str], filters: Filters | None,
               n: int = 2, doc_passages: DocPassages | None = None) -> list[Cell]:
    """At most ``n`` sentences for one part, best first: the model's choice among the
    sentences about this part (or about no part), a second one only when the model
    gives it a comparable share. A "how many" part prefers a sentence with a figure."""
    chunks = retrieve_part(answerer, question, label, visibilities, filters, doc_passages)
    if not chunks:
        return []
    tier = answerer.retriever.lexical.tier(tuple(visibilities))
    cands = scored_sentences(answerer, question, chunks, tier)
    own = part_terms(question, label)
    foreign = [t for t in (part_terms(question, o) for o in others) if t != own]
    asked = asked_terms(question, label, lang, tier.idf)
    # "quanti", "numero", or a measure ("superficie", "durata"): a figure is the answer
    number = bool(ASKS_NUMBER.search(question)) or bool(measure_units(asked))
    ranked = []
    for cand, chunk in cands:
        side = about(cand.text, chunk, own, foreign)
        if side >= 0:
            counted = number and counts_asked(cand.text, asked.keys(), lang)
            bonus = FIGURE_BONUS if number and (has_figure(cand.text) or counted) else 0.0
            bonus += COUNTED_BONUS if counted else 0.0
            bonus += ASKED_WEIGHT * asked_share(asked, f"{cand.text} {chunk.title}", lang)
            ranked.append((cand.score + bonus + SIDE_WEIGHT * side, side, cand.text, chunk))
    if any(r[1] > 0 for r in ranked):  # a sentence naming no part only when none does
        ranked = [r for r in ranked if r[1] > 0]
    ranked.sort(key=lambda r: r[0], reverse=True)
    if not ranked:
        return []
    top, side, text, chunk = ranked[0]
    out = [Cell(text, chunk, top)]
    for score, other_side, text, chunk in ranked[1:n * 4]:
        if len(out) >= n or math.exp(score - top) < answerer.model.second_ratio:
            break
        if other_side == side and text not in (c.sentence for c in out):
            out.append(Cell(text, chunk, score))
    return out
