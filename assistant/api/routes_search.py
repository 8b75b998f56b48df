"""``POST /v1/search``: ranked passages with their retrieval scores."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from assistant.api.deps import caller, get_service
from assistant.api.schemas import ErrorOut, SearchHit, SearchRequest, SearchResponse
from assistant.api.service import Service
from assistant.models import Caller, Filters

router = APIRouter(tags=["search"])


def _search(svc: Service, query: str, who: Caller, k: int | None,
            filters: Filters | None) -> SearchResponse:
    core = svc.core()
    hits, timings = core.search_timed(query, who, k, filters)
    return SearchResponse(query=query, timings=timings, results=[
        SearchHit(rank=i, **h.model_dump()) for i, h in enumerate(hits, 1)])


@router.post("/v1/search", response_model=SearchResponse,
             responses={c: {"model": ErrorOut} for c in (401, 413, 422, 429, 504)},
             summary="Hybrid search over the passages you may see")
async def search(body: SearchRequest, who: Caller = Depends(caller),
                 svc: Service = Depends(get_service)) -> Any:
    """``score`` is the fused rank score; ``lexical`` (BM25) and ``dense`` (cosine) are
    the raw signals. Member-only passages are searched only with a member key or above."""
    filters = body.filters.to_filters() if body.filters else None
    return await svc.run(_search, svc, body.query, who, body.k, filters)
