"""The search index: rows of keys per statement, kept by `nexus.search`, matched within a scope.

A query keeps the scope's rows only, then matches, groups by canonical id, ranks, counts and pages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    literal_column,
    select,
    union,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from nexus.store import tables as t
from nexus.store.records import Scope, utc_now
from nexus.store.search_records import (
    SEARCH_FACETS,
    FoundEntity,
    IndexedValue,
    IndexRow,
    IndexSource,
    IndexState,
    SearchPage,
    SearchTerm,
)
from nexus.store.search_sql import SearchBackend, grouped, search_backend
from nexus.store.sqlbase import IN_CHUNK, SQLBase

# How many statements are read, keyed and written at a time.
_BATCH = 10_000
# A match on several rows of one entity (its records in several agencies' files) lifts it a
# little, up to ten rows: the best row still decides between entities that differ in kind.
_ROW_BONUS, _ROW_BONUS_CAP = 0.02, 10
# Rows of a term counted to choose the term a query starts from.
_COUNT_CAP = 2_000
# Pages kept per store: a common word read again (the next page's facets, twenty analysts
# looking up "Khan") is answered from memory until the scope's data or the index changes.
_PAGES_KEPT = 128

# Working tables of one query, private to its connection and dropped at its end.
_work = MetaData()
_TEMP: dict[str, Any] = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}
_term_hits = Table(  # a visible row holding a key of a query term: once per (row, term)
    "search_work_terms",
    _work,
    Column("rid", Integer, nullable=False),
    Column("cid", String(255), nullable=False),
    Column("term_no", Integer, nullable=False),
    Column("best", Float, nullable=False),
    Column("weight", Float, nullable=False),  # the row's, carried so scoring needs no join
    Column("size", Integer, nullable=False),
    **_TEMP,
)
_row_hits = Table(  # a visible row that matched, with its score
    "search_work_rows",
    _work,
    Column("rid", Integer, primary_key=True, autoincrement=False),
    Column("cid", String(255), nullable=False, index=True),
    Column("score", Float, nullable=False),
    **_TEMP,
)
_found = Table(  # a canonical entity whose visible rows hold every term
    "search_work_found",
    _work,
    Column("cid", String(255), primary_key=True),
    Column("score", Float, nullable=False),
    **_TEMP,
)
_members = Table(  # the source entities of each entity found (no index on entity_id: see _Driven)
    "search_work_members",
    _work,
    Column("entity_id", String(255), nullable=False),
    Column("cid", String(255), nullable=False, index=True),
    **_TEMP,
)
_facts = Table(  # what the facets count, per entity found
    "search_work_facts",
    _work,
    Column("cid", String(255), nullable=False, index=True),
    Column("schema", String(64), nullable=False),
    Column("dataset", String(128), nullable=False),
    Column("marking_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),
    **_TEMP,
)
_WORK_TABLES = (_term_hits, _row_hits, _found, _members, _facts)


class _Driven(Join):
    """A join run from its left side: the few entities found, each looked up in the index.
    SQLite, without statistics on the working tables, would rather scan the whole index; a
    CROSS JOIN is how it is told the order."""

    inherit_cache = True


@compiles(_Driven, "sqlite")  # other databases compile it as the join it is
def _driven_on_sqlite(join: _Driven, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    assert join.onclause is not None
    left = join.left._compiler_dispatch(compiler, **kw)
    right = join.right._compiler_dispatch(compiler, **kw)
    return f"{left} CROSS JOIN {right} ON {join.onclause._compiler_dispatch(compiler, **kw)}"


def _members_rows() -> Join:
    """The members of the entities found joined to their index rows, members first."""
    s = t.search_index
    return _Driven(_members, s, s.c.entity_id == _members.c.entity_id)


class SearchPages:
    """The pages last searched, most recent kept; safe to share between threads."""

    def __init__(self, size: int = _PAGES_KEPT) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], SearchPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> SearchPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: SearchPage) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class SQLSearch(SQLBase):
    """Writes the index (unscoped: the index holds every statement's keys) and searches it
    within a scope."""

    search_pages: SearchPages

    # -- writing -------------------------------------------------------------------------------
    def search_index_state(self, version: str) -> IndexState:
        with self.engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(t.search_index)).scalar_one()
            query = select(t.search_runs.c.run_id, t.search_runs.c.version)
            indexed = {int(r): str(v) for r, v in conn.execute(query)}
            committed = _committed_runs(conn)
        pending = tuple(r for r in committed if indexed.get(r) != version)
        outdated = any(v != version for v in indexed.values())
        return IndexState(int(rows), len(indexed), pending, outdated)

    def index_statements(
        self,
        make_rows: Callable[[Sequence[IndexSource]], Iterable[IndexRow]],
        *,
        version: str,
        runs: Collection[int] | None = None,
        skip_types: Collection[str] = (),
        skip_props: Collection[tuple[str | None, str]] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """(Re-)index the statements of these runs, or with `runs` None every statement from
        scratch, in one transaction: `make_rows` turns statements into index rows (a statement's
        old rows are replaced). Statements of `skip_types`, and of the (schema or None for any,
        property) pairs of `skip_props`, are not read. Returns rows written."""
        statements = t.statements.c
        backend = search_backend(self.dialect.name)
        written = done = total = 0
        with self._write() as conn, self.engine.connect() as reading:
            self.dialect.serialise(conn, "search")
            if runs is None:
                backend.clear(conn)
                conn.execute(delete(t.search_runs))
                runs_done = _committed_runs(conn)
            else:
                runs_done = sorted(set(runs))
            query = select(
                statements.id,
                statements.entity_id,
                statements.schema,
                statements.prop,
                statements.prop_type,
                statements.value,
                statements.original_value,
                statements.dataset,
                statements.marking_id,
            )
            if skip_types:
                query = query.where(statements.prop_type.not_in(sorted(skip_types)))
            for schema, prop in sorted(skip_props, key=lambda p: (p[0] or "", p[1])):
                skipped = statements.prop == prop
                if schema is not None:
                    skipped = and_(statements.schema == schema, skipped)
                query = query.where(~skipped)
            if runs is not None:
                query = query.where(statements.run_id.in_(runs_done or [-1]))
            if progress is not None:
                counted = select(func.count()).select_from(query.subquery())
                total = int(reading.execute(counted).scalar_one())
            # Read on a second connection while the first writes: the writes go to other tables.
            result = reading.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
            for batch in result.partitions():
                sources = [IndexSource._make(row) for row in batch]
                if runs is not None:
                    ids = [s.id for s in sources]
                    for start in range(0, len(ids), IN_CHUNK):
                        backend.remove(conn, ids[start : start + IN_CHUNK])
                rows = list(make_rows(sources))
                backend.add(conn, rows)
                written += len(rows)
                done += len(sources)
                if progress is not None:
                    progress(done, max(total, done))
            if runs_done:
                conn.execute(delete(t.search_runs).where(t.search_runs.c.run_id.in_(runs_done)))
                stamp = utc_now()
                conn.execute(
                    insert(t.search_runs),
                    [{"run_id": r, "version": version, "indexed_at": stamp} for r in runs_done],
                )
        return written

    # -- searching (nexus.policy only) ---------------------------------------------------------
    def search(
        self,
        scope: Scope,
        terms: Sequence[SearchTerm],
        *,
        filters: Mapping[str, Collection[str]] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        groups = grouped(terms)
        if not scope.marking_ids or len({number for number, _, _ in groups}) < len(terms):
            # Nothing visible, or a term without a usable key: it can hold nothing.
            return SearchPage(0, (), {facet: {} for facet in SEARCH_FACETS})
        wanted = tuple(sorted((f, tuple(sorted(v))) for f, v in (filters or {}).items()))
        key = (
            scope.key,
            self.data_version(scope),
            self._index_stamp(),
            tuple((number, strength, tuple(keys)) for number, strength, keys in groups),
            len(terms),
            wanted,
            limit,
            offset,
        )
        found = self.search_pages.get(key)
        if found is None:
            found = self._search(scope, groups, len(terms), filters, limit, offset)
            self.search_pages.put(key, found)
        return found

    def _index_stamp(self) -> tuple[Any, ...]:
        """What changes whenever the index is written: its runs, when they were indexed, and
        its last row."""
        runs = t.search_runs.c
        with self.engine.connect() as conn:
            indexed = conn.execute(select(func.count(), func.max(runs.indexed_at))).one()
            last = conn.execute(select(func.max(t.search_index.c.id))).scalar()
        return (int(indexed[0]), indexed[1], last)

    def _search(
        self,
        scope: Scope,
        groups: Sequence[tuple[int, float, list[str]]],
        terms: int,
        filters: Mapping[str, Collection[str]] | None,
        limit: int,
        offset: int,
    ) -> SearchPage:
        backend = search_backend(self.dialect.name)
        with self.engine.connect() as conn:
            sqlite = self.dialect.name == "sqlite"
            conn.begin()
            try:
                for table in _WORK_TABLES:
                    if sqlite:  # a search that failed half-way may have left its tables
                        table.drop(conn, checkfirst=True)
                    table.create(conn)
                _match(conn, scope, backend, groups, terms)
                _add_facts(conn, scope)
                for facet, values in sorted((filters or {}).items()):
                    _keep_only(conn, facet, values)
                total = conn.execute(select(func.count()).select_from(_found)).scalar_one()
                page = conn.execute(
                    select(_found.c.cid, _found.c.score)
                    .order_by(_found.c.score.desc(), _found.c.cid)
                    .limit(limit)
                    .offset(offset)
                ).all()
                facets = _facets(conn)
                values = _values(conn, scope, [cid for cid, _ in page])
            finally:
                conn.rollback()
                if sqlite:
                    for table in _WORK_TABLES:
                        table.drop(conn, checkfirst=True)
                    conn.commit()
        entities = tuple(
            FoundEntity(cid, round(float(score), 4), tuple(values.get(cid, ())))
            for cid, score in page
        )
        known = self.markings()
        used = {v.marking_id for entity in entities for v in entity.values}
        return SearchPage(int(total), entities, facets, {m: known[m] for m in sorted(used)})


def _committed_runs(conn: Connection) -> list[int]:
    query = select(t.runs.c.id).where(t.runs.c.status == "committed").order_by(t.runs.c.id)
    return [int(r) for (r,) in conn.execute(query)]


def _visible(scope: Scope) -> ColumnElement[bool]:
    return t.search_index.c.marking_id.in_(sorted(scope.marking_ids))


def _match(
    conn: Connection,
    scope: Scope,
    backend: SearchBackend,
    groups: Sequence[tuple[int, float, list[str]]],
    terms: int,
) -> None:
    """Fill the working tables: the entities whose visible rows hold every term, with their
    score; their members; and each visible row that holds a term, with its score. Only the
    scope's rows take part, so nothing it may not see changes what is found or how it ranks.

    The work starts from the term the fewest rows hold (counted over the whole index: the
    count orders the work and nothing else, as what is found is the same whichever term goes
    first); the others are looked for only in the entities that hold it."""
    s, c = t.search_index, t.canonical
    strongest: dict[int, tuple[float, list[str]]] = {}
    for number, strength, keys in groups:
        if number not in strongest or strength > strongest[number][0]:
            strongest[number] = (strength, keys)
    sizes: dict[int, int] = {}
    for number, (_strength, keys) in strongest.items():
        # Rows holding the term's own keys, counted up to a cap: which term is rarest matters
        # only while it is rare, and its looser keys follow its own.
        held = backend.holding(keys, "keys").subquery()
        capped = select(held.c.rid).limit(_COUNT_CAP).subquery()
        sizes[number] = int(conn.execute(select(func.count()).select_from(capped)).scalar_one())
    first = min(sizes, key=lambda number: (sizes[number], number))
    cid = func.coalesce(c.c.canonical_id, s.c.entity_id)
    columns = ["rid", "cid", "term_no", "best", "weight", "size"]
    # One statement per step, a SELECT per (term, strength) in it.
    firsts = [
        select(
            s.c.id,
            cid,
            literal_column(str(number)),
            literal_column(repr(strength)),
            s.c.weight,
            s.c.size,
        )
        .select_from(
            s.outerjoin(c, and_(c.c.scope_key == scope.key, c.c.entity_id == s.c.entity_id))
        )
        .where(s.c.id.in_(backend.holding(keys, f"keys{index}")), _visible(scope))
        for index, (number, strength, keys) in enumerate(groups)
        if number == first
    ]
    conn.execute(insert(_term_hits).from_select(columns, union_all(*firsts)))
    _add_members(conn, scope, select(_term_hits.c.cid).distinct())
    others = [
        select(
            s.c.id,
            _members.c.cid,
            literal_column(str(number)),
            literal_column(repr(strength)),
            s.c.weight,
            s.c.size,
        )
        .select_from(_members_rows())
        # id + 0: found through the members' entity ids, each row then checked for the term;
        # looked up by id the other way round, SQLite would pair every member with every row
        # holding the term.
        .where((s.c.id + 0).in_(backend.holding(keys, f"keys{index}")), _visible(scope))
        for index, (number, strength, keys) in enumerate(groups)
        if number != first
    ]
    if others:
        conn.execute(insert(_term_hits).from_select(columns, union_all(*others)))
    # A row's score: its weight times the share of the query (or of the row's own keys, when it
    # has more) that it holds. "Muhammad Rashid" scores 1 on that name, 2/3 on "… Rashid Khan".
    h = _term_hits.c
    if terms == 1:  # a row's best key is its share of the query
        size = case((h.size > 1, h.size), else_=1)
        scored = select(h.rid, h.cid, h.weight * func.max(h.best) / size).group_by(
            h.rid, h.cid, h.weight, h.size
        )
    else:  # each term's best key, added up
        held = (
            select(h.rid, h.cid, h.weight, h.size, func.max(h.best).label("best"))
            .group_by(h.rid, h.cid, h.term_no, h.weight, h.size)
            .subquery()
        )
        size = case((held.c.size > terms, held.c.size), else_=terms)
        scored = select(
            held.c.rid, held.c.cid, held.c.weight * func.sum(held.c.best) / size
        ).group_by(held.c.rid, held.c.cid, held.c.weight, held.c.size)
    conn.execute(insert(_row_hits).from_select(["rid", "cid", "score"], scored))
    rows_found = func.count()
    bonus = (
        case((rows_found > _ROW_BONUS_CAP + 1, _ROW_BONUS_CAP), else_=rows_found - 1) * _ROW_BONUS
    )
    best = select(_row_hits.c.cid, func.max(_row_hits.c.score) + bonus).group_by(_row_hits.c.cid)
    if terms > 1:  # with one term, every entity holding it holds the whole query
        covering = select(h.cid).group_by(h.cid).having(func.count(distinct(h.term_no)) == terms)
        best = best.where(_row_hits.c.cid.in_(covering))
    conn.execute(insert(_found).from_select(["cid", "score"], best))
    if terms > 1:
        conn.execute(delete(_members).where(_members.c.cid.not_in(select(_found.c.cid))))


def _add_members(conn: Connection, scope: Scope, cids: Select[Any]) -> None:
    """The source entities of these canonical ids: those resolution put under each in this
    scope, and the id itself (an entity resolution left alone is its own)."""
    c = t.canonical
    merged = select(c.c.entity_id, c.c.canonical_id).where(
        c.c.scope_key == scope.key, c.c.canonical_id.in_(cids)
    )
    alone = cids.with_only_columns(*cids.selected_columns, *cids.selected_columns)
    conn.execute(insert(_members).from_select(["entity_id", "cid"], union(merged, alone)))


def _add_facts(conn: Connection, scope: Scope) -> None:
    """What the facets count, read once from the visible rows of the entities found: each
    distinct (schema, dataset, marking) of an entity, and its countries and topics."""
    s = t.search_index
    faceted = s.c.kind.in_(("country", "topic"))
    kind = case((faceted, s.c.kind), else_="")
    value = case((faceted, s.c.value), else_="")
    rows = (
        select(_members.c.cid, s.c.schema, s.c.dataset, s.c.marking_id, kind, value)
        .distinct()
        .select_from(_members_rows())
        .where(_visible(scope))
    )
    columns = ["cid", "schema", "dataset", "marking_id", "kind", "value"]
    conn.execute(insert(_facts).from_select(columns, rows))


def _facet_of(facet: str) -> tuple[ColumnElement[Any], Select[Any]]:
    """A facet's value expression and the facts (with their entity's canonical id) it is
    read from."""
    mk = t.markings
    query = select(_facts.c.cid)
    expr: ColumnElement[Any]
    if facet in ("agency", "classification"):
        query = query.select_from(_facts.join(mk, mk.c.id == _facts.c.marking_id))
        expr = mk.c.agency if facet == "agency" else mk.c.classification
    elif facet in ("country", "topic"):
        query = query.where(_facts.c.kind == facet)
        expr = _facts.c.value
    elif facet in ("schema", "dataset"):
        expr = _facts.c.schema if facet == "schema" else _facts.c.dataset
    else:
        raise ValueError(f"unknown facet {facet!r}: use one of {', '.join(SEARCH_FACETS)}")
    return expr, query


def _keep_only(conn: Connection, facet: str, values: Collection[str]) -> None:
    """Keep the entities found with a visible statement of one of these facet values."""
    expr, rows = _facet_of(facet)
    wanted = rows.where(expr.in_(sorted(values)) if values else literal(False))
    conn.execute(delete(_found).where(_found.c.cid.not_in(wanted)))
    kept = select(_found.c.cid)
    conn.execute(delete(_members).where(_members.c.cid.not_in(kept)))
    conn.execute(delete(_facts).where(_facts.c.cid.not_in(kept)))


def _facets(conn: Connection) -> dict[str, dict[str, int]]:
    """Per facet, how many entities found have each value among their visible rows. The
    schema facet counts entities per set of schemata (see SearchPage)."""
    facets: dict[str, dict[str, int]] = {}
    for facet in SEARCH_FACETS:
        expr, rows = _facet_of(facet)
        if facet == "schema":
            schemata: dict[str, set[str]] = {}
            for cid, schema in conn.execute(rows.add_columns(expr).distinct()):
                schemata.setdefault(cid, set()).add(schema)
            combos: dict[str, int] = {}
            for names in schemata.values():
                key = " ".join(sorted(names))
                combos[key] = combos.get(key, 0) + 1
            facets[facet] = combos
            continue
        counted = (
            rows.with_only_columns(expr, func.count(distinct(_facts.c.cid)))
            .group_by(expr)
            .order_by(expr)
        )
        facets[facet] = {str(value): int(n) for value, n in conn.execute(counted)}
    return facets


def _values(conn: Connection, scope: Scope, cids: list[str]) -> dict[str, list[IndexedValue]]:
    """The visible rows of the entities on the page: names, identifiers, countries, topics,
    and the texts that matched."""
    if not cids:
        return {}
    s = t.search_index
    query = (
        select(
            _members.c.cid,
            s.c.entity_id,
            s.c.marking_id,
            s.c.dataset,
            s.c.schema,
            s.c.prop,
            s.c.kind,
            s.c.value,
            s.c.original,
            _row_hits.c.score,
        )
        .select_from(_members_rows().outerjoin(_row_hits, _row_hits.c.rid == s.c.id))
        .where(
            _members.c.cid.in_(cids),
            _visible(scope),
            (s.c.kind != "text") | _row_hits.c.rid.is_not(None),
        )
        .order_by(_members.c.cid, s.c.kind, s.c.prop, s.c.value, s.c.entity_id, s.c.marking_id)
    )
    found: dict[str, list[IndexedValue]] = {}
    for row in conn.execute(query):
        score = None if row.score is None else round(float(row.score), 4)
        found.setdefault(row.cid, []).append(
            IndexedValue(
                row.entity_id,
                row.marking_id,
                row.dataset,
                row.schema,
                row.prop,
                row.kind,
                row.value,
                row.original,
                score,
            )
        )
    return found


__all__ = ["SQLSearch", "SearchPages"]
