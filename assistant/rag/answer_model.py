"""The fitted answer model: which sentence answers, and whether to answer at all.

Two small linear models, fitted by ``evals/train_answer_model.py`` on SQuAD-it dev
(and the demo corpus' dev questions for refusals) and shipped as JSON beside this
module, so anyone can re-run the fit and diff the weights:

- a listwise sentence scorer (softmax over a question's candidate sentences);
- a logistic answerability model over question-level features (calibrated
  probability; below ``threshold`` the assistant says it did not find the answer).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.rag.features import QUESTION_FEATURES, SENTENCE_FEATURES

MODEL_PATH = Path(__file__).with_name("answer_model.json")
CLIP = 3.0  # standardised features are clipped: content unlike the training data (a
# scraped page with an unusual title) must not swing a decision on one feature


def standardised(rows: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(x - mean) / scale`` clipped to ±:data:`CLIP`, in fitting and in use alike."""
    return np.clip((rows - mean) / scale, -CLIP, CLIP)


@dataclass(frozen=True)
class LinearModel:
    """``w · (x - mean) / scale + bias`` over a named feature list."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def score(self, rows: list[list[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = standardised(np.asarray(rows, dtype=float), self.mean, self.scale)
        return np.asarray(x @ self.weights + self.bias)

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.features), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "weights": self.weights.tolist(),
                "bias": self.bias}

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> LinearModel:
        feats = tuple(str(f) for f in data["features"])
        if feats != expected:
            raise ValueError(f"answer model features {feats} differ from the code's {expected}:"
                             " re-run python -m evals.train_answer_model")
        return cls(feats, np.asarray(data["mean"], dtype=float),
                   np.asarray(data["scale"], dtype=float),
                   np.asarray(data["weights"], dtype=float), float(data["bias"]))


@dataclass(frozen=True)
class AnswerModel:
    """Sentence scorer, answerability model and the decision thresholds."""

    sentence: LinearModel
    answerable: LinearModel
    threshold: float  # answer when P(answerable) >= threshold
    second_ratio: float  # quote a second sentence when its share is at least this

    def p_answerable(self, row: list[float]) -> float:
        z = float(self.answerable.score([row])[0])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, object]:
        return {"sentence": self.sentence.to_json(), "answerable": self.answerable.to_json(),
                "threshold": self.threshold, "second_ratio": self.second_ratio}


def identity(features: tuple[str, ...]) -> LinearModel:
    n = len(features)
    return LinearModel(features, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> AnswerModel:
    """The shipped model (cached). A missing file is an installation error."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return AnswerModel(LinearModel.from_json(data["sentence"], SENTENCE_FEATURES),
                       LinearModel.from_json(data["answerable"], QUESTION_FEATURES),
                       float(data["threshold"]), float(data["second_ratio"]))
