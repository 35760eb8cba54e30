"""Checks on responses and on group durations, as k6's `check()`: one `add_check` per result."""

from __future__ import annotations

from typing import Any

from ..metrics.aggregator import SampleSink
from ..metrics.types import Tags
from .http import HttpResult

__all__ = ["check_response", "emit_check", "json_at_path"]

_MISSING = object()


def json_at_path(document: Any, path: str) -> Any:
    """The value at a dotted path such as `0.count` or `data.items.2.id`; a sentinel when absent."""
    current = document
    for part in path.split(".") if path else ():
        if isinstance(current, list):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return _MISSING
        elif isinstance(current, dict):
            if part not in current:
                return _MISSING
            current = current[part]
        else:
            return _MISSING
    return current


def _passes(check: Any, result: HttpResult) -> bool:
    if check.status is not None:
        return bool(result.status == check.status)
    if check.status_in is not None:
        return result.status in check.status_in
    if check.body_not_empty is not None:
        return (len(result.body) > 0) == bool(check.body_not_empty)
    if check.body_contains is not None:
        return check.body_contains.encode() in result.body
    if check.json_path is not None:
        value = json_at_path(result.json(), check.json_path)
        if value is _MISSING:
            return False
        return "equals" not in check.model_fields_set or bool(value == check.equals)
    if check.header is not None:
        header = result.headers.get(check.header)
        if header is None:
            return False
        return "equals" not in check.model_fields_set or header == str(check.equals)
    if check.duration_below is not None:
        return bool(result.timings.duration < check.duration_below)
    return False


def emit_check(name: str, ok: bool, *, tags: Tags, time: float, sink: SampleSink) -> bool:
    """Record one k6 check result (a `checks` pass or fail tagged with its name and the step's tags)."""
    sink.add_check(tags, name, ok, time)
    return ok


def check_response(result: HttpResult, checks: Any, *, tags: Tags, time: float, sink: SampleSink) -> bool:
    """Run every check of a request on its result; True when all passed (a request without checks passes)."""
    all_ok = True
    for check in checks:
        ok = emit_check(check.name, _passes(check, result), tags=tags, time=time, sink=sink)
        all_ok = all_ok and ok
    return all_ok
