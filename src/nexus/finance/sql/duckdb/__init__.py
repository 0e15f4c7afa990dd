"""DuckDB dialect: the engine (loading, checks, lookups) and the detectors' SQL."""

from nexus.finance.sql.duckdb.engine import DuckDBEngine

__all__ = ["DuckDBEngine"]
