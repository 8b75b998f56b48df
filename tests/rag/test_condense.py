from assistant.facade import Assistant
from assistant.models import Caller
from assistant.rag.condense import Message, condense, is_followup, rewrite
from tests.fakes import ScriptedLLM


def _hist(*turns: str) -> list[Message]:
    roles = ["user", "assistant"]
    return [Message(role=roles[i % 2], content=t) for i, t in enumerate(turns)]


def test_region_follow_up_replaces_the_region() -> None:
    h = _hist("Quali soci si occupano di medicina rigenerativa in Lombardia?",
              "Rigenera Lab S.r.l. sviluppa scaffold [1].")
    q = rewrite("e in Trentino?", h)
    assert "Trentino" in q and "medicina" in q and "rigenerativa" in q
    assert "Lombardia" not in q


def test_pronoun_follow_up_carries_names_from_the_answer() -> None:
    h = _hist("Chi ha organizzato la missione a Osaka?",
              "La missione è stata organizzata con la Camera di Commercio di Osaka [1].")
    q = rewrite("chi l'ha organizzata?", h)
    assert "Osaka" in q and "missione" in q


def test_standalone_question_is_unchanged() -> None:
    h = _hist("Quando scade il bando?", "Il 30 aprile [1].")
    q = "Quali startup hanno partecipato alla missione in Giappone nel 2025?"
    assert not is_followup(q)
    assert rewrite(q, h) == q


def test_llm_condenses_with_the_transcript_and_keeps_its_first_line() -> None:
    llm = ScriptedLLM('"Soci di medicina rigenerativa in Trentino"\nperché la domanda...')
    h = _hist("Quali soci si occupano di medicina rigenerativa in Lombardia?",
              "Rigenera Lab S.r.l. sviluppa scaffold [1].")
    assert condense("e in Trentino?", h, llm) == "Soci di medicina rigenerativa in Trentino"
    (prompt,) = llm.requests[-1]
    assert "Lombardia" in prompt["content"] and "e in Trentino?" in prompt["content"]


def test_llm_failure_or_empty_reply_falls_back_to_the_rewrite() -> None:
    h = _hist("Quali soci si occupano di medicina rigenerativa in Lombardia?",
              "Rigenera Lab S.r.l. sviluppa scaffold [1].")
    failing, empty = ScriptedLLM(), ScriptedLLM("")
    failing.mode = "fail"
    for llm in (failing, empty):
        assert condense("e in Trentino?", h, llm) == rewrite("e in Trentino?", h)
    assert condense("e in Trentino?", [], failing) == "e in Trentino?"  # no history, no call
    assert len(failing.requests) == 1


def test_offline_follow_up_finds_the_right_member(offline: Assistant) -> None:
    first = offline.ask("Quali soci si occupano di medicina rigenerativa in Lombardia?", Caller())
    assert any(c.doc_id == "members/rigenera.yaml" for c in first.citations)
    history = _hist("Quali soci si occupano di medicina rigenerativa in Lombardia?",
                    first.text, "e in Trentino?")
    second = offline.ask(history, Caller())
    assert second.grounded
    assert second.citations[0].doc_id == "members/dolomed.yaml"
