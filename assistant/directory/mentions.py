"""Members named in articles: "quali soci hanno partecipato alla missione a Singapore?".

Such a question is a directory question over articles: the answer is every member
whose name (the profile's ``name`` or a short form of it, "Medisfera Digitale",
"Vitalsense") occurs in the passages about the event, each cited to the passage
that names it. "Sia X sia Y" / "both X and Y" intersects the two sets.

The article about an event is the retrieved document whose title shares most of the
event's words ("MEDICA 2024" -> "MEDICA 2024: sette imprese del cluster a
Düsseldorf", not the 2025 report that mentions 2024 in passing). When that article
lists members (lines starting with "-" or "*"), only the listed ones count; when it
does not, a list in another retrieved passage that names the event is used too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.directory.table import MemberRow
from assistant.models import RetrievedChunk
from assistant.text import fold, words

_LEGAL = re.compile(r",?\s+(S\.r\.l\.|S\.p\.A\.|ETS|S\.c\.a\.r\.l\.)$")
# first words that do not name a member on their own
_GENERIC_HEADS = frozenset(fold(w) for w in (
    "Istituto Fondazione Università Universitas Cluster IRCCS Rete Polo Associazione Centro "
    "Azienda Laboratori Ospedale Distretto Farmaceutici Biomedicale Diagnostica Politecnico "
    "Alma Dolomiti Sila Vesuvio Lanterna").split())
_TOOK_PART = re.compile(
    r"\b(hanno partecipato|ha partecipato|partecipato|hanno preso parte|preso parte|"
    r"took part|taken part|attended|participated|erano presenti|erano|were|c'erano|c'era|"
    r"era presente|ha esposto|"
    r"sono andati|sono partiti|sono stati|hanno esposto|exhibited|went|"
    r"sono tornat[ie]|tornat[ie]|returned|came back)\b\s+", re.IGNORECASE)
# the subject must be members: "quanti posti erano disponibili" is not about who went
_WHO = re.compile(r"^\s*(?:chi|who\b|(?:quali|quanti|quante|which|how many)\s+(?:dei\s+|degli\s+|"
                  r"delle\s+|of the\s+)?(?:soci[oe]?|membri|members?|aziende|imprese|"
                  r"companies|organizzazioni|organi[sz]ations|enti|realt[aà]|universit\w*|"
                  r"atenei|istituti|institutes|ospedali|hospitals|fondazioni|foundations|"
                  r"associazioni|associations|startup\w*|pmi|smes|partner\w*)\b)",
                  re.IGNORECASE)
_BOTH = re.compile(r"\s*\b(?:sia|both)\s+|\s+(?:sia|and|e|ed)\s+", re.IGNORECASE)
INTERSECT = re.compile(r"\b(sia|both|entramb[ie])\b", re.IGNORECASE)
_NOISE = re.compile(r"\b(rispettivamente|respectively|ciascun[oa]|each)\b\s*", re.IGNORECASE)
_PRONOUN = re.compile(r"^(quella|quello|quelle|quelli|that|those)\b", re.IGNORECASE)
_LEAD = re.compile(r"^(?:(?:alla|allo|al|ai|alle|agli|a|in|nella|nel|the|to|at|on|il|la|lo|per|for|"
                   r"i|le|gli)\s+|(?:all|l)'\s*)+", re.IGNORECASE)
_GENERIC_EVENT = frozenset({"missione", "mission", "missioni", "missions", "fiera", "evento",
                            "event", "stand", "progetto", "project", "delegazione"})
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def short_forms(name: str) -> list[str]:
    """The name, without its legal form, and its first word when that is distinctive."""
    base = _LEGAL.sub("", name).strip()
    forms = [name, base]
    head = base.split()[0] if base.split() else ""
    if len(base.split()) > 1 and len(head) >= 5 and fold(head) not in _GENERIC_HEADS:
        forms.append(head)
    return list(dict.fromkeys(f for f in forms if f))


def events_of(question: str) -> list[str] | None:
    """The events of a "which members took part in X (and Y)" question, or None."""
    if not _WHO.search(question):
        return None
    m = _TOOK_PART.search(question)
    if m is None:
        return None
    tail = _NOISE.sub("", question[m.end():]).strip().rstrip("?.! ")
    parts = [p.strip(" ,") for p in _BOTH.split(tail) if p and p.strip(" ,")]
    events = [_LEAD.sub("", p + " ").strip() for p in parts]
    events = [e for e in events if e and fold(e) not in {"sia", "both"}]
    if len(events) > 1 and _PRONOUN.match(events[1]):  # "a Boston e a quella a Singapore"
        head = re.split(r"\s+(?:a|in|di|to|at)\s+", events[0])[0]
        events[1:] = [_PRONOUN.sub(head, e) if _PRONOUN.match(e) else e for e in events[1:]]
        events = [re.sub(rf"^{re.escape(head)}\s+(?:a|in|di|to|at)\s+", f"{head} a ", e)
                  for e in events]
    return events or None


def event_terms(event: str) -> list[str]:
    """Folded, 5-letter stems of the event's words ("missione" and "mission" agree)."""
    return [fold(w)[:5] for w in words(event) if len(w) >= 3 or w.isdigit()]


def _title_score(terms: Sequence[str], title: str) -> int:
    stems = {fold(w)[:5] for w in words(title)}
    return sum(t in stems for t in terms)


@dataclass
class Mention:
    """A member and the passage that names it."""

    row: MemberRow
    chunk: RetrievedChunk


class MentionFinder:
    """Finds member names in passages; patterns are built once per member list."""

    def __init__(self, rows: Sequence[MemberRow]) -> None:
        self.rows = list(rows)
        self.patterns = [(r, re.compile("|".join(
            rf"(?<![\w-]){re.escape(f)}(?![\w-])" for f in short_forms(r.name))))
            for r in self.rows]

    def in_text(self, text: str) -> list[MemberRow]:
        return [r for r, p in self.patterns if p.search(text)]

    def in_chunks(self, chunks: Sequence[RetrievedChunk], listed_only: bool
                  ) -> dict[str, Mention]:
        """Members named in ``chunks`` (only on list lines when ``listed_only``)."""
        found: dict[str, Mention] = {}
        for c in chunks:
            lines = c.text.splitlines()
            text = "\n".join(ln for ln in lines if _ITEM.match(ln)) if listed_only else c.text
            for r in self.in_text(text):
                found.setdefault(r.doc_id, Mention(r, c))
        return found

    def listed(self, chunks: Sequence[RetrievedChunk]) -> int:
        return len(self.in_chunks(chunks, listed_only=True))


def pick_documents(event: str, hits: Sequence[RetrievedChunk]) -> list[str]:
    """The retrieved articles whose titles share most words with ``event``, in rank
    order (a call for candidates and the report of the same mission tie)."""
    terms = event_terms(event)
    scores: dict[str, int] = {}
    for h in hits:
        if h.doc_type != "member" and h.doc_id not in scores:
            scores[h.doc_id] = _title_score(terms, h.title)
    top = max(scores.values(), default=0)
    return [d for d, s in scores.items() if top and s == top]


def event_key(event: str) -> list[str]:
    """The stems that tell this event apart ("osaka", "2025"), without "missione"."""
    return [t for t in event_terms(event) if t not in {g[:5] for g in _GENERIC_EVENT}]


def names_event(key: Sequence[str], chunk: RetrievedChunk) -> bool:
    """The passage, read with its title, section and date, names every stem of ``key``: a list
    of delegates under "La delegazione per Osaka" in the 2025 Forum report counts."""
    meta = chunk.metadata
    text = f"{chunk.text} {chunk.title} {meta.get('section', '')} {meta.get('date', '')}"
    stems = {fold(w)[:5] for w in words(text)}
    return bool(key) and all(t in stems for t in key)


def introduces(key: Sequence[str], chunk: RetrievedChunk) -> bool:
    """The passage's section heading, or its text before the first list line, names
    every word of ``key`` but the years; an asked year must be the passage's own (its
    heading, title or date): the 2024 exhibitors are not those of "MEDICA 2025"."""
    lines = chunk.text.splitlines()
    head = next((i for i, ln in enumerate(lines) if _ITEM.match(ln)), len(lines))
    text = f"{chunk.metadata.get('section', '')} " + " ".join(lines[:head])
    stems = {fold(w)[:5] for w in words(text)}
    names = [t for t in key if not t.isdigit()]
    years = [t for t in key if t.isdigit()]
    dated = {fold(w)[:5] for w in words(
        f"{text} {chunk.title} {chunk.metadata.get('date', '')}")}
    return (bool(names) and all(t in stems for t in names)
            and (not years or any(y in dated for y in years)))


def participants(event: str, doc_chunks: Sequence[RetrievedChunk],
                 others: Sequence[RetrievedChunk], finder: MentionFinder
                 ) -> dict[str, Mention]:
    """Members taking part in ``event``: the article's list, else every member it names
    plus the lists in other passages that name the event."""
    key = event_key(event)
    if finder.listed(doc_chunks) >= 3:
        # the article's list, and a list another article introduces as this event's
        # ("La delegazione per Osaka" in the Forum report), never one that only
        # mentions it in passing ("six of them had exhibited in 2024")
        found = finder.in_chunks(doc_chunks, listed_only=True)
        for c in others:
            if introduces(key, c) and finder.listed([c]) >= 3:
                for doc_id, m in finder.in_chunks([c], listed_only=True).items():
                    found.setdefault(doc_id, m)
        return found
    found = finder.in_chunks(doc_chunks, listed_only=False)
    for c in others:
        if names_event(key, c) and finder.listed([c]) >= 3:
            for doc_id, m in finder.in_chunks([c], listed_only=True).items():
                found.setdefault(doc_id, m)
    return found
