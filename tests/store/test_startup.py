"""A store opens without loading what it does not need: Alembic only when a migration is due,
FollowTheMoney only where statements become entities."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from followthemoney.statement.util import BASE_ID

from nexus.store import ID_PROP
from nexus.store.sql import SCHEMA_REVISION


def test_the_revision_a_store_opens_at_without_alembic_is_alembics_head() -> None:
    config = Config()
    migrations = Path(__file__).parents[2] / "src" / "nexus" / "store" / "migrations"
    config.set_main_option("script_location", str(migrations))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def test_the_id_property_is_ftms() -> None:
    assert ID_PROP == BASE_ID


def test_opening_an_up_to_date_store_and_counting_loads_neither_alembic_nor_ftm(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'nexus.sqlite'}"
    probe = (
        "import sys\n"
        "from nexus.store import open_store\n"
        "from nexus.policy import AccessLayer\n"
        "from nexus.settings import Settings\n"
        f"store = open_store({url!r})\n"
        "access = AccessLayer(store, Settings())\n"
        "store.close()\n"
        "print(sorted(m for m in ('alembic', 'followthemoney', 'duckdb') if m in sys.modules))\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "alembic" in first.stdout  # a new store is migrated
    again = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "[]"
