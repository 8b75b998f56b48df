"""The FastAPI application factory: ``create_app(settings)``.

The app builds its :class:`~assistant.facade.Assistant` in the lifespan (so in
embedded mode it holds the index lock while it runs) and keeps all state on
``app.state.service``: nothing is global, several apps can live in one process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from assistant import __version__
from assistant.api import (
    routes_chat,
    routes_conversations,
    routes_documents,
    routes_drafts,
    routes_feedback,
    routes_health,
    routes_insights,
    routes_me,
    routes_members,
    routes_openai,
    routes_search,
    routes_sync,
)
from assistant.api.inflight import InflightLimiter
from assistant.api.limits import MAX_BODY_BYTES, RateLimiter
from assistant.api.metrics import Metrics
from assistant.api.middleware import ServiceMiddleware, error_response, request_id
from assistant.api.service import KeyRing, Service
from assistant.api.ui_guard import UploadGuard
from assistant.appdb import AppDB
from assistant.facade import Assistant, build_assistant
from assistant.models import Caller
from assistant.settings import Settings

log = logging.getLogger("assistant.api")
LLM_THREADS = 32  # LLM answers mostly wait on the network: many may be in progress at once


def worker_threads(settings: Settings) -> int:
    """Threads for blocking work. Offline answers are CPU-bound under the GIL: a few
    threads a core serve them nearly first-come first-served (lower p95 than dozens of
    threads sharing the GIL round-robin); an LLM's waiting needs many."""
    return LLM_THREADS if settings.llm_enabled else max(4, 2 * (os.cpu_count() or 1) + 2)

DESCRIPTION = """Cited answers over Cluster VITALIA's news and member profiles.

Authenticate with `Authorization: Bearer <API key>`; without a key you are anonymous
and see public content only. Every answer's `[n]` markers resolve to its `citations`.
See `docs/api.md` for curl and OpenAI-client examples."""


def create_app(settings: Settings | None = None, assistant: Assistant | None = None,
               ui: bool = False) -> FastAPI:
    """A new app. Pass ``assistant`` to share an existing one (the app will not close it);
    otherwise the lifespan builds one from ``settings`` and closes it at shutdown.
    ``ui``: also serve the chat UI at ``/`` (a client of this API over HTTP, see docs/ui.md)."""
    settings = settings or Settings()  # type: ignore[call-arg]  # from the environment
    if "*" in settings.cors_origins:
        raise ValueError("ASSISTANT_CORS_ORIGINS must list explicit origins, not '*'")
    svc = Service(settings=settings, metrics=Metrics(),
                  limiter=RateLimiter(settings.rate_limit_per_minute),
                  keys=KeyRing(dict(settings.api_keys)), assistant=assistant,
                  owns_assistant=assistant is None)
    if settings.ui_secret is not None:  # shared by the workers and a separate UI
        svc.client_secret = settings.ui_secret.get_secret_value()
    app = FastAPI(title="Cluster VITALIA assistant", version=__version__,
                  description=DESCRIPTION, lifespan=_lifespan, docs_url="/docs")
    app.state.service = svc
    for module in (routes_health, routes_chat, routes_search, routes_documents, routes_openai,
                   routes_feedback, routes_members, routes_drafts, routes_me, routes_conversations,
                   routes_insights, routes_sync):
        app.include_router(module.router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID", "Retry-After"])
    if ui:
        app.add_middleware(UploadGuard, per_minute=settings.ui_uploads_per_minute)
    app.add_middleware(InflightLimiter, limit=settings.max_inflight,  # inside the next one
                       body_timeout_s=settings.body_timeout_s)
    app.add_middleware(ServiceMiddleware, metrics=svc.metrics, max_body=MAX_BODY_BYTES)
    if ui:  # last: the API's routes (/v1, /docs, /healthz...) win over the UI's mount
        from assistant.ui import mount_ui  # gradio is heavy: imported only when serving the UI

        mount_ui(app, settings.api_url, fallback_url=f"http://127.0.0.1:{settings.port}",
                 client_secret=svc.client_secret, cache_ttl_s=settings.ui_cache_ttl_s)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process reads the environment)."""
    settings = Settings()  # type: ignore[call-arg]
    return create_app(settings, ui=settings.ui)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    svc: Service = app.state.service
    if svc.assistant is None:
        svc.assistant = await run_in_threadpool(build_assistant, svc.settings)
    settings = svc.settings
    svc.db = await run_in_threadpool(_open_db, settings)
    svc.executor = ThreadPoolExecutor(worker_threads(settings), thread_name_prefix="assistant-api")
    sync_jobs = routes_sync.attach(svc, svc.assistant)  # scheduled and admin-started syncs
    try:
        await run_in_threadpool(_warm_up, svc.assistant)
        yield
    finally:
        await run_in_threadpool(sync_jobs.close)
        svc.executor.shutdown(wait=False, cancel_futures=True)
        svc.db.close()
        if svc.owns_assistant and svc.assistant is not None:
            svc.assistant.close()
            svc.assistant = None
        svc.executor = svc.db = None


def _open_db(settings: Settings) -> AppDB:
    """The application database, migrated, with the retention applied."""
    db = AppDB(settings)
    conversations, gaps = db.purge()
    if conversations or gaps:
        log.info("retention: %d conversations and %d gap questions deleted", conversations,
                 gaps)
    return db


def _warm_up(assistant: Assistant) -> None:
    """Load the query model and both lexical tiers now, not in the first user's request."""
    try:
        for role in ("anonymous", "member"):
            assistant.search("avvio del servizio", Caller(role=role))  # type: ignore[arg-type]
    except Exception as exc:  # an empty or odd index must not stop the service
        log.warning("warm-up search failed: %s", exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, exc.detail, request_id(request), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    """422 without echoing the input back (it may be large or not encodable)."""
    assert isinstance(exc, RequestValidationError)
    errors: list[dict[str, Any]] = [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))} for e in exc.errors()]
    return error_response(422, errors, request_id(request))
