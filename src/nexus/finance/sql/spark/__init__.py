"""Spark SQL dialect: an engine that runs the detectors' SQL unchanged over Spark."""

from nexus.finance.sql.spark.engine import SparkEngine

__all__ = ["SparkEngine"]
