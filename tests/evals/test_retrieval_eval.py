"""The SQuAD retrieval benchmark: metrics, splits, cache, isolation, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from evals.retrieval import load_squad, metrics, run, split_of

ARTICLES = {
    "Programma Apollo": [
        ("Il programma Apollo portò Neil Armstrong e Buzz Aldrin sulla Luna nel luglio 1969 "
         "con la missione Apollo 11.",
         [("Chi camminò sulla Luna con Armstrong?", "Buzz Aldrin"),
          ("In che anno Apollo 11 arrivò sulla Luna?", "1969")]),
        ("Il razzo Saturn V, progettato da Wernher von Braun, era alto 110 metri.",
         [("Quanto era alto il razzo Saturn V?", "110 metri")]),
    ],
    "Cloroplasto": [
        ("I cloroplasti sono organelli che svolgono la fotosintesi nelle cellule vegetali, "
         "grazie alla clorofilla.",
         [("Quale pigmento permette la fotosintesi nei cloroplasti?", "clorofilla")]),
        ("Secondo la teoria endosimbiotica i cloroplasti derivano da cianobatteri "
         "inglobati da una cellula eucariote.",
         [("Da quali batteri derivano i cloroplasti?", "cianobatteri")]),
    ],
    "Fresno (California)": [
        ("Fresno è la quinta città della California per popolazione e si trova nella "
         "Central Valley.",
         [("In quale valle si trova Fresno?", "Central Valley")]),
        ("Il clima di Fresno è semi-arido, con estati molto calde e secche.",
         [("Che clima ha Fresno?", "semi-arido")]),
    ],
}


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = {"version": "1.1", "data": [
        {"title": title, "paragraphs": [
            {"context": ctx, "qas": [
                {"id": f"{title}-{p}-{i}", "question": q,
                 "answers": [{"text": a, "answer_start": ctx.find(a)}]}
                for i, (q, a) in enumerate(qas)]}
            for p, (ctx, qas) in enumerate(paras)]}
        for title, paras in ARTICLES.items()]}
    path = tmp_path_factory.mktemp("squad") / "mini.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
               ) -> Path:
    """A per-session XDG cache, so each passage is embedded once for all tests."""
    home = tmp_path_factory.getbasetemp() / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def test_load_squad_one_document_per_paragraph(squad_file: Path) -> None:
    squad = load_squad(squad_file)
    assert len(squad.documents) == 6 and len(squad.questions) == 7
    apollo = [d for d in squad.documents if d.title == "Programma Apollo"]
    assert len(apollo) == 2 and apollo[0].doc_id != apollo[1].doc_id
    q = squad.questions[0]
    assert q.answers == ["Buzz Aldrin"] and q.doc_id == apollo[0].doc_id
    assert q.split == split_of("Programma Apollo")


def test_split_is_deterministic_and_about_seventy_percent() -> None:
    titles = [f"Articolo {i}" for i in range(2000)]
    splits = [split_of(t) for t in titles]
    assert splits == [split_of(t) for t in titles]
    assert set(splits) == {"dev", "heldout"}
    assert 0.65 < splits.count("dev") / len(splits) < 0.75


def test_metrics_from_ranks() -> None:
    m = metrics([1, 3, None, 7], [True, False, False, True], [1.0, 2.0, 3.0, 4.0])
    assert m["recall@1"] == 0.25 and m["recall@5"] == 0.5 and m["recall@10"] == 0.75
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3 + 1 / 7) / 4)
    assert m["aic@5"] == 0.5 and m["p50_ms"] == 2.5 and m["n_questions"] == 4


@pytest.mark.model
def test_run_measures_the_real_pipeline_and_caches_embeddings(
        squad_file: Path, tmp_path: Path, cache_home: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    user_index = tmp_path / "user-index"
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(user_index))
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")  # a server must not be used
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", "9")
    first = run(squad_file, index_parent=tmp_path / "tmpidx")
    assert first["n_questions"] == 7 and first["n_documents"] == 6
    # distinctive questions over six paragraphs: every one is found in the top 5
    assert first["recall@5"] == 1.0 and first["aic@5"] == 1.0
    assert 0 < first["recall@1"] <= first["recall@5"] <= first["recall@10"]
    assert first["p50_ms"] > 0 and first["p95_ms"] >= first["p50_ms"]
    assert sum(s["n_questions"] for s in first["splits"].values()) == 7
    assert (cache_home / "assistant" / "embeddings.sqlite").exists()
    assert not user_index.exists()
    assert list((tmp_path / "tmpidx").iterdir()) == []  # the temporary index is gone
    again = run(squad_file, index_parent=tmp_path / "tmpidx")
    assert again["embed_calls"] == 0
    assert {k: again[k] for k in ("recall@1", "recall@5", "mrr@10")} == \
        {k: first[k] for k in ("recall@1", "recall@5", "mrr@10")}


@pytest.mark.model
@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_split_option_asks_only_that_split(squad_file: Path, tmp_path: Path,
                                           cache_home: Path, split: str) -> None:
    expected = sum(q.split == split for q in load_squad(squad_file).questions)
    res = run(squad_file, split=split, index_parent=tmp_path)
    assert res["n_questions"] == expected and res["split"] == split


@pytest.mark.model
def test_cli_json_prints_one_object(squad_file: Path, tmp_path: Path, cache_home: Path) -> None:
    res = CliRunner().invoke(app, ["eval", "retrieval", str(squad_file), "--json",
                                   "--index", str(tmp_path), "--k", "5"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "aic@5", "p50_ms", "p95_ms",
                "n_questions"):
        assert isinstance(data[key], (int, float)), key
    assert data["k"] == 5


@pytest.mark.model
def test_cli_table_and_bad_split(squad_file: Path, tmp_path: Path, cache_home: Path) -> None:
    res = CliRunner().invoke(app, ["eval", "retrieval", str(squad_file), "--index",
                                   str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "R@5" in res.stdout and "MRR@10" in res.stdout and "p95" in res.stdout
    bad = CliRunner().invoke(app, ["eval", "retrieval", str(squad_file), "--split", "test"])
    assert bad.exit_code == 2
