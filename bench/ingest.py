"""Ingest benchmark: bulk-write N statements into Nexus (SQLite, PostgreSQL) and into the peer,
nomenklatura's SQL store (SQLite), and print ONE JSON line with the figures on stdout.

    .venv/bin/python bench/ingest.py                      # 1,000,000 statements
    .venv/bin/python bench/ingest.py --statements 200000 --profile /tmp/nexus.pstats

The statements are synthetic but shaped like the real thing (persons with CNICs and phones,
companies, bank accounts with IBANs, ownerships, directorships, payments between accounts, each
marked by ANF, FIA or FIU) and deterministic for a seed. They are built before any clock starts:
each figure times only the store, from writer open to commit.

PostgreSQL: NEXUS_BENCH_DATABASE_URL if set (a fresh database is created on that server, or, if
that is not allowed, the Nexus tables in the given database are dropped first); otherwise a
throwaway server from tools/pgserver.py. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import importlib.util
import io
import json
import os
import platform
import pstats
import random
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from followthemoney import Dataset, Statement, StatementEntity
from followthemoney.statement.util import get_prop_type
from nomenklatura.resolver import Linker
from nomenklatura.store.sql import SQLStore as PeerSQLStore
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nexus.store import ID_PROP, Marking, NewStatement, open_store

ROOT = Path(__file__).resolve().parent.parent
GOAL_STATEMENTS_PER_S = 100_000
STAMP = "2025-01-15T09:30:00"
USER = "bench"
NEXUS_TABLES = (
    "quarantine",
    "statements",
    "canonical",
    "audit",
    "users",
    "runs",
    "markings",
    "alembic_version",
)

Json = dict[str, Any]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- synthetic statements --------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_MALE = _words(
    "Muhammad Ahmed Ali Hassan Hussain Imran Kashif Bilal Usman Faisal Tariq Zahid Naveed Asif "
    "Waqas Shahid Junaid Saeed Rashid Khalid Sohail Adnan Farhan Noman Hamza Zubair Arshad "
    "Javed"
)
FIRST_FEMALE = _words(
    "Ayesha Fatima Sana Hina Amna Saima Nadia Rabia Sadia Bushra Kiran Mehwish Zainab Maryam "
    "Shazia Samina Naila Uzma Farah Iqra"
)
LAST = _words(
    "Khan Ahmed Malik Qureshi Sheikh Butt Chaudhry Baloch Afridi Yousafzai Siddiqui Mirza Awan "
    "Abbasi Jatoi Bugti Marri Rind Durrani Kakar Achakzai Memon Shah Hashmi Rana Gill Niazi "
    "Khattak"
)
CITIES = (
    ("Karachi", "42101"),
    ("Lahore", "35202"),
    ("Quetta", "54400"),
    ("Peshawar", "17301"),
    ("Islamabad", "61101"),
    ("Rawalpindi", "37405"),
    ("Faisalabad", "33100"),
    ("Multan", "36302"),
    ("Gwadar", "52201"),
    ("Hyderabad", "41303"),
    ("Turbat", "52102"),
    ("Chaman", "54201"),
)
SECTORS = (
    "Import/Export",
    "Real Estate",
    "Transport",
    "Textiles",
    "Money Exchange",
    "Construction",
    "Fisheries",
    "Pharmaceuticals",
)
COMPANY_WORDS = ("Traders", "Enterprises", "Logistics", "Holdings", "Exchange", "Builders", "Impex")
COMPANY_SUFFIX = ("(Pvt) Ltd", "& Co", "Ltd", "(SMC-Pvt) Ltd")
BANKS = (
    ("Habib Bank Limited", "HABB"),
    ("United Bank Limited", "UNIL"),
    ("MCB Bank", "MUCB"),
    ("Meezan Bank", "MEZN"),
    ("Bank Alfalah", "ALFH"),
    ("Allied Bank", "ABPA"),
    ("National Bank of Pakistan", "NBPA"),
)
PURPOSES = (
    "Trade settlement",
    "Family support",
    "Property purchase",
    "Consultancy fee",
    "Goods advance",
    "Loan repayment",
    "Transport charges",
    "Hawala settlement",
)
ROLES = ("Director", "Chief Executive", "Company Secretary", "Shareholder Director")
AGENCY_SOURCES = {
    "ANF": ("anf_narcotics_cases", ("anf/seizures-2024.xlsx", "anf/case-files-q3.csv")),
    "FIA": ("fia_aml_investigations", ("fia/ccw-karachi.xlsx", "fia/aml-cases-2024.csv")),
    "FIU": ("fiu_strs", ("fiu/str-batch-07.csv", "fiu/ctr-extract.xlsx", "fiu/goaml-export.csv")),
}
LEVELS = ("RESTRICTED", "CONFIDENTIAL", "SECRET")
LEVEL_WEIGHTS = (50, 35, 15)
CAVEATS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"REL:UNODC"}),
    frozenset({"REL:UNODC", "REL:INTERPOL"}),
    frozenset({"ORCON"}),
)
CAVEAT_WEIGHTS = (70, 20, 5, 5)


class Generator:
    """Builds blocks of related entities (one agency's case) until N statements exist."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.counter = 0
        self.persons: list[str] = []
        self.companies: list[str] = []
        self.accounts: list[str] = []
        self._markings: dict[tuple[str, str, frozenset[str]], Marking] = {}
        self._types: dict[tuple[str, str], str] = {}
        self.entities = 0

    # helpers
    def marking(self, agency: str, level: str, caveats: frozenset[str]) -> Marking:
        key = (agency, level, caveats)
        found = self._markings.get(key)
        if found is None:
            found = self._markings[key] = Marking(agency, level, caveats)
        return found

    def prop_type(self, schema: str, prop: str) -> str:
        key = (schema, prop)
        found = self._types.get(key)
        if found is None:
            found = self._types[key] = get_prop_type(schema, prop)
        return found

    def make_id(self, prefix: str, kind: str) -> str:
        self.counter += 1
        digest = hashlib.sha1(f"{self.seed}:{self.counter}".encode()).hexdigest()[:20]
        return f"{prefix}-{kind}-{digest}"

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def date(self, start: int, end: int) -> str:
        r = self.rng
        return f"{r.randint(start, end)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"

    def phone(self) -> str:
        return f"+923{self.rng.randint(0, 49):02d}{self.digits(7)}"

    def address(self, city: str) -> str:
        r = self.rng
        return f"House {r.randint(1, 999)}, Street {r.randint(1, 60)}, {city}, Pakistan"

    def pick(self, pool: list[str]) -> str:
        # Mostly recent entities (the same case), sometimes an old one (a cross-case link).
        if self.rng.random() < 0.8:
            return pool[-self.rng.randint(1, min(len(pool), 12))]
        return self.rng.choice(pool)

    # entities: each returns (schema, entity_id, [(prop, value), ...])
    def person(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "per")
        female = r.random() < 0.2
        first = r.choice(FIRST_FEMALE if female else FIRST_MALE)
        last = r.choice(LAST)
        city, district = r.choice(CITIES)
        cnic = f"{district}-{self.digits(7)}-{r.randint(1, 9)}"
        props = [
            ("name", f"{first} {last}"),
            ("firstName", first),
            ("lastName", last),
            ("fatherName", f"{r.choice(FIRST_MALE)} {last}"),
            ("idNumber", cnic),
            ("birthDate", self.date(1955, 2003)),
            ("birthPlace", city),
            ("nationality", "pk"),
            ("gender", "female" if female else "male"),
            ("phone", self.phone()),
            ("address", self.address(city)),
        ]
        if r.random() < 0.3:
            props.append(("phone", self.phone()))
        if r.random() < 0.2:
            props.append(("alias", f"{first[0]}. {last}"))
        if r.random() < 0.25:
            props.append(("email", f"{first.lower()}.{last.lower()}{r.randint(1, 99)}@gmail.com"))
        self.persons.append(entity_id)
        return "Person", entity_id, props

    def company(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "com")
        city, _district = r.choice(CITIES)
        name = f"{r.choice(LAST)} {r.choice(COMPANY_WORDS)} {r.choice(COMPANY_SUFFIX)}"
        props = [
            ("name", name),
            ("registrationNumber", f"{r.randint(10, 99)}{self.digits(5)}"),
            ("taxNumber", f"{self.digits(7)}-{r.randint(0, 9)}"),
            ("incorporationDate", self.date(1990, 2024)),
            ("jurisdiction", "pk"),
            ("address", self.address(city)),
            ("phone", self.phone()),
            ("sector", r.choice(SECTORS)),
        ]
        self.companies.append(entity_id)
        return "Company", entity_id, props

    def account(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "acc")
        bank, code = r.choice(BANKS)
        number = self.digits(16)
        props = [
            ("accountNumber", number),
            ("iban", f"PK{r.randint(10, 99)}{code}{number}"),
            ("bankName", bank),
            ("currency", r.choice(("PKR", "PKR", "PKR", "USD", "AED"))),
            ("accountType", r.choice(("Current", "Savings", "Business"))),
            ("openingDate", self.date(2005, 2024)),
        ]
        self.accounts.append(entity_id)
        return "BankAccount", entity_id, props

    def ownership(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "own")
        owner = self.pick(self.persons if r.random() < 0.7 else self.companies)
        props = [
            ("owner", owner),
            ("asset", self.pick(self.accounts if r.random() < 0.6 else self.companies)),
            ("percentage", str(r.choice((100, 50, 51, 25, 33)))),
            ("startDate", self.date(2005, 2024)),
        ]
        return "Ownership", entity_id, props

    def directorship(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "dir")
        props = [
            ("director", self.pick(self.persons)),
            ("organization", self.pick(self.companies)),
            ("role", r.choice(ROLES)),
            ("startDate", self.date(2000, 2024)),
        ]
        return "Directorship", entity_id, props

    def payment(self, prefix: str) -> tuple[str, str, list[tuple[str, str]]]:
        r = self.rng
        entity_id = self.make_id(prefix, "pay")
        parties = self.persons if r.random() < 0.6 else self.companies
        amount = r.choice((r.randint(5, 500) * 1000, r.randint(1, 9) * 1_000_000))
        props = [
            ("payer", self.pick(parties)),
            ("beneficiary", self.pick(self.persons)),
            ("payerAccount", self.pick(self.accounts)),
            ("beneficiaryAccount", self.pick(self.accounts)),
            ("amount", str(amount)),
            ("currency", "PKR"),
            ("date", self.date(2019, 2025)),
            ("purpose", r.choice(PURPOSES)),
            ("transactionNumber", f"TXN{self.digits(12)}"),
        ]
        return "Payment", entity_id, props

    def block(self) -> Iterator[NewStatement]:
        """One agency's case: people, a company, accounts, links and payments."""
        r = self.rng
        agency = r.choice(tuple(AGENCY_SOURCES))
        dataset, origins = AGENCY_SOURCES[agency]
        origin = r.choice(origins)
        level_index = r.choices(range(len(LEVELS)), LEVEL_WEIGHTS)[0]
        caveats = r.choices(CAVEATS, CAVEAT_WEIGHTS)[0]
        base = self.marking(agency, LEVELS[level_index], caveats)
        higher = self.marking(agency, LEVELS[min(level_index + 1, len(LEVELS) - 1)], caveats)
        prefix = agency.lower()
        makers: list[Callable[[str], tuple[str, str, list[tuple[str, str]]]]] = [
            self.person,
            self.person,
            self.person,
            self.company,
            self.account,
            self.account,
            self.ownership,
            self.directorship,
            self.payment,
            self.payment,
            self.payment,
        ]
        for make in makers:
            schema, entity_id, props = make(prefix)
            self.entities += 1
            yield NewStatement(entity_id, schema, ID_PROP, "id", entity_id, dataset, origin, base)
            for prop, value in props:
                # Some values (identity numbers, say) come in at a higher classification.
                marking = higher if r.random() < 0.05 else base
                prop_type = self.prop_type(schema, prop)
                yield NewStatement(
                    entity_id, schema, prop, prop_type, value, dataset, origin, marking
                )

    def statements(self, count: int) -> list[NewStatement]:
        out: list[NewStatement] = []
        while len(out) < count:
            out.extend(self.block())
        del out[count:]
        return out


# -- measurements ----------------------------------------------------------------------------


@dataclass
class Timed:
    seconds: float
    count: int

    def json(self) -> Json:
        return {
            "seconds": round(self.seconds, 3),
            "statements_per_s": round(self.count / self.seconds) if self.seconds else None,
        }


@contextmanager
def maybe_profile(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(str(path))
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
        stats.print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(buffer.getvalue(), file=sys.stderr)


def bench_nexus(url: str, statements: list[NewStatement], profile: Path | None = None) -> Json:
    store = open_store(url)
    try:
        gc.collect()
        start = time.perf_counter()
        with maybe_profile(profile), store.writer(USER, "bench/ingest.py") as writer:
            written = writer.add(statements)
        timed = Timed(time.perf_counter() - start, len(statements))
        with store.engine.connect() as conn:
            rows = int(conn.execute(text("SELECT count(*) FROM statements")).scalar_one())
        size = store.size_on_disk()
    finally:
        store.close()
    return {
        **timed.json(),
        "size_bytes": size,
        "rows": rows,
        "written": written,
        "peak_rss_bytes": peak_rss_bytes(),
    }


def peer_statements(statements: list[NewStatement]) -> list[Statement]:
    return [
        Statement(
            entity_id=s.entity_id,
            prop=s.prop,
            schema=s.schema,
            value=s.value,
            dataset=s.dataset,
            origin=s.origin,
            first_seen=STAMP,
        )
        for s in statements
    ]


def bench_peer(path: Path, statements: list[NewStatement]) -> Json:
    """nomenklatura's SQLStore on SQLite: the same statements, via add_statement + flush."""
    dataset = Dataset.make({"name": "bench", "title": "Nexus ingest benchmark"})
    linker: Linker[StatementEntity] = Linker({})
    engine = create_engine(f"sqlite:///{path}")
    try:
        store: PeerSQLStore[Dataset, StatementEntity] = PeerSQLStore(dataset, linker, engine)
        gc.collect()
        start = time.perf_counter()
        built = peer_statements(statements)
        build_seconds = time.perf_counter() - start
        log(f"peer: built {len(built):,} followthemoney Statements in {build_seconds:.1f}s")
        gc.collect()
        start = time.perf_counter()
        with store.writer() as writer:
            for stmt in built:
                writer.add_statement(stmt)
            writer.flush()
        timed = Timed(time.perf_counter() - start, len(built))
        del built
        with engine.connect() as conn:
            rows = int(conn.execute(text("SELECT count(*) FROM statement")).scalar_one())
    finally:
        engine.dispose()
    size = sum(
        os.path.getsize(f"{path}{suffix}")
        for suffix in ("", "-wal", "-shm", "-journal")
        if os.path.exists(f"{path}{suffix}")
    )
    with_build = Timed(timed.seconds + build_seconds, timed.count)
    return {
        **timed.json(),
        "size_bytes": size,
        "rows": rows,
        "note": "seconds: add_statement+flush of prebuilt Statements (as Nexus gets prebuilt "
        "NewStatements); *_incl_build adds constructing the Statements (FtM hashes ids there)",
        "seconds_incl_build": round(with_build.seconds, 3),
        "statements_per_s_incl_build": with_build.json()["statements_per_s"],
        "peak_rss_bytes": peak_rss_bytes(),
    }


def load_pgserver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pgserver", ROOT / "tools" / "pgserver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("pgserver", module)
    spec.loader.exec_module(module)
    return module


@contextmanager
def postgres_database(workdir: Path) -> Iterator[tuple[str, str]]:
    """A fresh, empty database: (its URL, where it came from)."""
    given = os.environ.get("NEXUS_BENCH_DATABASE_URL")
    if given:
        name = f"nexus_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(given, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            log(f"postgres: cannot create a database ({exc}); dropping Nexus tables instead")
            with admin.connect() as conn:
                for table in NEXUS_TABLES:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
            admin.dispose()
            yield given, "NEXUS_BENCH_DATABASE_URL (tables dropped)"
            return
        url = make_url(given).set(database=name).render_as_string(hide_password=False)
        try:
            yield url, "NEXUS_BENCH_DATABASE_URL (fresh database)"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    pgserver = load_pgserver()
    server = pgserver.start_server(workdir / "pg")
    try:
        url = server.create_database("nexus_bench")
        yield url, f"throwaway server (tools/pgserver.py, {server.bin_dir})"
    finally:
        server.stop()


def bench_postgres(workdir: Path, statements: list[NewStatement]) -> Json:
    try:
        with postgres_database(workdir) as (url, source):
            log(f"nexus postgres: {source}")
            result = bench_nexus(url, statements)
            engine = create_engine(url)
            try:
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar_one()
            finally:
                engine.dispose()
            return {**result, "server": source, "server_version": version}
    except Exception as exc:
        log(f"nexus postgres: failed: {type(exc).__name__}: {exc}")
        return {"error": f"{type(exc).__name__}: {exc}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--statements", type=int, default=1_000_000, help="how many (1,000,000)")
    parser.add_argument("--seed", type=int, default=20250115)
    parser.add_argument("--no-postgres", action="store_true", help="skip Nexus on PostgreSQL")
    parser.add_argument("--no-peer", action="store_true", help="skip the nomenklatura peer")
    parser.add_argument(
        "--profile", type=Path, default=None, help="cProfile the Nexus SQLite run into this file"
    )
    args = parser.parse_args(argv)

    log(f"generating {args.statements:,} statements (seed {args.seed})")
    start = time.perf_counter()
    generator = Generator(args.seed)
    statements = generator.statements(args.statements)
    generate_seconds = time.perf_counter() - start
    log(
        f"generated {len(statements):,} statements about {generator.entities:,} entities "
        f"in {generate_seconds:.1f}s"
    )
    result: Json = {
        "benchmark": "ingest",
        "statements": len(statements),
        "entities": generator.entities,
        "markings": len(generator._markings),
        "seed": args.seed,
        "generate_seconds": round(generate_seconds, 3),
        "peak_rss_bytes_after_generate": peak_rss_bytes(),
    }

    with tempfile.TemporaryDirectory(prefix="nexus-bench-") as tmp:
        workdir = Path(tmp)
        log("nexus sqlite: writing")
        nexus_sqlite = bench_nexus(
            f"sqlite:///{workdir / 'nexus.sqlite'}", statements, args.profile
        )
        log(f"nexus sqlite: {nexus_sqlite}")
        result["nexus_sqlite"] = nexus_sqlite

        if args.no_postgres:
            result["nexus_postgres"] = {"skipped": True}
        else:
            log("nexus postgres: writing")
            result["nexus_postgres"] = bench_postgres(workdir, statements)
            log(f"nexus postgres: {result['nexus_postgres']}")

        if args.no_peer:
            result["peer_nomenklatura_sqlite"] = {"skipped": True}
        else:
            log("peer nomenklatura sqlite: writing")
            peer = bench_peer(workdir / "peer.sqlite", statements)
            log(f"peer nomenklatura sqlite: {peer}")
            result["peer_nomenklatura_sqlite"] = peer

    nexus_rate = nexus_sqlite["statements_per_s"]
    peer_rate = result["peer_nomenklatura_sqlite"].get("statements_per_s")
    result["ratio_vs_peer_sqlite"] = (
        round(nexus_rate / peer_rate, 2) if nexus_rate and peer_rate else None
    )
    result["goal_statements_per_s"] = GOAL_STATEMENTS_PER_S
    result["goal_met"] = bool(nexus_rate and nexus_rate >= GOAL_STATEMENTS_PER_S)
    result["peak_rss_bytes"] = peak_rss_bytes()
    result["environment"] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
