"""`nexus --help` starts without the stages' heavy libraries: they load in the commands that use
them (the start-up goal of issue 12 is under a second; bench/everyday.py times it)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("alembic", "duckdb", "followthemoney", "igraph", "networkx", "pyarrow", "splink")


def test_help_loads_none_of_the_stages_heavy_libraries() -> None:
    probe = (
        "import sys\n"
        "sys.argv = ['nexus', '--help']\n"
        "from nexus.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('loaded:', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "network" in done.stdout  # the help itself was printed
    assert done.stdout.strip().splitlines()[-1] == "loaded: []"
