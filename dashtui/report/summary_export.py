"""k6's `--summary-export` file: the handleSummary data in the pre-v0.30 flat shape.

Follows k6's `oldJSONSummary` (`internal/js/summary-wrapper.js`): `options` and `state` are dropped; each
metric becomes its `values` flattened, with a Rate's `rate` renamed `value` and `thresholds` as
`{source: failed}` — `true` means the threshold FAILED (the inversion k6 keeps for compatibility,
grafana/k6#1498); groups and checks become objects keyed by name; the text is indented with 4 spaces.
Other top-level keys (`setup_data` in k6, `dashtui` here) pass through unchanged, as in k6.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .k6json import dumps_json

__all__ = ["dumps_summary_export", "to_summary_export"]


def _keyed_by_name(group: Mapping[str, Any]) -> dict[str, Any]:
    flat = dict(group)
    groups = flat.get("groups")
    if isinstance(groups, list):
        flat["groups"] = {g["name"]: _keyed_by_name(g) for g in groups}
    checks = flat.get("checks")
    if isinstance(checks, list):
        flat["checks"] = {c["name"]: dict(c) for c in checks}
    return flat


def to_summary_export(data: Mapping[str, Any]) -> dict[str, Any]:
    """The `--summary-export` object for handleSummary `data` (which is left unchanged)."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    result.pop("options", None)
    result.pop("state", None)
    metrics: dict[str, Any] = {}
    for name, metric in result.get("metrics", {}).items():
        flat: dict[str, Any] = dict(metric["values"])
        thresholds = metric.get("thresholds")
        if thresholds:
            flat["thresholds"] = {source: not verdict["ok"] for source, verdict in thresholds.items()}
        if metric["type"] == "rate" and "rate" in flat:
            flat["value"] = flat.pop("rate")
        metrics[name] = flat
    result["metrics"] = metrics
    if "root_group" in result:
        result["root_group"] = _keyed_by_name(result["root_group"])
    return result


def dumps_summary_export(data: Mapping[str, Any]) -> str:
    """The `--summary-export` file's text: the transformed object, indented with 4 spaces."""
    return dumps_json(to_summary_export(data), 4)
