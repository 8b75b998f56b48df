"""Conversations of keyed callers: create, list, read, rename, delete, append, export.

Every read and write takes the caller's ``key_id``: a conversation of another key is
indistinguishable from one that does not exist (the API answers 404 for both).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from assistant.appdb.schema import Conversation, ConversationMessage
from assistant.models import Answer

TITLE_CHARS = 80
DAY_S = 86_400.0


def title_from(question: str) -> str:
    """A conversation's automatic title: its first question, shortened on a word."""
    words = " ".join(question.split())
    if len(words) <= TITLE_CHARS:
        return words
    return words[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _message(m: ConversationMessage) -> dict[str, Any]:
    return {"message_id": m.message_id, "role": m.role, "content": m.content,
            "citations": list(m.citations or []), "created_at": m.created_at}


class ConversationStore:
    """Conversations in the application database (sessions are short and per call)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _owned(self, s: Session, conv_id: str, key_id: str) -> Conversation | None:
        conv = s.get(Conversation, conv_id)
        return conv if conv is not None and conv.key_id == key_id else None

    def create(self, key_id: str, title: str = "") -> dict[str, Any]:
        now = time.time()
        conv = Conversation(id=uuid.uuid4().hex, key_id=key_id, title=title.strip()[:200],
                            created_at=now, updated_at=now)
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            s.add(conv)
        return {"id": conv.id, "title": conv.title, "created_at": now}

    def page(self, key_id: str, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]],
                                                                            int]:
        """The caller's conversations, newest activity first, and their total number."""
        turns = (select(func.count(ConversationMessage.seq))
                 .where(ConversationMessage.conversation_id == Conversation.id,
                        ConversationMessage.role == "user")
                 .correlate(Conversation).scalar_subquery())
        with Session(self.engine, expire_on_commit=False) as s:
            total = s.scalar(select(func.count()).select_from(Conversation)
                             .where(Conversation.key_id == key_id)) or 0
            rows = s.execute(select(Conversation, turns).where(Conversation.key_id == key_id)
                             .order_by(Conversation.updated_at.desc(), Conversation.id)
                             .limit(limit).offset(offset)).all()
        return ([{"id": c.id, "title": c.title, "updated_at": c.updated_at, "turns": int(n)}
                 for c, n in rows], int(total))

    def get(self, conv_id: str, key_id: str) -> dict[str, Any] | None:
        """The conversation with its messages in order, or None (missing or not yours)."""
        with Session(self.engine, expire_on_commit=False) as s:
            conv = self._owned(s, conv_id, key_id)
            if conv is None:
                return None
            msgs = s.scalars(select(ConversationMessage)
                             .where(ConversationMessage.conversation_id == conv_id)
                             .order_by(ConversationMessage.seq)).all()
            return {"id": conv.id, "title": conv.title, "created_at": conv.created_at,
                    "updated_at": conv.updated_at, "messages": [_message(m) for m in msgs]}

    def history(self, conv_id: str, key_id: str, last: int) -> list[tuple[str, str]] | None:
        """The last ``last`` messages as (role, content), or None (missing or not yours)."""
        conv = self.get(conv_id, key_id)
        if conv is None:
            return None
        return [(m["role"], m["content"]) for m in conv["messages"][-last:]] if last else []

    def rename(self, conv_id: str, key_id: str, title: str) -> dict[str, Any] | None:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            conv = self._owned(s, conv_id, key_id)
            if conv is None:
                return None
            conv.title = title.strip()[:200]
            conv.updated_at = time.time()
        return self.get(conv_id, key_id)

    def delete(self, conv_id: str, key_id: str) -> bool:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            conv = self._owned(s, conv_id, key_id)
            if conv is None:
                return False
            s.execute(delete(ConversationMessage)
                      .where(ConversationMessage.conversation_id == conv_id))
            s.delete(conv)
        return True

    def append(self, conv_id: str, key_id: str, question: str, answer_id: str,
               ans: Answer) -> bool:
        """Store the question and its answer together (one transaction), the answer under
        ``answer_id`` (its ``message_id``, which feedback refers to). False when the
        conversation is gone (deleted meanwhile) or not the caller's."""
        now = time.time()
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            conv = self._owned(s, conv_id, key_id)
            if conv is None:
                return False
            s.add(ConversationMessage(message_id=uuid.uuid4().hex, conversation_id=conv_id,
                                      role="user", content=question, citations=[],
                                      created_at=now))
            s.flush()  # the question's seq comes before the answer's
            s.add(ConversationMessage(message_id=answer_id, conversation_id=conv_id,
                                      role="assistant", content=ans.text, created_at=now,
                                      citations=[c.model_dump() for c in ans.citations]))
            conv.updated_at = now
            if not conv.title:
                conv.title = title_from(question)
        return True

    def purge(self, older_than_days: float, now: float | None = None) -> int:
        """Delete conversations without activity for ``older_than_days``; how many."""
        cutoff = (now or time.time()) - older_than_days * DAY_S
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            old = select(Conversation.id).where(Conversation.updated_at < cutoff)
            s.execute(delete(ConversationMessage)
                      .where(ConversationMessage.conversation_id.in_(old)))
            n = s.execute(delete(Conversation).where(Conversation.updated_at < cutoff))
        return int(getattr(n, "rowcount", 0) or 0)

    def touch(self, conv_id: str, when: float) -> None:
        """Set the last activity time (tests and imports)."""
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            s.execute(update(Conversation).where(Conversation.id == conv_id)
                      .values(updated_at=when))
