"""Tables of the application database: conversations, answers, feedback, content gaps.

The index (``index/``) can always be rebuilt from the corpus; what is here cannot, so it
lives in its own database (see :mod:`assistant.appdb.engine`). Schema changes go through
the Alembic migrations in ``assistant/appdb/migrations``, never through ``create_all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base; timestamps are Unix seconds (float) on every backend."""


class Conversation(Base):
    """A keyed caller's conversation; ``key_id`` is the hashed key, never the key."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class ConversationMessage(Base):
    """One turn; ``seq`` orders them (a serial id, increasing on every backend)."""

    __tablename__ = "messages"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)


class AnswerRecord(Base):
    """Every answer given, so feedback refers to a known answer and text."""

    __tablename__ = "answers"
    answer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created: Mapped[float] = mapped_column(Float)
    key_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    grounded: Mapped[bool] = mapped_column(Boolean)
    mode: Mapped[str] = mapped_column(String(16))
    degraded: Mapped[bool] = mapped_column(Boolean)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class FeedbackRecord(Base):
    """A thumbs up/down (and comment) on a recorded answer."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),)
    feedback_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("answers.answer_id"), index=True)
    created: Mapped[float] = mapped_column(Float)
    key_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class GapQuestion(Base):
    """A question the content did not answer (refused, or rated down). Deliberately no
    caller, key or answer reference: the content-gap report must not identify anyone."""

    __tablename__ = "gap_questions"
    __table_args__ = (Index("gap_questions_created", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))  # "refused" or "down"
    created_at: Mapped[float] = mapped_column(Float)
