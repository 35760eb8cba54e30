"""Read plans: a parsed query string checked against the schema and compiled to parameterised SQL.

Identifiers in the SQL come only from the schema (`schema.TABLES`); every value is a `?` parameter.
Rows are turned into JSON inside SQLite (`json_group_array(json_object(...))`), as PostgREST has
PostgreSQL build its JSON, which keeps the per-request Python work small.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus

from .errors import PostgrestError, not_implemented, undefined_column
from .grammar import (
    ARRAY_OPERATORS,
    FTS_OPERATORS,
    FilterExpr,
    LogicExpr,
    OrderTerm,
    SelectField,
    parse_filter_value,
    parse_logic_tree,
    parse_order,
    parse_select,
)
from .schema import Column, Table
from .values import SqlValue, coerce_text

__all__ = ["OutputColumn", "ReadPlan", "compile_read", "like_to_glob", "resolve_select", "split_query"]

_RESERVED = frozenset({"select", "columns", "on_conflict"})
_EMBEDDABLE = frozenset({"order", "limit", "offset", "and", "or"})
_CASTS = {
    "text": "TEXT",
    "varchar": "TEXT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "int4": "INTEGER",
    "int8": "INTEGER",
    "bigint": "INTEGER",
    "numeric": "REAL",
    "float": "REAL",
    "float8": "REAL",
    "real": "REAL",
}
_COMPARE = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_PG_OPERATOR = {"like": "~~", "ilike": "~~*", "match": "~", "imatch": "~*"}
_NO_OPERATOR_HINT = (
    "No operator matches the given name and argument types. You might need to add explicit type casts."
)


def split_query(raw: str) -> list[tuple[str, str]]:
    """Split and decode a query string as PostgREST does (`+` is a space; keys without `=` are dropped)."""
    pairs = []
    for part in raw.split("&"):
        key, sep, value = part.partition("=")
        if not sep:
            continue
        pairs.append((unquote_plus(key, errors="replace"), unquote_plus(value, errors="replace")))
    return pairs


@dataclass(frozen=True)
class OutputColumn:
    """One key of each returned JSON object: its SQL expression, source column and cast."""

    key: str
    expr: str
    column: str | None = None
    cast: str | None = None


@dataclass(frozen=True)
class ReadPlan:
    """Everything a GET/HEAD needs except the range, which comes from limit/offset, Range and max-rows."""

    table: Table
    rows_sql: str
    """`SELECT count(*), json_group_array(json_object(?, c0, ...)) FROM (... LIMIT ? OFFSET ?)`:
    key_params + params + [limit, offset]."""
    head_sql: str
    """The row count only, for HEAD: params + [limit, offset]."""
    count_sql: str
    """The total for `Prefer: count=exact`: params only."""
    params: tuple[SqlValue, ...]
    key_params: tuple[str, ...]
    """The JSON keys (column names or aliases), bound as parameters like every other request text."""
    limit: int | None
    """From `limit=` (PostgREST ignores a value that is not an integer); negative is an error later."""
    offset: int


def _column(table: Table, name: str) -> Column:
    col = table.column(name)
    if col is None:
        raise undefined_column(table.name, name)
    return col


def resolve_select(table: Table, fields: tuple[SelectField, ...]) -> tuple[list[OutputColumn], bool]:
    """Output columns for `select=` and whether it is the legacy `count` aggregate."""
    outputs: list[OutputColumn] = []
    counting = False
    for item in fields:
        if item.name == "*" and item.alias is None:
            outputs.extend(OutputColumn(c.name, f'"{c.name}"', c.name) for c in table.columns)
            continue
        if item.name == "count" and item.cast is None and table.column("count") is None:
            counting = True
            outputs.append(OutputColumn(item.alias or "count", "count(*)"))
            continue
        col = _column(table, item.name)
        expr = f'"{col.name}"'
        sql_type = None
        if item.cast is not None:
            sql_type = _CASTS.get(item.cast.lower())
            if sql_type is None:
                raise PostgrestError(400, "42704", f'type "{item.cast}" does not exist')
            expr = f"CAST({expr} AS {sql_type})"
        outputs.append(OutputColumn(item.alias or col.name, expr, col.name, sql_type))
    return outputs, counting


def compile_read(table: Table, pairs: list[tuple[str, str]]) -> ReadPlan:
    """Check a GET's parameters against `table` and compile them. Raises `PostgrestError`."""
    select_text = "*"
    order_text: str | None = None
    limit: int | None = None
    offset = 0
    where: list[str] = []
    params: list[SqlValue] = []
    seen_select = False
    for key, value in pairs:
        last = key.rsplit(".", 1)[-1]
        if key == "select":
            if not seen_select:
                select_text, seen_select = value, True
            continue
        if key in _RESERVED:
            continue
        if last in _EMBEDDABLE:
            if key in ("and", "or", "not.and", "not.or"):
                sql = _logic_sql(table, parse_logic_tree(key, value), params)
                where.append(sql)
                continue
            if "." in key:
                raise _not_embedded(key.rsplit(".", 1)[0].removeprefix("not."))
            if key == "order":
                order_text = value
            elif key == "limit":
                limit = _integer_or_none(value, limit)
            elif key == "offset":
                offset = max(0, _integer_or_none(value, offset) or 0)
            continue
        if "." in key:
            raise _not_embedded(key.split(".", 1)[0])
        where.append(_filter_sql(table, parse_filter_value(key, value), params))
    outputs, counting = resolve_select(table, parse_select(select_text))
    order = parse_order(order_text) if order_text is not None else ()
    return _build(table, outputs, counting, where, params, order, limit, offset)


def _integer_or_none(text: str, previous: int | None) -> int | None:
    """PostgREST reads limit/offset with `readMaybe`: a value that is not an integer is ignored."""
    try:
        return int(text.strip())
    except ValueError:
        return previous


def _not_embedded(resource: str) -> PostgrestError:
    return PostgrestError(
        400,
        "PGRST108",
        f"'{resource}' is not an embedded resource in this request",
        hint=f"Verify that '{resource}' is included in the 'select' query parameter.",
    )


def _build(
    table: Table,
    outputs: list[OutputColumn],
    counting: bool,
    where: list[str],
    params: list[SqlValue],
    order: tuple[OrderTerm, ...],
    limit: int | None,
    offset: int,
) -> ReadPlan:
    where_sql = f" WHERE {_balanced(where, ' AND ')}" if where else ""
    from_sql = f'FROM "{table.name}"{where_sql}'
    group_cols = [o for o in outputs if o.expr != "count(*)"] if counting else []
    order_parts = []
    for term in order:
        col = _column(table, term.column)
        if counting and not any(o.expr == f'"{col.name}"' for o in group_cols):
            raise PostgrestError(
                400,
                "42803",
                f'column "{table.name}.{col.name}" must appear in the GROUP BY clause '
                "or be used in an aggregate function",
            )
        nulls_first = term.desc if term.nulls_first is None else term.nulls_first
        direction = "DESC" if term.desc else "ASC"
        order_parts.append(f'"{col.name}" {direction} NULLS {"FIRST" if nulls_first else "LAST"}')
    if not counting:
        order_parts.append("rowid")  # ties (and unordered reads) come back in storage order, like a heap scan
    order_sql = f" ORDER BY {', '.join(order_parts)}" if order_parts else ""
    inner_cols = ", ".join(f"{o.expr} AS c{i}" for i, o in enumerate(outputs)) or "1 AS c0"
    group_sql = ""
    if counting and group_cols:
        group_sql = " GROUP BY " + ", ".join(o.expr for o in group_cols)
    inner = f"SELECT {inner_cols} {from_sql}{group_sql}{order_sql} LIMIT ? OFFSET ?"
    rows_sql = f"SELECT count(*), json_group_array({_row_object(len(outputs))}) FROM ({inner})"
    head_sql = f"SELECT count(*) FROM ({inner})"
    if counting:
        count_sql = f"SELECT count(*) FROM (SELECT 1 {from_sql}{group_sql})"
    else:
        count_sql = f"SELECT count(*) {from_sql}"
    keys = tuple(o.key for o in outputs)
    return ReadPlan(table, rows_sql, head_sql, count_sql, tuple(params), keys, limit, offset)


_JSON_OBJECT_PAIRS = 63
"""SQLite's functions take at most 127 arguments: json_object() holds up to 63 key/value pairs."""
_FLAT = 8


def _balanced(parts: list[str], joiner: str) -> str:
    """`parts` joined by `joiner` (AND, OR, ||) in a balanced tree of parentheses, in order.

    SQLite parses `a AND b AND c …` into a tree as deep as it is long and refuses one deeper than 1,000;
    balanced, a thousand filters are about a dozen levels deep, as PostgreSQL plans them without limit.
    """
    if len(parts) <= _FLAT:
        return "(" + joiner.join(parts) + ")"
    middle = len(parts) // 2
    return "(" + _balanced(parts[:middle], joiner) + joiner + _balanced(parts[middle:], joiner) + ")"


def _row_object(columns: int) -> str:
    """The SQL that turns output columns c0…cN (keys bound as parameters) into one JSON object per row.

    Up to 63 columns: json_object(). More (PostgREST serves any number): the object is built as text,
    each key and value through json_quote(), which writes them exactly as json_object() does.
    """
    if columns <= _JSON_OBJECT_PAIRS:
        return "json_object(" + ", ".join(f"?, c{i}" for i in range(columns)) + ")"
    members = [f"json_quote(?) || ':' || json_quote(c{i})" for i in range(columns)]
    return "json('{' || " + _balanced(members, " || ',' || ") + " || '}')"


def _logic_sql(table: Table, tree: LogicExpr, params: list[SqlValue]) -> str:
    joiner = " OR " if tree.op == "or" else " AND "
    parts = []
    for child in tree.children:
        if isinstance(child, LogicExpr):
            parts.append(_logic_sql(table, child, params))
        else:
            parts.append(_filter_sql(table, child, params))
    sql = _balanced(parts, joiner)
    return f"NOT {sql}" if tree.negate else sql


def _filter_sql(table: Table, expr: FilterExpr, params: list[SqlValue]) -> str:
    col = _column(table, expr.column)
    ref = f'"{col.name}"'
    op = expr.op
    if op in _COMPARE:
        assert isinstance(expr.value, str)
        params.append(coerce_text(col, expr.value))
        sql = f"{ref} {_COMPARE[op]} ?"
    elif op == "in":
        assert isinstance(expr.value, tuple)
        if not expr.value:
            sql = "0"
        else:
            params.extend(coerce_text(col, v) for v in expr.value)
            sql = f"{ref} IN ({', '.join('?' for _ in expr.value)})"
    elif op == "is":
        if expr.value != "null":
            raise PostgrestError(
                400,
                "42804",
                f"argument of IS {str(expr.value).upper()} must be type boolean, not type {col.pg_type}",
            )
        sql = f"{ref} IS NULL"
    elif op in _PG_OPERATOR:
        assert isinstance(expr.value, str)
        if col.type != "text":
            raise PostgrestError(
                404,
                "42883",
                f"operator does not exist: {col.pg_type} {_PG_OPERATOR[op]} unknown",
                hint=_NO_OPERATOR_HINT,
            )
        if op in ("like", "ilike"):
            pattern = like_to_glob(expr.value.replace("*", "%"))
            if op == "ilike":
                params.append(pattern.lower())
                sql = f"lower({ref}) GLOB ?"
            else:
                params.append(pattern)
                sql = f"{ref} GLOB ?"
        else:
            params.extend((expr.value, 1 if op == "imatch" else 0))
            sql = f"pg_regex_match({ref}, ?, ?)"
    elif op in ARRAY_OPERATORS:
        raise PostgrestError(
            404,
            "42883",
            f"operator does not exist: {col.pg_type} {ARRAY_OPERATORS[op]} unknown",
            hint=_NO_OPERATOR_HINT,
        )
    else:
        assert op.split("(")[0] in FTS_OPERATORS
        raise not_implemented(f"Full-text search ({op}) is not supported by the dashtui stand-in.")
    return f"NOT ({sql})" if expr.negate else sql


def like_to_glob(pattern: str) -> str:
    """Translate a PostgreSQL LIKE pattern (`%`, `_`, `\\` escapes) to a case-sensitive SQLite GLOB."""
    out: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            ch = next(chars, "\\")
            out.append(_glob_literal(ch))
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(_glob_literal(ch))
    return "".join(out)


def _glob_literal(ch: str) -> str:
    return f"[{ch}]" if ch in "*?[" else ch
