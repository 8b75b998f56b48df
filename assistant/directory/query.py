"""Rule-based understanding of directory questions ("quali soci ...", "how many ...").

A question is a directory question only when it asks to list or count members
AND every content word in it is explained: an intent word, a member noun, a
kind, a place, a sector, a founding-year or size condition, or a generic word
("si occupano", "based in"). One unexplained word ("... hanno partecipato alla
missione a Osaka?") means the question is about something else, and it goes to
normal retrieval: being unsure is never a reason to answer from the directory.
Unknown sector words may still be mapped by embeddings (``SectorMatcher``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN
from pydantic import BaseModel, Field

from assistant.directory.numbers import normalise_numbers
from assistant.directory.table import MemberFilter
from assistant.directory.vocab import CITY_FORMS, KIND_FORMS, PLACE_FORMS, SECTOR_FORMS, forms_index
from assistant.text import detect_language, fold, words

Intent = Literal["list", "count"]
SectorMatch = Callable[[str, Sequence[str]], "str | None"]

_COUNT = re.compile(r"\b(quant[ie]|how many|number of|numero (?:di|dei|degli|delle)|count)\b")
_LIST = re.compile(r"\b(qual[ie]?|elenc\w*|lista|list|which|what|chi|mostra\w*|show|dimmi|"
                   r"tell me|ci sono|c'e|are there|is there|give me|dammi|who|find|trova\w*|"
                   r"cerca\w*|^che|fammi vedere|fatemi vedere|abbiamo|avete|mi servono|"
                   r"mi serve|vorrei vedere|indica\w*|do we have|do you have)\b")
# words that name an event, a call or a project: the question is about an article,
# whatever else it says ("quali aziende hanno partecipato alla missione a Boston?")
_EVENT = re.compile(r"\b(partecip\w*|preso parte|took part|attend\w*|mission\w*|forum|band[oi]|"
                    r"progett\w*|project\w*|studio|study|event[oi]?|events?|fier[ae]|expo|"
                    r"vint[oiae]|vinc\w*|won|winners?|espost\w*|exhibit\w*|firmat\w*|signed|"
                    r"nuov[ie]|new|ottenut\w*|finanziat\w*|funded|premiat\w*|"
                    r"selezionat\w*|selected|workshop|webinar|summit|delegazion\w*|"
                    r"delegations?|stand|accord[oi]|agreements?|candidat\w*|hackathon|"
                    r"graduatori\w*|indagine|survey|entrat[ie]|joined|aderito|consiglio|"
                    r"academy|day|round|licenz\w*|premio|award\w*)\b")
# "quali di questi ...": about the previous answer's list, not the whole directory
ANAPHORA = re.compile(r"\b(di questi|di queste|tra questi|tra queste|fra questi|fra queste|"
                      r"questi|queste|di loro|tra loro|fra loro|of these|of those|of them|"
                      r"among them|among these|these|those|they)\b")
_WHO = re.compile(r"\b(chi|who)\b")
_NEGATION = re.compile(r"\b(non|not|no|tranne|eccetto|esclus[eio]|except|excluding|without|"
                       r"senza|other than)\b")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MEMBER_NOUNS = _set(
    "soci socio socie socia associati associate membri membro aderenti iscritti enti ente "
    "organizzazioni organizzazione realta istituzioni members member organisations "
    "organizations organisation organization entities institutions")
_GENERIC = _set(
    "cluster vitalia nostro nostri nostre occupano occupa occupi lavorano lavora operano opera "
    "operanti attivi attive attivo attiva impegnati impegnate specializzati specializzate "
    "specializzato specializzata sede sedi basati basate basato basata situati situate "
    "localizzati localizzate presenti presente trovano trova stati state stata stato settore "
    "settori ambito ambiti campo campi area aree regione regioni citta provincia territorio "
    "fanno parte appartengono appartenenti elenca elencami elenco lista mostrami mostra dimmi "
    "dammi qual quali quale quanti quante chi numero conta totale complessivamente attualmente "
    "oggi ora momento sai puoi potresti vorrei sapere favore grazie tipo tipi categoria ecco cosa "
    "which what who how many number list show tell give find name names me any all there "
    "based located headquartered working work works active operating operate operates involved "
    "focused focus focusing specialised specialized specializing specialising field fields "
    "sector sectors region regions city part belong belonging do does have has total overall "
    "currently please can you could would like know us from our are were is "
    # verbs, politeness and filler that carry no condition
    "aderiscono aderisce aderenti fanno fa fare hanno ha abbiamo avete hai sono e c ce vedere "
    "fammi fatemi mi servono serve servirebbe cerco cerca voglio vorrei curioso curiosa "
    "interessa interessano elencami mostrarmi indicami indicare dirmi sapere conoscere "
    "rete network tutti tutte tutto ogni esistono esiste risultano risulta figurano "
    "lavorare occuparsi occupano trattano tratta quali chi riguardano nati deal deals dealing "
    "see need want get have we you any do does associati aderiscono sedi hanno ecco "
    "italia italiani italiane italy italian presso vitalia's")
_IGNORED = _GENERIC | _MEMBER_NOUNS | {fold(w) for w in (*STOPWORDS_ITALIAN, *STOPWORDS_EN)}
_EN_WORDS = _set("which what who how many list show members member companies company "
                      "universities hospitals foundations associations institutes founded "
                      "employees based located working work are there tell give")
_FOUNDED = re.compile(r"\b(anno di fondazione|fondat[ieoa]|nat[ieoa]|costituit[ieoa]|"
                      r"creat[ieoa]|founded|established|created|set up)\b")
_YEAR_RULES: tuple[tuple[re.Pattern[str], Callable[[int, int], tuple[int | None, int | None]]],
                   ...] = (
    (re.compile(r"\b(?:tra|fra|between) (?:il |l')?(\d{4}) (?:e|and) (?:il |l')?(\d{4})\b"),
     lambda a, b: (min(a, b) - 1, max(a, b) + 1)),
    (re.compile(r"\b(?:negli ultimi|in the last|in the past|over the last) (\d{1,3}) "
                r"(?:anni|years)\b"), lambda n, _: (dt.date.today().year - n - 1, None)),
    (re.compile(r"\b(?:dopo(?: il)?|successivamente al|after|later than)\s+(\d{4})\b"),
     lambda y, _: (y, None)),
    (re.compile(r"\b(?:dal|a partire dal|since|from|in or after)\s+(\d{4})"
                r"(?: in poi| in avanti| onwards| or later)?\b"),
     lambda y, _: (y - 1, None)),
    (re.compile(r"\b(?:prima del|prima dell'|before|earlier than|prior to)\s+(\d{4})\b"),
     lambda y, _: (None, y)),
    (re.compile(r"\b(?:entro il|fino al|until|up to|by)\s+(\d{4})\b"), lambda y, _: (None, y + 1)),
    (re.compile(r"\b(?:nel|in|during|del)\s+(\d{4})\b"), lambda y, _: (y - 1, y + 1)),
)
_NUM = r"(\d{1,3}(?:[.,]\d{3})+|\d+)"
_UNIT = r"(?:dipendenti|addetti|lavoratori|persone|employees|staff|people|workers)"
_SIZE_RULES: tuple[tuple[re.Pattern[str], Callable[[int, int], tuple[int | None, int | None]]],
                   ...] = (
    (re.compile(rf"\b(?:tra|fra|between) {_NUM} (?:e|and) {_NUM} {_UNIT}"),
     lambda a, b: (a - 1, b + 1)),
    (re.compile(rf"\b(?:piu di|oltre|sopra i|more than|over|above)\s+{_NUM}\s+{_UNIT}"),
     lambda n, _: (n, None)),
    (re.compile(rf"\b(?:almeno|at least|minimo)\s+{_NUM}\s+{_UNIT}"), lambda n, _: (n - 1, None)),
    (re.compile(rf"\b(?:meno di|sotto i|less than|fewer than|under|below)\s+{_NUM}\s+{_UNIT}"),
     lambda n, _: (None, n)),
    (re.compile(rf"\b(?:al massimo|fino a|at most|up to)\s+{_NUM}\s+{_UNIT}"),
     lambda n, _: (None, n + 1)),
)
_KINDS = forms_index(KIND_FORMS)
_PLACES = forms_index(PLACE_FORMS)
_ANY = re.compile(r"\b(o|od|oppure|or|either|ovvero)\b")
# "lavorano con l'Università di Trento" is about a relation, not about a field
_RELATION = re.compile(r"\b(lavora\w*|collabor\w*|work\w*|partner\w*) (con|with|insieme)\b")
MAX_FUZZY_WORDS = 2  # sector names are one or two words; longer means another topic


class DirectoryQuery(BaseModel):
    """A recognised directory question: what to return and for which members."""

    intent: Intent
    filter: MemberFilter = Field(default_factory=MemberFilter)
    lang: str = "it"
    source: Literal["rules", "llm"] = "rules"
    fuzzy: bool = Field(default=False,
                        description="A sector came from embeddings, not the vocabulary.")
    guessed: str | None = Field(default=None,
                                description="The words read as that sector by embeddings.")


@dataclass
class _Scan:
    """The folded question with explained spans blanked out as they are recognised."""

    text: str
    sectors: list[tuple[int, str]] = field(default_factory=list)

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = list(pattern.finditer(self.text))
        for m in found:
            self.text = self.text[:m.start()] + " " * (m.end() - m.start()) + self.text[m.end():]
        return found

    def forms(self, pairs: list[tuple[str, str]]) -> list[tuple[int, str]]:
        hits: list[tuple[int, str]] = []
        for form, value in pairs:
            for m in self.take(re.compile(rf"(?<![\w-]){re.escape(form)}(?![\w-])")):
                hits.append((m.start(), value))
        return sorted(hits)


def normalise(question: str) -> str:
    """Folded, one space between words, typographic quotes unified."""
    text = fold(question).replace("\u2019", "'").replace("`", "'")
    return normalise_numbers(re.sub(r"\s+", " ", text).strip())


def _bounds(scan: _Scan, rules: tuple[tuple[re.Pattern[str], Callable[[int, int], tuple[
        int | None, int | None]]], ...]) -> tuple[int | None, int | None] | None:
    low: int | None = None
    high: int | None = None
    for pattern, fn in rules:
        for m in scan.take(pattern):
            nums = [int(re.sub(r"[.,]", "", g)) for g in m.groups()]
            lo, hi = fn(nums[0], nums[1] if len(nums) > 1 else 0)
            low = lo if lo is not None else low
            high = hi if hi is not None else high
    return None if low is None and high is None else (low, high)


def _sector_mode(question: str, sectors: list[tuple[int, str]]) -> Literal["any", "all"]:
    """"X o Y" asks for either, "X e Y" / "sia X sia Y" for both."""
    if len({s for _, s in sectors}) < 2:
        return "any"
    for (a, _), (b, _) in zip(sectors, sectors[1:], strict=False):
        if _ANY.search(question[a:b]):
            return "any"
    return "all"


def _leftover(scan: _Scan) -> list[str]:
    return [w for w in (fold(x) for x in words(scan.text))
            if w not in _IGNORED and not w.isdigit()]


def _names(question: str) -> set[str]:
    """Folded capitalised words after the first one: proper names ("Osaka", "MEDICA")."""
    toks = words(question)
    return {fold(w) for w in toks[1:] if w[:1].isupper()}


def _values(scan: _Scan, pairs: list[tuple[str, str]]) -> list[str]:
    return list(dict.fromkeys(v for _, v in scan.forms(pairs)))


def _fields(scan: _Scan, sectors: Sequence[str], cities: Sequence[str]) -> dict[str, Any] | None:
    """Everything but sectors, blanked out of ``scan``; None for a year without "founded"
    (or the reverse): "nel 2024" is about something else."""
    founded_verb = bool(scan.take(_FOUNDED))
    years = _bounds(scan, _YEAR_RULES)
    if founded_verb != (years is not None):
        return None
    size = _bounds(scan, _SIZE_RULES)
    fields: dict[str, Any] = {
        "kinds": _values(scan, _KINDS), "places": _values(scan, _PLACES),
        "cities": _values(scan, forms_index({c: CITY_FORMS.get(c, ()) for c in cities}))}
    scan.sectors = scan.forms(forms_index({s: SECTOR_FORMS.get(s, ()) for s in sectors}))
    if years:
        fields.update(founded_after=years[0], founded_before=years[1])
    if size:
        fields.update(employees_over=size[0], employees_under=size[1])
    return fields


def parse(question: str, sectors: Sequence[str], cities: Sequence[str],
          match_sector: SectorMatch | None = None) -> DirectoryQuery | None:
    """The directory query behind ``question``, or None when it is not (surely) one.

    ``sectors`` and ``cities`` are the values of the visible profiles; ``match_sector``
    maps an unknown phrase to one of ``sectors`` (embeddings) or returns None.
    """
    text = normalise(question)
    # no question word ("Soci lombardi che fanno diagnostica") still asks for a list
    intent: Intent = "count" if _COUNT.search(text) else "list"
    if _NEGATION.search(text) or _RELATION.search(text) or ANAPHORA.search(text):
        return None
    scan = _Scan(text)
    scan.take(_COUNT)
    scan.take(_LIST)  # "elenchi", "mostrami": the intent words are explained
    fields = _fields(scan, sectors, cities)
    if fields is None:
        return None
    nouns = any(w in _MEMBER_NOUNS for w in words(scan.text))
    if _EVENT.search(scan.text):
        return None
    rest = _leftover(scan)
    if set(rest) & (_names(question) - {"vitalia"}):
        return None  # an unknown proper name: the question is about that
    if rest:
        sector = (match_sector(" ".join(rest), sectors)
                  if match_sector and len(rest) <= MAX_FUZZY_WORDS else None)
        if sector is None:
            return None
        scan.sectors.append((len(text), sector))
    flt = MemberFilter(**fields, sectors=list(dict.fromkeys(s for _, s in scan.sectors)),
                       sector_mode=_sector_mode(text, scan.sectors))
    # "chi si occupa di X?" names no member noun, but only members can answer it; not
    # when X is a guess ("chi ha scoperto la penicillina?" is no question on members)
    if not (nouns or flt.kinds or (_WHO.search(text) and not flt.is_empty() and not rest)):
        return None
    return DirectoryQuery(intent=intent, filter=flt, lang=language(question), fuzzy=bool(rest),
                          guessed=" ".join(rest) or None)


def language(question: str) -> str:
    """it/en; a question with no function words at all ("List medtech companies in
    Lombardy") is decided by directory words instead of defaulting to Italian."""
    hint = "en" if {w.lower() for w in words(question)} & _EN_WORDS else "it"
    return detect_language(question, default=hint)


def looks_like_directory(question: str) -> bool:
    """Cheap pre-check (no embeddings, no LLM): a member noun or a kind."""
    text = normalise(question)
    toks = set(words(text))
    return bool(toks & _MEMBER_NOUNS) or any(
        re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", text) for f, _ in _KINDS)
