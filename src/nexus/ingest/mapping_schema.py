"""Strict key checking for mapping files: every key at every level must be one we read.

Owns the sets of valid keys and the line-numbered "unknown key, did you mean" error.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from nexus.exceptions import MappingError

DATASET_KEYS = frozenset(
    {"agency", "classification", "caveats", "country", "queries", "query", "title", "summary"}
)
QUERY_KEYS = frozenset(
    {
        "csv_url", "csv_urls", "format", "sheet", "delimiter", "encoding", "entities",
        "filters", "filters_not", "database", "table", "tables",
    }
)  # fmt: skip
ENTITY_KEYS = frozenset(
    {"schema", "key", "keys", "key_literal", "id_column", "properties", "classification",
     "caveats"}
)  # fmt: skip
PROPERTY_KEYS = frozenset(
    {"column", "columns", "literal", "literals", "join", "split", "format", "template",
     "entity", "required", "fuzzy"}
)  # fmt: skip


def _unknown(path: Path, node: yaml.Node, key: str, valid: frozenset[str], level: str) -> None:
    near = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    hint = f"; did you mean `{near[0]}`?" if near else f"; valid keys: {', '.join(sorted(valid))}"
    raise MappingError(
        f"{path}, line {node.start_mark.line + 1}: unknown {level} key `{key}`{hint}"
    )


def _check(path: Path, node: yaml.Node, valid: frozenset[str], level: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in valid:
            _unknown(path, key_node, key, valid, level)
        if level == "dataset" and key == "queries" and isinstance(value_node, yaml.SequenceNode):
            for query in value_node.value:
                _check(path, query, QUERY_KEYS, "query")
        elif level == "dataset" and key == "query":
            _check(path, value_node, QUERY_KEYS, "query")
        elif level == "query" and key == "entities" and isinstance(value_node, yaml.MappingNode):
            for _name, entity in value_node.value:
                _check(path, entity, ENTITY_KEYS, "entity")
        elif level == "entity" and key == "properties" and isinstance(value_node, yaml.MappingNode):
            for _name, prop in value_node.value:
                _check(path, prop, PROPERTY_KEYS, "property")


def check_keys(path: Path, text: str) -> None:
    """Raise a one-line MappingError at the first key no level of the mapping reads."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return
    for _dataset, config in root.value:
        _check(path, config, DATASET_KEYS, "dataset")
