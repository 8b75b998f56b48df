"""Typed values that flow between the stages: documents, chunks, hits, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

DocType = Literal["article", "member"]
VISIBILITIES: tuple[str, ...] = ("public", "members")
# Italian regions as members' profiles name them (filters, the directory, follow-ups)
REGIONS = ("Abruzzo", "Basilicata", "Calabria", "Campania", "Emilia-Romagna",
           "Friuli-Venezia Giulia", "Lazio", "Liguria", "Lombardia", "Marche", "Molise",
           "Piemonte", "Puglia", "Sardegna", "Sicilia", "Toscana", "Trentino-Alto Adige",
           "Umbria", "Valle d'Aosta", "Veneto")


@dataclass
class Document:
    """One source document after loading, before chunking.

    ``text`` is the canonical text that chunk offsets and citation passages refer to.
    """

    doc_id: str
    doc_type: DocType
    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    content_hash: str = ""

    @property
    def visibility(self) -> str:
        return str(self.metadata.get("visibility", "public"))


@dataclass
class Chunk:
    """A passage of a document: ``text`` is ``document.text[start:end]``."""

    chunk_id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    embed_text: str
    lang: str
    metadata: dict[str, Any] = field(default_factory=dict)


Role = Literal["anonymous", "member", "staff", "admin"]


@dataclass(frozen=True)
class Caller:
    """Who is asking. Visibility is derived from the role only, never from a request."""

    role: Role = "anonymous"
    key_id: str = "anonymous"

    @property
    def visibilities(self) -> tuple[str, ...]:
        return ("public",) if self.role == "anonymous" else VISIBILITIES

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")


class Filters(BaseModel):
    """Metadata filters a caller may apply. Visibility is never part of it: it
    comes from the caller's identity (see :class:`Caller`)."""

    doc_type: DocType | None = None
    tags: list[str] = Field(default_factory=list, description="Any of these tags.")
    sectors: list[str] = Field(default_factory=list, description="Any of these sectors.")
    region: str | None = None
    date_from: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$")

    def is_empty(self) -> bool:
        return not (
            self.doc_type or self.tags or self.sectors or self.region
            or self.date_from or self.date_to
        )


class RetrievedChunk(BaseModel):
    """A ranked passage with the scores of each retrieval signal."""

    chunk_id: str
    doc_id: str
    doc_type: str
    title: str
    url: str = ""
    text: str
    start: int
    end: int
    score: float
    lexical: float = 0.0
    dense: float = 0.0
    metadata: dict[str, Any] = Field(default_factory=dict)


class Citation(BaseModel):
    """A numbered source of an answer: a passage that was retrieved for it."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    url: str = ""
    doc_type: str = "article"
    passage: str
    start: int
    end: int
    date: str | None = None


class Answer(BaseModel):
    """An answer whose every ``[n]`` resolves to an entry of ``citations``."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool = True
    language: str = "it"
    mode: Literal["extractive", "llm"] = "extractive"
    degraded: bool = False
    query: str = ""
    timings: dict[str, float] = Field(default_factory=dict)
