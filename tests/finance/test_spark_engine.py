"""The detectors' SQL is portable: Spark SQL runs it unchanged and finds the same alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus.finance.sql import open_engine
from nexus.finance.sql.spark import SparkEngine
from nexus.finance.typologies import alert_id, scan
from nexus.resolve.engines import spark_session
from nexus.scenario.generate import generate
from nexus.settings import TypologySettings


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = generate(3, "tiny", tmp_path_factory.mktemp("spark") / "scenario").outdir
    return outdir / "exports" / "transactions.csv"


def test_spark_finds_the_same_alerts_as_duckdb(extract: Path) -> None:
    settings = TypologySettings()
    with open_engine("duckdb") as engine:
        engine.load_csv(extract, settings)
        expected = scan(engine, settings)
    # The process's one session (other stages' tests use it too), on one core.
    session = spark_session(1)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    session.sparkContext.setLogLevel("ERROR")
    with SparkEngine(session) as engine:
        report = engine.load_csv(extract, settings)
        found = scan(engine, settings)
    assert report.errors == []
    assert len({f.kind for f in expected}) >= 5
    assert [alert_id(f) for f in found] == [alert_id(f) for f in expected]
    assert [f.reasons for f in found] == [f.reasons for f in expected]
    assert [f.details["graph"] for f in found] == [f.details["graph"] for f in expected]
