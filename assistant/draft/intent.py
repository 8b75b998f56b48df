"""What a brief's topic asks for, and how well a sentence or a document answers it.

A staff topic is about one of four things: the **results** of something that
happened ("missione in Giappone: risultati", "com'è andato il Forum"), an
upcoming **call** (deadline, requirements, amounts), an **event** to come
(programme, registration) or a **profile** of a project, study or organisation
(the default). The topic's intent comes from cue words (stemmed, Italian and
English); a sentence's fit to an intent comes from cues that generalise across
topics: outcome words and past-tense verbs, counted nouns ("78 incontri", "nine
member companies") for results; deadlines, eligibility, amounts and future or
conditional forms for calls; dates, programme and registration words for events.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.text import fold

Intent = Literal["results", "call", "event", "profile"]

# topic cues (folded word prefixes): the first intent with a hit wins, in this order
_TOPIC_CUES: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    ("results", ("risultat", "esit", "bilanc", "com'e andat", "andat", "ottenut", "raggiunt",
                 "accord", "firmat", "vincitor", "vincitric", "selezionat", "finanziat",
                 "conclus", "result", "outcome", "achiev", "what happened", "deal",
                 "agreement", "signed", "winner", "licenz", "licence", "license")),
    ("call", ("band", "candidat", "candidar", "scadenz", "requisit", "dotazion",
              "come partecipare", "domand", "cost", "call", "deadline", "eligib", "apply",
              "application", "grant", "fee")),
    ("event", ("programm", "iscrizion", "agenda", "registra", "evento", "summit", "forum",
               "convegn", "workshop", "event")),
)

_RESULT_WORDS = re.compile(  # "non finanziate" is no outcome
    r"(?<!non )\b(?:risultat\w*|esit\w*|bilancio|firmat\w*|accord\w*|memorandum|intesa|lettere? "
    r"d'intent\w*|incontri|partecipanti|iscritti|presenze|contatti|arruolat\w*|finanziat\w*|"
    r"selezionat\w*|vincitri\w*|concluso|conclusa|si è conclus\w*|si è chius\w*|hanno "
    r"(?:preso parte|partecipato|firmato|svolto|ricevuto|avviato|concordato|presentato)|"
    r"ha (?:firmato|ricevuto|avviato|registrato|chiuso|acquisito|mostrato|ottenuto)|"
    r"sono stat\w+|è stat\w+|diminuit\w*|ridott\w*|cresciut\w*|in crescita|licenza|"
    r"results?|outcomes?|signed|agreements?|deals?|meetings|contacts|held|took part|"
    r"recorded|reduced|achieved|selected|attracted|grew|memorandum)\b", re.I)
_CALL_WORDS = re.compile(
    r"\b(?:scadenz\w*|entro (?:le ore |il |venerdì |lunedì |martedì |mercoledì |giovedì )?\d|"
    r"candidatur\w*|candidarsi|domand\w+|requisit\w*|possono (?:partecipare|presentare)|"
    r"può presentare|deve coinvolgere|devono|in regola con|ammissibil\w*|dotazione|"
    r"contributo|cofinanzi\w*|copre|modulo|"
    r"piattaforma|mette a disposizione|è aperto|sono aperte|a fondo perduto|criteri|"
    r"si presenta\w*|otterrà|riceverà|sarà comunicat\w*|saranno valutat\w*|"
    r"graduatoria (?:è attesa|sarà)|quota "
    r"di partecipazione|posti disponibili|riservat[io] a|deadline|apply|applications? "
    r"(?:must|open|close)|eligib\w*|must be submitted|grant|will be selected|shortlisted)\b",
    re.I)
_EVENT_WORDS = re.compile(
    r"\b(?:programma|sessione|sessioni|interverr\w*|intervengono|saluti|si terrà|si apriranno|"
    r"presenterann\w*|parlerà|racconteranno|registrazione|iscrizion\w*|gratuita|posti in sala|"
    r"aula magna|ore \d|alle \d|dalle \d|will take place|programme|session|registration)\b",
    re.I)
# the future, plans and expectations: what a call or an announcement says
_FUTURE = re.compile(r"\b\w+(?:erà|irà|ranno|remo|rete)\b|\b(?:will|obiettiv\w*|previst\w*|"
                     r"attes[io]|dovrebbe|dovranno|expected|aims?)\b", re.I)
# a number with what it counts: "78 incontri", "nine member companies", "210 qualified"
COUNTED = re.compile(
    r"(?<![\w.,-])(?:\d{1,3}(?:[.,]\d{3})*|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|"
    r"undici|dodici|venti|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s(?:[a-zà-ÿ]+\s)?(?:incontri|partecipanti|soci|delegati|iscritti|presenze|progetti|"
    r"proposte|domande|candidature|pazienti|startup|imprese|organizzazioni|persone|contatti|"
    r"accordi|lettere|diagnosi|esomi|borse|meetings|members?|companies|contacts|guests|deals|"
    r"agreements|patients|organisations|distributors|buyers|startups|delegates)\b", re.I)
_MONEY_OR_SHARE = re.compile(r"\d\s?%|\b\d[\d.,]*\s(?:milion\w*|million|euro)\b|€\s?\d")
# a number with a unit or a measure: "24 mesi", "sei mesi", "7,8 su 10", "12 milioni", or
# a count stated last ("i posti sono dieci")
_NUMBER_WORD = (r"(?:due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|venti|"
                r"trenta|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty)")
_MEASURE = re.compile(
    rf"\b(?:sono|erano|are|were)\s{_NUMBER_WORD}\b|"  # "i posti disponibili sono dieci"
    rf"(?<![\w.,-])(?:\d[\d.,]*|{_NUMBER_WORD})\s(?:mesi|anni|giorni|settimane|ore|posti|punti|metri|"
    r"metri quadrati|chilometri|su \d+|months|years|days|weeks|hours|places|points|"
    r"square metres|km|mila|miliard\w*|billion)\b", re.I)
_DATE = re.compile(
    r"\b\d{1,2}(?:°)?\s(?:gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|"
    r"settembre|ottobre|novembre|dicembre|january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b", re.I)


def detect(topic: str) -> Intent:
    """The topic's intent from its cue words; ``profile`` when none is present."""
    text = " " + fold(topic).replace("’", "'") + " "
    words = re.findall(r"[\w']+", text)
    for intent, cues in _TOPIC_CUES:
        for cue in cues:
            if (" " in cue and cue in text) or any(w.startswith(cue) for w in words):
                return intent
    return "profile"


def counted(text: str) -> int:
    """How many "number with what it counts" phrases ``text`` has."""
    return len(COUNTED.findall(text))


def has_figure(text: str, dates: bool = False) -> bool:
    """Whether ``text`` states a figure: a number with what it counts, an amount, a
    share or a measure (and, with ``dates``, a day of a month: for calls and events
    a date is the figure that matters)."""
    return bool(COUNTED.search(text) or _MONEY_OR_SHARE.search(text)
                or _MEASURE.search(text) or (dates and _DATE.search(text)))


def fit(intent: Intent, text: str) -> float:
    """How well a sentence answers ``intent``, about -1 (the opposite) to 1."""
    results = len(_RESULT_WORDS.findall(text)) + counted(text)
    call = len(_CALL_WORDS.findall(text))
    event = len(_EVENT_WORDS.findall(text))
    future = len(_FUTURE.findall(text))
    outcome_words = results - counted(text)
    if intent == "results":
        raw = results - 1.5 * call - 0.5 * event - 0.75 * future
    elif intent == "call":
        raw = (call + 0.5 * bool(_MONEY_OR_SHARE.search(text)) + 0.25 * future
               - outcome_words)
    elif intent == "event":
        raw = event + 0.5 * call + 0.5 * future - outcome_words
    else:
        raw = 0.5 * counted(text) + 0.25 * bool(_MONEY_OR_SHARE.search(text))
    return max(-1.0, min(1.0, raw / 3))


def informative(text: str) -> float:
    """How much a sentence tells, 0-1: counted nouns, amounts, names."""
    names = len(re.findall(r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Þ][\w-]{2,}", text))
    score = 0.35 * min(counted(text), 2) + 0.2 * bool(_MONEY_OR_SHARE.search(text))
    return min(1.0, score + 0.05 * min(names, 3))
