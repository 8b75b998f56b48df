"""The answers' learned sentence scorer, asked with the brief's topic as the question.

The fitted listwise model of :mod:`assistant.rag.answer_model` (features of
:mod:`assistant.rag.features`: term overlap, focus on what is asked, the stored
sentence vectors' similarity, position, ...) scores every quotable sentence of a
brief's passages; :mod:`assistant.draft.rank` blends its percentile into the
brief's own score. The model is called through the public functions of
:mod:`assistant.rag.selection`, never re-fitted here.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import RetrievedChunk
from assistant.rag import selection
from assistant.rag.answer_model import load_model
from assistant.rag.features import analyse_question
from assistant.rag.retrieve import Retriever

Key = tuple[int, int]  # (chunk index, sentence start in the document)


def sentence_scores(retriever: Retriever, visibilities: Sequence[str], topic: str,
                    lang: str, chunks: Sequence[RetrievedChunk],
                    stored: Sequence[RetrievedChunk]) -> dict[Key, float]:
    """Each sentence's percentile (0 worst to 1 best) under the learned scorer.

    ``stored`` are the same passages as ``chunks`` before any rewriting (merged
    lists): the stored sentence vectors are read for a passage whose text is
    unchanged; a rewritten one falls back to its passage's dense score."""
    if not chunks:
        return {}
    tier = retriever.lexical.tier(tuple(visibilities))
    q = analyse_question(topic, lang, tier.idf)
    dense = retriever.sentence_similarity(topic, list(stored))
    rows = [d if c.text == s.text else [] for d, c, s in zip(dense, chunks, stored, strict=True)]
    scored = selection.score_candidates(q, chunks, rows, load_model())
    return percentiles({(c.source, c.start): c.score for c in scored.cands})


def percentiles(scores: dict[Key, float]) -> dict[Key, float]:
    """Scores turned into their rank share: the best 1.0, the worst 0.0."""
    order = sorted(scores, key=lambda k: scores[k])
    n = len(order) - 1
    return {k: (i / n if n else 1.0) for i, k in enumerate(order)}
