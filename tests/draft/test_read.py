"""Reading a brief's lead documents: whole documents, lists made quotable, every
figure of the main story kept, the learned scorer blended in, labels in the UI's
language (no index needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from assistant.draft import brief, intent, learned, rank, read
from assistant.draft.extract import clean
from assistant.models import Filters, RetrievedChunk
from assistant.stores.lexical import LexicalTier
from tests.draft.test_intent import chunk

SUMMARY = """Torna il bando per i soci.

## In sintesi

- **Dotazione**: 1.500.000 euro
- **Durata**: 24 mesi
- **Scadenza**: **15 aprile 2026**

Il resto del testo."""


def test_a_list_of_short_items_becomes_one_sentence_after_its_lead_in() -> None:
    out = read.merge_lists(SUMMARY)
    assert "In sintesi: Dotazione: 1.500.000 euro; Durata: 24 mesi; Scadenza: 15 aprile " \
           "2026." in clean(out)
    assert "## In sintesi" not in out and out.startswith("Torna il bando")
    survey = "Alla domanda sui servizi:\n\n- missioni e fiere: **73%**\n- bandi: **61%**\n"
    assert clean(read.merge_lists(survey)).startswith(
        "Alla domanda sui servizi: missioni e fiere: 73%; bandi: 61%.")


def test_lists_of_sentences_and_single_items_stay_as_they_are() -> None:
    sentences = "Risultati:\n\n- Il primo ha firmato.\n- Il secondo ha venduto.\n"
    assert read.merge_lists(sentences) == sentences
    single = "Nota:\n\n- una sola voce\n"
    assert read.merge_lists(single) == single


def test_a_long_list_goes_on_in_further_sentences_and_loses_no_item() -> None:
    items = [f"voce numero {i} con un testo abbastanza lungo da riempire la riga" for i in
             range(12)]
    out = read.merge_lists("Il programma prevede:\n" + "\n".join(f"- {x}" for x in items))
    lines = out.splitlines()
    assert len(lines) > 1 and all(len(x) <= read.MAX_LIST_CHARS + 5 for x in lines)
    assert all(x in out for x in items)
    assert all(x.startswith("Il programma prevede: ") for x in lines)  # short lead-in


@pytest.mark.parametrize(("text", "dates", "want"), [
    ("Il progetto durerà 24 mesi.", False, True),
    ("Lo scambio di ricercatori dura sei mesi.", False, True),
    ("I posti disponibili sono dieci, uno per organizzazione.", False, True),
    ("Missioni e fiere internazionali: 73%.", False, True),
    ("La scadenza è il 15 aprile.", False, False),
    ("La scadenza è il 15 aprile.", True, True),
    ("La missione è pensata per le biotecnologie.", True, False),
])
def test_figures_are_numbers_with_what_they_count(text: str, dates: bool, want: bool) -> None:
    assert intent.has_figure(text, dates) is want


def test_every_figure_of_the_lead_document_is_kept_past_its_quota() -> None:
    plain = ["La delegazione ha visitato laboratori universitari di Kobe e Kyoto.",
             "Le imprese giapponesi hanno mostrato interesse per i biomateriali italiani.",
             "Il console ha ricevuto i partecipanti nella residenza ufficiale.",
             "Una tavola rotonda ha discusso regole e percorsi di approvazione.",
             "Gli ospedali del Kansai cercano partner per studi clinici congiunti."]
    figures = ["La missione ha prodotto 78 incontri con imprese giapponesi.",
               "Lo scambio di ricercatori durerà sei mesi a partire dal 2026.",
               "La quota di ogni socio è stata di 2.500 euro."]
    text = " ".join(plain[:3] + figures + plain[3:])
    picked = rank.select("Missione a Osaka: risultati", "it", "results",
                         [chunk("osaka", "Missione a Osaka: il bilancio", text)], 2)
    quoted = [clean(s.cand.text) for s, _ in picked]
    assert all(f in quoted for f in figures), quoted
    assert len(picked) > 2  # the figures come on top of the brief's length


def test_different_facts_of_one_story_are_not_taken_for_duplicates() -> None:
    title = "Missione a Osaka: 78 incontri, 130 partecipanti e un memorandum con il KRMC"
    text = ("Il memorandum con il KRMC è stato firmato a Osaka. "
            "La tavola rotonda ha avuto 130 partecipanti al Padiglione Italia.")
    picked = rank.select("Missione a Osaka: risultati", "it", "results",
                         [chunk("osaka", title, text)], 5)
    assert len(picked) == 2


def test_the_learned_percentile_is_blended_into_the_score() -> None:
    text = ("La delegazione ha svolto 40 incontri con imprese di Lisbona. "
            "Sono stati firmati due accordi con ospedali portoghesi.")
    c = chunk("l", "Missione a Lisbona", text)
    plain = rank.score_sentences("Missione a Lisbona: risultati", "it", "results", [c])
    best = {(0, s.cand.start): 1.0 for s in plain[:1]} | {
        (0, s.cand.start): 0.0 for s in plain[1:]}
    told = rank.score_sentences("Missione a Lisbona: risultati", "it", "results", [c], best)
    assert len(plain) == 2
    assert told[0].score - plain[0].score == pytest.approx(rank.LEARNED * 0.5)
    assert told[1].score - plain[1].score == pytest.approx(-rank.LEARNED * 0.5)
    assert learned.percentiles({(0, 1): 3.0, (0, 2): -1.0, (0, 3): 0.5}) == {
        (0, 2): 0.0, (0, 3): 0.5, (0, 1): 1.0}


@dataclass
class _Row:
    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    meta: dict[str, Any] = field(default_factory=dict)


class _Tiers:
    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows
        self.asked: list[tuple[str, ...]] = []

    def tier(self, vis: tuple[str, ...]) -> Any:
        self.asked.append(vis)
        return type("Tier", (), {"rows": {r.chunk_id: r for r in self.rows}})()


def test_lead_documents_are_read_whole_from_the_callers_tier() -> None:
    hit = chunk("a", "Missione a Osaka", "Il bilancio: 78 incontri.", score=0.9)
    rows = [_Row("a::0", "a", hit.text, 0, 25), _Row("a::2", "a", "Terzo passaggio.", 60, 76),
            _Row("a::1", "a", "Secondo passaggio.", 30, 48), _Row("b::0", "b", "Altro.", 0, 6)]
    tiers = _Tiers(rows)
    retriever: Any = type("R", (), {"lexical": tiers})()
    out = read.whole_documents(retriever, ["public"], [hit], ["a"])
    assert [c.chunk_id for c in out] == ["osaka", "a::1", "a::2"] or \
        [c.text for c in out[1:]] == ["Secondo passaggio.", "Terzo passaggio."]
    assert all(c.doc_id == "a" and c.score == 0.9 for c in out)
    assert tiers.asked == [("public",)]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_labels_and_members_only_notice_are_in_the_ui_language(lang: str) -> None:
    c = chunk("r", "Missione a Osaka: il bilancio",
              "La missione ha prodotto 78 incontri B2B con imprese giapponesi.")
    c = c.model_copy(update={"metadata": c.metadata | {"visibility": "members"}})
    facts = brief.select_facts("Missione a Osaka: risultati", "it", [c], 5)
    body = brief.compose("Missione a Osaka: risultati", lang, facts, [c], [],
                         {"window": brief.LABELS[lang]["any"]}, offline_note=True)
    other = brief.LABELS["en" if lang == "it" else "it"]
    assert brief.LABELS[lang]["reserved"] in body
    for key, label in other.items():
        if key not in ("and", "any") and label != brief.LABELS[lang][key]:
            shown = label if label.startswith(("#", "*")) else f"**{label}:**"
            assert shown not in body, (key, label)


def test_merged_passages_keep_their_order_and_identity() -> None:
    chunks: list[RetrievedChunk] = [chunk("a", "A", SUMMARY), chunk("b", "B", "Nessun elenco.")]
    merged = read.with_lists_merged(chunks)
    assert [c.chunk_id for c in merged] == [c.chunk_id for c in chunks]
    assert merged[1] is chunks[1] and merged[0].text != chunks[0].text


def test_event_names_are_capitalised_runs_with_their_year() -> None:
    assert read.event_names("Ponti di Innovazione 2024: cosa hanno ottenuto") == [
        "Ponti di Innovazione 2024"]
    assert read.event_names("Bando Ponti di Innovazione 2026: scadenza") == [
        "Bando Ponti di Innovazione 2026", "Ponti di Innovazione 2026"]
    assert read.event_names("Com'è andato il Forum 2024 di Roma") == []


@dataclass
class _FullRow(_Row):
    lang: str = "it"
    visibility: str = "public"


class _Tier:
    def __init__(self, rows: list[_FullRow], allowed: set[str]) -> None:
        self.rows = {r.chunk_id: r for r in rows}
        self.allowed = allowed

    def mask(self, filters: Any) -> set[str]:
        return self.allowed

    def allows(self, chunk_id: str, mask: set[str]) -> bool:
        return chunk_id in mask

    passage = LexicalTier.passage  # the real one, over these rows


def test_documents_naming_the_event_join_within_the_filters() -> None:
    hit = chunk("bando", "Ponti di Innovazione 2024", "Il bando Ponti di Innovazione 2024.")
    rows = [_FullRow("lic::0", "lic", "Una licenza.", 0, 12, {"title": "Licenza"}),
            _FullRow("lic::1", "lic", "Finanziato da **Ponti di Innovazione 2024**.", 13, 60,
                     {"title": "Licenza", "date": "2025-12-01"}),
            _FullRow("old::0", "old", "Ponti di Innovazione 2024 in arrivo.", 0, 30,
                     {"title": "Vecchio"}),
            _FullRow("x::0", "x", "Ponti di Innovazione 2026.", 0, 20, {"title": "Altro"})]
    tier = _Tier(rows, allowed={"lic::0", "lic::1", "x::0"})  # "old" is outside the window
    retriever: Any = type("R", (), {"lexical": type("L", (), {"tier": lambda s, v: tier})()})()
    out = read.event_passages(retriever, ["public"], "Ponti di Innovazione 2024: esiti",
                              None, [hit])
    assert [c.chunk_id for c in out] == ["lic::1", "old::0"]  # no filters: both, recent first
    out = read.event_passages(retriever, ["public"], "Ponti di Innovazione 2024: esiti",
                              Filters(), [hit])
    assert [c.chunk_id for c in out] == ["lic::1"]
    assert out[0].title == "Licenza" and out[0].score == hit.score


def test_only_the_last_sentence_of_a_paragraph_leads_a_list_and_is_repeated() -> None:
    text = ("In cinque giorni si sono svolti **62 incontri**. Sono state firmate due lettere:\n\n"
            "1. tra " + "A" * 150 + " e un'impresa di Kobe;\n"
            "2. tra " + "B" * 150 + " e un ospedale di Osaka.\n")
    lines = clean(read.merge_lists(text)).split(". ")
    assert lines[0] == "In cinque giorni si sono svolti 62 incontri"
    assert sum(x.startswith("Sono state firmate due lettere: tra ") for x in lines) == 2
    long_lead = ("L'accordo, firmato il 12 giugno a Osaka dalla presidente e dal presidente "
                 "del consorzio giapponese, ha durata triennale e prevede:\n\n")
    items = "".join(f"- voce {i} " + "x" * 120 + ";\n" for i in range(3))
    out = read.merge_lists(long_lead + items).splitlines()
    assert out[0].startswith("L'accordo, firmato") and "voce 0" in out[0] and len(out) == 2
    assert out[1].startswith("L'accordo … ha durata triennale e prevede: voce 1")
    assert "; voce 2" in out[1]
