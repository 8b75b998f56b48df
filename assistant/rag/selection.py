"""Learned sentence selection and answerability for the offline answerer.

Every sentence of the retrieved passages is described by
:func:`assistant.rag.features.sentence_features` and scored by the fitted
sentence model; the answer quotes the best one, and a second only when the model
gives it a comparable share (it adds the asked facts) and it is not a
near-duplicate. Whether to answer at all is the answerability model's calibrated
probability over question-level features (see :mod:`assistant.rag.answer_model`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.models import RetrievedChunk
from assistant.rag.answer_model import AnswerModel
from assistant.rag.extractive import Candidate, entity_presence, jaccard, quotable
from assistant.rag.features import (
    FUTURE,
    QuestionInfo,
    question_features,
    sentence_features,
)
from assistant.text import analyze, sentence_spans, words

MAX_WORDS = 70  # two sentences at most, and short ones
_PAST_FACT = re.compile(r"\b(ha|hanno|sono stat[ie]|[eè] stat[oa]|si sono|si [eè]|were|was|"
                        r"has|have)\s+\w+", re.I)
# capitalised words that are not names (a question word opens a clause, a month a date)
_NOT_NAMES = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday what which who where when how "
    "quale quali chi dove quando come cosa quanto quanti quante".split())


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
    top = max((c.score for c in chunks), default=1.0) or 1.0
    flat = [d for row in (dense or []) for d in row]
    best_dense = max(flat, default=max((c.dense for c in chunks), default=0.0))
    for i, c in enumerate(chunks):
        clang = c.metadata.get("lang", "it")
        title_terms = set(analyze(c.title, clang)) | set(analyze(c.title, "it"))
        context = title_terms | set(analyze(str(c.metadata.get("section", "")), clang))
        for pos, (s, e) in enumerate(sentence_spans(c.text)):
            text = c.text[s:e].strip()
            if not quotable(text, c.title):
                continue
            terms = analyze(text, clang)
            d = dense[i][pos] if dense and pos < len(dense[i]) else c.dense
            row = sentence_features(
                q, text, terms, title_terms, context, passage_score=c.score / top, rank=i,
                pos=pos, same_lang=clang == q.lang, dense=d, dense_best=best_dense)
            cand = Candidate(i, c.start + s, text, 0.0, set(terms) | context, row[0], q.idf)
            out.cands.append(cand)
            out.rows.append(row)
    scores = model.sentence.score(out.rows)
    for cand, sc in zip(out.cands, scores, strict=True):
        cand.score = float(sc)
    if len(scores):
        ex = np.exp(scores - scores.max())
        out.probs = ex / ex.sum()
    return out


def select(scored: Scored, model: AnswerModel) -> list[Candidate]:
    """The best sentence, plus the runner-up when it holds a comparable share."""
    if not scored.cands:
        return []
    order = np.argsort(-scored.probs)
    best = scored.cands[int(order[0])]
    chosen = [best]
    if len(order) > 1:
        j = int(order[1])
        second = scored.cands[j]
        n = len(best.text.split()) + len(second.text.split())
        if (scored.probs[j] >= model.second_ratio * scored.probs[int(order[0])]
                and n <= MAX_WORDS and jaccard(best.terms, second.terms) <= 0.5):
            chosen.append(second)
    return sorted(chosen, key=lambda c: (c.source, c.start))


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
    names, years, missing = entity_presence(question, chunks, _NOT_NAMES)
    miss_n = len(missing & names) / len(names) if names else 0.0
    miss_y = len(missing & years) / len(years) if years else 0.0
    return miss_n, miss_y


def answerability_row(q: QuestionInfo, scored: Scored, chunks: Sequence[RetrievedChunk],
                      known: Callable[[str], bool]) -> list[float]:
    """The question-level features of :data:`assistant.rag.features.QUESTION_FEATURES`."""
    scores = [c.score for c in scored.cands]
    best = int(np.argmax(scores)) if scores else -1
    coverage = max((r[0] for r in scored.rows), default=0.0)
    miss_n, miss_y = missing_shares(q.text, chunks)
    return question_features(
        q, scores, coverage, [c.dense for c in chunks], unknown_share(q.text, known)[0],
        miss_n, miss_y, scored.rows[best] if best >= 0 else [])


_PAST_QUESTION = re.compile(
    r"\b(com'?\s?[eè] andat\w*|[eè] andat\w*|sono andat\w*|chi ha vinto|ha vinto|hanno vinto|"
    r"[eè] stat[oa]|sono stat[ie]|si [eè] conclus\w*|risultat\w*|esito|how did|how was|"
    r"who won|did .{1,40}\b(win|go|end)|what (was|were) the (result|outcome)s?)\b", re.I)


def only_announces(question: str, chosen: Sequence[Candidate]) -> bool:
    """The question asks how something went, and every quoted sentence only announces
    it (future tense, calls, deadlines): the content does not hold the outcome yet."""
    if not chosen or not _PAST_QUESTION.search(question):
        return False
    return all(FUTURE.search(c.text) and not _PAST_FACT.search(c.text) for c in chosen)
