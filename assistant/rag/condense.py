"""Turn a follow-up ("e in Trentino?", "chi l'ha organizzato?") into a standalone query.

With an LLM: a condense prompt. Offline: a deterministic rewrite that carries the
previous user turn's keywords and the names in the previous answer into the new
query, replacing a region or city when the follow-up names another one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from assistant.models import REGIONS
from assistant.rag.extractive import QUESTION_TERMS
from assistant.rag.llm import LLM, LLMError
from assistant.rag.prompts import CONDENSE_PROMPT
from assistant.text import analyze, fold, words

_REGION_WORDS = {fold(w) for r in REGIONS for w in words(r)}  # "Trentino", "Alto", "Adige" too
_ELLIPSIS = re.compile(r"^(e|ed|and|what about|how about|invece|anche|pure|ma|quindi|allora)\b",
                       re.IGNORECASE)
_PRONOUN = re.compile(r"\b(lo|la|li|le|l'|ne|gli|esso|essa|loro|quello|quella|questo|questa|"
                      r"quelli|it|its|they|them|their|that|this|those|these|he|she|him|her)\b",
                      re.IGNORECASE)
_NAME = re.compile(r"\b[A-ZÀ-Þ][\w'’-]+(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|di|del|della|de|per|e)){0,5}"
                   r"\s*(?:S\.p\.A\.|S\.r\.l\.)?")


class Message(BaseModel):
    """One turn of a conversation."""

    role: str = Field(pattern="^(system|user|assistant)$")
    content: str


def is_followup(question: str) -> bool:
    """Short or anaphoric questions depend on the conversation."""
    content = analyze(question)
    q = question.strip()
    return len(content) <= 3 or bool(_ELLIPSIS.search(q) or _PRONOUN.search(q))


def rewrite(question: str, history: Sequence[Message], keep_question_words: bool = False) -> str:
    """Deterministic standalone query (offline mode). Question words of the previous
    turn ("quali", "soci") are noise for retrieval, but the member directory needs
    them to recognise a list question: ``keep_question_words`` carries them too."""
    prev_user = next((m.content for m in reversed(history) if m.role == "user"), "")
    prev_bot = next((m.content for m in reversed(history) if m.role == "assistant"), "")
    if not prev_user or not is_followup(question):
        return question
    q_words = {fold(w) for w in words(question)}
    replaces_place = bool(q_words & _REGION_WORDS)
    carried = [w for w in words(prev_user)
               if fold(w) not in q_words and analyze(w)
               and (keep_question_words or not set(analyze(w)) <= QUESTION_TERMS)
               and not (replaces_place and fold(w) in _REGION_WORDS)]
    names: list[str] = []
    if _PRONOUN.search(question) and not replaces_place:  # "chi l'ha organizzata?"
        names = [n.strip() for n in _NAME.findall(re.sub(r"\[\d+\]", "", prev_bot))
                 if len(n.strip()) > 3][:3]
    extra = " ".join(dict.fromkeys(carried + names))
    return f"{question.strip()} {extra}".strip()


def condense(question: str, history: Sequence[Message], llm: LLM | None) -> str:
    """Standalone query: LLM condense when available, deterministic rewrite otherwise."""
    if not history or not any(m.role == "user" for m in history):
        return question
    if llm is None:
        return rewrite(question, history)
    transcript = "\n".join(f"{m.role}: {m.content[:1000]}" for m in history[-6:]
                           if m.role in ("user", "assistant"))
    try:
        out = llm.complete([{"role": "user", "content": CONDENSE_PROMPT.format(
            history=transcript, question=question)}], max_tokens=120).strip()
    except LLMError:
        return rewrite(question, history)
    return out.splitlines()[0].strip().strip('"') if out else rewrite(question, history)
