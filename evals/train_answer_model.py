"""Fit the answer model: ``python -m evals.train_answer_model [--squad FILE]``.

Writes ``assistant/rag/answer_model.json`` (see :mod:`assistant.rag.answer_model`).

Data, all from development sets:
- SQuAD-it dev, articles ``--train-articles`` (default 12:24) indexed one paragraph
  per document: their questions teach which sentence holds the gold span
  (listwise softmax over each question's candidates) and what an answerable
  question looks like; questions of articles ``--negative-articles`` (0:12, not
  indexed) are the unanswerable ones. The benchmark in the issue indexes 0:12, so
  none of its questions is seen here.
- The demo corpus' dev questions (``evals/questions.jsonl``, split ``dev``) add
  near-miss refusals and the corpus' own style to the answerability model.

The refusal threshold keeps false refusals of SQuAD questions whose passage was
retrieved at most ``--max-false-refusals`` while refusing as many negatives as
possible.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from assistant.rag.answer import Message
from assistant.rag.answer_model import MODEL_PATH, AnswerModel, LinearModel
from assistant.rag.features import QUESTION_FEATURES, SENTENCE_FEATURES
from evals.squad_answers import contains, sample, squad_answerer

SQUAD = Path("../shared/data/squad_it_dev.json")
DEMO_INDEX = Path(tempfile.gettempdir()) / "assistant-train-demo-index"


def _span(text: str) -> range:
    a, b = (int(x) for x in text.split(":"))
    return range(a, b)


def collect_squad(path: Path, train: range, negative: range, n: int
                  ) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[list[float]], list[int]]:
    """(per-question sentence rows and labels, answerability rows, labels)."""
    lists: list[tuple[np.ndarray, np.ndarray]] = []
    rows: list[list[float]] = []
    labels: list[int] = []
    with squad_answerer(path, train) as (answerer, qs):
        todo = [(q, 1) for q in sample(qs, train, n, 7)]
        todo += [(q, 0) for q in sample(qs, negative, n // 2, 8)]
        for i, (q, y) in enumerate(todo):
            ctx = answerer.prepare([Message(role="user", content=q.text)], ("public",))
            if ctx.scored is None or not ctx.scored.cands:
                continue
            if y:
                gold = np.array([contains(q.answers, c.text) for c in ctx.scored.cands])
                if gold.any():
                    lists.append((np.asarray(ctx.scored.rows, dtype=float), gold))
                # an answerable question whose passage was not retrieved cannot be answered
                y = int(any(c.doc_id == q.doc_id for c in ctx.chunks))
            rows.append(ctx.answer_row)
            labels.append(y)
            if i % 100 == 0:
                print(f"squad {i}/{len(todo)}", flush=True)
    return lists, rows, labels


def collect_demo() -> tuple[list[list[float]], list[int]]:
    """Answerability rows of the demo corpus' dev questions (a temporary index)."""
    from assistant.facade import build_assistant
    from assistant.models import Caller
    from evals.answers import load_questions
    from evals.answers_run import demo_settings, refresh_index

    rows: list[list[float]] = []
    labels: list[int] = []
    settings = demo_settings(DEMO_INDEX)
    refresh_index(settings)
    assistant = build_assistant(settings)
    try:
        for q in load_questions(split="dev"):
            caller = Caller(role=q.role)  # type: ignore[arg-type]
            msgs = q.messages()
            if assistant.directory.answer(msgs, caller) is not None:
                continue
            ctx = assistant.answerer.prepare(msgs, caller.visibilities)
            if ctx.scored is None or not ctx.scored.cands:
                continue
            rows.append(ctx.answer_row)
            labels.append(0 if q.should_refuse else 1)
    finally:
        assistant.close()
    return rows, labels


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def fit_listwise(lists: list[tuple[np.ndarray, np.ndarray]], l2: float = 1e-3,
                 steps: int = 400) -> LinearModel:
    """Softmax over each question's sentences; the gold sentences' share is maximised."""
    mean, scale = standardise(np.vstack([x for x, _ in lists]))
    data = [((x - mean) / scale, y) for x, y in lists]
    w = np.zeros(len(mean))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = l2 * w
        for x, y in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = y / y.sum()
            g += x.T @ (p - q) / len(data)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return LinearModel(SENTENCE_FEATURES, mean, scale, w, 0.0)


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1e-2,
                 steps: int = 2000) -> LinearModel:
    """Weighted logistic regression by gradient descent on standardised features."""
    mean, scale = standardise(x)
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        r = weight * (p - y) / weight.sum()
        w -= 0.5 * (z.T @ r + l2 * w)
        b -= 0.5 * r.sum()
    return LinearModel(QUESTION_FEATURES, mean, scale, w, float(b))


def pick_threshold(p: np.ndarray, y: np.ndarray, max_fr: float) -> float:
    """The highest threshold whose false-refusal rate on answerable rows is <= max_fr."""
    pos = np.sort(p[y == 1])
    if not len(pos):
        return 0.5
    k = int(np.floor(max_fr * len(pos)))
    return float(pos[k]) - 1e-6 if k < len(pos) else 0.5


def accuracy(lists: list[tuple[np.ndarray, np.ndarray]], model: LinearModel) -> float:
    return float(np.mean([y[int(np.argmax(model.score(x.tolist())))] for x, y in lists]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", type=Path, default=SQUAD)
    ap.add_argument("--train-articles", default="12:24")
    ap.add_argument("--negative-articles", default="0:12")
    ap.add_argument("--n", type=int, default=900)
    ap.add_argument("--max-false-refusals", type=float, default=0.03)
    ap.add_argument("--no-demo", action="store_true", help="SQuAD only")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    a = ap.parse_args(argv)
    random.seed(0)
    lists, rows, labels = collect_squad(a.squad, _span(a.train_articles),
                                        _span(a.negative_articles), a.n)
    sentence = fit_listwise(lists)
    print(f"sentence model: top-1 holds the gold span for {accuracy(lists, sentence):.3f} "
          f"of {len(lists)} training questions")
    source = [0] * len(rows)
    if not a.no_demo:
        drows, dlabels = collect_demo()
        rows, labels, source = rows + drows, labels + dlabels, source + [1] * len(drows)
    x, y, src = np.asarray(rows, dtype=float), np.asarray(labels, dtype=float), np.array(source)
    # each source and class weighs the same in total
    weight = np.ones(len(y))
    for s in (0, 1):
        for c in (0, 1):
            sel = (src == s) & (y == c)
            if sel.any():
                weight[sel] = 1.0 / sel.sum()
    answerable = fit_logistic(x, y, weight)
    p = 1 / (1 + np.exp(-answerable.score(x.tolist())))
    threshold = pick_threshold(p[src == 0], y[src == 0], a.max_false_refusals)
    model = AnswerModel(sentence, answerable, threshold, second_ratio=0.5)
    for s, name in ((0, "squad"), (1, "demo dev")):
        sel = src == s
        if sel.any():
            ok = (p[sel] >= threshold) == (y[sel] == 1)
            print(f"{name}: {sel.sum()} questions, decisions right {ok.mean():.3f}, "
                  f"false refusals {np.mean(p[sel & (y == 1)] < threshold):.3f}, "
                  f"false answers {np.mean(p[sel & (y == 0)] >= threshold):.3f}")
    a.out.write_text(json.dumps(_rounded(model.to_json()), indent=1) + "\n", encoding="utf-8")
    print(f"threshold {threshold:.3f}; written {a.out}")
    return 0


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


if __name__ == "__main__":
    raise SystemExit(main())
