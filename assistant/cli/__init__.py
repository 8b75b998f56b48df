"""The ``assistant`` command line: one module per command group.

``common`` holds what they share (settings from the options, errors, the
:class:`~assistant.cli.common.ExitCode` statuses, the progress bar). Each command
builds its :class:`~assistant.settings.Settings` once, from the environment and its
options, and imports the heavy parts (Chroma, the model) only when it runs.
"""

from __future__ import annotations

import sys

import typer

from assistant.cli.appdb import conversations_app, insights_app
from assistant.cli.ask import ask
from assistant.cli.check import check_command
from assistant.cli.draft import draft_command
from assistant.cli.evaluate import eval_app
from assistant.cli.index import ingest, stats
from assistant.cli.members import members_command
from assistant.cli.serve import serve
from assistant.cli.sync import sync_command

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cited answers over the cluster's news and member profiles.")
app.command()(ingest)
app.command()(stats)
app.command()(ask)
app.command()(serve)
app.command(name="draft")(draft_command)
app.command(name="members")(members_command)
app.command(name="check")(check_command)
app.command(name="sync")(sync_command)
app.add_typer(eval_app, name="eval")
app.add_typer(conversations_app, name="conversations")
app.add_typer(insights_app, name="insights")


def main() -> None:  # pragma: no cover
    """``python -c 'from assistant.cli import main; main()'``: the same as ``assistant``."""
    sys.exit(app())
