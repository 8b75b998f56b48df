"""The directory evaluation: set scores, routing, and the shipped question file."""

from __future__ import annotations

import pytest

from assistant.facade import Assistant
from evals.directory import QUESTIONS, evaluate, load, set_scores


@pytest.mark.parametrize(("returned", "expected", "scores"), [
    ({"a", "b"}, {"a", "b"}, (1.0, 1.0)), ({"a"}, {"a", "b"}, (1.0, 0.5)),
    ({"a", "c"}, {"a"}, (0.5, 1.0)), (set(), set(), (1.0, 1.0)), (set(), {"a"}, (0.0, 0.0)),
    ({"a"}, set(), (0.0, 1.0)),
])
def test_set_scores(returned: set[str], expected: set[str],
                    scores: tuple[float, float]) -> None:
    assert set_scores(returned, expected) == scores


def test_evaluate_on_the_small_corpus(assistant: Assistant) -> None:
    result = evaluate(assistant, [
        {"id": "a", "question": "Quante aziende si occupano di medicina rigenerativa?",
         "role": "anonymous", "expected": ["Rigenera Lab S.r.l.", "Dolomed Devices S.r.l."]},
        {"id": "b", "question": "Quali università ci sono in Sicilia?", "role": "member",
         "expected": []},
        {"id": "c", "question": "Quando si è svolta la missione a Osaka?", "directory": False},
    ])
    assert (result["precision"], result["recall"], result["false_routing"]) == (1.0, 1.0, 0.0)
    assert result["n_directory"] == 2 and result["n_other"] == 1


def test_question_file_is_well_formed() -> None:
    questions = load(QUESTIONS)
    directory = [q for q in questions if q.get("directory", True)]
    assert len(directory) >= 24 and len(questions) - len(directory) >= 15
    assert {q["role"] for q in directory} == {"member", "anonymous"}
    assert {q["intent"] for q in directory} == {"list", "count"}
    assert len({q["id"] for q in questions}) == len(questions)
