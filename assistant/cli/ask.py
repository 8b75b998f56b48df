"""``assistant ask``: one cited answer on the terminal (or as JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.cli.common import check_role, fail, open_assistant, settings_for


def ask(
    question: Annotated[str, typer.Argument(help="The question, in Italian or English.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    doc_type: Annotated[str | None, typer.Option("--type", help="article or member.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only these tags.")] = None,
    role: Annotated[str, typer.Option(help="Whose view: anonymous, member, staff, admin.")]
    = "member",
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Answer a question from the indexed content, with numbered sources."""
    from pydantic import ValidationError

    from assistant.models import Caller, Filters

    check_role(role)
    try:
        filters = Filters(doc_type=doc_type, tags=tag or [])  # type: ignore[arg-type]
        caller = Caller(role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        fail(f"invalid option: {exc.errors()[0]['msg']}")
    with open_assistant(settings_for(index)) as assistant:
        ans = assistant.ask(question, caller, filters)
    if as_json:
        print(json.dumps({"answer": ans.text, "grounded": ans.grounded, "mode": ans.mode,
                          "citations": [{"n": c.n, "doc_id": c.doc_id, "title": c.title,
                                         "url": c.url, "passage": c.passage}
                                        for c in ans.citations]}, ensure_ascii=False))
        return
    out = Console()
    out.print(ans.text, highlight=False, markup=False)
    if ans.citations:
        out.print("\n[bold]Fonti[/]" if ans.language == "it" else "\n[bold]Sources[/]")
    for c in ans.citations:
        snippet = " ".join(c.passage.split())[:160]
        out.print(f"[{c.n}] {c.title}" + (f" — {c.url}" if c.url else ""), highlight=False,
                  markup=False)
        out.print(f"    «{snippet}…»", style="dim", highlight=False, markup=False)
