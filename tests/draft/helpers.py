"""Assertions shared by the drafting tests."""

from __future__ import annotations

import re

from assistant.draft import Draft
from assistant.draft.extract import clean
from assistant.draft.read import merge_lists
from assistant.facade import Assistant
from assistant.rag.citations import check

_BULLET = re.compile(r"^- (.+?) ((?:\[\d+\])+)$")


def facts(markdown: str) -> list[tuple[str, list[int]]]:
    """(sentence, numbers) of the bullets under the brief's key-facts heading."""
    section = markdown.split("## Fatti chiave", 1)[-1].split("\n## ", 1)[0]
    out = []
    for line in section.splitlines():
        m = _BULLET.match(line.strip())
        if m:
            out.append((m.group(1), [int(n) for n in re.findall(r"\d+", m.group(2))]))
    return out


def assert_valid(draft: Draft, assistant: Assistant) -> None:
    """Every [n] resolves, every citation is an exact passage of an indexed document."""
    assert check(draft.markdown, draft.citations), draft.markdown
    assert [c.n for c in draft.citations] == list(range(1, len(draft.citations) + 1))
    for c in draft.citations:
        text = assistant.index.manifest.doc_text(c.doc_id)
        assert text is not None and text[c.start:c.end] == c.passage


def assert_verbatim(draft: Draft) -> None:
    """Each key fact is a sentence of the passage it cites (a list of short items
    counts as one sentence: its lead-in and items joined, see ``draft.read``)."""
    by_n = {c.n: clean(merge_lists(c.passage)) for c in draft.citations}
    found = facts(draft.markdown)
    assert found, draft.markdown
    for sentence, refs in found:
        assert sentence.rstrip(".") in by_n[refs[0]], (sentence, by_n[refs[0]])


def cited_docs(draft: Draft, doc_type: str = "article") -> set[str]:
    return {c.doc_id for c in draft.citations if c.doc_type == doc_type}
