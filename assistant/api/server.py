"""Run the app under uvicorn (what ``assistant serve`` calls)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from assistant.settings import Settings
from assistant.stores.lock import IndexLock, IndexLocked

WORKER_HEALTHCHECK_S = 60


class ServeError(RuntimeError):
    """The service cannot start with this configuration; the message says why and
    ``code`` is the exit status (3: configuration or lock, 4: damaged index)."""

    def __init__(self, message: str, code: int = 3) -> None:
        super().__init__(message)
        self.code = code


def check_startup(settings: Settings, workers: int) -> None:
    """Refuse configurations that would corrupt or silently stale the index."""
    if workers < 1:
        raise ServeError("--workers must be at least 1")
    if workers > 1 and settings.sync_every:
        raise ServeError("--sync-every needs one worker (each worker would sync on its own "
                         "timer): schedule `assistant sync` instead (docs/deploy.md).")
    if settings.sync_every and not settings.sync_sources:
        raise ServeError("--sync-every needs ASSISTANT_SYNC_SOURCES (the sites to sync).")
    if settings.chroma_host:
        return
    if workers > 1:
        raise ServeError(
            f"--workers {workers} needs a Chroma server: worker processes cannot share the "
            "embedded index folder (one owns it, the others would read stale vectors). Start "
            "`chroma run --path DIR --host 127.0.0.1 --port 8001` and set "
            "ASSISTANT_CHROMA_HOST=127.0.0.1, or use one worker.")
    try:  # fail with the lock's clear message now, not as a traceback from the lifespan
        IndexLock(settings.index_dir).acquire().release()
    except IndexLocked as exc:
        raise ServeError(str(exc)) from None
    # a damaged index gives one clear exit (4), not a crash loop; in a child process,
    # so a native crash on a damaged file cannot take this one down
    from assistant.healthcheck import EXIT_DAMAGED, check_in_subprocess

    code, message = check_in_subprocess(settings)
    if code != 0:
        raise ServeError(message, EXIT_DAMAGED if code == EXIT_DAMAGED else code)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn settings that matter for security: ``X-Forwarded-For`` is believed only
    from ``ASSISTANT_TRUSTED_PROXIES`` (uvicorn's default trusts 127.0.0.1, so anyone on
    the host, or a proxy that passes the header through, could pick an address)."""
    trusted = [p.strip() for p in settings.trusted_proxies if p.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": ",".join(trusted) or None,
            "timeout_keep_alive": 5}


def serve(settings: Settings, host: str | None = None, port: int | None = None,
          workers: int = 1, log_level: str = "info", ui: bool = True) -> None:
    """Serve until interrupted; the API docs are at ``http://host:port/docs``, the chat
    UI (unless ``ui`` is False) at ``http://host:port/``."""
    import uvicorn

    from assistant.api.app import create_app

    check_startup(settings, workers)
    host, port = host or settings.host, port or settings.port
    if workers == 1:
        app = create_app(settings.model_copy(update={"port": port}), ui=ui)
        uvicorn.run(app, host=host, port=port, log_level=log_level,
                    timeout_graceful_shutdown=10, **uvicorn_options(settings))
        return
    # each worker process builds its own app from the environment
    os.environ["ASSISTANT_INDEX_DIR"] = str(settings.index_dir)
    os.environ["ASSISTANT_CORPUS_DIR"] = str(settings.corpus_dir)
    os.environ["ASSISTANT_UI"] = "1" if ui else "0"
    # every worker's UI may reach another worker's API: they share the signing secret
    os.environ.setdefault("ASSISTANT_UI_SECRET", secrets.token_hex(32))
    # a spawned worker answers the supervisor's pings only once its imports are done
    # (~5-10 s on a busy machine): uvicorn's 5 s default kills and respawns it forever
    uvicorn.run("assistant.api.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level=log_level, timeout_graceful_shutdown=10,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, **uvicorn_options(settings))
