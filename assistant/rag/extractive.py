"""Sentences of the retrieved passages as quotable answers, each cited.

No model generates text here, so nothing can be invented: every sentence of an
answer is a sentence of a source, followed by the number of that source. This
module holds what the answerer and the drafts share: which sentences may be
quoted, a lexical sentence score (stemmed, IDF-weighted overlap with the question,
the passage's retrieval score and position; drafts rank with it), the near-miss
checks (a quantity asked and none quoted, another year, names the passages never
mention) and the composition of cited text. The answerer's own sentence choice is
the fitted model of :mod:`assistant.rag.selection`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from assistant.models import RetrievedChunk
from assistant.text import ENGLISH_FUNCTION_WORDS, analyze, fold, sentence_spans, words

# words of a question that say what kind of answer is wanted, not what it is about
QUESTION_TERMS = frozenset(analyze(
    "quale quali qual chi cosa come quando dove perché quanto quanti quante elenca dimmi "
    "parlami descrivi spiega sai puoi vorrei sapere informazioni notizie "
    "soci socio membri associati occupano occupa lavorano lavora operano opera attivi attive "
    "ammonta ammontano ammontare cluster",
    "it")) | frozenset(analyze(
    "which what who how when where why much many list tell describe explain know "
    "information news about members member work works working active involved cluster "
    "did does do done has have had was were is are been being",
    "en"))
_EN_STOP = ENGLISH_FUNCTION_WORDS | {"results", "result"}
_FIELD_LINE = re.compile(r"^[A-Z][\w ]{2,20}:\s")
# sentences addressed to an assistant are never quoted (indirect prompt injection)
_INSTRUCTION = re.compile(
    r"\b(ignora|ignorate|dimentica|ignore|disregard|forget)\b.{0,40}\b(istruzion\w*|regol\w*|"
    r"prompt|instructions?|rules?)\b|\b(system prompt|prompt di sistema)\b|"
    r"\b(rispondi|scrivi|write|respond|reply|answer|say|print|output)\b.{0,30}"
    r"\b(solo|soltanto|only|sempre|always)\b|\b(assistente|assistant|AI|IA|LLM|chatbot)\b.{0,40}"
    r"\b(deve|devi|must|should|shall)\b", re.IGNORECASE)


@dataclass
class Candidate:
    source: int  # index into the retrieved chunks
    start: int  # offset in the document
    text: str
    score: float
    terms: set[str]
    overlap: float = 0.0  # IDF-weighted share of the question's terms in the sentence
    qterms: dict[str, float] | None = None  # question term -> IDF weight (shared)


def question_terms(question: str, lang: str) -> list[str]:
    """Stemmed content terms of the question, without question words."""
    if lang == "en":
        question = " ".join(w for w in words(question) if fold(w) not in _EN_STOP)
    terms = analyze(question, lang)
    if lang != "it":  # Italian stems of the non-stopwords: matches Italian passages too
        terms += analyze(" ".join(w for w in words(question)
                                  if fold(w) not in _EN_STOP), "it")
    return [t for t in dict.fromkeys(terms) if t not in QUESTION_TERMS]


def _idf(terms: list[str], chunks: list[RetrievedChunk]) -> dict[str, float]:
    # fallback when no corpus IDF is given: IDF within the retrieved set
    docs = [set(analyze(c.text, c.metadata.get("lang", "it"))) for c in chunks]
    n = len(docs) or 1
    return {t: math.log(1 + n / (1 + sum(t in d for d in docs))) + 0.2 for t in terms}


def _attribute_terms(question: str, lang: str) -> set[str]:
    # lowercase content words name what is asked ("scadenza", "sede"); capitalised
    # words and numbers name the subject, which the passage's title often gives
    lower = " ".join(w for w in words(question) if w[:1].islower())
    return set(analyze(lower, lang)) | (set(analyze(lower, "it")) if lang != "it" else set())


# Italian and English month abbreviations ("mar" also starts "marzo" and "March")
MONTHS = r"gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic|jan|may|jun|jul|aug|sep|oct|dec"
# a year on its own, not inside a code ("PB-2024") or a longer number
_YEAR = r"(?<![\w-])(?:19|20)\d\d(?![\w-])"

_CUES: list[tuple[re.Pattern[str], re.Pattern[str], float]] = [
    # (question asks for..., a sentence that has it, bonus)
    (re.compile(r"\b(quant[oiae]|how (many|much)|numero|importo|dotazione|budget|costo|"
                r"percentuale)\b", re.I), re.compile(r"\d"), 0.12),
    (re.compile(r"\b(quando|when|scadenza|scade|deadline|entro|data|date)\b", re.I),
     re.compile(rf"\b(\d{{1,2}}\s+({MONTHS})\w*|({MONTHS})\w*\s+\d{{4}}|\d{{1,2}}/\d{{1,2}})\b",
                re.I), 0.12),
    (re.compile(r"\b(chi|who|whom)\b", re.I),
     re.compile(r"\b[A-ZÀ-Þ][a-zà-ÿ]+ [A-ZÀ-Þ][a-zà-ÿ]+"), 0.06),
    (re.compile(r"\b(dove|where)\b", re.I),
     re.compile(r"\b(a|in|presso|at|to) [A-ZÀ-Þ]"), 0.06),
]


def _cue_bonus(question: str, sentence: str) -> float:
    return sum(b for q, pat, b in _CUES if q.search(question) and pat.search(sentence))


def quotable(text: str, title: str) -> bool:
    """A statement that may be quoted: not a heading, a label ("Programma:"), a bare
    name or table rule, nor a sentence addressed to an assistant."""
    if len(text) < 25 or text.startswith("#") or _INSTRUCTION.search(text):
        return False
    if text.endswith(":") and len(text) < 80:
        return False
    return not (text == title or re.fullmatch(r"[|\s:-]+", text))


def candidates(question: str, lang: str, chunks: list[RetrievedChunk],
               idf_of: Callable[[str], float] | None = None) -> list[Candidate]:
    """Every sentence of the retrieved chunks, scored against the question.

    A sentence is credited with the question terms of its chunk's title and
    section too (they are its context: "La scadenza è il 15 aprile" answers a
    question about the call named in the title), so sentences are told apart by
    the terms the title does not already give, plus answer-type cues.
    """
    q = question_terms(question, lang)
    idf = {t: idf_of(t) for t in q} if idf_of else _idf(q, chunks)
    total = sum(idf.values()) or 1.0
    attr = _attribute_terms(question, lang)
    focus = {t: w * (2.0 if t in attr else 1.0) for t, w in idf.items()}
    ftotal = sum(focus.values()) or 1.0
    top = max((c.score for c in chunks), default=1.0) or 1.0
    out: list[Candidate] = []
    for i, c in enumerate(chunks):
        clang = c.metadata.get("lang", "it")
        context = set(analyze(f"{c.title} {c.metadata.get('section', '')}", clang))
        for pos, (s, e) in enumerate(sentence_spans(c.text)):
            text = c.text[s:e].strip()
            if not quotable(text, c.title):
                continue
            terms = set(analyze(text, clang))
            overlap = sum(idf[t] for t in q if t in terms or t in context) / total
            own = sum(focus[t] for t in q if t in terms) / ftotal
            score = (0.35 * overlap + 0.3 * own + 0.2 * (c.score / top)
                     + 0.04 * (1.0 / (1 + pos)) + 0.04 * (clang == lang)
                     + _cue_bonus(question, text))
            out.append(Candidate(i, c.start + s, text, score, terms | context, overlap, idf))
    return out


_QUANTITY_Q = re.compile(r"\b(quant[oiae]|how (many|much)|a quanto ammont\w*|numero di|"
                         r"number of)\b", re.I)
# a question about a length of time: a span ("tre anni", "ultimi decenni") or a date
# answers it ("dal 1957"), not any number ("350 sperimentazioni")
ASKS_DURATION = re.compile(r"\b(quanto tempo|da quanto|quanti anni|quanto (?:[eè] )?dur\w*|"
                           r"quanto recent\w*|how long|how recent\w*|since when)\b", re.I)
_TIME_UNIT = (r"(?:anni|anno|mesi|mese|settiman[ae]|giorni|giorno|ore|ora|minuti|decenni|"
              r"secoli|secolo|years?|months?|weeks?|days?|hours?|minutes?|decades?|"
              r"centur(?:y|ies))\b")
# Italian number words are built from these pieces ("trecento", "quattromila",
# "ventotto", "diciassette"); English ones are listed whole
_IT_NUMERAL_PART = (
    "uno|due|tre|tré|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|"
    "quattordici|quindici|sedici|diciassette|diciotto|diciannove|venti?|trenta?|"
    "quaranta?|cinquanta?|sessanta?|settanta?|ottanta?|novanta?|cento|mille|mila")
_EN_NUMERAL = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    "ninety|hundreds?|thousands?|millions?|billions?|dozens?")
# a standalone number or range ("8-15", not part of a code like "PB-214" or "B2B"), a
# number word (not "uno" / "una" alone: an article; not "nessuno": mostly "nobody"), zero,
# or a multiple ("il doppio", "half")
NUMBER = re.compile(
    r"(?<![\w-])\d[\d.,]*(?:[-–]\d[\d.,]*)?(?![\w-])|"
    rf"\b(?!un[oa]\b)(?:{_IT_NUMERAL_PART})+\b|\b(?:{_EN_NUMERAL})\b|"
    r"\b((?:vent|trent|quarant|cinquant|sessant|settant|ottant|novant)in[ae]|"
    r"dozzin\w*|decin\w*|centinai\w*|migliai\w*|milion\w*|miliard\w*|zero|"
    r"doppi[oa]|tripl[oa]|quadrupl[oa]|metà|twice|double|triple|half)\b", re.I)
# a question that asks for a time of day, and what answers it
ASKS_TIME = re.compile(r"\b(a che ora|che ora|a quale ora|what time|at what time)\b", re.I)
TIME_OF_DAY = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\bore\s+\d{1,2}\b|\b\d{1,2}\s*(?:am|pm)\b",
                         re.I)
_YEAR_RE = re.compile(_YEAR)
# a length of time: a number, or a word of amount, before a unit ("quasi trecento anni",
# "negli ultimi decenni", "migliaia di anni", "18 months"), or a decade ("anni Sessanta")
TIME_SPAN = re.compile(rf"(?:{NUMBER.pattern}|\b(?:pochi|poche|alcuni|alcune|molti|molte|"
                        rf"diversi|diverse|ultimi|ultime|qualche|few|several|many|last))"
                        rf"\s+(?:di\s+|of\s+)?{_TIME_UNIT}|"
                        r"\banni\s+(?:venti|trenta|quaranta|cinquanta|sessanta|settanta|ottanta|"
                        r"novanta|'?[2-9]0)\b", re.I)
_DATE_OR_YEAR = re.compile(  # a year range ("2024-2026", "2013-14") is a date too
    r"(?<![\w-])(?:19|20)\d\d[-–](?:19|20)?\d\d(?![\w-])|"
    rf"{_YEAR}|\b\d{{1,2}}\s+({MONTHS})\w*|\b({MONTHS})\w*\s+\d{{1,2}}\b", re.I)


def lacks_quantity(question: str, chosen: list[Candidate]) -> bool:
    """A "how many / how much" question whose chosen sentences state no quantity.

    Such sentences are near-misses ("the survey will be launched", "the call closes
    on 15 April"): quoting them would pass a related fact off as the answer. Years,
    dates and numbers already in the question do not count as an answer. A question
    on a length of time needs a span or a date ("da quanto tempo…?": "dal 1957").
    """
    if not _QUANTITY_Q.search(question):
        return False
    if ASKS_DURATION.search(question):
        return not any(_DATE_OR_YEAR.search(c.text) or TIME_SPAN.search(c.text)
                       for c in chosen)
    asked = {m.group().lower() for m in NUMBER.finditer(question)}
    for c in chosen:
        rest = _DATE_OR_YEAR.sub(" ", c.text)
        if any(m.group().lower() not in asked for m in NUMBER.finditer(rest)):
            return False
    return True


def about_other_years(question: str, chosen: list[Candidate],
                      chunks: list[RetrievedChunk]) -> bool:
    """The question names a year and every chosen sentence is about other years.

    "Il bilancio preventivo 2026" answered with "il bilancio preventivo 2024 è di
    1,9 milioni" is a near-miss, not an answer. A sentence without a year, or in a
    passage whose title names the question's year, is not judged.
    """
    asked = set(_YEAR_RE.findall(question))
    if not asked or not chosen:
        return False
    for c in chosen:
        years = set(_YEAR_RE.findall(c.text))
        if not years or years & asked or asked & set(_YEAR_RE.findall(chunks[c.source].title)):
            return False
    return True


def jaccard(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    """Shared share of two term sets (near-duplicate sentences score high)."""
    return len(a & b) / len(a | b) if a and b else 0.0


def compose(chosen: list[Candidate], chunks: list[RetrievedChunk]) -> str:
    """Sentences with ``[n]`` markers (n = 1-based index into ``chunks``)."""
    parts = []
    for c in chosen:
        chunk = chunks[c.source]
        text = _tidy(c.text)
        name = chunk.metadata.get("name") or chunk.title
        if chunk.doc_type == "member" and name and name.lower() not in text.lower():
            text = f"{name}: {text[0].lower() + text[1:] if _FIELD_LINE.match(text) else text}"
        parts.append(f"{text} [{c.source + 1}]")
    return " ".join(parts)


def _tidy(text: str) -> str:
    if text.startswith("|"):  # a Markdown table row reads as "cell: cell, cell"
        cells = [c.strip() for c in text.strip("|").split("|") if c.strip()]
        text = f"{cells[0]}: {', '.join(cells[1:])}" if len(cells) > 1 else " ".join(cells)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip("-*• ").strip()
    return text if text[-1:] in ".!?:;…" else text + "."
