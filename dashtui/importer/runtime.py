"""k6's init context in QuickJS: the modules as functions, k6's modules stubbed, `__ENV` as placeholders."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import quickjs  # type: ignore[import-untyped]
from tree_sitter import Node

from .errors import K6ImportError
from .sources import JsModule, node_text

__all__ = ["InitContext", "JsEvalError", "JsonValue", "MetricInfo", "script_of"]

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]

_PRELUDE = (Path(__file__).with_name("prelude.js")).read_text(encoding="utf-8")
_TIME_LIMIT_S = 5
_MEMORY_LIMIT = 256 * 1024 * 1024
_POSITION = re.compile(r"<input>:(\d+)(?::\d+)?")
_NUMBER_FUNCTIONS = ("parseInt", "parseFloat", "Number")


class JsEvalError(Exception):
    """An expression that the init context cannot evaluate (a ReferenceError, a k6 call outside init)."""


@dataclass(frozen=True)
class MetricInfo:
    """A custom metric created by `new Counter/Gauge/Rate/Trend(name, isTime)`."""

    name: str
    type: str
    is_time: bool


def _env_name(node: Node | None) -> str | None:
    """`X` for `__ENV.X` or `__ENV['X']`, else None."""
    if node is None:
        return None
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is not None and prop is not None and node_text(obj) == "__ENV":
            return node_text(prop)
    if node.type == "subscript_expression":
        obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
        if obj is not None and index is not None and node_text(obj) == "__ENV" and index.type == "string":
            return node_text(index)[1:-1]
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return _env_name(node.named_children[0])
    return None


def _env_default(node: Node) -> tuple[str, Node] | None:
    """(NAME, default expression) of `__ENV.NAME || default` (or `??`)."""
    if node.type != "binary_expression":
        return None
    operator = node.child_by_field_name("operator")
    if operator is None or node_text(operator) not in ("||", "??"):
        return None
    name = _env_name(node.child_by_field_name("left"))
    right = node.child_by_field_name("right")
    return (name, right) if name is not None and right is not None else None


class _Renderer:
    """A node's source with `__ENV.X || d` → `__envOr('X', d)`; at the top level, ESM → function form."""

    def __init__(self, module: JsModule | None) -> None:
        self.module = module
        self.exported: list[tuple[str, str]] = []

    def render(self, node: Node, top: bool = False) -> str:
        replaced = self._rule(node, top)
        if replaced is not None:
            missing = node_text(node).count("\n") - replaced.count("\n")
            return replaced + "\n" * max(0, missing)
        if node.child_count == 0:
            return node_text(node)
        source = node.text or b""
        base = node.start_byte
        out: list[str] = []
        position = base
        for child in node.children:
            out.append(source[position - base : child.start_byte - base].decode("utf-8", "replace"))
            out.append(self.render(child, top=node.type == "program"))
            position = child.end_byte
        out.append(source[position - base :].decode("utf-8", "replace"))
        return "".join(out)

    def _rule(self, node: Node, top: bool) -> str | None:
        env = _env_default(node)
        if env is not None:
            return f"__envOr({json.dumps(env[0])}, ({self.render(env[1])}))"
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            if function is not None and node_text(function) in _NUMBER_FUNCTIONS and arguments is not None:
                first = arguments.named_children[0] if arguments.named_child_count else None
                inner = _env_default(first) if first is not None else None
                if inner is not None:
                    return f"__envNum({json.dumps(inner[0])}, ({self.render(inner[1])}))"
        if top and node.type == "import_statement":
            return self._import(node)
        if top and node.type == "export_statement":
            return self._export(node)
        return None

    def _import(self, node: Node) -> str:
        source = node.child_by_field_name("source")
        spec = json.dumps(node_text(source)[1:-1]) if source is not None else '""'
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if clause is None:
            return f"__import({spec});"
        parts: list[str] = []
        for child in clause.children:
            if child.type == "identifier":
                parts.append(f"var {node_text(child)} = __import({spec}).default;")
            elif child.type == "namespace_import":
                name = next(c for c in child.children if c.type == "identifier")
                parts.append(f"var {node_text(name)} = __import({spec});")
            elif child.type == "named_imports":
                pairs = []
                for specifier in (c for c in child.children if c.type == "import_specifier"):
                    imported_node = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias")
                    imported = node_text(imported_node) if imported_node is not None else ""
                    pairs.append(f"{imported}: {node_text(alias)}" if alias is not None else imported)
                parts.append(f"var {{{', '.join(pairs)}}} = __import({spec});")
        return " ".join(parts)

    def _export(self, node: Node) -> str:
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        source = node.child_by_field_name("source")
        is_default = any(c.type == "default" for c in node.children)
        if is_default:
            target = value or declaration
            return f"__exports.default = ({self.render(target) if target is not None else 'undefined'});"
        if declaration is not None:
            if declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        self.exported.append((node_text(name), node_text(name)))
            else:
                name = declaration.child_by_field_name("name")
                if name is not None:
                    self.exported.append((node_text(name), node_text(name)))
            return self.render(declaration)
        spec = json.dumps(node_text(source)[1:-1]) if source is not None else None
        clause = next((c for c in node.children if c.type == "export_clause"), None)
        if clause is None:
            return f"Object.assign(__exports, __import({spec}));" if spec else ""
        lines = []
        for specifier in (c for c in clause.children if c.type == "export_specifier"):
            name = specifier.child_by_field_name("name")
            alias = specifier.child_by_field_name("alias")
            local = node_text(name) if name is not None else ""
            exported = node_text(alias) if alias is not None else local
            if spec is not None:
                lines.append(f"__exports[{json.dumps(exported)}] = __import({spec})[{json.dumps(local)}];")
            else:
                self.exported.append((exported, local))
        return " ".join(lines)


def script_of(node: Node) -> str:
    """An expression's source with `__ENV.X || d` turned into placeholders, for evaluation in its module."""
    return _Renderer(None).render(node)


@dataclass(frozen=True)
class _Chunk:
    module: JsModule
    first_line: int
    last_line: int


class InitContext:
    """The evaluated init context of a script: options, custom metrics, exports; evaluates expressions."""

    def __init__(self, modules: list[JsModule]) -> None:
        self.modules = modules
        self._context = quickjs.Context()
        self._context.set_time_limit(_TIME_LIMIT_S)
        self._context.set_memory_limit(_MEMORY_LIMIT)
        self._context.add_callable("__py_open", self._open)
        parts = [_PRELUDE]
        line = _PRELUDE.count("\n") + 1
        self._chunks: list[_Chunk] = []
        resolve: dict[str, dict[str, str]] = {}
        for module in modules:
            renderer = _Renderer(module)
            body = renderer.render(module.tree.root_node)
            assigns = " ".join(f"__exports[{json.dumps(e)}] = {local};" for e, local in renderer.exported)
            key = json.dumps(module.key)
            chunk = (
                f"__define({key}, function (__exports, __import, __ENV, __VU, __ITER, open) {{{body}\n"
                f";{assigns}\n__scopes[{key}] = function (__src, __locals) "
                "{ with (__locals) { return eval(__src); } };\n});\n"
            )
            self._chunks.append(_Chunk(module, line, line + body.count("\n")))
            parts.append(chunk)
            line += chunk.count("\n")
            resolve[module.key] = dict(module.imports)
        self._run("".join(parts))
        self._run(f"__resolve = {json.dumps(resolve)}; __load('#0'); 0")
        self.entry_exports: dict[str, str] = cast(
            dict[str, str],
            self._json(
                "JSON.stringify(Object.fromEntries(Object.keys(__cache['#0']).map("
                "function (k) { return [k, typeof __cache['#0'][k]]; })))"
            ),
        )
        self.options: JsonValue = self._json(
            "JSON.stringify(__cache['#0'].options === undefined ? null : __cache['#0'].options)"
        )
        raw_metrics = self._json("JSON.stringify(__metrics)")
        self.metrics = [
            MetricInfo(name=str(m["name"]), type=str(m["type"]), is_time=bool(m["isTime"]))
            for m in cast(list[dict[str, JsonValue]], raw_metrics)
        ]
        self.notes = cast(list[dict[str, str]], self._json("JSON.stringify(__notes)"))

    def _open(self, key: str, path: str, mode: str) -> str:
        module = next(m for m in self.modules if m.key == key)
        target = module.path.parent / path
        try:
            return "" if "b" in mode else target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuntimeError(f"open({path!r}): {exc}") from None

    def _where(self, text: str) -> tuple[str, int | None]:
        for match in _POSITION.finditer(text):
            line = int(match.group(1))
            for chunk in self._chunks:
                if chunk.first_line <= line <= chunk.last_line:
                    return chunk.module.display, line - chunk.first_line + 1
        return self.modules[0].display, None

    def _run(self, code: str) -> object:
        try:
            return self._context.eval(code)
        except quickjs.JSException as exc:
            text = str(exc)
            if text.startswith("InternalError: interrupted"):
                raise K6ImportError(
                    f"the init context ran for more than {_TIME_LIMIT_S} s (an endless loop?)",
                    file=self.modules[0].display,
                ) from None
            file, line = self._where(text)
            first = text.splitlines()[0] if text else "an exception"
            raise K6ImportError(f"the init context failed: {first}", file=file, line=line) from None

    def _json(self, code: str) -> JsonValue:
        result = self._run(code)
        return cast(JsonValue, json.loads(result)) if isinstance(result, str) else None

    def evaluate(self, module: JsModule, source: str, local: dict[str, JsonValue]) -> JsonValue:
        """`source` evaluated in `module`'s scope with `local` bindings; JsEvalError when it throws."""
        code = f"__evalIn({json.dumps(module.key)}, {json.dumps('(' + source + ')')}, {json.dumps(local)})"
        try:
            result = self._context.eval(code)
        except quickjs.JSException as exc:
            raise JsEvalError(str(exc).splitlines()[0] if str(exc) else "exception") from None
        if not isinstance(result, str):
            raise JsEvalError("not a JSON value")
        data = json.loads(result)
        if data["t"]:
            raise JsEvalError(
                "the value changes per VU or iteration (Math.random, Date.now, k6/execution); "
                "a preset holds constants"
            )
        return cast(JsonValue, data["v"])

    def metric_of(self, module: JsModule, source: str) -> MetricInfo | None:
        """The custom metric an expression (`errorRate`, `metrics.api`) refers to, if it is one."""
        try:
            value = self.evaluate(module, f"({source}) && ({source}).__metric || null", {})
        except JsEvalError:
            return None
        if not isinstance(value, dict):
            return None
        return MetricInfo(name=str(value["name"]), type=str(value["type"]), is_time=bool(value["isTime"]))

    def call_export(self, name: str) -> JsonValue:
        """Call an exported function of the entry (setup) and return its JSON value."""
        return self._json(
            f"(function () {{ var v = __cache['#0'][{json.dumps(name)}](); "
            "return JSON.stringify(v === undefined ? null : v); })()"
        )
