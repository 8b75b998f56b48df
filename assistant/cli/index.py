"""``assistant ingest`` and ``assistant stats``: build the index, report what is in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import ExitCode, console, fail, progress_bar, settings_for


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders inside the corpus "
                                                            "(default: the whole corpus).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index first (embedding cache kept).")]
    = False,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Index new, changed and removed corpus files; exit 6 if any file failed."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked

    settings = settings_for(index, corpus)
    try:
        idx = Index(settings, rebuild=rebuild)
    except IndexLocked as exc:
        fail(str(exc), ExitCode.INDEX_LOCKED)
    try:
        with progress_bar({"load": "Lettura file", "embed": "Embedding chunk"}) as progress:
            report = idx.ingest(paths or None, progress=progress)
    except FileNotFoundError as exc:
        fail(str(exc))
    except Exception as exc:  # a full disk must not end in a traceback
        from assistant.healthcheck import write_failure

        reason = write_failure(exc)
        if reason is None:
            raise
        fail(f"{reason}. Documents finished before the failure are kept and the index "
              "still answers; free some space and run `assistant ingest` again to finish.",
              ExitCode.WRITE_FAILED)
    finally:
        idx.close()
    _print_report(report)
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.FILES_FAILED)


def _print_report(report: Any) -> None:
    t = Table(title="Ingest report", show_header=False)
    rate = report.chunks_written / report.seconds if report.seconds else 0.0
    for k, v in (("added", len(report.added)), ("updated", len(report.updated)),
                 ("unchanged", report.unchanged), ("removed", len(report.removed)),
                 ("failed", len(report.failed)), ("chunks written", report.chunks_written),
                 ("embedding calls", report.embed_calls), ("seconds", f"{report.seconds:.1f}"),
                 ("chunks/s", f"{rate:.1f}")):
        t.add_row(k, str(v))
    console.print(t)
    repairs = getattr(report, "repairs", {})
    if repairs:
        console.print(f"repaired glued words: {sum(repairs.values())} in {len(repairs)} documents")
    for path, reason in report.failed.items():
        console.print(f"[yellow]skipped[/] {escape(path)}: {escape(reason)}")


def stats(index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents and chunks by type."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked

    settings = settings_for(index)
    if not settings.chroma_host and not (settings.index_dir / "manifest.sqlite").exists():
        # don't create an empty index (server mode: the manifest is in the Chroma server)
        fail(f"no index at {settings.index_dir}: run `assistant ingest` first")
    try:
        idx = Index(settings)
    except IndexLocked as exc:
        fail(str(exc), ExitCode.INDEX_LOCKED)
    try:
        data = idx.stats()
    finally:
        idx.close()
    if as_json:
        print(json.dumps(data))
        return
    t = Table("type", "documents", "chunks")
    for k, v in sorted(data["by_type"].items()):
        t.add_row(k, str(v["documents"]), str(v["chunks"]))
    Console().print(t)
    Console().print(f"vectors: {data['vectors']}  pending: {data['pending']}")
