"""The subset of the OpenAI chat-completions schema we serve, plus ``citations``.

Only what the official ``openai`` client reads is modelled; unknown request fields
(``temperature``, ``user``, ``stream_options`` ...) are accepted and ignored, so
existing clients and tools work unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.api.schemas import (
    MAX_HISTORY,
    MAX_MESSAGE_CHARS,
    ChatMessage,
    FiltersIn,
    Text,
    check_conversation,
)
from assistant.models import Citation

MODEL_ID = "assistant"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    text: Annotated[Text, Field(max_length=MAX_MESSAGE_CHARS)] | None = None


class OAIMessage(BaseModel):
    """An OpenAI message; ``developer`` counts as ``system``, content parts are joined."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: Annotated[Text, Field(max_length=MAX_MESSAGE_CHARS)] | list[ContentPart] | None = ""

    def to_chat(self) -> ChatMessage:
        if isinstance(self.content, list):
            text = "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        else:
            text = self.content or ""
        role = "system" if self.role == "developer" else self.role
        return ChatMessage(role=role, content=text[:MAX_MESSAGE_CHARS])


class CompletionRequest(BaseModel):
    """``POST /v1/chat/completions`` body; ``filters`` is our extension."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "model": MODEL_ID, "stream": False,
        "messages": [{"role": "user", "content": "Chi ha vinto il bando Ponti di Innovazione?"}]}]})

    model: Annotated[Text, Field(max_length=200)] = MODEL_ID
    messages: Annotated[list[OAIMessage], Field(min_length=1, max_length=MAX_HISTORY + 1)]
    stream: bool = False
    filters: FiltersIn | None = None

    @model_validator(mode="after")
    def _conversation(self) -> CompletionRequest:
        check_conversation(self.chat_messages())
        return self

    def chat_messages(self) -> list[ChatMessage]:
        return [m.to_chat() for m in self.messages]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    citations: list[Citation] = Field(
        default_factory=list, description="Extension: the sources of the [n] markers.")


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Completion(BaseModel):
    """A ``chat.completion`` object with ``citations`` on the message."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL_ID
    choices: list[Choice]
    usage: Usage
    citations: list[Citation] = Field(default_factory=list, description="Extension.")
    grounded: bool = Field(True, description="Extension: False when nothing was found.")


class ModelCard(BaseModel):
    id: str = MODEL_ID
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def chunk(cid: str, created: int, delta: dict[str, Any], finish: str | None = None,
          **extra: Any) -> dict[str, Any]:
    """One ``chat.completion.chunk`` of a stream (extension fields in ``extra``)."""
    return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def rough_tokens(text: str) -> int:
    """A usage estimate (~4 characters a token): we do not tokenise for billing."""
    return max(1, len(text) // 4) if text else 0
