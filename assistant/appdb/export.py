"""A conversation as Markdown: questions, answers, and one numbered list of sources.

Each answer numbers its citations from 1; the export renumbers them over the whole
conversation so every ``[n]`` points at one entry of the final "Fonti" list.
"""

from __future__ import annotations

import re
from typing import Any

_MARK = re.compile(r"\[(\d+)\]")


def _renumber(text: str, citations: list[dict[str, Any]], sources: list[dict[str, Any]]
              ) -> str:
    """``text`` with its markers mapped onto ``sources`` (extended as needed)."""
    mapping: dict[int, int] = {}
    for c in citations:
        key = (c.get("doc_id"), c.get("chunk_id"))
        found = next((i for i, s in enumerate(sources, 1) if (s["doc_id"], s["chunk_id"]) == key),
                     None)
        if found is None:
            sources.append({"doc_id": c.get("doc_id"), "chunk_id": c.get("chunk_id"),
                            "title": c.get("title") or c.get("doc_id"), "url": c.get("url")})
            found = len(sources)
        mapping[int(c.get("n", 0))] = found
    return _MARK.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping
                     else m.group(0), text)


def to_markdown(conv: dict[str, Any]) -> str:
    """The Markdown export of a conversation as returned by ``ConversationStore.get``."""
    sources: list[dict[str, Any]] = []
    lines = [f"# {conv.get('title') or 'Conversazione'}", ""]
    for m in conv["messages"]:
        if m["role"] == "user":
            lines += [f"**Domanda:** {m['content']}", ""]
        else:
            lines += [f"**Risposta:** {_renumber(m['content'], m['citations'], sources)}", ""]
    if sources:
        lines += ["## Fonti", ""]
        for i, s in enumerate(sources, 1):
            where = f" — {s['url']}" if s.get("url") else f" (`{s['doc_id']}`)"
            lines.append(f"{i}. {s['title']}{where}")
    return "\n".join(lines).rstrip() + "\n"
