"""``assistant check``: verify the index (manifest, vectors, BM25) and say how to repair it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, settings_for


def check_command(
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Verify the index (manifest, vectors, BM25); exit 4 if it is damaged."""
    from assistant.healthcheck import run_check

    code, message, report = run_check(settings_for(index))
    if as_json:
        print(json.dumps({"ok": code == 0, "code": code, "message": message,
                          "notes": report.notes}))
    for note in report.notes:
        console.print(f"[yellow]repaired[/] {escape(note)}")
    console.print(escape(message) if code == 0 else f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)
