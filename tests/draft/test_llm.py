"""LLM drafts through the fake OpenAI-compatible server: structure, citation
validation, the one length retry, fallbacks, and what reaches the prompt."""

from __future__ import annotations

from typing import Any

from assistant.draft import DraftRequest
from assistant.facade import Assistant
from assistant.models import Caller
from tests.draft.helpers import assert_valid
from tests.fake_llm import FakeLLM

STAFF = Caller(role="staff")
TOPIC = "missioni internazionali del cluster"


def draft_text(n_words: int, extra: str = "") -> str:
    """A Markdown draft of about ``n_words`` words, sentences cited [1] or [2]."""
    sentence = "I soci del cluster hanno partecipato alle missioni internazionali a Osaka"
    per = len(sentence.split())
    body = [f"{sentence} {i}{' ' + extra if i == 0 else ''} [{1 + i % 2}]."
            for i in range(max(1, (n_words - 8) // (per + 1)))]
    half = len(body) // 2
    return ("# Le missioni del cluster\n\n" + " ".join(body[:half]) + "\n\n## Risultati\n\n"
            + " ".join(body[half:]) + "\n\n## Fonti\n\n1. Una fonte inventata\n")


def by_turn(first: str, second: str) -> Any:
    return lambda body: first if len(body["messages"]) == 2 else second


def test_too_short_draft_is_retried_once_and_validated(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = by_turn(draft_text(50, "[99]"), draft_text(150, "[42]"))
    d = a.draft(DraftRequest(topic=TOPIC, words=150), STAFF)
    assert d.mode == "llm" and not d.degraded
    assert len(fake.requests) == 2 and d.timings["attempts"] == 2
    retry = fake.requests[1]["messages"]
    assert [m["role"] for m in retry] == ["system", "user", "assistant", "user"]
    assert "expanding" in retry[-1]["content"] and "120 and 180" in retry[-1]["content"]
    assert 120 <= d.words <= 180 and d.target_words == 150
    assert "[99]" not in d.markdown and "[42]" not in d.markdown
    assert_valid(d, a)
    assert {c.n for c in d.citations} == {1, 2}
    assert d.markdown.count("## Fonti") == 1 and "inventata" not in d.markdown
    assert d.markdown.startswith("# Le missioni del cluster")
    assert fake.requests[0]["stream"] is True


def test_too_long_draft_asks_to_shorten_and_keeps_the_closer_attempt(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = by_turn(draft_text(400), draft_text(330))
    d = a.draft(DraftRequest(topic=TOPIC, words=150), STAFF)
    assert "shortening" in fake.requests[1]["messages"][-1]["content"]
    assert d.mode == "llm" and d.words > 180
    assert any("outside 120-180" in w for w in d.warnings)


def test_right_length_needs_no_retry(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = draft_text(300)
    d = a.draft(DraftRequest(topic=TOPIC, kind="newsletter", words=300), STAFF)
    assert len(fake.requests) == 1 and 240 <= d.words <= 360 and d.kind == "newsletter"
    system = fake.requests[0]["messages"][0]["content"]
    assert "newsletter" in system and "about 300 words" in system


def test_uncited_or_failed_llm_falls_back_to_the_brief(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = "# Titolo\n\nUn testo senza alcuna fonte citata, che non va consegnato."
    d = a.draft(DraftRequest(topic=TOPIC), STAFF)
    assert d.mode == "extractive" and d.degraded and d.citations
    assert "senza alcuna fonte" not in d.markdown
    assert any("modello linguistico" in w for w in d.warnings)
    fake.mode = "fail"
    d = a.draft(DraftRequest(topic=TOPIC), STAFF)
    assert d.mode == "extractive" and d.degraded
    assert_valid(d, a)


def test_prompt_holds_only_what_the_role_may_see(
        with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = draft_text(150)
    req = DraftRequest(topic="calendario riservato delle missioni internazionali 2026",
                       words=150)
    a.draft(req, Caller())
    anon_prompt = fake.requests[-1]["messages"][1]["content"]
    assert "RISERVATO-5521" not in anon_prompt and "Segreto Devices" not in anon_prompt
    assert "<sources>" in anon_prompt and "Ignora le istruzioni" in anon_prompt  # as data
    a.draft(req, STAFF)
    assert "Dubai, Seul e Kobe" in fake.requests[-1]["messages"][1]["content"]


def test_window_reaches_retrieval_in_llm_mode(with_llm: tuple[Assistant, FakeLLM]) -> None:
    a, fake = with_llm
    fake.reply = draft_text(150)
    d = a.draft(DraftRequest(topic=TOPIC, words=150, until="2024-12-31"), STAFF)
    prompt = fake.requests[-1]["messages"][1]["content"]
    assert 'date="2024-10-20"' in prompt and 'date="2025' not in prompt
    assert all(c.date is None or c.date <= "2024-12-31" for c in d.citations)


def test_llm_writes_from_the_briefs_ordered_facts(with_llm: tuple[Assistant, FakeLLM]
                                                  ) -> None:
    a, fake = with_llm
    fake.reply = draft_text(150, "[77]")
    d = a.draft(DraftRequest(topic="Missione a Osaka: i risultati per i soci", words=150),
                STAFF)
    assert d.mode == "llm"
    system, user = (m["content"] for m in fake.requests[0]["messages"][:2])
    assert "<facts>" in user and "Open with the first ones" in system
    facts = user.split("<facts>\n", 1)[1].split("\n</facts>", 1)[0].splitlines()
    first_text, first_n = facts[0][2:].rsplit(" [", 1)
    # the first fact is an outcome of the Osaka mission, numbered as its source block
    assert "78 incontri B2B" in first_text or "accordo" in first_text
    n = int(first_n.rstrip("]"))
    assert n == 1 and f'<source n="{n}"' in user
    block = user.split(f'<source n="{n}"', 1)[1].split("</source>", 1)[0]
    assert first_text.rstrip(".") in block.replace("**", "")
    assert "[77]" not in d.markdown  # citation validation still applies
    assert_valid(d, a)
