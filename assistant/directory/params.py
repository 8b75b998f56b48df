"""Filters from explicit parameters (``GET /v1/members``, ``assistant members``).

Values go through the same vocabularies as questions, so ``region=lombarde``,
``region=Lombardy`` and ``kind=università`` all work; an unknown value is an error
that lists the known ones, never a silently empty result.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.directory.table import MemberFilter
from assistant.directory.vocab import (
    CITY_FORMS,
    KIND_FORMS,
    KINDS,
    PLACE_FORMS,
    SECTOR_FORMS,
    resolve,
)


class UnknownValue(ValueError):
    """A parameter value that no vocabulary knows; the message says which are known."""


def _one(kind: str, value: str, mapping: dict[str, tuple[str, ...]]) -> str:
    found = resolve(value, mapping)
    if found is None:
        known = ", ".join(sorted(mapping))
        raise UnknownValue(f"unknown {kind} {value!r}; known: {known}")
    return found


def filter_from_params(sectors: Sequence[str] = (), regions: Sequence[str] = (),
                       kinds: Sequence[str] = (), cities: Sequence[str] = (),
                       founded_after: int | None = None, founded_before: int | None = None,
                       known_sectors: Sequence[str] = ()) -> MemberFilter:
    """A :class:`MemberFilter`; ``known_sectors`` adds the table's own sector labels."""
    sector_map = dict(SECTOR_FORMS) | {s: () for s in known_sectors if s not in SECTOR_FORMS}
    kind_map = {k: (*KIND_FORMS.get(k, ()), k) for k in KINDS}
    return MemberFilter(
        sectors=[_one("sector", s, sector_map) for s in sectors if s.strip()],
        places=[_one("region", r, PLACE_FORMS) for r in regions if r.strip()],
        kinds=[_one("kind", k, kind_map) for k in kinds if k.strip()],
        # a city is free text: unknown cities simply match nobody
        cities=[resolve(c, CITY_FORMS) or c.strip() for c in cities if c.strip()],
        founded_after=founded_after, founded_before=founded_before)
