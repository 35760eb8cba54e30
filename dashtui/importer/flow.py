"""A k6 function's syntax tree → a dashtui flow: groups, requests, batches, checks, sleeps, metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from .checks import Condition, Unsupported, predicate_of
from .errors import ImportNote
from .runtime import InitContext, JsEvalError, JsonValue, script_of
from .sources import JsModule, node_text

__all__ = ["COMMENT", "FlowTranslator", "find_function"]

COMMENT = "#"
"""A step dict with only this key is a comment the writer puts at that place in the preset."""

_HTTP_METHODS = {
    "get": "GET",
    "head": "HEAD",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "del": "DELETE",
    "options": "OPTIONS",
}
_BODY_FIRST = ("post", "put", "patch", "del", "options")
_SERVICE_KEY = "${SUPABASE_SERVICE_ROLE_KEY}"
_ANON_KEY = "${SUPABASE_ANON_KEY}"
_NAME_PATH = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*")
_SECRET_HEADER = re.compile(r"authorization|apikey|api-key|cookie|key|token|secret|password", re.IGNORECASE)
_PARAM_KEYS = ("headers", "tags", "timeout", "responseType", "redirects", "compression", "jar")


# ------------------------------------------------------------------------------------ local values


@dataclass
class _Frame:
    """The steps being built at one level (the function body or a group) and its group step."""

    steps: list[dict[str, Any]]
    group: dict[str, Any] | None = None
    timers_ok: list[tuple[str, Node]] = field(default_factory=list)
    measured: list[tuple[_Elapsed, Node]] = field(default_factory=list)
    """The timers the group's bindings use, with the line that used them."""


@dataclass
class _Timer:
    frame: _Frame
    at: int


@dataclass
class _Elapsed:
    timer: _Timer
    at: int


@dataclass
class _Response:
    step: dict[str, Any]
    item: dict[str, Any]
    index: int | None
    """Its index in a batch; None for a single request."""


@dataclass
class _Batch:
    step: dict[str, Any]
    items: list[dict[str, Any]]
    keys: list[str] = field(default_factory=list)
    """The object form's keys (`http.batch({ events: ... })`), in order."""


@dataclass
class _Flag:
    """A boolean that is true when every response in `responses` passed its checks."""

    step: dict[str, Any]
    responses: set[int]
    size: int


@dataclass
class _Unknown:
    why: str


_Special = _Timer | _Elapsed | _Response | _Batch | _Flag | _Unknown


def _strip(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _callee(node: Node) -> tuple[str, str] | None:
    """('http', 'get') for `http.get(...)`, ('', 'sleep') for `sleep(...)`."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    if function is None:
        return None
    if function.type == "identifier":
        return "", node_text(function)
    if function.type == "member_expression":
        obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
        if obj is not None and prop is not None:
            return node_text(obj), node_text(prop)
    return None


def _args(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    return [] if arguments is None else [c for c in arguments.named_children if c.type != "comment"]


def find_function(module: JsModule, exported: str) -> Node | None:
    """The function node exported as `exported` ('default' or a name) from the module's top level."""
    root = module.tree.root_node
    local: str | None = None
    for child in root.children:
        if child.type != "export_statement":
            continue
        is_default = any(c.type == "default" for c in child.children)
        declaration = child.child_by_field_name("declaration")
        value = child.child_by_field_name("value")
        if exported == "default" and is_default:
            target = value or declaration
            if target is not None and target.type in (
                "function_expression",
                "function_declaration",
                "arrow_function",
                "function",
            ):
                return target
            if target is not None and target.type == "identifier":
                local = node_text(target)
        elif not is_default and declaration is not None:
            if declaration.type == "function_declaration":
                name = declaration.child_by_field_name("name")
                if name is not None and node_text(name) == exported:
                    return declaration
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                if name is not None and node_text(name) == exported:
                    fn = declarator.child_by_field_name("value")
                    if fn is not None and fn.type in ("arrow_function", "function_expression", "function"):
                        return fn
        clause = next((c for c in child.children if c.type == "export_clause"), None)
        if clause is not None:
            for specifier in (c for c in clause.children if c.type == "export_specifier"):
                name, alias = specifier.child_by_field_name("name"), specifier.child_by_field_name("alias")
                shown = node_text(alias) if alias is not None else node_text(name) if name else ""
                if shown == exported and name is not None:
                    local = node_text(name)
    return _local_function(module, local) if local else None


def _local_function(module: JsModule, name: str) -> Node | None:
    for child in module.tree.root_node.children:
        node = child.child_by_field_name("declaration") if child.type == "export_statement" else child
        if node is None:
            continue
        if node.type == "function_declaration":
            fname = node.child_by_field_name("name")
            if fname is not None and node_text(fname) == name:
                return node
        if node.type in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                dname = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if (
                    dname is not None
                    and node_text(dname) == name
                    and value is not None
                    and value.type in ("arrow_function", "function_expression", "function")
                ):
                    return value
    return None


def _does_work(node: Node) -> bool:
    """Whether a function body calls k6's http, group, check or sleep (so it is inlined, not evaluated)."""
    if node.type == "call_expression":
        callee = _callee(node)
        if callee is not None and (callee[0] == "http" or callee[1] in ("group", "check", "sleep")):
            return True
    return any(_does_work(c) for c in node.children)


# ------------------------------------------------------------------------------------- translator


class FlowTranslator:
    """Translates one exported function of the entry module into steps, collecting notes."""

    def __init__(self, context: InitContext, module: JsModule, notes: list[ImportNote]) -> None:
        self.context = context
        self.module = module
        self.notes = notes
        self.metrics_used: set[str] = set()
        self._depth = 0

    # ---------------------------------------------------------------------------------- plumbing

    def _note(self, frame: _Frame, node: Node, what: str, why: str, *, partial: bool = True) -> None:
        note = ImportNote(self.module.display, node.start_point[0] + 1, what, why, partial)
        self.notes.append(note)
        prefix = "not translated" if partial else "note"
        frame.steps.append({COMMENT: f"{prefix} (line {note.line}): {what}: {why}"})

    def _what(self, node: Node) -> str:
        text = " ".join(node_text(node).split())
        return text if len(text) <= 60 else text[:57] + "..."

    def _eval(self, node: Node, scope: dict[str, Any]) -> JsonValue:
        for name in sorted(_identifiers(node)):
            if isinstance(scope.get(name), _Response | _Batch | _Timer | _Elapsed):
                raise JsEvalError(f"it depends on {name!r}, a response or time of this iteration")
            if isinstance(scope.get(name), _Unknown):
                raise JsEvalError(f"it depends on {name!r}, which was not translated")
        local = {k: v for k, v in scope.items() if not isinstance(v, _Special)}
        for name in ("__VU", "__ITER"):
            if name in node_text(node):
                raise JsEvalError(f"{name} differs per VU and iteration; a preset value cannot follow it")
        return self.context.evaluate(self.module, script_of(node), local)

    # ------------------------------------------------------------------------------ entry point

    def translate(self, fn: Node, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The steps of function `fn`, its parameters bound to `params` (setup's data)."""
        frame = _Frame(steps=[])
        scope: dict[str, Any] = {}
        names = self._param_names(fn)
        for index, name in enumerate(names):
            scope[name] = params.get(str(index))
        self._body(fn, frame, scope)
        return frame.steps

    def _param_names(self, fn: Node) -> list[str]:
        single = fn.child_by_field_name("parameter")
        if single is not None:
            return [node_text(single)]
        params = fn.child_by_field_name("parameters")
        return [node_text(p) for p in params.named_children if p.type == "identifier"] if params else []

    def _body(self, fn: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        body = fn.child_by_field_name("body")
        if body is None:
            return
        if body.type != "statement_block":
            self._statement_expression(_strip(body), frame, scope)
            return
        for statement in body.named_children:
            self._statement(statement, frame, scope)

    # ------------------------------------------------------------------------------- statements

    def _statement(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        kind = node.type
        if kind in ("comment", "empty_statement"):
            return
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                if declarator.type == "variable_declarator":
                    self._declare(declarator, frame, scope)
            return
        if kind == "expression_statement" and node.named_child_count:
            self._statement_expression(_strip(node.named_children[0]), frame, scope)
            return
        if kind == "if_statement":
            self._if(node, frame, scope)
            return
        if kind in ("for_in_statement", "for_statement") and self._for(node, frame, scope):
            return
        if kind == "return_statement" and node.named_child_count == 0:
            return
        if kind == "statement_block":
            for statement in node.named_children:
                self._statement(statement, frame, scope)
            return
        self._note(frame, node, self._what(node), f"a {kind.replace('_', ' ')} has no preset equivalent")

    def _declare(self, declarator: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        name_node = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name_node is None:
            return
        name = node_text(name_node)
        if value is None:
            scope[name] = None
            return
        if name_node.type != "identifier":
            try:
                self._destructure(name_node, self._eval(value, scope), scope)
            except JsEvalError as exc:
                self._note(frame, declarator, self._what(declarator), f"cannot evaluate: {exc}")
            return
        scope[name] = self._value(_strip(value), frame, scope, declarator)

    def _destructure(self, pattern: Node, value: JsonValue, scope: dict[str, Any]) -> None:
        if pattern.type == "object_pattern" and isinstance(value, dict):
            for part in pattern.named_children:
                if part.type == "shorthand_property_identifier_pattern":
                    scope[node_text(part)] = value.get(node_text(part))
                elif part.type == "pair_pattern":
                    key, target = part.child_by_field_name("key"), part.child_by_field_name("value")
                    if key is not None and target is not None and target.type == "identifier":
                        scope[node_text(target)] = value.get(node_text(key).strip("'\""))
        elif pattern.type == "array_pattern" and isinstance(value, list):
            for index, part in enumerate(pattern.named_children):
                if part.type == "identifier" and index < len(value):
                    scope[node_text(part)] = value[index]

    def _value(self, node: Node, frame: _Frame, scope: dict[str, Any], where: Node) -> Any:
        """The local value of an initialiser: a request, a timer, a check flag or a plain value."""
        callee = _callee(node)
        if callee is not None and callee[0] == "http":
            return self._http(node, callee[1], frame, scope)
        if callee == ("", "check"):
            return self._check(node, frame, scope)
        if callee == ("Date", "now") or (node.type == "new_expression" and node_text(node) == "new Date()"):
            return _Timer(frame, _real(frame.steps))
        if node.type == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            operator = node.child_by_field_name("operator")
            if left is not None and right is not None and operator is not None and node_text(operator) == "-":
                start = scope.get(node_text(_strip(right)))
                left_callee = _callee(_strip(left))
                if isinstance(start, _Timer) and (
                    left_callee == ("Date", "now") or node_text(_strip(left)) == "new Date()"
                ):
                    return _Elapsed(start, _real(start.frame.steps))
        if callee is not None and callee[0] == "" and self._inline_call(node, frame, scope):
            return _Unknown("the value of an inlined function")
        try:
            return self._eval(node, scope)
        except JsEvalError as exc:
            self._note(frame, where, self._what(where), f"cannot evaluate: {exc}")
            return _Unknown(str(exc))

    def _statement_expression(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        callee = _callee(node)
        if callee is not None:
            obj, prop = callee
            if obj == "http":
                self._http(node, prop, frame, scope)
                return
            if obj == "" and prop == "group":
                self._group(node, frame, scope)
                return
            if obj == "" and prop == "check":
                self._check(node, frame, scope)
                return
            if obj == "" and prop == "sleep":
                self._sleep(node, frame, scope)
                return
            if obj == "console":
                self._note(
                    frame, node, self._what(node), "console output is not part of a preset", partial=False
                )
                return
            if prop == "add" and _NAME_PATH.fullmatch(obj):
                self._metric_add(node, obj, frame, scope)
                return
            if prop == "forEach" and isinstance(scope.get(obj), _Batch):
                self._for_each(node, scope[obj], frame, scope)
                return
            if obj == "" and self._inline_call(node, frame, scope):
                return
        if node.type in ("assignment_expression", "augmented_assignment_expression"):
            self._assign(node, frame, scope)
            return
        self._note(frame, node, self._what(node), "no preset equivalent")

    def _assign(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            self._note(frame, node, self._what(node), "only assignments to local variables are followed")
            return
        name = node_text(left)
        operator = node.child_by_field_name("operator")
        current = scope.get(name)
        if (
            operator is not None
            and node_text(operator) == "&&="
            or (right.type == "binary_expression" and node_text(right).startswith(f"{name} &&"))
        ):
            other_node = (
                right
                if node.type == "augmented_assignment_expression"
                else right.child_by_field_name("right")
            )
            other = self._value(_strip(other_node), frame, scope, node) if other_node is not None else None
            scope[name] = self._merge_flags(current, other, frame, node)
            return
        scope[name] = self._value(_strip(right), frame, scope, node)

    def _merge_flags(self, current: Any, other: Any, frame: _Frame, node: Node) -> Any:
        if current is True and isinstance(other, _Flag):
            return _Flag(other.step, set(other.responses), other.size)
        if isinstance(current, _Flag) and isinstance(other, _Flag) and current.step is other.step:
            return _Flag(current.step, current.responses | other.responses, current.size)
        self._note(
            frame, node, self._what(node), "only check results of one request or batch can be combined"
        )
        return _Unknown("combined flags")

    def _if(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if self._only_console(node.child_by_field_name("consequence")) and (
            alternative is None or self._only_console(alternative)
        ):
            self._note(frame, node, self._what(node), "only console output inside", partial=False)
            return
        cond = (
            _strip(condition.named_children[0])
            if condition is not None and condition.named_child_count
            else None
        )
        # `if (!success) allSuccess = false;`: allSuccess becomes the conjunction of the checks.
        if (
            cond is not None
            and consequence is not None
            and alternative is None
            and cond.type == "unary_expression"
        ):
            flag = scope.get(node_text(_strip(cond.named_children[0]))) if cond.named_child_count else None
            target = self._false_assignment(consequence)
            if node_text(cond).startswith("!") and isinstance(flag, _Flag) and target is not None:
                scope[target] = self._merge_flags(scope.get(target), flag, frame, node)
                return
        self._note(frame, node, self._what(node), "conditional flow has no preset equivalent")

    def _false_assignment(self, node: Node) -> str | None:
        statements = node.named_children if node.type == "statement_block" else [node]
        if len(statements) != 1 or statements[0].type != "expression_statement":
            return None
        expr = _strip(statements[0].named_children[0])
        if expr.type != "assignment_expression":
            return None
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier" or right.type != "false":
            return None
        return node_text(left)

    def _only_console(self, node: Node | None) -> bool:
        """True when every call under `node` is console.* (loops and ifs around them allowed)."""
        if node is None:
            return False
        calls: list[Node] = []

        def walk(n: Node) -> None:
            if n.type == "call_expression":
                calls.append(n)
                callee = _callee(n)
                if callee is not None and callee[0] == "console":
                    return
            for child in n.children:
                walk(child)

        walk(node)
        consoles = [c for c in calls if (_callee(c) or ("", ""))[0] == "console"]
        others = [c for c in calls if (_callee(c) or ("", ""))[1] not in ("forEach",) and c not in consoles]
        has_assign = any(
            n.type in ("assignment_expression", "augmented_assignment_expression") for n in _descendants(node)
        )
        return bool(consoles) and not others and not has_assign

    # -------------------------------------------------------------------------------- k6 calls

    def _inline_call(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> bool:
        """A call to a function of this module that makes requests: its body is inlined."""
        callee = _callee(node)
        if callee is None or self._depth > 8:
            return False
        fn = _local_function(self.module, callee[1])
        if fn is None or not _does_work(fn):
            return False
        inner: dict[str, Any] = dict(scope)
        for name, arg in zip(self._param_names(fn), _args(node), strict=False):
            inner[name] = (
                scope.get(node_text(arg))
                if node_text(arg) in scope
                else self._value(_strip(arg), frame, scope, node)
            )
        self._depth += 1
        try:
            self._body(fn, frame, inner)
        finally:
            self._depth -= 1
        return True

    def _group(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        args = _args(node)
        if len(args) != 2 or args[1].type not in ("arrow_function", "function_expression", "function"):
            self._note(frame, node, self._what(node), "group() needs a name and a function literal")
            return
        try:
            name = self._eval(args[0], scope)
        except JsEvalError as exc:
            self._note(frame, node, self._what(node), f"cannot evaluate the group name: {exc}")
            return
        step: dict[str, Any] = {"group": str(name)}
        inner = _Frame(steps=[], group=step)
        self._body(args[1], inner, dict(scope))
        for index, (timer_name, where) in enumerate(inner.timers_ok):
            if index == 0:
                step["duration_trend"] = timer_name
            else:
                self._note(inner, where, self._what(where), "a group's wall time feeds one Trend only")
        for elapsed, where in inner.measured:
            if elapsed.at != _real(inner.steps):
                self._note(
                    inner,
                    where,
                    f"the timer of group {name!r}",
                    "steps follow the measurement, so the group's wall time is longer than the script's",
                )
                break
        checks = step.pop("_checks", [])
        if checks:
            step["checks"] = checks
        steps = inner.steps
        if not [s for s in steps if COMMENT not in s]:
            steps.append({"sleep": 0})
        step["steps"] = steps
        frame.steps.append(step)

    def _sleep(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> None:
        args = _args(node)
        if len(args) != 1:
            self._note(frame, node, self._what(node), "sleep() takes one argument")
            return
        expr = _strip(args[0])
        bounds = _random_range(expr)
        if bounds is not None:
            frame.steps.append({"sleep": [_number(bounds[0]), _number(bounds[1])]})
            return
        try:
            value = self._eval(expr, scope)
        except JsEvalError as exc:
            self._note(frame, node, self._what(node), f"cannot evaluate: {exc}")
            return
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            frame.steps.append({"sleep": _number(value)})
        else:
            self._note(frame, node, self._what(node), "the sleep is not a constant or Math.random()*a+b")

    # ------------------------------------------------------------------------------------ requests

    def _http(self, node: Node, method: str, frame: _Frame, scope: dict[str, Any]) -> Any:
        args = _args(node)
        try:
            if method == "batch":
                return self._batch(node, args, frame, scope)
            if method == "request":
                if len(args) < 2:
                    raise JsEvalError("http.request needs a method and a URL")
                verb = self._eval(args[0], scope)
                request = self._request(
                    str(verb).upper(),
                    self._eval(args[1], scope),
                    self._evals(args[2:3], scope),
                    self._evals(args[3:4], scope),
                    node,
                    frame,
                )
            elif method in _HTTP_METHODS:
                if not args:
                    raise JsEvalError(f"http.{method} needs a URL")
                body = args[1:2] if method in _BODY_FIRST else []
                params = args[2:3] if method in _BODY_FIRST else args[1:2]
                request = self._request(
                    _HTTP_METHODS[method],
                    self._eval(args[0], scope),
                    self._evals(body, scope),
                    self._evals(params, scope),
                    node,
                    frame,
                )
            else:
                self._note(frame, node, self._what(node), f"http.{method} has no preset equivalent")
                return _Unknown(f"http.{method}")
        except JsEvalError as exc:
            self._note(frame, node, self._what(node), f"cannot evaluate the request: {exc}")
            return _Unknown(str(exc))
        step: dict[str, Any] = {"request": request}
        frame.steps.append(step)
        return _Response(step, request, None)

    def _request(
        self,
        method: str,
        url: JsonValue,
        body: JsonValue,
        params: JsonValue,
        where: Node,
        frame: _Frame,
    ) -> dict[str, Any]:
        if not isinstance(url, str):
            raise JsEvalError(f"the URL is {json.dumps(url)}, not a string")
        request: dict[str, Any] = {"method": method, "url": url}
        if body is not None:
            if isinstance(body, str):
                try:
                    request["body"] = json.loads(body)
                except ValueError:
                    self._note(frame, where, "a request body", "only JSON bodies are sent by presets")
            else:
                self._note(frame, where, "a request body", "k6 form-encodes object bodies; presets send JSON")
        if isinstance(params, dict):
            self._params(params, request, frame, where)
        return request

    def _evals(self, nodes: list[Node], scope: dict[str, Any]) -> JsonValue:
        return self._eval(nodes[0], scope) if nodes else None

    def _params(
        self, params: dict[str, JsonValue], request: dict[str, Any], frame: _Frame, where: Node
    ) -> None:
        headers = params.get("headers")
        if isinstance(headers, dict):
            plain = {str(k): str(v) for k, v in headers.items() if v is not None}
            lower = {k.lower(): v for k, v in plain.items()}
            for auth, key in (("service", _SERVICE_KEY), ("anon", _ANON_KEY)):
                if lower.get("apikey") == key and lower.get("authorization") == f"Bearer {key}":
                    request["auth"] = auth
                    plain = {k: v for k, v in plain.items() if k.lower() not in ("apikey", "authorization")}
            for header, text in list(plain.items()):
                if _SECRET_HEADER.search(header) and "${" not in text:
                    variable = "IMPORTED_" + re.sub(r"[^A-Za-z0-9]+", "_", header).upper()
                    plain[header] = f"${{{variable}}}"
                    self._note(
                        frame,
                        where,
                        f"header {header!r}",
                        f"a credential written in the script is not copied; the preset reads ${{{variable}}}",
                    )
            if plain:
                request["headers"] = plain
        tags = params.get("tags")
        if isinstance(tags, dict):
            if "name" in tags:
                request["name"] = str(tags["name"])
            rest = {str(k): str(v) for k, v in tags.items() if k != "name"}
            if rest:
                request["tags"] = rest
        timeout = params.get("timeout")
        if isinstance(timeout, int | float | str) and not isinstance(timeout, bool):
            request["timeout"] = f"{timeout}ms" if isinstance(timeout, int | float) else timeout
        expected = params.get("responseCallback")
        if isinstance(expected, dict) and isinstance(expected.get("__expected"), list):
            request["expectedStatuses"] = expected["__expected"]
        for key in params:
            if key not in (*_PARAM_KEYS, "responseCallback"):
                self._note(frame, where, f"request param {key!r}", "no preset equivalent")
        for key in ("responseType", "redirects", "compression", "jar"):
            if key in params:
                self._note(frame, where, f"request param {key!r}", "presets use k6's defaults")

    def _batch(self, node: Node, args: list[Node], frame: _Frame, scope: dict[str, Any]) -> Any:
        if len(args) != 1:
            raise JsEvalError("http.batch takes one argument")
        requests = self._eval(args[0], scope)
        keys: list[str] = []
        if isinstance(requests, dict):
            keys = list(requests)
            requests = list(requests.values())
        if not isinstance(requests, list) or not requests:
            self._note(frame, node, self._what(node), "an empty or unknown http.batch argument")
            return _Unknown("batch")
        items: list[dict[str, Any]] = []
        for entry in requests:
            if isinstance(entry, str):
                items.append(self._request("GET", entry, None, None, node, frame))
            elif isinstance(entry, list) and len(entry) >= 2:
                items.append(
                    self._request(
                        str(entry[0]).upper(),
                        entry[1],
                        entry[2] if len(entry) > 2 else None,
                        entry[3] if len(entry) > 3 else None,
                        node,
                        frame,
                    )
                )
            elif isinstance(entry, dict) and "url" in entry:
                items.append(
                    self._request(
                        str(entry.get("method") or "GET").upper(),
                        entry["url"],
                        entry.get("body"),
                        entry.get("params"),
                        node,
                        frame,
                    )
                )
            else:
                raise JsEvalError(f"a batch entry {json.dumps(entry)[:40]} is not a URL, array or object")
        step: dict[str, Any] = {"batch": items}
        frame.steps.append(step)
        return _Batch(step, items, keys)

    # -------------------------------------------------------------------------------------- checks

    def _check(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> Any:
        args = _args(node)
        if len(args) < 2 or _strip(args[1]).type != "object":
            self._note(frame, node, self._what(node), "check() needs a value and an object literal of checks")
            return _Unknown("check")
        if len(args) > 2:
            self._note(frame, node, "check tags", "tags on a check are not kept")
        target_node = _strip(args[0])
        target = scope.get(node_text(target_node)) if target_node.type == "identifier" else None
        if target_node.type == "subscript_expression":
            obj = target_node.child_by_field_name("object")
            index = target_node.child_by_field_name("index")
            batch = scope.get(node_text(obj)) if obj is not None else None
            if isinstance(batch, _Batch) and index is not None:
                try:
                    position = self._eval(index, scope)
                except JsEvalError:
                    position = None
                if isinstance(position, str) and position in batch.keys:
                    position = batch.keys.index(position)
                if isinstance(position, int) and 0 <= position < len(batch.items):
                    target = _Response(batch.step, batch.items[position], position)
        if target_node.type == "member_expression":
            obj = target_node.child_by_field_name("object")
            prop = target_node.child_by_field_name("property")
            batch = scope.get(node_text(obj)) if obj is not None else None
            if isinstance(batch, _Batch) and prop is not None and node_text(prop) in batch.keys:
                position = batch.keys.index(node_text(prop))
                target = _Response(batch.step, batch.items[position], position)
        flag_step: dict[str, Any] | None = None
        added = False
        for pair in _strip(args[1]).named_children:
            if pair.type != "pair":
                self._note(frame, pair, self._what(pair), "a check must be a `name: function` pair")
                continue
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None:
                continue
            try:
                name = self._key(key, scope)
            except JsEvalError as exc:
                self._note(frame, pair, self._what(key), f"cannot evaluate the check name: {exc}")
                continue
            condition = predicate_of(_strip(value))
            if isinstance(condition, Unsupported):
                self._note(frame, pair, f"check {name!r}", condition.why)
                continue
            if condition.elapsed is not None:
                if self._group_check(name, condition, frame, scope, pair):
                    added = True
                continue
            if not isinstance(target, _Response):
                self._note(frame, pair, f"check {name!r}", "the checked value is not a response of this flow")
                continue
            target.item.setdefault("checks", []).append({"name": name, **condition.keys})
            flag_step = target.step
            added = True
        if isinstance(target, _Response) and flag_step is not None:
            size = len(target.step["batch"]) if "batch" in target.step else 1
            return _Flag(target.step, {target.index or 0}, size)
        return True if added else _Unknown("check")

    def _key(self, key: Node, scope: dict[str, Any]) -> str:
        if key.type == "computed_property_name" and key.named_child_count:
            return str(self._eval(key.named_children[0], scope))
        if key.type == "string":
            value = self.context.evaluate(self.module, node_text(key), {})
            return str(value)
        return node_text(key)

    def _group_check(
        self, name: str, condition: Condition, frame: _Frame, scope: dict[str, Any], where: Node
    ) -> bool:
        elapsed = scope.get(condition.elapsed or "")
        if not isinstance(elapsed, _Elapsed) or elapsed.timer.frame is not frame or frame.group is None:
            self._note(frame, where, f"check {name!r}", "only a group's measured wall time can be checked")
            return False
        if not self._whole_group(elapsed, where):
            self._note(frame, where, f"check {name!r}", "the timer does not span the whole group")
            return False
        frame.group.setdefault("_checks", []).append({"name": name, "below": condition.keys["below"]})
        return True

    def _whole_group(self, elapsed: _Elapsed, where: Node) -> bool:
        frame = elapsed.timer.frame
        if elapsed.timer.at == 0 and elapsed.at == _real(frame.steps):
            frame.measured.append((elapsed, where))
            return True
        return False

    def _for_each(self, node: Node, batch: _Batch, frame: _Frame, scope: dict[str, Any]) -> None:
        args = _args(node)
        fn = _strip(args[0]) if args else None
        if fn is None or fn.type not in ("arrow_function", "function_expression", "function"):
            self._note(frame, node, self._what(node), "forEach needs a function literal")
            return
        if self._only_console(fn):
            self._note(frame, node, self._what(node), "only console output inside", partial=False)
            return
        self._iterate(
            node, batch, frame, scope, self._param_names(fn), lambda inner: self._body(fn, frame, inner)
        )

    def _for(self, node: Node, frame: _Frame, scope: dict[str, Any]) -> bool:
        """`for (const r of responses)` and `for (let i = 0; i < responses.length; i++)` over a batch."""
        body = node.child_by_field_name("body")
        if body is None:
            return False
        if node.type == "for_in_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            operator = node.child_by_field_name("operator")
            batch = scope.get(node_text(right)) if right is not None else None
            if operator is None or node_text(operator) != "of" or left is None or left.type != "identifier":
                return False
            if not isinstance(batch, _Batch):
                return False
            names = [node_text(left)]
        else:
            condition = node.child_by_field_name("condition")
            compared = node_text(condition) if condition is not None else ""
            index, _, bound = (part.strip() for part in compared.partition("<"))
            batch = scope.get(bound[: -len(".length")]) if bound.endswith(".length") else None
            if not isinstance(batch, _Batch) or not _NAME_PATH.fullmatch(index):
                return False
            names = ["", index]
        if self._only_console(body):
            self._note(frame, node, self._what(node), "only console output inside", partial=False)
            return True
        self._iterate(node, batch, frame, scope, names, lambda inner: self._statement(body, frame, inner))
        return True

    def _iterate(
        self,
        where: Node,
        batch: _Batch,
        frame: _Frame,
        scope: dict[str, Any],
        names: list[str],
        run: Callable[[dict[str, Any]], None],
    ) -> None:
        """Run a loop body once per response of a batch: it may check them and combine the results."""
        steps_before, notes_before = len(frame.steps), len(self.notes)
        for index, item in enumerate(batch.items):
            inner = dict(scope)
            if names and names[0]:
                inner[names[0]] = _Response(batch.step, item, index)
            if len(names) > 1:
                inner[names[1]] = index
            run(inner)
            if index == 0 and _real(frame.steps[steps_before:]):
                del frame.steps[steps_before:]
                del self.notes[notes_before:]
                self._note(
                    frame, where, self._what(where), "a loop over responses may check them, not send requests"
                )
                return
            if index == 0:
                steps_before, notes_before = len(frame.steps), len(self.notes)
                for name, value in inner.items():
                    if isinstance(value, _Flag) and name in scope:
                        scope[name] = value
            else:
                del frame.steps[steps_before:]
                del self.notes[notes_before:]
            for name, value in inner.items():
                if name in scope and isinstance(value, _Flag) and isinstance(scope[name], _Flag):
                    scope[name] = _Flag(value.step, scope[name].responses | value.responses, value.size)

    # ------------------------------------------------------------------------------------- metrics

    def _metric_add(self, node: Node, obj: str, frame: _Frame, scope: dict[str, Any]) -> None:
        metric = self.context.metric_of(self.module, obj)
        if metric is None:
            self._note(frame, node, self._what(node), "not a k6 custom metric")
            return
        args = _args(node)
        if not args:
            self._note(frame, node, self._what(node), "add() without a value")
            return
        if len(args) > 1:
            self._note(frame, node, "metric tags", "tags on a custom metric sample are not kept")
        value = _strip(args[0])
        text = node_text(value)
        self.metrics_used.add(metric.name)
        if metric.type == "trend" and isinstance(scope.get(text), _Elapsed):
            elapsed = scope[text]
            if frame.group is not None and elapsed.timer.frame is frame and self._whole_group(elapsed, node):
                frame.timers_ok.append((metric.name, node))
                return
            self._note(frame, node, self._what(node), "only a whole group's wall time can feed a Trend")
            return
        if metric.type == "counter" and text.endswith(".length"):
            batch = scope.get(text[: -len(".length")])
            if isinstance(batch, _Batch):
                batch.step["count_requests"] = metric.name
                return
        if metric.type == "rate" and value.type == "unary_expression" and text.startswith("!"):
            flag = scope.get(node_text(_strip(value.named_children[0])))
            if isinstance(flag, _Flag):
                if flag.responses == set(range(flag.size)):
                    flag.step["error_rate"] = {"metric": metric.name, "responses": "all"}
                    return
                if flag.responses == {0}:
                    flag.step["error_rate"] = {"metric": metric.name, "responses": "first"}
                    return
        if not any(isinstance(v, _Special) for k, v in scope.items() if k in _identifiers(value)):
            try:
                constant = self._eval(value, scope)
            except JsEvalError:
                constant = None
            if isinstance(constant, bool | int | float):
                frame.steps.append({"add": {"metric": metric.name, "value": constant}})
                return
        self._note(
            frame,
            node,
            self._what(node),
            f"a {metric.type}'s add() is translated only for a constant or boolean, a whole group's wall "
            "time (Trend), a batch's response count (Counter) or the failure of checks (Rate with !success)",
        )


def _real(steps: list[dict[str, Any]]) -> int:
    return sum(1 for s in steps if COMMENT not in s)


def _identifiers(node: Node) -> set[str]:
    return {node_text(n) for n in _descendants(node) if n.type == "identifier"}


def _descendants(node: Node) -> list[Node]:
    out = [node]
    for child in node.children:
        out.extend(_descendants(child))
    return out


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _random_range(node: Node) -> tuple[float, float] | None:
    """(b, a+b) for `Math.random() * a + b` (either order), (0, a) for `Math.random() * a`."""
    if node.type != "binary_expression":
        return None
    left, op, right = (node.child_by_field_name(k) for k in ("left", "operator", "right"))
    if left is None or op is None or right is None:
        return None
    left, right = _strip(left), _strip(right)
    operator = node_text(op)
    if operator == "*":
        for a, b in ((left, right), (right, left)):
            if node_text(a).replace(" ", "") == "Math.random()" and b.type == "number":
                return 0.0, float(node_text(b))
        return None
    if operator == "+":
        for a, b in ((left, right), (right, left)):
            scaled = _random_range(a)
            if scaled is not None and b.type == "number":
                offset = float(node_text(b))
                return scaled[0] + offset, scaled[1] + offset
    return None
