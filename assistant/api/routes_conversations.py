"""``/v1/conversations``: a keyed caller's stored conversations (create, list, read,
rename, delete, export). ``POST /v1/chat`` with ``conversation_id`` adds to them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from assistant.api.conversation_turns import require_key
from assistant.api.deps import caller, get_service
from assistant.api.schemas import ErrorOut
from assistant.api.schemas_conversations import (
    ConversationCreated,
    ConversationDetail,
    ConversationIn,
    ConversationList,
    TitleIn,
)
from assistant.api.service import Service
from assistant.appdb import to_markdown
from assistant.models import Caller

router = APIRouter(tags=["conversations"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in (401, 404, 429)}
PATH = "/v1/conversations/{conversation_id}"


async def keyed(who: Caller = Depends(caller)) -> Caller:
    """Stored conversations belong to API keys (anonymous chats stay in the browser)."""
    require_key(who)
    return who


def _found(conv: dict[str, Any] | None) -> dict[str, Any]:
    if conv is None:
        raise HTTPException(404, "unknown conversation")
    return conv


@router.post("/v1/conversations", response_model=ConversationCreated, status_code=201,
             responses=ERRORS, summary="Start a stored conversation")
async def create(body: ConversationIn | None = None, who: Caller = Depends(keyed),
                 svc: Service = Depends(get_service)) -> Any:
    title = body.title if body else ""
    return await svc.run(svc.database().conversations.create, who.key_id, title)


@router.get("/v1/conversations", response_model=ConversationList, responses=ERRORS,
            summary="Your conversations, newest activity first")
async def list_conversations(limit: int = Query(50, ge=1, le=200),
                             offset: int = Query(0, ge=0, le=1_000_000),
                             who: Caller = Depends(keyed),
                             svc: Service = Depends(get_service)) -> Any:
    rows, total = await svc.run(svc.database().conversations.page, who.key_id, limit, offset)
    return {"conversations": rows, "total": total, "limit": limit, "offset": offset}


@router.get(PATH, response_model=ConversationDetail, responses=ERRORS,
            summary="A conversation with its messages and their citations")
async def get(conversation_id: str, who: Caller = Depends(keyed),
              svc: Service = Depends(get_service)) -> Any:
    return _found(await svc.run(svc.database().conversations.get, conversation_id,
                                who.key_id))


@router.patch(PATH, response_model=ConversationDetail, responses=ERRORS,
              summary="Rename a conversation")
async def rename(conversation_id: str, body: TitleIn, who: Caller = Depends(keyed),
                 svc: Service = Depends(get_service)) -> Any:
    return _found(await svc.run(svc.database().conversations.rename, conversation_id,
                                who.key_id, body.title))


@router.delete(PATH, status_code=204, responses=ERRORS, summary="Delete a conversation")
async def remove(conversation_id: str, who: Caller = Depends(keyed),
                 svc: Service = Depends(get_service)) -> Response:
    if not await svc.run(svc.database().conversations.delete, conversation_id, who.key_id):
        raise HTTPException(404, "unknown conversation")
    return Response(status_code=204)


@router.get(PATH + "/export", response_class=PlainTextResponse, responses={
    **ERRORS, 200: {"content": {"text/markdown": {}}}},
            summary="A conversation as Markdown, with one numbered list of sources")
async def export(conversation_id: str, who: Caller = Depends(keyed),
                 svc: Service = Depends(get_service)) -> Response:
    conv = _found(await svc.run(svc.database().conversations.get, conversation_id,
                                who.key_id))
    name = f"conversazione-{conversation_id[:8]}.md"
    return PlainTextResponse(to_markdown(conv), media_type="text/markdown; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
