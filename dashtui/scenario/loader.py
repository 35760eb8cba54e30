"""Load a scenario: a preset name, a TOML file (with `extends`) or a Python file → a validated Scenario."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from pydantic import ValidationError

from ..secrets import redact
from .errors import ScenarioError
from .interpolate import InterpolationError, Interpolator
from .model import Scenario
from .problems import KeyPath, format_key, format_value, problems_from_validation
from .pyfile import load_python_scenario
from .tomllines import TomlLines

__all__ = ["display_path", "list_presets", "load_scenario", "preset_dir", "resolve_ref"]

_EMPTY: Mapping[str, str] = MappingProxyType({})
_TOP_LEVEL_KEYS = (
    "name",
    "description",
    "extends",
    "vars",
    "options",
    "scenarios",
    "steps",
    "flows",
    "metrics",
    "thresholds",
    "report",
)
_MERGED_TABLES = frozenset({"vars", "metrics", "thresholds", "options", "report", "flows"})
"""Tables a child preset merges key by key over its parent's; every other key replaces the parent's."""
_NOT_INHERITED = frozenset({"name", "description", "extends"})
_TOML_ERROR_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def preset_dir() -> Path:
    """The directory of the bundled presets: `presets/` next to the package (repo or editable install)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "presets", package / "presets"):
        if candidate.is_dir():
            return candidate
    return package.parent / "presets"


def list_presets() -> list[str]:
    """Names of the bundled presets (`dashboard`, `smoke`, …), sorted."""
    directory = preset_dir()
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.iterdir() if p.suffix in (".toml", ".py") and p.is_file())


def display_path(path: Path) -> str:
    """The path as a person typed it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def resolve_ref(ref: str | Path) -> Path:
    """A file path as given, or a bare preset name looked up in preset_dir()."""
    path = Path(ref)
    if path.is_file():
        return path
    if path.is_dir():
        raise ScenarioError(
            "not a file",
            file=display_path(path),
            found="a directory",
            expected="a path to a .toml or .py scenario file, or a preset name such as 'dashboard'",
        )
    text = str(ref)
    if path.suffix == "" and os.sep not in text and "/" not in text:
        for suffix in (".toml", ".py"):
            candidate = preset_dir() / f"{text}{suffix}"
            if candidate.is_file():
                return candidate
        names = list_presets()
        close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(
            "unknown preset",
            file=text,
            found=f"no preset named {text!r}{hint}",
            expected=f"a preset name ({', '.join(names) or 'none installed'}) "
            "or a path to a .toml or .py file",
        )
    raise ScenarioError(
        "file not found",
        file=display_path(path),
        found="no such file",
        expected="a path to a .toml or .py scenario file, or a preset name such as 'dashboard'",
    )


def load_scenario(
    ref: str | Path, *, env: Mapping[str, str], extra_vars: Mapping[str, str] = _EMPTY
) -> Scenario:
    """Load, interpolate and validate a scenario; every problem is a ScenarioError (never a traceback)."""
    path = resolve_ref(ref)
    if path.suffix == ".py":
        return load_python_scenario(path, display=display_path(path), env=env, extra_vars=extra_vars)
    if path.suffix != ".toml":
        hint = " (dashtui reads TOML presets, not k6 JavaScript)" if path.suffix in (".js", ".ts") else ""
        raise ScenarioError(
            f"unsupported scenario file{hint}",
            file=display_path(path),
            found=f"a {path.suffix or 'suffix-less'} file",
            expected="a .toml preset or a .py scenario file",
        )
    return _TomlLoader(env=env, extra=extra_vars).load(path)


@dataclass
class _TomlDoc:
    path: Path
    display: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def lines(self) -> TomlLines:
        return TomlLines(self.text)


class _Provenance:
    """Which file each part of a merged (extends) document came from."""

    def __init__(self, root: _TomlDoc) -> None:
        self.entries: dict[KeyPath, _TomlDoc] = {(): root}

    def doc_for(self, path: KeyPath) -> _TomlDoc:
        for cut in range(len(path), -1, -1):
            doc = self.entries.get(path[:cut])
            if doc is not None:
                return doc
        return self.entries[()]

    def inherit(self, parent: _Provenance, prefix: KeyPath) -> None:
        """Everything under `prefix` comes from the parent document (and its own parents)."""
        self.entries[prefix] = parent.doc_for(prefix)
        for path, doc in parent.entries.items():
            if len(path) > len(prefix) and path[: len(prefix)] == prefix:
                self.entries[path] = doc


class _TomlLoader:
    def __init__(self, *, env: Mapping[str, str], extra: Mapping[str, str]) -> None:
        self.env = env
        self.extra = extra

    def load(self, path: Path) -> Scenario:
        doc = self._read(path)
        data, provenance = self._with_parents(doc, chain=[])
        self._check_top_level(data, provenance)
        vars_table = self._vars_table(data.get("vars", {}), provenance)
        interpolator = Interpolator(env=self.env, extra=self.extra, vars=vars_table)

        def fail(path: KeyPath, exc: InterpolationError) -> NoReturn:
            raise self._error(provenance, path, exc.message, exc.found, exc.expected) from None

        resolved_vars: dict[str, str] = {}
        for name in vars_table:
            try:
                value = interpolator.lookup(name)
            except InterpolationError as exc:
                fail(("vars", name), exc)
            resolved_vars[name] = value if value is not None else ""
        body = {
            key: interpolator.walk(value, (key,), fail)
            for key, value in data.items()
            if key not in ("vars", "extends")
        }
        flows, rename = self._flows(body, provenance)
        model_input: dict[str, Any] = {
            key: value for key, value in body.items() if key not in ("steps", "flows", "name")
        }
        model_input.update(
            name=body.get("name", path.stem), vars=resolved_vars, flows=flows, source=doc.display
        )
        redact_found = _redactor(interpolator.secrets)
        try:
            scenario = Scenario.model_validate(model_input)
        except ValidationError as exc:

            def locate(loc: list[str | int]) -> tuple[str | None, int | None]:
                source = provenance.doc_for(tuple(loc))
                return source.display, source.lines.line_of(loc)

            raise problems_from_validation(
                exc, file=doc.display, rename=rename, locate=locate, redact=redact_found
            ) from None
        return scenario.with_secrets(frozenset(interpolator.secrets))

    # ------------------------------------------------------------------------------------- reading

    def _read(self, path: Path, *, referrer: tuple[_TomlDoc, KeyPath] | None = None) -> _TomlDoc:
        display = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if referrer is not None:
                raise self._error_in(
                    referrer[0], referrer[1], "file not found", repr(str(path)), "an existing preset"
                ) from None
            raise ScenarioError(
                "file not found", file=display, found="no such file", expected="a readable .toml file"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(
                "cannot read the file",
                file=display,
                found=type(exc).__name__,
                expected="a readable UTF-8 file",
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            position = _TOML_ERROR_POSITION.search(message)
            line = column = None
            if position is not None:
                line, column = int(position.group(1)), int(position.group(2))
                message = message[: position.start()]
            raise ScenarioError(
                f"TOML syntax error{f' at column {column}' if column else ''}: {message}",
                file=display,
                line=line,
                column=column,
                expected="valid TOML (https://toml.io)",
            ) from None
        return _TomlDoc(path=path, display=display, text=text, data=data)

    def _with_parents(self, doc: _TomlDoc, chain: list[Path]) -> tuple[dict[str, Any], _Provenance]:
        """The document merged over the preset it `extends` (recursively), with provenance."""
        provenance = _Provenance(doc)
        parent_ref = doc.data.get("extends")
        if parent_ref is None:
            return dict(doc.data), provenance
        if not isinstance(parent_ref, str) or not parent_ref:
            raise self._error_in(
                doc, ("extends",), None, format_value(parent_ref), "the name or path of another preset"
            )
        parent_path = self._parent_path(doc, parent_ref)
        resolved = [p.resolve() for p in (*chain, doc.path)]
        if parent_path.resolve() in resolved:
            cycle = " → ".join(display_path(p) for p in (*chain, doc.path, parent_path))
            raise self._error_in(
                doc, ("extends",), "extends cycle", cycle, "a chain of presets without a cycle"
            )
        parent_doc = self._read(parent_path, referrer=(doc, ("extends",)))
        parent_data, parent_provenance = self._with_parents(parent_doc, [*chain, doc.path])
        merged: dict[str, Any] = {}
        for key, value in parent_data.items():
            if key in _NOT_INHERITED:
                continue
            merged[key] = value
            provenance.inherit(parent_provenance, (key,))
        for key, value in doc.data.items():
            if key == "extends":
                continue
            inherited = merged.get(key)
            if key in _MERGED_TABLES and isinstance(inherited, dict) and isinstance(value, dict):
                merged[key] = {**inherited, **value}
                provenance.entries[(key,)] = doc
                for sub in inherited:
                    if sub not in value:
                        provenance.inherit(parent_provenance, (key, sub))
                for sub in value:
                    for path in [p for p in provenance.entries if p[:2] == (key, sub)]:
                        del provenance.entries[path]
            else:
                merged[key] = value
                for path in [p for p in provenance.entries if p[:1] == (key,)]:
                    del provenance.entries[path]
        return merged, provenance

    def _parent_path(self, doc: _TomlDoc, ref: str) -> Path:
        candidate = Path(ref)
        if candidate.suffix:
            return candidate if candidate.is_absolute() else doc.path.parent / candidate
        for directory in (doc.path.parent, preset_dir()):
            for suffix in (".toml",):
                path = directory / f"{ref}{suffix}"
                if path.is_file():
                    return path
        names = list_presets()
        raise self._error_in(
            doc,
            ("extends",),
            "unknown preset",
            repr(ref),
            f"a preset name ({', '.join(names)}) or a path to a .toml file",
        )

    # ---------------------------------------------------------------------------------- structure

    def _check_top_level(self, data: Mapping[str, Any], provenance: _Provenance) -> None:
        for key in data:
            if key not in _TOP_LEVEL_KEYS:
                close = difflib.get_close_matches(key, _TOP_LEVEL_KEYS, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self._error(
                    provenance,
                    (key,),
                    None,
                    f"unknown key {key!r}",
                    f"one of {', '.join(_TOP_LEVEL_KEYS)}{hint}",
                )

    def _vars_table(self, table: Any, provenance: _Provenance) -> dict[str, str]:
        if not isinstance(table, Mapping):
            raise self._error(provenance, ("vars",), None, format_value(table), "a table of NAME = 'value'")
        result: dict[str, str] = {}
        for name, value in table.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise self._error(
                    provenance, ("vars", name), None, format_value(value), "a string (or number) value"
                )
            result[name] = value if isinstance(value, str) else str(value)
        return result

    def _flows(
        self, body: dict[str, Any], provenance: _Provenance
    ) -> tuple[dict[str, Any], Callable[[list[str | int]], list[str | int]]]:
        """TOML `steps = [...]` is the flow "default"; `[flows.NAME] steps = [...]` the others."""
        flows: dict[str, Any] = {}
        table_form: set[str] = set()
        raw_flows = body.get("flows", {})
        if not isinstance(raw_flows, Mapping):
            raise self._error(
                provenance, ("flows",), None, format_value(raw_flows), "a table of [flows.NAME]"
            )
        if "steps" in body:
            flows["default"] = body["steps"]
            if "default" in raw_flows:
                raise self._error(
                    provenance,
                    ("flows", "default"),
                    "two default flows",
                    "both top-level steps and [flows.default]",
                    "the default flow written once: top-level steps or [flows.default]",
                )
        for name, flow in raw_flows.items():
            if isinstance(flow, Mapping):
                unknown = [k for k in flow if k != "steps"]
                if unknown or "steps" not in flow:
                    found = f"unknown key {unknown[0]!r}" if unknown else "no steps"
                    raise self._error(provenance, ("flows", name, *unknown[:1]), None, found, "steps = [...]")
                flows[name] = flow["steps"]
                table_form.add(name)
            else:
                flows[name] = flow
        default_from_steps = "steps" in body

        def rename(loc: list[str | int]) -> list[str | int]:
            if len(loc) >= 2 and loc[0] == "flows":
                if loc[1] == "default" and default_from_steps:
                    return ["steps", *loc[2:]]
                if loc[1] in table_form:
                    return ["flows", loc[1], "steps", *loc[2:]]
            return loc

        return flows, rename

    # ------------------------------------------------------------------------------------- errors

    def _error(
        self, provenance: _Provenance, path: KeyPath, message: str | None, found: str, expected: str
    ) -> ScenarioError:
        return self._error_in(provenance.doc_for(path), path, message, found, expected)

    @staticmethod
    def _error_in(
        doc: _TomlDoc, path: KeyPath, message: str | None, found: str, expected: str
    ) -> ScenarioError:
        return ScenarioError(
            message,
            file=doc.display,
            key=format_key(path) or None,
            line=doc.lines.line_of(path),
            found=found,
            expected=expected,
        )


def _redactor(secrets: set[str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        return redact(text, secrets)

    return apply
