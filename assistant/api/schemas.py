"""Request and response models of the HTTP API (they are also its OpenAPI schema).

Every string that comes from a client goes through :func:`clean_text_input`: NUL
bytes and lone surrogates are refused with a 422 here, because further down they
would break SQLite writes or the UTF-8 encoding of a JSON response (a 500).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, model_validator

from assistant.models import Citation, Filters, RetrievedChunk

MAX_QUESTION_CHARS = 4000
MAX_QUESTION_WORDS = 1000  # after Unicode normalisation: what retrieval really works on
MAX_HISTORY = 50  # messages before the question
MAX_MESSAGE_CHARS = 16000  # earlier turns (answers, system prompts) may be longer
_WORD = re.compile(r"\w+")


def clean_text_input(value: str) -> str:
    """Refuse NUL bytes and lone surrogates (not encodable as UTF-8)."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("invalid Unicode (lone surrogate)") from None
    return value


def check_nested(value: Any, depth: int = 0) -> Any:
    """:func:`clean_text_input` over every key and string of a JSON value."""
    if depth > 8:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        clean_text_input(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            clean_text_input(str(k))
            check_nested(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            check_nested(v, depth + 1)
    return value


Text = Annotated[str, AfterValidator(clean_text_input)]


class FiltersIn(Filters):
    """Metadata filters. Visibility is not a filter: it follows from your API key."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"doc_type": "article", "tags": ["bandi"], "date_from": "2024-01-01"}]})

    @model_validator(mode="after")
    def _clean(self) -> FiltersIn:
        check_nested(self.model_dump())
        if len(self.tags) > 50 or len(self.sectors) > 50:
            raise ValueError("at most 50 tags and 50 sectors")
        return self

    def to_filters(self) -> Filters:
        return Filters(**self.model_dump())


class ChatMessage(BaseModel):
    """One turn of the conversation; the last one must be the user's question."""

    role: Literal["system", "user", "assistant"]
    content: Annotated[Text, Field(max_length=MAX_MESSAGE_CHARS)]


def check_question_cost(question: str) -> str:
    """Bound the work of a question by what it becomes after Unicode normalisation: one
    character can expand to many (U+FDFA is 18 characters and 4 words in NFKD), so a
    limit on characters alone lets a short question cost as much as 24 long ones."""
    folded = unicodedata.normalize("NFKD", question)
    if len(folded) > 2 * MAX_QUESTION_CHARS or \
            sum(1 for _ in _WORD.finditer(folded)) > MAX_QUESTION_WORDS:
        raise ValueError(f"the question is longer than {MAX_QUESTION_WORDS} words once "
                         "its Unicode is normalised")
    return question


def check_conversation(messages: list[ChatMessage]) -> None:
    """The shared rules of /v1/chat and /v1/chat/completions."""
    if not messages or messages[-1].role != "user":
        raise ValueError("the last message must have role 'user' (the question)")
    question = messages[-1].content
    if not question.strip():
        raise ValueError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is longer than {MAX_QUESTION_CHARS} characters")
    check_question_cost(question)
    if len(messages) > MAX_HISTORY + 1:
        raise ValueError(f"at most {MAX_HISTORY} earlier messages are accepted")


def refuse_visibility(data: Any) -> Any:
    """A ``visibility`` field anywhere in a request is refused (422), never ignored: what a
    caller sees comes from its key only, and a silently dropped field would look obeyed."""
    if isinstance(data, dict) and "visibility" in data:
        raise ValueError("'visibility' cannot be requested: it follows from the API key")
    return data


class ChatRequest(BaseModel):
    """A question, optionally with the conversation so far."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "messages": [{"role": "user", "content": "Quanto vale il bando Ponti di Innovazione?"}],
        "filters": {"doc_type": "article"}, "stream": False}]})

    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=MAX_HISTORY + 1)]
    filters: FiltersIn | None = None
    stream: bool = Field(False, description="Server-Sent Events instead of one JSON object.")
    conversation_id: Annotated[Text, Field(min_length=1, max_length=64)] | None = Field(
        None, description="A stored conversation of your key (POST /v1/conversations): send "
        "only the new user message; the history is loaded and both turns are appended.")

    @model_validator(mode="before")
    @classmethod
    def _no_visibility(cls, data: Any) -> Any:
        return refuse_visibility(data)

    @model_validator(mode="after")
    def _conversation(self) -> ChatRequest:
        check_conversation(self.messages)
        if self.conversation_id is not None and len(self.messages) != 1:
            raise ValueError("with conversation_id send only the new user message")
        return self


class ChatResponse(BaseModel):
    """An answer whose every ``[n]`` marker is an entry of ``citations``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "answer_id": "5f0c6a1e9d2b4c8f8a1e2b3c4d5e6f70",
        "answer": "Il bando Ponti di Innovazione ha una dotazione di 1,2 milioni di euro [1].",
        "citations": [{"n": 1, "doc_id": "articles/2024-05-bando-ponti-innovazione-2024.md",
                       "chunk_id": "articles/2024-05-bando-ponti-innovazione-2024.md#0",
                       "title": "Bando Ponti di Innovazione 2024", "url": "", "doc_type":
                       "article", "passage": "...", "start": 0, "end": 420,
                       "date": "2024-05-06"}],
        "grounded": True, "mode": "extractive", "degraded": False, "language": "it",
        "query": "Quanto vale il bando Ponti di Innovazione?",
        "timings": {"retrieve_ms": 12.1, "answer_ms": 1.3, "total_ms": 14.0}}]})

    answer_id: str = Field(description="Refer to it in POST /v1/feedback (in a stored "
                           "conversation it is also the answer's message_id).")
    conversation_id: str | None = Field(None, description="Set when the turn was stored.")
    answer: str
    citations: list[Citation]
    grounded: bool = Field(description="False: the sources do not answer the question.")
    mode: Literal["extractive", "llm"]
    degraded: bool = Field(description="True: the LLM failed, this is the extractive answer.")
    language: str
    query: str = Field("", description="The standalone query used for retrieval.")
    timings: dict[str, float]


class SearchRequest(BaseModel):
    """Hybrid (BM25 + dense) search over the passages you may see."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"query": "dispositivi per la terapia respiratoria", "k": 5,
         "filters": {"doc_type": "member"}}]})

    query: Annotated[Text, Field(min_length=1, max_length=MAX_QUESTION_CHARS),
                     AfterValidator(check_question_cost)]
    k: int | None = Field(None, ge=1, le=50, description="Default: the server's top_k.")
    filters: FiltersIn | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_visibility(cls, data: Any) -> Any:
        return refuse_visibility(data)


class SearchHit(RetrievedChunk):
    """A ranked passage: fused ``score`` and the normalised ``lexical``/``dense`` signals."""

    rank: int


class SearchResponse(BaseModel):
    query: str
    results: list[SearchHit]
    timings: dict[str, float] = Field(default_factory=dict)


class _DocumentFields(BaseModel):
    doc_id: str
    doc_type: str
    title: str
    visibility: str
    source: str
    chunks: int


class DocumentSummary(_DocumentFields):
    """A document of the index (without its text)."""

    status: str = "done"
    date: str | None = None
    url: str | None = None


class DocumentList(BaseModel):
    total: int = Field(description="Documents visible to you, before pagination.")
    offset: int
    limit: int
    items: list[DocumentSummary]


class DocumentDetail(_DocumentFields):
    metadata: dict[str, Any]
    text: str | None


class DocumentIn(BaseModel):
    """A document given as JSON (the alternative is a multipart ``file`` upload)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Nuovo bando voucher 2026", "text": "Il cluster apre il bando ...",
        "doc_type": "article",
        "metadata": {"date": "2026-01-15", "tags": ["bandi"], "visibility": "members"}}]})

    title: Annotated[Text, Field(min_length=1, max_length=500)]
    text: Annotated[Text, Field(min_length=1, max_length=900_000)]
    doc_type: Literal["article", "member"] = "article"
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Front-matter fields: visibility (public|members), date, url, tags, "
                    "author, lang; members also kind, region, city, sectors, website, ...")

    @model_validator(mode="after")
    def _clean(self) -> DocumentIn:
        check_nested(self.metadata)
        clash = {"id", "title", "doc_type", "name"} & set(self.metadata)
        if clash:
            raise ValueError(f"metadata may not set {sorted(clash)}: use the URL and fields")
        return self


class DocumentWritten(BaseModel):
    doc_id: str
    created: bool
    chunks: int
    source: str = Field(description="The file under the corpus that now holds it.")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"answer_id": "5f0c6a1e9d2b4c8f8a1e2b3c4d5e6f70", "rating": "up",
         "comment": "Chiara e completa"}]})

    answer_id: Annotated[Text, Field(min_length=1, max_length=64, validation_alias=AliasChoices(
        "answer_id", "message_id"), description="Or message_id: the answer's id.")]
    rating: Literal["up", "down"]
    comment: Annotated[Text, Field(max_length=2000)] | None = None


class FeedbackOut(BaseModel):
    feedback_id: int
    answer_id: str


class ErrorOut(BaseModel):
    """Every error: a message (or validation errors) and the request id to quote."""

    detail: Any
    request_id: str
