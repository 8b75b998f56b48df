"""The sentences that answer one part of a multi-entity question.

A part's extractive answer may quote sentences about a neighbouring entity (the 2024
call in the line about 2026) or miss a list line ("Durata: 24 mesi"). The candidates
are the answer's own sentences plus every sentence of the passages it cites and of
the passages retrieved for the part; the best one or two make the part's line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from assistant.directory.split import Part
from assistant.models import Answer, RetrievedChunk
from assistant.text import analyze, fold, words

PART_SENTENCES = 2
_QUANTITY = re.compile(r"\b(quant[oiae]|how (?:many|much)|numero|number)\b", re.IGNORECASE)
_YEARS = re.compile(r"\b(?:19|20)\d\d\b")
_MARKS = re.compile(r"\[(\d{1,3})\]")
_ROW = "\x00row "  # marks a table row, which is never split into sentences
_SENT = re.compile(r"(?<=[.!?\]])\s+(?=[A-ZÀ-Þ«\"(\-])")


def _sentences(a: Answer, passages: Sequence[RetrievedChunk]
               ) -> list[tuple[str, int, str]]:
    """(sentence, source number, folded title and date of its source): the answer's own
    sentences, then every sentence of the passages it cites and of ``passages``
    (numbered after the citations); list lines ("Durata: 24 mesi") and table rows
    included, a table row kept whole."""
    context = {c.n: fold(f"{c.title} {c.date or ''}") for c in a.citations}
    out: list[tuple[str, int]] = []
    for sent in _SENT.split(a.text.strip()):
        nums = [int(n) for n in _MARKS.findall(sent)]
        if nums:
            out.append((_MARKS.sub("", sent).strip(), nums[0]))
    texts = [(c.passage, c.n) for c in a.citations]
    for i, p in enumerate(passages):
        n = len(a.citations) + i + 1
        context[n] = fold(f"{p.title} {p.metadata.get('date', '')}")
        texts.append((p.text, n))
    for text, n in texts:
        for line in _table_rows(text.splitlines()):
            if line.startswith(_ROW):
                out.append((line[len(_ROW):], n))
                continue
            line = re.sub(r"^\s*(?:[-*•]|#+|\d+[.)])\s*|\*", "", line).strip()
            out.extend((sent.strip(), n) for sent in _SENT.split(line)
                       # a short line without a figure is a heading ("I numeri dei bandi.")
                       if len(sent.split()) >= 4 or re.search(r"\d", sent))
    first: dict[str, tuple[str, int]] = {}  # "Dotazione: 1.500.000 euro" once, not twice
    for sent, n in out:
        first.setdefault(sent.rstrip(" .;:"), (sent, n))
    return [(sent, n, context.get(n, "")) for sent, n in first.values()]


def _table_rows(lines: list[str]) -> list[str]:
    """Markdown table rows as "Header: value; ..." lines (the header line itself and the
    separator dropped), other lines unchanged: a row then reads like a sentence."""
    out: list[str] = []
    header: list[str] | None = None
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.strip().startswith("|"):
            header = None
            out.append(line)
        elif header is None:
            header = cells
        elif not all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            out.append(_ROW + "; ".join(f"{h}: {c}" if h else c
                                        for h, c in zip(header, cells, strict=False)) + ".")
    return out


def best_sentences(a: Answer, passages: Sequence[RetrievedChunk], part: Part,
                   others: Sequence[Part], lang: str) -> list[tuple[str, int]]:
    """At most ``PART_SENTENCES`` sentences for one part. A sentence scores the words it
    shares with the part's question, each weighted by how few candidate sentences have
    it and a fifth for the names that only say which entity (so "dotazione" counts,
    "Ponti di Innovazione" hardly), shorter sentences first, plus a figure other than a
    year when the part asks "quanti"; naming only another part's label ("2024" in the
    2026 line, or a sentence of the 2024 article that names no year) costs."""
    # the label ("2026") and years say which part, not what is asked
    terms = {t for t in analyze(part.question, lang) if not _YEARS.fullmatch(t)} - set(
        analyze(part.label, lang))
    wants_number = bool(_QUANTITY.search(part.question))
    own = fold(part.label)
    foreign = [fold(o.label) for o in others if fold(o.label) != own]
    names = set(analyze(" ".join(w for w in words(part.question)[1:] if w[:1].isupper()),
                        lang))
    cands = [(sent, n, ctx, set(analyze(sent, lang)) & terms)
             for sent, n, ctx in _sentences(a, passages)]
    df: dict[str, int] = {}
    for _, _, _, shared in cands:
        for t in shared:
            df[t] = df.get(t, 0) + 1
    scored = []
    for i, (sent, n, ctx, shared) in enumerate(cands):
        low = fold(sent)
        figure = re.search(r"\d", _YEARS.sub("", low))
        # a sentence with no label is read with its source's title and date
        about = low if own in low or any(f in low for f in foreign) else f"{low} {ctx}"
        foreign_only = own not in about and any(f in about for f in foreign)
        weight = sum((0.2 if t in names else 1.0) * math.log(1 + len(cands) / df[t])
                     for t in shared) / len(sent.split()) ** 0.25  # dense lines first
        # a name ("VascuLab") marks the sentence about this part; a year hardly does
        label_bonus = 0.2 if _YEARS.fullmatch(own) else 1.0
        score = (weight + label_bonus * (own in about)
                 + (1.0 if wants_number and figure else 0.0)
                 - (0.7 if foreign_only else 0.0))
        # a second sentence must share an asked word, not only the entity's name
        scored.append((score, -i, sent, n, foreign_only or not (shared - names)))
    scored.sort(reverse=True)
    if not scored:
        return []
    best = [scored[0]]
    # a second sentence only when it is about this part, asks-related and nearly as good
    best += [x for x in scored[1:] if not x[4] and x[0] >= scored[0][0] / 2][
        :PART_SENTENCES - 1]
    return [(sent, n) for _, _, sent, n, _ in best]
