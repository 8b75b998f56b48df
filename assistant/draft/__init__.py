"""Staff drafting: article and newsletter drafts (LLM) or working briefs (offline),
grounded in the cluster's content and cited like chat answers.

Entry point: :class:`Drafter` (used by ``Assistant.draft``, the CLI and the API).
"""

from typing import Any

from assistant.draft.models import Draft, DraftRequest

__all__ = ["Draft", "DraftRequest", "Drafter"]


def __getattr__(name: str) -> Any:
    # the service pulls in retrieval (Chroma, llama-index): only load it when used,
    # so that `assistant --help` and the draft CLI's option parsing stay fast
    if name == "Drafter":
        from assistant.draft.service import Drafter

        return Drafter
    raise AttributeError(name)
