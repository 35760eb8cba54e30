"""The stand-in's tables: the five the dashboard reads, their columns, types, defaults and indexes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Column", "ColumnType", "TABLES", "Table", "ddl_statements"]

ColumnType = Literal["uuid", "text", "timestamptz", "numeric", "integer"]
Default = Literal["uuid", "now"] | str | None

_SQLITE_TYPES: dict[ColumnType, str] = {
    "uuid": "TEXT",
    "text": "TEXT",
    "timestamptz": "TEXT",
    "numeric": "REAL",
    "integer": "INTEGER",
}

_PG_TYPES: dict[ColumnType, str] = {
    "uuid": "uuid",
    "text": "text",
    "timestamptz": "timestamptz",
    "numeric": "numeric",
    "integer": "int4",
}


@dataclass(frozen=True)
class Column:
    """One column, typed the way PostgreSQL would type it in a Supabase project."""

    name: str
    type: ColumnType
    nullable: bool = True
    default: Default = None
    """`"uuid"` (gen_random_uuid()), `"now"` (now()), a literal text value, or no default."""
    references: str | None = None
    """Name of the table whose `id` this column points to (a foreign key)."""

    @property
    def pg_type(self) -> str:
        """The type name Realtime reports in a change's `columns` list."""
        return _PG_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    """A table: its columns in PostgreSQL's order and the indexes behind the dashboard's filters."""

    name: str
    columns: tuple[Column, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)

    def create_sql(self) -> str:
        parts = []
        for col in self.columns:
            spec = f'"{col.name}" {_SQLITE_TYPES[col.type]}'
            if col.name == "id":
                spec += " PRIMARY KEY"
            elif not col.nullable:
                spec += " NOT NULL"
            parts.append(spec)
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" ({", ".join(parts)})'

    def index_sql(self) -> list[str]:
        statements = []
        for cols in self.indexes:
            name = f"{self.name}_{'_'.join(cols)}_idx"
            quoted = ", ".join(f'"{c}"' for c in cols)
            statements.append(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{self.name}" ({quoted})')
        return statements


_ID = Column("id", "uuid", nullable=False, default="uuid")
_CREATED = Column("created_at", "timestamptz", nullable=False, default="now")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "events",
            (
                _ID,
                Column("name", "text", nullable=False),
                Column("date", "timestamptz", nullable=False),
                Column("venue", "text"),
                Column("capacity", "integer"),
                Column("status", "text", nullable=False, default="scheduled"),
                _CREATED,
            ),
            indexes=(("date",),),
        ),
        Table(
            "tickets",
            (
                _ID,
                Column("event_id", "uuid", nullable=False, references="events"),
                Column("order_id", "uuid", references="orders"),
                Column("status", "text", nullable=False, default="valid"),
                Column("tier", "text", nullable=False, default="general"),
                Column("price", "numeric", nullable=False, default="0"),
                _CREATED,
            ),
            indexes=(("event_id",), ("event_id", "status")),
        ),
        Table(
            "orders",
            (
                _ID,
                Column("event_id", "uuid", nullable=False, references="events"),
                Column("total_amount", "numeric", nullable=False, default="0"),
                Column("status", "text", nullable=False, default="pending"),
                Column("customer_email", "text"),
                Column("ticket_count", "integer", nullable=False, default="1"),
                _CREATED,
            ),
            indexes=(("event_id", "status", "created_at"), ("created_at",)),
        ),
        Table(
            "vip_reservations",
            (
                _ID,
                Column("event_id", "uuid", nullable=False, references="events"),
                Column("status", "text", nullable=False, default="pending"),
                Column("total_price", "numeric", nullable=False, default="0"),
                Column("party_size", "integer", nullable=False, default="2"),
                Column("guest_name", "text"),
                _CREATED,
            ),
            indexes=(("event_id", "status"),),
        ),
        Table(
            "scan_logs",
            (
                _ID,
                Column("event_id", "uuid", nullable=False, references="events"),
                Column("ticket_id", "uuid", references="tickets"),
                Column("scanned_at", "timestamptz", nullable=False, default="now"),
                Column("gate", "text"),
                Column("result", "text", nullable=False, default="valid"),
            ),
            indexes=(("event_id", "scanned_at"),),
        ),
    )
}


def ddl_statements() -> list[str]:
    """CREATE TABLE and CREATE INDEX statements for every table, idempotent."""
    statements = []
    for table in TABLES.values():
        statements.append(table.create_sql())
        statements.extend(table.index_sql())
    return statements
