"""Questions about several things at once, answered part by part.

Four kinds, tried by :meth:`MultiAnswerer.answer` before normal retrieval:

* "quali soci hanno partecipato alla missione X (sia a X sia a Y)?": the members named
  in the articles about each event (:mod:`assistant.directory.mentions`), intersected;
* a follow-up about the previous answer's list ("quali di questi sono ospedali?"):
  the directory filter applied to the members that answer named; "quali di loro erano
  anche a MEDICA 2025?": those members that the articles about the event name
  (:mod:`assistant.directory.attendance`);
* how something went over time ("come è andato avanti l'arruolamento?"): one line
  per dated article about it, oldest first (:mod:`assistant.directory.timeline`);
* several entities or years in one question ("i Forum 2024 e 2025", "le missioni a
  Boston, in Giappone e a Singapore"): one retrieval and one answer per part
  (:mod:`assistant.directory.split`), one cited line each.

Every part uses only the public ``Answerer.answer`` / ``Retriever.retrieve``; the
parts' citations are renumbered and validated together
(:func:`assistant.rag.citations.validate`), so the result is an ordinary ``Answer``
that streams like any other.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.directory.aggregate import asked, events_in_year
from assistant.directory.answer import build_answer
from assistant.directory.attendance import Attendance
from assistant.directory.compare import attributes, cell_question, editions, table
from assistant.directory.followup import which_of_them
from assistant.directory.mentions import (
    INTERSECT,
    Mention,
    MentionFinder,
    events_of,
)
from assistant.directory.partanswer import best_cells
from assistant.directory.query import ANAPHORA, normalise
from assistant.directory.split import Part, split
from assistant.directory.timeline import timeline
from assistant.models import Answer, Caller, Filters, RetrievedChunk
from assistant.rag.answer import Answerer
from assistant.rag.citations import marker, validate
from assistant.rag.condense import Message
from assistant.rag.proper import ProperNouns
from assistant.text import detect_language

if TYPE_CHECKING:
    from assistant.directory.service import Directory

_NOT_FOUND = {"it": "non ho trovato questa informazione nei documenti",
              "en": "not found in the documents"}


class MultiAnswerer:
    """Decomposes multi-entity questions; returns None for any other question."""

    def __init__(self, directory: Directory, answerer: Answerer) -> None:
        self.directory = directory
        self.answerer = answerer
        self.attendance = Attendance(directory, answerer.retriever)

    def answer(self, messages: Sequence[Message], caller: Caller,
               filters: Filters | None = None) -> Answer | None:
        if not messages or messages[-1].role != "user":
            return None
        t0 = time.perf_counter()
        question = messages[-1].content.strip()
        lang = detect_language(question, default="it")
        members = [r.name for r in self.directory.table.rows(caller.visibilities)]
        ans = (self._about_list(messages, caller, filters)
               or self.attendance.listed_at_event(messages, caller, filters, lang)
               or which_of_them(self.answerer, messages, members, lang,
                                caller.visibilities, filters)
               or self._took_part(question, lang, caller, filters)
               or self._in_year(question, lang, caller)
               or timeline(self.answerer, question, lang, caller.visibilities, filters,
                           self.directory.doc_passages, self.proper(caller))
               or self._parts(question, lang, caller, filters))
        if ans is not None:
            ans.timings["total_ms"] = (time.perf_counter() - t0) * 1e3
        return ans

    # -- "quali di questi ...": the previous answer's list ------------------------------
    def _about_list(self, messages: Sequence[Message], caller: Caller,
                    filters: Filters | None) -> Answer | None:
        question = messages[-1].content.strip()
        prev = next((m.content for m in reversed(messages[:-1]) if m.role == "assistant"), "")
        if not prev or not ANAPHORA.search(normalise(question)):
            return None
        finder = MentionFinder(self.directory.table.rows(caller.visibilities))
        named = {r.doc_id for r in finder.in_text(prev)}
        if len(named) < 2:
            return None
        standalone = ANAPHORA.sub("soci", normalise(question))
        q = self.directory.parse_question(standalone, caller)
        if q is None or q.filter.is_empty():
            return None
        rows = [r for r in self.directory.table.select(q.filter, caller.visibilities)
                if r.doc_id in named]
        sources = self.directory.sources(rows, caller.visibilities)
        ans = build_answer(q, rows, sources, caller.role == "anonymous", question, {})
        lead = ("Among the members named in the previous answer: " if q.lang == "en"
                else "Tra i soci citati nella risposta precedente: ")
        ans.text = lead + ans.text[:1].lower() + ans.text[1:]
        return ans

    # -- "quali soci hanno partecipato a X (e a Y)?" ------------------------------------
    def _took_part(self, question: str, lang: str, caller: Caller,
                   filters: Filters | None) -> Answer | None:
        events = events_of(question)
        if not events:
            return None
        finder = MentionFinder(self.directory.table.rows(caller.visibilities))
        found: list[dict[str, Mention]] = []
        for event in events:
            members = self.attendance.members_at(event, caller, filters, finder)
            if members is None:
                return None
            found.append(members)
        if len(found) > 1 and not INTERSECT.search(question):  # "rispettivamente a X e a Y"
            return self._per_event(events, found, lang)
        common = set(found[0]).intersection(*found[1:])
        if not common:
            return None if len(found) == 1 else self._per_event(events, found, lang, True)
        return self._list_members(events, found, common, lang)

    def _list_members(self, events: list[str], found: list[dict[str, Mention]],
                      common: set[str], lang: str) -> Answer:
        sources: list[RetrievedChunk] = []
        rows = sorted((found[0][d].row for d in common), key=lambda r: r.name)
        items = [f"{r.name} " + "".join(marker(sources, f[r.doc_id].chunk) for f in found)
                 for r in rows]
        quoted = [f"«{e}»" for e in events]
        if lang == "en":
            where = " and ".join(quoted)
            lead = (f"Members named in the articles about {where} ({len(rows)}): " if
                    len(events) == 1 else f"Members named both at {where} ({len(rows)}): ")
        else:
            where = " e ".join(quoted)
            lead = (f"Soci citati negli articoli su {where} ({len(rows)}): " if
                    len(events) == 1 else f"Soci presenti sia a {' sia a '.join(quoted)} "
                    f"({len(rows)}): ")
        text, cits = validate(lead + ", ".join(items) + ".", sources)
        return Answer(text=text, citations=cits, grounded=True, language=lang,
                      query=" | ".join(events))

    def _per_event(self, events: list[str], found: list[dict[str, Mention]], lang: str,
                   none_in_common: bool = False) -> Answer:
        """One line per event: how many members and which, each cited."""
        lines = []
        sources: list[RetrievedChunk] = []
        for event, f in zip(events, found, strict=True):
            items = [f"{m.row.name} {marker(sources, m.chunk)}"
                     for m in sorted(f.values(), key=lambda m: m.row.name)]
            lines.append(f"- **{event}** ({len(items)}): {', '.join(items) or '-'}")
        head = "" if not none_in_common else (
            "No member is named in both.\n" if lang == "en"
            else "Nessun socio risulta in entrambi.\n")
        text, cits = validate(head + "\n".join(lines), sources)
        return Answer(text=text, citations=cits, grounded=True, language=lang,
                      query=" | ".join(events))

    # -- "quante missioni nel 2025?": distinct events in the year's dated articles ------
    def _in_year(self, question: str, lang: str, caller: Caller) -> Answer | None:
        ask = asked(question)
        if ask is None:
            return None
        docs = [d for d in self.directory.index.manifest.docs().values()
                if d.visibility in caller.visibilities and d.status == "done"]
        events = events_in_year(docs, *ask)
        if not events:
            return None
        sources: list[RetrievedChunk] = []
        lines: list[str] = []
        for e in events:
            passages = self.directory.doc_passages(e.latest.doc_id, caller.visibilities)
            if not passages:
                continue
            sources.append(passages[0])
            lines.append(f"- **{e.latest.title}** ({e.latest.meta.get('date', '')}) "
                         f"[{len(sources)}]")
        noun, year = ask
        head = (f"Articles dated {year} report {len(lines)} {noun}:" if lang == "en" else
                f"Negli articoli datati {year} risultano {len(lines)} {noun}:")
        text, cits = validate(head + "\n" + "\n".join(lines), sources)
        return Answer(text=text, citations=cits, grounded=bool(cits), language=lang,
                      query=f"{noun} {year}")

    # -- several entities or years: one answer per part ----------------------------------
    def proper(self, caller: Caller) -> ProperNouns:
        """The corpus's proper nouns as this caller's tier spells them (cached per tier)."""
        return self.answerer.proper_nouns(caller.visibilities)

    def _parts(self, question: str, lang: str, caller: Caller,
               filters: Filters | None) -> Answer | None:
        names = [r.name for r in self.directory.table.rows(caller.visibilities)]
        parts = split(self.proper(caller).truecase(question), names)
        if not parts:
            tier = self.directory.index.lexical.tier(tuple(caller.visibilities))
            titles = {(str(r.meta.get("title", "")), str(r.meta.get("date", "")))
                      for r in tier.rows.values() if r.meta.get("doc_type") != "member"}
            parts = [Part(label, q) for label, q in editions(question, sorted(titles))]
        if not parts:
            return None
        return self.merge(parts, lang, caller, filters)

    def merge(self, parts: Sequence[Part], lang: str, caller: Caller,
              filters: Filters | None) -> Answer | None:
        """One cited line per part, or a table of parts by asked attributes; None when
        no part could be answered."""
        labels = [p.label for p in parts]
        sources: list[RetrievedChunk] = []

        def quote(question: str, label: str, n: int) -> str:
            cells = best_cells(self.answerer, question, label, labels, lang,
                               caller.visibilities, filters, n, self.directory.doc_passages)
            return " ".join(f"{c.sentence.rstrip()} {marker(sources, c.chunk)}"
                            for c in cells)

        split_attrs = [attributes(p.question) for p in parts]
        attrs = split_attrs[0][1]
        if attrs and all(a == attrs for _, a in split_attrs):
            rows = [[quote(cell_question(base, a), p.label, 1) for a in attrs]
                    for p, (base, _) in zip(parts, split_attrs, strict=True)]
            text = table(labels, attrs, rows)
        else:
            lines = [(p.label, quote(p.question, p.label, 2)) for p in parts]
            miss = _NOT_FOUND.get(lang, _NOT_FOUND["it"]) + "."
            text = "\n".join(f"- **{label}**: {q or miss}" for label, q in lines)
        if not sources:
            return None
        text, cits = validate(text, sources)
        return Answer(text=text, citations=cits, grounded=True, language=lang,
                      query=" | ".join(p.question for p in parts))
