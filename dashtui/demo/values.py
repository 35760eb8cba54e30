"""Typed values: PostgreSQL's input rules for uuid, numeric, integer and timestamptz, and its output format.

Timestamps are stored in the text form PostgREST returns (`2025-03-01T19:30:00.25+00:00`, UTC, trailing
fractional zeros dropped). For one fixed offset that text sorts in time order, so SQLite compares it
correctly.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from .errors import PostgrestError
from .schema import Column

__all__ = ["SqlValue", "coerce_json_value", "coerce_text", "format_timestamp", "timestamp_from_micros"]

SqlValue = str | int | float | None

_UUID = re.compile(
    r"^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$"
)
_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """PostgreSQL's JSON rendering of a timestamptz in UTC."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00:00"


def timestamp_from_micros(micros: int) -> str:
    """Format microseconds since the Unix epoch (the fast path used for seeding)."""
    seconds, fraction = divmod(micros, 1_000_000)
    days, second_of_day = divmod(seconds, 86_400)
    hours, rest = divmod(second_of_day, 3600)
    text = f"{_day(days)}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    if fraction:
        text += f".{fraction:06d}".rstrip("0")
    return text + "+00:00"


@lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return (_EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")


def _syntax_error(pg_type: str, raw: str, code: str = "22P02") -> PostgrestError:
    return PostgrestError(400, code, f'invalid input syntax for type {pg_type}: "{raw}"')


def coerce_text(column: Column, raw: str) -> SqlValue:
    """Read a filter or payload value given as text, as PostgreSQL reads a literal of the column's type."""
    kind = column.type
    if kind == "text":
        return raw
    if kind == "uuid":
        match = _UUID.match(raw.strip())
        if match is None:
            raise _syntax_error("uuid", raw)
        return "-".join(match.groups()).lower()
    if kind == "integer":
        try:
            value = int(raw.strip())
        except ValueError:
            raise _syntax_error("integer", raw) from None
        if not _INT4_MIN <= value <= _INT4_MAX:
            raise PostgrestError(400, "22003", f'value "{raw}" is out of range for type integer')
        return value
    if kind == "numeric":
        try:
            number = float(raw.strip())
        except ValueError:
            raise _syntax_error("numeric", raw) from None
        if not math.isfinite(number):
            raise _syntax_error("numeric", raw)
        return number
    return _parse_timestamp(raw)


def _parse_timestamp(raw: str) -> str:
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _syntax_error("timestamp with time zone", raw, "22007") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_timestamp(moment)


def coerce_json_value(column: Column, value: object) -> SqlValue:
    """Read one value of a JSON insert payload into the column's type (PostgREST casts through text)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raw = "true" if value else "false"
        if column.type == "text":
            return raw
        return coerce_text(column, raw)
    if isinstance(value, int | float) and column.type in ("numeric", "integer"):
        if column.type == "integer":
            if isinstance(value, float):
                if not value.is_integer():
                    raise _syntax_error("integer", repr(value))
                value = int(value)
            if not _INT4_MIN <= value <= _INT4_MAX:
                raise PostgrestError(400, "22003", f'value "{value}" is out of range for type integer')
            return value
        if isinstance(value, float) and not math.isfinite(value):
            raise _syntax_error("numeric", repr(value))
        return float(value)
    if isinstance(value, str):
        return coerce_text(column, value)
    if isinstance(value, int | float):
        return coerce_text(column, repr(value))
    return coerce_text(column, json.dumps(value, separators=(",", ":")))
