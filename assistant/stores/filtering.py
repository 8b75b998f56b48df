"""Caller filters (:class:`assistant.models.Filters`) in the stores' terms."""

from __future__ import annotations

from typing import Any

from assistant.models import Filters


def date_int(date: str | None) -> int:
    """An ISO date as the integer YYYYMMDD stored per chunk (0 when undated)."""
    return int(date.replace("-", "")) if date else 0


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """Translate caller filters into a Chroma ``where`` clause (None when empty)."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict[str, Any]] = []
    if filters.doc_type:
        clauses.append({"doc_type": filters.doc_type})
    if filters.region:
        clauses.append({"region_key": filters.region.strip().lower()})
    for key, values in (("tags", filters.tags), ("sectors", filters.sectors)):
        ors: list[dict[str, Any]] = [{key: {"$contains": v.strip().lower()}} for v in values]
        if ors:
            clauses.append(ors[0] if len(ors) == 1 else {"$or": ors})
    if filters.date_from:
        clauses.append({"date_int": {"$gte": date_int(filters.date_from)}})
    if filters.date_to:
        clauses.append({"date_int": {"$lte": date_int(filters.date_to)}})
        # undated chunks are stored as 0: they are not "before" any date (as in BM25)
        clauses.append({"date_int": {"$gt": 0}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
