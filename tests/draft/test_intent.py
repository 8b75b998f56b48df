"""What the topic asks decides what the brief leads with: intent cues, sentence fit,
document order, clean facts, figures as clauses and a title from the facts."""

from __future__ import annotations

import pytest

from assistant.draft import brief, intent, rank
from assistant.draft import extract as x
from assistant.models import RetrievedChunk

CALL = ("Missione a Lisbona: aperte le candidature per 8 soci",
        "Le candidature vanno inviate tramite il modulo online entro venerdì 12 marzo 2027. "
        "Possono partecipare i soci in regola con la quota associativa. La quota di "
        "partecipazione è di 900 euro e i posti disponibili sono otto. La selezione sarà "
        "comunicata entro il 2 aprile.")
RESULTS = ("Missione a Lisbona: 8 soci, 40 incontri e due accordi firmati",
           "Si è conclusa il 20 maggio la missione del cluster a Lisbona. Otto soci hanno "
           "preso parte a 40 incontri B2B con imprese e ospedali portoghesi. Sono stati "
           "firmati due accordi di distribuzione e una lettera d'intenti con un ospedale "
           "universitario di Lisbona. La tavola rotonda ha riunito 90 partecipanti.")


def chunk(doc: str, title: str, text: str, score: float = 1.0) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{doc}::0", doc_id=doc, doc_type="article", title=title,
                          text=text, start=0, end=len(text), score=score, dense=0.8,
                          metadata={"lang": "it", "date": "2027-05-25"})


@pytest.mark.parametrize(("topic", "want"), [
    ("Lisbona 2027: com'è andata la missione", "results"),
    ("Esito del premio innovazione", "results"),
    ("What did the members achieve in Lisbon?", "results"),
    ("Premio innovazione 2027: requisiti e scadenza", "call"),
    ("How to apply for the Lisbon mission", "call"),
    ("Convegno di Genova: programma e iscrizioni", "event"),
    ("La startup Osteonica", "profile"),
])
def test_topic_intent_from_cue_words(topic: str, want: str) -> None:
    assert intent.detect(topic) == want


def test_outcome_sentences_fit_results_and_rules_fit_calls() -> None:
    done = "Otto soci hanno preso parte a 40 incontri B2B e sono stati firmati due accordi."
    rules = "Le candidature vanno inviate entro venerdì 12 marzo: i posti disponibili sono otto."
    assert intent.fit("results", done) > 0 > intent.fit("results", rules)
    assert intent.fit("call", rules) > 0 > intent.fit("call", done)
    assert intent.counted("40 incontri B2B, nine member companies, 2027") == 2


@pytest.mark.parametrize(("topic", "first"), [
    ("Missione a Lisbona: i risultati per i soci", "results"),
    ("Missione a Lisbona: candidature e scadenze", "call"),
])
def test_the_document_that_answers_the_intent_leads(topic: str, first: str) -> None:
    # the call scores higher in retrieval: the intent must still put the results first
    chunks = [chunk("call", *CALL, score=1.0), chunk("results", *RESULTS, score=0.9)]
    facts = brief.select_facts(topic, "it", chunks, 8)
    assert facts[0].doc_id == first
    groups = brief.group_facts(facts, chunks, "it")
    assert [f.doc_id for f in groups[0][1]] == [first] * len(groups[0][1])
    assert len(groups) == 2 and groups[0][0].startswith("Missione a Lisbona")


def test_title_is_built_from_the_first_facts_not_the_topic() -> None:
    topic = "Missione a Lisbona: i risultati per i soci"
    chunks = [chunk("call", *CALL), chunk("results", *RESULTS)]
    facts = brief.select_facts(topic, "it", chunks, 8)
    title = brief.suggested_title(facts, chunks, "it")
    assert title.startswith("Missione a Lisbona: ") and title != topic
    assert "40 incontri" in title


def test_facts_end_cleanly() -> None:
    assert brief._tidy("**BioRigenera S.r.l.** ha avviato una valutazione tecnica;") == (
        "BioRigenera S.r.l. ha avviato una valutazione tecnica.")
    assert brief._tidy("Tra i risultati:") == "Tra i risultati."
    assert brief._tidy("«Il ponte regge»") == "«Il ponte regge»"


def test_figures_are_clauses_never_fragments() -> None:
    text = ("I mercati indicati come prioritari per i prossimi tre anni sono Stati Uniti (54%), "
            "Germania (49%) e Giappone (37%). La dotazione complessiva è di 300.000 euro. "
            "Il rischio è inferiore del 31% rispetto ai sedentari.")
    figs = x.figures(text)
    assert not any("Stati Uniti" in f or ":" in f for f in figs)
    assert "dotazione complessiva è di 300.000 euro" in figs
    assert all(f.split()[0].lower() not in ("sono", "di", "e", "il") for f in figs)


def test_rank_prefers_a_year_named_in_the_topic() -> None:
    old = chunk("old", "Missione a Lisbona 2025", "Nel 2025 la missione a Lisbona ha avuto "
                "sette soci e 30 incontri con imprese portoghesi.")
    new = chunk("new", "Missione a Lisbona 2027", "Nel 2027 la missione a Lisbona ha avuto "
                "otto soci e 40 incontri con imprese portoghesi.")
    picked = rank.select("Missione a Lisbona 2027: risultati", "it", "results", [old, new], 4)
    assert picked[0][0].doc_id == "new"


def test_a_quotation_cut_in_two_is_never_quoted() -> None:
    text = ("La presidente ha parlato ai soci riuniti a Lisbona dopo la missione. «A Lisbona "
            "avevamo promesso di tornare. Due accordi in una settimana dicono che il ponte "
            "regge», ha commentato la presidente del cluster.")
    picked = rank.select("Missione a Lisbona: risultati", "it", "results",
                         [chunk("r", "Missione a Lisbona", text)], 5)
    assert picked and all(p.cand.text.count("«") == p.cand.text.count("»")
                          for p, _ in picked)
