"""What every command shares: settings from the options, errors, exit codes, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, get_args

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.healthcheck import EXIT_DAMAGED, EXIT_WRITE_FAILED
from assistant.models import Role
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.facade import Assistant

console = Console(stderr=True)
ROLES: tuple[str, ...] = get_args(Role)


class ExitCode(IntEnum):
    """Exit statuses of every command (2 is Click's usage error: a mistyped option)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    INDEX_LOCKED = 3
    INDEX_DAMAGED = EXIT_DAMAGED
    WRITE_FAILED = EXIT_WRITE_FAILED
    FILES_FAILED = 6


def settings_for(index: Path | None = None, corpus: Path | None = None) -> Settings:
    """The one :class:`Settings` of a command: the environment, then the options."""
    s = Settings()  # type: ignore[call-arg]  # from the environment
    updates: dict[str, Any] = {}
    if index is not None:
        updates["index_dir"] = index
    if corpus is not None:
        updates["corpus_dir"] = corpus
    return s.model_copy(update=updates) if updates else s


def fail(msg: str, code: int = ExitCode.ERROR) -> NoReturn:
    """Print ``error: msg`` on stderr and exit with ``code``."""
    console.print(f"[bold red]error:[/] {escape(msg)}")
    raise typer.Exit(int(code))


def check_role(role: str, allowed: tuple[str, ...] = ROLES) -> None:
    """Exit 1 with the allowed roles when ``role`` is not one of them."""
    if role not in allowed:
        fail(f"unknown role {role!r} ({', '.join(allowed)})")


@contextmanager
def open_assistant(settings: Settings) -> Iterator[Assistant]:
    """The facade over the configured index, closed afterwards; exit 3 when another
    process holds the index."""
    from assistant.facade import build_assistant
    from assistant.stores.lock import IndexLocked

    try:
        assistant = build_assistant(settings)
    except IndexLocked as exc:
        fail(str(exc), ExitCode.INDEX_LOCKED)
    try:
        yield assistant
    finally:
        assistant.close()


@contextmanager
def progress_bar(labels: dict[str, str], transient: bool = False,
                 eta: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(stage, done, total)`` callback drawing one bar per stage on stderr."""
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=console, transient=transient) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield progress
