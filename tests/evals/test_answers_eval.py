"""The answer-eval harness: the golden set is well formed, the metrics are right."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.ingest.load import iter_corpus_files, load_file
from assistant.models import Answer, Caller, Citation, RetrievedChunk
from assistant.rag.condense import Message
from assistant.settings import Settings
from evals.answers import (
    DEMO_CORPUS,
    QUESTIONS,
    ROLES,
    Question,
    evaluate,
    fact_found,
    load_questions,
    metrics,
)
from evals.answers_run import masked_settings, save_report, summary_json
from evals.bench import _as_row, external_rows

CATEGORIES = {"factual", "member_profile", "member_only", "access_control", "cross_document",
              "followup", "directory", "unanswerable", "multi_entity"}


@pytest.fixture(scope="module")
def corpus_docs() -> dict[str, str]:
    """Every document id of the demo corpus -> its visibility."""
    docs = {}
    for path in iter_corpus_files(DEMO_CORPUS):
        for d in load_file(path, DEMO_CORPUS, 20 * 2**20):
            docs[d.doc_id] = d.visibility
    return docs


def test_golden_set_is_well_formed(corpus_docs: dict[str, str]) -> None:
    qs = load_questions(QUESTIONS)
    assert len(qs) >= 90
    assert len({q.id for q in qs}) == len(qs), "ids must be unique"
    assert sum(q.should_refuse for q in qs) >= 18
    assert sum(q.lang == "en" for q in qs) / len(qs) >= 0.10
    assert {q.category for q in qs} == CATEGORIES
    for q in qs:
        assert q.split in ("dev", "heldout") and q.lang in ("it", "en") and q.role in ROLES, q.id
        assert all(t["role"] in ("user", "assistant") and t["content"] for t in q.history), q.id
        assert set(q.expected_docs) <= set(corpus_docs), (q.id, q.expected_docs)
        for fact in q.key_facts:
            re.compile(fact)
        if not q.should_refuse:
            assert q.expected_docs and q.key_facts, f"{q.id}: answerable needs docs and facts"
        if q.role == "anonymous" and not q.should_refuse:  # never expect a hidden source
            assert all(corpus_docs[d] == "public" for d in q.expected_docs), q.id
    assert any(q.role == "member" and not q.should_refuse for q in qs)
    assert any(q.role == "anonymous" and q.should_refuse and q.expected_docs for q in qs)


def test_heldout_is_about_30_percent_in_every_category() -> None:
    qs = load_questions(QUESTIONS)
    share = sum(q.split == "heldout" for q in qs) / len(qs)
    assert 0.25 <= share <= 0.35
    for cat in CATEGORIES:
        group = [q for q in qs if q.category == cat]
        assert any(q.split == "heldout" for q in group) and any(q.split == "dev" for q in group)
    assert {q.id for q in load_questions(QUESTIONS, "dev")}.isdisjoint(
        q.id for q in load_questions(QUESTIONS, "heldout"))
    with pytest.raises(ValueError):
        load_questions(QUESTIONS, "test")


def test_fact_matching_ignores_case_accents_and_markers() -> None:
    text = "La dotazione è di 1.200.000 euro [1] e la Città di Forlì [2] partecipa."
    assert fact_found("1.200.000 EURO", text)
    assert fact_found("citta di forli", text)
    assert fact_found(r"1[.,]2(00\.000)? ?(euro|milioni)", text)
    assert fact_found("euro e la", text)  # the [1] marker does not split the phrase
    assert not fact_found(r"\b1\b", "0,5 [1]")
    assert fact_found("(unbalanced", "an (unbalanced paren")  # invalid regex: literal match


def _chunk(doc_id: str) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{doc_id}::0", doc_id=doc_id, doc_type="article",
                          title=doc_id, text="x", start=0, end=1, score=1.0)


def _answer(text: str, docs: Sequence[str], grounded: bool = True, lang: str = "it") -> Answer:
    cites = [Citation(n=i + 1, doc_id=d, chunk_id=f"{d}::0", title=d, passage="x", start=0,
                      end=1) for i, d in enumerate(docs)]
    return Answer(text=text, citations=cites, grounded=grounded, language=lang)


class FakeAssistant:
    """Known answers and retrievals per question text."""

    def __init__(self, answers: dict[str, Answer], hits: dict[str, list[str]]) -> None:
        self.answers, self.hits = answers, hits
        self.callers: list[str] = []

    def ask(self, question: str | Sequence[Message], caller: Caller) -> Answer:
        assert not isinstance(question, str)
        self.callers.append(caller.role)
        return self.answers[question[-1].content]

    def search(self, query: str, caller: Caller, k: int | None = None) -> list[RetrievedChunk]:
        return [_chunk(d) for d in self.hits.get(query, [])][:k]


def _q(id: str, text: str, docs: list[str], facts: list[str], refuse: bool = False,
       role: str = "anonymous", cat: str = "factual", lang: str = "it") -> Question:
    return Question(id=id, split="dev", category=cat, lang=lang, question=text, role=role,
                    expected_docs=docs, key_facts=facts, should_refuse=refuse)


def test_metrics_on_a_synthetic_set() -> None:
    qs = [_q("a", "A", ["d1", "d2"], ["120", "tre anni"]),
          _q("b", "B", ["d3"], ["Nordstern"], role="member", lang="en"),
          _q("c", "C", ["d4"], ["15.000"]),
          _q("r1", "R1", [], [], refuse=True, cat="unanswerable"),
          _q("r2", "R2", ["m1"], [], refuse=True, cat="access_control")]
    answers = {
        "A": _answer("Arruolerà 120 pazienti [1] presso il Galvani [2].", ["d1", "x9"]),
        "B": _answer("Led by Nordstern [1].", ["d3"], lang="en"),
        "C": _answer("Non ho trovato informazioni.", [], grounded=False),  # false refusal
        "R1": _answer("Non ho trovato informazioni.", [], grounded=False),  # right refusal
        "R2": _answer("Il bilancio è di 2,6 milioni [1].", ["m1"]),  # leaks a member doc
    }
    hits = {"A": ["d1", "d5", "d2"], "B": ["d9"], "C": ["d4"]}
    fake = FakeAssistant(answers, hits)
    outcomes = evaluate(fake, qs, member_only=frozenset({"m1"}))
    assert fake.callers == ["anonymous", "member", "anonymous", "anonymous", "anonymous"]
    m = metrics(outcomes)
    assert m["n_questions"] == 5
    assert m["recall@5"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert m["citation_precision"] == pytest.approx((0.5 + 1.0) / 2)  # C refused: no precision
    assert m["citation_validity"] == 1.0
    assert m["key_fact_recall"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert m["refusal_accuracy"] == pytest.approx(3 / 5)
    assert m["correct_refusal_rate"] == pytest.approx(1 / 2)
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["language_match"] == 1.0
    assert m["visibility_leaks"] == 1
    assert m["p50_ms"] is not None and m["p95_ms"] >= m["p50_ms"]


def test_invalid_citations_and_language_are_caught() -> None:
    qs = [_q("a", "A", ["d1"], ["ok"]), _q("b", "B", ["d1"], ["ok"], lang="en")]
    answers = {"A": _answer("ok [1] [2]", ["d1"]),  # [2] has no citation
               "B": _answer("ok [1]", ["d1"], lang="it")}
    m = metrics(evaluate(FakeAssistant(answers, {}), qs))
    assert m["citation_validity"] == 0.5
    assert m["language_match"] == 0.5
    assert m["recall@5"] == 0.0


def test_directory_lists_must_be_exact() -> None:
    qs = [_q("d", "D", ["m1", "m2"], ["m1"], cat="directory"),
          _q("e", "E", ["m1", "m2"], ["m1"], cat="directory")]
    answers = {"D": _answer("m1 [1] m2 [2]", ["m1", "m2"]), "E": _answer("m1 [1]", ["m1"])}
    m = metrics(evaluate(FakeAssistant(answers, {}), qs))
    assert m["directory_exact"] == 0.5
    assert m["recall@5"] is None  # directory questions are not a retrieval measure


def test_report_masks_secrets_and_saves(tmp_path: Path) -> None:
    s = Settings(openai_api_key="sk-secret", api_keys={"k-123": "staff"})  # type: ignore[arg-type]
    data = masked_settings(s)
    assert "sk-secret" not in str(data) and "k-123" not in str(data)
    assert data["api_keys"] == {"key1": "staff"}
    path = save_report({"split": "dev", "summary": {}, "x": 1}, tmp_path)
    assert path.parent == tmp_path and path.suffix == ".json"
    assert summary_json({"split": "dev", "summary": {}, "questions": []}) == {
        "split": "dev", "summary": {}}


def test_bench_collects_other_benchmarks_rows() -> None:
    assert _as_row(("m", 1.5, "how")) == ("m", "1.5", "how")
    assert _as_row({"metric": "m", "value": 2}) == ("m", "2", "")
    rows = external_rows([("evals.no_such_bench", "bench_nothing"), ("evals.answers", "nope")])
    assert [r[1] for r in rows] == ["not available", "not available"]
