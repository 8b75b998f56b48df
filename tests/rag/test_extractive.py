"""Pure rules of the offline answerer: when a near-miss sentence must not pass as an answer."""

import pytest

from assistant.models import RetrievedChunk
from assistant.rag.extractive import (
    Candidate,
    about_other_years,
    lacks_quantity,
)
from assistant.rag.names import answered_elsewhere, missing_entities
from assistant.rag.proper import ProperNouns


def _cand(text: str) -> Candidate:
    return Candidate(source=0, start=0, text=text, score=1.0, terms=set())


@pytest.mark.parametrize(("question", "sentence"), [
    ("Quanti pazienti ha arruolato lo studio?", "Lo studio ha arruolato 34 pazienti."),
    ("Quante aziende hanno partecipato?", "Hanno partecipato nove aziende del cluster."),
    ("A quanto ammonta il contributo?", "Il contributo è di 30.000 euro a fondo perduto."),
    ("How many meetings were held?", "The delegation held 64 one-to-one meetings."),
    ("Quanti soci nel 2025?", "Nel 2025 i soci sono saliti a 212."),
    ("Quanti cloroplasti ha una cellula?", "Una cellula di guardia ne contiene circa 8-15."),
])
def test_a_stated_quantity_answers(question: str, sentence: str) -> None:
    assert not lacks_quantity(question, [_cand(sentence)])


@pytest.mark.parametrize(("question", "sentence"), [
    # a year, a date, a product code and the question's own number are not answers
    ("Quanti soci hanno risposto all'indagine 2024?",
     "A fine anno verrà lanciata la prima indagine tra i soci, per le scelte del 2025."),
    ("Quante proposte sono arrivate al bando 2026?",
     "Il bando 2026 chiude il 15 aprile e sarà presentato al Forum."),
    ("Quanti dipendenti ha Cellaria?", "L'ospedale sperimenta CLR-201 e il peptide PB-214."),
    ("How many patients by March 2026?", "Results are expected on March 3."),
    ("Quante proposte sono arrivate?", "Il piano 2024-2026 prevede nuovi bandi."),
])
def test_a_near_miss_without_quantity_does_not(question: str, sentence: str) -> None:
    assert lacks_quantity(question, [_cand(sentence)])


def test_other_questions_need_no_quantity() -> None:
    assert not lacks_quantity("Chi ha firmato l'accordo?", [_cand("Lo ha firmato Elena Rossi.")])
    assert lacks_quantity("Quanti soci?", [])


def test_english_month_names_are_not_missing_names() -> None:
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="CondroRegen",
                           url="", text="A marzo 2026 lo studio CondroRegen ha 34 pazienti.",
                           start=0, end=10, score=1.0, lexical=0.0, dense=0.0, metadata={})
    assert missing_entities("How many patients had CondroRegen enrolled by March 2026?",
                            "en", [chunk]) == []
    assert missing_entities("How many patients had OsteoFix enrolled by March 2026?",
                            "en", [chunk]) == ["OsteoFix"]


def test_english_forms_and_typos_of_a_name_are_present() -> None:
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Il cluster",
                           url="", text="Il settore pesa il 12,6% del PIL della Lombardia e "
                           "di Milano.", start=0, end=10, score=1.0, lexical=0.0, dense=0.0,
                           metadata={})
    assert missing_entities("What share of the economy of Lombardy?", "en", [chunk]) == []
    assert missing_entities("Quanto pesa a Milno?", "it", [chunk]) == []
    assert missing_entities("Quanto pesa in Toscana?", "it", [chunk]) == ["Toscana"]


def _chunk(title: str) -> RetrievedChunk:
    return RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title=title, url="",
                          text="", start=0, end=0, score=1.0, lexical=0.0, dense=0.0,
                          metadata={})


def test_a_sentence_about_another_year_is_a_near_miss() -> None:
    q = "A quanto ammonta il bilancio preventivo 2026?"
    other = _cand("Approvato il bilancio preventivo 2024, di 1,9 milioni di euro.")
    assert about_other_years(q, [other], [_chunk("Programma 2024")])
    # the asked year in the sentence or in its passage's title, or no year at all: judged elsewhere
    assert not about_other_years(q, [_cand("Nel 2026 il bilancio sale a 2,3 milioni.")],
                                 [_chunk("Programma")])
    assert not about_other_years(q, [other], [_chunk("Programma 2026")])
    assert not about_other_years(q, [_cand("Il bilancio sale a 2,3 milioni.")],
                                 [_chunk("Programma")])
    assert not about_other_years("A quanto ammonta il bilancio?", [other], [_chunk("x")])


def test_acronyms_spelt_out_and_function_words_are_not_missing_names() -> None:
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Missione",
                           url="", text="La Fondazione Hub Innovazione Trentino e l'Istituto "
                           "Marchigiano di Ricerca Gerontologica sono partiti.", start=0,
                           end=10, score=1.0, lexical=0.0, dense=0.0, metadata={})
    assert missing_entities("Chi sono i fondatori di HIT?", "it", [chunk]) == []
    assert missing_entities("Dove ha sede l'IMRG?", "it", [chunk]) == []
    assert missing_entities("Dove ha sede la FBK?", "it", [chunk]) == ["FBK"]
    # "Chi" capitalised in a title translated word by word is not a name
    assert missing_entities("Quando è partita la missione di Dottore Chi?", "it",
                            [chunk]) == ["Dottore"]


@pytest.mark.parametrize(("question", "sentence", "lacks"), [
    ("Quanti ugonotti emigrarono?", "Emigrarono in quattromila.", False),
    ("Quanti anni ci vollero?", "Ci vollero quasi trecento anni.", False),
    ("Quanti partecipanti c'erano?", "C'erano una trentina di partecipanti.", False),
    ("Quanti trattati tutelavano i diritti?", "Zero trattati li tutelavano.", False),
    ("Quanti soci hanno aderito?", "Ha aderito una fondazione.", True),  # "una": an article
    # a length of time needs a span or a date, not any number
    ("Quanto dura una sperimentazione di fase 3?", "Coordina 350 sperimentazioni l'anno.", True),
    ("Quanto dura il progetto?", "Ha una durata di 18 mesi.", False),
    ("Da quanto tempo esistono?", "Esistono da migliaia di anni.", False),
    ("Da quanto tempo è riconosciuta?", "È riconosciuta dagli anni Sessanta.", False),
    ("Da quanto tempo è centrale?", "È centrale dal 1957.", False),
])
def test_number_words_and_lengths_of_time(question: str, sentence: str, lacks: bool) -> None:
    assert lacks_quantity(question, [_cand(sentence)]) is lacks


def test_a_roman_numeral_is_no_name() -> None:
    chunk = RetrievedChunk(chunk_id="c", doc_id="d", doc_type="article", title="Fisica",
                           url="", text="L'opera seicentesca di Galileo corresse Aristotele.",
                           start=0, end=10, score=1.0)
    assert missing_entities("Chi corresse Aristotele nel XVII secolo?", "it", [chunk]) == []


def test_a_multiple_is_a_quantity() -> None:
    assert not lacks_quantity("Quanta spinta serviva?", [_cand("Serviva il doppio della spinta.")])
    assert lacks_quantity("Quanta spinta serviva?", [_cand("Serviva molta spinta.")])


def test_an_answer_from_a_document_that_never_names_the_subject_is_a_near_miss() -> None:
    def chunk(doc: str, text: str) -> RetrievedChunk:
        return RetrievedChunk(chunk_id=doc, doc_id=doc, doc_type="article", title="Missione",
                              url="", text=text, start=0, end=10, score=1.0, lexical=0.0,
                              dense=0.0, metadata={})

    osaka = chunk("osaka", "Il costo per partecipante della missione a Osaka è di 4.200 euro.")
    singapore = chunk("singapore", "La missione a Singapore ha incontrato tre ospedali.")
    question = "Quanto costa la missione a Singapore?"
    assert answered_elsewhere(question, [osaka, singapore], {"osaka"})
    assert not answered_elsewhere(question, [osaka, singapore], {"singapore"})
    # no passage names it: that is missing_entities' refusal, not this one
    assert not answered_elsewhere("Quanto costa la missione a Dubai?", [osaka], {"osaka"})
    # typed in lower case, the name is read as the content writes it
    typed = "quanto costa la missione a singapore?"
    assert not answered_elsewhere(typed, [osaka, singapore], {"osaka"})
    nouns = ProperNouns([singapore.text, "Poi il volo per Singapore."])
    assert answered_elsewhere(nouns.truecase(typed), [osaka, singapore], {"osaka"})
