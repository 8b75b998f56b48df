"""The learned answerer's parts: question analysis, features, model file, decisions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.rag.answer_model import AnswerModel, LinearModel, identity, load_model
from assistant.rag.extractive import Candidate
from assistant.rag.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    analyse_question,
    correct_terms,
    sentence_features,
    split_codes,
)
from assistant.rag.selection import Scored, missing_shares, only_announces, select, unknown_share
from assistant.text import analyze
from evals.train_answer_model import fit_listwise, fit_logistic, pick_threshold


def _row(question: str, sentence: str) -> dict[str, float]:
    q = analyse_question(question, "it", lambda t: 1.0)
    row = sentence_features(q, sentence, analyze(sentence), set(), set(), passage_score=1.0,
                            rank=0, pos=0, same_lang=True, dense=0.8, dense_best=0.8)
    return dict(zip(SENTENCE_FEATURES, row, strict=True))


def test_codes_without_hyphen_are_split_like_the_corpus_writes_them() -> None:
    assert split_codes("il PB214 e il kit xr12") == "il PB 214 e il kit xr 12"
    assert "214" in analyze(split_codes("PB214"))


def test_typos_are_mapped_to_the_closest_corpus_term() -> None:
    vocab = {"progett": 3, "finanz": 2}
    out = correct_terms(["proget", "finanz", "zzzzzzzz"], vocab.get, lambda: list(vocab))
    assert out == {"proget": "progett"}


def test_answer_type_features_see_the_asked_kind() -> None:
    has = _row("Quanti pazienti ha arruolato lo studio?", "Lo studio ha arruolato 34 pazienti.")
    lacks = _row("Quanti pazienti ha arruolato lo studio?", "Lo studio arruolerà pazienti.")
    assert has["asks_number_has"] == 1 and lacks["asks_number_lacks"] == 1
    assert _row("Quando scade il bando?", "Il bando scade il 15 aprile 2026.")["asks_date_has"]
    assert _row("Il bilancio 2026?", "Il bilancio 2024 era di 2 milioni.")["other_year"] == 1


def test_shipped_model_matches_the_code_features() -> None:
    model = load_model()
    assert model.sentence.features == SENTENCE_FEATURES
    assert model.answerable.features == QUESTION_FEATURES
    assert 0 < model.threshold < 1


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    m = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.4, 0.5)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()))
    back = load_model(path)
    assert back.threshold == 0.4 and back.sentence.features == SENTENCE_FEATURES


def test_second_sentence_only_with_a_comparable_share() -> None:
    cands = [Candidate(0, i * 100, f"frase numero {i} con parole diverse {i}", 0.0,
                       {f"t{i}", f"u{i}"}) for i in range(3)]
    model = AnswerModel(identity(SENTENCE_FEATURES), identity(QUESTION_FEATURES), 0.5, 0.5)
    close = Scored(cands, [[0.0]] * 3, np.array([0.45, 0.40, 0.15]))
    far = Scored(cands, [[0.0]] * 3, np.array([0.80, 0.15, 0.05]))
    assert len(select(close, model)) == 2
    assert [c.start for c in select(far, model)] == [0]


def test_an_announcement_does_not_answer_how_it_went() -> None:
    ann = Candidate(0, 0, "Il premio sarà assegnato a dicembre.", 0.0, set())
    fact = Candidate(0, 0, "Il premio è stato assegnato a VascuLab.", 0.0, set())
    assert only_announces("Chi ha vinto il premio?", [ann])
    assert not only_announces("Chi ha vinto il premio?", [fact])
    assert not only_announces("Quando sarà assegnato il premio?", [ann])


def test_unknown_words_and_missing_names_are_measured() -> None:
    known = {"bando", "scadenz"}.__contains__
    assert unknown_share("bando scadenza fatturato", known) == (1 / 3, 1)
    assert unknown_share("bando scadenza", known) == (0.0, 0)
    from assistant.models import RetrievedChunk

    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Missione Osaka",
                           text="La missione a Osaka nel 2025.", start=0, end=1, score=1.0)
    assert missing_shares("Com'è andata la missione in India nel 2025?", [chunk]) == (1.0, 0.0)
    assert missing_shares("Com'è andata la missione a Osaka?", [chunk]) == (0.0, 0.0)


def test_fitting_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(0)
    lists = []
    for _ in range(60):
        x = rng.normal(size=(6, len(SENTENCE_FEATURES)))
        y = np.zeros(6, dtype=bool)
        y[int(np.argmax(x[:, 1]))] = True  # the gold sentence is the one highest on "own"
        lists.append((x, y))
    model = fit_listwise(lists, steps=200)
    assert int(np.argmax(np.abs(model.weights))) == 1
    xq = rng.normal(size=(200, len(QUESTION_FEATURES)))
    yq = (xq[:, 0] > 0).astype(float)
    lm: LinearModel = fit_logistic(xq, yq, np.ones(200), steps=500)
    p = 1 / (1 + np.exp(-lm.score(xq.tolist())))
    assert ((p > 0.5) == (yq == 1)).mean() > 0.9
    t = pick_threshold(p, yq, np.zeros(200), 0.03)
    assert np.mean(p[yq == 1] < t) <= 0.03
