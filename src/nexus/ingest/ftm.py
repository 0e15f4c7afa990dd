"""FollowTheMoney entity JSON lines in and out, so data moves to and from Aleph and OpenSanctions.

Import validates each entity (schema, properties, values) and turns it into statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import orjson
from followthemoney import EntityProxy
from followthemoney.property import Property

from nexus.ingest.formats import EntityFormat, register_format
from nexus.ingest.mapping import RowError, entity_statements
from nexus.ingest.sources import read_json_lines
from nexus.model import model
from nexus.store import Marking, NewStatement, StoredStatement


def ftm_statements(
    data: dict[str, Any], dataset: str, origin: str, marking: Marking
) -> list[NewStatement]:
    """Statements for one FtM entity dict; a bad schema, property or value is a RowError."""
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise RowError("entity has no `id`", field="id")
    schema_name = data.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        raise RowError(f"unknown schema {schema_name!r}", field="schema")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise RowError("`properties` must be an object", field="properties")
    values: list[tuple[Property, str, str | None]] = []
    for name, raw_values in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise RowError(
                f"schema {schema.name} has no property {name!r}", field=f"properties.{name}"
            )
        if prop.stub:
            continue  # reverse properties are derived from the other side's statements
        for raw in raw_values if isinstance(raw_values, list) else [raw_values]:
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            cleaned = prop.type.clean(raw)
            if cleaned is None:
                raise RowError(
                    f"cannot read {raw!r} as {prop.type.label.lower()} for {schema.name}.{name}",
                    field=f"properties.{name}",
                )
            values.append((prop, cleaned, str(raw)))
    return entity_statements(entity_id, schema.name, values, dataset, origin, marking)


FTM_FORMAT = register_format(
    EntityFormat(
        name="ftm",
        suffixes=(".ftm.json", ".ftm.jsonl", ".ijson"),
        read=read_json_lines,
        statements=ftm_statements,
        description="FollowTheMoney entities, one JSON object a line (Aleph, OpenSanctions)",
    )
)


def entity_json(entity: EntityProxy) -> dict[str, Any]:
    """The FtM JSON form Aleph and OpenSanctions read: id, schema, properties (+ datasets)."""
    data = entity.to_dict()
    out: dict[str, Any] = {
        "id": data["id"],
        "schema": data["schema"],
        "properties": {k: sorted(v) for k, v in sorted(data["properties"].items())},
    }
    for key in ("datasets", "referents", "first_seen", "last_seen"):
        if data.get(key):
            value = data[key]
            out[key] = sorted(value) if isinstance(value, list) else value
    return out


def write_entities(entities: Iterable[EntityProxy], fh: IO[bytes]) -> int:
    count = 0
    for entity in entities:
        fh.write(orjson.dumps(entity_json(entity)) + b"\n")
        count += 1
    return count


def write_statements(statements: Iterable[StoredStatement], fh: IO[bytes]) -> int:
    """Statements with their full provenance, one JSON object a line (Nexus-to-Nexus transfer)."""
    count = 0
    for stmt in statements:
        fh.write(orjson.dumps(stmt.to_dict()) + b"\n")
        count += 1
    return count
