"""Comparisons: several parts times several asked attributes, answered as a table.

"Forum 2024 vs Forum 2025: iscritti e incontri B2B" asks two attributes of two
editions. :func:`attributes` reads the asked list (after a colon or in brackets);
each (part, attribute) pair is answered on its own by
:func:`assistant.directory.partanswer.best_cells`, and :func:`table` lays the quoted
sentences out as a Markdown table, one row per part and one column per attribute,
each cell cited. One attribute gives one cited line per part instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LIST = re.compile(r":\s*([^:?]+?)\s*[?.!]*\s*$|\(([^()]+)\)")
_SEP = re.compile(r"\s*(?:,|;|/|\be\b|\bed\b|\band\b)\s*", re.IGNORECASE)
_FILLER = re.compile(r"\b(a confronto|in confronto|rispettivamente|respectively|"
                     r"per ciascun[oa]|for each)\b", re.IGNORECASE)


def attributes(question: str) -> tuple[str, list[str]]:
    """``question`` without its list of asked attributes, and the attributes; no
    list (or a single item) gives the question unchanged and no attributes."""
    m = _LIST.search(question)
    if m is None:
        return question, []
    items = [a.strip(" ?.!") for a in _SEP.split(_FILLER.sub("", m.group(1) or m.group(2)))]
    items = [a for a in items if a and len(a.split()) <= 6]
    if len(items) < 2:
        return question, []
    base = (question[:m.start()] + " " + question[m.end():]).strip(" :,")
    return re.sub(r"\s{2,}", " ", base), items


def cell_question(base: str, attribute: str) -> str:
    """The question about one attribute of one part: "Forum 2025: incontri B2B"."""
    return f"{base.rstrip(' ?.!:')}: {attribute}?"


def _cell(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("|", "/")).strip()


def table(labels: Sequence[str], attrs: Sequence[str],
          cells: Sequence[Sequence[str]]) -> str:
    """A Markdown table: one row per part (label), one column per attribute."""
    head = "| | " + " | ".join(_cell(a) for a in attrs) + " |"
    rule = "|---|" + "---|" * len(attrs)
    rows = [f"| **{_cell(label)}** | " + " | ".join(_cell(c) or "-" for c in row) + " |"
            for label, row in zip(labels, cells, strict=True)]
    return "\n".join([head, rule, *rows])


_COUNTED = re.compile(
    r"\b(?:(?:le|i|gli|the)\s+)?(due|tre|quattro|cinque|two|three|four|five|entramb[ei]"
    r"(?:\s+(?:le|i|gli))?|both(?:\s+the)?|tutt[ie]\s+(?:e\s+)?(?:le|i|gli)|all\s+the)\s+"
    r"((?:[a-zà-ù]+)(?:\s+(?!e\b|and\b)[a-zà-ù]+)?)", re.IGNORECASE)
_HOW_MANY = {"due": 2, "two": 2, "tre": 3, "three": 3, "quattro": 4, "four": 4,
             "cinque": 5, "five": 5, "entrambe": 2, "entrambi": 2, "both": 2}
_TITLE_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def editions(question: str, titles: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """"le due indagini soci", "i tre Forum": the editions the question counts, as
    (label, question about that edition), from the article titles ``(title, date)``
    that name every word of the noun phrase; each edition is a distinct year (the
    title's, else the date's), the latest ones when there are more."""
    m = _COUNTED.search(question)
    if m is None:
        return []
    stems = [_stem(w) for w in m.group(2).split() if len(w) >= 3]
    years: dict[str, str] = {}
    for title, date in titles:
        tstems = {_stem(w) for w in re.findall(r"\w+", title)}
        if stems and all(s in tstems for s in stems):
            y = _TITLE_YEAR.search(title)
            year = y.group(1) if y else date[:4]
            if year:
                years.setdefault(year, title)
    want = _HOW_MANY.get(m.group(1).split()[0].lower(), len(years))
    chosen = sorted(years)[-want:] if want <= len(years) else []
    noun = m.group(2)
    return [(y, question[:m.start()] + f"{noun} {y}" + question[m.end():]) for y in chosen
            ] if len(chosen) >= 2 else []


def _stem(word: str) -> str:
    return word.lower()[:5]
