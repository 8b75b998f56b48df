"""Answer benchmark on a SQuAD-format file: ``assistant eval squad FILE``.

Each paragraph of the chosen articles becomes one document (title = article
title) in a throw-away index; a seeded sample of their questions is asked
offline through the real :class:`~assistant.rag.answer.Answerer`, and so is a
sample of questions from other articles (``negatives``), which are not indexed
and should be refused. Reported: the gold span inside the answer (accent- and
case-folded), a citation of the gold paragraph, false refusals, answer length,
latency, negatives refused; and, from the same retrieval, two baselines: the
top passage's sentence sharing most words with the question, and the whole top
passage.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.rag.answer import Answerer, Message
from assistant.rag.answer_model import AnswerModel
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from assistant.text import fold, sentence_spans, words
from evals.retrieval import Question, build_index, default_cache_path, load_squad

Progress = Callable[[str, int, int], None]


@dataclass
class Asked:
    """One question asked, and what the answerer made of it."""

    question: Question
    negative: bool
    answer: str
    grounded: bool
    cited_gold: bool
    ms: float
    passages: list[str]
    ctx: Any = None  # the answerer's context, for fitting the answer model


def article_of(doc_id: str) -> int:
    """The article number of a ``squad/<article>/<paragraph>`` document id."""
    return int(doc_id.split("/")[1])


def norm(text: str) -> str:
    """Folded words joined by single spaces: how gold spans are looked for."""
    return " ".join(fold(w) for w in words(text))


def contains(answers: list[str], text: str) -> bool:
    t = f" {norm(text)} "
    return any(f" {norm(a)} " in t for a in answers if norm(a))


def best_sentence(question: str, passage: str) -> str:
    """Baseline: the passage sentence sharing most (folded) words with the question."""
    q = {fold(w) for w in words(question)}
    spans = [passage[a:b] for a, b in sentence_spans(passage)] or [passage]
    return max(spans, key=lambda s: len(q & {fold(w) for w in words(s)}))


def sample(questions: list[Question], articles: range, n: int, seed: int) -> list[Question]:
    pool = [q for q in questions if article_of(q.doc_id) in articles]
    rng = random.Random(seed)
    return rng.sample(pool, min(n, len(pool)))


@contextmanager
def squad_answerer(path: Path, articles: range, settings: Settings | None = None,
                   index_parent: Path | None = None, progress: Progress | None = None,
                   model: AnswerModel | None = None
                   ) -> Iterator[tuple[Answerer, list[Question]]]:
    """An offline answerer over a temporary index of ``articles``, and every question."""
    squad = load_squad(path)
    docs = [d for d in squad.documents if article_of(d.doc_id) in articles]
    base = settings or Settings()  # type: ignore[call-arg]  # filled from the env
    with tempfile.TemporaryDirectory(prefix="assistant-squad-", dir=index_parent) as tmp:
        s = base.model_copy(update={"index_dir": Path(tmp) / "index", "corpus_dir": Path(tmp),
                                    "chroma_host": None, "openai_api_key": None,
                                    "openai_base_url": None})
        embedder = Embedder(default_cache_path(), s.embed_engine, s.embed_threads)
        index = Index(s, embedder=embedder)
        try:
            build_index(index, docs, progress)
            retriever = Retriever(s, embedder, index.vectors, index.lexical)
            yield Answerer(s, retriever, None, model), squad.questions
        finally:
            index.close()


def ask(answerer: Answerer, q: Question, negative: bool, keep: bool = False) -> Asked:
    """Ask ``q`` as a new conversation; the context is kept when ``keep``."""
    t0 = time.perf_counter()
    msgs = [Message(role="user", content=q.text)]
    ctx = answerer.prepare(msgs, ("public",))
    ans = answerer.answer_from(ctx)
    ms = (time.perf_counter() - t0) * 1e3
    cited = any(c.doc_id == q.doc_id for c in ans.citations)
    return Asked(q, negative, ans.text, ans.grounded, cited, ms,
                 [c.text for c in ctx.chunks], ctx if keep else None)


def report(asked: list[Asked]) -> dict[str, Any]:
    """The benchmark's figures (see the module docstring)."""
    pos = [a for a in asked if not a.negative]
    neg = [a for a in asked if a.negative]
    lat = np.array([a.ms for a in asked]) if asked else np.zeros(1)

    def share(xs: list[bool]) -> float:
        return round(float(np.mean(xs)), 4) if xs else 0.0

    top = [a.passages[0] if a.passages else "" for a in pos]
    return {
        "n_questions": len(pos), "n_negatives": len(neg),
        "gold_in_answer": share([a.grounded and contains(a.question.answers, a.answer)
                                 for a in pos]),
        "cites_gold_paragraph": share([a.cited_gold for a in pos]),
        "false_refusals": share([not a.grounded for a in pos]),
        "negatives_refused": share([not a.grounded for a in neg]),
        "median_answer_words": float(np.median([len(a.answer.split()) for a in pos
                                                if a.grounded] or [0])),
        "p50_ms": round(float(np.percentile(lat, 50)), 1),
        "p95_ms": round(float(np.percentile(lat, 95)), 1),
        "baseline_best_sentence": share([contains(a.question.answers,
                                                  best_sentence(a.question.text, t))
                                         for a, t in zip(pos, top, strict=True)]),
        "baseline_top_passage": share([contains(a.question.answers, t)
                                       for a, t in zip(pos, top, strict=True)]),
        "baseline_best_sentence_words": float(np.median(
            [len(best_sentence(a.question.text, t).split()) for a, t in zip(pos, top,
                                                                           strict=True)] or [0])),
    }


def run(path: Path, articles: range, n: int = 400, negatives: range | None = None,
        seed: int = 0, settings: Settings | None = None, index_parent: Path | None = None,
        progress: Progress | None = None) -> dict[str, Any]:
    """Build the index of ``articles``, ask ``n`` of their questions and up to ``n``
    negatives, and report (see :func:`report`)."""
    with squad_answerer(path, articles, settings, index_parent, progress) as (answerer, qs):
        todo = [(q, False) for q in sample(qs, articles, n, seed)]
        if negatives is not None:
            todo += [(q, True) for q in sample(qs, negatives, n, seed + 1)]
        answerer.prepare([Message(role="user", content="warm up")], ("public",))
        asked = []
        for i, (q, neg) in enumerate(todo):
            asked.append(ask(answerer, q, neg))
            if progress and (i % 20 == 0 or i + 1 == len(todo)):
                progress("ask", i + 1, len(todo))
    out = report(asked)
    out.update({"articles": f"{articles.start}:{articles.stop}", "seed": seed,
                "negatives": f"{negatives.start}:{negatives.stop}" if negatives else None})
    return out
