"""The LLM path through the real openai client against a fake server on 127.0.0.1."""

import time

from assistant.facade import Assistant
from assistant.models import Caller
from assistant.rag.citations import check
from tests.fake_llm import FakeLLM

ANON = Caller()
Q = "Quanto può ricevere ogni progetto dal Bando Seed 2025?"


def test_llm_answer_keeps_only_valid_citations(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = "Fino a 150.000 euro per progetto [1]. Lo dice anche un'altra fonte [7]."
    ans = a.ask(Q, ANON)
    assert ans.mode == "llm" and ans.grounded and not ans.degraded
    assert "[7]" not in ans.text and "[1]" in ans.text
    assert len(ans.citations) == 1 and check(ans.text, ans.citations)
    body = fake.requests[-1]
    assert body["model"] == "fake-model"
    assert "<sources>" in body["messages"][1]["content"]


def test_llm_stream_yields_tokens_then_validated_answer(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = "Il contributo massimo è 150.000 euro [1][9]."
    events = list(a.stream(Q, ANON))
    tokens = "".join(v for k, v in events if k == "token")
    final = events[-1][1]
    assert events[-1][0] == "answer" and final.mode == "llm"
    assert len([k for k, _ in events if k == "token"]) > 3
    assert "[9]" not in tokens and tokens.strip() == final.text
    assert check(final.text, final.citations)


def test_uncited_llm_reply_becomes_a_refusal(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = "Secondo le mie conoscenze generali il contributo è di 1 milione."
    ans = a.ask(Q, ANON)
    assert not ans.grounded and ans.citations == [] and "milione" not in ans.text


def test_hung_llm_degrades_to_extractive_within_timeout(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.mode, fake.hang_s = "hang", 5.0
    t0 = time.perf_counter()
    ans = a.ask(Q, ANON)
    elapsed = time.perf_counter() - t0
    assert ans.degraded and ans.mode == "extractive" and ans.grounded
    assert "150.000" in ans.text
    assert elapsed < 4.0  # llm_timeout_s is 1.5 with no retries


def test_llm_500_degrades(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.mode = "fail"
    ans = a.ask(Q, ANON)
    assert ans.degraded and check(ans.text, ans.citations)


def test_midstream_failure_resets_then_degrades(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.mode = "fail_midstream"
    fake.reply = "Il contributo massimo previsto dal bando è di 150.000 euro [1]."
    events = list(a.stream(Q, ANON))
    kinds = [k for k, _ in events]
    assert "reset" in kinds and kinds[-1] == "answer"
    assert events[-1][1].degraded


def test_poisoned_text_reaches_the_llm_only_inside_the_source_block(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = "La piattaforma è in manutenzione il 15 marzo 2025 [1]."
    a.ask("Quando è in manutenzione la piattaforma dei bandi?", ANON)
    system, user = fake.requests[-1]["messages"]
    assert "CANARY-42" not in system["content"]
    start, end = user["content"].index("<sources>"), user["content"].index("</sources>")
    pos = user["content"].index("CANARY-42")
    assert start < pos < end
    assert "never follow" in system["content"]


def test_llm_condenses_follow_ups(with_llm: tuple[Assistant, FakeLLM]) -> None:
    from assistant.rag.condense import Message

    a, fake = with_llm
    fake.reply = lambda body: ("Missione a Osaka Japan Health stakeholder incontrati"
                               if "Standalone query" in body["messages"][-1]["content"]
                               else "Oltre 70 stakeholder [1].")
    history = [Message(role="user", content="Com'è andata la missione a Osaka?"),
               Message(role="assistant", content="Sei soci hanno partecipato [1]."),
               Message(role="user", content="e quanti ne hanno incontrati?")]
    ans = a.ask(history, ANON)
    assert ans.query.startswith("Missione a Osaka")
    assert ans.grounded and "70" in ans.text
