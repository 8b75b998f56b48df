"""Sector synonyms outside the vocabulary, matched with the real e5 embeddings."""

from __future__ import annotations

import pytest

from assistant.directory.semantic import SectorMatcher
from assistant.directory.vocab import SECTOR_FORMS
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.models import Caller
from assistant.rag.condense import Message

LABELS = sorted(SECTOR_FORMS)


@pytest.mark.parametrize(("phrase", "label"), [
    ("nutrizione", "nutraceutica"),
    ("dispositivi indossabili", "dispositivi medici"),
    ("genomica", None),  # bioinformatica and diagnostica are too close to call
    ("robotica", None), ("missione osaka", None), ("quota associativa", None),
    ("ricerca", None),  # only the head word of "ricerca clinica"
    ("digitale", None),
])
def test_conservative_matches(embedder: Embedder, phrase: str, label: str | None) -> None:
    assert SectorMatcher(embedder).match(phrase, LABELS) == label


def test_labels_are_embedded_once(embedder: Embedder) -> None:
    matcher = SectorMatcher(embedder)
    matcher.match("nutrizione", LABELS)
    cached = len(matcher._vectors)
    matcher.match("alimentazione", LABELS)
    assert len(matcher._vectors) == cached + 1  # only the new phrase


def test_a_guessed_sector_with_no_member_goes_to_retrieval(real_assistant: Assistant) -> None:
    assistant = real_assistant
    q = [Message(role="user", content="Quali soci si occupano di nutrizione?")]
    parsed = assistant.directory.understand(q, Caller(role="member"))
    assert parsed is not None and parsed.fuzzy and parsed.filter.sectors == ["nutraceutica"]
    assert assistant.directory.answer(q, Caller(role="member")) is None  # nobody: not sure
