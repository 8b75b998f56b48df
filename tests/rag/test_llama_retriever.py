"""The hybrid retriever through llama-index: a ``RetrieverQueryEngine`` runs over it
offline (llama-index's ``MockLLM``), with our scores, metadata and visibility."""

from __future__ import annotations

from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeRelationship

from assistant.facade import Assistant
from assistant.models import Caller, Filters

QUESTION = "Quanto è la quota associativa approvata dall'assemblea dei soci?"


def test_query_engine_runs_over_our_ranking(offline: Assistant) -> None:
    retriever = offline.as_llama_retriever(Caller(role="member"), k=3)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    response = engine.query(QUESTION)
    ours = offline.search(QUESTION, Caller(role="member"), k=3)
    assert [n.node.node_id for n in response.source_nodes] == [h.chunk_id for h in ours]
    assert [n.score for n in response.source_nodes] == [h.score for h in ours]
    top = response.source_nodes[0].node
    assert top.metadata["doc_id"] == ours[0].doc_id
    assert top.metadata["lexical"] == ours[0].lexical and top.metadata["dense"] == ours[0].dense
    assert top.relationships[NodeRelationship.SOURCE].node_id == ours[0].doc_id
    assert response.response  # MockLLM's reply, built from our nodes' text


def test_visibility_comes_from_the_caller_not_the_query(offline: Assistant) -> None:
    member = offline.as_llama_retriever(Caller(role="member"), k=10).retrieve(QUESTION)
    anonymous = offline.as_llama_retriever(Caller(role="anonymous"), k=10).retrieve(QUESTION)
    assert any(n.node.metadata["visibility"] == "members" for n in member)
    assert anonymous and all(n.node.metadata["visibility"] == "public" for n in anonymous)


def test_filters_apply(offline: Assistant) -> None:
    retriever = offline.as_llama_retriever(Caller(role="member"), k=10,
                                           filters=Filters(doc_type="member"))
    hits = retriever.retrieve("medicina rigenerativa")
    assert hits and all(n.node.metadata["doc_type"] == "member" for n in hits)
