"""The member directory: recognise a directory question and answer it completely.

``Directory.answer`` returns None for anything that is not surely a directory
question, and the caller (``Assistant.ask`` / ``stream``) then runs normal
retrieval. Visibility is the caller's: the table, the vocabulary the parser sees
and the cited passages all come from what this caller may read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.directory.answer import build_answer
from assistant.directory.llm_parse import DirectoryLLMError, parse_with_llm
from assistant.directory.query import DirectoryQuery, looks_like_directory, parse
from assistant.directory.semantic import SectorMatcher
from assistant.directory.table import MemberFilter, MemberRow, MemberTable
from assistant.directory.vocab import CITY_FORMS, SECTOR_FORMS
from assistant.models import Answer, Caller, Filters, RetrievedChunk
from assistant.rag.condense import Message, is_followup, rewrite
from assistant.rag.llm import LLM

if TYPE_CHECKING:
    from assistant.ingest.index import Index

log = logging.getLogger(__name__)


class Directory:
    """Complete, cited answers to "which / how many members ..." questions."""

    def __init__(self, index: Index, llm: LLM | None = None) -> None:
        self.index = index
        self.llm = llm
        self.table = MemberTable(index.manifest)
        self.matcher = SectorMatcher(index.embedder)

    # -- understanding ---------------------------------------------------------------
    def understand(self, messages: Sequence[Message], caller: Caller) -> DirectoryQuery | None:
        """The directory query of the last user turn, or None (then: normal retrieval).

        A follow-up ("e in Piemonte?") is read in the light of the previous user turn,
        but only when that turn looked like a directory question.
        """
        if not messages or messages[-1].role != "user":
            return None
        question = messages[-1].content.strip()
        q = self._parse(question, caller)
        earlier = [m for m in messages[:-1] if m.role == "user"]
        if (q is not None and q.filter.is_empty() and earlier and is_followup(question)
                and not looks_like_directory(earlier[-1].content)):
            # "e quanti iscritti c'erano?" after a question about the Forum: a count
            # of every member would answer what was not asked; the subject carried
            # from the previous turn decides, through retrieval
            return None
        # the previous turn is only pre-checked: re-parsing it could cost an LLM call
        if q is None and earlier and looks_like_directory(earlier[-1].content):
            standalone = rewrite(question, messages[:-1], keep_question_words=True)
            if standalone != question:
                q = self._parse(standalone, caller)
        return q

    def parse_question(self, question: str, caller: Caller) -> DirectoryQuery | None:
        """One standalone question, read with the caller's vocabulary (no history)."""
        return self._parse(question, caller)

    def passage(self, visibilities: Sequence[str], chunk_id: str) -> RetrievedChunk:
        """One indexed passage from the caller's lexical tier, shaped like a retrieval hit."""
        return self.index.lexical.tier(tuple(visibilities)).passage(chunk_id)

    def doc_passages(self, doc_id: str, visibilities: Sequence[str]) -> list[RetrievedChunk]:
        """Every passage of one document the caller may see, in document order."""
        tier = self.index.lexical.tier(tuple(visibilities))
        cids = sorted((cid for cid, row in tier.rows.items() if row.doc_id == doc_id),
                      key=lambda cid: tier.rows[cid].start)
        return [tier.passage(cid) for cid in cids]

    def _parse(self, question: str, caller: Caller) -> DirectoryQuery | None:
        vis = caller.visibilities
        sectors = sorted(set(self.table.sectors(vis)) | set(SECTOR_FORMS))
        cities = sorted(set(self.table.cities(vis)) | set(CITY_FORMS))
        if self.llm is not None and looks_like_directory(question):
            try:
                return parse_with_llm(self.llm, question, sectors, cities)
            except DirectoryLLMError as exc:
                log.warning("directory: LLM filter failed, using rules: %s", exc)
        return parse(question, sectors, cities, self.matcher.match)

    # -- answering -------------------------------------------------------------------
    def answer(self, messages: Sequence[Message], caller: Caller,
               filters: Filters | None = None) -> Answer | None:
        """A complete, cited answer, or None when retrieval should answer instead."""
        if filters is not None and not _member_compatible(filters):
            return None
        t0 = time.perf_counter()
        q = self.understand(messages, caller)
        if q is None:
            return None
        rows = [r for r in self.table.select(q.filter, caller.visibilities)
                if _passes(r, filters)]
        if not rows and q.fuzzy:  # the sector was a guess: let retrieval have a go
            return None
        t1 = time.perf_counter()
        sources = self.sources(rows, caller.visibilities)
        timings = {"directory_parse_ms": (t1 - t0) * 1e3}
        ans = build_answer(q, rows, sources, caller.role == "anonymous",
                           messages[-1].content.strip(), timings)
        ans.timings["total_ms"] = (time.perf_counter() - t0) * 1e3
        return ans

    def members(self, flt: MemberFilter, caller: Caller) -> list[MemberRow]:
        """The members ``caller`` may see that match ``flt`` (API and CLI listing)."""
        return self.table.select(flt, caller.visibilities)

    def sources(self, rows: Sequence[MemberRow], visibilities: Sequence[str]
                ) -> dict[str, RetrievedChunk]:
        """Each member's first profile passage, from the caller's own lexical tier."""
        tier = self.index.lexical.tier(tuple(visibilities))
        # chunk ids are "<doc_id>::<index>"; the scan is only a safety net
        first = {r.doc_id: f"{r.doc_id}::0" for r in rows if f"{r.doc_id}::0" in tier.rows}
        missing = {r.doc_id for r in rows} - set(first)
        for cid, row in tier.rows.items() if missing else ():
            if row.doc_id in missing and (row.doc_id not in first
                                          or row.start < tier.rows[first[row.doc_id]].start):
                first[row.doc_id] = cid
        return {doc_id: tier.passage(cid) for doc_id, cid in first.items()}


def _member_compatible(filters: Filters) -> bool:
    """Request filters that only narrow members (or none) leave the directory usable."""
    return filters.doc_type in (None, "member") and not (
        filters.tags or filters.date_from or filters.date_to)


def _passes(row: MemberRow, filters: Filters | None) -> bool:
    if filters is None:
        return True
    if filters.region and filters.region.strip().lower() != row.region.lower():
        return False
    wanted = {s.strip().lower() for s in filters.sectors}
    return not wanted or bool(wanted & {s.lower() for s in row.sectors})
