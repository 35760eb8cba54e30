"""PostgREST's query-string grammar: select, order, filters (with `not.`), and/or trees.

Parse errors carry PostgREST's text: the Parsec position as `"failed to parse X (...)" (line 1, column N)`
and an `unexpected ... expecting ...` detail, following PostgREST's own doctests where they exist.
Nothing here touches SQL; `plan.py` turns the result into parameterised statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PostgrestError, parse_error

__all__ = [
    "AGGREGATES",
    "ARRAY_OPERATORS",
    "FTS_OPERATORS",
    "FilterExpr",
    "LogicExpr",
    "OrderTerm",
    "SIMPLE_OPERATORS",
    "SelectField",
    "parse_filter_value",
    "parse_logic_tree",
    "parse_order",
    "parse_select",
]

SIMPLE_OPERATORS = frozenset({"eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"})
ARRAY_OPERATORS = {"cs": "@>", "cd": "<@", "ov": "&&", "sl": "<<", "sr": ">>", "nxr": "&<", "nxl": "&>"}
ARRAY_OPERATORS["adj"] = "-|-"
FTS_OPERATORS = frozenset({"fts", "plfts", "phfts", "wfts"})
AGGREGATES = frozenset({"count", "sum", "avg", "min", "max"})
_IDENT_EXTRA = "_ $"
_OPERATOR_EXPECTED = "operator (eq, gt, ...)"
_FIELD_EXPECTED = "field name (* or [a..z0..9_$])"


@dataclass(frozen=True)
class FilterExpr:
    """`column=[not.]op.value`: `value` is text, a tuple of texts for `in`, a keyword for `is`."""

    column: str
    op: str
    value: str | tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class LogicExpr:
    """`or=(...)` / `and=(...)`, possibly negated and nested."""

    op: str
    children: tuple[FilterExpr | LogicExpr, ...]
    negate: bool = False


@dataclass(frozen=True)
class SelectField:
    """One item of `select=`: a column (or `*`, or the legacy `count`), with an alias and a cast."""

    name: str
    alias: str | None = None
    cast: str | None = None


@dataclass(frozen=True)
class OrderTerm:
    column: str
    desc: bool = False
    nulls_first: bool | None = None


def _show(ch: str | None, quote: str = '"') -> str:
    return "end of input" if ch is None else f"{quote}{ch}{quote}"


_DIRECTIONS = (("asc", False), ("desc", True))
_NULLS = (("nullsfirst", True), ("nullslast", False))


class _Cursor:
    """A position in one parameter's text, for Parsec-style error columns (1-based)."""

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.what = what
        self.pos = 0

    def peek(self, offset: int = 0) -> str | None:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else None

    def startswith(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def take(self, options: tuple[tuple[str, bool], ...]) -> bool | None:
        """The value of the first literal in `options` found here (and step past it), or None."""
        for literal, value in options:
            if self.startswith(literal):
                self.pos += len(literal)
                return value
        return None

    def fail(self, details: str, at: int | None = None) -> PostgrestError:
        return parse_error(self.what, (self.pos if at is None else at) + 1, details)

    def mismatch(self, literal: str) -> str | None:
        """The first character that differs from `literal` here (Parsec's `string` error), or None at EOF."""
        for i, want in enumerate(literal):
            got = self.peek(i)
            if got != want:
                return got
        return None


def _is_ident(ch: str | None) -> bool:
    return ch is not None and (ch.isalnum() or ch in _IDENT_EXTRA)


def _field_name(cur: _Cursor) -> str:
    """pFieldName: a double-quoted name, or identifier characters joined by single dashes."""
    if cur.peek() == '"':
        return _quoted(cur)
    start = cur.pos
    parts: list[str] = []
    while True:
        begin = cur.pos
        while _is_ident(cur.peek()):
            cur.pos += 1
        if cur.pos == begin:
            if not parts:
                raise cur.fail(f"unexpected {_show(cur.peek())} expecting {_FIELD_EXPECTED}", start)
            cur.pos -= 1  # the dash belonged to something else
            break
        parts.append(cur.text[begin : cur.pos].strip())
        if cur.peek() == "-" and cur.peek(1) != ">":
            cur.pos += 1
            continue
        break
    return "-".join(parts)


def _quoted(cur: _Cursor) -> str:
    start = cur.pos
    cur.pos += 1
    out: list[str] = []
    while True:
        ch = cur.peek()
        if ch is None:
            raise cur.fail('unexpected end of input expecting "\\""', start)
        cur.pos += 1
        if ch == "\\":
            nxt = cur.peek()
            if nxt is None:
                raise cur.fail("unexpected end of input")
            out.append(nxt)
            cur.pos += 1
        elif ch == '"':
            return "".join(out)
        else:
            out.append(ch)


# --- select -----------------------------------------------------------------------------------


def parse_select(text: str) -> tuple[SelectField, ...]:
    """Parse `select=`; embedding and aggregate functions raise the errors Supabase gives for them."""
    cur = _Cursor(text, f"select parameter ({text})")
    items: list[SelectField] = []
    cur.skip_ws()
    if cur.peek() is None:
        return ()
    while True:
        cur.skip_ws()
        items.append(_select_item(cur))
        cur.skip_ws()
        ch = cur.peek()
        if ch is None:
            return tuple(items)
        if ch != ",":
            raise cur.fail(
                f"unexpected {_show(ch, chr(39))} expecting letter, digit, "
                '"-", "->>", "->", "::", ".", ")", "," or end of input'
            )
        cur.pos += 1


def _select_item(cur: _Cursor) -> SelectField:
    if cur.startswith("..."):
        raise _embedding_error(cur, "spread")
    if cur.peek() == "*":
        cur.pos += 1
        return SelectField("*")
    alias: str | None = None
    name = _field_name(cur)
    if cur.peek() == ":" and cur.peek(1) != ":":
        cur.pos += 1
        alias, name = name, _field_name(cur)
    if name == "count" and cur.startswith("()"):
        raise PostgrestError(400, "PGRST123", "Use of aggregate functions is not allowed")
    if cur.peek() == "(" or (cur.peek() == "!" and "(" in cur.text[cur.pos :]):
        raise _embedding_error(cur, name)
    if cur.startswith("->"):
        raise PostgrestError(
            404,
            "42883",
            f"operator does not exist: {name} -> unknown",
            hint="JSON paths need a json or jsonb column; the stand-in's tables have none.",
        )
    if cur.peek() == "." and cur.text.find("(", cur.pos) > cur.pos:
        func = cur.text[cur.pos + 1 : cur.text.find("(", cur.pos)]
        if func in AGGREGATES:
            raise PostgrestError(400, "PGRST123", "Use of aggregate functions is not allowed")
    cast: str | None = None
    if cur.startswith("::"):
        cur.pos += 2
        begin = cur.pos
        while _is_ident(cur.peek()):
            cur.pos += 1
        if cur.pos == begin:
            raise cur.fail(f"unexpected {_show(cur.peek())} expecting letter or digit")
        cast = cur.text[begin : cur.pos].strip()
    return SelectField(name, alias, cast)


def _embedding_error(cur: _Cursor, name: str) -> PostgrestError:
    return PostgrestError(
        400,
        "PGRST127",
        "Feature not implemented",
        f"Resource embedding ('{name}') is not supported by the dashtui stand-in; select columns only.",
    )


# --- order ------------------------------------------------------------------------------------


def parse_order(text: str) -> tuple[OrderTerm, ...]:
    """Parse `order=col[.asc|.desc][.nullsfirst|.nullslast],...` with PostgREST's error columns."""
    cur = _Cursor(text, f"order ({text})")
    terms: list[OrderTerm] = []
    while True:
        cur.skip_ws()
        column = _field_name(cur)
        cur.skip_ws()
        desc: bool | None = None
        nulls: bool | None = None
        expecting = 'letter, digit, "-", "->>", "->", delimiter (.), "," or end of input'
        if cur.peek() == ".":
            word_at = cur.pos + 1
            cur.pos = word_at
            desc = cur.take(_DIRECTIONS)
            if desc is None:
                nulls = cur.take(_NULLS)
                if nulls is None:
                    got = _show(cur.mismatch("asc"))
                    raise cur.fail(
                        f'unexpected {got} expecting "asc", "desc", "nullsfirst" or "nullslast"', word_at
                    )
            expecting = 'delimiter (.), "," or end of input' if nulls is None else '"," or end of input'
            if nulls is None and cur.peek() == ".":
                word_at = cur.pos + 1
                cur.pos = word_at
                nulls = cur.take(_NULLS)
                if nulls is None:
                    got = _show(cur.mismatch("nullsfirst"))
                    raise cur.fail(f'unexpected {got} expecting "nullsfirst" or "nullslast"', word_at)
                expecting = '"," or end of input'
        cur.skip_ws()
        terms.append(OrderTerm(column, bool(desc), nulls))
        ch = cur.peek()
        if ch is None:
            return tuple(terms)
        if ch != ",":
            raise cur.fail(f"unexpected {_show(ch, chr(39))} expecting {expecting}")
        cur.pos += 1


# --- filters ----------------------------------------------------------------------------------


def parse_filter_value(column: str, text: str) -> FilterExpr:
    """Parse a filter's value (`eq.5`, `not.in.(a,b)`, `is.null`) for `column`."""
    cur = _Cursor(text, f"filter ({text})")
    return _op_expr(cur, column, in_logic=False)


def _op_expr(cur: _Cursor, column: str, *, in_logic: bool) -> FilterExpr:
    negate = False
    if cur.startswith("not."):
        negate = True
        cur.pos += 4
    op_at = cur.pos
    if cur.startswith("in."):
        cur.pos += 3
        return FilterExpr(column, "in", _list_value(cur), negate)
    if cur.startswith("is."):
        cur.pos += 3
        return FilterExpr(column, "is", _trilean(cur), negate)
    stop = len(cur.text)
    dot = cur.text.find(".", op_at)
    if in_logic:
        for sep in (",", ")"):
            found = cur.text.find(sep, op_at)
            if found != -1:
                stop = min(stop, found)
    if dot == -1 or dot > stop:
        expected = _OPERATOR_EXPECTED if negate else f'"not" or {_OPERATOR_EXPECTED}'
        raise cur.fail(f"unexpected {_show(cur.peek())} expecting {expected}", op_at)
    op = cur.text[op_at:dot]
    known = op in SIMPLE_OPERATORS or op in ARRAY_OPERATORS or op.split("(")[0] in FTS_OPERATORS
    if not known:
        raise cur.fail(f"unknown single value operator {op}", dot + 1)
    cur.pos = dot + 1
    value = _logic_single_value(cur) if in_logic else cur.text[cur.pos :]
    if not in_logic:
        cur.pos = len(cur.text)
    return FilterExpr(column, op, value, negate)


def _list_value(cur: _Cursor) -> tuple[str, ...]:
    cur.skip_ws()
    if cur.peek() != "(":
        raise cur.fail(f'unexpected {_show(cur.peek())} expecting "("')
    cur.pos += 1
    cur.skip_ws()
    items: list[str] = []
    while True:
        if cur.peek() == '"':
            start = cur.pos
            value = _quoted(cur)
            if cur.peek() not in (",", ")"):
                cur.pos = start
                value = _unquoted_element(cur)
        else:
            value = _unquoted_element(cur)
        items.append(value)
        if cur.peek() == ",":
            cur.pos += 1
            continue
        cur.skip_ws()
        if cur.peek() != ")":
            raise cur.fail(f'unexpected {_show(cur.peek())} expecting "," or ")"')
        cur.pos += 1
        cur.skip_ws()
        return () if items == [""] else tuple(items)


def _unquoted_element(cur: _Cursor) -> str:
    begin = cur.pos
    while cur.peek() is not None and cur.peek() not in (",", ")"):
        cur.pos += 1
    return cur.text[begin : cur.pos]


def _trilean(cur: _Cursor) -> str:
    for word in ("null", "unknown", "true", "false"):
        if cur.text[cur.pos : cur.pos + len(word)].lower() == word:
            cur.pos += len(word)
            return word
    got = _show(cur.mismatch("null"))
    raise cur.fail(f"unexpected {got} expecting null or trilean value (unknown, true, false)")


def _logic_single_value(cur: _Cursor) -> str:
    if cur.peek() == '"':
        start = cur.pos
        value = _quoted(cur)
        if cur.peek() in (",", ")", None):
            return value
        cur.pos = start
    if cur.peek() == "{":
        end = cur.text.find("}", cur.pos)
        if end != -1:
            value = cur.text[cur.pos : end + 1]
            cur.pos = end + 1
            return value
    return _unquoted_element(cur)


# --- and / or ---------------------------------------------------------------------------------


def parse_logic_tree(key: str, text: str) -> LogicExpr:
    """Parse `or=(...)`, `and=(...)`, `not.or=(...)`: PostgREST prefixes the operator before parsing."""
    negate = key.startswith("not.")
    op = key[4:] if negate else key
    cur = _Cursor(op + text, f"logic tree ({text})")
    cur.pos = len(op)
    children = _logic_children(cur)
    cur.skip_ws()
    return LogicExpr(op, children, negate)


def _logic_children(cur: _Cursor) -> tuple[FilterExpr | LogicExpr, ...]:
    cur.skip_ws()
    if cur.peek() != "(":
        raise cur.fail(f'unexpected {_show(cur.peek())} expecting "("')
    cur.pos += 1
    children: list[FilterExpr | LogicExpr] = []
    while True:
        cur.skip_ws()
        children.append(_logic_item(cur))
        cur.skip_ws()
        ch = cur.peek()
        if ch == ",":
            cur.pos += 1
            continue
        if ch == ")":
            cur.pos += 1
            return tuple(children)
        raise cur.fail(f'unexpected {_show(ch)} expecting "," or ")"')


def _logic_item(cur: _Cursor) -> FilterExpr | LogicExpr:
    start = cur.pos
    negate = False
    if cur.startswith("not."):
        negate = True
        cur.pos += 4
    for op in ("and", "or"):
        if cur.startswith(op):
            after = cur.pos + len(op)
            rest = cur.text[after:].lstrip(" \t")
            if rest.startswith("("):
                cur.pos = after
                return LogicExpr(op, _logic_children(cur), negate)
    cur.pos = start
    if cur.peek() in (")", ",", None):
        raise cur.fail(
            f"unexpected {_show(cur.peek())} expecting {_FIELD_EXPECTED}, "
            "negation operator (not) or logic operator (and, or)"
        )
    column = _field_name(cur)
    cur.skip_ws()
    if cur.peek() != ".":
        raise cur.fail(f"unexpected {_show(cur.peek())} expecting delimiter (.)")
    cur.pos += 1
    return _op_expr(cur, column, in_logic=True)
