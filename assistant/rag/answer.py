"""Answers with validated citations, extractive offline or from an LLM.

Both modes end in :func:`assistant.rag.citations.validate` (or its streaming
twin), so every ``[n]`` in ``Answer.text`` resolves to a passage retrieved for this
answer. Low retrieval confidence gives an explicit "not found" instead of an
answer from general knowledge; an LLM failure gives the extractive answer, marked
``degraded``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.models import Answer, Citation, Filters, RetrievedChunk
from assistant.rag import extractive, outcome, selection
from assistant.rag.answer_model import AnswerModel, load_model
from assistant.rag.citations import CitationRewriter, validate
from assistant.rag.condense import Message, asked_with_subject, condense
from assistant.rag.features import QuestionInfo, analyse_question, split_codes
from assistant.rag.llm import LLM, LLMError
from assistant.rag.names import answered_elsewhere, missing_entities
from assistant.rag.prompts import (
    ANSWER_FRAME,
    DEGRADED,
    NOT_YET,
    PENDING,
    REFUSAL,
    system_prompt,
    user_prompt,
)
from assistant.rag.proper import ProperNouns
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings
from assistant.text import detect_language

__all__ = ["Answer", "Answerer", "Citation", "Message"]
Event = tuple[str, Any]  # ("token", str) | ("reset", "") | ("answer", Answer)
MOSTLY_UNKNOWN = 0.5  # share of a question's content words the corpus never uses


@dataclass
class _Context:
    question: str
    query: str
    lang: str
    chunks: list[RetrievedChunk]
    grounded: bool
    cands: list[extractive.Candidate]
    chosen: list[extractive.Candidate]  # the sentences an extractive answer quotes
    timings: dict[str, float] = field(default_factory=dict)
    scored: selection.Scored | None = None  # features and shares of every candidate
    answer_row: list[float] = field(default_factory=list)  # answerability features
    p_answer: float = 0.0  # the answerability model's probability
    checks: bool = False  # passages found and no near miss the model cannot see
    info: QuestionInfo | None = None  # the question as the features see it
    known: Callable[[str], bool] | None = None  # does the visible corpus use this term?
    named: str | None = None  # the query with lower-case names as the content spells them
    background: tuple[float, float] = (0.0, 0.0)  # dense scores' mean and spread


class Answerer:
    """Retrieves for the (condensed) question and answers from those passages only."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: LLM | None = None,
                 model: AnswerModel | None = None) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self.model = model or load_model()
        self._proper: tuple[object, ProperNouns] | None = None

    def proper_nouns(self, visibilities: Sequence[str]) -> ProperNouns:
        """The words the visible content writes capitalised (cached per lexical tier):
        how a question typed in lower case ("la missione a singapore") is read."""
        tier = self.retriever.lexical.tier(tuple(visibilities))
        if self._proper is None or self._proper[0] is not tier:
            self._proper = (tier, ProperNouns(row.text for row in tier.rows.values()))
        return self._proper[1]

    def prepare(self, messages: Sequence[Message], visibilities: Sequence[str],
                filters: Filters | None = None) -> _Context:
        """Condense, retrieve and judge whether the passages can answer."""
        t0 = time.perf_counter()
        if not messages or messages[-1].role != "user":
            raise ValueError("the last message must be the user's question")
        question = messages[-1].content.strip()
        earlier = " ".join(m.content for m in messages[:-1] if m.role == "user")[-500:]
        # a short follow-up ("e in Trentino?") speaks the conversation's language
        lang = detect_language(question, default=detect_language(earlier) if earlier else "it")
        query = condense(question, list(messages[:-1]), self.llm)
        t1 = time.perf_counter()
        tier = self.retriever.lexical.tier(tuple(visibilities))
        # a follow-up searches with the earlier turns' words, but what it asks (and the
        # sentence that answers it) is in its own words and the carried subject
        previous = next((m.content for m in reversed(messages[:-1]) if m.role == "assistant"),
                        None)
        asked = asked_with_subject(question, query, previous)
        q = analyse_question(asked, lang, tier.idf, tier.doc_freq, lambda: tier.vocabulary,
                             own=question)
        # codes written without their hyphen and typos are searched as the corpus spells them
        search = " ".join([split_codes(query), *q.fuzzy.values()])
        chunks, background = self.retriever.retrieve_with_background(
            search, visibilities, self.settings.top_k, filters)
        if previous and query != question:  # a follow-up read with the earlier turns
            chunks = conversation_first(chunks, self._answered_from(
                messages, visibilities, filters))
        t2 = time.perf_counter()
        dense = self.retriever.sentence_similarity(asked, chunks) if chunks else []
        scored = selection.on_asked_years(
            selection.score_candidates(q, chunks, dense, self.model), query, chunks)
        chosen = selection.select(scored, self.model, [c.doc_id for c in chunks],
                                  set(q.terms) - extractive.QUESTION_TERMS)
        known = selection.corpus_knows(tier.doc_freq, set(q.fuzzy), question, lang,
                                       tier.main_language)
        row = selection.answerability_row(q, scored, chunks, known, background)
        p_answer = self.model.p_answerable(row)
        named = self.proper_nouns(visibilities).truecase(query)
        checks = passes_checks(question, query, lang, chunks, chosen, named)
        threshold = (self.settings.answer_threshold if self.settings.answer_threshold
                     is not None else self.model.threshold)
        # most of what is asked is never mentioned by the visible content (general
        # knowledge), judged on the user's own words, not on a subject carried over
        # from earlier turns: whatever the passages' similarity, they cannot answer
        share, count = selection.unknown_share(question, known)
        grounded = checks and p_answer >= threshold and not (
            share >= MOSTLY_UNKNOWN and count >= 2)
        timings = {"condense_ms": (t1 - t0) * 1e3, "retrieve_ms": (t2 - t1) * 1e3}
        return _Context(question, query, lang, chunks, grounded, scored.cands, chosen, timings,
                        scored, row, p_answer, checks, q, known, named, background)

    def _answered_from(self, messages: Sequence[Message], visibilities: Sequence[str],
                       filters: Filters | None) -> str | None:
        """The document the previous turn was answered from, as retrieval finds it with
        that turn's question and answer (a client sends the text, not the sources)."""
        turn = " ".join(m.content for m in messages[:-1][-2:])
        hits = self.retriever.retrieve(turn[-2000:], visibilities, 1, filters)
        return hits[0].doc_id if hits else None

    def answer(self, messages: Sequence[Message], visibilities: Sequence[str],
               filters: Filters | None = None) -> Answer:
        """A complete answer (see :meth:`stream` for the token-by-token variant)."""
        final: Answer | None = None
        for kind, value in self.stream(messages, visibilities, filters):
            if kind == "answer":
                final = value
        assert final is not None
        return final

    def stream(self, messages: Sequence[Message], visibilities: Sequence[str],
               filters: Filters | None = None) -> Iterator[Event]:
        """Events: ``token`` text deltas (already citation-safe), ``reset`` when the
        text so far must be discarded (LLM failed mid-stream), then ``answer``."""
        t0 = time.perf_counter()
        ctx = self.prepare(messages, visibilities, filters)
        if not ctx.grounded:
            ans = self._refusal(ctx)
        elif self.llm is None:
            ans = self._extractive(ctx)
        else:
            llm_ans = yield from self._llm_stream(ctx)
            if llm_ans is None:
                yield ("reset", "")
                ans = self._extractive(ctx, degraded=True)
            else:
                llm_ans.timings.update(ctx.timings)
                llm_ans.timings["total_ms"] = (time.perf_counter() - t0) * 1e3
                yield ("answer", llm_ans)
                return
        yield from _word_tokens(ans.text)
        ans.timings["total_ms"] = (time.perf_counter() - t0) * 1e3
        yield ("answer", ans)

    def answer_from(self, ctx: _Context) -> Answer:
        """The offline answer for a prepared context: quoted sentences, or a refusal."""
        return self._extractive(ctx) if ctx.grounded else self._refusal(ctx)

    def _refusal(self, ctx: _Context) -> Answer:
        return Answer(text=REFUSAL.get(ctx.lang, REFUSAL["it"]), grounded=False,
                      language=ctx.lang, mode="llm" if self.llm else "extractive",
                      query=ctx.query, timings=dict(ctx.timings))

    def _extractive(self, ctx: _Context, degraded: bool = False) -> Answer:
        t0 = time.perf_counter()
        if not ctx.chosen:
            return self._refusal(ctx)
        text, cites = validate(extractive.compose(ctx.chosen, ctx.chunks), ctx.chunks)
        announced = outcome.only_announces(ctx.question, ctx.chosen)
        pending = not announced and ctx.info is not None and outcome.says_not_yet(
            ctx.chosen, ctx.info.asked)
        frames = NOT_YET if announced else PENDING if pending else ANSWER_FRAME
        text = frames.get(ctx.lang, frames["it"]).format(answer=text)
        if degraded:
            text = f"{text}\n\n{DEGRADED.get(ctx.lang, DEGRADED['it'])}"
        timings = dict(ctx.timings, answer_ms=(time.perf_counter() - t0) * 1e3)
        return Answer(text=text, citations=cites, grounded=not (announced or pending),
                      language=ctx.lang,
                      mode="extractive", degraded=degraded, query=ctx.query, timings=timings)

    def _llm_stream(self, ctx: _Context) -> Generator[Event, None, Answer | None]:
        """Stream the LLM's answer; returns the Answer, or None if the LLM failed."""
        assert self.llm is not None
        t0 = time.perf_counter()
        question = ctx.question if ctx.query == ctx.question else (
            f"{ctx.question}\n(standalone form: {ctx.query})")
        msgs = [{"role": "system", "content": system_prompt(len(ctx.chunks), ctx.lang)},
                {"role": "user", "content": user_prompt(question, ctx.chunks)}]
        rw = CitationRewriter(ctx.chunks)
        parts: list[str] = []
        try:
            for delta in self.llm.stream(msgs):
                safe = rw.feed(delta)
                if safe:
                    parts.append(safe)
                    yield ("token", safe)
        except LLMError:
            return None
        parts.append(rw.flush())
        text = re.sub(r"[ \t]{2,}", " ", "".join(parts)).strip()
        cites = rw.citations()
        timings = dict(llm_ms=(time.perf_counter() - t0) * 1e3)
        if not text:
            return None
        if not cites:  # an uncited reply is not grounded in the sources: never pass it on
            yield ("reset", "")
            ans = self._refusal(ctx)
            ans.timings.update(timings)
            yield from _word_tokens(ans.text)
            return ans
        return Answer(text=text, citations=cites, grounded=True, language=ctx.lang,
                      mode="llm", query=ctx.query, timings=timings)


def passes_checks(question: str, query: str, lang: str, chunks: list[RetrievedChunk],
                   chosen: list[extractive.Candidate], named: str | None = None) -> bool:
    """Passages and a sentence found, and no near miss the answer model cannot see
    from question-level features: names or years of the question that no passage
    mentions (another mission, another call), or that the quoted passages do not
    mention while another passage does, a quantity asked and none quoted, a day
    or a time asked and none quoted, or every quoted sentence about another year than
    the one asked. ``named``: the query with the names typed in lower case spelt as
    the content writes them (``Answerer.proper_nouns``), for the quoted documents'
    names."""
    quoted = {chunks[c.source].doc_id for c in chosen}
    return (bool(chunks) and bool(chosen)
            and not missing_entities(query, lang, chunks)
            and not answered_elsewhere(named or query, chunks, quoted)
            and not extractive.lacks_quantity(question, chosen)
            and not outcome.lacks_detail(question, chosen)
            and not extractive.about_other_years(query, chosen, chunks))


def conversation_first(chunks: list[RetrievedChunk], doc_id: str | None
                       ) -> list[RetrievedChunk]:
    """The retrieved passages of the conversation's document first, the others after,
    each group in retrieval order: "and its capacity?" is about what the previous
    answer quoted (the new plant's article), not about the company profile that ranks
    first for the carried name. Nothing is added: a passage of that document that
    retrieval did not bring is not the answer (pulling them in from deeper ranks
    quoted the wrong passage more often than the right one)."""
    if doc_id is None:
        return chunks
    return ([c for c in chunks if c.doc_id == doc_id]
            + [c for c in chunks if c.doc_id != doc_id])


def _word_tokens(text: str) -> Iterator[Event]:
    for m in re.finditer(r"\S+\s*", text):
        yield ("token", m.group())
