"""Where SQLite and PostgreSQL differ in the search index: the full-text index and bulk loading.

SQLite keeps an FTS5 table over the rows' terms; PostgreSQL a generated tsvector with a GIN index.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

from sqlalchemy import Integer, TextualSelect, text
from sqlalchemy.engine import Connection

from nexus.store.dialect import copy_rows
from nexus.store.search_records import IndexRow, SearchTerm

# The columns an index row is written with, in order (the id is the database's): those of
# IndexRow.
ROW_COLUMNS = IndexRow._fields
# Keys are lowercase ASCII letters and digits; anything else is dropped before it reaches the
# full-text syntax of either backend.
_KEY = re.compile(r"^[a-z0-9]+\*?$")


def grouped(terms: Sequence[SearchTerm]) -> list[tuple[int, float, list[str]]]:
    """(term number, strength, keys) with the keys of one strength together: one full-text
    look-up each. Keys that are not lowercase letters and digits (with a final `*`) are
    dropped."""
    out: list[tuple[int, float, list[str]]] = []
    for number, term in enumerate(terms):
        by_strength: dict[float, list[str]] = {}
        for key, strength in term.keys:
            if _KEY.match(key):
                by_strength.setdefault(float(strength), []).append(key)
        out.extend((number, strength, keys) for strength, keys in sorted(by_strength.items()))
    return out


class SearchBackend(ABC):
    """The full-text half of the index, for one kind of database."""

    @abstractmethod
    def add(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        """Insert rows and index their terms."""

    @abstractmethod
    def remove(self, conn: Connection, statement_ids: Sequence[str]) -> None:
        """Delete the rows of these statements and their terms."""

    @abstractmethod
    def clear(self, conn: Connection) -> None:
        """Delete every row."""

    @abstractmethod
    def holding(self, keys: Sequence[str], name: str) -> TextualSelect:
        """The ids (column `rid`) of the rows holding any of these keys; `name` makes its bound
        parameter unique within a statement."""


class SQLiteSearch(SearchBackend):
    _INSERT = (
        f"INSERT INTO search_index ({', '.join(ROW_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in ROW_COLUMNS)})"
    )

    def add(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM search_index").scalar()
        conn.exec_driver_sql(self._INSERT, list(rows))
        # External-content FTS5: the rows' terms are indexed by rowid, the text stays in
        # search_index. Rows without terms (facet rows) need no entry.
        conn.exec_driver_sql(
            "INSERT INTO search_fts (rowid, terms) SELECT id, terms FROM search_index "
            "WHERE id > ? AND terms != ''",
            (before,),
        )

    def remove(self, conn: Connection, statement_ids: Sequence[str]) -> None:
        if not statement_ids:
            return
        marks = ", ".join("?" for _ in statement_ids)
        found = conn.exec_driver_sql(
            f"SELECT id, terms FROM search_index WHERE statement_id IN ({marks})",
            tuple(statement_ids),
        ).all()
        if not found:  # statements new to the index: the usual case
            return
        # An external-content FTS5 entry is removed by repeating what was indexed.
        conn.exec_driver_sql(
            "INSERT INTO search_fts (search_fts, rowid, terms) VALUES ('delete', ?, ?)",
            [(rid, terms) for rid, terms in found if terms],
        )
        ids = [rid for rid, _ in found]
        conn.exec_driver_sql(
            f"DELETE FROM search_index WHERE id IN ({', '.join('?' for _ in ids)})", tuple(ids)
        )

    def clear(self, conn: Connection) -> None:
        conn.exec_driver_sql("DELETE FROM search_index")
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")

    def holding(self, keys: Sequence[str], name: str) -> TextualSelect:
        query = " OR ".join(f'"{k[:-1]}" *' if k.endswith("*") else f'"{k}"' for k in keys)
        return (
            text(f"SELECT rowid AS rid FROM search_fts WHERE search_fts MATCH :{name}")
            .bindparams(**{name: query})
            .columns(rid=Integer)
        )


class PostgresSearch(SearchBackend):
    def add(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        # COPY straight into the table: the tsvector column is generated from the terms.
        copy_rows(conn, "search_index", ROW_COLUMNS, rows)

    def remove(self, conn: Connection, statement_ids: Sequence[str]) -> None:
        if statement_ids:
            conn.execute(
                text("DELETE FROM search_index WHERE statement_id = ANY(:ids)"),
                {"ids": list(statement_ids)},
            )

    def clear(self, conn: Connection) -> None:
        conn.exec_driver_sql("TRUNCATE search_index RESTART IDENTITY")

    def holding(self, keys: Sequence[str], name: str) -> TextualSelect:
        query = " | ".join(f"{k[:-1]}:*" if k.endswith("*") else k for k in keys)
        return (
            text(
                "SELECT id AS rid FROM search_index "
                f"WHERE terms_tsv @@ to_tsquery('simple', :{name})"
            )
            .bindparams(**{name: query})
            .columns(rid=Integer)
        )


def search_backend(name: str) -> SearchBackend:
    return SQLiteSearch() if name == "sqlite" else PostgresSearch()


__all__ = ["ROW_COLUMNS", "SearchBackend", "grouped", "search_backend"]
