"""Every mistake a user can make at the `nexus` prompt ends in one line on stderr and exit 2.

Walks the whole command tree, so a command added later is held to the same promise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from nexus.cli import main
from nexus.cli.app import app


def _walk(path: list[str], command: Any) -> Iterator[tuple[list[str], Any]]:
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    for name, child in sorted(children.items()):
        yield from _walk([*path, name], child)


COMMANDS = list(_walk([], typer.main.get_command(app)))
BY_NAME = {" ".join(path): command for path, command in COMMANDS}


def _required_arguments(command: object) -> list[str]:
    return [
        p.name or ""
        for p in getattr(command, "params", [])
        if p.param_type_name == "argument" and p.required
    ]


def _numeric_options(command: Any) -> list[str]:
    return [
        p.opts[0]
        for p in command.params
        if p.param_type_name == "option" and str(p.bare_type()) in ("int", "float")
    ]


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the real entry point in-process; returns stderr after checking the promise."""
    monkeypatch.setattr(sys, "argv", ["nexus", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert stopped.value.code == 2, (args, out, err)
    assert "Traceback" not in err + out, (args, err)
    assert len(lines) == 1, (args, err)
    assert lines[0].startswith("error: "), (args, err)
    return lines[0]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEXUS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NEXUS_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "home"


def test_the_walk_covers_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"entity show", "alerts show", "network communities", "ingest", "audit verify"} <= names
    assert len(names) > 30


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_a_wrong_option_is_one_line_and_exit_2(
    path: list[str], home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _run(monkeypatch, capsys, *path, "--no-such-option")
    assert "--no-such-option" in line
    assert f"nexus {' '.join(path)} --help" in line  # says where to look


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if _required_arguments(c)], ids=" ".join)
def test_a_missing_argument_is_one_line_and_exit_2(
    path: list[str], home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "Missing argument" in _run(monkeypatch, capsys, *path)


@pytest.mark.parametrize(
    ("path", "option"),
    [(p, o) for p, c in COMMANDS for o in _numeric_options(c)[:1]],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_a_word_where_a_number_belongs_is_one_line_and_exit_2(
    path: list[str],
    option: str,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = ["x"] * len(_required_arguments(BY_NAME[" ".join(path)]))
    line = _run(monkeypatch, capsys, *path, *arguments, option, "ten")
    assert option in line


def test_a_mistyped_command_suggests_the_right_one(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "Did you mean 'show'?" in _run(monkeypatch, capsys, "entity", "shwo", "x")


@pytest.mark.parametrize(
    "args",
    [
        ["entity", "show", "no-such-entity"],
        ["alerts", "show", "99999"],
        ["alerts", "show", "abc"],
        ["merge", "no-such-a", "no-such-b"],
        ["network", "path", "no-such-a", "no-such-b"],
        ["ingest", "/no/such/mapping.yml"],
        ["export", "-o", "/no/such/folder/out.csv"],
    ],
    ids=" ".join,
)
def test_an_unknown_id_or_file_is_one_line_and_exit_2(
    args: list[str],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "argv", ["nexus", "init"])
    with pytest.raises(SystemExit):
        main()
    capsys.readouterr()
    _run(monkeypatch, capsys, *args)
