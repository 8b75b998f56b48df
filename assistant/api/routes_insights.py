"""``GET /v1/insights/gaps``: what members asked that the content does not answer (staff).

Refused questions and questions whose answer was rated down, from keyed and anonymous
chats, stored without any identity, grouped by meaning (see :mod:`assistant.insights`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query

from assistant.api.deps import get_service, staff
from assistant.api.schemas import ErrorOut
from assistant.api.schemas_conversations import GapReport
from assistant.api.service import Service
from assistant.models import Caller

router = APIRouter(tags=["insights"])
GAPS_TIMEOUT_S = 120.0  # embedding a month of new questions can take a while


def gap_report(svc: Service, who: Caller, days: int, limit: int) -> dict[str, Any]:
    """Blocking: the report for the last ``days`` days."""
    questions = svc.database().feedback.gaps(days)
    groups = svc.core().content_gaps(questions, who, limit)
    return {"days": days, "questions": len(questions),
            "collecting": svc.settings.collect_gaps, "groups": [asdict(g) for g in groups]}


@router.get("/v1/insights/gaps", response_model=GapReport,
            responses={c: {"model": ErrorOut} for c in (401, 403, 429, 504)},
            summary="Unanswered questions grouped by topic (staff)")
async def gaps(days: int = Query(30, ge=1, le=3650), limit: int = Query(30, ge=1, le=200),
               who: Caller = Depends(staff), svc: Service = Depends(get_service)) -> Any:
    """Largest groups first; each with a count, 3 example questions and the closest
    documents. Its ``topic`` is a ready draft topic for ``POST /v1/drafts``."""
    return await svc.run(gap_report, svc, who, days, limit, timeout=GAPS_TIMEOUT_S)
