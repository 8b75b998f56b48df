"""Citation validation: every ``[n]`` that reaches a user resolves to a retrieved source.

The same rewriter serves whole answers and token streams: markers are renumbered
by first appearance (1, 2, ...), markers pointing at anything that was not
retrieved for this answer are dropped, and in a stream a partial ``[1`` is held
back until it is complete, so an invalid number is never emitted even briefly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import Citation, RetrievedChunk

_MARK = re.compile(r"\s?\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_PARTIAL = re.compile(r"\s?\[[\d,; ]{0,15}$")


class CitationRewriter:
    """Renumbers and validates ``[n]`` markers against the retrieved ``sources``."""

    def __init__(self, sources: Sequence[RetrievedChunk]) -> None:
        self.sources = list(sources)
        self.order: list[int] = []  # source indexes in order of first citation
        self._buf = ""

    def _number(self, n: int) -> int | None:
        if not 1 <= n <= len(self.sources):
            return None
        if n - 1 not in self.order:
            self.order.append(n - 1)
        return self.order.index(n - 1) + 1

    def _sub(self, m: re.Match[str]) -> str:
        nums = [self._number(int(x)) for x in re.split(r"[,;]", m.group(1))]
        valid = sorted({x for x in nums if x is not None})
        lead = " " if m.group(0).startswith((" ", "\n")) else ""
        return (lead if valid else "") + "".join(f"[{x}]" for x in valid)

    def feed(self, delta: str) -> str:
        """Add streamed text; return the part that is safe to show now."""
        self._buf += delta
        partial = _PARTIAL.search(self._buf)
        cut = partial.start() if partial else len(self._buf)
        ready, self._buf = self._buf[:cut], self._buf[cut:]
        return _MARK.sub(self._sub, ready)

    def flush(self) -> str:
        """The rest of the stream (an unfinished ``[`` at the end is dropped)."""
        rest, self._buf = self._buf, ""
        return _PARTIAL.sub("", _MARK.sub(self._sub, rest))

    def citations(self) -> list[Citation]:
        """The cited sources, numbered as in the rewritten text."""
        return [to_citation(i + 1, self.sources[j]) for i, j in enumerate(self.order)]


def to_citation(n: int, c: RetrievedChunk) -> Citation:
    return Citation(n=n, doc_id=c.doc_id, chunk_id=c.chunk_id, title=c.title, url=c.url,
                    doc_type=c.doc_type, passage=c.text, start=c.start, end=c.end,
                    date=c.metadata.get("date"))


def marker(sources: list[RetrievedChunk], chunk: RetrievedChunk) -> str:
    """``[n]`` for ``chunk``, numbered by first use: added to ``sources`` when new (for
    answers composed line by line, then checked by :func:`validate`)."""
    if chunk not in sources:
        sources.append(chunk)
    return f"[{sources.index(chunk) + 1}]"


def validate(text: str, sources: Sequence[RetrievedChunk]) -> tuple[str, list[Citation]]:
    """Rewrite ``text`` so that its markers are exactly the returned citations."""
    rw = CitationRewriter(sources)
    out = rw.feed(text) + rw.flush()
    return re.sub(r"[ \t]{2,}", " ", out).strip(), rw.citations()


def check(text: str, citations: Sequence[Citation]) -> bool:
    """True when every marker in ``text`` has a citation and every citation is used."""
    used = {int(x) for m in _MARK.finditer(text) for x in re.split(r"[,;]", m.group(1))}
    return used == {c.n for c in citations}
