"""Regex extraction of people, organisations, figures and dates from passages.

Deliberately simple and precise rather than complete: a brief lists what a writer
will want to check, each item with the numbers of the sources it appears in. A
capitalised pair is a person only with a known first name or a role nearby
("la presidente Elena Marchetti", "Lukas Pescoller, amministratore delegato").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UP = r"A-ZÀ-ÖØ-Þ"
_LOW = r"a-zß-öø-ÿ"
_MONTHS_IT = ("gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|"
              "ottobre|novembre|dicembre")
_MONTHS_EN = ("January|February|March|April|May|June|July|August|September|October|"
              "November|December")
_FIRST_NAMES = _set("""
alberto alessandra alessandro alessia andrea angela anna antonio barbara beatrice carla carlo
caterina chiara claudia claudio cristina daniela daniele davide elena elisa emanuele enrico
fabio federica federico francesca francesco gabriele giacomo gianluca giorgio giovanna giovanni
giulia giulio giuseppe guido ilaria irene laura lorenzo luca lucia luigi luisa marco maria
marina mario martina massimo matteo michele nicola niccolò ottavia paola paolo pietro raffaele
riccardo roberta roberto rosaria sara silvia simone sofia stefania stefano teresa tommaso ugo
valentina valeria vincenzo john david michael james peter thomas anne mary sarah
""")
_ROLE = (r"presidente|vicepresidente|president|direttore|direttrice|director|amministratore|"
         r"amministratrice|responsabile|coordinatore|coordinatrice|fondatore|fondatrice|founder|"
         r"co-founder|rettore|rettrice|prorettore|prorettrice|professore|professoressa|"
         r"professor|ricercatore|ricercatrice|researcher|dott\.?|dottoressa|dr\.?|ceo|cto|cfo|"
         r"head|manager|segretario|segretaria|consigliere|consigliera|assessore|assessora|"
         r"ministro|ministra|sindaco|sindaca|primario|primaria|chief|area|partner")
_PARTICLE = r"(?:De|Di|Da|Del|Della|Lo|La|Van|Von) "
_NAME = re.compile(rf"\b([{_UP}][{_LOW}]+) (?:(?!{_PARTICLE})([{_UP}][{_LOW}]+) )?"
                   rf"((?:{_PARTICLE})?[{_UP}][{_LOW}]+(?:'[{_UP}][{_LOW}]+)?)\b")
# a role right before the name ("la presidente Elena Marchetti", "presidente del KRMC, X")
_ROLE_BEFORE = re.compile(rf"\b(?:{_ROLE})(?:\s(?:delegat[oa]|general[e]|scientific[oa]|"
                          rf"esecutiv[oa]))?(?:\s|[^.;:,]{{0,25}},\s)$", re.IGNORECASE)
_ROLE_AFTER = re.compile(rf"^(?:,\s+(?:(?:{_ROLE})\b|d(?:i|el|ella|ell'|ello|egli)\b)|\s\()",
                         re.IGNORECASE)
_NOT_PERSON = _set("""
istituto fondazione università ospedale cluster padiglione health expo italia stati regno
emirati arabi uniti camera rete forum bando missione consiglio centro policlinico digital
medical life sciences council week day san santa sant polo distretto bio devices officer
innovation award prize premio
""")
_LEGAL = re.compile(rf"\b((?:[{_UP}0-9][\w&'.-]*\s){{0,3}}[{_UP}0-9][\w&'-]*)\s"
                    r"(S\.r\.l\.|S\.p\.A\.|S\.r\.l|S\.p\.A|GmbH|Inc\.|Ltd\.?|S\.A\.)")
_CONNECT = (r"(?:\s(?:di|del|della|degli|delle|per|la|le|e|and|of|for|the))*"
            r"(?:\s(?:dell'|all'|nell'|l'|d')|\s)")
_INSTITUTION = re.compile(
    r"\b((?:IRCCS\s)?(?:Università|Universitas|Politecnico|Istituto|Fondazione|Ospedale|"
    r"Azienda Ospedaliera|Policlinico|Consorzio|Camera di Commercio|Associazione|Rete|Regione|"
    r"Ministero|Agenzia|Centro|Cluster|Alma|University|Institute|Foundation)"
    rf"(?:{_CONNECT}[{_UP}][\w'-]*){{1,6}})")
_SUFFIX_ORG = re.compile(rf"\b((?:[{_UP}][\w-]*\s){{1,4}}(?:Consortium|Council|Association|"
                         r"Hospital|Agency|University|Institute))\b")
MONEY = re.compile(
    r"(?:€\s?\d[\d.,]*(?:\s(?:milioni|milione|mila|miliardi|million|billion))?"
    r"|\b\d[\d.,]*\s?(?:(?:milioni|milione|mila|miliardi|million|billion)\s)?(?:di\s)?"
    r"(?:euro|EUR|€|dollari|dollars))")
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:%|per cento|percent)")
_DATE = re.compile(
    rf"\b(?:(?:dal\s|from\s)?\d{{1,2}}(?:\s?(?:-|al|e|to|and)\s?\d{{1,2}})?\s(?:{_MONTHS_IT})"
    rf"(?:\s\d{{4}})?|\d{{1,2}}(?:\s?(?:-|to)\s?\d{{1,2}})?\s(?:{_MONTHS_EN})(?:\s\d{{4}})?"
    rf"|(?:{_MONTHS_EN})\s\d{{1,2}}(?:,\s\d{{4}})?|(?:{_MONTHS_IT}|{_MONTHS_EN})\s\d{{4}})\b",
    re.IGNORECASE)
_COUNT = re.compile(rf"(?<![\d.,€:])\b(\d{{1,3}}(?:[.,]\d{{3}})*)\s([{_LOW}]{{4,}})"
                    rf"(?:\s(B2B|[{_LOW}]{{4,}})(?=[\s,.;:)]))?")
_NOT_COUNT = frozenset(f"{_MONTHS_IT}|{_MONTHS_EN.lower()}".split("|")) | _set(
    "euro milioni milione mila miliardi million billion anni years mesi months giorni days "
    "settimane weeks ore hours dollari dollars percent cento")
_SECOND_STOP = _set("della delle degli dello dell nella nelle negli sono erano hanno "
                         "anche come sulla sulle alla alle agli dalla dalle dagli with from "
                         "that this were have into")
SELF = frozenset({"cluster vitalia"})


@dataclass
class Mentions:
    """Each category maps a value to the source numbers it appears in (in order)."""

    people: dict[str, list[int]] = field(default_factory=dict)
    organisations: dict[str, list[int]] = field(default_factory=dict)
    figures: dict[str, list[int]] = field(default_factory=dict)
    dates: dict[str, list[int]] = field(default_factory=dict)

    def add(self, category: str, value: str, n: int) -> None:
        value = " ".join(value.split()).strip(" ,;:")
        if not value:
            return
        refs = getattr(self, category).setdefault(value, [])
        if n not in refs:
            refs.append(n)


def clean(text: str) -> str:
    """Markdown emphasis and list bullets removed, whitespace collapsed."""
    text = re.sub(r"\*\*(.+?)\*\*|\*(.+?)\*|__(.+?)__", lambda m: next(
        g for g in m.groups() if g is not None), text)
    return re.sub(r"\s+", " ", text).strip()


def people(text: str) -> list[str]:
    """Full names of people in ``text`` (not words inside an organisation's name)."""
    orgs = [(m.start(), m.end()) for rx in (_LEGAL, _INSTITUTION, _SUFFIX_ORG)
            for m in rx.finditer(text)]
    out = []
    for m in _NAME.finditer(text):
        first, middle, last = m.groups()
        start = m.start()
        if middle and first.lower() not in _FIRST_NAMES:  # "Secondo Elena Marchetti"
            first, middle, start = middle, None, m.start(2)
        name = " ".join(w for w in (first, middle, last) if w)
        if any(a < m.end() and start < b for a, b in orgs):
            continue
        parts = name.lower().replace("'", " ").split()
        if any(p in _NOT_PERSON for p in parts):
            continue
        before, after = text[max(0, start - 40):start], text[m.end():m.end() + 40]
        if (parts[0] in _FIRST_NAMES or _ROLE_BEFORE.search(before)
                or _ROLE_AFTER.match(after)):
            out.append(name)
    return out


def organisations(text: str) -> list[str]:
    """Companies (by legal form), institutions (by their opening word) and consortia."""
    out = []
    for m in _LEGAL.finditer(text):
        words = m.group(1).split()
        while words and (words[0].lower() in _LEADING or words[0][0].isdigit()):
            words.pop(0)
        if words:
            out.append(f"{' '.join(words)} {m.group(2)}")
    for rx in (_INSTITUTION, _SUFFIX_ORG):
        for m in rx.finditer(text):
            name = _tidy_org(m.group(1))
            if name.lower() not in SELF and len(name.split()) >= 2:
                out.append(name)
    return out


def _tidy_org(name: str) -> str:
    # "X e del Politecnico Y" is two organisations; "Fondazione X di Roma" names a city
    name = re.split(r"\s(?:e|and)\s(?:di|del|della|dell'|degli|of)\b", name.strip())[0]
    words = name.split()
    if len(words) >= 3 and words[-2].lower() in _FIRST_NAMES:  # "... Galvani Stefano Righi"
        words = words[:-2]
    if len(words) >= 5 and words[-2] == "di" and words[-3] != "Studi":
        words = words[:-2]
    return " ".join(words)


_LEADING = _set("anche per tra con da in nel nella dal dalla il lo la le gli i un una "
                     "e ed o a al alla of the and with by for from at to also")


def figures(text: str) -> list[str]:
    """Amounts, percentages and counts, each with what it counts ("78 incontri B2B",
    "dotazione complessiva è di 300.000 euro"); years and dates excluded, and an
    amount whose clause does not say what it is (a share in a parenthesised list)
    left out rather than shown as a fragment."""
    out: list[str] = []
    taken: list[tuple[int, int]] = []
    for rx in (MONEY, _PERCENT):
        for m in rx.finditer(text):
            taken.append(m.span())
            context = _context(text, m.start())
            if context:
                out.append(f"{context} {m.group().strip()}")
    dates = [m.span() for m in _DATE.finditer(text)]
    for m in _COUNT.finditer(text):
        if any(a <= m.start() < b for a, b in taken + dates):
            continue
        noun, second = m.group(2), m.group(3)
        if noun.lower() in _NOT_COUNT or re.fullmatch(r"(?:19|20)\d\d", m.group(1)):
            continue
        keep_second = second and second.lower() not in _SECOND_STOP and (
            second.isupper() or second.endswith(("i", "e", "s")))
        out.append(f"{m.group(1)} {noun}" + (f" {second}" if keep_second else ""))
    return out


_FUNCTION = _set("e ed o and or il lo la le gli i un una of the a an di del della dei delle "
                 "degli da dal dalla in nel nella per con su tra fra to at by for from is are "
                 "was were sono è era erano ha hanno sarà saranno che cui ma mentre which "
                 "with al alla ai agli pari circa about around up fino oltre over")


def _context(text: str, start: int, max_words: int = 6) -> str | None:
    # what a bare amount or percentage refers to: the words before it in the same
    # clause, from its first content word; None when they say nothing or the amount
    # is one of a parenthesised list ("Stati Uniti (54%), Germania (49%)")
    before = re.split(r"[.,;:)|\[\]«»\"]|\s[-–•]\s", text[max(0, start - 90):start])[-1]
    before = before.rstrip()
    if before.endswith("("):
        return None
    all_words = before.split()
    first = max(0, len(all_words) - max_words)
    # do not start inside a name: "Ponti di Innovazione 2026 mette a disposizione"
    while first > 0 and len(all_words) - first < max_words + 4 and (
            all_words[first][:1].isupper() or all_words[first][:1].isdigit()
            or all_words[first] in ("di", "del", "della")) and (
            all_words[first - 1][:1].isupper() or all_words[first - 1] in ("di", "del",
                                                                           "della")):
        first -= 1
    ws = all_words[first:]
    while ws and (ws[0].lower() in _FUNCTION or not re.search(r"[^\W\d_]", ws[0])):
        ws.pop(0)
    if not any(len(w) >= 4 and w.lower() not in _FUNCTION and re.search(r"[^\W\d_]", w)
               for w in ws):
        return None
    return " ".join(ws)


def dates(text: str) -> list[str]:
    """Dates and date ranges ("13 giugno", "dal 15 al 19 settembre 2025", "marzo 2026")."""
    return [m.group() for m in _DATE.finditer(text)]


def mentions(passages: Iterable[tuple[int, str]]) -> Mentions:
    """People, organisations, figures and dates of each numbered passage."""
    found = Mentions()
    for n, raw in passages:
        text = clean(raw)
        for category, fn in (("people", people), ("organisations", organisations),
                             ("figures", figures), ("dates", dates)):
            for value in fn(text):
                found.add(category, value, n)
    return found
