"""Liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from assistant.api.deps import get_service
from assistant.api.service import Service
from assistant.rag.llm import LLMError

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 5.0


@router.get("/healthz", summary="Liveness: the process answers",
            responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _checks(svc: Service) -> dict[str, Any]:
    """Blocking: each dependency's state; a failing one carries its reason."""
    a = svc.core()
    out: dict[str, Any] = {}
    try:
        a.index.manifest.chunk_count()  # readable; the count is not shown (no key here,
        out["index"] = {"ok": True}     # and it would reveal how much is member-only)
    except Exception as exc:  # any failure means "not ready", with the reason shown
        out["index"] = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}
    try:
        a.index.vectors.heartbeat()
        out["chroma"] = {"ok": True}
    except Exception as exc:
        out["chroma"] = {"ok": False, "reason": f"Chroma not reachable: {exc}"}
    if a.llm is not None:
        try:
            a.llm.ping()
            out["llm"] = {"ok": True, "model": a.llm.model}
        except LLMError as exc:
            out["llm"] = {"ok": False, "reason": str(exc)}
    return out


@router.get("/readyz", summary="Readiness: index loaded, Chroma and the LLM (if any) reachable",
            responses={503: {"description": "Not ready; `reason` says why."}})
async def readyz(svc: Service = Depends(get_service)) -> JSONResponse:
    if not svc.ready:
        return JSONResponse({"status": "unavailable", "reason": "starting"}, status_code=503)
    try:  # not in the answer pool: a busy worker is still ready
        checks = await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, _checks, svc), CHECK_TIMEOUT_S)
    except Exception as exc:  # a timeout here is itself the answer: not ready
        reason = f"checks failed: {type(exc).__name__} {exc}".strip()
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    failed = [f"{name}: {c['reason']}" for name, c in checks.items() if not c["ok"]]
    if failed:
        return JSONResponse({"status": "unavailable", "reason": "; ".join(failed),
                             "checks": checks}, status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(svc: Service = Depends(get_service)) -> Response:
    return Response(svc.metrics.render(), media_type=CONTENT_TYPE_LATEST)
