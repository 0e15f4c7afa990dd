"""`nexus user passwd` (hidden prompt on a terminal, one line from a script) and `nexus token`:
the token is the last line printed, and the web sign-in accepts what the commands set."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus.cli import main
from nexus.exceptions import AuthenticationFailed
from nexus.policy import AccessLayer, Credentials
from nexus.settings import load_settings
from nexus.store import open_store

PASSWORD = "correct horse battery"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("NEXUS_HOME", str(path))
    monkeypatch.delenv("NEXUS_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEXUS_USER", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return path


def nexus(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str = "",
    code: int = 0,
) -> tuple[str, str]:
    """Run the real entry point in-process (as the home's owner: the administrator, unless
    NEXUS_USER says otherwise); returns stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["nexus", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as stopped:
        main()
    out, err = capsys.readouterr()
    assert stopped.value.code == code, (args, out, err)
    return out, err


@pytest.fixture
def credentials(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Credentials]:
    """An initialised home with a clerk, and the library's view of its credentials."""
    nexus(monkeypatch, capsys, "init")
    nexus(
        monkeypatch, capsys, "user", "add", "fia_clerk", "--agency", "FIA", "--clearance", "SECRET"
    )
    store = open_store(f"sqlite:///{home / 'nexus.sqlite'}")
    yield Credentials(AccessLayer(store, load_settings(home=home)))
    store.close()


def one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_a_password_set_from_standard_input_signs_in(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = nexus(
        monkeypatch, capsys, "user", "passwd", "fia_clerk", stdin=f"{PASSWORD}\nnot read\n"
    )
    assert "Password of fia_clerk set" in out
    assert PASSWORD not in out
    assert credentials.sign_in("fia_clerk", PASSWORD).viewer.name == "fia_clerk"


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("", "no password on standard input"), ("short\n", "too short")],
)
def test_a_missing_or_short_password_is_one_line_and_exit_2(
    credentials: Credentials,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    message: str,
) -> None:
    _, err = nexus(monkeypatch, capsys, "user", "passwd", "fia_clerk", stdin=stdin, code=2)
    assert message in one_line_error(err)
    assert credentials.store.get_credential("fia_clerk") is None


def test_a_user_sets_only_their_own_password(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEXUS_USER", "fia_clerk")
    _, err = nexus(monkeypatch, capsys, "user", "passwd", "admin", stdin=f"{PASSWORD}\n", code=2)
    assert "only an administrator" in one_line_error(err)
    nexus(monkeypatch, capsys, "user", "passwd", "fia_clerk", stdin=f"{PASSWORD}\n")
    credentials.sign_in("fia_clerk", PASSWORD)


def test_a_token_is_printed_last_and_works_until_revoked(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err = nexus(
        monkeypatch, capsys, "token", "create", "--as", "fia_clerk", "--label", "nightly export"
    )
    token = out.splitlines()[-1]
    assert token.startswith("nx_")
    assert "shown this once" in err
    assert credentials.token_viewer(token).name == "fia_clerk"
    listing, _ = nexus(monkeypatch, capsys, "token", "list")
    row = next(line for line in listing.splitlines() if "nightly export" in line)
    assert "fia_clerk" in row and "admin" in row  # its user, and the administrator who made it
    assert token not in listing
    token_id = row.split()[1]
    nexus(monkeypatch, capsys, "token", "revoke", token_id)
    with pytest.raises(AuthenticationFailed):
        credentials.token_viewer(token)


def test_a_user_lists_and_revokes_only_their_own_tokens(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nexus(monkeypatch, capsys, "token", "create", "--label", "the administrator's")
    monkeypatch.setenv("NEXUS_USER", "fia_clerk")
    token = nexus(monkeypatch, capsys, "token", "create")[0].splitlines()[-1]
    listing, _ = nexus(monkeypatch, capsys, "token", "list")
    assert "the administrator's" not in listing and "fia_clerk" in listing
    _, err = nexus(monkeypatch, capsys, "token", "revoke", "1", code=2)
    assert "only an administrator" in one_line_error(err)
    nexus(monkeypatch, capsys, "token", "revoke", "2")
    with pytest.raises(AuthenticationFailed):
        credentials.token_viewer(token)


def test_on_a_terminal_the_password_is_asked_twice_and_not_shown(
    credentials: Credentials, home: Path
) -> None:
    terminal, its_end = pty.openpty()
    with subprocess.Popen(
        [str(Path(sys.executable).parent / "nexus"), "user", "passwd", "fia_clerk"],
        stdin=its_end,
        stdout=its_end,
        stderr=its_end,
        env={**os.environ, "NEXUS_HOME": str(home)},
        start_new_session=True,
    ) as command:
        os.close(its_end)
        # The space after the colon comes once echo is off: typing before it would show.
        screen = _converse(terminal, ["New password: ", "Repeat for confirmation: "], PASSWORD)
        assert command.wait(timeout=60) == 0, screen
    os.close(terminal)
    assert "set; their open sessions have ended" in screen and PASSWORD not in screen
    credentials.sign_in("fia_clerk", PASSWORD)


def _converse(terminal: int, prompts: list[str], answer: str) -> str:
    """Type the answer after each prompt as it shows on the terminal, until the command closes
    it; returns all it showed."""
    screen, waiting = "", list(prompts)
    while True:
        assert select.select([terminal], [], [], 60)[0], screen
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the command ended: its side of the terminal is closed
            return screen
        if not chunk:
            return screen
        screen += chunk.decode()
        if waiting and screen.endswith(waiting[0]):
            waiting.pop(0)
            os.write(terminal, f"{answer}\n".encode())
