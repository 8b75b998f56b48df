"""The ``Assistant`` facade: the one object the CLI, the API and the evals use.

Built by :func:`build_assistant` from one :class:`Settings`; it owns the index
(single writer), the retriever, the answerer and the optional LLM client.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from assistant.directory import Directory, events
from assistant.directory.multi import MultiAnswerer
from assistant.draft import Draft, Drafter, DraftRequest
from assistant.ingest.index import Index
from assistant.insights import GapGroup, group_gaps
from assistant.models import Answer, Caller, Document, Filters, RetrievedChunk
from assistant.protocols import LLM
from assistant.protocols import Embedder as EmbedderSeam
from assistant.rag.answer import Answerer, Event
from assistant.rag.condense import Message
from assistant.rag.llm import OpenAILLM
from assistant.rag.retrieve import Retriever
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.rag.llama_retriever import HybridRetriever


class Assistant:
    """Search, answer and manage documents, always on behalf of a :class:`Caller`."""

    def __init__(self, settings: Settings, index: Index, llm: LLM | None = None) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm
        self.retriever = Retriever(settings, index.embedder, index.vectors, index.lexical)
        self.answerer = Answerer(settings, self.retriever, llm)
        self.directory = Directory(index, llm)  # "which/how many members": complete lists
        # several entities, members named in articles, follow-ups on a listed answer
        self.multi = MultiAnswerer(self.directory, self.answerer)
        # Chroma, SQLite and the lexical tiers are shared: writes are serialised
        self.write_lock = threading.RLock()

    def search(self, query: str, caller: Caller, k: int | None = None,
               filters: Filters | None = None) -> list[RetrievedChunk]:
        """Ranked passages visible to ``caller``."""
        return self.retriever.retrieve(query, caller.visibilities, k, filters)

    def as_llama_retriever(self, caller: Caller, k: int | None = None,
                           filters: Filters | None = None) -> HybridRetriever:
        """This index as a llama-index ``BaseRetriever`` seeing what ``caller`` may see."""
        from assistant.rag.llama_retriever import HybridRetriever

        return HybridRetriever(self.retriever, caller, k, filters)

    def search_timed(self, query: str, caller: Caller, k: int | None = None,
                     filters: Filters | None = None
                     ) -> tuple[list[RetrievedChunk], dict[str, float]]:
        """:meth:`search` and the time of each retrieval stage in ms."""
        return self.retriever.retrieve_timed(query, caller.visibilities, k, filters)

    def ask(self, question: str | Sequence[Message], caller: Caller,
            filters: Filters | None = None) -> Answer:
        """Answer a question (or the last user turn of a conversation) with citations."""
        routed = self._route(_messages(question), caller, filters)
        if routed is not None:
            return routed
        return self.answerer.answer(_messages(question), caller.visibilities, filters)

    def _route(self, messages: list[Message], caller: Caller,
               filters: Filters | None) -> Answer | None:
        """A complete answer from the member directory or from part-by-part answering,
        or None: then normal retrieval answers the question."""
        return (self.directory.answer(messages, caller, filters)
                or self.multi.answer(messages, caller, filters))

    def draft(self, request: DraftRequest, caller: Caller) -> Draft:
        """A cited draft (LLM) or working brief (offline) on ``request.topic``, from the
        content ``caller`` may see (see :mod:`assistant.draft`)."""
        return Drafter(self.settings, self.retriever, self.llm).draft(
            request, caller.visibilities)

    def content_gaps(self, questions: Sequence[tuple[str, str]], caller: Caller,
                     limit: int = 30) -> list[GapGroup]:
        """Unanswered ``(question, reason)`` pairs grouped by meaning, each group with the
        closest documents ``caller`` may see (see :mod:`assistant.insights.gaps`)."""
        return group_gaps(questions, self.index.embedder.embed_query,
                          lambda q, k: self.search(q, caller, k), limit)

    def stream(self, question: str | Sequence[Message], caller: Caller,
               filters: Filters | None = None) -> Iterator[Event]:
        """Token events then the final validated answer (see ``Answerer.stream``)."""
        routed = self._route(_messages(question), caller, filters)
        if routed is not None:
            return events(routed)
        return self.answerer.stream(_messages(question), caller.visibilities, filters)

    # -- documents ------------------------------------------------------------------
    def list_documents(self, caller: Caller) -> list[dict[str, Any]]:
        rows = self.index.manifest.docs().values()
        return [{"doc_id": r.doc_id, "doc_type": r.doc_type, "title": r.title,
                 "visibility": r.visibility, "source": r.source, "chunks": r.n_chunks,
                 "status": r.status, **{k: r.meta[k] for k in ("date", "url") if k in r.meta}}
                for r in sorted(rows, key=lambda r: r.doc_id)
                if r.visibility in caller.visibilities]

    def get_document(self, doc_id: str, caller: Caller) -> dict[str, Any] | None:
        """The document, or None if it does not exist or the caller may not see it."""
        row = self.index.manifest.docs().get(doc_id)
        if row is None or row.visibility not in caller.visibilities:
            return None
        return {"doc_id": row.doc_id, "doc_type": row.doc_type, "title": row.title,
                "visibility": row.visibility, "source": row.source, "chunks": row.n_chunks,
                "metadata": row.meta, "text": self.index.manifest.doc_text(doc_id)}

    def upsert_document(self, doc: Document) -> int:
        with self.write_lock:
            return self.index.upsert_document(doc)

    def delete_document(self, doc_id: str) -> bool:
        with self.write_lock:
            return self.index.remove_document(doc_id)

    def close(self) -> None:
        self.index.close()


def _messages(question: str | Sequence[Message]) -> list[Message]:
    if isinstance(question, str):
        return [Message(role="user", content=question)]
    return list(question)


def build_assistant(settings: Settings | None = None, lock: bool = True,
                    embedder: EmbedderSeam | None = None, llm: LLM | None = None
                    ) -> Assistant:
    """The one factory: index (with its lock), embedder, retriever, answerer, LLM.

    ``embedder`` and ``llm`` replace the configured ones (tests, integrations); a
    supplied embedder stays open when the assistant closes.
    """
    settings = settings or Settings()
    index = Index(settings, embedder=embedder, lock=lock)
    if llm is None and settings.llm_enabled:
        llm = OpenAILLM(settings)
    return Assistant(settings, index, llm)
