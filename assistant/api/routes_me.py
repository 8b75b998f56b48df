"""``GET /v1/me``: what the caller's API key may do, so a client can adapt its interface
(the chat UI shows its staff tabs only when this says ``staff`` or ``admin``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from assistant.api.deps import caller
from assistant.api.schemas import ErrorOut
from assistant.models import Caller

router = APIRouter(tags=["auth"])


class Me(BaseModel):
    role: str = Field(description="anonymous, member, staff or admin.")
    staff: bool = Field(description="True: documents can be written and drafts requested.")
    visibilities: list[str] = Field(description="The content this key can see.")


@router.get("/v1/me", response_model=Me, summary="The role of your API key",
            responses={c: {"model": ErrorOut} for c in (401, 429)})
async def me(who: Caller = Depends(caller)) -> Me:
    """Anonymous without a key; 401 for an unknown key."""
    return Me(role=who.role, staff=who.is_staff, visibilities=list(who.visibilities))
