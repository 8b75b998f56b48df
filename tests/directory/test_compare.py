"""Comparisons and follow-ups, pure functions: proper nouns learned from the corpus,
asked attributes, tables, editions counted by the question, part labels, counts over
a period, event lists, listed names and the subject a follow-up carries."""

from __future__ import annotations

from assistant.directory.aggregate import asked
from assistant.directory.compare import attributes, editions, table
from assistant.directory.followup import listed_names
from assistant.directory.mentions import introduces, names_event
from assistant.directory.partanswer import (
    about,
    asked_terms,
    counts_asked,
    entity_words,
    label_terms,
    part_terms,
)
from assistant.directory.split import split
from assistant.models import RetrievedChunk
from assistant.rag.condense import Message, rewrite
from assistant.rag.proper import ProperNouns


def _chunk(title: str, text: str, date: str = "", section: str = "") -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{title}::0", doc_id=title, doc_type="article",
                          title=title, text=text, start=0, end=len(text), score=1.0,
                          metadata={"date": date, "section": section})


def test_lower_case_names_are_spelled_as_the_corpus_does() -> None:
    nouns = ProperNouns(["La missione a Boston è andata bene.", "Poi a Boston e a MEDICA.",
                         "Stand a MEDICA.", "Il Forum annuale, due volte il Forum.",
                         "Una missione e una missione."])
    assert nouns.truecase("la missione a boston e medica") == "la missione a Boston e MEDICA"
    assert nouns.truecase("il forum 2024") == "il Forum 2024"
    assert nouns.truecase("Boston") == "Boston"


def test_lower_case_question_splits_once_truecased() -> None:
    nouns = ProperNouns(["Le missioni a Boston, a Osaka e a Singapore.",
                         "Ancora Boston, Osaka, Singapore."])
    parts = split(nouns.truecase("quanti incontri hanno fatto le delegazioni a boston, "
                                 "osaka e singapore?"))
    assert parts is not None and [p.label for p in parts] == ["Boston", "Osaka", "Singapore"]


def test_year_runs_joined_by_vs_or_a_repeated_question_word() -> None:
    parts = split("Forum 2024 vs Forum 2025: iscritti e incontri B2B a confronto")
    assert parts is not None and [p.label for p in parts] == ["2024", "2025"]
    assert parts[1].question == "Forum 2025: iscritti e incontri B2B"
    parts = split("Quante proposte sono arrivate a Ponti di Innovazione 2024 e quante al 2026?")
    assert parts is not None
    assert parts[1].question == "Quante proposte sono arrivate a Ponti di Innovazione 2026?"
    assert split("Progetti avviati nel 2024 e conclusi nel 2026") is None


def test_each_year_keeps_its_own_name() -> None:
    parts = split("Quante startup selezionano VITALIA Accelerate 2025 e il VITALIA Landing "
                  "Program 2026?")
    assert parts is not None
    assert [p.label for p in parts] == ["VITALIA Accelerate 2025", "VITALIA Landing Program 2026"]
    assert parts[1].question == "Quante startup selezionano VITALIA Landing Program 2026?"


def test_asked_attributes_after_a_colon_or_in_brackets() -> None:
    assert attributes("Forum 2025: iscritti e incontri B2B a confronto") == (
        "Forum 2025", ["iscritti", "incontri B2B"])
    assert attributes("Ponti di Innovazione 2026 (soldi, contributo per progetto, durata)") == (
        "Ponti di Innovazione 2026", ["soldi", "contributo per progetto", "durata"])
    assert attributes("Forum 2025: quanti iscritti?") == ("Forum 2025: quanti iscritti?", [])


def test_table_has_a_row_per_part_and_a_column_per_attribute() -> None:
    text = table(["2024", "2025"], ["iscritti", "B2B"],
                 [["420 iscritti [1]", "95 | incontri [1]"], ["510 iscritti [2]", ""]])
    lines = text.splitlines()
    assert lines[0] == "| | iscritti | B2B |" and len(lines) == 4
    assert lines[2] == "| **2024** | 420 iscritti [1] | 95 / incontri [1] |"
    assert lines[3].endswith("| - |")


def test_editions_counted_by_the_question_come_from_titles() -> None:
    titles = [("Indagine soci 2024: missioni in cima", "2024-12-18"),
              ("Indagine soci 2025: cresce la soddisfazione", "2026-03-17"),
              ("Forum 2025 a Bologna", "2025-04-15")]
    got = editions("Confronta le due indagini soci: quanti hanno risposto?", titles)
    assert [label for label, _ in got] == ["2024", "2025"]
    assert got[1][1] == "Confronta indagini soci 2025: quanti hanno risposto?"
    assert editions("Quali sono le indagini?", titles) == []


def test_counts_over_a_period_are_only_about_events() -> None:
    assert asked("Quante missioni ha fatto il cluster nel 2025?") == ("missioni", "2025")
    assert asked("quanti delegati sono andati in Giappone nel 2025") is None
    assert asked("Quanti incontri B2B nel 2024?") is None


def test_a_sentence_is_about_the_part_its_words_or_document_name() -> None:
    own, other = label_terms("2025"), [label_terms("2024")]
    report = _chunk("Forum 2025: a Bologna", "", "2025-04-15")
    assert about("Registrati 510 iscritti, a fronte dei 420 del 2024.", report, own, other) == 2
    assert about("Nel 2025 saranno di più.", _chunk("Forum 2024", "", "2024-04-20"), own,
                 other) == 1
    old = _chunk("Forum 2024: bilancio", "", "2024-04-20")
    assert about("Si è chiuso con 420 iscritti.", old, own, other) == -1
    assert about("Il cluster ha 65 soci.", _chunk("Soci", ""), own, other) == 0
    assert label_terms("missione a Osaka") == ["osaka"]


def test_asked_words_leave_out_the_entity_names() -> None:
    terms = asked_terms("Quanti incontri B2B hanno fatto le missioni a Boston?", "Boston", "it")
    assert "boston" not in terms and "b2b" in terms and "incontr" in " ".join(terms)
    assert entity_words("Confronta indagini soci 2025: che voto?", "2025") == [
        "indagini", "soci"]
    assert entity_words("Quanti iscritti al Forum 2025?", "2025") == ["forum"]


def test_a_list_belongs_to_the_event_its_heading_names() -> None:
    listed = _chunk("Forum 2025: a Bologna", "Partiranno:\n- Alfa S.r.l.\n- Beta S.r.l.",
                    "2025-04-15", "La delegazione per Osaka")
    assert names_event(["osaka", "2025"], listed)
    assert introduces(["osaka", "2025"], listed)
    passing = _chunk("MEDICA 2025", "Six had exhibited in 2024 at MEDICA.\n- Alfa S.r.l.",
                     "2025-11-25", "The companies")
    assert not introduces(["medic", "2024"], _chunk("x", "- Alfa S.r.l.", "", "The companies"))
    assert names_event(["medic", "2024"], passing)
    exhibitors_2024 = _chunk("MEDICA 2024: sette imprese", "Le imprese a MEDICA:\n- Alfa S.r.l.",
                             "2024-11-05", "Le imprese presenti")
    assert introduces(["medic"], exhibitors_2024)
    assert introduces(["medic", "2024"], exhibitors_2024)
    assert not introduces(["medic", "2025"], exhibitors_2024)  # another edition's list


def test_listed_names_of_the_previous_answer() -> None:
    prev = "Soci (3): Alfamed S.r.l. [1], Betagen S.r.l. [1], Ospedale Gamma [2]."
    names = [n.name for n in listed_names(prev, ["Alfamed S.r.l.", "Betagen S.r.l.",
                                                 "Ospedale Gamma", "Deltacare S.r.l."])]
    assert names == ["Alfamed S.r.l.", "Betagen S.r.l.", "Ospedale Gamma"]
    startups = [n.name for n in listed_names("Le vincitrici: Osteonica, Gliacell e DermoPrint.",
                                             [])]
    assert {"Osteonica", "Gliacell", "DermoPrint"} <= set(startups)


def test_follow_up_carries_the_users_subject_not_the_answers_side_names() -> None:
    history = [Message(role="user", content="Quando si terrà il Silver Economy Summit?"),
               Message(role="assistant", content="Il Summit si terrà all'Istituto Marchigiano "
                       "di Ricerca Gerontologica di Ancona [1].")]
    q = rewrite("Chi lo organizza insieme al cluster?", history)
    assert "Silver Economy Summit" in q and "Marchigiano" not in q
    listed = [Message(role="user", content="Chi ha partecipato alla missione?"),
              Message(role="assistant", content="Alfamed, Betagen, Deltacare, Gammalab [1].")]
    assert "Betagen" in rewrite("Quali di loro hanno firmato accordi?", listed)


def test_a_year_all_parts_share_is_part_of_each_part() -> None:
    assert part_terms("Quanti posti hanno le missioni 2027 a Boston?", "Boston") == [
        "boston", "2027"]
    calendar = _chunk("Il calendario missioni 2027", "", "2026-10-06")
    own, other = part_terms("missioni 2027 a Boston", "Boston"), [["dubai", "2027"]]
    assert about("Destinazione: Boston; Posti: 10.", calendar, own, other) == 1
    assert about("Destinazione: Dubai; Posti: 8.", calendar, own, other) == -1


def test_a_figure_counts_what_is_asked_or_measures_it_in_its_unit() -> None:
    stand = ("Il cluster avrà uno stand di 48 metri quadrati che ospiterà 7 imprese "
             "socie.")
    breakfast = "Alle 9:00 lo stand ospiterà 95 distributori dall'11 al 14 novembre."
    assert counts_asked(stand, ["numer", "impres"], "it")
    assert counts_asked(stand, ["superfic", "stand"], "it")
    assert not counts_asked(breakfast, ["numer", "impres"], "it")
    assert not counts_asked(breakfast, ["superfic", "stand"], "it")  # no unit of area
    assert counts_asked("The stand grew to 60 square metres.", ["superfic"], "it")


def test_a_number_word_counts_what_is_asked_unless_it_is_a_target() -> None:
    """"sette imprese" and "nine member companies" count the asked companies; "almeno
    sei incontri per organizzazione" and "massimo tre risposte" are a target and a
    limit, not the count."""
    assert counts_asked("Lo stand ospiterà sette imprese medtech.", ["numer", "impres"], "it")
    assert counts_asked("It hosted nine member companies.", ["numer", "impres"], "it")
    assert not counts_asked("Con un obiettivo di almeno sei incontri per organizzazione.",
                            ["incontr"], "it")
    assert not counts_asked("Quali servizi rafforzare? (massimo tre risposte)",
                            ["rispost"], "it")
