"""Who a command line is: NEXUS_USER, the home's login mapping, the owner's administrator;
`--as` for administrators only and audited; a store only its owner can read."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from nexus.cli.context import acting_user_name
from nexus.settings import Settings
from nexus.store import open_store
from tests.cli.test_cli import home, run

__all__ = ["home"]  # the fixture, shared with the other CLI tests

ANALYST = {"NEXUS_USER": "fia_analyst"}


def _add_analyst(home: Path) -> None:
    run(home, "user", "add", "fia_analyst", "--agency", "FIA", "--clearance", "CONFIDENTIAL")


def _audit_actors(home: Path) -> list[str]:
    store = open_store(f"sqlite:///{home / 'nexus.sqlite'}")
    try:
        return [entry.actor for entry in store.audit_entries()]
    finally:
        store.close()


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_user_who_is_not_an_administrator_cannot_grant_clearance(home: Path) -> None:
    _add_analyst(home)
    done = run(
        home,
        *("user", "add", "fia_analyst", "--agency", "FIA", "--clearance", "SECRET"),
        *("--compartment", "VICTIMS"),
        ok=False,
        env=ANALYST,
    )
    assert done.returncode == 2
    assert "administrator" in _one_line_error(done.stderr)
    listing = run(home, "user", "list").stdout
    row = next(line for line in listing.splitlines() if "fia_analyst" in line)
    assert "CONFIDENTIAL" in row and "VICTIMS" not in row


def test_only_an_administrator_may_act_as_another_user(home: Path) -> None:
    _add_analyst(home)
    done = run(home, "status", "--as", "admin", ok=False, env=ANALYST)
    assert done.returncode == 2
    assert "only an administrator may act as another user" in _one_line_error(done.stderr)
    assert run(home, "user", "list", ok=False, env=ANALYST).returncode == 2


def test_an_administrator_acting_as_a_user_is_audited_as_such(home: Path) -> None:
    _add_analyst(home)
    run(home, "status", "--as", "fia_analyst")
    actors = _audit_actors(home)
    assert "admin acting as fia_analyst" in actors
    assert "fia_analyst" not in actors  # nothing is recorded as if the analyst had done it


def test_the_acting_user_comes_from_nexus_user(home: Path) -> None:
    _add_analyst(home)
    run(home, "status", env=ANALYST)
    assert _audit_actors(home)[-1] == "fia_analyst"
    done = run(home, "status", ok=False, env={"NEXUS_USER": "nobody"})
    assert done.returncode == 2
    assert "unknown user 'nobody'" in _one_line_error(done.stderr)


def test_the_home_maps_operating_system_logins_to_nexus_users(home: Path) -> None:
    _add_analyst(home)
    login = pwd.getpwuid(os.getuid()).pw_name
    (home / "nexus.yml").write_text(f"os_users:\n  {login}: fia_analyst\n")
    done = run(home, "user", "list", ok=False)
    assert "fia_analyst is not one" in _one_line_error(done.stderr)


def test_the_home_and_its_files_are_for_the_owner_only(home: Path) -> None:
    run(home, "status")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    files = sorted(p for p in home.iterdir() if p.is_file())
    assert {"nexus.sqlite", "nexus-audit.sqlite"} <= {p.name for p in files}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_init_tightens_a_store_that_others_could_read(home: Path) -> None:
    home.chmod(0o755)
    (home / "nexus.sqlite").chmod(0o644)
    out = run(home, "init").stdout
    assert "now owner-only" in out and "nexus.sqlite" in out
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "nexus.sqlite").stat().st_mode) == 0o600


def test_who_acts_is_nexus_user_then_the_login_mapping_then_the_owner_then_the_login() -> None:
    mapped = Settings(user=None, os_users={"sadia": "fia_analyst"}, admin_user="chief")
    assert acting_user_name(
        mapped.model_copy(update={"user": "anf_officer"}), "sadia", "sadia"
    ) == ("anf_officer")
    assert acting_user_name(mapped, "sadia", "sadia") == "fia_analyst"
    assert acting_user_name(mapped, "ops", "ops") == "chief"
    assert acting_user_name(mapped, "imran", "ops") == "imran"
