"""LLM drafts: structured Markdown, every factual sentence cited, length within ±20 %.

The model writes from numbered sources only; its reply goes through the same
citation validation as chat answers (invalid numbers dropped, the rest renumbered)
and gets the source list appended. A reply outside the length range gets one
retry asking to expand or shorten; the attempt closer to the target is kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.draft import prompts
from assistant.draft.render import body_of, count_words, finish
from assistant.models import Citation, RetrievedChunk
from assistant.rag.llm import LLM, LLMError
from assistant.text import sentence_spans

_FENCE = re.compile(r"^\s*```(?:markdown|md)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)
_SOURCES_TAIL = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)?(?:Fonti|Sources|Riferimenti|References)"
                           r"\b.*$", re.IGNORECASE | re.MULTILINE)
_MARKER = re.compile(r"\[\d[\d,; ]*\]")


@dataclass
class Composed:
    """A validated LLM draft."""

    markdown: str
    citations: list[Citation]
    words: int
    attempts: int
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def clean_reply(text: str) -> str:
    """The reply without a code fence around it or a source list of its own."""
    m = _FENCE.match(text)
    text = m.group(1) if m else text
    tail = _SOURCES_TAIL.search(text)
    if tail and tail.start() > len(text) // 3:  # a heading near the end, not the title
        text = text[:tail.start()]
    return text.strip()


def uncited_sentences(markdown: str) -> int:
    """Sentences of paragraphs and bullets (not headings) that carry no ``[n]``."""
    n = 0
    for line in markdown.splitlines():
        line = line.strip().lstrip("-*>• ").strip()
        if not line or line.startswith("#") or len(line) < 40:
            continue
        n += sum(1 for a, b in sentence_spans(line)
                 if len(line[a:b]) >= 40 and not _MARKER.search(line[a:b]))
    return n


def _generate(llm: LLM, messages: list[dict[str, str]], max_tokens: int) -> str:
    # streamed: the client's read timeout then bounds the gaps between tokens, not
    # the whole generation, which for a long draft can take longer than a chat answer
    text = "".join(llm.stream(messages, max_tokens))
    if not text.strip():
        raise LLMError("LLM returned an empty draft")
    return text


def compose(llm: LLM, topic: str, kind: str, words: int, lang: str,
            sources: Sequence[RetrievedChunk], facts: Sequence[tuple[int, str]] = ()
            ) -> Composed | None:
    """A cited draft, or None when the LLM failed or cited nothing (not grounded).
    ``facts`` ((source number, sentence), most important first) are the ones the
    offline brief would lead with: the model is asked to build the draft on them."""
    t0 = time.perf_counter()
    msgs = prompts.messages(topic, kind, words, lang, sources, facts)
    max_tokens = max(llm.settings.llm_max_tokens, int(words * 2.5) + 300)
    try:
        reply = _generate(llm, msgs, max_tokens)
    except LLMError:
        return None
    body, attempts, warnings = clean_reply(reply), 1, []
    low, high = prompts.bounds(words)
    n = count_words(body)
    if not low <= n <= high:
        try:
            second = clean_reply(_generate(llm, prompts.retry(msgs, reply, n, words),
                                           max_tokens))
            attempts = 2
            if abs(count_words(second) - words) < abs(n - words):
                body, n = second, count_words(second)
        except LLMError as exc:
            warnings.append(f"length retry failed: {exc}")
    markdown, cites = finish(body, sources, lang)
    if not cites:
        return None
    if not low <= n <= high:
        warnings.append(f"length {n} words is outside {low}-{high}")
    missing = uncited_sentences(body_of(markdown))
    if missing:
        warnings.append(f"{missing} sentence(s) without a citation: check them")
    return Composed(markdown, cites, count_words(markdown), attempts, warnings,
                    {"llm_ms": (time.perf_counter() - t0) * 1e3})
