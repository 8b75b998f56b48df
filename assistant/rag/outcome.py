"""Whether the content reports what a question asks, or only that it is to come.

Cluster news announce events, calls and studies long before they report how they
went. A question about the outcome ("com'è andata?", "quante proposte sono
arrivate?", "ha funzionato?") is not answered by the announcement, nor by a sentence
saying the outcome is not there yet ("non abbiamo ancora dati di efficacia"): the
answer then says so, quoting those sentences, instead of passing them off as the
answer (:mod:`assistant.rag.answer` marks such answers not grounded).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from assistant.rag.extractive import ASKS_TIME, MONTHS, TIME_OF_DAY, Candidate
from assistant.rag.features import FUTURE
from assistant.text import analyze, words

# an Italian future ("se ne parlerà", "assegneranno"): only verbs end in -rà / -ranno
_FUTURE_TENSE = re.compile(r"\b\w{2,}(?:rà|ranno)\b", re.I)
_CHANGE = (r"(arrivat|partit|nat|venut|uscit|tornat|entrat|cresciut|aumentat|diminuit|calat|"
           r"terminat|finit)\w*")
_PAST_FACT = re.compile(r"\b(ha|hanno|aveva|avevano|era|erano|fu|furono|sono stat[ie]|"
                        r"[eè] stat[oa]|si sono|si [eè]|were|was|has|have|had)\s+\w+|"
                        rf"\b(sono|[eè])\s+{_CHANGE}", re.I)
# a question about what happened: how it went, results, or a verb in a past tense
# (active "ha ricevuto", "hanno partecipato"; "sono arrivate" and the other verbs of
# change that take "essere"; English "were received", "has reached")
_PAST_QUESTION = re.compile(
    r"\b(com'?\s?[eè] andat\w*|[eè] andat\w*|sono andat\w*|chi ha vinto|ha vinto|hanno vinto|"
    r"[eè] stat[oa]|sono stat[ie]|si [eè] conclus\w*|risultat\w*|esito|how did|how was|"
    r"who won|did .{1,40}\b(win|go|end)|what (was|were) the (result|outcome)s?|"
    r"(ha|hanno)\s+(gi[àa]\s+)?\w{2,}(at|it|ut)[oaie]|"
    rf"(sono|[eè])\s+(gi[àa]\s+)?{_CHANGE}|"
    r"(were|was|has|have)\s+(already\s+)?\w+ed)\b", re.I)
# a sentence saying that something is not there yet ("non abbiamo ancora dati",
# "not yet available", "results are yet to come")
_NOT_YET = re.compile(r"\bnon\b(?:\s+\S+){0,3}?\s+ancora\b|\bnot\s+yet\b|\byet\s+to\b|"
                      r"\bancora\s+in\s+corso\b", re.I)
NOT_YET_SPAN = 5  # words after the marker that must name what is asked


def only_announces(question: str, chosen: Sequence[Candidate]) -> bool:
    """The question asks how something went, and every quoted sentence only announces
    it (future tense, calls, deadlines): the content does not hold the outcome yet."""
    if not chosen or not _PAST_QUESTION.search(question):
        return False
    return all((FUTURE.search(c.text) or _FUTURE_TENSE.search(c.text))
               and not _PAST_FACT.search(c.text) for c in chosen)


def says_not_yet(chosen: Sequence[Candidate], asked: Collection[str]) -> bool:
    """A quoted sentence says that what the question asks about is not there yet: a
    "not yet" whose next :data:`NOT_YET_SPAN` words hold one of the ``asked`` terms
    (the question's own lower-case content words, stemmed). "Non abbiamo ancora dati
    di efficacia" answers "ci sono i risultati di efficacia?" with a no; "non ha
    ancora concluso il follow-up" does not answer "quanti pazienti ha arruolato?"."""
    wanted = set(asked)
    for c in chosen:
        for m in _NOT_YET.finditer(c.text):
            after = " ".join(words(c.text[m.end():])[:NOT_YET_SPAN])
            if wanted & (set(analyze(after, "it")) | set(analyze(after, "en"))):
                return True
    return False


# a question that asks for a day, and what answers it (a time of day: extractive.py)
_ASKS_DAY = re.compile(r"\b(che giorno|quale giorno|in che data|in quale data|che data|"
                       r"what day|which day|what date|which date|on what date)\b", re.I)
_DAY = re.compile(rf"\b\d{{1,2}}\s*(?:°|º)?\s+(?:{MONTHS})|\b(?:{MONTHS})\w*\s+\d{{1,2}}\b|"
                  r"\b\d{1,2}[/.-]\d{1,2}\b|\b(luned|marted|mercoled|gioved|venerd|sabato|"
                  r"domenica|monday|tuesday|wednesday|thursday|friday|saturday|sunday)", re.I)


def lacks_detail(question: str, chosen: Sequence[Candidate]) -> bool:
    """The question asks for a day ("che giorno si fa il Forum 2027?") or a time of day,
    and no quoted sentence states one: "aprile 2027, Padova" names the month only, so
    the content does not answer yet."""
    text = " ".join(c.text for c in chosen)
    if _ASKS_DAY.search(question):
        return not _DAY.search(text)
    if ASKS_TIME.search(question):
        return not TIME_OF_DAY.search(text)
    return False
