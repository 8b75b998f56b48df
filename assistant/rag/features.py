"""Features of (question, sentence) pairs and of whole questions, for the answer model.

The offline answerer does not hand-weigh its signals any more: it describes each
candidate sentence with the numbers below and lets a model fitted on SQuAD-it
(``evals/train_answer_model.py``) weigh them. The features are the ones a reader
would use to find an answer: how many of the question's rare words the sentence
(and its document title) holds, how close its meaning is (e5 sentence vectors),
whether it holds the kind of thing asked (a number, a date, a name, a place),
where it sits, and how well its passage was ranked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from assistant.rag.extractive import (
    ASKS_DURATION,
    ASKS_TIME,
    MONTHS,
    NUMBER,
    TIME_OF_DAY,
    TIME_SPAN,
)
from assistant.rag.glossary import translations
from assistant.text import (
    COGNATE_MIN,
    analyze,
    english_content,
    is_cognate,
    is_common_word,
    words,
)

SENTENCE_FEATURES = (
    "overlap", "own", "focus", "title", "bigram", "novelty", "passage_score", "passage_rank",
    "position", "same_lang", "dense", "dense_rel", "asks_number_has", "asks_number_lacks",
    "asks_date_has", "asks_who_has", "asks_where_has", "other_year", "future", "length",
    "doc_score", "doc_year_match", "doc_year_other", "title_rel", "attr_lacks", "local_focus",
    "rarest_hit", "doc_recency", "prev_gain", "asks_duration_has",
)
QUESTION_FEATURES = (
    "best", "margin", "coverage", "top_dense", "dense_spread", "unknown", "missing_names",
    "missing_years", "best_dense", "english", "n_terms", "title_best", "own_best",
    "focus_best", "lacks_best", "attr_lacks_best", "doc_year_other_best", "local_best",
    "local_top", "dense_mean", "dense_std",
)

YEAR = re.compile(r"(?<![\w-])(?:1[5-9]|20)\d\d(?![\w-])")
DATE = re.compile(rf"{YEAR.pattern}|\b\d{{1,2}}\s+({MONTHS})\w*|\b({MONTHS})\w*\s+\d{{1,2}}\b|"
                  r"\b(secolo|century|anni|years?)\b", re.I)
_NAME = re.compile(r"\b[A-ZÀ-Þ][a-zà-ÿ]+ [A-ZÀ-Þ][a-zà-ÿ]+")
_PLACE = re.compile(r"\b(a|in|presso|at|to|nel|nella|from|da)\s+[A-ZÀ-Þ]")
FUTURE = re.compile(
    r"\b(sar[àa]|saranno|verr[àa]|verranno|si terr[àa]|si svolger[àa]|[èe] previst[oa]|"
    r"sono previst[ie]|prevede di|potr[àa]nno|dovr[àa]nno|will|is expected|are expected|"
    r"entro il|scadenza|candidature|candidarsi|iscrizioni)\b", re.I)
# the words of both languages that ask for a figure
ASKS_NUMBER = re.compile(r"\b(quant[oiae]|how (many|much)|numero|importo|dotazione|budget|"
                         r"costo|percentuale|ammonta\w*|cifra|valore|number|amount|cost|"
                         r"percentage|percent|share|figure|value|price)\b", re.I)
ASKS_DATE = re.compile(r"\b(quando|when|scadenza|scade|deadline|entro|data|date|anno|year|"
                       r"secolo|century|periodo)\b", re.I)
ASKS_WHO = re.compile(r"\b(chi|who|whom|whose)\b", re.I)
ASKS_WHERE = re.compile(r"\b(dove|where|quale citt\w*|which city)\b", re.I)
# words of a question that ask, rather than say what it is about
QUESTION_WORDS = frozenset(analyze(
    "quale quali qual chi cosa come quando dove perché quanto quanti quante elenca dimmi "
    "parlami descrivi spiega sai puoi vorrei sapere informazioni notizie", "it")) | frozenset(
    analyze("which what who how when where why much many list tell describe explain know "
            "information news about", "en"))


@dataclass(frozen=True)
class DocContext:
    """What a sentence's document says about the question, beyond the sentence: how
    well its best passage ranked, whether its date or title names an asked year,
    how its title's match compares with the best title among the passages, and how
    recent it is among them (a later article updates a figure: "finora", "so far")."""

    score: float  # the best normalised passage score of the document
    year_match: bool  # the question names a year the document's date or title has
    year_other: bool  # the question names years; the document's are all others
    title_rel: float  # title match minus the best title match of the passages
    recency: float = 0.5  # the document's date among the passages' dates: 0 oldest, 1 newest


@dataclass(frozen=True)
class LocalTerms:
    """The question's terms as seen among one question's candidate sentences."""

    weights: dict[str, float]  # IDF x rarity among the candidates
    rarest: frozenset[str]  # the held terms that the fewest candidates hold


@dataclass
class QuestionInfo:
    """The question as the features see it (computed once per question)."""

    text: str
    lang: str
    terms: list[str]
    idf: dict[str, float]
    attr: set[str]
    years: set[str]
    bigrams: set[tuple[str, str]]
    fuzzy: dict[str, str] = field(default_factory=dict)  # unknown term -> corpus term

    @property
    def total(self) -> float:
        return sum(self.idf.values()) or 1.0

    @cached_property
    def asked(self) -> dict[str, float]:
        """IDF weights of the attribute words ("fatturato", "scadenza", "costo"):
        lower-case content words, what is asked about the named subject."""
        return {t: w for t, w in self.idf.items() if t in self.attr}


def split_codes(text: str) -> str:
    """"PB214" and "pb 214" as the corpus writes them ("PB-214"): letters and digits
    glued in one word are also given apart, so the lexical match still happens."""
    return re.sub(r"\b([A-Za-z]{1,4})(\d{2,5})\b", r"\1 \2", text)


def question_terms(question: str, lang: str) -> list[str]:
    """Stemmed content terms of the question (both languages' stems for English)."""
    question = split_codes(question)
    if lang == "en":
        plain = english_content(question)
        terms = analyze(plain, "en") + analyze(plain, "it")
    else:
        terms = analyze(question, lang)
    return [t for t in dict.fromkeys(terms) if t not in QUESTION_WORDS]


def correct_terms(terms: Iterable[str], df: Callable[[str], int],
                  vocabulary: Callable[[], list[str]],
                  words_of_language: Callable[[], AbstractSet[str]] = frozenset
                  ) -> dict[str, str]:
    """Terms absent from the corpus mapped to the closest corpus term (a typo, an
    accent, a variant spelling), when one is within edit distance 1-2.

    A term in ``words_of_language()`` (the stems of the question's common words, asked
    for only when some term is absent from the corpus) is not a typo: "contanti"
    (cash) is not "contatti" (contacts), and reading it as one would answer about
    something else."""
    out: dict[str, str] = {}
    vocab: list[str] | None = None
    common: AbstractSet[str] | None = None
    for t in terms:
        if df(t) or len(t) < 4 or t.isdigit():
            continue
        common = common if common is not None else words_of_language()
        if t in common:
            continue
        vocab = vocab if vocab is not None else vocabulary()
        limit = 1 if len(t) < 7 else 2
        hit = process.extractOne(t, vocab, scorer=Levenshtein.distance,
                                 score_cutoff=limit)
        if hit is not None:
            out[t] = hit[0]
    return out


def cognates(question_terms: Iterable[str], terms: Iterable[str],
             spelt_alike: bool = True) -> list[str]:
    """The question's terms that a text names in other words of the same meaning.

    A stem whose translation in the glossary the text holds counts as present
    ("deadline" / "scadenza", "fee" / "quota", :mod:`assistant.rag.glossary`): across
    languages, and within one too, since Italian questions borrow English words ("la
    deadline del bando", "il budget"). With ``spelt_alike`` (a text in the other
    language), so does a stem the text spells almost alike: "contatti qualificati" and
    "qualified contacts" share no stem ("contatt" / "contact"), yet a reader sees the
    same words; so do "pazienti" / "patients" and "servizi" / "services"
    (:func:`assistant.text.is_cognate`). Within one language the stems already match."""
    every = set(terms)
    have = {t for t in every if len(t) >= COGNATE_MIN} if spelt_alike else set()
    out = []
    for t in question_terms:
        if t.isdigit() or t in every:
            continue
        if translations(t) & every or (len(t) >= COGNATE_MIN
                                       and any(is_cognate(t, u) for u in have)):
            out.append(t)
    return out


def analyse_question(question: str, lang: str, idf_of: Callable[[str], float],
                     df: Callable[[str], int] | None = None,
                     vocabulary: Callable[[], list[str]] | None = None,
                     own: str | None = None) -> QuestionInfo:
    """Terms, IDF weights, asked attributes and years of ``question``.

    ``own``: the user's own words when ``question`` is a follow-up rewritten with the
    previous turn's subject. What is asked ("quanto contributo") comes from them
    only; the carried words ("partner del progetto VascuLab") say what it is about,
    and an attribute of the previous question ("partner", "scadenza") is not asked
    again."""
    terms = question_terms(question, lang)
    fuzzy = correct_terms(terms, df, vocabulary, lambda: {
        t for w in words(question) if is_common_word(w, lang) for t in analyze(w, lang)}
    ) if df and vocabulary else {}
    terms = list(dict.fromkeys(fuzzy.get(t, t) for t in terms))
    idf = {t: idf_of(t) for t in terms}
    lower = " ".join(w for w in words(own or question) if w[:1].islower())
    attr = set(analyze(lower, lang)) | (set(analyze(lower, "it")) if lang != "it" else set())
    attr = {fuzzy.get(t, t) for t in attr}
    bigrams = set(zip(terms, terms[1:], strict=False))
    return QuestionInfo(question, lang, terms, idf, attr, set(YEAR.findall(question)),
                        bigrams, fuzzy)


def _share(q: QuestionInfo, terms: set[str], weights: dict[str, float] | None = None) -> float:
    w = weights or q.idf
    total = sum(w.values()) or 1.0
    return sum(w.get(t, 0.0) for t in q.terms if t in terms) / total


def sentence_features(q: QuestionInfo, text: str, terms: list[str], title_terms: set[str],
                      context: set[str], *, passage_score: float, rank: int, pos: int,
                      same_lang: bool, dense: float, dense_best: float,
                      doc: DocContext, local: LocalTerms | None = None,
                      previous: AbstractSet[str] = frozenset()) -> list[float]:
    """One row of :data:`SENTENCE_FEATURES` for a candidate sentence (``local``: the
    question terms' weights among this question's candidates, see
    :func:`assistant.rag.selection.local_weights`; ``previous``: the terms of the
    sentence before it in its passage).

    ``prev_gain`` is the share of the question that the previous sentence names and
    this one does not: an answer often refers back to a subject named just before it
    ("Il Cluster lombardo scienze della vita è l'associazione… Il Cluster rappresenta
    oltre 100 soci")."""
    tset = set(terms)
    focus = {t: w * (2.0 if t in q.attr else 1.0) for t, w in q.idf.items()}
    pairs = set(zip(terms, terms[1:], strict=False))
    years = set(YEAR.findall(text))
    asks_n = bool(ASKS_NUMBER.search(q.text))
    asks_d = bool(ASKS_DATE.search(q.text) or ASKS_TIME.search(q.text))
    has_n = bool(NUMBER.search(DATE.sub(" ", text)))
    qset = set(q.terms)
    novelty = len(tset - qset - context) / (len(tset) or 1)
    return [
        _share(q, tset | context), _share(q, tset), _share(q, tset, focus),
        _share(q, title_terms),
        len(pairs & q.bigrams) / (len(q.bigrams) or 1), novelty,
        passage_score, 1.0 / (1 + rank), 1.0 / (1 + pos), float(same_lang),
        dense, dense - dense_best,
        float(asks_n and has_n), float(asks_n and not has_n),
        float(asks_d and bool(DATE.search(text) or TIME_OF_DAY.search(text))),
        float(bool(ASKS_WHO.search(q.text)) and bool(_NAME.search(text))),
        float(bool(ASKS_WHERE.search(q.text)) and bool(_PLACE.search(text))),
        float(bool(q.years) and bool(years) and not (years & q.years)),
        float(bool(FUTURE.search(text))), math.log1p(len(text.split())) / 4,
        doc.score, float(doc.year_match), float(doc.year_other), doc.title_rel,
        1.0 - _share(q, tset, q.asked) if q.asked else 0.0,
        _share(q, tset | context, local.weights if local else q.idf),
        float(bool(local and local.rarest & tset)), doc.recency,
        _share(q, set(previous) - tset),
        float(bool(ASKS_DURATION.search(q.text))
              and bool(TIME_SPAN.search(text) or DATE.search(text))),
    ]


def question_features(q: QuestionInfo, scores: list[float], coverage: float,
                      dense: list[float], unknown: float, missing_names: float,
                      missing_years: float, best: list[float], local_top: float = 0.0,
                      background: tuple[float, float] = (0.0, 0.0)) -> list[float]:
    """One row of :data:`QUESTION_FEATURES`: how answerable the question looks
    (``background``: mean and spread of the query's dense scores over all its dense
    candidates, see :meth:`assistant.rag.retrieve.Retriever.retrieve_with_background`)."""
    ranked = sorted(scores, reverse=True) or [0.0]
    second = ranked[1] if len(ranked) > 1 else ranked[0] - 1.0
    top = max(dense, default=0.0)
    spread = top - (sum(dense) / len(dense) if dense else 0.0)
    row = dict(zip(SENTENCE_FEATURES, best or [0.0] * len(SENTENCE_FEATURES), strict=True))
    return [ranked[0], ranked[0] - second, coverage, top, spread, unknown, missing_names,
            missing_years, row["dense"], float(q.lang == "en"), math.log1p(len(q.terms)),
            row["title"], row["own"], row["focus"], row["asks_number_lacks"],
            row["attr_lacks"], row["doc_year_other"], row["local_focus"], local_top,
            *background]
