"""``assistant draft``: a cited draft or brief on a topic, printed or written to a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console

from assistant.cli.common import check_role, fail, open_assistant, settings_for
from assistant.draft.models import Draft, Kind

_err = Console(stderr=True)


def draft_command(
    topic: Annotated[str, typer.Argument(help="What the draft is about.")],
    kind: Annotated[str, typer.Option(help="article, newsletter or brief.")] = "article",
    words: Annotated[int | None, typer.Option(help="Target length in words (±20 %).")] = None,
    since: Annotated[str | None, typer.Option(help="From this date: YYYY[-MM[-DD]].")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date: YYYY[-MM[-DD]].")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only articles with any "
                                                                "of these tags.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the Markdown to this file.")] = None,
    role: Annotated[str, typer.Option(help="Whose view: staff, admin or member.")] = "staff",
    no_members: Annotated[bool, typer.Option("--no-members",
                                             help="Leave out related members.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Draft as JSON.")] = False,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Draft an article or newsletter (with an LLM) or a working brief (offline), citing
    the cluster's content; member-only content only for roles allowed to see it."""
    from pydantic import ValidationError

    from assistant.draft.models import DraftRequest
    from assistant.models import Caller

    check_role(role, ("staff", "admin", "member"))
    if kind not in ("article", "newsletter", "brief"):
        fail(f"unknown kind {kind!r} (article, newsletter or brief)")
    try:
        req = DraftRequest(topic=topic, kind=cast(Kind, kind), words=words, since=since,
                           until=until, tags=tag or [], include_members=not no_members)
    except ValidationError as exc:
        fail(f"invalid option: {exc.errors()[0]['msg']}")
    with open_assistant(settings_for(index)) as assistant:
        result = assistant.draft(req, Caller(role=role))  # type: ignore[arg-type]
    _emit(result, out, as_json)


def _emit(result: Draft, out: Path | None, as_json: bool) -> None:
    """The draft on stdout (Markdown or JSON) or in ``out``; a summary on stderr."""
    if as_json:
        print(result.model_dump_json(indent=2))
    elif out is None:
        print(result.markdown)
    if out is not None:
        out.write_text(result.markdown, encoding="utf-8")
    summary = {"mode": result.mode, "words": result.words, "sources": result.sources_used,
               "file": str(out) if out else None}
    _err.print(json.dumps(summary, ensure_ascii=False), highlight=False)
    for w in result.warnings:
        _err.print(f"[yellow]warning:[/] {w}", highlight=False)

