"""Split a question about several things into one question per thing.

"Quanti iscritti hanno avuto i Forum 2024 e 2025?" -> "... i Forum 2024?", "... i Forum
2025?"; "Quanti incontri hanno fatto le missioni a Boston, in Giappone e a Singapore?"
-> "... le missioni a Boston?", "... le missioni in Giappone?", ...; "Confronta i bandi
Ponti di Innovazione 2024 e 2026: dotazione" -> one question per edition. The top
passages of one query often miss some of the entities; one retrieval per part does
not. Member names that contain "e" ("Salute e Benessere") are never split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_JOIN = re.compile(r"^(?:\s*,\s*|\s+(?:e|ed|and|sia|o|or)\s+|\s*,?\s*(?:e|and)\s+)"
                   r"(?:(?:a|al|alla|allo|ai|alle|il|la|lo|i|le|the|in|at|to|di|del|della)\s+)?"
                   r"(?:[A-Z][\w-]*\s+){0,3}$")
_PREP = r"(?:a|al|alla|allo|all'|ai|alle|in|nel|nella|il|la|lo|l'|i|le|gli|the|to|at|di|del|della)"
_CAP = r"[A-Z][\w'-]*(?:\s+(?:di\s+|del\s+|de\s+)?[A-Z0-9][\w'-]*)*"
_VERB = (r"(?:hanno|ha|avuto|fatto|sono|era|erano|stati|state|ricevuto|svolti|tenuti|"
         r"did|had|were|was)")
_ITEM = rf"(?:{_PREP}\s+)?(?:(?!{_VERB}\b)[a-zà-ù']+\s+){{0,3}}?{_CAP}"
_LIST = re.compile(rf"(?<![\w'])({_ITEM})((?:\s*,\s*{_ITEM})*)\s*,?\s+(?:e|ed|and)\s+({_ITEM})")
_SPLIT_ITEMS = re.compile(rf"\s*,\s*(?={_ITEM})")
_PRONOUN = re.compile(r"\b(quella|quello|quelle|quelli|that|those)\b")
_CUE = re.compile(r"\b(confronta\w*|compar\w*|rispettivamente|respectively|entramb[ie]|both|"
                  r"ciascun[oa]?|each|differenz\w*|difference)\b", re.IGNORECASE)
_PLURAL = re.compile(r"\b(?!tra\b|fra\b|the\b)[a-zà-ù]{3,}[ies]$")
_NOISE = re.compile(r"\b(confronta|confrontami|compare|rispettivamente|respectively|"
                    r"entrambi|entrambe|both|sia|differenz[ae] tra|differenz[ae] fra|"
                    r"a confronto|vs\.?|versus)(?!\w)\s*", re.IGNORECASE)
_MARK = "\u0000"


@dataclass
class Part:
    """One entity of the question and the standalone question about it."""

    label: str
    question: str


def _mask(question: str, names: Sequence[str]) -> tuple[str, list[str]]:
    kept: list[str] = []
    for n in sorted(names, key=len, reverse=True):
        if " e " in n and n in question:
            kept.append(n)
            question = question.replace(n, f"{_MARK}{len(kept) - 1}{_MARK}")
    return question, kept


def _unmask(text: str, kept: Sequence[str]) -> str:
    return re.sub(rf"{_MARK}(\d+){_MARK}", lambda m: kept[int(m.group(1))], text)


def _clean(question: str) -> str:
    q = _NOISE.sub("", question).strip()
    return re.sub(r"\s{2,}", " ", q[:1].upper() + q[1:])


# words a run of years may have between them: "2024 e 2025", "2024 vs Forum 2025",
# "2024 e quante al 2026", "2024, 2025 e 2026"
_GAP_WORDS = frozenset(
    "e ed and o or vs vs. versus contro sia che quant quanti quante quanto quanta "
    "a al alla allo all ai alle il la lo l i le gli nel nella nei nelle del della dell di "
    "in the to at edizione edition rispetto compared with".split())
_NAME_BEFORE = re.compile(rf"({_CAP})\s+$")


def _gap_ok(gap: str) -> bool:
    """Only joining words (and names) between two years of one run."""
    if re.search(r"[?:;.!()]", gap) or len(gap.split()) > 6:
        return False
    toks = re.findall(r"[\w.]+", gap.replace("'", " "))
    return all(t.lower() in _GAP_WORDS or t[:1].isupper() for t in toks)


def by_years(question: str) -> list[Part] | None:
    """Two or more years joined by "e", "," "vs" or "sia": one question per year. A
    year with its own name ("VITALIA Accelerate 2025 e il Landing Program 2026")
    makes a part named by both; a bare year takes the first item's name."""
    ms = list(_YEAR.finditer(question))
    if len({m.group() for m in ms}) < 2:
        return None
    run = [ms[0]]
    for m in ms[1:]:
        if _gap_ok(question[run[-1].end():m.start()]):
            run.append(m)
        elif len(run) < 2:
            run = [m]
    if len(run) < 2 or len({m.group() for m in run}) < 2:
        return None
    names = [_NAME_BEFORE.search(question[:m.start()]) for m in run]
    own = [_NOISE.sub("", n.group(1)).strip() if n and (i == 0 or n.start() > run[i - 1].end())
           else "" for i, n in enumerate(names)]
    distinct = {fold_name(o) for o in own if o}
    first = names[0]
    start = first.start(1) if first and own[0] and len(distinct) > 1 else run[0].start()
    head, tail = question[:start], question[run[-1].end():]
    parts = []
    for m, name in zip(run, own, strict=True):
        label = f"{name} {m.group()}" if name and len(distinct) > 1 else m.group()
        body = label if len(distinct) > 1 and name else (
            f"{own[0]} {m.group()}" if start != run[0].start() else m.group())
        parts.append(Part(label, _clean(f"{head}{body}{tail}")))
    return parts


def fold_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.lower()).strip()


def _head_words(item: str) -> str:
    """"le missioni a Boston" -> "le missioni": the words before the place or name."""
    m = re.search(rf"\s(?:{_PREP})\s+{_CAP}$|\s{_CAP}$", f" {item}")
    return f" {item}"[:m.start()].strip() if m else ""


def _name(item: str) -> str:
    m = re.search(rf"{_CAP}$", item)
    return m.group() if m else item


def by_names(question: str, member_names: Sequence[str] = ()) -> list[Part] | None:
    """Capitalised items joined by "," and "e"/"and": one question per item."""
    masked, kept = _mask(question, member_names)
    m = _LIST.search(masked)
    if m is None or m.start() == 0:
        return None
    items = [m.group(1), *[i for i in _SPLIT_ITEMS.split(m.group(2)) if i.strip(" ,")],
             m.group(3)]
    items = [i.strip(" ,") for i in items]
    names = [_name(i) for i in items]
    if len(set(names)) < 2 or any(_MARK in n for n in names):
        return None
    head = _head_words(items[0])
    own_prep = all(re.match(rf"{_PREP}\s", i) for i in items[1:])
    plural = bool(_PLURAL.search(head))  # "i progetti SmartRehab e DialiSense"
    if not (len(items) >= 3 or _CUE.search(question) or own_prep or plural):
        return None  # "tra Venetissue e Karst Biologics": one relation, not two things
    parts = []
    for item, name in zip(items, names, strict=True):
        own = _head_words(item)
        if head and (not own or _PRONOUN.search(own)):
            item = f"{head} {item[len(own):].strip()}" if own else f"{head} {item}"
        text = masked[:m.start()] + item + masked[m.end():]
        parts.append(Part(_unmask(name, kept), _clean(_unmask(text, kept))))
    return parts


def split(question: str, member_names: Sequence[str] = ()) -> list[Part] | None:
    """The parts of a multi-entity question, or None for a question about one thing."""
    return by_years(question) or by_names(question, member_names)
