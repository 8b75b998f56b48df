"""Directory answers through the facade: complete, counted, cited, visibility-safe."""

from __future__ import annotations

import re
from typing import Any

from assistant.facade import Assistant
from assistant.models import Answer, Caller, Filters
from assistant.rag.citations import check
from assistant.rag.condense import Message
from assistant.rag.llm import OpenAILLM
from tests.directory.conftest import SECRET
from tests.directory.test_query import StubLLM

MEMBER = Caller(role="member")
ANON = Caller()
REGEN = "Quante aziende si occupano di medicina rigenerativa?"


def _cited(ans: Answer) -> set[str]:
    return {c.title for c in ans.citations}


def _assert_cited_profiles(assistant: Assistant, ans: Answer) -> None:
    """Every marker resolves, and each citation is the opening passage of a profile."""
    assert check(ans.text, ans.citations)
    docs = assistant.index.manifest.docs()
    for c in ans.citations:
        assert c.doc_type == "member" and docs[c.doc_id].doc_type == "member"
        text = assistant.index.manifest.doc_text(c.doc_id) or ""
        assert c.start == 0 and text[c.start:c.end] == c.passage
        assert c.passage.startswith(c.title)  # the profile's name opens its text
        assert re.search(rf"{re.escape(c.title)} \([^)]+\) \[{c.n}\]", ans.text)


def test_count_lists_every_member_with_a_citation(assistant: Assistant) -> None:
    ans = assistant.ask(REGEN, MEMBER)
    assert ans.text.startswith("Sono 3 le aziende che si occupano di medicina rigenerativa:")
    assert _cited(ans) == {"Rigenera Lab S.r.l.", "Dolomed Devices S.r.l.", SECRET}
    assert (ans.grounded, ans.mode, ans.language, ans.degraded) == (True, "extractive", "it",
                                                                    False)
    _assert_cited_profiles(assistant, ans)


def test_member_only_profile_never_reaches_anonymous(assistant: Assistant) -> None:
    ans = assistant.ask(REGEN, ANON)
    assert ans.text.startswith("Sono 2 le aziende")
    assert SECRET not in ans.text and SECRET not in _cited(ans)
    assert all(c.doc_id != "members/cellula.yaml" for c in ans.citations)
    assert ans.text.endswith("Sono inclusi solo i profili pubblici.")
    _assert_cited_profiles(assistant, ans)
    everyone = assistant.ask("Quanti soci ha il cluster?", ANON)
    assert everyone.text.startswith("Sono 5 i soci") and SECRET not in everyone.text


def test_english_question_gets_an_english_answer(assistant: Assistant) -> None:
    ans = assistant.ask("Which companies work in medtech in Trentino-Alto Adige?", MEMBER)
    assert ans.language == "en"
    assert ans.text.startswith("There are 2 companies working in medtech in Trentino-South Tyrol:")
    assert _cited(ans) == {"Dolomed Devices S.r.l.", "Bolzamed S.r.l."}
    one = assistant.ask("Which members were founded before 1950 in Piedmont?", ANON)
    assert one.text.startswith("There is one member in Piedmont founded before 1950: "
                               "Politecnico Subalpino (Turin) [1].")
    _assert_cited_profiles(assistant, one)


def test_csv_members_are_listed_too(assistant: Assistant) -> None:
    ans = assistant.ask("Quali ospedali ci sono in Lombardia?", ANON)
    assert ans.text.startswith("C'è un solo ospedale o IRCCS in Lombardia: Ospedale del Lago "
                               "(Como) [1].")
    _assert_cited_profiles(assistant, ans)


def test_no_match_is_a_clear_grounded_answer(assistant: Assistant) -> None:
    ans = assistant.ask("Quali università ci sono in Sicilia?", MEMBER)
    assert ans.text == ("Nessun socio corrisponde alla richiesta: non risultano università "
                        "in Sicilia.")
    assert ans.grounded and ans.citations == []


def test_other_questions_fall_back_to_retrieval(real_assistant: Assistant) -> None:
    assistant = real_assistant
    q = "Quando si è svolta la missione a Osaka?"
    assert assistant.directory.answer([Message(role="user", content=q)], ANON) is None
    ans = assistant.ask(q, ANON)
    direct = assistant.answerer.answer([Message(role="user", content=q)], ANON.visibilities)
    assert ans.text == direct.text and "25 al 28 giugno 2025" in ans.text
    assert [c.doc_id for c in ans.citations] == ["articles/missione-osaka.md"]


def test_article_filters_keep_retrieval(assistant: Assistant) -> None:
    ans = assistant.ask(REGEN, MEMBER, Filters(doc_type="article"))
    assert not ans.text.startswith("Sono 3")
    narrowed = assistant.ask(REGEN, MEMBER, Filters(region="Trentino-Alto Adige"))
    assert _cited(narrowed) == {"Dolomed Devices S.r.l."}


def test_stream_follows_the_answer_protocol(assistant: Assistant) -> None:
    events = list(assistant.stream(REGEN, MEMBER))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"token"}
    final: Any = events[-1][1]
    assert "".join(v for k, v in events if k == "token") == final.text
    assert final == assistant.ask(REGEN, MEMBER).model_copy(update={"timings": final.timings})


def test_follow_up_of_a_directory_question(assistant: Assistant) -> None:
    first = "Quali soci si occupano di medicina rigenerativa in Lombardia?"
    history = [Message(role="user", content=first),
               Message(role="assistant", content=assistant.ask(first, ANON).text),
               Message(role="user", content="e in Trentino?")]
    ans = assistant.ask(history, ANON)
    assert _cited(ans) == {"Dolomed Devices S.r.l."}
    # the same follow-up after a question about something else is not a directory one
    other = [Message(role="user", content="Quando si è svolta la missione a Osaka?"),
             Message(role="assistant", content="Dal 25 al 28 giugno 2025 [1]."),
             Message(role="user", content="e in Trentino?")]
    assert assistant.directory.answer(other, ANON) is None


def test_llm_filter_gives_llm_mode_and_falls_back_to_rules(assistant: Assistant) -> None:
    s = assistant.settings.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1"})
    llm = OpenAILLM(s)
    stub = StubLLM({"is_directory_question": "yes", "intent": "list",
                    "sectors": ["medtech"], "places": ["Alto Adige"]})
    llm.client = stub.client  # type: ignore[assignment]
    assistant.directory.llm = llm
    ans = assistant.ask("Quali soci altoatesini fanno tecnologie per la chirurgia?", MEMBER)
    assert ans.mode == "llm" and _cited(ans) == {"Bolzamed S.r.l."}
    _assert_cited_profiles(assistant, ans)
    calls = len(stub.requests)  # no list/count cue: the LLM is not asked to route
    assert assistant.directory.answer(
        [Message(role="user", content="Quando si è svolta la missione a Osaka?")], ANON) is None
    assert len(stub.requests) == calls
    stub.reply = RuntimeError("LLM down")  # rules take over, answer is extractive
    ruled = assistant.directory.answer([Message(role="user", content=REGEN)], ANON)
    assert ruled is not None and ruled.mode == "extractive" and len(ruled.citations) == 2
