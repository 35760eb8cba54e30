"""Immutable, mergeable views of everything a run has measured so far."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from .digest import TrendDigest
from .sinks import DEFAULT_TREND_STATS, RateSink, Sink, TrendSink
from .types import Metric, Tags

__all__ = [
    "CheckStats",
    "EndpointStats",
    "FailureRecord",
    "MetricData",
    "Snapshot",
    "WindowStats",
    "status_class",
]


def status_class(status: int) -> str:
    """The column a status falls in: `2xx`…`5xx`, `1xx`, or `network` for status 0 (no response)."""
    if status <= 0:
        return "network"
    return f"{status // 100}xx"


@dataclass(frozen=True, slots=True)
class MetricData:
    """A metric or submetric with its sink. `selector` is empty for a whole metric."""

    metric: Metric
    sink: Sink
    parent: str | None = None
    selector: Tags = ()


@dataclass(frozen=True, slots=True)
class EndpointStats:
    """What one request name (k6's `name` tag) has done so far."""

    name: str
    method: str
    requests: int
    failed: int
    status_classes: Mapping[str, int]
    duration: TrendSink
    last_status: int
    last_error: str

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    def merge(self, other: EndpointStats) -> EndpointStats:
        classes = dict(self.status_classes)
        for key, count in other.status_classes.items():
            classes[key] = classes.get(key, 0) + count
        duration = self.duration.copy()
        duration.merge_in(other.duration)
        return replace(
            self,
            requests=self.requests + other.requests,
            failed=self.failed + other.failed,
            status_classes=MappingProxyType(classes),
            duration=duration,
        )


@dataclass(frozen=True, slots=True)
class CheckStats:
    """Passes and fails of one check in one group."""

    group: str
    name: str
    passes: int
    fails: int

    @property
    def rate(self) -> float:
        total = self.passes + self.fails
        return self.passes / total if total else 0.0


@dataclass(frozen=True, slots=True)
class WindowStats:
    """One closed second of the run, for live views (sparklines, req/s now)."""

    index: int
    """Whole seconds since the run started."""
    requests: int
    failed: int
    p50: float
    p95: float
    p99: float
    max: float
    vus: float
    iterations: int
    endpoint_requests: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    realtime_messages: int = 0

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    def merge(self, other: WindowStats) -> WindowStats:
        """Counts add up; percentiles of two windows cannot be merged exactly, so the larger is kept."""
        endpoints = dict(self.endpoint_requests)
        for key, count in other.endpoint_requests.items():
            endpoints[key] = endpoints.get(key, 0) + count
        return WindowStats(
            index=self.index,
            requests=self.requests + other.requests,
            failed=self.failed + other.failed,
            p50=max(self.p50, other.p50),
            p95=max(self.p95, other.p95),
            p99=max(self.p99, other.p99),
            max=max(self.max, other.max),
            vus=self.vus + other.vus,
            iterations=self.iterations + other.iterations,
            endpoint_requests=MappingProxyType(endpoints),
            realtime_messages=self.realtime_messages + other.realtime_messages,
        )


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """A failed request, for the console's recent-failures list. Bodies are excerpts, already redacted."""

    elapsed: float
    name: str
    status: int
    error: str
    body_excerpt: str
    error_code: int = 0
    """k6's error_code (1211 dial timeout, 1212 refused, 1500 a 500…), 0 when there is none."""


def _merge_mapping(a: Mapping[str, MetricData], b: Mapping[str, MetricData]) -> dict[str, MetricData]:
    merged: dict[str, MetricData] = dict(a)
    for key, data in b.items():
        mine = merged.get(key)
        if mine is None:
            merged[key] = data
            continue
        if mine.metric != data.metric:
            raise ValueError(f"cannot merge {key!r}: {mine.metric.type.value} vs {data.metric.type.value}")
        sink = mine.sink.copy()
        sink.merge_in(data.sink)
        merged[key] = replace(mine, sink=sink)
    return merged


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything measured up to `elapsed` seconds into the run. Never changes once taken."""

    elapsed: float
    metrics: Mapping[str, MetricData]
    endpoints: Mapping[str, EndpointStats]
    checks: Mapping[tuple[str, str], CheckStats]
    groups: Mapping[str, TrendSink]
    windows: tuple[WindowStats, ...]
    failures: tuple[FailureRecord, ...]

    def data(self, key: str) -> MetricData | None:
        """The metric or submetric stored under `key` (`http_req_duration{name:events}`)."""
        return self.metrics.get(key)

    def digests(self) -> Iterator[tuple[str, TrendDigest]]:
        """Every Trend digest held, each under one name: `metric:…`, `endpoint:…` or `group:…`."""
        for key, data in self.metrics.items():
            if isinstance(data.sink, TrendSink):
                yield f"metric:{key}", data.sink.digest
        for name, endpoint in self.endpoints.items():
            yield f"endpoint:{name}", endpoint.duration.digest
        for path, group in self.groups.items():
            yield f"group:{path}", group.digest

    def values(self, key: str, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, float] | None:
        """k6's `values` object for `key`, or None when nothing was recorded for it."""
        data = self.metrics.get(key)
        if data is None:
            return None
        return data.sink.values(self.elapsed, trend_stats)

    def trend(self, key: str) -> TrendDigest | None:
        data = self.metrics.get(key)
        if data is None or not isinstance(data.sink, TrendSink):
            return None
        return data.sink.digest

    def rate(self, key: str) -> float:
        data = self.metrics.get(key)
        if data is None or not isinstance(data.sink, RateSink):
            return 0.0
        return data.sink.rate

    def merge(self, other: Snapshot) -> Snapshot:
        """One snapshot holding both runs' measurements, as if one generator had made them all."""
        endpoints = dict(self.endpoints)
        for name, stats in other.endpoints.items():
            mine = endpoints.get(name)
            endpoints[name] = stats if mine is None else mine.merge(stats)
        checks = dict(self.checks)
        for key, check in other.checks.items():
            mine_check = checks.get(key)
            checks[key] = (
                check
                if mine_check is None
                else replace(
                    mine_check, passes=mine_check.passes + check.passes, fails=mine_check.fails + check.fails
                )
            )
        groups = {path: sink.copy() for path, sink in self.groups.items()}
        for path, sink in other.groups.items():
            if path in groups:
                groups[path].merge_in(sink)
            else:
                groups[path] = sink.copy()
        by_index = {w.index: w for w in self.windows}
        for window in other.windows:
            mine_window = by_index.get(window.index)
            by_index[window.index] = window if mine_window is None else mine_window.merge(window)
        failures = sorted(self.failures + other.failures, key=lambda f: -f.elapsed)
        limit = max(len(self.failures), len(other.failures))
        return Snapshot(
            elapsed=max(self.elapsed, other.elapsed),
            metrics=MappingProxyType(_merge_mapping(self.metrics, other.metrics)),
            endpoints=MappingProxyType(endpoints),
            checks=MappingProxyType(checks),
            groups=MappingProxyType(groups),
            windows=tuple(by_index[i] for i in sorted(by_index)),
            failures=tuple(failures[:limit]),
        )

    @staticmethod
    def empty() -> Snapshot:
        return Snapshot(
            elapsed=0.0,
            metrics=MappingProxyType({}),
            endpoints=MappingProxyType({}),
            checks=MappingProxyType({}),
            groups=MappingProxyType({}),
            windows=(),
            failures=(),
        )


def finite(value: float) -> float:
    """`value`, or 0 when it is infinite or NaN (an empty min/max)."""
    return value if math.isfinite(value) else 0.0
