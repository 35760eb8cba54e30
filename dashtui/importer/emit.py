"""A Preset → TOML text in the style of presets/dashboard.toml, with the import's notes as comments."""

from __future__ import annotations

import math
import re
from typing import Any

from .convert import Preset
from .flow import COMMENT

__all__ = ["to_toml"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TABLES = ("vars", "options", "scenarios", "metrics", "thresholds", "report")


def _string(value: str) -> str:
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def value(item: Any) -> str:
    """One TOML value, inline."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item) or math.isinf(item):
            return _string(str(item))
        return repr(item)
    if isinstance(item, str):
        return _string(item)
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, dict):
        if not item:
            return "{}"
        return (
            "{ " + ", ".join(f"{_key(str(k))} = {value(v)}" for k, v in item.items() if v is not None) + " }"
        )
    return _string(str(item))


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in text.splitlines() or [""]]


def _scalars(table: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for key, item in table.items():
        if key in skip or item is None:
            continue
        if key == "checks" and isinstance(item, list) and item:
            lines.append("checks = [")
            lines.extend(f"    {value(c)}," for c in item)
            lines.append("]")
        else:
            lines.append(f"{_key(key)} = {value(item)}")
    return lines


def _steps(steps: list[dict[str, Any]], path: str, out: list[str]) -> None:
    pending: list[str] = []
    for step in steps:
        if COMMENT in step:
            pending.extend(_comment(str(step[COMMENT])))
            continue
        out.append("")
        out.extend(pending)
        pending = []
        out.append(f"[[{path}]]")
        if "group" in step:
            out.extend(_scalars(step, skip=("steps",)))
            _steps(step["steps"], f"{path}.steps", out)
        elif "batch" in step:
            out.extend(_scalars(step, skip=("batch",)))
            for request in step["batch"]:
                out.append("")
                out.append(f"[[{path}.batch]]")
                out.extend(_scalars(request))
        elif "request" in step:
            out.extend(_scalars(step, skip=("request",)))
            out.append("")
            out.append(f"[{path}.request]")
            out.extend(_scalars(step["request"]))
        else:
            out.extend(_scalars(step))
    if pending:
        out.append("")
        out.extend(pending)


def to_toml(preset: Preset) -> str:
    """The preset as TOML text; loading it with dashtui's loader gives the imported scenario."""
    header = preset.header or [
        f"Imported by `dashtui import k6` from {preset.source}.",
        "Lines starting with 'not translated' name what the script does that this preset does not.",
    ]
    out = [
        *(line for text in header for line in _comment(text)),
        "",
        f"name = {_string(preset.name)}",
        f"description = {_string(preset.description)}",
    ]
    for table in _TABLES:
        content: dict[str, Any] = getattr(preset, table)
        comments = preset.comments.get(table, [])
        if table == "scenarios":
            out.append("")
            out.extend(line for c in comments for line in _comment(c))
            for name, config in content.items():
                out.append(f"[scenarios.{_key(name)}]")
                out.extend(_scalars(config))
            continue
        if not content and not comments:
            continue
        out.append("")
        out.extend(line for c in comments for line in _comment(c))
        if content:
            out.append(f"[{table}]")
            out.extend(_scalars(content))
    for name, steps in preset.flows.items():
        out.append("")
        out.extend(
            line for c in preset.comments.get("flows", []) if name == "default" for line in _comment(c)
        )
        if name == "default":
            _steps(steps, "steps", out)
        else:
            out.append(f"# the flow of exported function {name}()")
            _steps(steps, f"flows.{_key(name)}.steps", out)
    return "\n".join(out).rstrip("\n") + "\n"
