"""What a page load's "restore the conversation" step does to the chat on screen.

On a slow machine the load chain (key, language, role, list, resume) can finish after
the user has already asked a question; the step must not wipe that answer.
"""

from __future__ import annotations

from typing import Any

from assistant.ui.handlers import Endpoint
from assistant.ui.sidebar import ConversationHandlers


def _is_no_change(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


def test_nothing_to_restore_leaves_the_chat_as_it_is() -> None:
    handlers = ConversationHandlers(Endpoint(api_url="http://127.0.0.1:9"))
    for role in ("anonymous", "member"):
        out = handlers.resume("", role, "", "it", None)  # type: ignore[arg-type]
        assert all(_is_no_change(v) for v in out), out


def test_a_stored_id_without_a_keyed_role_is_forgotten_but_the_chat_stays() -> None:
    handlers = ConversationHandlers(Endpoint(api_url="http://127.0.0.1:9"))
    view, turns, current, title = handlers.resume("c123", "anonymous", "", "it",
                                                  None)  # type: ignore[arg-type]
    assert _is_no_change(view) and _is_no_change(turns)
    assert (current, title) == ("", "")
