"""``assistant serve``: the HTTP API and the chat UI under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import fail, settings_for


def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes; more than 1 needs a Chroma "
                                              "server (ASSISTANT_CHROMA_HOST).")] = 1,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder (for uploads).")] = None,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Serve the chat UI at / "
                                     "(see docs/ui.md).")] = True,
    sync_every: Annotated[str | None, typer.Option(help="Sync ASSISTANT_SYNC_SOURCES now and "
                                                   "then this often, e.g. 6h.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs, see docs/api.md) and the chat UI at /."""
    from assistant.api.server import ServeError
    from assistant.api.server import serve as run_server
    from assistant.settings import parse_duration

    settings = settings_for(index, corpus)
    if sync_every is not None:
        try:
            parse_duration(sync_every)
        except ValueError as exc:
            fail(str(exc))
        settings = settings.model_copy(update={"sync_every": sync_every})
    try:
        run_server(settings, host, port, workers, ui=ui)
    except ServeError as exc:
        fail(str(exc), exc.code)
