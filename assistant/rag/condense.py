"""Turn a follow-up ("e in Trentino?", "chi l'ha organizzato?") into a standalone query.

With an LLM: a condense prompt. Offline: a deterministic rewrite that carries the
previous user turn's keywords and the names in the previous answer into the new
query, replacing a region or city when the follow-up names another one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from assistant.models import REGIONS
from assistant.rag.extractive import QUESTION_TERMS
from assistant.rag.llm import LLM, LLMError
from assistant.rag.prompts import CONDENSE_PROMPT
from assistant.text import analyze, detect_language, fold, is_common_word, words

# how a question names a region: the official names, and the halves of Trentino-Alto Adige
_REGION_NAMES = (*REGIONS, "Trentino", "Alto Adige")
_REGION_WORDS = {fold(w) for r in _REGION_NAMES for w in words(r)}
_ELLIPSIS = re.compile(r"^(e|ed|and|what about|how about|invece|anche|pure|ma|quindi|allora)\b",
                       re.IGNORECASE)
# pronouns, possessives and demonstratives that point back ("il suo accordo", "in
# quell'occasione", "la stessa fiera")
_PRONOUN = re.compile(r"\b(lo|la|li|le|ne|gli|esso|essa|loro|quello|quella|questo|questa|"
                      r"quelli|quel|quei|quegli|stess[oaie]|suo|sua|suoi|sue|"
                      r"it|its|they|them|their|that|this|those|these|he|she|him|her|there)"
                      r"(?!\w)|\b(?:l|quell)['’]", re.IGNORECASE)
# an elided question word opens a turn ("Com'è andata?", "Dov'era?"): read it whole,
# so that its stump is not carried as a word of the subject
_ELIDED = {"com": "come", "dov": "dove", "cos": "cosa", "quand": "quando", "qual": "quale",
           "quant": "quanto", "ch": "che"}
_ELISION = re.compile(r"\b(" + "|".join(_ELIDED) + r")['’]", re.IGNORECASE)

# "questi", "loro", "they": the previous answer's list, when it was one
_LIST_REF = re.compile(r"\b(questi|queste|di loro|tra loro|fra loro|loro|they|them|these|"
                       r"those)\b", re.IGNORECASE)
_CODE = re.compile(r"\b[A-Z]{2,}[\w]*-\d+\b|\b[A-Z]+-\d+[A-Z]*\b")
MAX_LIST_NAMES = 12
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NAME = re.compile(r"\b[A-ZÀ-Þ][\w'’-]+(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|di|del|della|de|per|e)){0,5}"
                   r"\s*(?:S\.p\.A\.|S\.r\.l\.)?")


def unelided(text: str) -> str:
    """``text`` with elided question words written out ("Com'è" -> "come è")."""
    return _ELISION.sub(lambda m: _ELIDED[m.group(1).lower()] + " ", text)


class Message(BaseModel):
    """One turn of a conversation."""

    role: str = Field(pattern="^(system|user|assistant)$")
    content: str


def is_followup(question: str) -> bool:
    """Short or anaphoric questions depend on the conversation."""
    content = analyze(question)
    q = question.strip()
    return len(content) <= 3 or bool(_ELLIPSIS.search(q) or _PRONOUN.search(q))


def rewrite(question: str, history: Sequence[Message], keep_question_words: bool = False) -> str:
    """Deterministic standalone query (offline mode). Question words of the previous
    turn ("quali", "soci") are noise for retrieval, but the member directory needs
    them to recognise a list question: ``keep_question_words`` carries them too."""
    prev_user = unelided(next((m.content for m in reversed(history) if m.role == "user"), ""))
    prev_bot = next((m.content for m in reversed(history) if m.role == "assistant"), "")
    if not prev_user or not is_followup(question):
        return question
    q_words = {fold(w) for w in words(question)}
    folded = fold(question)
    replaces_place = any(re.search(rf"(?<!\w){re.escape(fold(r))}(?!\w)", folded)
                         for r in _REGION_NAMES)  # "più alto" names no region
    plang = detect_language(prev_user, default="it")
    # a capitalised word inside the turn is part of a name ("Casa Attiva"), kept even
    # when it looks like a question word; the rest is read in the turn's language
    carried = [w for i, w in enumerate(words(prev_user))
               if fold(w) not in q_words and analyze(w, plang)
               and (keep_question_words or (i > 0 and w[:1].isupper())
                    or not set(analyze(w, plang)) <= QUESTION_TERMS)
               and not (replaces_place and fold(w) in _REGION_WORDS)]
    earlier = _earlier_subject(history) if not _own_names(prev_user) else []
    # the subject the user named ("il Silver Economy Summit") is surer than the names
    # of the answer, which may have quoted a neighbouring passage; the answer's names
    # count when the user named none, or when the follow-up points at its list
    listed = bool(_LIST_REF.search(question))
    subject = (_subject(question, prev_bot, replaces_place)
               if listed or not (_own_names(prev_user) or earlier) else [])
    extra = " ".join(dict.fromkeys(carried + earlier + subject))
    moved = shift_years(question, extra)
    head = without_relative_edition(question) if moved != extra else question.strip()
    return f"{head} {moved}".strip()


_ARTICLE = r"(?:\b(?:l|dell|nell|all|sull|dall)['’]|\b(?:la|della|nella|alla|sulla|dalla|the)\s+)?"
_EARLIER_EDITION = re.compile(
    _ARTICLE + r"\b(edizion[ei] precedent[ei]|anno precedente|anno prima|anno scorso|"
    r"previous (edition|year)|year before|last year|prior (edition|year))\b", re.I)
_LATER_EDITION = re.compile(
    _ARTICLE + r"\b(edizion[ei] successiv[ae]|prossima edizione|anno successivo|anno dopo|"
    r"next (edition|year)|following (edition|year)|year after)\b", re.I)


def without_relative_edition(question: str) -> str:
    """The question without "l'edizione precedente" / "the next edition": once the
    carried years are moved, those words are no longer what to match (a sentence
    comparing a figure with "l'edizione precedente" is not about that edition)."""
    cut = _LATER_EDITION.sub("", _EARLIER_EDITION.sub("", question))
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", cut)).strip()


def shift_years(question: str, carried: str) -> str:
    """The carried words with their years moved when the follow-up asks about the
    edition before or after ("E l'edizione precedente?" after the Forum 2025: the
    Forum 2024). Editions are yearly or every other year (the calls of 2024 and
    2026), so both are searched: "2024 2023". Without such words, or without a
    carried year, unchanged."""
    step = -1 if _EARLIER_EDITION.search(question) else (
        1 if _LATER_EDITION.search(question) else 0)
    if not step or _YEAR.search(question):
        return carried
    return _YEAR.sub(lambda m: f"{int(m.group()) + step} {int(m.group()) + 2 * step}", carried)


def _earlier_subject(history: Sequence[Message]) -> list[str]:
    """The names of the last user turn that had any, when the previous turn was itself
    a follow-up ("Qual è la scadenza?" after "Che cos'è il bando Ponti 2026?")."""
    for m in reversed([m for m in history if m.role == "user"][:-1]):
        names = [w for n in _own_names(m.content) for w in words(n)
                 if not set(analyze(w)) <= QUESTION_TERMS] + _YEAR.findall(m.content)
        if names:
            return names
    return []


def _own_names(question: str) -> list[str]:
    """Capitalised names and codes the follow-up itself gives (not its first word)."""
    return [m.group().strip() for m in _NAME.finditer(question) if m.start() > 0] + \
        _CODE.findall(question)


def answer_names(answer: str) -> list[str]:
    """The names and codes an answer mentions, in order, citation markers left out."""
    text = re.sub(r"\[\d+\]", "", answer)
    found = [n.strip() for n in _NAME.findall(text) if len(n.strip()) > 3
             and not set(analyze(n)) <= QUESTION_TERMS]  # "Sono", "Il" open a sentence
    return list(dict.fromkeys(found + _CODE.findall(text)))


def refers_to_list(question: str) -> bool:
    """"quali di questi", "which of them": the question is about a listed answer."""
    return bool(_LIST_REF.search(question))


def _subject(question: str, prev_bot: str, replaces_place: bool) -> list[str]:
    """Names and codes of the previous answer that the follow-up is about: all of them
    when it refers to a listed answer ("quali di questi ..."), else the first three when
    it has a pronoun or names no subject of its own ("Quanto costa?")."""
    if replaces_place or not prev_bot:
        return []
    names = answer_names(prev_bot)
    if _LIST_REF.search(question) and len(names) >= 3:
        return names[:MAX_LIST_NAMES]
    if _PRONOUN.search(question) or not _own_names(question):
        return names[:3]
    return []


def asked_with_subject(question: str, query: str, previous_answer: str | None = None) -> str:
    """What a rewritten follow-up asks, for choosing the answer sentence: the user's own
    words plus the subject carried from earlier turns, without what the earlier
    question asked.

    "Quanto contributo ha ricevuto?" after "Chi sono i partner del progetto VascuLab?"
    is searched with all of them (they find the document), but a sentence about the
    partners must not win for sharing "partner". A carried word stays when it names
    something (capitalised, with a digit, or not a common word of the language, like
    "vitalhome" typed in lower case) or when the previous answer repeats it: the
    answer restates the topic ("dodici borse di dottorato industriale"), not what was
    asked. Without a previous answer every carried word stays. A query that is not
    such a rewrite (no history, or an LLM's condensed question) is returned as it is.
    """
    question = question.strip()
    if not query.startswith(question):  # the edition words cut by the rewrite
        question = without_relative_edition(question)
    if previous_answer is None or query == question or not query.startswith(question):
        return query
    lang = detect_language(question, default=detect_language(query))
    topic = set(analyze(previous_answer, lang))
    carried = [w for w in words(query[len(question):])
               if w[:1].isupper() or any(ch.isdigit() for ch in w)
               or not is_common_word(w, lang) or set(analyze(w, lang)) & topic]
    return " ".join([question, *carried])


def condense(question: str, history: Sequence[Message], llm: LLM | None) -> str:
    """Standalone query: LLM condense when available, deterministic rewrite otherwise."""
    if not history or not any(m.role == "user" for m in history):
        return question
    if llm is None:
        return rewrite(question, history)
    transcript = "\n".join(f"{m.role}: {m.content[:1000]}" for m in history[-6:]
                           if m.role in ("user", "assistant"))
    try:
        out = llm.complete([{"role": "user", "content": CONDENSE_PROMPT.format(
            history=transcript, question=question)}], max_tokens=120).strip()
    except LLMError:
        return rewrite(question, history)
    return out.splitlines()[0].strip().strip('"') if out else rewrite(question, history)
