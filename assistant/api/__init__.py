"""The HTTP service: a FastAPI app over :class:`assistant.facade.Assistant`.

Only this package imports FastAPI; the core never does. Start it with
``assistant serve`` or build it with :func:`create_app`.
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
