"""A question asked inside a stored conversation: the history comes from the database.

The client sends only the new user message and ``conversation_id``; the server puts the
stored turns before it. Conversations belong to API keys: anonymous callers keep theirs
in the browser, and another key's conversation is a 404 like a missing one.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException

from assistant.api.service import Service
from assistant.models import Caller
from assistant.rag.condense import Message

HISTORY_MESSAGES = 20  # the last turns that go with a question (the API accepts up to 50)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require_key(who: Caller) -> None:
    """401 for anonymous callers: stored conversations need an API key."""
    if who.role == "anonymous":
        raise HTTPException(401, "stored conversations need an API key", headers=_CHALLENGE)


def with_history(svc: Service, who: Caller, conv_id: str, question: Message
                 ) -> list[Message]:
    """Blocking: the stored history of ``conv_id`` followed by ``question``; 404 when the
    conversation does not exist or belongs to another key."""
    require_key(who)
    turns = svc.database().conversations.history(conv_id, who.key_id, HISTORY_MESSAGES)
    if turns is None:
        raise HTTPException(404, "unknown conversation")
    return [*(Message(role=role, content=text) for role, text in turns), question]
