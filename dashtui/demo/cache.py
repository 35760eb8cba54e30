"""Query results kept until their table changes: the dashboard asks the same few queries again and again."""

from __future__ import annotations

from .values import SqlValue

__all__ = ["ResultCache"]

Key = tuple[str, tuple[SqlValue, ...]]


class ResultCache:
    """Per-table results of read statements, dropped whenever a row is inserted into that table.

    Bounded by entries and bytes per table; when full, the table's entries are simply dropped.
    """

    def __init__(self, max_entries: int = 512, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._tables: dict[str, dict[Key, tuple[int, str]]] = {}
        self._sizes: dict[str, int] = {}

    def get(self, table: str, sql: str, params: tuple[SqlValue, ...]) -> tuple[int, str] | None:
        entries = self._tables.get(table)
        return None if entries is None else entries.get((sql, params))

    def put(self, table: str, sql: str, params: tuple[SqlValue, ...], value: tuple[int, str]) -> None:
        entries = self._tables.setdefault(table, {})
        size = self._sizes.get(table, 0) + len(value[1]) + len(sql)
        if len(entries) >= self.max_entries or size > self.max_bytes:
            entries.clear()
            size = len(value[1]) + len(sql)
        entries[(sql, params)] = value
        self._sizes[table] = size

    def invalidate(self, table: str) -> None:
        self._tables.pop(table, None)
        self._sizes.pop(table, None)
