"""Recognising directory questions (IT/EN), and refusing everything else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.directory.llm_parse import DirectoryLLMError, parse_with_llm, tool_schema
from assistant.directory.query import DirectoryQuery, looks_like_directory, parse
from assistant.directory.table import MemberFilter
from assistant.directory.vocab import CITY_FORMS, SECTOR_FORMS

SECTORS = sorted(SECTOR_FORMS)
CITIES = sorted({"Milano", "Trento", "Bolzano", "Torino", "Como", "Pavia", *CITY_FORMS})


def _parse(question: str) -> DirectoryQuery | None:
    return parse(question, SECTORS, CITIES)


@pytest.mark.parametrize(("question", "intent", "lang", "fields"), [
    ("Quali soci si occupano di medicina rigenerativa in Lombardia?", "list", "it",
     {"sectors": ["medicina rigenerativa"], "places": ["Lombardia"]}),
    ("Quante università sono socie?", "count", "it", {"kinds": ["university"]}),
    ("Elenca le aziende medtech del Trentino", "list", "it",
     {"kinds": ["company"], "sectors": ["medtech"], "places": ["Trentino"]}),
    ("Which members were founded after 2015 in Piemonte?", "list", "en",
     {"places": ["Piemonte"], "founded_after": 2015}),
    ("How many hospitals are members?", "count", "en", {"kinds": ["hospital"]}),
    ("List the biotech companies in Lombardy", "list", "en",
     {"kinds": ["company"], "sectors": ["biotecnologie"], "places": ["Lombardia"]}),
    ("Quali aziende lombarde lavorano nel pharma o nella diagnostica?", "list", "it",
     {"kinds": ["company"], "places": ["Lombardia"], "sector_mode": "any",
      "sectors": ["farmaceutica", "diagnostica"]}),
    ("Quali soci si occupano sia di medtech sia di sanità digitale?", "list", "it",
     {"sectors": ["medtech", "sanità digitale"], "sector_mode": "all"}),
    ("Which members work on ageing?", "list", "en", {"sectors": ["invecchiamento attivo"]}),
    ("Quali soci si occupano di longevità?", "list", "it",
     {"sectors": ["invecchiamento attivo"]}),
    ("Quali soci altoatesini fanno digital health?", "list", "it",
     {"places": ["Alto Adige"], "sectors": ["sanità digitale"]}),
    ("Quali aziende ospedaliere sono socie?", "list", "it", {"kinds": ["hospital"]}),
    ("Quali istituti di ricerca ci sono nel Mezzogiorno?", "list", "it",
     {"kinds": ["research_institute"], "places": ["Mezzogiorno"]}),
    ("Quali soci hanno più di 1.000 dipendenti?", "list", "it", {"employees_over": 1000}),
    ("Which companies have fewer than 50 employees?", "list", "en",
     {"kinds": ["company"], "employees_under": 50}),
    ("Quali soci sono stati fondati tra il 2000 e il 2010?", "list", "it",
     {"founded_after": 1999, "founded_before": 2011}),
    ("Quali startup sono state fondate nel 2019?", "list", "it",
     {"kinds": ["company"], "founded_after": 2018, "founded_before": 2020}),
    ("Quali soci sono nati prima del 1950?", "list", "it", {"founded_before": 1950}),
    ("Which members are based in Turin?", "list", "en", {"cities": ["Torino"]}),
    ("Chi si occupa di nutraceutica in Puglia?", "list", "it",
     {"sectors": ["nutraceutica"], "places": ["Puglia"]}),
    ("Mi elenchi tutti i soci veneti?", "list", "it", {"places": ["Veneto"]}),
    ("Quanti soci ha il cluster?", "count", "it", {}),
])
def test_directory_questions(question: str, intent: str, lang: str,
                             fields: dict[str, Any]) -> None:
    q = _parse(question)
    assert q is not None, question
    assert (q.intent, q.lang, q.source, q.fuzzy) == (intent, lang, "rules", False)
    assert q.filter == MemberFilter(**fields)


@pytest.mark.parametrize("question", [
    "Quando si è svolta la missione a Osaka?",
    "Quali soci hanno partecipato alla missione a Osaka?",
    "Quanti soci hanno partecipato al Forum 2025?",
    "Which members attended MEDICA 2025?",
    "Quali startup sono state selezionate al Demo Day di Arezzo?",
    "Quali soci lavorano con l'Università di Trento?",
    "Quali soci non sono aziende?",
    "Quali sono i soci più grandi?",
    "Chi è Rigenera Lab?",
    "Quando è stata fondata Rigenera Lab?",
    "Quali soci sono stati fondati da ricercatori?",
    "Quanti pazienti ha monitorato VitalHome in Trentino?",
    "Qual è la dotazione del bando Seed?",
    "Si occupano di biotecnologie in Lombardia?",  # no list/count intent
    "Medicina rigenerativa in Lombardia",
])
def test_other_questions_are_not_directory(question: str) -> None:
    assert _parse(question) is None


def test_unknown_words_go_to_embeddings_then_to_retrieval() -> None:
    asked: list[str] = []

    def match(phrase: str, labels: Sequence[str]) -> str | None:
        asked.append(phrase)
        return "bioinformatica" if phrase == "genomica" else None

    q = parse("Quali soci lavorano nella genomica?", SECTORS, CITIES, match)
    assert q is not None and q.fuzzy and q.filter.sectors == ["bioinformatica"]
    assert parse("Quali soci si occupano di robotica?", SECTORS, CITIES, match) is None
    # a long unexplained phrase is never guessed
    assert parse("Quali soci hanno partecipato alla missione in Giappone?", SECTORS, CITIES,
                 match) is None
    assert asked == ["genomica", "robotica"]


def test_a_who_question_on_a_guessed_sector_is_not_directory() -> None:
    """ "Chi" with a guessed sector and no member noun is a question on someone else
    (a discovery, a prize): the embeddings' nearest sector must not answer it."""
    def match(phrase: str, labels: Sequence[str]) -> str | None:
        return "ricerca clinica"

    assert parse("Chi ha scoperto la penicillina?", SECTORS, CITIES, match) is None
    q = parse("Quali soci lavorano sulla penicillina?", SECTORS, CITIES, match)
    assert q is not None and q.fuzzy and q.filter.sectors == ["ricerca clinica"]


def test_cheap_precheck() -> None:
    assert looks_like_directory("Quali aziende biotech ci sono?")
    assert looks_like_directory("How many members are there?")
    assert not looks_like_directory("Quando si è svolta la missione a Osaka?")


# -- the LLM function-calling path ------------------------------------------------------
class StubLLM:
    """An object with the ``LLM`` attributes the directory uses (``client``, ``model``)."""

    def __init__(self, reply: Any) -> None:
        self.model = "stub"
        self.requests: list[dict[str, Any]] = []
        self.reply = reply
        self.client = SimpleNamespace(chat=SimpleNamespace(
            completions=SimpleNamespace(create=self._create)))

    def _create(self, **kw: Any) -> Any:
        self.requests.append(kw)
        if isinstance(self.reply, Exception):
            raise self.reply
        args = self.reply if isinstance(self.reply, str) else json.dumps(self.reply)
        call = SimpleNamespace(function=SimpleNamespace(name="member_directory_query",
                                                        arguments=args))
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(
            tool_calls=[call], content=None))])


def test_llm_fills_the_schema() -> None:
    llm = StubLLM({"is_directory_question": "yes", "intent": "count", "kinds": ["company"],
                   "sectors": ["medtech"], "places": ["Trentino"], "cities": ["trento"],
                   "founded_after": 2010})
    q = parse_with_llm(llm, "Quante startup medtech trentine?", SECTORS, CITIES)  # type: ignore[arg-type]
    assert q is not None and q.source == "llm" and q.intent == "count"
    assert q.filter.model_dump(exclude_defaults=True) == {
        "kinds": ["company"], "sectors": ["medtech"], "places": ["Trentino"],
        "cities": ["Trento"], "founded_after": 2010}
    req = llm.requests[0]
    assert req["tool_choice"]["function"]["name"] == "member_directory_query"
    assert req["tools"] == [tool_schema(SECTORS)]


@pytest.mark.parametrize("verdict", ["no", "unsure"])
def test_llm_not_sure_means_not_directory(verdict: str) -> None:
    llm = StubLLM({"is_directory_question": verdict, "kinds": ["company"]})
    assert parse_with_llm(llm, "Quali aziende?", SECTORS, CITIES) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("reply", [
    "{not json", {"is_directory_question": "yes", "sectors": ["astrologia"]},
    {"is_directory_question": "yes", "founded_after": "ieri"}, RuntimeError("timeout"), [],
])
def test_llm_failures_raise_for_the_rules_fallback(reply: Any) -> None:
    with pytest.raises(DirectoryLLMError):
        parse_with_llm(StubLLM(reply), "Quali aziende?", SECTORS, CITIES)  # type: ignore[arg-type]
