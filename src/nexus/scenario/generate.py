"""Generates a whole scenario into a folder: every agency's files with mappings under `data/`,
the ground truth under `truth/` (never to be loaded), and a manifest with checksums.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nexus.scenario.finance as finance
import nexus.scenario.goaml as goaml
import nexus.scenario.reports as reports
import nexus.scenario.sanctions as sanctions
from nexus.scenario.agencies import AGENCY_WRITERS, MAPPINGS, AgencyWriter
from nexus.scenario.model import Place, Transaction, World
from nexus.scenario.names import load_names
from nexus.scenario.world import SCALES, build_world

OUTLINES = Path(__file__).parent / "data" / "outlines.geojson"
REPORT_COUNTS = {"tiny": 30, "small": 400, "medium": 3000, "large": 12000}
UN_PADDING = {"tiny": 20, "small": 200, "medium": 600, "large": 1000}

Step = Callable[[str], None]


@dataclass
class GenerationReport:
    """What was written: data files (to ingest), truth files (to score against), counts."""

    outdir: Path
    seed: int
    scale: str
    data_files: list[Path] = field(default_factory=list)
    truth_files: list[Path] = field(default_factory=list)
    map_files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def mappings(self) -> list[Path]:
        return sorted(p for p in self.data_files if p.suffix == ".yml")


def generate(seed: int, scale: str, outdir: Path, step: Step | None = None) -> GenerationReport:
    """Build the world for `seed` and `scale` and write it all; the same inputs, the same bytes."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")
    announce = step or (lambda _message: None)
    if outdir.exists():
        shutil.rmtree(outdir / "data", ignore_errors=True)
        shutil.rmtree(outdir / "truth", ignore_errors=True)
    data, truth = outdir / "data", outdir / "truth"
    data.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    report = GenerationReport(outdir=outdir, seed=seed, scale=scale)

    announce("building the world")
    world = build_world(seed, scale)
    finance_scale = finance.SCALES[scale]
    finance.open_accounts(world, random.Random(seed + 1), finance_scale)

    announce("writing agency records")
    writer = AgencyWriter(root=data, rng=random.Random(seed + 2), names=load_names(), world=world)
    for write in AGENCY_WRITERS:
        write(writer)
    report.data_files += writer.files

    announce("generating transactions")
    transactions, patterns = finance.generate_transactions(world, seed + 3, finance_scale)
    report.counts["transactions"] = finance.write_scan_csv(
        transactions, outdir / "exports" / "transactions.csv"
    )
    report.data_files += finance.write_bank_extracts(
        _transactions(world, seed, finance_scale), world, data / "banks"
    )
    finance.write_truth(patterns, truth / "transactions.csv", truth / "patterns.json")

    announce("writing goAML reports")
    suspicious = {tx: p.id for p in patterns if not p.lookalike for tx in p.transaction_ids}
    filed = goaml.build_reports(
        world, _transactions(world, seed, finance_scale), suspicious, random.Random(seed + 4)
    )
    report.data_files += goaml.write_reports(filed, data / "fmu" / "goaml")
    report.data_files.append(_copy_mapping("fmu_goaml.yml", data / "fmu"))
    report.counts["goaml_reports"] = len(filed)

    announce("writing the sanctions list and reports")
    report.counts["un_listings"] = sanctions.write_un_list(
        world,
        data / "un" / "un_sc_consolidated.unsc.xml",
        random.Random(seed + 5),
        padding=UN_PADDING[scale],
    )
    report.data_files += [
        data / "un" / "un_sc_consolidated.unsc.xml",
        _copy_mapping("un_sc_list.yml", data / "un"),
    ]
    mentions = reports.write_reports(
        world,
        data / "ncb" / "situation_reports.reports.jsonl",
        random.Random(seed + 6),
        REPORT_COUNTS[scale],
    )
    report.data_files += [
        data / "ncb" / "situation_reports.reports.jsonl",
        _copy_mapping("situation_reports.yml", data / "ncb"),
    ]

    announce("writing map layers")
    report.map_files = write_maps(world, outdir / "maps")

    announce("writing the ground truth")
    report.truth_files = write_truth(world, writer.truth, mentions, truth)
    report.truth_files += [truth / "transactions.csv", truth / "patterns.json"]
    report.counts.update(
        people=len(world.people),
        organisations=len(world.organisations),
        accounts=len(world.accounts),
        networks=len(world.networks),
        events=len(world.events),
        victims=len(world.victims),
        agency_rows=len({(f, r) for f, r, _e, _u in writer.truth}),
        patterns=len(patterns),
    )
    write_manifest(report)
    return report


def _transactions(world: World, seed: int, scale: finance.FinanceScale) -> Iterable[Transaction]:
    """The same transaction stream again: it is too large to keep, and cheap to regenerate."""
    stream: Iterable[Transaction]
    stream, _patterns = finance.generate_transactions(world, seed + 3, scale)
    return stream


def _copy_mapping(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(MAPPINGS / name, target)
    return target


def _write_csv(path: Path, columns: list[str], rows: Iterable[Iterable[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(columns)
        out.writerows(rows)
    return path


def _dump(path: Path, data: Any) -> Path:
    path.write_text(
        json.dumps(data, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    return path


def write_truth(
    world: World,
    records: list[tuple[str, int, str, str]],
    mentions: list[dict[str, Any]],
    folder: Path,
) -> list[Path]:
    """Who is who, who belongs where, and which source row is which true entity."""
    people = _write_csv(
        folder / "people.csv",
        [
            "uid",
            "given_name",
            "family_name",
            "father_name",
            "sex",
            "birth_date",
            "nationality",
            "cnic",
            "phones",
            "home",
            "network",
            "role",
            "relatives",
            "lookalike_of",
            "occupation",
        ],
        (
            [
                p.uid,
                p.given_name,
                p.family_name or "",
                p.father_name,
                p.sex,
                p.birth_date,
                p.nationality,
                p.cnic or "",
                ";".join(p.phones),
                p.home.name if p.home else "",
                p.network or "",
                p.role or "",
                ";".join(p.relatives),
                p.lookalike_of or "",
                p.occupation or "",
            ]
            for p in world.people.values()
        ),
    )
    organisations = _write_csv(
        folder / "organisations.csv",
        [
            "uid",
            "name",
            "kind",
            "country",
            "registration_number",
            "network",
            "front",
            "proscribed",
            "owners",
            "directors",
        ],
        (
            [
                o.uid,
                o.name,
                o.kind,
                o.country,
                o.registration_number or "",
                o.network or "",
                o.front,
                o.proscribed,
                ";".join(o.owners),
                ";".join(o.directors),
            ]
            for o in world.organisations.values()
        ),
    )
    record_rows = _write_csv(
        folder / "records.csv", ["file", "row", "entity", "uid"], sorted(records)
    )
    networks = _dump(
        folder / "networks.json",
        [
            {
                "uid": n.uid,
                "name": n.name,
                "crimes": n.crimes,
                "route": [p.name for p in n.route],
                "members": n.members,
                "leaders": n.leaders,
                "brokers": n.brokers,
                "organisations": n.organisations,
                "finances": n.finances,
            }
            for n in world.networks.values()
        ],
    )
    victims = _write_csv(
        folder / "victims.csv",
        ["person", "sex", "age_at_event", "exploitation", "referred_to_protection", "event"],
        (
            [
                v.person,
                world.people[v.person].sex,
                v.age_at_event,
                v.exploitation,
                v.referred_to_protection,
                v.event,
            ]
            for v in world.victims
        ),
    )
    events = _write_csv(
        folder / "events.csv",
        [
            "uid",
            "kind",
            "date",
            "agency",
            "place",
            "network",
            "reference",
            "case",
            "commodity",
            "quantity",
            "unit",
            "status",
            "partners",
            "participants",
        ],
        (
            [
                e.uid,
                e.kind,
                e.date,
                e.agency,
                e.place.name if e.place else "",
                e.network or "",
                e.reference or "",
                e.case or "",
                e.commodity or "",
                e.quantity or "",
                e.unit or "",
                e.status or "",
                ";".join(e.partners),
                ";".join(f"{p.person}:{p.role}" for p in e.participants),
            ]
            for e in world.events.values()
        ),
    )
    sanctions_truth = _dump(folder / "sanctions.json", [asdict(s) for s in world.sanctions])
    report_mentions = _dump(folder / "report_mentions.json", mentions)
    accounts = _write_csv(
        folder / "accounts.csv",
        ["uid", "number", "bank", "holder", "currency", "country", "kind"],
        (
            [a.uid, a.number, a.bank, a.holder, a.currency, a.country, a.kind]
            for a in world.accounts.values()
        ),
    )
    return [
        people,
        organisations,
        record_rows,
        networks,
        victims,
        events,
        sanctions_truth,
        report_mentions,
        accounts,
    ]


def write_maps(world: World, folder: Path) -> list[Path]:
    """GeoJSON layers for maps: the region's country outlines and every place the world uses."""
    folder.mkdir(parents=True, exist_ok=True)
    outlines = folder / "countries.geojson"
    shutil.copyfile(OUTLINES, outlines)
    used: dict[str, Place] = {}
    for network in world.networks.values():
        used.update((p.name, p) for p in network.route)
    for event in world.events.values():
        if event.place is not None:
            used[event.place.name] = event.place
    features = [
        {
            "type": "Feature",
            "id": place.name,
            "properties": {
                "name": place.name,
                "kind": place.kind,
                "country": place.country,
                "province": place.province,
            },
            "geometry": {"type": "Point", "coordinates": [place.lon, place.lat]},
        }
        for _name, place in sorted(used.items())
    ]
    places = _dump(folder / "places.geojson", {"type": "FeatureCollection", "features": features})
    return [outlines, places]


def write_manifest(report: GenerationReport) -> Path:
    """Every file with its SHA-256, so two runs can be compared and a copy checked."""
    root = report.outdir
    entries = []
    for path in sorted({*report.data_files, *report.truth_files, *report.map_files}):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entries.append({"path": str(path.relative_to(root)), "sha256": digest})
    manifest = {
        "seed": report.seed,
        "scale": report.scale,
        "counts": dict(sorted(report.counts.items())),
        "files": entries,
    }
    return _dump(root / "manifest.json", manifest)
