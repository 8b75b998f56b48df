"""GET /v1/insights/gaps: refused and rated-down questions, kept without identity,
grouped for staff; ASSISTANT_COLLECT_GAPS=false keeps none."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.cli import app
from tests.api.conftest import AUTH, AppFactory, ask

UNANSWERED = ["Dove posso parcheggiare quando vengo alla sede del cluster?",
              "C'è un parcheggio per i visitatori presso la sede?",
              "Quanto costa la quota associativa annuale per una startup?"]


def test_gaps_report_for_staff(client: TestClient) -> None:
    for i, q in enumerate(UNANSWERED):
        out = ask(client, q, role="member" if i % 2 else "anonymous")
        assert not out["grounded"], out["answer"]
        r = client.post("/v1/feedback", json={"answer_id": out["answer_id"], "rating": "down"})
        assert r.status_code == 201  # a refusal rated down is not counted twice
    good = ask(client, "Quanti stakeholder ha incontrato la delegazione a Osaka?", role="member")
    assert good["grounded"]
    client.post("/v1/feedback", headers=AUTH["member"],
                json={"answer_id": good["answer_id"], "rating": "down"})
    assert client.get("/v1/insights/gaps").status_code == 401
    assert client.get("/v1/insights/gaps", headers=AUTH["member"]).status_code == 403
    r = client.get("/v1/insights/gaps", headers=AUTH["staff"], params={"days": 30})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["questions"] == 4 and report["collecting"] and report["days"] == 30
    groups = report["groups"]
    assert sum(g["count"] for g in groups) == 4
    assert sum(g["rated_down"] for g in groups) == 1
    parking = next(g for g in groups if "parcheggi" in g["topic"])
    assert parking["count"] == 2 and parking["refused"] == 2
    assert all(g["documents"] and {"doc_id", "title", "score"} <= set(g["documents"][0])
               for g in groups)
    osaka = next(g for g in groups if "Osaka" in g["topic"])
    assert osaka["documents"][0]["doc_id"] == "articles/missione-osaka.md"


@pytest.mark.hash_vectors
def test_gap_questions_carry_no_identity(client: TestClient) -> None:
    ask(client, UNANSWERED[0], role="member")
    db = client.app.state.service.settings.data_dir / "assistant.sqlite"  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:
        cols = [row[1] for row in conn.execute("PRAGMA table_info(gap_questions)")]
        rows = conn.execute("SELECT question, reason FROM gap_questions").fetchall()
    assert cols == ["id", "question", "reason", "created_at"]
    assert rows == [(UNANSWERED[0], "refused")]


@pytest.mark.hash_vectors
def test_collection_can_be_turned_off(client_for: Callable[..., TestClient]) -> None:
    client = client_for(collect_gaps=False)
    out = ask(client, UNANSWERED[0])
    client.post("/v1/feedback", json={"answer_id": out["answer_id"], "rating": "down"})
    report = client.get("/v1/insights/gaps", headers=AUTH["staff"]).json()
    assert report == {"days": 30, "questions": 0, "collecting": False, "groups": []}


def test_cli_report(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    app_, assistant = make_app()
    with TestClient(app_) as client:
        for q in UNANSWERED:
            ask(client, q)
    assistant.index.close()  # the CLI opens the index itself
    s = assistant.settings
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(s.index_dir))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(s.data_dir))
    result = CliRunner().invoke(app, ["insights", "gaps", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] == 3 and sum(g["count"] for g in report["groups"]) == 3
    result = CliRunner().invoke(app, ["insights", "gaps"])
    assert "3 unanswered questions in 30 days" in result.output
