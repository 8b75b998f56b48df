"""Reading the documents a brief leads with: in full, with their lists made quotable.

Retrieval keeps at most two passages a document (for diversity), but the facts a
topic asks for are spread over the whole article about its event: the outcome in
the opening, the figures in a list further down. So the documents that best
answer the topic are read whole, from the caller's own lexical tier (nothing the
caller may not see, and a document matched the request's window and tags already
when it was retrieved). Their short list items ("- **Durata**: 24 mesi",
"- missioni e fiere internazionali: **73%**") are too short to quote alone and
say nothing without their lead-in: each list of short items becomes sentences of
the form "lead-in: item; item; item." (as many as its length needs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from assistant.draft import extract
from assistant.models import Filters, RetrievedChunk
from assistant.rag.retrieve import Retriever
from assistant.text import fold, sentence_spans

MAX_ITEM_CHARS = 200  # a longer item is a paragraph of its own
MAX_LIST_CHARS = 300  # a longer merged list goes on in a further sentence
MAX_LEAD_AGAIN = 80  # a lead-in repeated before each further sentence of its list
_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+(.*\S)\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$")
EVENT_DOCS = 6  # documents naming the event added at most
# a name: two or more capitalised words (inner "di", "del", "e"...), then maybe a year
_NAME = re.compile(r"\b[A-ZÀ-Þ][\w'-]*(?:\s(?:(?:di|del|della|dei|degli|delle|e|of|the|and)\s)?"
                   r"[A-ZÀ-Þ][\w'-]*)+(?:\s(?:19|20)\d\d\b)?")


def whole_documents(retriever: Retriever, visibilities: Sequence[str],
                    chunks: Sequence[RetrievedChunk], docs: Iterable[str]
                    ) -> list[RetrievedChunk]:
    """``chunks`` plus every other passage of ``docs`` the caller may see, in document
    order after them; an added passage carries its document's best retrieval scores."""
    tier = retriever.lexical.tier(tuple(visibilities))
    have = {c.chunk_id for c in chunks}
    best: dict[str, RetrievedChunk] = {}
    for c in chunks:
        if c.doc_id not in best or c.score > best[c.doc_id].score:
            best[c.doc_id] = c
    extra: list[RetrievedChunk] = []
    wanted = [d for d in dict.fromkeys(docs) if d in best]
    rows = [r for r in tier.rows.values() if r.doc_id in wanted and r.chunk_id not in have]
    for r in sorted(rows, key=lambda r: (wanted.index(r.doc_id), r.start)):
        ref = best[r.doc_id]
        extra.append(ref.model_copy(update={
            "chunk_id": r.chunk_id, "text": r.text, "start": r.start, "end": r.end,
            "metadata": ref.metadata | {"section": r.meta.get("section", "")}}))
    return [*chunks, *extra]


def event_names(topic: str) -> list[str]:
    """The names of events, programmes or projects in ``topic`` ("Ponti di Innovazione
    2024", "VITALIA Accelerate 2025"): capitalised runs of two words or more, with a
    year that follows them; the run without its first word too ("Bando Ponti di
    Innovazione 2026" is about "Ponti di Innovazione 2026")."""
    out: list[str] = []
    for m in _NAME.finditer(topic):
        name = m.group()
        rest = name.split(" ", 1)[1] if " " in name else ""
        for n in (name, rest):
            if n and _NAME.fullmatch(n) and n not in out:
                out.append(n)
    return out


def event_passages(retriever: Retriever, visibilities: Sequence[str], topic: str,
                   filters: Filters | None, chunks: Sequence[RetrievedChunk]
                   ) -> list[RetrievedChunk]:
    """The first passage of each further document that names the topic's event
    (``event_names``) word for word: the outcomes of a programme are often told in
    articles about its projects, which a search for the topic's wording ranks low.
    Read from the caller's own tier, through the request's filters; an added passage
    gets the weakest retrieval scores of ``chunks`` (its sentences must earn their
    place), the most recent documents first."""
    names = [fold(n) for n in event_names(topic)]
    if not names or not chunks:
        return []
    tier = retriever.lexical.tier(tuple(visibilities))
    mask = tier.mask(filters) if filters is not None else None
    have = {c.doc_id for c in chunks}
    score, dense = min(c.score for c in chunks), min(c.dense for c in chunks)
    found: dict[str, RetrievedChunk] = {}
    for r in sorted(tier.rows.values(), key=lambda r: (r.doc_id, r.start)):
        if (r.doc_id in have or r.doc_id in found
                or (mask is not None and not tier.allows(r.chunk_id, mask))):
            continue
        text = fold(extract.clean(r.text))
        if any(n in text for n in names):
            found[r.doc_id] = tier.passage(r.chunk_id, score, 0.0, dense)
    recent = sorted(found.values(), key=lambda c: str(c.metadata.get("date") or ""),
                    reverse=True)
    return recent[:EVENT_DOCS]


def merge_lists(text: str) -> str:
    """``text`` with each list of two or more short items (consecutive lines, mostly
    not sentences of their own: no final full stop) joined into sentences after its
    lead-in line (a line ending with ":" or a heading), e.g. "In sintesi: Dotazione:
    1.500.000 euro; Durata: 24 mesi."."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        items: list[str] = []
        j = i
        while j < len(lines) and (m := _ITEM.match(lines[j])) and len(m.group(1)) <= MAX_ITEM_CHARS:
            items.append(m.group(1))
            j += 1
        if (len(items) < 2 or (j < len(lines) and _ITEM.match(lines[j]))
                or 2 * sum(x.rstrip().endswith(".") for x in items) > len(items)):
            out.append(lines[i])
            i += 1
            continue
        lead = _lead_in(out)
        out.append(_sentence(lead, items))
        i = j
    return "\n".join(out)


def _lead_in(before: list[str]) -> str:
    # the last non-empty line before the list, taken out of ``before`` when it
    # introduces the list (ends with ":" or is a heading); of a paragraph, only its
    # last sentence introduces the list: the sentences before it stay as they are
    k = len(before) - 1
    while k >= 0 and not before[k].strip():
        k -= 1
    if k < 0:
        return ""
    line = before[k].strip()
    head = _HEADING.match(line)
    if head:
        del before[k:]
        return extract.clean(head.group(1))
    if not line.endswith(":"):
        return ""
    spans = sentence_spans(line)
    start = spans[-1][0] if spans else 0
    before[k:] = [line[:start].rstrip()] if line[:start].strip() else []
    return extract.clean(line[start:]).rstrip(": ")


def _short(lead: str) -> str:
    # the lead-in to repeat before a list's further sentences: itself when short, else
    # its first and last clauses ("L'accordo … ha durata triennale e prevede"), or none
    if len(lead) <= MAX_LEAD_AGAIN:
        return lead
    first, last = lead.split(",", 1)[0].strip(), lead.rsplit(",", 1)[-1].strip()
    short = f"{first} … {last}"
    return short if first != last and len(short) <= MAX_LEAD_AGAIN else ""


def _sentence(lead: str, items: list[str]) -> str:
    # items packed into sentences of at most MAX_LIST_CHARS: the first after the
    # lead-in, the others too when it is short (a long one would crowd them out)
    again = _short(lead)
    packs: list[tuple[str, list[str]]] = [(lead, [])]
    size = len(lead)
    for item in (extract.clean(x).rstrip(";,. ") for x in items):
        if packs[-1][1] and size + len(item) + 2 > MAX_LIST_CHARS:
            packs.append((again, []))
            size = len(again)
        packs[-1][1].append(item)
        size += len(item) + 2
    return "\n".join(_pack(head, p) for head, p in packs)


def _pack(lead: str, items: list[str]) -> str:
    body = "; ".join(items)
    text = f"{lead}: {body}" if lead else body
    text = text[:1].upper() + text[1:]
    return text + ("" if text.endswith((".", "?", "!")) else ".")


def with_lists_merged(chunks: Sequence[RetrievedChunk]) -> list[RetrievedChunk]:
    """``chunks`` with :func:`merge_lists` applied to their text."""
    out = []
    for c in chunks:
        text = merge_lists(c.text)
        out.append(c if text == c.text else c.model_copy(update={"text": text}))
    return out
