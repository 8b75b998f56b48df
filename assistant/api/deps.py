"""FastAPI dependencies: the service, the caller's identity, rate limiting, roles.

The visibility of everything a request can reach follows from the :class:`Caller`
built here from the API key, never from the request body.
"""

from __future__ import annotations

import math

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from assistant.api.identity import client_address
from assistant.api.limits import RateLimiter
from assistant.api.service import Service
from assistant.models import Caller

# declared for the OpenAPI docs ("Authorize" button); the header is parsed below
bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer KEY`. "
                    "Without one you are anonymous and see public content only.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# OpenAI clients refuse an empty key: this placeholder means "no key" (public content only)
ANONYMOUS_KEY = "anonymous"


def get_service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _identify(request: Request, svc: Service) -> tuple[Caller, str]:
    """The caller and its rate-limit bucket; 401 for a bad or missing (if required) key.

    Wrong keys count against their own, smaller bucket per address (429 past it), so
    keys cannot be guessed at the speed of the server.
    """
    header = request.headers.get("authorization")
    token = None
    address = client_address(request, svc.client_secret)
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "expected 'Authorization: Bearer KEY'", headers=_CHALLENGE)
        who = svc.keys.lookup(token)
        if who is not None:
            return who, who.key_id
        if token != ANONYMOUS_KEY:
            _limit(svc, svc.bad_keys, f"bad:{address}", "wrong API keys")
            raise HTTPException(401, "unknown API key", headers=_CHALLENGE)
    if not svc.settings.allow_anonymous:
        raise HTTPException(401, "an API key is required", headers=_CHALLENGE)
    return Caller(), f"anon:{address}"


def _limit(svc: Service, limiter: RateLimiter, bucket: str, what: str) -> None:
    """429 with ``Retry-After`` once ``bucket`` is empty."""
    wait = limiter.take(bucket)
    if wait > 0:
        svc.metrics.rate_limited.inc()
        raise HTTPException(429, f"too many {what}: at most {limiter.per_minute} a minute",
                            headers={"Retry-After": str(math.ceil(wait))})


async def caller(request: Request, svc: Service = Depends(get_service),
                 _creds: HTTPAuthorizationCredentials | None = Security(bearer)) -> Caller:
    """Who is asking, after the per-key rate limit (429 with ``Retry-After``)."""
    who, bucket = _identify(request, svc)
    _limit(svc, svc.limiter, bucket, "requests")
    return who


async def staff(who: Caller = Depends(caller)) -> Caller:
    """Document management: staff or admin (401 without a key, 403 with a member key)."""
    if who.role == "anonymous":
        raise HTTPException(401, "an API key with the staff role is required", headers=_CHALLENGE)
    if not who.is_staff:
        raise HTTPException(403, "this operation requires the staff role")
    return who
