"""Counts over a year: "quante missioni ha fatto il cluster nel 2025 e dove?".

Top-k retrieval cannot count: the answer needs every dated article of that year about
that kind of event. Articles qualify by date (their ``date`` field) and by the event
word in their title or tags ("missione" matches the tag "missioni internazionali" and
the title "Singapore mission"); articles about the same event (a call for candidates
and its report) are merged when their titles share a proper name ("Osaka",
"Giappone"). Each event is listed with its latest article, cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.stores.manifest import DocRow
from assistant.text import fold, words

_ASK = re.compile(r"\b(?:quant[ie]|how many)\s+(\w+)\b.*?\b(?:nel|in|during)\s+((?:19|20)\d\d)\b",
                  re.IGNORECASE)
# capitalised title words that do not tell two events apart
_GENERIC = frozenset(fold(w) for w in (
    "Cluster VITALIA Missione Mission Missioni Forum Bando Call Evento Event Soci Members "
    "Italia Italy").split())
# what can be counted over a period: kinds of event or initiative, each an article of
# its own ("quante missioni nel 2025"); anything else ("quanti delegati", "quanti
# incontri") is a quantity inside one event, which that event's article answers
_EVENT_STEMS = ("mission", "event", "band", "call", "fier", "fair", "workshop",
                "webinar", "forum", "convegn", "conferenz", "conferenc", "trasfert", "viagg",
                "trip", "iniziativ", "initiativ", "summit", "hackathon", "corsi", "cours",
                "academ", "delegazion")


@dataclass
class Event:
    """Articles of one year about the same event, latest last."""

    docs: list[DocRow]

    @property
    def latest(self) -> DocRow:
        return max(self.docs, key=lambda d: str(d.meta.get("date", "")))

    def names(self) -> set[str]:
        return set().union(*(_names(d.title) for d in self.docs))


def asked(question: str) -> tuple[str, str] | None:
    """(event word, year) of a "how many <events> in <year>" question, or None."""
    m = _ASK.search(question)
    if m is None or not is_event_noun(m.group(1)):
        return None
    return m.group(1), m.group(2)


def is_event_noun(noun: str) -> bool:
    """"missioni", "bandi", "events": a kind of event counted over a period, not a
    quantity inside one event ("delegati", "incontri", "iscritti")."""
    word = fold(noun)
    return len(word) >= 4 and word.startswith(_EVENT_STEMS)


def _names(title: str) -> set[str]:
    toks = words(title)
    return {fold(w) for w in toks[1:] if w[:1].isupper() and len(w) >= 4
            and fold(w) not in _GENERIC} | ({fold(toks[0])} - _GENERIC if toks else set())


def _about(doc: DocRow, stem: str) -> bool:
    tags = doc.meta.get("tags") or []
    fields = [doc.title, *(tags if isinstance(tags, list) else [str(tags)])]
    return any(fold(w).startswith(stem) for f in fields for w in words(f))


def events_in_year(docs: Sequence[DocRow], noun: str, year: str) -> list[Event]:
    """The distinct events of ``year`` whose articles name ``noun``, in date order."""
    stem = fold(noun)[:5]
    chosen = [d for d in docs if d.doc_type == "article"
              and str(d.meta.get("date", "")).startswith(year) and _about(d, stem)]
    events: list[Event] = []
    for d in sorted(chosen, key=lambda d: str(d.meta.get("date", ""))):
        same = [e for e in events if e.names() & _names(d.title)]
        if same:
            same[0].docs.append(d)
            for other in same[1:]:  # a title that links two groups merges them
                same[0].docs.extend(other.docs)
                events.remove(other)
        else:
            events.append(Event([d]))
    return sorted(events, key=lambda e: str(e.latest.meta.get("date", "")))
