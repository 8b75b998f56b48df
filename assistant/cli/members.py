"""``assistant members``: list the members matching sector, region, kind, city, year.

Reads only the manifest (SQLite, safe beside a running service or an ingest), so it
needs neither the index lock nor the embedding model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli.common import check_role, fail, settings_for
from assistant.directory.params import UnknownValue, filter_from_params
from assistant.directory.table import MemberTable
from assistant.models import Caller
from assistant.stores.manifest import Manifest

Values = Annotated[list[str] | None, typer.Option(help="Repeat for alternatives.")]


def members_command(
    sector: Values = None, region: Values = None, kind: Values = None, city: Values = None,
    founded_after: Annotated[int | None, typer.Option(help="Founded after this year.")] = None,
    founded_before: Annotated[int | None, typer.Option(help="Founded before this year.")] = None,
    role: Annotated[str, typer.Option(help="Whose view: anonymous, member, staff, admin.")]
    = "member",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """List every member matching the filters (values as in questions: "biotech",
    "Trentino", "università")."""
    check_role(role)
    path = settings_for(index).index_dir / "manifest.sqlite"
    if not path.is_file():
        fail(f"no index at {path.parent}: run `assistant ingest` first")
    caller = Caller(role=role)  # type: ignore[arg-type]
    manifest = Manifest(path)
    try:
        table = MemberTable(manifest)
        flt = filter_from_params(sector or [], region or [], kind or [], city or [],
                                 founded_after, founded_before,
                                 known_sectors=table.sectors(caller.visibilities))
        rows = table.select(flt, caller.visibilities)
    except UnknownValue as exc:
        fail(str(exc))
    finally:
        manifest.close()
    if as_json:
        print(json.dumps({"total": len(rows), "items": [r.as_dict() for r in rows]},
                         ensure_ascii=False))
        return
    t = Table("name", "kind", "city", "region", "sectors", "founded", "employees",
              title=f"{len(rows)} members")
    for r in rows:
        t.add_row(r.name, r.kind, r.city, r.region, ", ".join(r.sectors), str(r.founded or ""),
                  str(r.employees or ""))
    Console().print(t)
