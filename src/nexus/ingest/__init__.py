"""Ingestion: agency files through declarative mappings, and FtM entity files, into statements.

`load_mapping` validates a mapping; `ingest` loads files in one transaction, quarantining bad rows.
"""

from nexus.ingest import goaml as _goaml  # noqa: F401  (importing registers the "goaml" format)
from nexus.ingest import text as _text  # noqa: F401  (importing registers the "text" format)
from nexus.ingest import unsc as _unsc  # noqa: F401  (importing registers the "unsc" format)
from nexus.ingest.formats import ENTITY_FORMATS, EntityFormat, register_format
from nexus.ingest.ftm import entity_json, ftm_statements, write_entities, write_statements
from nexus.ingest.mapping import MappingPlan, QueryPlan, RowError, load_mapping
from nexus.ingest.runner import IngestReport, ProgressSink, SourceReport, ftm_plan, ingest
from nexus.ingest.sources import SourceRow, TabularSource, detect_format

__all__ = [
    "ENTITY_FORMATS",
    "EntityFormat",
    "IngestReport",
    "MappingPlan",
    "ProgressSink",
    "QueryPlan",
    "RowError",
    "SourceReport",
    "SourceRow",
    "TabularSource",
    "detect_format",
    "entity_json",
    "ftm_plan",
    "ftm_statements",
    "ingest",
    "load_mapping",
    "register_format",
    "write_entities",
    "write_statements",
]
