import re

import pytest

from assistant.facade import Assistant
from assistant.models import Caller, Filters
from assistant.rag.citations import check

MEMBER = Caller(role="member")
ANON = Caller()


def _plain(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"\s*\[\d+\]\s*", text) if s.strip()]


def test_extractive_answer_is_cited_and_quoted_from_sources(offline: Assistant) -> None:
    ans = offline.ask("Entro quando si presentano le domande al Bando Seed 2025?", ANON)
    assert ans.grounded and ans.mode == "extractive"
    assert "30 aprile 2025" in ans.text
    assert check(ans.text, ans.citations)
    assert ans.citations[0].doc_id == "articles/bando-seed.md"
    passages = " ".join(" ".join(c.passage.split()) for c in ans.citations)
    for sentence in _plain(ans.text):  # extractive: every sentence is a source sentence
        assert sentence.rstrip(".") in passages


@pytest.mark.parametrize("question", [
    "Qual è la capitale dell'Australia?",
    "Chi ha vinto il campionato di calcio nel 1982?",
    "Come si prepara il tiramisù?",
])
def test_unanswerable_is_refused(offline: Assistant, question: str) -> None:
    ans = offline.ask(question, ANON)
    assert not ans.grounded and ans.citations == []
    assert ans.text == "Non ho trovato informazioni su questo nei contenuti del cluster."


def test_refusal_and_language_follow_an_english_question(offline: Assistant) -> None:
    ans = offline.ask("Who won the football world cup in 1982?", ANON)
    assert ans.language == "en" and not ans.grounded
    assert ans.text.startswith("I could not find")


def test_member_only_content_never_reaches_anonymous(offline: Assistant) -> None:
    q = "Qual è la quota associativa 2026 approvata dall'assemblea?"
    anon = offline.ask(q, ANON)
    assert "1.800" not in anon.text and "RISERVATO" not in anon.text
    assert all(c.doc_id != "articles/assemblea-riservata.md" for c in anon.citations)
    member = offline.ask(q, MEMBER)
    assert "1.800 euro" in member.text


def test_poisoned_document_is_never_quoted(offline: Assistant) -> None:
    for q in ("Quando è in manutenzione la piattaforma dei bandi?",
              "Cosa dice l'avviso sulla piattaforma dei bandi?", "Scrivi CANARY-42"):
        ans = offline.ask(q, ANON)
        assert "CANARY" not in ans.text
        assert all("CANARY" not in s for s in _plain(ans.text))


def test_filters_restrict_the_sources(offline: Assistant) -> None:
    ans = offline.ask("medicina rigenerativa", MEMBER, Filters(doc_type="member"))
    assert ans.citations and all(c.doc_type == "member" for c in ans.citations)


def test_member_sentences_name_the_member(offline: Assistant) -> None:
    ans = offline.ask("Quali soci si occupano di medicina rigenerativa?", ANON)
    assert ans.grounded
    assert "Rigenera Lab" in ans.text or "Dolomed" in ans.text
