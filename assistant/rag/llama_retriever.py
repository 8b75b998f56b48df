"""The hybrid retriever as a llama-index ``BaseRetriever``, for integrators.

A llama-index user plugs our index into their own query engines, agents or
pipelines and gets exactly what the service ranks: BM25 fused with dense scores,
metadata filters applied inside each ranking, and only the partitions the caller
may see (visibility is fixed when the retriever is made, from a
:class:`~assistant.models.Caller`, never from the query)::

    assistant = build_assistant(settings)
    retriever = assistant.as_llama_retriever(Caller(role="member"), k=5)
    engine = RetrieverQueryEngine.from_args(retriever, llm=my_llm)

Each ``NodeWithScore`` carries the fused score; the node's metadata holds the
per-signal scores (``lexical``, ``dense``), the document id, title, URL, offsets
and the chunk metadata, and its source relationship points at the document.
"""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import (
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)

from assistant.models import Caller, Filters, RetrievedChunk
from assistant.rag.retrieve import Retriever


def to_node(hit: RetrievedChunk) -> NodeWithScore:
    """One retrieved chunk as a llama-index node with our scores and metadata."""
    meta = dict(hit.metadata) | {"doc_id": hit.doc_id, "doc_type": hit.doc_type,
                                 "title": hit.title, "url": hit.url, "start": hit.start,
                                 "end": hit.end, "lexical": hit.lexical, "dense": hit.dense}
    node = TextNode(id_=hit.chunk_id, text=hit.text, metadata=meta,
                    start_char_idx=hit.start, end_char_idx=hit.end)
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=hit.doc_id)
    return NodeWithScore(node=node, score=hit.score)


class HybridRetriever(BaseRetriever):
    """:class:`~assistant.rag.retrieve.Retriever` behind llama-index's retriever API."""

    def __init__(self, retriever: Retriever, caller: Caller, k: int | None = None,
                 filters: Filters | None = None) -> None:
        super().__init__()
        self._retriever = retriever
        self._visibilities = caller.visibilities
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._retriever.retrieve(query_bundle.query_str, self._visibilities, self._k,
                                        self._filters)
        return [to_node(h) for h in hits]
