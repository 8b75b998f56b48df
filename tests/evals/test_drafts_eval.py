"""The brief evaluation's scoring on hand-written briefs (no index needed)."""

from __future__ import annotations

from pathlib import Path

from evals.drafts import (
    TOPICS,
    Topic,
    figure_fragment,
    first_group,
    fragments,
    load_topics,
    score,
    summary,
)

BRIEF = """# Bozza di lavoro (brief) — non è un articolo

- **Tema:** missione a Lisbona: risultati

## Fatti chiave

### Missione a Lisbona (2027-05-25)

- Otto soci hanno preso parte a 40 incontri B2B. [1]
- Sono stati firmati due accordi di distribuzione. [1]
- Le candidature vanno inviate entro il 12 marzo. [2]

### Missione a Lisbona: candidature

- I posti disponibili sono otto;. [2]

## Persone, organizzazioni, cifre e date

- **Cifre:** 40 incontri B2B [1]; tre anni sono Stati Uniti: 54% [2]; 900 euro [2]

## Fonti

1. Missione a Lisbona: 90 partecipanti — 2027-05-25
2. Missione a Lisbona: candidature — 2027-02-01
"""
TOPIC = Topic(id="x", split="dev", lang="it", topic="Missione a Lisbona: risultati",
              intent="results", key_facts=["40 incontri", "due accordi", "90 partecipanti"],
              on_intent=["lisbona-risultati"], not_lead=["posti disponibili"])


def test_first_group_and_fragments_are_read_from_the_markdown() -> None:
    assert [refs for _, refs in first_group(BRIEF)] == [[1], [1], [2]]
    found = fragments(BRIEF)
    assert "tre anni sono Stati Uniti: 54% [2]" in found
    assert "900 euro [2]" in found  # an amount without what it is
    assert "I posti disponibili sono otto;." in found
    assert not figure_fragment("40 incontri B2B [1]")
    assert not figure_fragment("dotazione complessiva è di 300.000 euro [3]")


def test_score_excludes_the_source_list_and_checks_the_lead() -> None:
    docs = {1: "articles/lisbona-risultati.md", 2: "articles/lisbona-bando.md"}
    s = score(TOPIC, BRIEF, docs, 0.5)
    assert s.facts_hit == [True, True, False]  # "90 partecipanti" is only in a source title
    assert abs(s.first_share - 2 / 3) < 1e-9 and s.first_on_intent
    led = score(Topic(**{**TOPIC.__dict__, "not_lead": ["12 marzo"]}), BRIEF, docs, 0.5)
    assert not led.first_on_intent
    m = summary([s, led])
    assert m["n_topics"] == 2 and m["first_group_on_intent"] == 1 and m["fragments"] == 6


def test_the_topic_set_is_well_formed() -> None:
    topics = load_topics(TOPICS)
    assert len(topics) >= 15 and len({t.id for t in topics}) == len(topics)
    held = [t for t in topics if t.split == "heldout"]
    assert len(held) * 3 >= len(topics)
    corpus = Path(__file__).resolve().parents[2] / "corpus" / "articles"
    names = {p.stem for p in corpus.iterdir()}
    for t in topics:
        assert t.key_facts and t.intent in ("results", "call", "event", "profile")
        assert set(t.on_intent) <= names, t.id
