"""The schema of mapping files: pydantic models for the dataset, query, entity and property levels.

`parse_mapping` validates a file against them; each error names the file, line, key and a fix.
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from nexus.exceptions import ConfigError, MappingError
from nexus.ingest.formats import ENTITY_FORMATS
from nexus.ingest.sources import TABULAR_FORMATS
from nexus.settings import Settings

Loc = tuple[str | int, ...]


def _expected(what: str) -> PydanticCustomError:
    # One error type for "wrong shape" from our validators, worded like pydantic's own type errors.
    return PydanticCustomError("expected", "must be {expected}", {"expected": what})


def _one_or_many(value: Any) -> Any:
    """FtM reads `keys: id` as `keys: [id]`: a single text stands for a list of one."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _expected("a text or a list of texts")
    return value


def _settings(info: ValidationInfo) -> Settings:
    settings = (info.context or {}).get("settings")
    if not isinstance(settings, Settings):
        # Markings can only be checked against the configured levels: never skip the check.
        raise TypeError("mapping specs are validated with the settings: use parse_mapping")
    return settings


def _check_marking(info: ValidationInfo, level: str | None, caveats: list[str]) -> None:
    settings = _settings(info)
    try:
        # check_marking checks a level and caveats together; caveats alone are checked with a
        # level known to be valid, so each key's error points at its own line.
        settings.check_marking(level or settings.classification_levels[0], frozenset(caveats))
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc


def _known_level(value: str, info: ValidationInfo) -> str:
    _check_marking(info, value, [])
    return value


def _known_caveats(value: list[str], info: ValidationInfo) -> list[str]:
    _check_marking(info, None, value)
    return value


def _known_format(value: str) -> str:
    known = (*TABULAR_FORMATS, *ENTITY_FORMATS)
    if value not in known:
        raise ValueError(f"unknown format {value!r} (use one of {', '.join(known)})")
    return value


def _known_encoding(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, cp1252, latin-1)") from None
    return value


def _one_character(value: str) -> str:
    if len(value) != 1:
        raise _expected("one character")
    return value


def _country_code(value: str) -> str:
    if len(value) != 2 or not value.isalpha():
        raise _expected("a two-letter country code")
    return value.lower()


Texts = Annotated[list[str], BeforeValidator(_one_or_many)]
Level = Annotated[str, AfterValidator(_known_level)]
Caveats = Annotated[list[str], BeforeValidator(_one_or_many), AfterValidator(_known_caveats)]


class _Spec(BaseModel):
    """Every level refuses keys it does not read and values of the wrong type (strict: YAML's
    `2024` is not the text "2024"), so a typo stops the load instead of being ignored.
    docs/mapping.md describes each key; a test keeps its tables and these fields in step."""

    model_config = ConfigDict(extra="forbid", strict=True)

    label: ClassVar[str]

    @classmethod
    def field_for(cls, key: str) -> FieldInfo | None:
        """The field a key of the file sets (`schema` is the alias of `schema_`)."""
        for name, info in cls.model_fields.items():
            if (info.alias or name) == key:
                return info
        return None

    @classmethod
    def valid_keys(cls) -> list[str]:
        return sorted(info.alias or name for name, info in cls.model_fields.items())


class PropertySpec(_Spec):
    """How one FtM property takes its values from a record (FtM's property mapping)."""

    label: ClassVar[str] = "property"

    column: str | None = None
    columns: Texts | None = None
    literal: str | None = None
    literals: Texts | None = None
    join: str | None = None
    split: str | None = None
    format: Texts | None = None
    template: str | None = None
    entity: str | None = None
    required: bool = False
    fuzzy: bool = False

    @model_validator(mode="after")
    def _has_a_source(self) -> PropertySpec:
        sources = (self.column, self.columns, self.literal, self.literals, self.template)
        if not any(sources) and self.entity is None:
            # A property reading nothing is a half-written one, never what the author meant.
            raise ValueError(
                "a property needs `column`, `columns`, `literal`, `literals`, `template` or "
                "`entity`"
            )
        return self


class EntitySpec(_Spec):
    """One entity made from each record (FtM's entity mapping), with its own marking."""

    label: ClassVar[str] = "entity"

    schema_: str = Field(alias="schema", min_length=1, description="the entity's FtM schema")
    key: str | None = None
    keys: Texts | None = None
    key_literal: str | None = None
    id_column: str | None = None
    properties: dict[str, PropertySpec] = Field(default_factory=dict)
    classification: Level | None = None
    caveats: Caveats | None = None


class QuerySpec(_Spec):
    """Files read alike and the entities each of their records makes."""

    label: ClassVar[str] = "query"

    csv_url: str | None = None
    csv_urls: Texts | None = None
    format: Annotated[str, AfterValidator(_known_format)] | None = None
    sheet: str | None = None
    delimiter: Annotated[str, AfterValidator(_one_character)] | None = None
    encoding: Annotated[str, AfterValidator(_known_encoding)] = "utf-8-sig"
    entities: dict[str, EntitySpec] | None = None


class DatasetSpec(_Spec):
    """An agency's collection: who owns it, how it is marked, and the queries that read it."""

    label: ClassVar[str] = "dataset"

    agency: str = Field(min_length=1, description="the agency that owns the data")
    classification: Level = Field(min_length=1, description="how the data is marked")
    caveats: Caveats = Field(default_factory=list)
    country: Annotated[str, AfterValidator(_country_code)] | None = None
    title: str | None = None
    summary: str | None = None
    queries: list[QuerySpec] | None = None
    query: QuerySpec | None = None

    @model_validator(mode="after")
    def _has_queries(self) -> DatasetSpec:
        if self.queries and self.query is not None:
            raise ValueError("give `queries:` or `query:`, not both")
        if not self.queries and self.query is None:
            raise ValueError("no `queries:` (or `query:`) defined")
        return self

    def located_queries(self) -> list[tuple[Loc, QuerySpec]]:
        """Each query with its place in the dataset, for `Lines.where`."""
        if self.query is not None:
            return [(("query",), self.query)]
        return [(("queries", number), query) for number, query in enumerate(self.queries or [])]


def _child(model: type[_Spec], key: str | int) -> tuple[type[_Spec], Any] | None:
    """The spec a key of `model` holds, and the container (list, dict or None) holding it."""
    info = model.field_for(key) if isinstance(key, str) else None
    if info is None:
        return None
    pending: list[tuple[Any, Any]] = [(info.annotation, None)]
    while pending:
        kind, container = pending.pop()
        if get_origin(kind) is None and isinstance(kind, type) and issubclass(kind, _Spec):
            return kind, container
        origin = get_origin(kind)
        inner = origin if origin in (list, dict) else container
        pending.extend((arg, inner) for arg in get_args(kind))
    return None


def _walk(loc: Loc) -> tuple[list[str], type[_Spec], Loc]:
    """Follow a location down the specs: the labels on the way ("dataset 'x'", "query 1"),
    the spec it ends in and what is left (the key, maybe an item number)."""
    labels = [f"{DatasetSpec.label} {loc[0]!r}"]
    model: type[_Spec] = DatasetSpec
    at = 1
    while at < len(loc):
        child = _child(model, loc[at])
        if child is None or (child[1] is not None and at + 1 >= len(loc)):
            break
        model, container = child
        if container is None:
            labels.append(model.label)
            at += 1
            continue
        name = loc[at + 1]
        shown = name + 1 if container is list and isinstance(name, int) else repr(name)
        labels.append(f"{model.label} {shown}")
        at += 2
    return labels, model, loc[at:]


@dataclass(slots=True)
class Lines:
    """Where each key and value of a mapping file is: a location (dataset, "queries", 0, …)
    maps to the line of its key, and of its value when that is a list item."""

    path: Path
    keys: dict[Loc, int] = field(default_factory=dict)
    values: dict[Loc, int] = field(default_factory=dict)

    def index(self, node: yaml.Node, loc: Loc) -> None:
        self.values[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                inner = (*loc, str(key_node.value))
                self.keys[inner] = key_node.start_mark.line + 1
                self.index(value_node, inner)
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value):
                self.index(item, (*loc, number))

    def line(self, loc: Loc) -> int:
        """The line of a location, else of the nearest enclosing one (a missing key's owner)."""
        for end in range(len(loc), 0, -1):
            found = self.keys.get(loc[:end]) or self.values.get(loc[:end])
            if found is not None:
                return found
        return 1

    def where(self, loc: Loc) -> str:
        """`m.yml, line 8: dataset 'police', query 1, entity 'person'`: for later errors."""
        return f"{self.path}, line {self.line(loc)}: {', '.join(_walk(loc)[0])}"


@dataclass(frozen=True, slots=True)
class MappingFile:
    datasets: dict[str, DatasetSpec]
    lines: Lines


_EXPECTED = {
    "string_type": "a text",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def unknown_key(model: type[_Spec], key: str) -> str:
    valid = model.valid_keys()
    near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean `{near[0]}`?" if near else f"; valid keys: {', '.join(valid)}"
    return f"unknown {model.label} key `{key}`{hint}"


def _problem(model: type[_Spec], rest: Loc, error: ErrorDetails) -> str:
    """What is wrong with the key at the end of a location, as the rest of a one-line error."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    key = str(rest[0]) if rest else ""
    if rest[-1:] == ("[key]",):
        return f"a name must be a text, not {_shown(value)}"
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        # An empty text is as good as none: `agency: ''` must not pass for an agency.
        info = model.field_for(key)
        why = f" ({info.description})" if info is not None and info.description else ""
        return f"`{key}:` is required{why}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind not in _EXPECTED and kind != "expected":
        return f"`{key}`: {error['msg']}" if key else error["msg"]
    what = str(ctx["expected"]) if kind == "expected" else _EXPECTED[kind]
    item = f" item {rest[1] + 1}" if len(rest) > 1 and isinstance(rest[1], int) else ""
    text = f"`{key}`{item} must be {what}" if key else f"must be {what}"
    text += f", not {_shown(value)}"
    if what == "a text" and isinstance(value, bool | int | float):
        text += "; put it in quotes"  # YAML reads 2024, 1.5 and yes as a number or a boolean
    elif isinstance(value, list) and model.field_for(f"{key}s") is not None:
        text += f"; for several use `{key}s`"
    return text


def _message(lines: Lines, loc: Loc, error: ErrorDetails) -> str:
    labels, model, rest = _walk(loc)
    head = f"{lines.path}, line {lines.line(loc)}"
    if error["type"] == "extra_forbidden":
        return f"{head}: {unknown_key(model, str(rest[-1]))}"
    return f"{head}: {', '.join(labels)}: {_problem(model, rest, error)}"


def _compose(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree it was built from, which still knows every line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.MarkedYAMLError as exc:
        # PyYAML's own text spans lines and names "<unicode string>": keep one line, our format.
        mark = exc.problem_mark or exc.context_mark
        at = f", line {mark.line + 1}" if mark is not None else ""
        raise MappingError(f"{path}{at}: not valid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def parse_mapping(path: Path, text: str, settings: Settings) -> MappingFile:
    """Validate a mapping file's text; raise a one-line MappingError at its first problem."""
    data, root = _compose(path, text)
    if not isinstance(data, dict) or not data or not isinstance(root, yaml.MappingNode):
        raise MappingError(f"{path}: a mapping file maps dataset names to their definitions")
    lines = Lines(path)
    for key_node, value_node in root.value:
        lines.keys[(str(key_node.value),)] = key_node.start_mark.line + 1
        lines.index(value_node, (str(key_node.value),))
    datasets: dict[str, DatasetSpec] = {}
    errors: list[tuple[Loc, ErrorDetails]] = []
    for name, config in data.items():
        try:
            datasets[str(name)] = DatasetSpec.model_validate(config, context={"settings": settings})
        except ValidationError as exc:
            errors.extend(((str(name), *error["loc"]), error) for error in exc.errors())
    if errors:
        # The first problem in the file, not in the models' field order: fixes go top to bottom.
        loc, error = min(errors, key=lambda found: lines.line(found[0]))
        raise MappingError(_message(lines, loc, error))
    return MappingFile(datasets, lines)
