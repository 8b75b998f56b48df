"""Markdown helpers shared by the brief and the LLM draft: labels, source list, word count."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import Citation, RetrievedChunk
from assistant.rag.citations import check, validate

SOURCES_HEADING = {"it": "## Fonti", "en": "## Sources"}
_MEMBERS_ONLY = {"it": "riservato ai soci", "en": "members only"}
_OTHER_PASSAGE = {"it": "altro passaggio", "en": "another passage"}
_PROFILE = {"it": "profilo socio", "en": "member profile"}
_DIGIT_BRACKETS = re.compile(r"\[(\s*\d[\d,; ]*)\]")
_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")


def neutral(text: str) -> str:
    """Source or user text with ``[12]``-like brackets turned into ``(12)``, so that
    only the numbers this module writes are ever read as citations."""
    return _DIGIT_BRACKETS.sub(r"(\1)", text)


def body_of(markdown: str) -> str:
    """The draft without its trailing source list."""
    for heading in SOURCES_HEADING.values():
        i = markdown.find("\n" + heading + "\n")
        if i >= 0:
            return markdown[:i]
    return markdown


def count_words(markdown: str) -> int:
    """Words of the draft, without the source list, ``[n]`` markers and Markdown marks."""
    text = re.sub(r"\[\d[\d,; ]*\]", " ", body_of(markdown))
    return len(_WORD.findall(text))


def source_list(citations: Sequence[Citation], lang: str,
                visibility: dict[str, str] | None = None) -> str:
    """The numbered list of cited sources: title, date, url (and a members-only flag)."""
    lines = [SOURCES_HEADING.get(lang, SOURCES_HEADING["it"]), ""]
    seen: set[str] = set()
    for c in citations:
        parts = [neutral(c.title) or c.doc_id]
        if c.doc_id in seen:
            parts[0] += f" ({_OTHER_PASSAGE.get(lang, _OTHER_PASSAGE['it'])})"
        seen.add(c.doc_id)
        if c.doc_type == "member":
            parts.append(_PROFILE.get(lang, _PROFILE["it"]))
        if c.date:
            parts.append(c.date)
        if c.url:
            parts.append(c.url)
        if (visibility or {}).get(c.chunk_id) == "members":
            parts.append(f"*{_MEMBERS_ONLY.get(lang, _MEMBERS_ONLY['it'])}*")
        lines.append(f"{c.n}. " + " — ".join(parts))
    return "\n".join(lines)


def finish(body: str, sources: Sequence[RetrievedChunk], lang: str
           ) -> tuple[str, list[Citation]]:
    """Validate the body's markers against ``sources`` (invalid ones dropped, the rest
    renumbered by first use) and append the source list of exactly those citations."""
    text, cites = validate(body, sources)
    vis = {c.chunk_id: str(c.metadata.get("visibility", "public")) for c in sources}
    markdown = f"{text}\n\n{source_list(cites, lang, vis)}\n" if cites else text + "\n"
    if not check(markdown, cites):  # a source title or url that looks like a marker
        raise RuntimeError("draft citations do not resolve")
    return markdown, cites
