"""The end-of-test data object, shaped exactly as k6 v2.2.0 hands it to `handleSummary(data)`.

k6 builds it in `internal/js/summary.go` (summarizeMetricsToObject, exportGroup): `root_group` (the group tree
with checks; ids are the md5 of the `::` path, `lib/models.go`), `options`, `state` and `metrics`, where every
observed metric and submetric has `type`, `contains`, `values` and, when thresholds were written on it,
`thresholds: {source: {ok}}`. A metric with thresholds is shown even when it saw no samples (k6's metrics
engine marks it, and the parent of a submetric, as observed), with the values of an empty sink.

dashtui's own figures (generator health, VU changes, realtime, each threshold's observed value) live under a
single extra top-level key, `"dashtui"`, so tools written for k6's JSON read everything else unchanged. One
exception: when the generator was overloaded at any point, a `"dashtui_warning"` note comes first, saying that
the latencies include the generator's own delay, so nobody reads a figure before it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..metrics.builtin import BUILTIN_METRICS, Registry
from ..metrics.selectors import SelectorError, parse_metric_key
from ..metrics.sinks import DEFAULT_TREND_STATS, Sink, new_sink
from ..metrics.snapshot import Snapshot
from ..metrics.types import Metric, MetricType, ValueType
from ..thresholds.results import ThresholdResult

__all__ = [
    "EXTRAS_KEY",
    "WARNING_KEY",
    "RunState",
    "SummaryOptions",
    "build_summary_data",
    "dumps_json",
    "dumps_summary_data",
    "generator_warning",
    "group_id",
    "metric_sort_key",
]

EXTRAS_KEY = "dashtui"
WARNING_KEY = "dashtui_warning"
"""The one top-level key dashtui adds to k6's object."""

GROUP_SEPARATOR = "::"
_TREND_STAT = re.compile(r"^(avg|min|med|max|count|p\((\d+(?:\.\d+)?)\))$")
_TIME_UNITS = ("", "s", "ms", "us")
_AGGREGATION_TYPES: Mapping[str, MetricType] = {
    "count": MetricType.COUNTER,
    "value": MetricType.GAUGE,
    "rate": MetricType.RATE,
}


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    """k6's summary options: `summaryTrendStats`, `summaryTimeUnit` and `noColor`."""

    summary_trend_stats: tuple[str, ...] = DEFAULT_TREND_STATS
    summary_time_unit: str = ""
    no_color: bool = False

    def __post_init__(self) -> None:
        stats = tuple(self.summary_trend_stats)
        object.__setattr__(self, "summary_trend_stats", stats)
        for stat in stats:
            match = _TREND_STAT.match(stat)
            if match is None or (match.group(2) is not None and float(match.group(2)) > 100):
                raise ValueError(
                    f"summaryTrendStats: {stat!r} is not a trend stat; "
                    "expected avg, min, med, max, count or p(N) with 0 <= N <= 100"
                )
        if self.summary_time_unit not in _TIME_UNITS:
            raise ValueError(
                f"summaryTimeUnit: {self.summary_time_unit!r} is not a time unit; expected s, ms or us"
            )


@dataclass(frozen=True, slots=True)
class RunState:
    """k6's `state`: whether stdout/stderr are terminals, and how long the test ran."""

    is_stdout_tty: bool
    is_stderr_tty: bool
    test_run_duration_ms: float


def group_id(path: str) -> str:
    """k6's id of a group or check: the hex md5 of its `::` path (`lib/models.go` NewGroup, NewCheck)."""
    return hashlib.md5(path.encode("utf-8"), usedforsecurity=False).hexdigest()


def metric_sort_key(key: str) -> tuple[str, str]:
    """Order metrics by name with each submetric right after its parent, as k6 lists them."""
    brace = key.find("{")
    return (key, "") if brace < 0 else (key[:brace], key[brace:])


def _new_group(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "path": path, "id": group_id(path), "groups": [], "checks": []}


def _root_group(snapshot: Snapshot) -> dict[str, Any]:
    """The group tree, children in the order they were first seen; checks inside the group they ran in."""
    root = _new_group("", "")
    index: dict[str, dict[str, Any]] = {"": root}

    def ensure(path: str) -> dict[str, Any]:
        group = index.get(path)
        if group is None:
            parent_path, _, name = path.rpartition(GROUP_SEPARATOR)
            group = _new_group(name, path)
            ensure(parent_path)["groups"].append(group)
            index[path] = group
        return group

    for path in snapshot.groups:
        ensure(path)
    for (path, name), stats in snapshot.checks.items():
        check_path = path + GROUP_SEPARATOR + name
        ensure(path)["checks"].append(
            {
                "name": name,
                "path": check_path,
                "id": group_id(check_path),
                "passes": stats.passes,
                "fails": stats.fails,
            }
        )
    return root


def _resolve_metric(
    key: str, snapshot: Snapshot, registry: Registry | None, result: ThresholdResult | None
) -> Metric:
    """What a threshold's metric is when nothing was recorded under its key."""
    try:
        name, _ = parse_metric_key(key)
    except SelectorError:
        name = key
    for candidate in (key, name):
        data = snapshot.data(candidate)
        if data is not None:
            return data.metric
    known = registry.get(name) if registry is not None else None
    if known is None:
        known = next((m for m in BUILTIN_METRICS if m.name == name), None)
    if known is not None:
        return known
    declared = getattr(result.threshold, "metric_type", None) if result is not None else None
    if isinstance(declared, MetricType):
        return Metric(name, declared)
    aggregation = result.threshold.aggregation if result is not None else ""
    return Metric(name, _AGGREGATION_TYPES.get(aggregation, MetricType.TREND), ValueType.DEFAULT)


def build_summary_data(
    snapshot: Snapshot,
    results: Iterable[ThresholdResult],
    *,
    options: SummaryOptions,
    state: RunState,
    extras: Mapping[str, object] | None = None,
    registry: Registry | None = None,
) -> dict[str, Any]:
    """k6's handleSummary `data` for a finished run (the legacy shape, k6 v2.2.0's default).

    `results` are the final threshold evaluations; a threshold still pending (`ok is None`, nothing measured)
    is reported as `{ok: true}`, as k6 reports a threshold that never failed. `registry` tells the type of a
    custom metric that has thresholds but saw no samples; without it the threshold's aggregation decides.
    """
    results = list(results)
    duration_s = state.test_run_duration_ms / 1000.0
    stats = options.summary_trend_stats

    sources: dict[str, tuple[Metric, Sink]] = {}
    for key, data in snapshot.metrics.items():
        sources[key] = (data.metric, data.sink)
    for result in results:
        key = result.threshold.metric_key
        if key in sources:
            continue
        metric = _resolve_metric(key, snapshot, registry, result)
        sources[key] = (metric, new_sink(metric.type))
        parent = metric.name
        if parent != key and parent not in sources:
            sources[parent] = (metric, new_sink(metric.type))

    metrics: dict[str, dict[str, Any]] = {}
    for key in sorted(sources, key=metric_sort_key):
        metric, sink = sources[key]
        metrics[key] = {
            "type": metric.type.value,
            "contains": metric.contains.value,
            "values": sink.values(duration_s, stats),
        }
    observed: list[dict[str, Any]] = []
    for result in results:
        threshold = result.threshold
        entry = metrics[threshold.metric_key]
        entry.setdefault("thresholds", {})[threshold.source] = {"ok": result.ok is not False}
        measured = snapshot.metrics.get(threshold.metric_key)
        observed.append(
            {
                "metric": threshold.metric_key,
                "source": threshold.source,
                "ok": result.ok,
                "observed": result.observed,
                "abortOnFail": threshold.abort_on_fail,
                "samples": measured is not None and not measured.sink.is_empty(),
            }
        )

    own: dict[str, Any] = dict(extras or {})
    own["thresholds"] = observed
    warning = generator_warning({EXTRAS_KEY: own})
    return {
        **({WARNING_KEY: warning} if warning else {}),
        "root_group": _root_group(snapshot),
        "options": {
            "summaryTrendStats": list(stats),
            "summaryTimeUnit": options.summary_time_unit,
            "noColor": options.no_color,
        },
        "state": {
            "isStdOutTTY": state.is_stdout_tty,
            "isStdErrTTY": state.is_stderr_tty,
            "testRunDurationMs": state.test_run_duration_ms,
        },
        "metrics": metrics,
        EXTRAS_KEY: own,
    }


def generator_warning(data: Mapping[str, Any]) -> str:
    """`data["dashtui"]["generator"]["warning"]`: why latencies include the generator's own delay, or ""."""
    own = data.get(EXTRAS_KEY)
    generator = own.get("generator") if isinstance(own, Mapping) else None
    warning = generator.get("warning") if isinstance(generator, Mapping) else None
    return warning if isinstance(warning, str) else ""


def _js_like(value: Any) -> Any:
    """JSON values as JavaScript's JSON.stringify writes them: 412.0 → 412, NaN and Infinity → null."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, Mapping):
        return {str(k): _js_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_js_like(v) for v in value]
    return value


def dumps_json(data: Mapping[str, Any], indent: int) -> str:
    """`JSON.stringify(data, null, indent)`."""
    return json.dumps(_js_like(data), indent=indent, ensure_ascii=False, allow_nan=False)


def dumps_summary_data(data: Mapping[str, Any]) -> str:
    """The JSON file the seed writes: `JSON.stringify(data, null, 2)`."""
    return dumps_json(data, 2)
