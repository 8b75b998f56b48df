"""``assistant eval ...``: retrieval and answer quality on evaluation sets."""

from __future__ import annotations

import typer

eval_app = typer.Typer(no_args_is_help=True, help="Measure retrieval and answer quality.")
