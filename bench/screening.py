"""Screening benchmark: N names (default 1,000,000) against a list of M entries (default 10,000),
Nexus's screener against nomenklatura's blocking index + logic-v1 matcher; ONE JSON line on stdout.

    .venv/bin/python bench/screening.py                       # 1M names, 10k entries, peer on 20k
    .venv/bin/python bench/screening.py --names 100000 --peer-sample 5000

The list is the scenario's UN Security Council consolidated list (written by
nexus.scenario.sanctions and loaded through Nexus's own `unsc` import into a scratch store, then
read back as screening reads a store) topped up with generated watch-list entries in the style of
CTD's Fourth Schedule (people with father's name, CNIC, often a date of birth) and proscribed
organisations. The names to screen are synthetic people written the way agencies write them
(nexus.scenario.variation's agency styles), plus planted aliases of list entries: the scenario's
transliterations of the entry's name (other Latin spellings, Urdu script, abbreviations, titles,
"Family, Given" order, "s/o" parts), sometimes with the entry's CNIC or date of birth as an agency
would have them. Recall is the share of planted aliases whose entry is among their hits at the
threshold (0.7).

The peer is what OpenSanctions' own tooling does to screen ("xref"): nomenklatura's DuckDB
blocking index (Index.match_entities) over the same entries as FtM entities, then the logic-v1
matcher on every candidate, a hit at 0.7. It is run on a random sample of the names (it would take
hours on all), and Nexus is timed on the same sample, so the ratio compares like with like.
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import logging
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nexus.finance.screening import Record, Screener, ScreeningConfig, read_records
from nexus.finance.screening_match import Party, build_party
from nexus.ingest import MappingPlan, QueryPlan, ingest
from nexus.policy import ADMIN_ROLE, AccessLayer
from nexus.scenario.names import load_names
from nexus.scenario.sanctions import spelling_variant, write_un_list
from nexus.scenario.variation import (
    STYLES,
    Style,
    render_cnic,
    render_company,
    render_date,
    render_name,
    render_patronymic,
)
from nexus.scenario.world import build_world
from nexus.settings import load_settings
from nexus.store import Provenance, UserRecord, open_store

THRESHOLD = 0.7
GOAL_SECONDS = 300
GOAL_RECALL = 0.98
UN_PADDING = 600
REGIONS = ("punjab", "sindh", "kp", "balochistan", "islamabad")
AGENCY_STYLES = ("ANF", "FIA", "CUSTOMS", "POLICE", "CTD", "FMU", "BANK")
# How a clerk transliterates a listed name: another spelling always tried, Urdu script, the
# order flipped, titles, initials; no typing slips (those are not transliterations).
TRANSLITERATION = Style(
    name="TRANSLITERATION",
    spelling_rate=0.8,
    typo_rate=0.0,
    abbreviate_rate=0.15,
    order_swap_rate=0.2,
    urdu_rate=0.25,
    title_rate=0.3,
    patronymic_rate=0.4,
    missing_rate=0.0,
    cnic_formats=(("dashed", 0.6), ("plain", 0.4)),
    phone_formats=(("local", 1.0),),
    date_formats=("%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y"),
)
# Company names are written in Urdu script as often as the scenario's police write them (the
# agency that does so most); other habits as for people.
COMPANY_STYLE = Style(
    **{
        **{f: getattr(TRANSLITERATION, f) for f in TRANSLITERATION.__dataclass_fields__},
        "name": "COMPANY",
        "urdu_rate": STYLES["POLICE"].urdu_rate,
    }
)
Json = dict[str, Any]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_bytes() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) * 1024


def clear_caches() -> None:
    """Forget every memoised name, token and comparison, so a run starts cold."""
    for found in gc.get_objects():
        if isinstance(found, functools._lru_cache_wrapper):
            found.cache_clear()


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the screening workers): on a shared
    machine wall time also counts waiting for a core, this does not."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


@contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(round(time.perf_counter() - start, 2))


# -- the list ------------------------------------------------------------------------------------
@dataclass
class Entry:
    """A list entry as FtM values, and what planting an alias of it needs."""

    id: str
    schema: str
    values: dict[str, list[str]]
    given: str = ""
    family: str | None = None
    father: str = ""
    sex: str = "male"
    born: dt.date | None = None
    cnic: str | None = None


def un_entries(seed: int, workdir: Path) -> list[Entry]:
    """The scenario's UN list, loaded with Nexus's `unsc` import and read back for screening."""
    world = build_world(seed, "tiny")
    path = workdir / "un_sc_consolidated.unsc.xml"
    write_un_list(world, path, random.Random(seed), padding=UN_PADDING)
    settings = load_settings(home=workdir / "home")
    store = open_store(settings.store_url)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, UserRecord("admin", "NEXUS", "SECRET", roles=frozenset({ADMIN_ROLE})))
        admin = access.viewer("admin")
        query = QueryPlan(
            provenance=Provenance("un_sc_sanctions", "UNSC", "UNCLASSIFIED"),
            entities=[],
            files=[path],
            format="unsc",
        )
        ingest(access, admin, MappingPlan(path, [query]))
        config = ScreeningConfig(lists=frozenset({"un_sc_sanctions"}))
        entries, _, _ = read_records(access.reader(admin), config)
    finally:
        store.close()
    return [_un_entry(r) for r in entries]


def _un_entry(record: Record) -> Entry:
    name = record.values["name"][0].title()
    entry = Entry(record.id, record.schema, record.values, given=name)
    if record.values.get("idNumber"):
        entry.cnic = record.values["idNumber"][0]
    return entry


def generated_entries(count: int, rng: random.Random) -> list[Entry]:
    """Fourth-Schedule-like people and proscribed-organisation-like entries."""
    names = load_names()
    out = []
    for number in range(count):
        if rng.random() < 0.1:
            kind = rng.choice(names.company_kinds)
            name, _form = names.company_name(rng, kind)
            values = {"name": [name], "country": ["pk"]}
            if rng.random() < 0.3:
                values["alias"] = [spelling_variant(name, rng)]
            out.append(Entry(f"w-org-{number}", "Organization", values, given=name))
            continue
        region = rng.choice(REGIONS)
        sex = "male" if rng.random() < 0.92 else "female"
        given = names.given_name(rng, sex, region)
        family = names.family_name(rng, region)
        father = names.father_name(rng, region)
        cnic = f"{rng.choice('1234567')}{rng.randrange(10**11):011d}"
        cnic += rng.choice("13579" if sex == "male" else "02468")
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
        full = " ".join(p for p in (given, family) if p)
        values = {
            "name": [full],
            "fatherName": [father],
            "idNumber": [f"{cnic[:5]}-{cnic[5:12]}-{cnic[12]}"],
            "nationality": ["pk"],
        }
        if rng.random() < 0.6:
            values["birthDate"] = [born.isoformat()]
        else:
            born = None  # type: ignore[assignment]
        out.append(
            Entry(f"w-person-{number}", "Person", values, given, family, father, sex, born, cnic)
        )
    return out


# -- the names to screen -------------------------------------------------------------------------
@dataclass
class Subjects:
    """Records to screen as columns (a million dicts would not fit), and the planted truth."""

    ids: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    fathers: list[str] = field(default_factory=list)
    ids_numbers: list[str] = field(default_factory=list)
    births: list[str] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)  # subject id → entry id

    def add(self, schema: str, name: str, father: str = "", cnic: str = "", born: str = "") -> str:
        subject_id = f"s{len(self.ids)}"
        self.ids.append(subject_id)
        self.schemas.append(schema)
        self.names.append(name)
        self.fathers.append(father)
        self.ids_numbers.append(cnic)
        self.births.append(born)
        return subject_id

    def values(self, i: int) -> dict[str, list[str]]:
        found = {"name": [self.names[i]]}
        for prop, column in (
            ("fatherName", self.fathers),
            ("idNumber", self.ids_numbers),
            ("birthDate", self.births),
        ):
            if column[i]:
                found[prop] = [column[i]]
        return found

    def parties(self, indexes: Iterator[int] | range) -> Iterator[Party]:
        for i in indexes:
            party = build_party(self.ids[i], self.schemas[i], self.values(i))
            if party is not None:
                yield party

    def entity(self, i: int) -> dict[str, Any]:
        return {"id": self.ids[i], "schema": self.schemas[i], "properties": self.values(i)}


def plant(entry: Entry, rng: random.Random) -> tuple[str, str, str, str, str]:
    """(schema, name, father, CNIC, birth date) of a record about the entry, written with one of
    the scenario's transliterations."""
    names = load_names()
    style = TRANSLITERATION
    if entry.schema != "Person":
        return entry.schema, render_company(entry.given, rng, COMPANY_STYLE), "", "", ""
    if entry.family is None and not entry.father:  # a UN listing: one written name
        name = entry.given
        roll = rng.random()
        if roll < 0.3:
            name = names.to_urdu(name)
        elif roll < 0.8:
            name = spelling_variant(name, rng)
        elif " " in name:
            first, _, rest = name.partition(" ")
            name = f"{rest}, {first}"
    else:
        name = render_name(entry.given, entry.family, rng, style, names, names.title(rng))
        name = render_patronymic(name, entry.father, entry.sex, rng, style)  # type: ignore[arg-type]
    cnic = render_cnic(entry.cnic, rng, STYLES["FIA"]) if entry.cnic and rng.random() < 0.2 else ""
    born = render_date(entry.born, rng, style) if entry.born and rng.random() < 0.3 else ""
    return "Person", name, "", cnic or "", born


def make_subjects(count: int, planted: int, entries: list[Entry], rng: random.Random) -> Subjects:
    names = load_names()
    styles = [STYLES[s] for s in AGENCY_STYLES]
    subjects = Subjects()
    plant_at = set(rng.sample(range(count), planted))
    for number in range(count):
        if number in plant_at:
            entry = rng.choice(entries)
            subject_id = subjects.add(*plant(entry, rng))
            subjects.planted[subject_id] = entry.id
            continue
        region = rng.choice(REGIONS)
        sex = "male" if rng.random() < 0.9 else "female"
        style = rng.choice(styles)
        given, family = names.given_name(rng, sex, region), names.family_name(rng, region)
        father = names.father_name(rng, region)
        name = render_name(given, family, rng, style, names, names.title(rng))
        name = render_patronymic(name, father, sex, rng, style)  # type: ignore[arg-type]
        cnic = ""
        if rng.random() < 0.5:
            digits = f"{rng.choice('1234567')}{rng.randrange(10**12):012d}"
            cnic = render_cnic(digits, rng, style) or ""
        born = ""
        if rng.random() < 0.4:
            day = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
            born = render_date(day, rng, style)
        subjects.add("Person", name, "", cnic, born)
    return subjects


# -- Nexus -----------------------------------------------------------------------------------------
def run_nexus(entries: list[Entry], subjects: Subjects, indexes: list[int] | None = None) -> Json:
    with timed() as build:
        parties = [p for e in entries if (p := build_party(e.id, e.schema, e.values)) is not None]
        screener = Screener(parties, ScreeningConfig(threshold=THRESHOLD))
    hits: dict[str, set[str]] = {}
    count = 0
    chosen = range(len(subjects.ids)) if indexes is None else iter(indexes)
    rows = ((subjects.ids[i], subjects.schemas[i], subjects.values(i)) for i in chosen)
    total = len(subjects.ids) if indexes is None else len(indexes)
    cpu = cpu_seconds()
    own = resource.getrusage(resource.RUSAGE_SELF)
    with timed() as screening:
        for hit in screener.screen_records(rows, size=total):
            hits.setdefault(hit.subject, set()).add(hit.entry)
            count += 1
    screener.close()
    return {
        "names": total,
        "entries": len(parties),
        "index_seconds": build[0],
        "screen_seconds": screening[0],
        "seconds": round(build[0] + screening[0], 2),
        "screen_cpu_seconds": round(cpu_seconds() - cpu, 1),
        "parent_cpu_seconds": round(_own_cpu() - own.ru_utime - own.ru_stime, 1),
        "names_per_s": round(total / max(screening[0], 1e-9)),
        "hits": count,
        "names_with_hits": len(hits),
        "dropped_keys": screener.index.dropped,
        **recall(subjects, hits, indexes),
    }


def recall(subjects: Subjects, hits: dict[str, set[str]], indexes: list[int] | None) -> Json:
    planted = subjects.planted
    if indexes is not None:
        chosen = {subjects.ids[i] for i in indexes}
        planted = {s: e for s, e in planted.items() if s in chosen}
    found = sum(1 for s, e in planted.items() if e in hits.get(s, ()))
    return {
        "planted": len(planted),
        "planted_found": found,
        "recall": round(found / len(planted), 4) if planted else None,
    }


# -- the peer: nomenklatura's blocking index and logic-v1 ---------------------------------------
def run_peer(entries: list[Entry], subjects: Subjects, indexes: list[int], workdir: Path) -> Json:
    from followthemoney import Dataset, StatementEntity
    from nomenklatura.blocker.index import Index
    from nomenklatura.matching import LogicV1, ScoringConfig
    from nomenklatura.resolver import Linker
    from nomenklatura.store import MemoryStore

    logging.getLogger("nomenklatura").setLevel(logging.WARNING)
    listing = Dataset.make({"name": "watchlist", "title": "watch list"})
    queries = Dataset.make({"name": "records", "title": "records"})
    store: Any = MemoryStore(listing, Linker({}))
    with timed() as build:
        with store.writer() as writer:
            for entry in entries:
                data = {"id": entry.id, "schema": entry.schema, "properties": entry.values}
                writer.add_entity(StatementEntity.from_data(listing, data, cleaned=False))
        view = store.default_view()
        index = Index(view, workdir / "peer-index")
        index.build()
    config = ScoringConfig.defaults()
    hits: dict[str, set[str]] = {}
    count = 0
    compared = 0
    cpu = cpu_seconds()
    with timed() as screening:
        by_id = {
            subjects.ids[i]: StatementEntity.from_data(queries, subjects.entity(i), cleaned=False)
            for i in indexes
        }
        for identifier, matches in index.match_entities(by_id.values()):
            query = by_id[identifier.id]
            for candidate, _score in matches:
                entity = view.get_entity(candidate.id)
                if entity is None:
                    continue
                compared += 1
                if LogicV1.compare(query, entity, config).score >= THRESHOLD:
                    hits.setdefault(identifier.id, set()).add(candidate.id)
                    count += 1
    return {
        "tool": "nomenklatura 4.17.4 Index.match_entities + LogicV1",
        "names": len(indexes),
        "index_seconds": build[0],
        "screen_seconds": screening[0],
        "seconds": round(build[0] + screening[0], 2),
        "screen_cpu_seconds": round(cpu_seconds() - cpu, 1),
        "names_per_s": round(len(indexes) / max(screening[0], 1e-9)),
        "compared": compared,
        "hits": count,
        "names_with_hits": len(hits),
        **recall(subjects, hits, indexes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--planted", type=int, default=20_000, help="aliases planted among names")
    parser.add_argument("--peer-sample", type=int, default=20_000, help="0 to skip the peer")
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    result: Json = {"benchmark": "screening", "seed": args.seed, "threshold": THRESHOLD}
    with tempfile.TemporaryDirectory(prefix="nexus-bench-screening-") as tmp:
        workdir = Path(tmp)
        log("writing and loading the scenario's UN list")
        with timed() as made:
            un = un_entries(args.seed, workdir)
            entries = un + generated_entries(args.entries - len(un), rng)
            log(f"{len(entries)} entries ({len(un)} from the UN list); generating names")
            subjects = make_subjects(args.names, args.planted, entries, rng)
        result["generate_seconds"] = made[0]
        result["list"] = {"entries": len(entries), "un_listings": len(un)}
        log(f"{len(subjects.ids)} names, {len(subjects.planted)} planted; screening (Nexus)")
        nexus = run_nexus(entries, subjects)
        nexus["peak_rss_bytes"] = peak_rss_bytes()
        result["nexus"] = nexus
        log(f"nexus: {nexus}")
        if args.peer_sample:
            sample = sorted(
                random.Random(args.seed + 1).sample(range(args.names), args.peer_sample)
            )
            log(f"Nexus on the peer's sample of {len(sample)}, caches cleared")
            clear_caches()
            result["nexus_sample"] = run_nexus(entries, subjects, sample)
            log(f"nexus sample: {result['nexus_sample']}")
            log("peer: nomenklatura index + logic-v1 on the sample")
            result["peer_nomenklatura"] = run_peer(entries, subjects, sample, workdir)
            log(f"peer: {result['peer_nomenklatura']}")
            mine, theirs = result["nexus_sample"], result["peer_nomenklatura"]
            result["ratio_vs_peer_seconds_on_sample"] = round(
                theirs["seconds"] / mine["seconds"], 1
            )
            result["ratio_vs_peer_names_per_s"] = round(
                mine["names_per_s"] / max(theirs["names_per_s"], 1), 1
            )
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["goal_seconds"] = GOAL_SECONDS
    result["goal_recall"] = GOAL_RECALL
    result["goal_met"] = nexus["seconds"] < GOAL_SECONDS and (nexus["recall"] or 0) >= GOAL_RECALL
    result["peak_rss_bytes"] = peak_rss_bytes()
    result["environment"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
