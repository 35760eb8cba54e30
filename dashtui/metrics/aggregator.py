"""The sink the engine writes samples into, and the source of every `Snapshot`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

from ..clock import Clock
from .builtin import Registry
from .digest import TrendDigest
from .selectors import parse_metric_key
from .sinks import Sink, TrendSink, new_sink
from .snapshot import (
    CheckStats,
    EndpointStats,
    FailureRecord,
    MetricData,
    Snapshot,
    WindowStats,
    status_class,
)
from .types import Sample, Tags

__all__ = ["Aggregator", "SampleSink"]

WINDOW_LIMIT = 900
"""Closed 1 s windows kept for live views: the last 15 minutes."""
FAILURE_LIMIT = 50
WINDOW_EXACT_LIMIT = 4096


class SampleSink:
    """What the engine needs from a metrics consumer: somewhere to put samples and failures."""

    def add(self, sample: Sample) -> None:
        raise NotImplementedError

    def add_failure(self, record: FailureRecord) -> None:
        raise NotImplementedError


@dataclass(slots=True)
class _Endpoint:
    name: str
    method: str = ""
    requests: int = 0
    failed: int = 0
    status_classes: dict[str, int] = field(default_factory=dict)
    duration: TrendSink = field(default_factory=TrendSink)
    last_status: int = 0
    last_error: str = ""


@dataclass(slots=True)
class _OpenWindow:
    index: int
    requests: int = 0
    failed: int = 0
    durations: TrendDigest = field(default_factory=lambda: TrendDigest(exact_limit=WINDOW_EXACT_LIMIT))
    vus: float = 0.0
    iterations: int = 0
    endpoint_requests: dict[str, int] = field(default_factory=dict)
    realtime_messages: int = 0

    def close(self) -> WindowStats:
        d = self.durations
        return WindowStats(
            index=self.index,
            requests=self.requests,
            failed=self.failed,
            p50=d.percentile(50),
            p95=d.percentile(95),
            p99=d.percentile(99),
            max=d.max if d.count else 0.0,
            vus=self.vus,
            iterations=self.iterations,
            endpoint_requests=MappingProxyType(dict(self.endpoint_requests)),
            realtime_messages=self.realtime_messages,
        )


class Aggregator(SampleSink):
    """Folds samples into sinks, submetrics, per-endpoint stats, checks, groups and 1 s windows.

    Memory depends on the number of metrics, tags tracked and endpoints, never on run length:
    Trend sinks are bounded `TrendDigest`s and only the last `WINDOW_LIMIT` windows are kept.
    """

    def __init__(self, registry: Registry, *, clock: Clock, track: Iterable[str] = ()) -> None:
        self.registry = registry
        self._clock = clock
        self._start = clock.now()
        self._sinks: dict[str, MetricData] = {}
        self._submetrics: dict[str, list[tuple[str, Tags]]] = {}
        self._endpoints: dict[str, _Endpoint] = {}
        self._checks: dict[tuple[str, str], list[int]] = {}
        self._groups: dict[str, TrendSink] = {}
        self._windows: deque[WindowStats] = deque(maxlen=WINDOW_LIMIT)
        self._open = _OpenWindow(index=0)
        self._failures: deque[FailureRecord] = deque(maxlen=FAILURE_LIMIT)
        self._last_vus = 0.0
        self.track("http_req_duration{expected_response:true}")
        for key in track:
            self.track(key)

    @property
    def start(self) -> float:
        return self._start

    def restart(self) -> None:
        """Reset the run's start to now (the moment load begins, after set-up)."""
        self._start = self._clock.now()
        self._open = _OpenWindow(index=0)

    def elapsed(self) -> float:
        return max(0.0, self._clock.now() - self._start)

    def track(self, key: str) -> None:
        """Keep a submetric such as `http_req_duration{name:events}` (thresholds and summaries ask)."""
        name, selector = parse_metric_key(key)
        if not selector:
            return
        subs = self._submetrics.setdefault(name, [])
        if all(existing != key for existing, _ in subs):
            subs.append((key, selector))

    def _sink(self, key: str, name: str, parent: str | None = None, selector: Tags = ()) -> Sink:
        data = self._sinks.get(key)
        if data is None:
            metric = self.registry.get(name)
            if metric is None:
                raise KeyError(f"sample for unknown metric {name!r}")
            data = MetricData(metric, new_sink(metric.type), parent, selector)
            self._sinks[key] = data
        return data.sink

    def _roll(self, now: float) -> None:
        index = int((now - self._start) // 1.0)
        while self._open.index < index:
            self._windows.append(self._open.close())
            self._open = _OpenWindow(index=self._open.index + 1, vus=self._last_vus)

    def add(self, sample: Sample) -> None:
        self._roll(sample.time)
        name = sample.metric
        self._sink(name, name).add(sample.value)
        for key, selector in self._submetrics.get(name, ()):
            if all(pair in sample.tags for pair in selector):
                self._sink(key, name, name, selector).add(sample.value)
        window = self._open
        if name == "http_req_duration":
            self._add_endpoint(sample, window)
        elif name == "checks":
            counts = self._checks.setdefault((sample.tag("group"), sample.tag("check")), [0, 0])
            counts[0 if sample.value else 1] += 1
        elif name == "group_duration":
            self._groups.setdefault(sample.tag("group"), TrendSink()).add(sample.value)
        elif name == "iterations":
            window.iterations += int(sample.value)
        elif name == "vus":
            window.vus = self._last_vus = sample.value
        elif name == "realtime_messages":
            window.realtime_messages += int(sample.value)

    def _add_endpoint(self, sample: Sample, window: _OpenWindow) -> None:
        endpoint_name = sample.tag("name") or sample.tag("url")
        endpoint = self._endpoints.get(endpoint_name)
        if endpoint is None:
            endpoint = self._endpoints[endpoint_name] = _Endpoint(endpoint_name, sample.tag("method"))
        status = int(sample.tag("status", "0") or 0)
        failed = sample.tag("expected_response") == "false"
        endpoint.requests += 1
        endpoint.failed += failed
        klass = status_class(status)
        endpoint.status_classes[klass] = endpoint.status_classes.get(klass, 0) + 1
        endpoint.duration.add(sample.value)
        endpoint.last_status = status
        endpoint.last_error = sample.tag("error")
        window.requests += 1
        window.failed += failed
        window.durations.add(sample.value)
        window.endpoint_requests[endpoint_name] = window.endpoint_requests.get(endpoint_name, 0) + 1

    def add_many(self, samples: Iterable[Sample]) -> None:
        for sample in samples:
            self.add(sample)

    def add_failure(self, record: FailureRecord) -> None:
        self._failures.appendleft(record)

    def snapshot(self) -> Snapshot:
        """An immutable copy of everything measured so far."""
        now = self._clock.now()
        self._roll(now)
        metrics = {
            key: MetricData(d.metric, d.sink.copy(), d.parent, d.selector) for key, d in self._sinks.items()
        }
        endpoints = {
            name: EndpointStats(
                name=e.name,
                method=e.method,
                requests=e.requests,
                failed=e.failed,
                status_classes=MappingProxyType(dict(e.status_classes)),
                duration=e.duration.copy(),
                last_status=e.last_status,
                last_error=e.last_error,
            )
            for name, e in self._endpoints.items()
        }
        checks = {
            key: CheckStats(group=key[0], name=key[1], passes=c[0], fails=c[1])
            for key, c in self._checks.items()
        }
        return Snapshot(
            elapsed=max(0.0, now - self._start),
            metrics=MappingProxyType(metrics),
            endpoints=MappingProxyType(endpoints),
            checks=MappingProxyType(checks),
            groups=MappingProxyType({path: sink.copy() for path, sink in self._groups.items()}),
            windows=tuple(self._windows),
            failures=tuple(self._failures),
        )
