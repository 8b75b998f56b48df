"""Request and result types of drafting (shared by the CLI, the API and the facade)."""

from __future__ import annotations

import calendar
import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.models import Citation, Filters

Kind = Literal["article", "newsletter", "brief"]
Mode = Literal["llm", "extractive"]
DEFAULT_WORDS: dict[str, int] = {"article": 600, "newsletter": 350, "brief": 400}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def normalise_date(value: str, end: bool = False) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a full date: the first day of the
    period, or its last day when ``end`` (so ``--until 2025`` means 2025-12-31)."""
    m = _DATE.match(value.strip())
    if not m:
        raise ValueError(f"invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
    if not 1 <= month <= 12:
        raise ValueError(f"invalid month in {value!r}")
    last = calendar.monthrange(year, month)[1]
    d = int(day) if day else (last if end else 1)
    if not 1 <= d <= last:
        raise ValueError(f"invalid day in {value!r}")
    return f"{year:04d}-{month:02d}-{d:02d}"


class DraftRequest(BaseModel):
    """What a member of staff asks for: a topic, a kind, a length and a scope."""

    topic: str = Field(min_length=3, max_length=300)
    kind: Kind = "article"
    words: int | None = Field(None, ge=80, le=2000,
                              description="Target length (default by kind), ±20 %.")
    since: str | None = Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD (inclusive).")
    until: str | None = Field(None, description="YYYY, YYYY-MM or YYYY-MM-DD (inclusive).")
    tags: list[str] = Field(default_factory=list, max_length=10,
                            description="Only articles with any of these tags.")
    include_members: bool = Field(True, description="Add related member profiles.")
    lang: Literal["it", "en"] | None = Field(
        None, description="Language of the draft, its labels and notices (default: the "
                          "topic's).")

    @field_validator("topic")
    @classmethod
    def _topic(cls, v: str) -> str:
        v = " ".join(v.split())
        if len(v) < 3:
            raise ValueError("topic is too short")
        return v

    @field_validator("since")
    @classmethod
    def _since(cls, v: str | None) -> str | None:
        return normalise_date(v) if v else None

    @field_validator("until")
    @classmethod
    def _until(cls, v: str | None) -> str | None:
        return normalise_date(v, end=True) if v else None

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return [t.strip().lower() for t in v if t.strip()]

    @model_validator(mode="after")
    def _window(self) -> DraftRequest:
        if self.since and self.until and self.since > self.until:
            raise ValueError("'since' is after 'until'")
        return self

    @property
    def target_words(self) -> int:
        """The requested length, or the default for the kind."""
        return self.words or DEFAULT_WORDS[self.kind]

    def filters(self) -> Filters:
        """Article filters for the time window and tags."""
        return Filters(doc_type="article", tags=self.tags, date_from=self.since,
                       date_to=self.until)


class Draft(BaseModel):
    """A draft whose every ``[n]`` resolves to an entry of ``citations``.

    ``mode`` is ``llm`` for a written draft, ``extractive`` for the offline brief
    (verbatim sentences of the sources). ``words`` excludes the source list.
    """

    markdown: str
    citations: list[Citation] = Field(default_factory=list)
    kind: Kind = "article"
    mode: Mode = "extractive"
    topic: str = ""
    words: int = 0
    target_words: int | None = None
    sources_used: int = 0
    sources_considered: int = 0
    degraded: bool = False
    warnings: list[str] = Field(default_factory=list)
    filters: Filters = Field(default_factory=lambda: Filters.model_validate({}))
    timings: dict[str, float] = Field(default_factory=dict)
