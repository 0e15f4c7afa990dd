"""The package installs as declared: the wheel, put into a fresh virtualenv with only its declared
dependencies (no dev extra, no Spark), imports every module and runs the stand-alone commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys, traceback
import nexus
failed = []
names = [m.name for m in pkgutil.walk_packages(nexus.__path__, "nexus.")]
for name in names:
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=1).strip().splitlines()[-1])
print(len(names))
print("\\n".join(failed), file=sys.stderr)
sys.exit(1 if failed else 0)
"""

PEOPLE = """id,name,fatherName,idNumber,phone,birthDate
1,Muhammad Yousaf Khattak,Akbar Khan,17301-1234567-1,,
2,محمد یوسف خٹک,اکبر خان,1730112345671,,
3,Noor Ahmed,,42101-7654321-3,0321-7654321,12/03/1980
4,Noor Ahmad,,42101 7654321 3,0092 321 7654321,1980-03-12
5,Zainab Bibi,,,,1990-05-04
"""

NETWORK = [
    {"id": "p1", "schema": "Person", "properties": {"name": ["Gul Khan"]}},
    {"id": "p2", "schema": "Person", "properties": {"name": ["Sher Ali"]}},
    {"id": "p3", "schema": "Person", "properties": {"name": ["Wali Dad"]}},
    {"id": "a1", "schema": "Associate", "properties": {"person": ["p1"], "associate": ["p2"]}},
    {"id": "a2", "schema": "Associate", "properties": {"person": ["p2"], "associate": ["p3"]}},
    {"id": "a3", "schema": "Associate", "properties": {"person": ["p3"], "associate": ["p1"]}},
]


@dataclass(frozen=True)
class Installed:
    bin: Path
    wheel: Path

    def run(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.bin / "nexus"), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**clean_environment(), **(env or {})},
            timeout=300,
        )
        assert done.returncode == 0, f"nexus {' '.join(args)}:\n{done.stderr}{done.stdout}"
        return done


def clean_environment() -> dict[str, str]:
    """The caller's environment without anything that points at the development install."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "NEXUS_HOME", "NEXUS_DATABASE_URL")
    }
    env["COLUMNS"] = "200"
    return env


def run_checked(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=clean_environment(), timeout=900
    )
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("packaging")
    # A copy of the tracked sources, so the build leaves nothing in the working tree.
    source = work / "source"
    files = subprocess.run(
        ["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        origin = ROOT / name.decode()
        if origin.is_file():
            target = source / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(origin.read_bytes())
    run_checked(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work), "."],
        cwd=source,
    )
    (wheel,) = work.glob("nexus_fusion-*.whl")
    venv = work / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    run_checked([base, "-m", "venv", str(venv)], cwd=work)
    run_checked([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], work)
    yield Installed(venv / "bin", wheel)


def test_the_wheel_carries_the_data_files_the_code_reads(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    for wanted in (
        "nexus/py.typed",
        "nexus/resolve/data/name_families.yml",
        "nexus/ingest/schemas/goaml.xsd",
        "nexus/store/migrations/env.py",
    ):
        assert wanted in names


def test_only_declared_dependencies_are_installed(installed: Installed) -> None:
    listed = run_checked(
        [str(installed.bin / "python"), "-m", "pip", "list", "--format", "json"], ROOT
    ).stdout
    packages = {p["name"].lower() for p in json.loads(listed)}
    assert "nexus-fusion" in packages
    # The dev extra and the Spark extra stay out of a plain install.
    assert not packages & {"pytest", "pyspark", "snapml", "nomenklatura", "recordlinkage"}


def test_every_module_imports_in_a_plain_install(installed: Installed) -> None:
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", IMPORT_EVERY_MODULE],
        capture_output=True,
        text=True,
        cwd=installed.bin.parent,
        env=clean_environment(),
        timeout=300,
    )
    assert done.returncode == 0, f"modules that do not import:\n{done.stderr}"
    assert int(done.stdout.split()[0]) > 50  # the walk really found the package's modules


def test_dedupe_runs_in_a_plain_install(installed: Installed, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    installed.run("dedupe", str(people), "-o", str(tmp_path / "out.csv"), cwd=tmp_path)
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,cluster_id")
    cluster = {row.split(",")[0]: row.split(",")[1] for row in rows[1:]}
    assert len(cluster) == 5
    assert cluster["3"] == cluster["4"]  # one CNIC, one phone, one date in two formats
    assert cluster["5"] not in (cluster["1"], cluster["3"])


def test_scan_transactions_runs_in_a_plain_install(installed: Installed, tmp_path: Path) -> None:
    header = (
        "id,timestamp,payer_account,beneficiary_account,amount,currency,channel,"
        "payer_country,beneficiary_country,branch"
    )
    lines = [header]
    for hop, (payer, payee) in enumerate((("A", "B"), ("B", "C"), ("C", "A"))):
        lines.append(f"t{hop},2026-03-0{hop + 1}T10:00:00,{payer},{payee},950000,PKR,wire,PK,PK,")
    extract = tmp_path / "tx.csv"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    installed.run("scan-transactions", str(extract), "-o", str(tmp_path / "a.csv"), cwd=tmp_path)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith("alert_id,typology")


def test_network_communities_runs_in_a_plain_install(installed: Installed, tmp_path: Path) -> None:
    env = {"NEXUS_HOME": str(tmp_path / "home")}
    installed.run("init", cwd=tmp_path, env=env)
    entities = tmp_path / "net.ftm.json"
    entities.write_text("".join(json.dumps(e) + "\n" for e in NETWORK), encoding="utf-8")
    installed.run(
        "import-ftm",
        str(entities),
        "--dataset",
        "d",
        "--agency",
        "FIA",
        "--classification",
        "RESTRICTED",
        cwd=tmp_path,
        env=env,
    )
    shown = json.loads(
        installed.run("network", "communities", "--json", cwd=tmp_path, env=env).stdout
    )
    members = {m["id"] for c in shown["communities"] for m in c["members"]}
    assert {"p1", "p2", "p3"} <= members
