"""PostgREST-shaped errors: `{code, details, hint, message}` with the status PostgREST gives each code."""

from __future__ import annotations

import json

__all__ = [
    "PostgrestError",
    "column_not_found",
    "invalid_json_body",
    "not_implemented",
    "parse_error",
    "range_not_satisfiable",
    "too_complex",
    "undefined_column",
]


class PostgrestError(Exception):
    """An error answered as PostgREST answers it: a status and a JSON body with four keys."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        hint: str | None = None,
        *,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers

    def body(self) -> bytes:
        """The JSON body; keys in aeson's order (alphabetical), as PostgREST sends them."""
        payload = {"code": self.code, "details": self.details, "hint": self.hint, "message": self.message}
        return json.dumps(payload, separators=(",", ":")).encode()


def parse_error(what: str, column: int, details: str) -> PostgrestError:
    """PGRST100: the query string could not be parsed (Parsec's position and message, as PostgREST)."""
    return PostgrestError(400, "PGRST100", f'"failed to parse {what}" (line 1, column {column})', details)


def undefined_column(table: str, column: str) -> PostgrestError:
    """42703 from PostgreSQL: a select, filter or order named a column the table does not have."""
    return PostgrestError(400, "42703", f"column {table}.{column} does not exist")


def column_not_found(table: str, column: str) -> PostgrestError:
    """PGRST204: an insert payload named a column the schema cache does not know."""
    return PostgrestError(
        400, "PGRST204", f"Could not find the '{column}' column of '{table}' in the schema cache"
    )


def range_not_satisfiable(details: str, total: int | None = None) -> PostgrestError:
    """PGRST103 (416): an offset past the end, a negative limit or an inverted Range header."""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    if total is not None:
        headers = ((b"content-range", f"*/{total}".encode()),)
    return PostgrestError(416, "PGRST103", "Requested range not satisfiable", details, headers=headers)


def invalid_json_body(message: str = "Empty or invalid json") -> PostgrestError:
    """PGRST102: the request body is not the JSON PostgREST expects."""
    return PostgrestError(400, "PGRST102", message)


def not_implemented(details: str) -> PostgrestError:
    """PGRST127: a PostgREST feature the stand-in does not offer (it says which, instead of guessing)."""
    return PostgrestError(400, "PGRST127", "Feature not implemented", details)


_TOO_COMPLEX = ("expression tree is too large", "too many", "parser stack overflow", "string or blob too big")


def too_complex(error: BaseException) -> PostgrestError | None:
    """PostgreSQL's answer to a query or body nested deeper than it can take (54001, which PostgREST sends
    with status 500), for a RecursionError or SQLite's own limits; None for any other error."""
    if not isinstance(error, RecursionError) and not any(m in str(error).lower() for m in _TOO_COMPLEX):
        return None
    return PostgrestError(
        500,
        "54001",
        "stack depth limit exceeded",
        None,
        'Increase the configuration parameter "max_stack_depth" (currently 2048kB), '
        "after ensuring the platform's stack depth limit is adequate.",
    )
