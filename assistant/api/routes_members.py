"""``GET /v1/members``: the member directory, filtered by profile fields.

Every matching member the caller may see (no top-k), from the same table that
answers "which members ..." questions in the chat. Values accept the everyday
forms the chat understands (``region=Trentino``, ``sector=biotech``,
``kind=università``); an unknown sector, region or kind is a 422 that lists the
known values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.api.deps import caller, get_service
from assistant.api.schemas import ErrorOut
from assistant.api.service import Service
from assistant.directory.params import UnknownValue, filter_from_params
from assistant.models import Caller

router = APIRouter(tags=["members"])
_ERR: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in (401, 422, 429, 504)}
Year = Annotated[int | None, Query(ge=1000, le=2200)]
Values = Annotated[list[str] | None, Query()]


class MemberOut(BaseModel):
    """One member profile's fields; ``doc_id`` opens it in ``/v1/documents``."""

    doc_id: str
    name: str
    kind: str
    region: str
    city: str
    sectors: list[str]
    founded: int | None = None
    employees: int | None = None
    visibility: str
    website: str = ""


class MemberList(BaseModel):
    total: int = Field(description="Matching members visible to you.")
    items: list[MemberOut]


@router.get("/v1/members", response_model=MemberList, responses=_ERR,
            summary="List the members matching sector, region, kind, city, founding year")
async def list_members(
    who: Caller = Depends(caller), svc: Service = Depends(get_service),
    sector: Values = None, region: Values = None, kind: Values = None, city: Values = None,
    founded_after: Year = None, founded_before: Year = None,
) -> Any:
    """Repeat a parameter for alternatives (``region=Lombardia&region=Piemonte``).
    Year bounds are strict: ``founded_after=2015`` means 2016 or later."""
    return await svc.run(_list, svc, who, sector or [], region or [], kind or [], city or [],
                         founded_after, founded_before)


def _list(svc: Service, who: Caller, sectors: list[str], regions: list[str], kinds: list[str],
          cities: list[str], after: int | None, before: int | None) -> MemberList:
    directory = svc.core().directory
    try:
        flt = filter_from_params(sectors, regions, kinds, cities, after, before,
                                 known_sectors=directory.table.sectors(who.visibilities))
    except UnknownValue as exc:
        raise HTTPException(422, str(exc)) from exc
    rows = directory.members(flt, who)
    return MemberList(total=len(rows), items=[MemberOut(**r.as_dict()) for r in rows])
