"""Agency-style source files for tests: an ANF seizure register, a CTD list, FtM entities.

Small and deterministic; the scenario generator (nexus scenario) supersedes these for scale.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from nexus.ingest import ftm_plan, ingest
from nexus.policy import AccessLayer
from nexus.store import Provenance

ANF_COLUMNS = [
    "FIR No",
    "Date of Seizure",
    "Accused Name",
    "Father Name",
    "CNIC",
    "Mobile",
    "Drug",
    "Qty (kg)",
    "Vehicle Reg",
    "Informant",
]
GIVEN = [
    "Muhammad Yousaf",
    "Abdul Rehman",
    "Gul Khan",
    "Noor Ahmed",
    "Sher Ali",
    "Javed Iqbal",
    "Imran Baloch",
    "Faisal Mengal",
    "Zahid Hussain",
    "Shahid Afridi",
    "Bashir Ahmad",
]
FATHERS = ["Gul Khan", "Noor Muhammad", "Haji Sultan", "Akbar Khan", "Mir Dad", "Karim Bakhsh"]
MOBILE_PREFIXES = [
    "00",
    "01",
    "03",
    "13",
    "21",
    "33",
    "36",
    "45",
    "47",
]  # Jazz, Zong, Ufone, Telenor
DRUGS = ["Heroin", "Hashish", "Opium", "Methamphetamine"]

ANF_MAPPING = """
anf_seizures:
  agency: ANF
  classification: RESTRICTED
  caveats: [REL:UNODC]
  queries:
    - csv_url: {csv}
      entities:
        accused:
          schema: Person
          keys: [CNIC]
          properties:
            name: {{column: Accused Name}}
            fatherName: {{column: Father Name}}
            idNumber: {{column: CNIC}}
            phone: {{column: Mobile}}
        vehicle:
          schema: Vehicle
          keys: [Vehicle Reg]
          properties:
            registrationNumber: {{column: Vehicle Reg}}
        seizure:
          schema: Event
          keys: [FIR No]
          properties:
            name: {{column: FIR No}}
            date: {{column: Date of Seizure, format: ["%d/%m/%Y", "%d-%b-%Y"]}}
            summary: {{column: Drug}}
            involved: {{entity: accused}}
        informant:
          schema: Person
          keys: [Informant]
          classification: SECRET
          caveats: [AGENCY-ONLY]
          properties:
            name: {{column: Informant}}
        tip:
          schema: UnknownLink
          keys: [Informant, FIR No]
          classification: SECRET
          caveats: [AGENCY-ONLY]
          properties:
            subject: {{entity: informant, required: true}}
            object: {{entity: accused}}
            role: {{literal: informant on the accused}}
"""


def cnic(rng: random.Random) -> str:
    province = rng.choice("12345")
    digits = "".join(rng.choice("0123456789") for _ in range(11))
    return f"{province}{digits[:4]}-{digits[4:11]}-{rng.choice('13579')}"


def anf_rows(count: int, seed: int = 7, informants: bool = False) -> list[dict[str, str]]:
    rng = random.Random(seed)
    informant_rng = random.Random(seed + 1)  # so adding informants leaves the other columns alone
    rows = []
    for i in range(count):
        rows.append(
            {
                "FIR No": f"ANF-QTA-{100 + i}/2024",
                "Date of Seizure": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024",
                "Accused Name": rng.choice(GIVEN),
                "Father Name": rng.choice(FATHERS),
                "CNIC": cnic(rng),
                "Mobile": f"03{rng.choice(MOBILE_PREFIXES)}-{rng.randint(1000000, 9999999)}",
                "Drug": rng.choice(DRUGS),
                "Qty (kg)": str(rng.randint(1, 80)),
                "Vehicle Reg": f"BKA-{rng.randint(100, 999)}" if rng.random() < 0.6 else "",
                "Informant": (
                    f"Source {informant_rng.randint(1, 5)}"
                    if informants and informant_rng.random() < 0.5
                    else ""
                ),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_anf(
    directory: Path,
    count: int = 20,
    seed: int = 7,
    informants: bool = False,
    name: str = "anf_register.csv",
) -> tuple[Path, Path]:
    """An ANF register and its mapping; returns (mapping, csv)."""
    data = write_csv(directory / name, anf_rows(count, seed, informants), ANF_COLUMNS)
    mapping = directory / f"{Path(name).stem}.yml"
    mapping.write_text(ANF_MAPPING.format(csv=name), encoding="utf-8")
    return mapping, data


def write_ftm(path: Path, entities: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def load_ftm(
    access: AccessLayer, path: Path, entities: list[dict[str, object]], provenance: Provenance
) -> None:
    """Write FtM entities to `path` and load them as the administrator under `provenance`."""
    write_ftm(path, entities)
    ingest(access, access.viewer("admin"), ftm_plan(path, provenance, [path]))
