"""Bench presets as TOML files: the dashboard flow's REST part, and a trivial GET with no think time."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

DASHBOARD = Path(__file__).resolve().parent.parent / "presets" / "dashboard.toml"
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"]


def _key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else json.dumps(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def dumps(document: dict[str, Any]) -> str:
    """TOML text for a preset: scalars first, then one [table] per dict, then one [[steps]] per step."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in document.items() if not isinstance(v, dict | list)]
    for key, value in document.items():
        if isinstance(value, dict):
            lines += ["", f"[{_key(key)}]"] + [f"{_key(k)} = {_value(v)}" for k, v in value.items()]
    for key, value in document.items():
        if isinstance(value, list):
            for item in value:
                lines += ["", f"[[{_key(key)}]]"] + [f"{_key(k)} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _scenario(vus: int, seconds: float) -> dict[str, Any]:
    return {"viewers": {"executor": "constant-vus", "vus": vus, "duration": f"{seconds:g}s"}}


def dashboard_rest(vus: int, seconds: float, source: Path = DASHBOARD) -> dict[str, Any]:
    """presets/dashboard.toml without Realtime (step, thresholds) or report file; `vus` for `seconds`."""
    doc = tomllib.loads(source.read_text())
    doc["name"] = "bench-dashboard-rest"
    doc["description"] = f"The dashboard flow's REST part, {vus} VUs for {seconds:g} s"
    doc["scenarios"] = _scenario(vus, seconds)
    doc["thresholds"] = {k: v for k, v in doc.get("thresholds", {}).items() if not k.startswith("realtime_")}
    doc["steps"] = [step for step in doc["steps"] if "realtime" not in step]
    doc["report"] = {k: v for k, v in doc.get("report", {}).items() if k != "json"}
    return doc


def trivial_get(vus: int, seconds: float, path: str = "/fast") -> dict[str, Any]:
    """One GET per iteration with one check, no think time: every VU is always waiting on the target."""
    return {
        "name": "bench-trivial",
        "description": f"GET {path}, {vus} VUs for {seconds:g} s, no think time",
        "vars": {"BASE_URL": "${SUPABASE_URL}"},
        "options": {"summaryTrendStats": TREND_STATS},
        "scenarios": _scenario(vus, seconds),
        "steps": [
            {
                "request": {
                    "method": "GET",
                    "name": "fast",
                    "url": "${BASE_URL}" + path,
                    "checks": [{"name": "status 200", "status": 200}],
                }
            }
        ],
    }


def one_iteration(path: str = "/fast") -> dict[str, Any]:
    """One VU, one request: what dashtui costs to start, run nothing and write its report."""
    doc = trivial_get(1, 1, path)
    doc["name"] = "bench-startup"
    doc["scenarios"] = {"once": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}}
    return doc


def write(document: dict[str, Any], path: Path) -> Path:
    path.write_text(dumps(document))
    return path
