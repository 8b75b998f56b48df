"""``assistant conversations purge`` and ``assistant insights gaps``: the application
database from the command line (opening it creates or migrates its schema)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import open_assistant, settings_for

conversations_app = typer.Typer(no_args_is_help=True, help="Stored conversations.")
insights_app = typer.Typer(no_args_is_help=True, help="Reports for the staff.")


@conversations_app.command("purge")
def purge(
    days: Annotated[float | None, typer.Option(
        min=0.0, help="Delete conversations idle this long (default: "
        "ASSISTANT_CONVERSATION_RETENTION_DAYS).")] = None,
) -> None:
    """Apply the retention: delete idle conversations and old gap questions."""
    from assistant.appdb import AppDB

    settings = settings_for()
    if days is not None:
        settings = settings.model_copy(update={"conversation_retention_days": days})
    db = AppDB(settings)
    try:
        conversations, gaps = db.purge()
    finally:
        db.close()
    print(f"deleted {conversations} conversations and {gaps} gap questions older than "
          f"{settings.conversation_retention_days:g} days")


@insights_app.command("gaps")
def gaps(
    days: Annotated[int, typer.Option(min=1, max=3650, help="The period, in days.")] = 30,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Groups shown.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Questions refused or rated down, grouped by topic, with the closest documents.
    Opens the index: stop an embedded-mode server first (or use GET /v1/insights/gaps)."""
    from assistant.appdb import AppDB
    from assistant.models import Caller

    settings = settings_for(index)
    db = AppDB(settings)
    try:
        questions = db.feedback.gaps(days)
    finally:
        db.close()
    with open_assistant(settings) as assistant:  # exit 3 when the index is in use
        groups = assistant.content_gaps(questions, Caller(role="staff", key_id="cli"), limit)
    if as_json:
        print(json.dumps({"days": days, "questions": len(questions),
                          "groups": [asdict(g) for g in groups]}, ensure_ascii=False))
        return
    print(f"{len(questions)} unanswered questions in {days} days, {len(groups)} groups")
    for i, g in enumerate(groups, 1):
        print(f"\n{i}. {g.topic}  ({g.count}: {g.refused} refused, {g.rated_down} rated down)")
        for q in g.examples:
            print(f"   - {q}")
        for d in g.documents:
            print(f"   > {d['title']} ({d['doc_id']})")
