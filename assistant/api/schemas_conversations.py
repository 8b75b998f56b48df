"""Request and response models of ``/v1/conversations`` and ``/v1/insights/gaps``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from assistant.api.schemas import Text
from assistant.models import Citation

Title = Annotated[Text, Field(max_length=200)]


class ConversationIn(BaseModel):
    title: Title = Field("", description="Empty: the first question becomes the title.")


class TitleIn(BaseModel):
    title: Annotated[Text, Field(min_length=1, max_length=200)]


class ConversationCreated(BaseModel):
    id: str
    title: str
    created_at: float = Field(description="Unix time, seconds.")


class ConversationSummary(BaseModel):
    id: str
    title: str
    updated_at: float = Field(description="Unix time of the last activity.")
    turns: int = Field(description="Questions asked so far.")


class ConversationList(BaseModel):
    conversations: list[ConversationSummary] = Field(description="Newest activity first.")
    total: int
    limit: int
    offset: int


class StoredMessage(BaseModel):
    message_id: str = Field(description="For an answer: its answer_id (POST /v1/feedback).")
    role: Literal["user", "assistant"]
    content: str
    citations: list[Citation]
    created_at: float


class ConversationDetail(BaseModel):
    id: str
    title: str
    created_at: float
    updated_at: float
    messages: list[StoredMessage]


class GapDocument(BaseModel):
    doc_id: str
    title: str
    url: str = ""
    score: float


class GapGroup(BaseModel):
    topic: str = Field(description="The group's most central question (the draft topic).")
    count: int
    refused: int = Field(description="Of which the assistant could not answer.")
    rated_down: int = Field(description="Of which a user rated the answer down.")
    examples: list[str] = Field(description="Up to 3 questions of the group.")
    documents: list[GapDocument] = Field(description="The closest existing documents.")


class GapReport(BaseModel):
    days: int
    questions: int = Field(description="Questions in the period.")
    collecting: bool = Field(description="False: ASSISTANT_COLLECT_GAPS is off.")
    groups: list[GapGroup] = Field(description="Largest first.")
