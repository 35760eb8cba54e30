"""k6 check callbacks → dashtui check conditions: status, body, JSON, header and duration predicates."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from .runtime import JsonValue
from .sources import node_text

__all__ = ["Condition", "Unsupported", "predicate_of"]


@dataclass(frozen=True)
class Condition:
    """A check's condition as preset keys (`{"status": 200}`), or a bound on a measured duration."""

    keys: dict[str, JsonValue]
    elapsed: str | None = None
    """For `() => duration < 3000`: the name of the local holding the measured duration."""


@dataclass(frozen=True)
class Unsupported:
    """Why a callback has no dashtui equivalent."""

    why: str


def _strip(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _body_expression(fn: Node) -> Node | None:
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return _strip(body)
    statements = [c for c in body.named_children if c.type != "comment"]
    if len(statements) == 1 and statements[0].type == "return_statement" and statements[0].named_child_count:
        return _strip(statements[0].named_children[0])
    return None


def _param(fn: Node) -> str | None:
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return node_text(single)
    params = fn.child_by_field_name("parameters")
    if params is None or params.named_child_count == 0:
        return None
    first = params.named_children[0]
    return node_text(first) if first.type == "identifier" else None


def _path(node: Node, root: str) -> list[str] | None:
    """`r.json().a[0]` rooted at `r` → ['json()', 'a', '0']; None when not rooted at `root`."""
    node = _strip(node)
    if node.type == "identifier":
        return [] if node_text(node) == root else None
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        base = _path(obj, root)
        return None if base is None else [*base, node_text(prop)]
    if node.type == "subscript_expression":
        obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        if obj is None or index is None or index.type not in ("string", "number"):
            return None
        base = _path(obj, root)
        key = node_text(index)[1:-1] if index.type == "string" else node_text(index)
        return None if base is None else [*base, key]
    if node.type == "call_expression":
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return None
        base = _path(function, root)
        if base is None or not base:
            return None
        args = arguments.named_children
        if base[-1] == "json" and not args:
            return [*base[:-1], "json()"]
        if base[-1] == "json" and len(args) == 1 and args[0].type == "string":
            return [*base[:-1], "json()", *node_text(args[0])[1:-1].split(".")]
        return None
    return None


def _literal(node: Node) -> tuple[bool, JsonValue]:
    node = _strip(node)
    text = node_text(node)
    if node.type == "number":
        number = float(text)
        return True, int(number) if number.is_integer() else number
    if node.type == "string":
        return True, text[1:-1]
    if node.type in ("true", "false"):
        return True, node.type == "true"
    if node.type == "null":
        return True, None
    if node.type == "unary_expression" and text.startswith("-"):
        ok, value = _literal(node.named_children[0])
        if ok and isinstance(value, int | float):
            return True, -value
    return False, None


def _binary(node: Node) -> tuple[Node, str, Node] | None:
    if node.type != "binary_expression":
        return None
    left, op, right = (node.child_by_field_name(k) for k in ("left", "operator", "right"))
    if left is None or op is None or right is None:
        return None
    return _strip(left), node_text(op), _strip(right)


_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "===": "===", "==": "==", "!==": "!==", "!=": "!="}


def _comparison(node: Node, root: str | None) -> tuple[list[str] | str, str, JsonValue] | None:
    """(path or local name, operator, literal), with the literal moved to the right."""
    parts = _binary(node)
    if parts is None:
        return None
    left, op, right = parts
    ok, value = _literal(right)
    if not ok:
        ok, value = _literal(left)
        if not ok or op not in _FLIP:
            return None
        left, op = right, _FLIP[op]
    if root is not None:
        path = _path(left, root)
        return (path, op, value) if path is not None else None
    if left.type == "identifier":
        return node_text(left), op, value
    return None


def _status_set(node: Node, root: str) -> list[int] | None:
    parts = _binary(node)
    if parts is not None and parts[1] == "||":
        left = _status_set(parts[0], root)
        right = _status_set(parts[2], root)
        return None if left is None or right is None else [*left, *right]
    compared = _comparison(node, root)
    if compared is not None and compared[0] == ["status"] and compared[1] in ("===", "=="):
        value = compared[2]
        return [value] if isinstance(value, int) else None
    if node.type == "call_expression":
        function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if function is not None and function.type == "member_expression" and arguments is not None:
            obj = function.child_by_field_name("object")
            prop = function.child_by_field_name("property")
            args = arguments.named_children
            if (
                obj is not None
                and prop is not None
                and obj.type == "array"
                and node_text(prop) == "includes"
                and len(args) == 1
                and _path(args[0], root) == ["status"]
            ):
                values = [_literal(c) for c in obj.named_children]
                if all(ok and isinstance(v, int) for ok, v in values):
                    return [int(v) for _, v in values if isinstance(v, int)]
    return None


def _non_empty_body(node: Node, root: str) -> bool:
    if _path(node, root) == ["body"]:
        return True
    if node.type == "unary_expression" and node_text(node).startswith("!!"):
        inner = node.named_children[0].named_children[0] if node.named_children else None
        return inner is not None and _path(inner, root) == ["body"]
    parts = _binary(node)
    if parts is not None and parts[1] == "&&":
        return _non_empty_body(parts[0], root) and _non_empty_body(parts[2], root)
    compared = _comparison(node, root)
    if compared is None:
        return False
    path, op, value = compared
    if path == ["body", "length"]:
        return (
            (op == ">" and value == 0) or (op == ">=" and value == 1) or (op in ("!==", "!=") and value == 0)
        )
    if path == ["body"]:
        return op in ("!==", "!=") and value in ("", None)
    return False


def predicate_of(fn: Node) -> Condition | Unsupported:
    """The condition a check callback tests, or why it cannot be expressed."""
    if fn.type not in ("arrow_function", "function_expression", "function"):
        return Unsupported("the check is not a function literal")
    expr = _body_expression(fn)
    if expr is None:
        return Unsupported("the callback is not a single expression or return statement")
    root = _param(fn)
    if root is None:
        compared = _comparison(expr, None)
        if compared is not None and isinstance(compared[0], str) and compared[1] in ("<", "<="):
            bound = compared[2]
            if isinstance(bound, int | float):
                return Condition({"below": bound}, elapsed=compared[0])
        return Unsupported(f"a check without a response compares {node_text(expr)!r}")
    statuses = _status_set(expr, root)
    if statuses is not None:
        if len(statuses) == 1:
            return Condition({"status": statuses[0]})
        listed: list[JsonValue] = [int(s) for s in sorted(statuses)]
        return Condition({"status_in": listed})
    if _non_empty_body(expr, root):
        return Condition({"body_not_empty": True})
    compared = _comparison(expr, root)
    if compared is not None:
        path, op, value = compared
        assert isinstance(path, list)
        if path == ["timings", "duration"] and op in ("<", "<=") and isinstance(value, int | float):
            return Condition({"duration_below": value})
        if path == ["json()", "length"] and ((op == ">" and value == 0) or (op == ">=" and value == 1)):
            return Condition({"json_path": "0"})
        if path[:1] == ["json()"] and len(path) > 1 and op in ("===", "=="):
            return Condition({"json_path": ".".join(path[1:]), "equals": value})
        if path[:1] == ["json()"] and len(path) > 1 and op in ("!==", "!=") and value is None:
            return Condition({"json_path": ".".join(path[1:])})
        if path[:1] == ["headers"] and len(path) == 2 and op in ("===", "=="):
            return Condition({"header": path[1], "equals": value})
    found = _path(expr, root)
    path = found if found is not None else []
    if path[:1] == ["json()"] and len(path) > 1:
        return Condition({"json_path": ".".join(path[1:])})
    if path[:1] == ["headers"] and len(path) == 2:
        return Condition({"header": path[1]})
    contained = _body_includes(expr, root)
    if contained is not None:
        return Condition({"body_contains": contained})
    return Unsupported(f"no dashtui check condition for {node_text(expr)!r}")


def _body_includes(node: Node, root: str) -> str | None:
    """'x' for `r.body.includes('x')` or `r.body.indexOf('x') !== -1` (also `> -1`, `>= 0`)."""
    compared = _binary(node)
    if compared is not None:
        left, op, right = compared
        ok, value = _literal(right)
        found = ok and ((op in ("!==", "!=", ">") and value == -1) or (op == ">=" and value == 0))
        return _call_on_body(left, root, "indexOf") if found else None
    return _call_on_body(node, root, "includes")


def _call_on_body(node: Node, root: str, method: str) -> str | None:
    if node.type != "call_expression":
        return None
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if function is None or arguments is None or function.type != "member_expression":
        return None
    obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
    args = arguments.named_children
    if (
        obj is None
        or prop is None
        or node_text(prop) != method
        or _path(obj, root) != ["body"]
        or len(args) != 1
    ):
        return None
    ok, value = _literal(args[0])
    return value if ok and isinstance(value, str) and value else None
