"""The SQLite database behind the stand-in: one connection, owned by the server's event loop."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .schema import TABLES, Table
from .values import SqlValue

__all__ = ["Database"]


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: int) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, flags)
    except re.error:
        return None


def _regex_match(value: object, pattern: object, insensitive: object) -> int | None:
    if value is None or pattern is None:
        return None
    compiled = _regex(str(pattern), re.IGNORECASE if insensitive else 0)
    return 0 if compiled is None else int(compiled.search(str(value)) is not None)


class Database:
    """A file or in-memory SQLite database with the stand-in's tables.

    The connection allows use from another thread (`check_same_thread=False`) because it is created by
    whoever builds the app and then used only by the server's single event-loop thread.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self.conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None, cached_statements=512
        )
        self.conn.create_function("pg_regex_match", 3, _regex_match, deterministic=True)
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        for table in TABLES.values():
            self.conn.execute(table.create_sql())
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _standin_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )

    def close(self) -> None:
        self.conn.close()

    def create_indexes(self) -> None:
        """Create the dashboard's indexes (after bulk seeding, which is faster without them)."""
        for table in TABLES.values():
            for statement in table.index_sql():
                self.conn.execute(statement)
        self.conn.execute("ANALYZE")

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM _standin_meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO _standin_meta (key, value) VALUES (?, ?)", (key, value))

    def read_json(self, sql: str, params: Sequence[SqlValue]) -> tuple[int, str]:
        """Run a `SELECT count(*), json_group_array(...)` statement: (rows, JSON array text)."""
        row = self.conn.execute(sql, params).fetchone()
        return int(row[0]), str(row[1])

    def scalar(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return int(self.conn.execute(sql, params).fetchone()[0])

    def exists(self, table: str, row_id: SqlValue) -> bool:
        sql = f'SELECT 1 FROM "{TABLES[table].name}" WHERE "id" = ?'
        return self.conn.execute(sql, (row_id,)).fetchone() is not None

    def insert(self, table: Table, rows: Iterable[Sequence[SqlValue]]) -> None:
        """Insert full rows (every column, in the table's order) in one transaction."""
        names = ", ".join(f'"{c}"' for c in table.column_names)
        marks = ", ".join("?" for _ in table.columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        self.conn.execute("BEGIN")
        try:
            self.conn.executemany(sql, rows)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def row_counts(self) -> dict[str, int]:
        return {name: self.scalar(f'SELECT count(*) FROM "{name}"') for name in TABLES}

    def is_empty(self) -> bool:
        return self.scalar('SELECT count(*) FROM "events"') == 0
