"""``POST /v1/feedback``: a thumbs up/down (and a comment) on a recorded answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.exceptions import HTTPException

from assistant.api.deps import caller, get_service
from assistant.api.schemas import ErrorOut, FeedbackIn, FeedbackOut
from assistant.api.service import Service
from assistant.models import Caller

router = APIRouter(tags=["feedback"])


def _store(svc: Service, body: FeedbackIn, who: Caller) -> int | None:
    if svc.feedback is None:
        raise HTTPException(503, "the service is starting")
    return svc.feedback.add_feedback(body.answer_id, body.rating, body.comment, who)


@router.post("/v1/feedback", response_model=FeedbackOut, status_code=201,
             responses={c: {"model": ErrorOut} for c in (401, 404, 413, 422, 429)},
             summary="Rate an answer (its answer_id comes with every answer)")
async def feedback(body: FeedbackIn, who: Caller = Depends(caller),
                   svc: Service = Depends(get_service)) -> FeedbackOut:
    feedback_id = await svc.run(_store, svc, body, who)
    if feedback_id is None:
        raise HTTPException(404, "unknown answer_id")
    return FeedbackOut(feedback_id=feedback_id, answer_id=body.answer_id)
