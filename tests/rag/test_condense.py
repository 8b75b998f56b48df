from assistant.facade import Assistant
from assistant.models import Caller
from assistant.rag.condense import (
    Message,
    asked_with_subject,
    condense,
    is_followup,
    rewrite,
    shift_years,
)
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


def test_a_follow_up_asks_in_its_own_words_about_the_carried_subject() -> None:
    h = [Message(role="user", content="Chi sono i partner del progetto VascuLab?"),
         Message(role="assistant", content="VascuLab è condotto da Venetissue e Karst [1].")]
    query = rewrite("Quanto contributo ha ricevuto?", h)
    assert "partner" in query  # searched with the earlier words, they find the document
    answer = h[1].content
    assert asked_with_subject("Quanto contributo ha ricevuto?", query, answer) == \
        "Quanto contributo ha ricevuto? VascuLab"
    borse = "Sono dodici borse di dottorato industriale [1]."
    assert asked_with_subject("e quanto vale ciascuna?", "e quanto vale ciascuna? borse "
                              "dottorato industriale finanzia", borse) == \
        "e quanto vale ciascuna? borse dottorato industriale"  # the answer's topic stays
    lower = asked_with_subject("quanto costa?", "quanto costa? progetto vitalhome 2024", "")
    assert lower == "quanto costa? vitalhome 2024"  # not a word of the language: a name
    assert asked_with_subject("quanto costa?", "quanto costa? progetto", None) == \
        "quanto costa? progetto"  # no previous answer: every carried word stays
    assert asked_with_subject("Che cos'è?", "Cosa fa il cluster?", "") == "Cosa fa il cluster?"


def test_the_edition_before_or_after_moves_the_carried_year() -> None:
    h = [Message(role="user", content="Quanti iscritti ha avuto il Forum 2025?"),
         Message(role="assistant", content="Il Forum 2025 ha registrato 510 iscritti [1].")]
    assert rewrite("E l'edizione precedente?", h) == "E? iscritti Forum 2024 2023"
    assert "2025" not in rewrite("E l'edizione precedente?", h)  # yearly, or every other year
    assert "2026 2027" in rewrite("and the next edition?", h)
    assert "2025" in rewrite("E chi l'ha organizzato?", h)  # no relative edition: kept
    assert shift_years("E nel 2023, l'anno prima?", "Forum 2025") == "Forum 2025"


def test_an_elided_question_word_is_not_carried_as_a_name() -> None:
    history = [Message(role="user", content="Com'è andata la fiera MEDICA 2025?"),
               Message(role="assistant", content="Bene [1].")]
    query = rewrite("e quanti soci c'erano allo stand?", history)
    assert "MEDICA 2025" in query and "Com" not in query.split()


def test_possessives_and_demonstratives_point_back() -> None:
    assert is_followup("In quale paese ha firmato il suo accordo OrthoLadin?")
    assert is_followup("Che cosa ha ottenuto GenoVerso in quell'occasione?")
    assert not is_followup("Quali progetti ha finanziato il bando Ponti di Innovazione 2024?")
