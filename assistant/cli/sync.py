"""``assistant sync URL…``: index a website's articles from its sitemap, feed or pages.

Exit codes (:class:`~assistant.cli.common.ExitCode`): 0 every page synced (robots.txt
refusals are not failures), 6 some pages or sources failed (the rest was synced; the
report lists status and reason), 3 another process holds the index, 1 bad usage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import ExitCode, console, fail, progress_bar, settings_for


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
    exit 6 if some page failed (the rest is synced), 3 if the index is in use."""
    from assistant.ingest.index import Index
    from assistant.stores.lock import IndexLocked
    from assistant.websync.run import options_from_settings, sync_sites

    settings = settings_for(index)
    sources = list(urls or settings.sync_sources)
    if not sources:
        fail("no URL given and ASSISTANT_SYNC_SOURCES is empty")
    if visibility not in (None, "public", "members"):
        fail(f"invalid visibility {visibility!r} (expected public or members)")
    opts = options_from_settings(settings, sources, max_pages=max_pages, prune=prune,
                        visibility=visibility)
    try:
        idx = Index(settings)
    except IndexLocked as exc:
        fail(str(exc), ExitCode.INDEX_LOCKED)
    try:
        with _bar(as_json) as progress:
            report = sync_sites(idx, opts, progress=progress)
    finally:
        idx.close()
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print_report(report.to_dict())
    raise typer.Exit(ExitCode.OK if report.ok else ExitCode.FILES_FAILED)


@contextmanager
def _bar(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar (fetch, then embed) on stderr; none under ``--json``."""
    if quiet:
        yield None
        return
    with progress_bar({"fetch": "Pagine scaricate", "embed": "Embedding chunk"}) as progress:
        yield progress


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

