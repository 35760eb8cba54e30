"""Inserts: payload checks, defaults and constraint errors worded as PostgreSQL/PostgREST word them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .db import Database
from .errors import PostgrestError, column_not_found, invalid_json_body
from .schema import Column, Table
from .values import SqlValue, coerce_json_value, coerce_text, format_timestamp

__all__ = ["Row", "parse_payload", "prepare_rows"]

Row = dict[str, SqlValue]


def parse_payload(body: bytes) -> list[Mapping[str, Any]]:
    """Decode a POST body: one JSON object or an array of objects."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise invalid_json_body() from None
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return data
    raise invalid_json_body()


def _default(column: Column, now: str) -> SqlValue:
    if column.default == "uuid":
        return str(uuid.uuid4())
    if column.default == "now":
        return now
    if column.default is None:
        return None
    return coerce_text(column, column.default)


def prepare_rows(
    db: Database,
    table: Table,
    payload: Sequence[Mapping[str, Any]],
    columns: list[str] | None = None,
    *,
    now: datetime,
) -> list[Row]:
    """Full rows ready to insert, or the error PostgREST/PostgreSQL would answer.

    Without `columns=`, every object must have the same keys (PGRST102), as PostgREST requires.
    Missing columns take their default (`Prefer: missing=default` is what the stand-in always does
    for columns that have one, which matches how the dashboard's tables are declared).
    """
    if columns is None:
        if payload:
            keys = set(payload[0])
            if any(set(item) != keys for item in payload[1:]):
                raise invalid_json_body("All object keys must match")
            columns = list(payload[0])
        else:
            columns = []
    for name in columns:
        if table.column(name) is None:
            raise column_not_found(table.name, name)
    stamp = format_timestamp(now)
    chosen = set(columns)
    rows: list[Row] = []
    for item in payload:
        row: Row = {}
        for col in table.columns:
            if col.name in chosen and col.name in item:
                value = coerce_json_value(col, item[col.name])
            else:
                value = _default(col, stamp)
            row[col.name] = value
        rows.append(row)
    for row in rows:
        _check_not_null(table, row)
    _check_unique(db, table, rows)
    _check_references(db, table, rows)
    return rows


def _failing_row(table: Table, row: Row) -> str:
    values = ", ".join("null" if row[c] is None else str(row[c]) for c in table.column_names)
    return f"Failing row contains ({values})."


def _check_not_null(table: Table, row: Row) -> None:
    for col in table.columns:
        if not col.nullable and row[col.name] is None:
            raise PostgrestError(
                400,
                "23502",
                f'null value in column "{col.name}" of relation "{table.name}" violates not-null constraint',
                _failing_row(table, row),
            )


def _check_unique(db: Database, table: Table, rows: list[Row]) -> None:
    seen: set[SqlValue] = set()
    for row in rows:
        row_id = row["id"]
        if row_id in seen or db.exists(table.name, row_id):
            raise PostgrestError(
                409,
                "23505",
                f'duplicate key value violates unique constraint "{table.name}_pkey"',
                f"Key (id)=({row_id}) already exists.",
            )
        seen.add(row_id)


def _check_references(db: Database, table: Table, rows: list[Row]) -> None:
    for col in table.columns:
        if col.references is None:
            continue
        known: set[SqlValue] = set()
        for row in rows:
            value = row[col.name]
            if value is None or value in known:
                continue
            if not db.exists(col.references, value):
                raise PostgrestError(
                    409,
                    "23503",
                    f'insert or update on table "{table.name}" violates foreign key constraint '
                    f'"{table.name}_{col.name}_fkey"',
                    f'Key ({col.name})=({value}) is not present in table "{col.references}".',
                )
            known.add(value)
