"""The `nexus` command line: Typer commands over the library, each acting as a named viewer."""

from nexus.cli.app import app, main

__all__ = ["app", "main"]
