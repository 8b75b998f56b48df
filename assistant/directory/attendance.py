"""Which members took part in an event, as the articles tell it, and the follow-up
that intersects it with the previous answer's list ("Quali di loro erano anche a
MEDICA 2025?" after the delegation to Singapore).

The members of one event come from :func:`assistant.directory.mentions.participants`
over the article whose title names the event and over every other passage that
names it (a delegation list may sit in the report of another event).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.directory.mentions import (
    Mention,
    MentionFinder,
    event_key,
    events_of,
    names_event,
    participants,
    pick_documents,
)
from assistant.models import Answer, Caller, Filters, RetrievedChunk
from assistant.rag.citations import marker, validate
from assistant.rag.condense import Message, refers_to_list

if TYPE_CHECKING:
    from assistant.directory.service import Directory
    from assistant.rag.retrieve import Retriever

K_EVENT = 10  # passages retrieved per event: the article and the lists that name it
# "di loro", "tra queste", "of them": the previous answer's list, read as "members"
_OF_THEM = re.compile(r"\b(?:di|tra|fra)\s+(?:loro|questi|queste|essi|esse)\b|"
                      r"\bof\s+(?:them|these|those)\b", re.IGNORECASE)
_ALSO = re.compile(r"\b(?:anche|pure|also|too|as well)\b\s*", re.IGNORECASE)
_MEMBERS = {"it": "soci", "en": "members"}
_NAMED = re.compile(r"\b(?:[A-ZÀ-Þ]\w*|\d{4})\b")


class Attendance:
    """Members named in the articles about an event, for the caller's visibility."""

    def __init__(self, directory: Directory, retriever: Retriever) -> None:
        self.directory = directory
        self.retriever = retriever

    def members_at(self, event: str, caller: Caller, filters: Filters | None,
                   finder: MentionFinder) -> dict[str, Mention] | None:
        """The members taking part in ``event`` by profile id, or None when no article
        is about it."""
        hits = self.retriever.retrieve(event, caller.visibilities, K_EVENT, filters)
        docs = pick_documents(event, hits)
        if not docs:
            return None
        lists = self.event_passages(event, caller)
        return max((participants(event, self.directory.doc_passages(doc, caller.visibilities),
                                 [h for h in [*hits, *lists] if h.doc_id != doc], finder)
                    for doc in docs), key=len)

    def event_passages(self, event: str, caller: Caller) -> list[RetrievedChunk]:
        """Every article passage the caller may see that names the event (with its
        title and date), not only the top retrieved."""
        key = event_key(event)
        tier = self.directory.index.lexical.tier(tuple(caller.visibilities))
        out = []
        for cid, row in tier.rows.items():
            if row.meta.get("doc_type", "article") == "member":
                continue
            chunk = self.directory.passage(caller.visibilities, cid)
            if names_event(key, chunk):
                out.append(chunk)
        return out

    def listed_at_event(self, messages: Sequence[Message], caller: Caller,
                        filters: Filters | None, lang: str) -> Answer | None:
        """"Quali di loro erano anche a X?": the members of the previous answer that the
        articles about X name, one citation each; None for any other question."""
        question = messages[-1].content.strip()
        prev = next((m.content for m in reversed(messages[:-1]) if m.role == "assistant"), "")
        if not prev or not refers_to_list(question) or not _OF_THEM.search(question):
            return None
        standalone = _ALSO.sub("", _OF_THEM.sub(_MEMBERS.get(lang, "soci"), question))
        events = events_of(standalone)
        # an event has a name ("MEDICA 2025", "Giappone"): "which of them were new
        # members?" names none
        if not events or len(events) != 1 or not _NAMED.search(events[0]):
            return None
        finder = MentionFinder(self.directory.table.rows(caller.visibilities))
        named = {r.doc_id for r in finder.in_text(prev)}
        if len(named) < 2:
            return None
        found = self.members_at(events[0], caller, filters, finder)
        common = sorted((m for d, m in (found or {}).items() if d in named),
                        key=lambda m: m.row.name)
        if not common:
            return None
        return _listed(events[0], common, lang)


def _listed(event: str, common: Sequence[Mention], lang: str) -> Answer:
    sources: list[RetrievedChunk] = []
    items = [f"{m.row.name} {marker(sources, m.chunk)}" for m in common]
    lead = (f"Among those named in the previous answer, named in the articles about "
            f"«{event}» ({len(items)}): " if lang == "en" else
            f"Tra quelli citati nella risposta precedente, risultano negli articoli su "
            f"«{event}» ({len(items)}): ")
    text, cits = validate(lead + ", ".join(items) + ".", sources)
    return Answer(text=text, citations=cits, grounded=bool(cits), language=lang,
                  query=event)
