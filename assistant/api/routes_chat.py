"""``POST /v1/chat``: a cited answer as JSON, or as Server-Sent Events."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.exceptions import HTTPException

from assistant.api.conversation_turns import with_history
from assistant.api.deps import caller, get_service
from assistant.api.middleware import request_id
from assistant.api.schemas import ChatMessage, ChatRequest, ChatResponse, ErrorOut
from assistant.api.service import Service
from assistant.models import Answer, Caller, Filters
from assistant.rag.condense import Message

router = APIRouter(tags=["chat"])
log = logging.getLogger("assistant.api")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 413, 422, 429, 504)}

SSE_DOC = """With `"stream": true` the reply is `text/event-stream`:

* `event: token` — `data: {"text": "..."}`, pieces of the answer (citation markers are
  only sent once valid);
* `event: reset` — `data: {}`: discard the text received so far (the LLM failed or gave an
  uncited reply; the replacement follows as new tokens);
* `event: citations` — `data: {"citations": [...]}`;
* `event: done` — `data:` the same object as the non-streaming response;
* `event: error` — `data: {"detail": ..., "status": 504, "request_id": ...}` if it fails
  midway.
"""


def to_messages(msgs: list[ChatMessage]) -> list[Message]:
    return [Message(role=m.role, content=m.content) for m in msgs]


def to_response(answer_id: str, ans: Answer, conversation_id: str | None = None
                ) -> ChatResponse:
    return ChatResponse(answer_id=answer_id, answer=ans.text, citations=ans.citations,
                        grounded=ans.grounded, mode=ans.mode, degraded=ans.degraded,
                        language=ans.language, query=ans.query, timings=ans.timings,
                        conversation_id=conversation_id)


@router.post("/v1/chat", response_model=ChatResponse, responses={
    **ERRORS, 200: {"content": {"text/event-stream": {}},
                    "description": "JSON, or Server-Sent Events with `stream: true`."}},
    summary="Ask a question (with the conversation so far)", description=SSE_DOC)
async def chat(body: ChatRequest, request: Request, who: Caller = Depends(caller),
               svc: Service = Depends(get_service)) -> Any:
    messages = to_messages(body.messages)
    conv = body.conversation_id
    if conv is not None:  # the stored history, then the new question
        messages = await svc.run(with_history, svc, who, conv, messages[-1])
    filters = body.filters.to_filters() if body.filters else None
    if body.stream:
        return EventSourceResponse(_sse(svc, request, messages, who, filters, conv), sep="\n",
                                   ping=15)
    answer_id, ans = await svc.run(svc.answer, messages, who, filters, conv)
    return to_response(answer_id, ans, conv)


def _event(name: str, data: Any) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(data, ensure_ascii=False), event=name)


async def _sse(svc: Service, request: Request, messages: list[Message], who: Caller,
               filters: Filters | None, conv: str | None) -> AsyncIterator[ServerSentEvent]:
    """token*/reset events, then citations and done; an error event if it fails midway."""
    core = svc.core()
    try:
        async for kind, value in svc.iterate(lambda: core.stream(messages, who, filters)):
            if kind == "token":
                yield _event("token", {"text": value})
            elif kind == "reset":
                yield _event("reset", {})
            elif kind == "answer":
                answer_id = await svc.run(svc.record, messages, who, value, conv)
                yield _event("citations", {"citations": [c.model_dump() for c in
                                                         value.citations]})
                yield _event("done", to_response(answer_id, value, conv).model_dump())
    except HTTPException as exc:
        yield _event("error", {"detail": exc.detail, "status": exc.status_code,
                               "request_id": request_id(request)})
    except Exception:
        log.exception("stream failed (request id %s)", request_id(request))
        yield _event("error", {"detail": "internal server error", "status": 500,
                               "request_id": request_id(request)})
