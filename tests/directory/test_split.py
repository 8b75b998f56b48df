"""Number words and decades, multi-entity splitting and member mentions (pure functions)."""

from __future__ import annotations

import pytest

from assistant.directory.answer import compose
from assistant.directory.mentions import MentionFinder, events_of, pick_documents, short_forms
from assistant.directory.numbers import italian_number, normalise_numbers
from assistant.directory.query import DirectoryQuery, parse
from assistant.directory.split import split
from assistant.directory.table import MemberFilter, MemberRow
from assistant.models import RetrievedChunk


@pytest.mark.parametrize(("word", "value"), [
    ("dieci", 10), ("ventuno", 21), ("trentotto", 38), ("cento", 100), ("duecento", 200),
    ("duecentocinquanta", 250), ("mille", 1000), ("duemila", 2000), ("sei", 6),
    ("tremilacinquecento", 3500), ("soci", None), ("ventitre", 23), ("casa", None)])
def test_italian_number_words(word: str, value: int | None) -> None:
    assert italian_number(word) == value


@pytest.mark.parametrize(("text", "expected"), [
    ("soci nati negli anni '90", "soci nati tra il 1990 e il 1999"),
    ("fondati negli anni ottanta", "fondati tra il 1980 e il 1989"),
    ("founded in the 1990s", "founded tra il 1990 e il 1999"),
    ("con piu di duecento dipendenti", "con piu di 200 dipendenti"),
    ("more than two thousand employees", "more than 2000 employees"),
    ("tra venti e trenta addetti", "tra 20 e 30 addetti"),
    ("sei soci in lombardia", "sei soci in lombardia"),  # a verb, not a number
])
def test_numbers_in_words_become_digits(text: str, expected: str) -> None:
    assert normalise_numbers(text) == expected


def test_years_split_into_one_question_each() -> None:
    parts = split("Quanti iscritti hanno avuto i Forum 2024, 2025 e 2026?")
    assert parts is not None
    assert [p.label for p in parts] == ["2024", "2025", "2026"]
    assert parts[1].question == "Quanti iscritti hanno avuto i Forum 2025?"


def test_places_split_and_inherit_the_head_noun() -> None:
    parts = split("Quanti incontri hanno fatto le missioni a Boston, in Giappone e a Singapore?")
    assert parts is not None
    assert [p.question for p in parts] == [
        "Quanti incontri hanno fatto le missioni a Boston?",
        "Quanti incontri hanno fatto le missioni in Giappone?",
        "Quanti incontri hanno fatto le missioni a Singapore?"]


def test_pronoun_item_takes_the_first_items_noun() -> None:
    parts = split("Quanti soci sono andati rispettivamente alla missione a Boston e a quella "
                  "a Singapore?")
    assert parts is not None
    assert parts[1].question == "Quanti soci sono andati alla missione a Singapore?"


@pytest.mark.parametrize("question", [
    "Come è nata la collaborazione tra Venetissue e Karst Biologics?",  # one relation
    "Cosa fa la Rete Emiliano-Romagnola Salute e Benessere?",  # a member's name
    "Quando si è svolto il Forum 2025?",
])
def test_single_subject_questions_are_not_split(question: str) -> None:
    assert split(question, ["Rete Emiliano-Romagnola Salute e Benessere"]) is None


def test_events_of_took_part_questions() -> None:
    assert events_of("Quali soci hanno partecipato alla missione a Singapore?") == [
        "missione a Singapore"]
    assert events_of("Quali soci erano sia alla missione in Giappone sia a MEDICA 2025?") == [
        "missione in Giappone", "MEDICA 2025"]
    assert events_of("Which members took part in the Boston mission?") == ["Boston mission"]
    assert events_of("Cosa ha fatto BioRigenera a Osaka?") is None


def _row(name: str) -> MemberRow:
    return MemberRow(doc_id=f"members/{name[:5].lower()}.yaml", name=name, kind="company",
                     region="Lazio", city="Roma", sectors=(), founded=None, employees=None,
                     visibility="public")


def _chunk(doc: str, title: str, text: str) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"{doc}::0", doc_id=doc, doc_type="article", title=title,
                          text=text, start=0, end=len(text), score=1.0)


def test_short_forms_and_listed_members() -> None:
    assert short_forms("Medisfera Digitale S.r.l.") == [
        "Medisfera Digitale S.r.l.", "Medisfera Digitale", "Medisfera"]
    assert short_forms("Istituto di Ricerca Biomedica Lariano") == [
        "Istituto di Ricerca Biomedica Lariano"]
    finder = MentionFinder([_row("Medisfera Digitale S.r.l."), _row("Curalink S.r.l."),
                            _row("Karst Biologics S.r.l.")])
    c = _chunk("a", "Singapore mission", "The delegation:\n- Medisfera Digitale S.r.l. (Bologna)"
               "\n- Curalink S.r.l. (Turin)\nKarst Biologics was not there.")
    assert set(finder.in_chunks([c], listed_only=True)) == {
        "members/medis.yaml", "members/cural.yaml"}
    assert len(finder.in_chunks([c], listed_only=False)) == 3


def test_document_whose_title_names_the_event_wins() -> None:
    hits = [_chunk("b", "MEDICA 2025: nine members", "at the 2024 edition"),
            _chunk("a", "MEDICA 2024: sette imprese", "...")]
    assert pick_documents("MEDICA 2024", hits) == ["a"]
    assert pick_documents("missione a Singapore", [_chunk("s", "Singapore mission", "")]) == ["s"]


def test_a_guessed_sector_is_stated_in_the_answer() -> None:
    q = DirectoryQuery(intent="list", filter=MemberFilter(sectors=["nutraceutica"]),
                       fuzzy=True, guessed="nutrizione")
    text, _ = compose(q, [_row("Oleabio S.r.l.")], {}, public_only=False)
    assert "Condizione applicata: settore «nutraceutica» per «nutrizione»" in text


def test_filler_words_and_conditions_in_words() -> None:
    sectors = ["diagnostica", "medtech", "nutraceutica"]
    q = parse("Sono curioso: quante fondazioni aderiscono al cluster?", sectors, [])
    assert q is not None and q.intent == "count" and q.filter.kinds == ["foundation"]
    q = parse("Aziende con più di duecento dipendenti", sectors, [])
    assert q is not None and q.filter.employees_over == 200
    q = parse("Soci nati negli anni '90 in Liguria", sectors, [])
    assert q is not None and (q.filter.founded_after, q.filter.founded_before) == (1989, 2000)
    assert q.filter.places == ["Liguria"]
    for other in ("Quali aziende hanno partecipato alla missione a Boston?",
                  "Soci presenti all'Arab Health di Dubai",
                  "Quali di questi sono ospedali?"):
        assert parse(other, sectors, []) is None, other


def test_took_part_needs_members_as_subject() -> None:
    assert events_of("Quanti posti erano disponibili ai Forum 2024 e 2025?") is None
    assert events_of("Which members were at both MEDICA 2024 and MEDICA 2025?") == [
        "MEDICA 2024", "MEDICA 2025"]


def test_plural_head_splits_two_names() -> None:
    parts = split("Quanto hanno ricevuto i progetti SmartRehab e DialiSense?")
    assert parts is not None and [p.label for p in parts] == ["SmartRehab", "DialiSense"]
