"""OpenAI-compatible ``/v1/models`` and ``/v1/chat/completions``.

Any OpenAI client (the official ``openai`` package, LangChain, Open WebUI ...)
works unchanged with ``base_url=http://host:port/v1``. The answer keeps its ``[n]``
markers; the sources travel in the extension field ``citations`` (on the message,
and on the final chunk of a stream). A stream whose text must be discarded midway
(LLM failure) carries ``"reset": true`` on the chunk that restarts it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.exceptions import HTTPException

from assistant.api.deps import caller, get_service
from assistant.api.middleware import request_id
from assistant.api.routes_chat import ERRORS, to_messages
from assistant.api.schemas_openai import (
    MODEL_ID,
    AssistantMessage,
    Choice,
    Completion,
    CompletionRequest,
    ModelCard,
    ModelList,
    Usage,
    chunk,
    rough_tokens,
)
from assistant.api.service import Service
from assistant.models import Answer, Caller, Filters
from assistant.rag.condense import Message

router = APIRouter(tags=["openai"])
log = logging.getLogger("assistant.api")


@router.get("/v1/models", response_model=ModelList, summary="OpenAI-compatible model list")
async def models(_who: Caller = Depends(caller)) -> ModelList:
    return ModelList(data=[ModelCard()])


@router.post("/v1/chat/completions", response_model=Completion, responses={
    **ERRORS, 200: {"content": {"text/event-stream": {}},
                    "description": "`chat.completion`, or `chat.completion.chunk` events then "
                                   "`data: [DONE]` with `stream: true`."}},
    summary="OpenAI-compatible chat completion (with citations)")
async def completions(body: CompletionRequest, request: Request, who: Caller = Depends(caller),
                      svc: Service = Depends(get_service)) -> Any:
    """The ``model`` field is accepted whatever its value; the answer comes from this
    assistant. ``temperature``, ``max_tokens`` and other sampling fields are ignored."""
    messages = to_messages(body.chat_messages())
    filters = body.filters.to_filters() if body.filters else None
    if body.stream:
        return EventSourceResponse(_stream(svc, request, messages, who, filters), sep="\n",
                                   ping=15)
    answer_id, ans = await svc.run(svc.answer, messages, who, filters)
    return _completion(answer_id, ans, messages)


def _completion(answer_id: str, ans: Answer, messages: list[Message]) -> Completion:
    prompt = rough_tokens("".join(m.content for m in messages))
    done = rough_tokens(ans.text)
    return Completion(
        id=f"chatcmpl-{answer_id}", created=int(time.time()), citations=ans.citations,
        grounded=ans.grounded,
        choices=[Choice(message=AssistantMessage(content=ans.text, citations=ans.citations))],
        usage=Usage(prompt_tokens=prompt, completion_tokens=done, total_tokens=prompt + done))


def _data(obj: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(obj, ensure_ascii=False))


async def _stream(svc: Service, request: Request, messages: list[Message], who: Caller,
                  filters: Filters | None) -> AsyncIterator[ServerSentEvent]:
    """``chat.completion.chunk`` events in OpenAI's order, then ``[DONE]``."""
    core = svc.core()
    cid, created = f"chatcmpl-{request_id(request)}", int(time.time())
    yield _data(chunk(cid, created, {"role": "assistant", "content": ""}))
    reset = False
    try:
        async for kind, value in svc.iterate(lambda: core.stream(messages, who, filters)):
            if kind == "reset":
                reset = True
            elif kind == "token":
                extra: dict[str, Any] = {"reset": True} if reset else {}
                reset = False
                yield _data(chunk(cid, created, {"content": value}, None, **extra))
            elif kind == "answer":
                answer_id = await svc.run(svc.record, messages, who, value)
                cites = [c.model_dump() for c in value.citations]
                yield _data(chunk(cid, created, {}, "stop", citations=cites,
                                  answer_id=answer_id, grounded=value.grounded))
    except HTTPException as exc:
        # OpenAI streams report failures as an error object in a data line
        yield _data({"error": {"message": str(exc.detail), "type": "server_error",
                               "code": exc.status_code, "request_id": request_id(request)}})
    except Exception:
        log.exception("completion stream failed (request id %s)", request_id(request))
        yield _data({"error": {"message": "internal server error", "type": "server_error",
                               "code": 500, "request_id": request_id(request)}})
    yield ServerSentEvent("[DONE]")


__all__ = ["MODEL_ID", "router"]
