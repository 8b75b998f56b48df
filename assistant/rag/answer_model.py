"""The fitted answer model: which sentence answers, and whether to answer at all.

Two small models, fitted by ``evals/train_answer_model.py`` on SQuAD-it dev
(and the demo corpus' dev questions for refusals) and shipped as JSON beside this
module, so anyone can re-run the fit and diff the weights:

- a listwise sentence scorer (softmax over a question's candidate sentences);
- an answerability model over question-level features: logistic, with one small
  hidden layer (calibrated probability; below ``threshold`` the assistant says it
  did not find the answer).
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
class HiddenLayer:
    """``relu(x @ weights + bias) @ out``: lets a score depend on feature combinations
    (a high dense score means less when no rare word of the question is held)."""

    weights: np.ndarray  # [features, units]
    bias: np.ndarray  # [units]
    out: np.ndarray  # [units]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.maximum(x @ self.weights + self.bias, 0.0) @ self.out)

    def to_json(self) -> dict[str, object]:
        return {"weights": self.weights.tolist(), "bias": self.bias.tolist(),
                "out": self.out.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HiddenLayer:
        return cls(*(np.asarray(data[k], dtype=float) for k in ("weights", "bias", "out")))


@dataclass(frozen=True)
class ScoreModel:
    """``w · z + bias`` over standardised features ``z = (x - mean) / scale`` of a
    named feature list, plus an optional :class:`HiddenLayer` on the same ``z``."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    hidden: HiddenLayer | None = None

    def score(self, rows: list[list[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        x = standardised(np.asarray(rows, dtype=float), self.mean, self.scale)
        out = x @ self.weights + self.bias
        return np.asarray(out + self.hidden(x) if self.hidden is not None else out)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "features": list(self.features), "mean": self.mean.tolist(),
            "scale": self.scale.tolist(), "weights": self.weights.tolist(), "bias": self.bias}
        if self.hidden is not None:
            data["hidden"] = self.hidden.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> ScoreModel:
        feats = tuple(str(f) for f in data["features"])
        if feats != expected:
            raise ValueError(f"answer model features {feats} differ from the code's {expected}:"
                             " re-run python -m evals.train_answer_model")
        hidden = HiddenLayer.from_json(data["hidden"]) if "hidden" in data else None
        return cls(feats, np.asarray(data["mean"], dtype=float),
                   np.asarray(data["scale"], dtype=float),
                   np.asarray(data["weights"], dtype=float), float(data["bias"]), hidden)


@dataclass(frozen=True)
class AnswerModel:
    """Sentence scorer, answerability model and the decision thresholds."""

    sentence: ScoreModel
    answerable: ScoreModel
    threshold: float  # answer when P(answerable) >= threshold
    second_ratio: float  # quote a second sentence when its share is at least this

    def p_answerable(self, row: list[float]) -> float:
        z = float(self.answerable.score([row])[0])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, object]:
        return {"sentence": self.sentence.to_json(), "answerable": self.answerable.to_json(),
                "threshold": self.threshold, "second_ratio": self.second_ratio}


def identity(features: tuple[str, ...]) -> ScoreModel:
    n = len(features)
    return ScoreModel(features, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> AnswerModel:
    """The shipped model (cached). A missing file is an installation error."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return AnswerModel(ScoreModel.from_json(data["sentence"], SENTENCE_FEATURES),
                       ScoreModel.from_json(data["answerable"], QUESTION_FEATURES),
                       float(data["threshold"]), float(data["second_ratio"]))
