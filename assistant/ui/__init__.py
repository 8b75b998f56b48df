"""The chat UI: a Gradio app that is a client of the HTTP API (see docs/ui.md).

It imports nothing else of ``assistant`` (the import-linter contract in
pyproject.toml), so it can run on another machine than the API.
``mount_ui(app)`` serves it at ``/`` of the API's FastAPI app; ``python -m
assistant.ui`` serves it on its own against ``ASSISTANT_API_URL``. Gradio is
imported only when one of them is used (``render``, ``views`` and ``client`` do
not need it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

if TYPE_CHECKING:
    from assistant.ui.app import build_ui, mount_ui

__all__ = ["build_ui", "mount_ui"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant.ui import app

        return getattr(app, name)
    raise AttributeError(f"module 'assistant.ui' has no attribute {name!r}")
