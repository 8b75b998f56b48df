"""Directory answers: every matching member, each cited to its own profile.

The text is built from the table's fields only (nothing is generated), in the
question's language, with Italian agreement ("Sono 3 le aziende ...", "C'è una
sola università ..."). Each member is followed by ``[n]`` pointing at the first
passage of its profile, and the whole text goes through the same citation
validation as retrieval answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.directory.query import DirectoryQuery
from assistant.directory.table import MemberFilter, MemberRow
from assistant.directory.vocab import KIND_NAMES, REGION_EN, SECTOR_EN
from assistant.models import Answer, RetrievedChunk
from assistant.rag.citations import validate

INLINE_MAX = 8  # longer lists become one member per line
CITY_EN = {"Milano": "Milan", "Roma": "Rome", "Torino": "Turin", "Napoli": "Naples",
           "Firenze": "Florence", "Genova": "Genoa", "Venezia": "Venice", "Padova": "Padua"}
PUBLIC_ONLY = {"it": "Sono inclusi solo i profili pubblici.",
               "en": "Only public profiles are included."}
_PLACE_IT = {"Marche": "nelle Marche", "Nord": "nel Nord Italia", "Centro": "nel Centro Italia",
             "Mezzogiorno": "nel Mezzogiorno"}


def _join(items: Sequence[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _years(f: MemberFilter, en: bool) -> str:
    a, b = f.founded_after, f.founded_before
    if a is not None and b is not None:
        if b - a == 2:
            return f"in {a + 1}" if en else f"nel {a + 1}"
        return f"between {a + 1} and {b - 1}" if en else f"tra il {a + 1} e il {b - 1}"
    if a is not None:
        return f"after {a}" if en else f"dopo il {a}"
    return f"before {b}" if en else f"prima del {b}"


def _size(f: MemberFilter, en: bool) -> str:
    parts = []
    if f.employees_over is not None:
        parts.append(f"more than {f.employees_over}" if en else f"più di {f.employees_over}")
    if f.employees_under is not None:
        parts.append(f"fewer than {f.employees_under}" if en else f"meno di {f.employees_under}")
    return (f"with {' and '.join(parts)} employees" if en
            else f"con {' e '.join(parts)} dipendenti")


def _sectors(f: MemberFilter, en: bool, singular: bool) -> str:
    names = [SECTOR_EN.get(s, s) if en else s for s in f.sectors]
    both = f.sector_mode == "all" and len(names) == 2
    if en:
        word = "or" if f.sector_mode == "any" else "and"
        return f"working in {'both ' if both else ''}{_join(names, word)}"
    verb = "che si occupa" if singular else "che si occupano"
    if both:
        return f"{verb} sia di {names[0]} sia di {names[1]}"
    return f"{verb} {_join([f'di {n}' for n in names], 'o' if f.sector_mode == 'any' else 'e')}"


def clauses(f: MemberFilter, lang: str, singular: bool, feminine: bool) -> str:
    """The filter as words, e.g. "in Toscana fondate dopo il 2015 che si occupano di X"."""
    en = lang == "en"
    where: list[str] = []
    if f.places:
        where.append(_join([f"in {REGION_EN.get(p, p)}" if en else _PLACE_IT.get(p, f"in {p}")
                            for p in f.places], "or" if en else "o"))
    if f.cities:
        where.append(("based " if en else "con sede ") + _join(
            [f"in {CITY_EN.get(c, c)}" if en else f"a {c}" for c in f.cities],
            "or" if en else "o"))
    facts: list[str] = []
    if f.founded_after is not None or f.founded_before is not None:
        ending = ("a" if feminine else "o") if singular else ("e" if feminine else "i")
        facts.append(f"{'founded' if en else 'fondat' + ending} {_years(f, en)}")
    if f.employees_over is not None or f.employees_under is not None:
        facts.append(_size(f, en))
    sector = [_sectors(f, en, singular)] if f.sectors else []
    # Italian reads best with the relative clause last once there are other conditions
    # ("le aziende fondate dopo il 2015 che si occupano di biotecnologie"), and as in
    # "i soci che si occupano di X in Lombardia" otherwise
    if en or not facts:
        return " ".join(sector + where + facts)
    return " ".join(where + facts + sector)


def _noun(f: MemberFilter, lang: str) -> tuple[str, str, bool]:
    """(plural, singular, feminine) of what is being listed."""
    if len(f.kinds) == 1:
        pl, sg, fem, en_pl, en_sg = KIND_NAMES[f.kinds[0]]
        return (en_pl, en_sg, False) if lang == "en" else (pl, sg, fem)
    if lang == "en":
        return "members", "member", False
    return "soci", "socio", False


def _kinds_note(f: MemberFilter, lang: str) -> str:
    if len(f.kinds) < 2:
        return ""
    names = [KIND_NAMES[k][3] if lang == "en" else KIND_NAMES[k][0] for k in f.kinds]
    return f" ({_join(names, 'or' if lang == 'en' else 'o')})"


def lead(q: DirectoryQuery, n: int) -> str:
    """The sentence before the list, e.g. "Sono 3 i soci che si occupano di X in Y"."""
    f, lang = q.filter, q.lang
    pl, sg, fem = _noun(f, lang)
    kinds = _kinds_note(f, lang)
    rest = clauses(f, lang, n == 1, fem)
    if not rest and not kinds:  # "Sono 9 le università socie", "There are 57 members"
        rest = ("among the members" if f.kinds else "") if lang == "en" else (
            "del cluster" if not f.kinds else ("socia" if fem else "socio") if n == 1
            else ("socie" if fem else "soci"))
    if lang == "en":
        if n == 0:
            text = f"No member matches the request: there are no {pl}{kinds} {rest}"
        else:
            text = f"There {f'is one {sg}' if n == 1 else f'are {n} {pl}'}{kinds} {rest}"
    elif n == 0:
        text = f"Nessun socio corrisponde alla richiesta: non risultano {pl}{kinds} {rest}"
    elif n == 1:
        text = f"C'è {'una sola' if fem else 'un solo'} {sg}{kinds} {rest}"
    else:
        art = "le" if fem else ("gli" if pl[0] in "aeiou" else "i")
        text = f"Sono {n} {art} {pl}{kinds} {rest}"
    return text.rstrip()


def _item(row: MemberRow, lang: str, marker: str) -> str:
    city = CITY_EN.get(row.city, row.city) if lang == "en" else row.city
    return f"{row.name}{f' ({city})' if city else ''}{f' {marker}' if marker else ''}"


def compose(q: DirectoryQuery, rows: Sequence[MemberRow],
            sources: dict[str, RetrievedChunk], public_only: bool) -> tuple[str,
                                                                           list[RetrievedChunk]]:
    """Answer text with ``[n]`` markers and the passages they point at, in order."""
    chunks: list[RetrievedChunk] = []
    items = []
    for row in rows:
        src = sources.get(row.doc_id)
        if src is not None:
            chunks.append(src)
        items.append(_item(row, q.lang, f"[{len(chunks)}]" if src is not None else ""))
    head = lead(q, len(rows))
    if not rows:
        text = head + "."
    elif len(items) <= INLINE_MAX:
        text = f"{head}: {', '.join(items)}."
    else:
        text = head + ":\n" + "\n".join(f"- {i}" for i in items)
    if q.guessed and q.filter.sectors:  # say how an unknown word was read, to be corrected
        sector = q.filter.sectors[-1]
        text += (f" (Condition applied: sector '{SECTOR_EN.get(sector, sector)}' for "
                 f"'{q.guessed}'.)" if q.lang == "en" else
                 f" (Condizione applicata: settore «{sector}» per «{q.guessed}».)")
    if public_only:
        text += ("\n\n" if len(items) > INLINE_MAX else " ") + PUBLIC_ONLY[q.lang]
    return text, chunks


def build_answer(q: DirectoryQuery, rows: Sequence[MemberRow],
                 sources: dict[str, RetrievedChunk], public_only: bool, query: str,
                 timings: dict[str, float]) -> Answer:
    """The validated :class:`Answer` (every marker resolves, every citation is used)."""
    raw, chunks = compose(q, rows, sources, public_only)
    text, cites = validate(raw, chunks)
    return Answer(text=text, citations=cites, grounded=True, language=q.lang,
                  mode="llm" if q.source == "llm" else "extractive", query=query,
                  timings=timings)


def events(answer: Answer) -> Iterator[tuple[str, Any]]:
    """The streaming protocol of ``Answerer.stream``: word tokens, then the answer."""
    for m in re.finditer(r"\S+\s*", answer.text):
        yield ("token", m.group())
    yield ("answer", answer)
