"""The ``assistant`` command line: ingest, stats, ask, serve, draft, eval."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.facade import Assistant

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cited answers over the cluster's news and member profiles.")
console = Console(stderr=True)


def _settings(index: Path | None = None, corpus: Path | None = None) -> Settings:
    s = Settings()
    updates: dict[str, Any] = {}
    if index is not None:
        updates["index_dir"] = index
    if corpus is not None:
        updates["corpus_dir"] = corpus
    return s.model_copy(update=updates) if updates else s


def _fail(msg: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(msg)}")
    raise typer.Exit(code)


@contextmanager
def open_assistant(index: Path | None) -> Iterator[Assistant]:
    """The facade over ``index`` (default: the configured one), closed afterwards;
    exit 3 when another process holds the index."""
    from assistant.facade import build_assistant
    from assistant.stores.lock import IndexLocked

    try:
        assistant = build_assistant(_settings(index))
    except IndexLocked as exc:
        _fail(str(exc), 3)
    try:
        yield assistant
    finally:
        assistant.close()


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders inside the corpus "
                                                            "(default: the whole corpus).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index first (embedding cache kept).")]
    = False,
    corpus: Annotated[Path | None, typer.Option(help="Corpus folder.")] = None,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Index new, changed and removed corpus files; exit 2 if any file failed."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked

    settings = _settings(index, corpus)
    try:
        idx = Index(settings, rebuild=rebuild)
    except IndexLocked as exc:
        _fail(str(exc), 3)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=console, transient=False) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    label = {"load": "Lettura file", "embed": "Embedding chunk"}.get(stage, stage)
                    tasks[stage] = bar.add_task(label, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            report = idx.ingest(paths or None, progress=progress)
    except FileNotFoundError as exc:
        _fail(str(exc))
    except Exception as exc:  # a full disk must not end in a traceback
        from assistant.healthcheck import EXIT_WRITE_FAILED, write_failure

        reason = write_failure(exc)
        if reason is None:
            raise
        _fail(f"{reason}. Documents finished before the failure are kept and the index "
              "still answers; free some space and run `assistant ingest` again to finish.",
              EXIT_WRITE_FAILED)
    finally:
        idx.close()
    _print_report(report)
    raise typer.Exit(0 if report.ok else 2)


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


@app.command()
def stats(index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents and chunks by type."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked

    settings = _settings(index)
    if not settings.chroma_host and not (settings.index_dir / "manifest.sqlite").exists():
        # don't create an empty index (server mode: the manifest is in the Chroma server)
        _fail(f"no index at {settings.index_dir}: run `assistant ingest` first")
    try:
        idx = Index(settings)
    except IndexLocked as exc:
        _fail(str(exc), 3)
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


@app.command()
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

    try:
        filters = Filters(doc_type=doc_type, tags=tag or [])  # type: ignore[arg-type]
        caller = Caller(role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        _fail(f"invalid option: {exc.errors()[0]['msg']}")
    if role not in ("anonymous", "member", "staff", "admin"):
        _fail(f"unknown role {role!r}")
    with open_assistant(index) as assistant:
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


@app.command()
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

    settings = _settings(index, corpus)
    if sync_every is not None:
        try:
            parse_duration(sync_every)
        except ValueError as exc:
            _fail(str(exc))
        settings = settings.model_copy(update={"sync_every": sync_every})
    try:
        run_server(settings, host, port, workers, ui=ui)
    except ServeError as exc:
        _fail(str(exc), exc.code)


from assistant.cli_eval import eval_app  # noqa: E402
from assistant.draft.cli import draft_command  # noqa: E402

app.command(name="draft")(draft_command)
from assistant.directory.cli import members_command  # noqa: E402

app.command(name="members")(members_command)
from assistant.healthcheck import check_command  # noqa: E402

app.command(name="check")(check_command)
from assistant.websync.cli import sync_command  # noqa: E402

app.command(name="sync")(sync_command)

app.add_typer(eval_app, name="eval")
from assistant.cli_appdb import conversations_app, insights_app  # noqa: E402

app.add_typer(conversations_app, name="conversations")
app.add_typer(insights_app, name="insights")


def main() -> None:  # pragma: no cover
    sys.exit(app())
