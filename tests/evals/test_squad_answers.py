"""`assistant eval squad` on a tiny SQuAD file: the real index, answerer and report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.squad_answers import best_sentence, contains, run

ARTICLES = [
    ("Torino", [("Torino è il capoluogo del Piemonte. La città ospita il Museo Egizio, "
                 "fondato nel 1824. Il fiume Po attraversa la città.",
                 [("Quando fu fondato il Museo Egizio?", "1824")]),
                ("La Mole Antonelliana è alta 167 metri. Ospita il Museo del Cinema.",
                 [("Quanto è alta la Mole Antonelliana?", "167 metri")])]),
    ("Vulcani", [("L'Etna è il vulcano attivo più alto d'Europa. Si trova in Sicilia, "
                  "vicino a Catania.", [("Dove si trova l'Etna?", "Sicilia")])]),
    ("Calcio", [("La Juventus ha vinto molti scudetti. Lo stadio si chiama Allianz Stadium.",
                 [("Come si chiama lo stadio della Juventus?", "Allianz Stadium")])]),
]


def _squad(path: Path) -> Path:
    data = {"data": [{"title": t, "paragraphs": [
        {"context": c, "qas": [{"question": q, "id": q,
                                "answers": [{"text": a, "answer_start": c.find(a)}]}
                               for q, a in qas]} for c, qas in paras]}
        for t, paras in ARTICLES]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_gold_spans_are_matched_folded() -> None:
    assert contains(["Città del Vaticano"], "Si trova nella citta del vaticano, a Roma.")
    assert not contains(["Po"], "Il porto di Genova.")
    assert best_sentence("Dove si trova l'Etna?", ARTICLES[1][1][0][0]).startswith("Si trova")


@pytest.mark.model
def test_benchmark_reports_answers_refusals_and_baselines(tmp_path: Path) -> None:
    out = run(_squad(tmp_path / "s.json"), range(0, 2), n=10, negatives=range(2, 3),
              index_parent=tmp_path)
    assert out["n_questions"] == 3 and out["n_negatives"] == 1
    for key in ("gold_in_answer", "cites_gold_paragraph", "false_refusals",
                "negatives_refused", "baseline_best_sentence", "baseline_top_passage"):
        assert 0.0 <= out[key] <= 1.0
    assert out["baseline_top_passage"] == 1.0  # three paragraphs: retrieval finds each
    assert out["gold_in_answer"] >= 2 / 3
    assert out["p95_ms"] >= out["p50_ms"] > 0
