"""``assistant sync URL…``: index a website's articles from its sitemap, feed or pages.

Exit codes: 0 every page synced (robots.txt refusals are not failures), 2 some
pages or sources failed (the rest was synced; the report lists status and reason),
3 another process holds the index, 1 bad usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from assistant.settings import Settings

EXIT_SOME_FAILED = 2
EXIT_LOCKED = 3
console = Console(stderr=True)


def sync_command(
    urls: Annotated[list[str] | None, typer.Argument(
        help="Sitemaps (index, .xml.gz), RSS/Atom feeds or pages; default: "
             "ASSISTANT_SYNC_SOURCES.", show_default=False)] = None,
    max_pages: Annotated[int | None, typer.Option(min=1, help="Fetch at most N pages.")] = None,
    prune: Annotated[bool, typer.Option(help="Remove articles whose URL left the "
                                             "sitemaps/feeds.")] = False,
    visibility: Annotated[str | None, typer.Option(help="public or members (default: "
                                                        "ASSISTANT_SYNC_VISIBILITY).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    index: Annotated[Path | None, typer.Option(help="Index folder.")] = None,
) -> None:
    """Index new and changed articles of websites from their sitemaps, feeds or pages;
    exit 2 if some page failed (the rest is synced), 3 if the index is in use."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked
    from assistant.websync.run import options_from_settings, sync_sites

    settings = Settings()
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    sources = list(urls or settings.sync_sources)
    if not sources:
        _fail("no URL given and ASSISTANT_SYNC_SOURCES is empty")
    if visibility not in (None, "public", "members"):
        _fail(f"invalid visibility {visibility!r} (expected public or members)")
    opts = options_from_settings(settings, sources, max_pages=max_pages, prune=prune,
                        visibility=visibility)
    try:
        idx = Index(settings)
    except IndexLocked as exc:
        _fail(str(exc), EXIT_LOCKED)
    try:
        with _bar(as_json) as progress:
            report = sync_sites(idx, opts, progress=progress)
    finally:
        idx.close()
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_report(report.to_dict())
    raise typer.Exit(0 if report.ok else EXIT_SOME_FAILED)


class _bar:
    """A rich progress bar (fetch, then embed) on stderr; silent under ``--json``."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=console, disable=quiet)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        self.bar.__enter__()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            label = {"fetch": "Pagine scaricate", "embed": "Embedding chunk"}.get(stage, stage)
            self.tasks[stage] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)


def print_report(data: dict[str, Any]) -> None:
    """The run's counts as a table, then every failure and robots.txt refusal."""
    t = Table(title="Sync report", show_header=False)
    for k, v in data["pages"].items():
        t.add_row(k.replace("_", " "), str(v))
    for k in ("requests", "embed_calls", "seconds"):
        t.add_row(k.replace("_", " "), str(data[k]))
    console.print(t)
    for url, f in data["failed"].items():
        status = f" (HTTP {f['status']})" if f["status"] and "HTTP" not in f["reason"] else ""
        console.print(f"[red]failed[/] {escape(url)}{status}: {escape(f['reason'])}")
    for url, reason in data["skipped"].items():
        console.print(f"[yellow]skipped[/] {escape(url)}: {escape(reason)}")


def _fail(msg: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(msg)}")
    raise typer.Exit(code)
