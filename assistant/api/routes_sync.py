"""``/v1/sync``: start a website sync (admin) and read the last run (staff).

A sync runs in one background thread of the service, over the configured sources
(``ASSISTANT_SYNC_SOURCES``; a request cannot name other URLs, so the API cannot
be turned into a fetcher of arbitrary addresses). Its writes take the facade's
``write_lock`` one document at a time, so queries keep being answered while it
fetches and embeds. ``assistant serve --sync-every 6h`` starts the same job on a
timer. One sync at a time: a second start while one runs gets a 409.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.api.deps import caller, get_service, staff
from assistant.api.schemas import ErrorOut
from assistant.api.service import Service
from assistant.facade import Assistant
from assistant.models import Caller
from assistant.websync.run import options_from_settings, sync_sites
from assistant.websync.state import SyncState

log = logging.getLogger("assistant.sync")
router = APIRouter(tags=["sync"])
_ERR: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in (401, 403, 409, 429)}


class SyncRequest(BaseModel):
    prune: bool | None = Field(None, description="Remove articles whose URL left the sitemaps/"
                               "feeds (default: ASSISTANT_SYNC_PRUNE).")


class SyncStatus(BaseModel):
    running: bool = Field(description="A sync is in progress now.")
    running_since: str | None = None
    sources: list[str] = Field(description="The configured sources (ASSISTANT_SYNC_SOURCES).")
    every: str = Field(description="The schedule (empty: none).")
    last: dict[str, Any] | None = Field(None, description="The last finished run: started, "
                                        "finished, pages new/updated/unchanged/failed/removed, "
                                        "failures with status and reason.")
    last_error: str | None = Field(None, description="Why the last run stopped, if it crashed.")


class SyncJobs:
    """The service's one sync worker: started on demand or every ``sync_every``."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._timer: threading.Thread | None = None
        self._stop = threading.Event()
        self.running_since: str | None = None
        self.last_error: str | None = None

    def start(self, prune: bool | None = None) -> bool:
        """Start a sync in the background; False when one is already running."""
        with self._guard:
            if self._thread is not None and self._thread.is_alive():
                return False
            self.running_since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self._thread = threading.Thread(
                target=self._run, args=(self.settings.sync_prune if prune is None else prune,),
                name="assistant-sync", daemon=True)
            self._thread.start()
            return True

    def _run(self, prune: bool) -> None:
        opts = options_from_settings(self.settings, list(self.settings.sync_sources),
                                     prune=prune)
        try:
            report = sync_sites(self.assistant.index, opts, write_lock=self.assistant.write_lock,
                                stop=self._stop)
            self.last_error = None
            log.info("sync finished: %s", report.to_dict()["pages"])
        except Exception as exc:  # a crashed run is reported, the service keeps serving
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("sync failed")
        finally:
            self.running_since = None

    def every(self, seconds: float) -> None:
        """Sync now and then every ``seconds`` until :meth:`close`."""
        def loop() -> None:
            while not self._stop.is_set():
                self.start()
                self._stop.wait(seconds)

        self._timer = threading.Thread(target=loop, name="assistant-sync-timer", daemon=True)
        self._timer.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def last(self) -> dict[str, Any] | None:
        state = SyncState(self.settings.index_dir)
        try:
            return state.last_run()
        finally:
            state.close()

    def close(self, wait_s: float = 30) -> None:
        """Stop the timer and ask a running sync to stop after its current document (or
        batch of fetches); wait at most ``wait_s`` for it."""
        self._stop.set()
        for t in (self._timer, self._thread):
            if t is not None:
                t.join(wait_s)


def attach(svc: Service, assistant: Assistant) -> SyncJobs:
    """Create the service's sync worker (and its timer with ``sync_every``); the
    lifespan closes it before the assistant."""
    jobs = SyncJobs(assistant)
    svc.sync_jobs = jobs
    if assistant.settings.sync_every_s and assistant.settings.sync_sources:
        jobs.every(assistant.settings.sync_every_s)
    return jobs


async def admin(who: Caller = Depends(caller)) -> Caller:
    """Starting a sync: admin only (401 without a key, 403 with any other role)."""
    who = await staff(who)
    if who.role != "admin":
        raise HTTPException(403, "this operation requires the admin role")
    return who


def _jobs(svc: Service) -> SyncJobs:
    jobs = svc.sync_jobs
    if not isinstance(jobs, SyncJobs):
        raise HTTPException(503, "the service is starting")
    return jobs


def _status(jobs: SyncJobs, last: dict[str, Any] | None) -> SyncStatus:
    s = jobs.settings
    return SyncStatus(running=jobs.running, running_since=jobs.running_since,
                      sources=list(s.sync_sources), every=s.sync_every, last=last,
                      last_error=jobs.last_error)


@router.get("/v1/sync", response_model=SyncStatus, responses=_ERR,
            summary="The last website sync and whether one is running (staff)")
async def sync_status(who: Caller = Depends(staff), svc: Service = Depends(get_service)
                      ) -> Any:
    jobs = _jobs(svc)
    return _status(jobs, await svc.run(jobs.last))


@router.post("/v1/sync", response_model=SyncStatus, status_code=202, responses=_ERR,
             summary="Start a sync of the configured websites (admin)")
async def start_sync(body: SyncRequest | None = None, who: Caller = Depends(admin),
                     svc: Service = Depends(get_service)) -> Any:
    jobs = _jobs(svc)
    if not jobs.settings.sync_sources:
        raise HTTPException(409, "no sources configured: set ASSISTANT_SYNC_SOURCES")
    if not jobs.start(body.prune if body else None):
        raise HTTPException(409, "a sync is already running")
    return _status(jobs, await svc.run(jobs.last))
