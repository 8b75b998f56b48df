"""Pure functions of drafting: requests, sub-queries, diversity, extraction, rendering."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.draft import DraftRequest
from assistant.draft import extract as x
from assistant.draft.compose import clean_reply, uncited_sentences
from assistant.draft.gather import diversify, keywords, sub_queries
from assistant.draft.models import normalise_date
from assistant.draft.prompts import bounds
from assistant.draft.render import count_words, finish, neutral
from assistant.models import RetrievedChunk


def chunk(doc: str, i: int, score: float, text: str = "") -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{doc}::{i}", doc_id=doc, doc_type="article", title=doc,
                          text=text or f"passaggio{doc}{i}", start=0,
                          end=10, score=score)


def test_dates_accept_years_and_months_as_periods() -> None:
    assert normalise_date("2025") == "2025-01-01"
    assert normalise_date("2025", end=True) == "2025-12-31"
    assert normalise_date("2024-02", end=True) == "2024-02-29"
    assert normalise_date("2025-03-09") == "2025-03-09"
    for bad in ("2025-13", "2025-02-30", "ieri", "25-01-01"):
        with pytest.raises(ValueError):
            normalise_date(bad)


def test_request_validation_and_filters() -> None:
    r = DraftRequest(topic="  missioni   2025 ", since="2025", until="2025-06",
                     tags=[" Bandi ", ""])
    assert r.topic == "missioni 2025" and r.tags == ["bandi"]
    f = r.filters()
    assert (f.doc_type, f.date_from, f.date_to, f.tags) == (
        "article", "2025-01-01", "2025-06-30", ["bandi"])
    assert DraftRequest(topic="abc").target_words == 600
    assert DraftRequest(topic="abc", kind="newsletter").target_words == 350
    for bad in ({"topic": "ab"}, {"topic": "abc", "since": "2026", "until": "2025"},
                {"topic": "abc", "words": 10}, {"topic": "abc", "kind": "tweet"}):
        with pytest.raises(ValidationError):
            DraftRequest(**bad)


def test_sub_queries_start_with_the_topic_and_add_keyword_variants() -> None:
    qs = [q for q, _ in sub_queries("missioni internazionali del cluster nel 2025")]
    assert qs[0] == "missioni internazionali del cluster nel 2025"
    assert "missioni internazionali 2025" in qs and "missioni internazionali" in qs
    assert "missions international" in qs  # English news are found too
    assert len(qs) == len({q.lower() for q in qs}) <= 6
    assert keywords("Quali bandi per le startup?", "it") == ["bandi", "startup"]


def test_diversify_caps_chunks_per_document_and_prefers_new_documents() -> None:
    cands = [chunk("a", 0, 1.0), chunk("a", 1, 0.95), chunk("a", 2, 0.9),
             chunk("b", 0, 0.7), chunk("c", 0, 0.62), chunk("d", 0, 0.05)]
    picked = diversify(cands, limit=5)
    ids = [c.chunk_id for c in picked]
    assert ids[:3] == ["a::0", "b::0", "c::0"]  # a second chunk of "a" waits
    assert sum(c.doc_id == "a" for c in picked) == 2
    assert "d::0" not in ids  # under the relevance floor


def test_extraction_of_people_organisations_figures_dates() -> None:
    text = x.clean("La presidente Elena Marchetti e Hiroshi Tanabe, presidente del KRMC, "
                   "hanno firmato l'accordo con **BioRigenera S.r.l.** e l'Istituto Alpino "
                   "per l'Invecchiamento Attivo di Bolzano. Budget di 1,2 milioni di euro; "
                   "missioni e fiere: 73%. Erano 23 delegati, dal 9 al 13 giugno 2025, "
                   "e 78 incontri B2B. Padiglione Italia, Expo 2025.")
    assert x.people(text) == ["Elena Marchetti", "Hiroshi Tanabe"]
    assert x.organisations(text) == [
        "BioRigenera S.r.l.", "Istituto Alpino per l'Invecchiamento Attivo"]
    assert x.figures(text) == ["Budget di 1,2 milioni di euro", "23 delegati",
                               "78 incontri B2B"]  # "fiere: 73%" says not what of
    assert x.dates(text) == ["dal 9 al 13 giugno 2025"]
    m = x.mentions([(1, text), (2, "Elena Marchetti ha parlato.")])
    assert m.people["Elena Marchetti"] == [1, 2]


def test_word_count_ignores_markers_markup_and_sources() -> None:
    md = "# Titolo breve\n\n- Una frase con 78 incontri B2B [1][2].\n\n## Fonti\n\n1. X Y Z"
    assert count_words(md) == 8
    assert bounds(600) == (480, 720)


def test_finish_drops_invalid_numbers_and_appends_the_sources() -> None:
    chunks = [chunk("a", 0, 1.0), chunk("b", 0, 0.9)]
    md, cites = finish("Prima frase [2]. Seconda [7]. Terza [1, 9].", chunks, "it")
    assert md.startswith("Prima frase [1]. Seconda. Terza [2].")
    assert [c.doc_id for c in cites] == ["b", "a"]
    assert "## Fonti\n\n1. b\n2. a" in md
    assert neutral("vedi [12] e [a]") == "vedi (12) e [a]"


def test_llm_reply_cleanup_and_uncited_sentences() -> None:
    reply = "```markdown\n# T\n\nUna frase lunga abbastanza da contare come fatto [1].\n" \
            "Un'altra frase lunga abbastanza, però senza alcuna fonte.\n\n## Fonti\n1. x\n```"
    text = clean_reply(reply)
    assert text.startswith("# T") and "Fonti" not in text and "```" not in text
    assert uncited_sentences(text) == 1
