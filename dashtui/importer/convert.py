"""A k6 script → the tables of a preset: options, scenarios, thresholds, metrics, report and flows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tree_sitter import Node

from ..scenario.model import (
    BUILTIN_METRIC_NAMES,
    ConstantArrivalRate,
    ConstantVUs,
    PerVUIterations,
    RampingArrivalRate,
    RampingVUs,
    SharedIterations,
)
from ..scenario.shortcuts import DEFAULT_SCENARIO
from .errors import ImportNote, K6ImportError
from .flow import COMMENT, FlowTranslator, find_function
from .runtime import InitContext, JsonValue
from .sources import JsModule, load_modules, node_text

__all__ = ["Preset", "convert"]

_EXECUTORS = {
    cls.model_fields["executor"].default: cls
    for cls in (
        ConstantVUs,
        RampingVUs,
        ConstantArrivalRate,
        RampingArrivalRate,
        PerVUIterations,
        SharedIterations,
    )
}
_RUN_OPTIONS = (
    "batch",
    "batchPerHost",
    "summaryTrendStats",
    "summaryTimeUnit",
    "noConnectionReuse",
    "noVUConnectionReuse",
    "userAgent",
)
_SHORTCUTS = ("vus", "duration", "iterations", "stages", "scenarios", "thresholds", "tags")
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Preset:
    """The preset's tables in TOML order, with comments per table and the notes of the import."""

    name: str
    description: str
    vars: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    flows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    notes: list[ImportNote] = field(default_factory=list)
    source: str = ""
    header: list[str] = field(default_factory=list)
    """Comment lines at the top; empty: the import's own."""

    @property
    def partial(self) -> bool:
        return any(n.partial for n in self.notes)


def _line_of_export(module: JsModule, name: str) -> int:
    for child in module.tree.root_node.children:
        text = node_text(child)
        if child.type == "export_statement" and re.search(rf"\b{re.escape(name)}\b", text.split("=")[0]):
            return child.start_point[0] + 1
    return 1


class _Converter:
    def __init__(self, modules: list[JsModule], context: InitContext) -> None:
        self.modules = modules
        self.entry = modules[0]
        self.context = context
        stem = Path(self.entry.display).stem
        self.preset = Preset(
            name=stem,
            description=f"imported from the k6 script {self.entry.display}",
            source=self.entry.display,
        )

    def note(self, table: str, line: int, what: str, why: str, *, partial: bool = True) -> None:
        note = ImportNote(self.entry.display, line, what, why, partial)
        self.preset.notes.append(note)
        prefix = "not translated" if partial else "note"
        self.preset.comments.setdefault(table, []).append(f"{prefix} (line {line}): {what}: {why}")

    # ------------------------------------------------------------------------------------ options

    def options(self) -> None:
        raw = self.context.options
        line = _line_of_export(self.entry, "options")
        options: dict[str, JsonValue] = raw if isinstance(raw, dict) else {}
        for env in self.context.notes:
            if env.get("kind") == "env-fixed":
                self.note(
                    "options",
                    line,
                    f"__ENV.{env['name']}",
                    f"a number read from the environment is fixed at its default, {env['value']}",
                    partial=False,
                )
            elif env.get("kind") == "stub":
                self.note("options", 1, f"module {env['name']!r}", "not followed; its functions do nothing")
        for key in _RUN_OPTIONS:
            if key in options:
                self.preset.options[key] = options[key]
        for key in options:
            if key not in _RUN_OPTIONS and key not in _SHORTCUTS:
                self.note("options", line, f"options.{key}", "no preset equivalent")
        scenarios = options.get("scenarios")
        if isinstance(scenarios, dict) and scenarios:
            for name, config in scenarios.items():
                if isinstance(config, dict):
                    self.preset.scenarios[name] = self._executor(name, config, line)
            for key in ("vus", "duration", "iterations", "stages"):
                if key in options:
                    self.note(
                        "options", line, f"options.{key}", "k6 ignores the shortcut when scenarios are set"
                    )
        else:
            self.preset.scenarios[DEFAULT_SCENARIO] = self._shortcut(options)
        tags = options.get("tags")
        if isinstance(tags, dict) and tags:
            for config in self.preset.scenarios.values():
                own = config.get("tags")
                config["tags"] = {
                    **{str(k): str(v) for k, v in tags.items()},
                    **(own if isinstance(own, dict) else {}),
                }
            self.note("options", line, "options.tags", "set on every scenario", partial=False)
        thresholds = options.get("thresholds")
        if isinstance(thresholds, dict):
            for metric, rules in thresholds.items():
                self.preset.thresholds[metric] = rules

    def _executor(self, name: str, config: dict[str, JsonValue], line: int) -> dict[str, Any]:
        executor = str(config.get("executor", ""))
        cls = _EXECUTORS.get(executor)
        if cls is None:
            self.note(
                "scenarios", line, f"scenario {name!r}", f"executor {executor!r} is not one dashtui runs"
            )
            return dict(config)
        _, shown = cls.accepted_keys()
        out: dict[str, Any] = {}
        for key, value in config.items():
            if key in shown:
                out[key] = value
            else:
                self.note(
                    "scenarios", line, f"scenarios.{name}.{key}", f"{executor} has no such option in dashtui"
                )
        return out

    def _shortcut(self, options: dict[str, JsonValue]) -> dict[str, Any]:
        vus = options.get("vus")
        if "stages" in options:
            return {
                "executor": "ramping-vus",
                "startVUs": vus if vus is not None else 1,
                "stages": options["stages"],
            }
        if "iterations" in options:
            out: dict[str, Any] = {
                "executor": "shared-iterations",
                "vus": vus or 1,
                "iterations": options["iterations"],
            }
            if "duration" in options:
                out["maxDuration"] = options["duration"]
            return out
        if "duration" in options:
            return {"executor": "constant-vus", "vus": vus or 1, "duration": options["duration"]}
        return {"executor": "shared-iterations", "vus": vus or 1, "iterations": vus or 1}

    # ------------------------------------------------------------------------------------ metrics

    def metrics(self) -> None:
        for metric in self.context.metrics:
            if metric.name in BUILTIN_METRIC_NAMES:
                self.note("metrics", 1, f"metric {metric.name!r}", "reuses a built-in metric name")
                continue
            self.preset.metrics[metric.name] = (
                {"type": metric.type, "time": True} if metric.is_time else metric.type
            )

    # ------------------------------------------------------------------------------------- flows

    def flows(self) -> None:
        exports = self.context.entry_exports
        wanted = {str(c.get("exec", "default")) for c in self.preset.scenarios.values()}
        setup_data: dict[str, Any] = {}
        if exports.get("setup") == "function":
            line = _line_of_export(self.entry, "setup")
            fn = find_function(self.entry, "setup")
            if fn is not None and _calls_k6(fn):
                self.note("flows", line, "setup()", "it makes requests or checks; its result is not replayed")
            else:
                setup_data["0"] = self.context.call_export("setup")
        if exports.get("teardown") == "function":
            self.note(
                "flows", _line_of_export(self.entry, "teardown"), "teardown()", "presets have no teardown"
            )
        for name in sorted(wanted, key=lambda n: (n != "default", n)):
            fn = find_function(self.entry, name)
            if fn is None:
                raise K6ImportError(f"no exported function {name!r} to run", file=self.entry.display)
            translator = FlowTranslator(self.context, self.entry, self.preset.notes)
            steps = translator.translate(fn, setup_data)
            if not [s for s in steps if COMMENT not in s]:
                steps.append({"sleep": 0})
                steps.append({COMMENT: "the function has no translatable step: an empty iteration"})
            self.preset.flows[name] = steps

    # ------------------------------------------------------------------------------------ report

    def report(self) -> None:
        if self.context.entry_exports.get("handleSummary") != "function":
            return
        fn = find_function(self.entry, "handleSummary")
        line = _line_of_export(self.entry, "handleSummary")
        returned = _returned_object(fn) if fn is not None else None
        if returned is None:
            self.note("report", line, "handleSummary()", "it does not return an object literal")
            return
        for pair in returned.named_children:
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if pair.type != "pair" or key is None or value is None:
                continue
            target = node_text(key).strip("'\"`")
            text = node_text(value)
            if target == "stdout":
                if "textSummary(" in text:
                    continue
                if fn is not None and "DASHBOARD" in node_text(fn):
                    self.preset.report["dashboard_block"] = True
                else:
                    self.note(
                        "report",
                        pair.start_point[0] + 1,
                        "handleSummary stdout",
                        "a custom text; dashtui prints k6's end-of-test summary",
                    )
            elif target.endswith(".json") and "JSON.stringify(data" in text.replace(" ", ""):
                self.preset.report["json"] = target
            else:
                self.note(
                    "report",
                    pair.start_point[0] + 1,
                    f"handleSummary {target!r}",
                    "only stdout and a JSON dump of the summary data are kept",
                )

    # ------------------------------------------------------------------------------------ vars

    def hoist_vars(self) -> None:
        """`${NAME:-default}` used in the preset becomes [vars] NAME once, referenced as `${NAME}`."""
        seen: dict[str, set[str | None]] = {}

        def scan(value: Any) -> None:
            if isinstance(value, str):
                for match in _ENV_REFERENCE.finditer(value):
                    seen.setdefault(match.group(1), set()).add(match.group(2))
            elif isinstance(value, dict):
                for item in value.values():
                    scan(item)
            elif isinstance(value, list):
                for item in value:
                    scan(item)

        tables = (self.preset.scenarios, self.preset.thresholds, self.preset.flows, self.preset.options)
        for table in tables:
            scan(table)
        hoisted: dict[str, str] = {}
        for name, defaults in sorted(seen.items()):
            if _SECRET_NAME.search(name):
                if defaults - {None}:
                    self.note(
                        "vars",
                        1,
                        f"__ENV.{name}",
                        "the script's default for a secret is not copied",
                        partial=False,
                    )
                continue
            if len(defaults) == 1 and None not in defaults:
                default = next(iter(defaults))
                hoisted[name] = f"${{{name}:-{default}}}"
        self.preset.vars = hoisted

        def rewrite(value: Any) -> Any:
            if isinstance(value, str):
                return _ENV_REFERENCE.sub(lambda m: self._reference(m, hoisted), value)
            if isinstance(value, dict):
                return {k: rewrite(v) for k, v in value.items()}
            if isinstance(value, list):
                return [rewrite(v) for v in value]
            return value

        self.preset.scenarios = rewrite(self.preset.scenarios)
        self.preset.flows = rewrite(self.preset.flows)
        self.preset.options = rewrite(self.preset.options)

    @staticmethod
    def _reference(match: re.Match[str], hoisted: dict[str, str]) -> str:
        name = match.group(1)
        if name in hoisted or _SECRET_NAME.search(name):
            return f"${{{name}}}"
        return match.group(0)


def _calls_k6(fn: Node) -> bool:
    if fn.type == "call_expression":
        text = node_text(fn.child_by_field_name("function") or fn)
        if text.startswith("http.") or text in ("check", "group", "sleep"):
            return True
    return any(_calls_k6(c) for c in fn.children)


def _returned_object(fn: Node) -> Node | None:
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type == "object":
        return body
    for statement in body.named_children:
        if statement.type == "return_statement" and statement.named_child_count:
            value = statement.named_children[0]
            while value.type == "parenthesized_expression" and value.named_child_count:
                value = value.named_children[0]
            return value if value.type == "object" else None
    return None


def convert(script: Path) -> Preset:
    """Import a k6 script: parse, evaluate its init context, translate; K6ImportError on bad input."""
    modules = load_modules(script)
    context = InitContext(modules)
    converter = _Converter(modules, context)
    converter.options()
    converter.metrics()
    converter.flows()
    converter.report()
    converter.hoist_vars()
    converter.preset.notes.sort(key=lambda n: (n.file != converter.entry.display, n.file, n.line))
    return converter.preset
