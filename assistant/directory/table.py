"""The member table: one typed row per indexed member profile, for complete answers.

Top-k retrieval can only ever show a few profiles; "which members ..." and "how
many ..." need every matching one. The rows are derived from the manifest (the
index's source of truth, written by ingestion and by the documents API), so the
table is rebuilt lazily whenever ``Manifest.version`` changes, exactly like the
lexical tiers. Visibility is applied on every read, never cached per caller.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.directory.vocab import place_matches
from assistant.stores.manifest import DocRow, ManifestStore
from assistant.text import fold


@dataclass(frozen=True)
class MemberRow:
    """The structured fields of one member profile."""

    doc_id: str
    name: str
    kind: str
    region: str
    city: str
    sectors: tuple[str, ...]
    founded: int | None
    employees: int | None
    visibility: str
    lang: str = "it"
    website: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "name": self.name, "kind": self.kind,
                "region": self.region, "city": self.city, "sectors": list(self.sectors),
                "founded": self.founded, "employees": self.employees,
                "visibility": self.visibility, "website": self.website}


class MemberFilter(BaseModel):
    """Conditions on member fields; an empty filter selects every visible member.

    Lists are alternatives ("Lombardia or Piemonte"), except ``sectors`` whose
    ``sector_mode`` says whether a member needs any or all of them. Bounds are
    strict: ``founded_after=2015`` means 2016 or later.
    """

    sectors: list[str] = Field(default_factory=list)
    sector_mode: Literal["any", "all"] = "any"
    places: list[str] = Field(default_factory=list,
                              description="Regions, 'Trentino'/'Alto Adige' or macro-areas.")
    cities: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    founded_after: int | None = None
    founded_before: int | None = None
    employees_over: int | None = None
    employees_under: int | None = None

    def matches(self, row: MemberRow) -> bool:
        """Whether ``row`` satisfies every condition (a missing year or size never does)."""
        if self.kinds and row.kind not in self.kinds:
            return False
        if self.places and not any(place_matches(p, row.region, row.city) for p in self.places):
            return False
        if self.cities and fold(row.city) not in {fold(c) for c in self.cities}:
            return False
        if self.sectors:
            have = {fold(s) for s in row.sectors}
            hits = [fold(s) in have for s in self.sectors]
            if not (all(hits) if self.sector_mode == "all" else any(hits)):
                return False
        return _in_range(row.founded, self.founded_after, self.founded_before) and _in_range(
            row.employees, self.employees_over, self.employees_under)

    def is_empty(self) -> bool:
        return self == MemberFilter()


def _in_range(value: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value > low) and (high is None or value < high)


def _row(d: DocRow) -> MemberRow:
    m = d.meta

    def _int(key: str) -> int | None:
        try:
            return int(m[key]) if m.get(key) not in (None, "") else None
        except (TypeError, ValueError):
            return None

    return MemberRow(doc_id=d.doc_id, name=str(m.get("name") or d.title),
                     kind=str(m.get("kind", "")), region=str(m.get("region", "")),
                     city=str(m.get("city", "")),
                     sectors=tuple(str(s) for s in m.get("sectors", [])),
                     founded=_int("founded"), employees=_int("employees"),
                     visibility=d.visibility, lang=str(m.get("lang") or "it"),
                     website=str(m.get("website", "")))


class MemberTable:
    """All indexed member profiles, rebuilt from the manifest when it changes.

    Thread-safe: the service reads it from several threads while an upload
    bumps the manifest version.
    """

    def __init__(self, manifest: ManifestStore) -> None:
        self.manifest = manifest
        self.version = -1
        self._rows: list[MemberRow] = []
        self._lock = threading.RLock()

    def refresh(self) -> None:
        """Rebuild the rows if the manifest changed since they were read."""
        with self._lock:
            v = self.manifest.version
            if v != self.version:
                docs = self.manifest.docs().values()
                self._rows = sorted((_row(d) for d in docs
                                     if d.doc_type == "member" and d.status == "done"),
                                    key=lambda r: (fold(r.name), r.doc_id))
                self.version = v

    def rows(self, visibilities: Sequence[str]) -> list[MemberRow]:
        """Every member the caller may see, sorted by name."""
        with self._lock:
            self.refresh()
            return [r for r in self._rows if r.visibility in visibilities]

    def select(self, flt: MemberFilter, visibilities: Sequence[str]) -> list[MemberRow]:
        """The visible members that satisfy ``flt``, sorted by name."""
        return [r for r in self.rows(visibilities) if flt.matches(r)]

    def sectors(self, visibilities: Sequence[str]) -> list[str]:
        """Distinct sector labels of the visible profiles (their own spelling)."""
        return sorted({s for r in self.rows(visibilities) for s in r.sectors})

    def cities(self, visibilities: Sequence[str]) -> list[str]:
        return sorted({r.city for r in self.rows(visibilities) if r.city})
