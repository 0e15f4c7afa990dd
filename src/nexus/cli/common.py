"""What the command modules share: consoles, the --as option, the context, progress and output.

Kept apart from app.py so that each stage's commands can live in a module of their own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nexus.cli.context import AppContext
from nexus.exceptions import NexusError
from nexus.files import atomic_binary

console = Console()
errors = Console(stderr=True)

AsUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Administrators: act as this user, audited (default: NEXUS_USER, see docs/access.md).",
    ),
]


def app_context(ctx: typer.Context) -> AppContext:
    """The per-invocation context the top-level callback built."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


class RichProgress:
    """Adapts the ingest runner's progress reports to a Rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def start(self, source: str, total: int | None) -> None:
        self.task = self.progress.add_task(source, total=total)

    def advance(self, rows: int) -> None:
        self.progress.advance(self.task, rows)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=False,
        disable=not errors.is_terminal,
    )


@contextmanager
def open_output(path: str) -> Iterator[IO[bytes]]:
    """Standard output for "-", else the file written whole or not at all (a failed export
    leaves what was there)."""
    if path == "-":
        yield sys.stdout.buffer
    else:
        target = Path(path)
        if not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise NexusError(f"{path}: the folder {target.parent} does not exist")
        with atomic_binary(target) as fh:
            yield fh
