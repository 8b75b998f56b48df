"""``POST /v1/drafts``: staff drafts and briefs grounded in the cluster's content.

With an LLM configured: an article, newsletter or brief in Markdown, every factual
sentence cited; offline: a working brief of verbatim, cited facts. Staff and admin
only (401 without a key, 403 with a member key); member-only content is included
because staff may see it, and flagged in the source list.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from assistant.api.deps import get_service, staff
from assistant.api.schemas import ErrorOut
from assistant.api.service import Service
from assistant.draft import Draft, DraftRequest
from assistant.models import Caller

router = APIRouter(tags=["drafts"])
_ERR: dict[int | str, dict[str, Any]] = {
    c: {"model": ErrorOut} for c in (401, 403, 413, 422, 429, 504)}
MIN_TIMEOUT_S = 180.0  # a long draft is one or two long LLM generations


@router.post("/v1/drafts", response_model=Draft, responses=_ERR,
             summary="Draft an article, newsletter or brief on a topic (staff)")
async def create_draft(body: DraftRequest, who: Caller = Depends(staff),
                       svc: Service = Depends(get_service)) -> Any:
    """Broad retrieval on ``topic`` (restricted by ``since``/``until`` and ``tags``),
    then an LLM draft of about ``words`` words (±20 %) or, offline, a brief. Every
    ``[n]`` in ``markdown`` resolves to ``citations``; ``warnings`` lists what to check."""
    timeout = max(svc.settings.request_timeout_s, MIN_TIMEOUT_S)
    return await svc.run(svc.core().draft, body, who, timeout=timeout)
