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
_SENT = re.compile(r"(?<=[.!?\]])\s+(?=[A-ZÀ-Þ«\"(\-])")


def _sentences(a: Answer, passages: Sequence[RetrievedChunk]) -> list[tuple[str, int]]:
    """(sentence, source number): the answer's own sentences, then every sentence of
    the passages it cites and of ``passages`` (numbered after the citations), list lines
    such as "Durata: 24 mesi" included."""
    out: list[tuple[str, int]] = []
    for sent in _SENT.split(a.text.strip()):
        nums = [int(n) for n in _MARKS.findall(sent)]
        if nums:
            out.append((_MARKS.sub("", sent).strip(), nums[0]))
    texts = [(c.passage, c.n) for c in a.citations] + [
        (p.text, len(a.citations) + i + 1) for i, p in enumerate(passages)]
    for text, n in texts:
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*•]|#+|\d+[.)])\s*|\*\*", "", line).strip()
            out.extend((sent.strip(), n) for sent in _SENT.split(line) if len(sent) > 12)
    first: dict[str, int] = {}
    for sent, n in out:
        first.setdefault(sent, n)
    return list(first.items())


def best_sentences(a: Answer, passages: Sequence[RetrievedChunk], part: Part,
                   others: Sequence[Part], lang: str) -> list[tuple[str, int]]:
    """At most ``PART_SENTENCES`` sentences for one part. A sentence scores the words it
    shares with the part's question, each weighted by how few candidate sentences have
    it and a fifth for the names that only say which entity (so "dotazione" counts,
    "Ponti di Innovazione" hardly), shorter sentences first, plus a figure other than a
    year when the part asks "quanti"; naming only another part's label ("2024" in the
    2026 line) costs."""
    # the label ("2026") and years say which part, not what is asked
    terms = {t for t in analyze(part.question, lang) if not _YEARS.fullmatch(t)} - set(
        analyze(part.label, lang))
    wants_number = bool(_QUANTITY.search(part.question))
    own = fold(part.label)
    foreign = [fold(o.label) for o in others if fold(o.label) != own]
    names = set(analyze(" ".join(w for w in words(part.question)[1:] if w[:1].isupper()),
                        lang))
    cands = [(sent, n, set(analyze(sent, lang)) & terms)
             for sent, n in _sentences(a, passages)]
    df: dict[str, int] = {}
    for _, _, shared in cands:
        for t in shared:
            df[t] = df.get(t, 0) + 1
    scored = []
    for i, (sent, n, shared) in enumerate(cands):
        low = fold(sent)
        figure = re.search(r"\d", _YEARS.sub("", low))
        foreign_only = own not in low and any(f in low for f in foreign)
        weight = sum((0.2 if t in names else 1.0) * math.log(1 + len(cands) / df[t])
                     for t in shared) / len(sent.split()) ** 0.25  # dense lines first
        score = (weight + 0.2 * (own in low) + (1.0 if wants_number and figure else 0.0)
                 - (0.7 if foreign_only else 0.0))
        scored.append((score, -i, sent, n, foreign_only))
    scored.sort(reverse=True)
    if not scored:
        return []
    best = [scored[0]]
    # a second sentence only when it is about this part and nearly as good
    best += [x for x in scored[1:] if not x[4] and x[0] >= scored[0][0] / 2][
        :PART_SENTENCES - 1]
    return [(sent, n) for _, _, sent, n, _ in best]
