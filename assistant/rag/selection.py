"""Learned sentence selection and answerability for the offline answerer.

Every sentence of the retrieved passages is described by
:func:`assistant.rag.features.sentence_features` and scored by the fitted
sentence model; the answer quotes the best one, and a second only when the model
gives it a comparable share (it adds the asked facts) and it is not a
near-duplicate. Whether to answer at all is the answerability model's calibrated
probability over question-level features (see :mod:`assistant.rag.answer_model`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from assistant.models import RetrievedChunk
from assistant.rag.answer_model import AnswerModel
from assistant.rag.extractive import (
    Candidate,
    about_other_years,
    jaccard,
    quotable,
)
from assistant.rag.features import (
    SENTENCE_FEATURES,
    YEAR,
    DocContext,
    LocalTerms,
    QuestionInfo,
    cognates,
    question_features,
    sentence_features,
)
from assistant.rag.names import NOT_NAMES, entity_presence
from assistant.rag.tables import table_rows
from assistant.text import analyze, is_common_word, is_table_line, sentence_spans, words

MAX_WORDS = 70  # two sentences at most, and short ones
# a second sentence that completes the best one (see select); set on SQuAD-it dev
# articles 12:24 (gold span in the answer 0.738 -> 0.742, median words +1)
COMPLEMENT_GAIN = 0.2  # share of the question's terms it must add
COMPLEMENT_MIN_TERMS = 2  # and at least this many (a year alone is not the asked fact)
COMPLEMENT_RATIO = 0.05  # of the best sentence's probability, at least
COMPLEMENT_MAX_COVER = 0.7  # the best sentence's share of them, at most


@dataclass
class Scored:
    """The candidates of one question, with their features and model scores."""

    cands: list[Candidate] = field(default_factory=list)
    rows: list[list[float]] = field(default_factory=list)
    probs: np.ndarray = field(default_factory=lambda: np.zeros(0))


def score_candidates(q: QuestionInfo, chunks: Sequence[RetrievedChunk],
                     dense: Sequence[Sequence[float]] | None,
                     model: AnswerModel) -> Scored:
    """Every quotable sentence of ``chunks`` with features and softmax shares.

    ``dense[i][j]`` is the cosine of sentence ``j`` of chunk ``i`` with the
    question (stored sentence vectors); without it the chunk's dense score stands in.
    """
    out = Scored()
    flat = [d for row in (dense or []) for d in row]
    best_dense = max(flat, default=max((c.dense for c in chunks), default=0.0))
    other = [c.metadata.get("lang", "it") != q.lang for c in chunks]
    titles = [_title_terms(c) for c in chunks]
    titles = [t | set(cognates(q.terms, t, o)) for t, o in zip(titles, other, strict=True)]
    docs = document_contexts(q, chunks, titles)
    sentences = []
    for i, c in enumerate(chunks):
        rows = table_rows(c.text, c.metadata.get("table_header")) if "|" in c.text else {}
        previous: list[str] = []
        for pos, (s, e) in enumerate(sentence_spans(c.text)):
            text = c.text[s:e].strip()
            if is_table_line(text):  # a data row, read with its header; not a header
                text = rows.get(s, "")  # spans start trimmed, as the rows' offsets
            terms = analyze(text, c.metadata.get("lang", "it"))
            # the glossary's translations count, and on a page in the other language
            # its near-identical words too
            terms += cognates(q.terms, terms, other[i])
            if quotable(text, c.title):
                sentences.append((i, pos, s, text, terms, set(previous)))
            previous = terms
    local = local_weights(q, [set(terms) for *_, terms, _ in sentences])
    contexts = [t | set(analyze(str(c.metadata.get("section", "")), c.metadata.get("lang", "it")))
                for c, t in zip(chunks, titles, strict=True)]
    for i, pos, s, text, terms, before in sentences:
        c, title_terms, context = chunks[i], titles[i], contexts[i]
        d = dense[i][pos] if dense and pos < len(dense[i]) else c.dense
        row = sentence_features(
            q, text, terms, title_terms, context, passage_score=docs[i][1], rank=i,
            pos=pos, same_lang=c.metadata.get("lang", "it") == q.lang, dense=d,
            dense_best=best_dense, doc=docs[i][0], local=local, previous=before)
        out.cands.append(Candidate(i, c.start + s, text, 0.0, set(terms) | context, row[0],
                                   q.idf))
        out.rows.append(row)
    return rescore(out, model)


def rescore(scored: Scored, model: AnswerModel) -> Scored:
    """Scores and softmax shares of the candidates under ``model``'s sentence scorer."""
    scores = model.sentence.score(scored.rows)
    for cand, sc in zip(scored.cands, scores, strict=True):
        cand.score = float(sc)
    if len(scores):
        ex = np.exp(scores - scores.max())
        scored.probs = ex / ex.sum()
    return scored


def local_weights(q: QuestionInfo, sentences: Sequence[set[str]]) -> LocalTerms:
    """Question terms weighted by how few of the candidate sentences hold them.

    Words every retrieved sentence shares are the topic ("gruppo di lavoro sulla
    medicina rigenerativa"); the word only one sentence holds is what is asked about
    it ("coordina"). A term no sentence holds weighs most: the passages are about
    the subject but lack what is asked, the mark of a near miss.
    """
    n = len(sentences)
    counts = {t: sum(t in s for s in sentences) for t in q.idf}
    weights = {t: w * math.log((n + 1) / (counts[t] + 0.5)) for t, w in q.idf.items()}
    held = [t for t in q.idf if counts[t]]
    rarest = min((counts[t] for t in held), default=0)
    return LocalTerms(weights, frozenset(t for t in held if counts[t] == rarest))


def _title_terms(chunk: RetrievedChunk) -> set[str]:
    lang = chunk.metadata.get("lang", "it")
    return set(analyze(chunk.title, lang)) | set(analyze(chunk.title, "it"))


def document_contexts(q: QuestionInfo, chunks: Sequence[RetrievedChunk],
                      titles: Sequence[set[str]] | None = None
                      ) -> list[tuple[DocContext, float]]:
    """Per chunk: its document's context and the chunk's own normalised score
    (``titles``: the chunks' analysed title terms, when the caller has them).

    Answers come from the most relevant document first: a passage of the document
    whose title and date name the question's subject (the 2024 forum in Rome)
    should beat a passage of another document that merely mentions it.
    """
    top = max((c.score for c in chunks), default=1.0) or 1.0
    best: dict[str, float] = {}
    for c in chunks:
        best[c.doc_id] = max(best.get(c.doc_id, 0.0), c.score / top)
    total = q.total
    titles = titles if titles is not None else [_title_terms(c) for c in chunks]
    matches = [sum(w for t, w in q.idf.items() if t in terms) / total for terms in titles]
    top_title = max(matches, default=0.0)
    dates = sorted({_date(c) for c in chunks} - {""})
    out = []
    for c, title in zip(chunks, matches, strict=True):
        years = set(YEAR.findall(c.title)) | set(YEAR.findall(_date(c)[:4]))
        recency = dates.index(_date(c)) / (len(dates) - 1) if (
            len(dates) > 1 and _date(c)) else 0.5
        doc = DocContext(best[c.doc_id], bool(q.years & years),
                         bool(q.years) and bool(years) and not q.years & years,
                         title - top_title, recency)
        out.append((doc, c.score / top))
    return out


def _date(chunk: RetrievedChunk) -> str:
    """The document's ISO date ("2025-06-01"), or "" when it has none."""
    return str(chunk.metadata.get("date") or "")[:10]


def without(scored: Scored, drop: Sequence[bool]) -> Scored:
    """The candidates not dropped, shares renormalised: what the answerer would see
    if the dropped sentences did not exist (a near miss, for fitting refusals)."""
    keep = [i for i, d in enumerate(drop) if not d]
    out = Scored([scored.cands[i] for i in keep], [scored.rows[i] for i in keep])
    if keep:
        p = scored.probs[keep]
        out.probs = p / p.sum()
    return out


def on_asked_years(scored: Scored, query: str, chunks: list[RetrievedChunk]) -> Scored:
    """Without the sentences about other years than the question names, when some
    sentence is not: "la dotazione del bando 2024" is not answered by the 2026
    call's figure, however alike the sentences are (see
    :func:`assistant.rag.extractive.about_other_years`). When every sentence is, the
    candidates stay as they are and the answer is refused by that check."""
    if not YEAR.search(query):
        return scored
    drop = [about_other_years(query, [c], chunks) for c in scored.cands]
    return without(scored, drop) if any(drop) and not all(drop) else scored


def select(scored: Scored, model: AnswerModel, docs: Sequence[str] | None = None,
           asked: AbstractSet[str] = frozenset()) -> list[Candidate]:
    """The best sentence, plus a second when it holds a comparable share, or else when
    it holds the asked words the best one lacks.

    ``docs``: the document of each retrieved chunk. With it, the second sentence is
    the best other one of the best sentence's document: an answer comes from the most
    relevant document, and a sentence of another one is off the subject (the Forum's
    venue quoted after MEDICA's dates). ``asked``: the question's content terms; when
    the best sentence holds at most :data:`COMPLEMENT_MAX_COVER` of them, a sentence of
    its document that adds :data:`COMPLEMENT_GAIN` of them ("verranno attivati accordi
    di partnership" after the sentence naming the partner) completes the answer.
    Questions about several things are answered part by part before they reach here
    (:mod:`assistant.directory.multi`)."""
    if not scored.cands:
        return []
    order = [int(i) for i in np.argsort(-scored.probs)]
    best = scored.cands[order[0]]
    top = float(scored.probs[order[0]])

    def fits(j: int) -> bool:  # short enough together, and not a near-duplicate
        other = scored.cands[j]
        return (len(best.text.split()) + len(other.text.split()) <= MAX_WORDS
                and jaccard(best.terms, other.terms) <= 0.5)

    rest = [j for j in order[1:] if docs is None
            or docs[scored.cands[j].source] == docs[best.source]]
    second = next((scored.cands[j] for j in rest[:1]
                   if scored.probs[j] >= model.second_ratio * top and fits(j)), None)
    if second is None and asked and len(best.terms & asked) <= COMPLEMENT_MAX_COVER * len(asked):
        gains = [(len((scored.cands[j].terms & asked) - best.terms), j) for j in rest
                 if scored.probs[j] >= COMPLEMENT_RATIO * top and fits(j)]
        gain, j = max(gains, key=lambda g: g[0], default=(0, -1))  # ties: the likelier
        enough = gain >= max(COMPLEMENT_MIN_TERMS, COMPLEMENT_GAIN * len(asked))
        second = scored.cands[j] if enough else None
    chosen = [best] if second is None else [best, second]
    return sorted(chosen, key=lambda c: (c.source, c.start))


def corpus_knows(doc_freq: Callable[[str], int], fuzzy: AbstractSet[str], question: str,
                 lang: str, main_language: str | None) -> Callable[[str], bool]:
    """Does the visible content use this term (a stem)? Typos the question corrected
    (``fuzzy``) count as used. A question in another language than most of the
    content ("PB-214 licence deal: milestone payments?" over Italian articles) uses
    ordinary words of its language that the content translates rather than spells:
    those count as used too, so only its names, codes and rare words can say that the
    content does not cover what it asks."""
    common: set[str] = set()
    if main_language and lang != main_language:
        common = {t for w in words(question) if is_common_word(w, lang)
                  for t in (*analyze(w, "it"), *analyze(w, "en"))}
    return lambda t: doc_freq(t) > 0 or t in fuzzy or t in common


def unknown_share(question: str, known: Callable[[str], bool]) -> tuple[float, int]:
    """(share, count) of the question's content words that the visible corpus never
    uses, in either language's stem, even after typo correction (``known`` decides)."""
    content = [w for w in words(question) if len(w) > 3 and not w.isdigit()
               and analyze(w, "it") and analyze(w, "en")]  # stopwords are not content
    if not content:
        return 0.0, 0
    unknown = [w for w in content
               if not known(analyze(w, "it")[0]) and not known(analyze(w, "en")[0])]
    return len(unknown) / len(content), len(unknown)


def missing_shares(question: str, chunks: Sequence[RetrievedChunk]) -> tuple[float, float]:
    """(share of the question's names, share of its years) absent from the passages."""
    names, years, missing = entity_presence(question, chunks, NOT_NAMES)
    miss_n = len(missing & names) / len(names) if names else 0.0
    miss_y = len(missing & years) / len(years) if years else 0.0
    return miss_n, miss_y


def answerability_row(q: QuestionInfo, scored: Scored, chunks: Sequence[RetrievedChunk],
                      known: Callable[[str], bool],
                      background: tuple[float, float] = (0.0, 0.0)) -> list[float]:
    """The question-level features of :data:`assistant.rag.features.QUESTION_FEATURES`
    (``background``: the dense scores' mean and spread over all dense candidates)."""
    scores = [c.score for c in scored.cands]
    best = int(np.argmax(scores)) if scores else -1
    coverage = max((r[0] for r in scored.rows), default=0.0)
    local = SENTENCE_FEATURES.index("local_focus")
    local_top = max((r[local] for r in scored.rows), default=0.0)
    miss_n, miss_y = missing_shares(q.text, chunks)
    return question_features(
        q, scores, coverage, [c.dense for c in chunks], unknown_share(q.text, known)[0],
        miss_n, miss_y, scored.rows[best] if best >= 0 else [], local_top, background)
