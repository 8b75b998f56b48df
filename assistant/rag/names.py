"""Names and years of a question, and whether the retrieved passages mention them.

A question about "la missione in India" or "il bando 2028", answered from passages
about other missions and other years, is a near miss however similar the passages
are: the content does not answer. So a name counts as mentioned only if a passage
writes it, in any of the forms a reader would recognise:

- the same word or stem ("Trentino" / "trentina"), or a typo of it;
- its English or Italian form ("Lombardy" / "Lombardia", "GDP" / "PIL", "Biotechnology"
  / "biotecnologie");
- its acronym spelt out ("HIT" / "Hub Innovazione Trentino", "NYC" / "New York City").

A capitalised function word ("Chi" in a title translated word by word) is not a name,
nor is a Roman numeral ("il XVII secolo").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from assistant.models import RetrievedChunk
from assistant.rag.glossary import translations
from assistant.text import COGNATE_MIN, analyze, fold, is_cognate, is_stopword, words

_ENTITY = re.compile(r"(?<![\w'])(?:\d{4}|[A-ZÀ-Þ][\w-]{2,})(?![\w'])")
_ACRONYM = re.compile(r"[A-Z]{2,6}")
# a Roman numeral (a century, a king's number: "XVII secolo", "Luigi XIV") is no name:
# the content writes centuries in other ways ("seicentesca", "1600s")
_ROMAN = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})|X{1,3}(?:IX|IV|V?I{0,3})")
_ELIDED = re.compile(r"^\w+'")  # "L'Istituto": the acronym takes the I
# capitalised in English questions without being names ("by March 2026")
CALENDAR = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split())
# capitalised words that are not names (a question word opens a clause, a month a date)
NOT_NAMES = CALENDAR | frozenset(
    "what which who where when how quale quali chi dove quando come cosa quanto quanti "
    "quante".split())
MIN_TRANSLATED = 4  # letters of a translated stem matched as any word's opening ("mil"
# is too short: only the word "mil" itself counts)
# a run of capitalised words, function words allowed between them ("Istituto di Ricerca")
_CAPITALISED_RUN = re.compile(
    r"[A-ZÀ-Þ][\w'-]*(?:\s+(?:(?:di|del|della|dei|delle|degli|d'|e|of|the|and|for)\s+)?"
    r"[A-ZÀ-Þ][\w'-]*)+")


def missing_entities(question: str, lang: str, chunks: list[RetrievedChunk]) -> list[str]:
    """Names and years of the question that no retrieved passage mentions, when
    they are enough to say the passages are about something else.

    "La missione in India", "il bando 2028": when the passages talk about other
    missions and other years, the content does not answer, however similar it is.
    Decisive: at least half of the names missing, or every year missing. The
    first word is skipped (capitalised by position, not because it is a name).
    """
    names, years, missing = entity_presence(question, chunks, CALENDAR)
    decisive = (names and len(missing & names) * 2 >= len(names)) or (
        years and years <= missing)
    return sorted(missing) if decisive else []


def answered_elsewhere(question: str, chunks: Sequence[RetrievedChunk],
                       quoted: AbstractSet[str]) -> bool:
    """No name of the question is in the retrieved passages of the documents the
    answer quotes (``quoted``: their ids), while another retrieved passage names one:
    the answer would be about something else. "Quanto costa la missione a
    singapore?" answered with the Osaka mission's cost, from an article that never
    says "Singapore", is a near miss, not an answer. The caller spells the names typed
    in lower case as the content does (``Answerer.proper_nouns``)."""
    used = [c for c in chunks if c.doc_id in quoted]
    names, _, missing = entity_presence(question, used, NOT_NAMES)
    if not names or not names <= missing:
        return False
    _, _, missing_anywhere = entity_presence(question, chunks, NOT_NAMES)
    return not names <= missing_anywhere


def entity_presence(question: str, chunks: Sequence[RetrievedChunk],
                    skip: frozenset[str]) -> tuple[set[str], set[str], set[str]]:
    """(names, years, those of both absent from ``chunks``) of ``question``.

    Names are capitalised words after the first (capitalised by position) that are
    neither in ``skip`` nor function words; a name counts as present in any of the
    forms of the module's docstring.
    """
    body = " ".join(words(question)[1:])
    found = {m.group() for m in _ENTITY.finditer(body)
             if fold(m.group()) not in skip and not is_stopword(m.group())
             and not _ROMAN.fullmatch(m.group())}
    if not found:
        return set(), set(), set()
    have: set[str] = set()
    texts = [f"{c.title} {c.text}" for c in chunks]
    for text in texts:
        have |= {fold(w) for w in words(text)}
    acronyms: set[str] | None = None
    missing = set()
    for name in found:
        if fold(name) in have or _known_variant(name, have) or _translated(name, have):
            continue
        if _ACRONYM.fullmatch(name):
            acronyms = acronyms if acronyms is not None else spelt_acronyms(texts)
            if name in acronyms:
                continue
        missing.add(name)
    years = {n for n in found if n.isdigit()}
    return found - years, years, missing


def spelt_acronyms(texts: Sequence[str]) -> set[str]:
    """Every acronym that runs of capitalised words in ``texts`` spell: the initials
    of each stretch of two to six consecutive capitalised words, function words
    between them and elided articles left out ("Fondazione Hub Innovazione Trentino"
    gives FHIT, HIT, FHI, HI, IT…; "L'Istituto Marchigiano di Ricerca Gerontologica"
    gives IMRG…)."""
    out: set[str] = set()
    for text in texts:
        for run in _CAPITALISED_RUN.finditer(text):
            initials = [w[0] for w in (_ELIDED.sub("", w) for w in run.group().split())
                        if w[:1].isupper()]
            for i in range(len(initials)):
                for j in range(i + 2, min(i + 6, len(initials)) + 1):
                    out.add("".join(initials[i:j]))
    return out


def _translated(name: str, have: set[str]) -> bool:
    """The passages hold the name's translation in the glossary ("GDP" / "PIL")."""
    stems = {t for lang in ("en", "it") for s in analyze(name, lang) for t in translations(s)}
    return any(t in have or (len(t) >= MIN_TRANSLATED and any(w.startswith(t) for w in have))
               for t in stems)


def _known_variant(name: str, have: set[str]) -> bool:
    """A spelling of a name the passages use: the same stem ("Trentino" / "trentina",
    "Bologna" / "bolognese"), the same opening and one or two letters apart (a typo,
    or the English form of an Italian name: "Lombardy" / "lombardia", "Milan" /
    "milano", "Turin" / "torino"), or a cognate in the other language
    ("Biotechnology" / "biotecnologie", see :func:`assistant.text.is_cognate`)."""
    stem = analyze(name, "it")
    if stem and len(stem[0]) >= 4 and any(h.startswith(stem[0]) for h in have):
        return True
    folded = fold(name)
    if len(folded) < 4:
        return False
    limit = 1 if len(folded) < 6 else 2
    near = [h for h in have if h[:1] == folded[:1] and abs(len(h) - len(folded)) <= limit]
    if process.extractOne(folded, near, scorer=Levenshtein.distance,
                          score_cutoff=limit) is not None:
        return True
    return len(folded) >= COGNATE_MIN and any(is_cognate(folded, h) for h in have)
