"""The sink the engine writes samples into, and the source of every `Snapshot`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
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
from .tags import TagInterner
from .types import HTTP_REQUEST_METRICS, RequestRecord, Sample, Tags

__all__ = ["Aggregator", "SampleSink"]

WINDOW_LIMIT = 900
"""Closed 1 s windows kept for live views: the last 15 minutes."""
FAILURE_LIMIT = 50
WINDOW_EXACT_LIMIT = 4096
ROUTE_LIMIT = 4096
"""Tag sets whose submetric and endpoint decisions are cached; past it they are decided per record."""


def _adder(sink: Sink) -> Callable[[float], None]:
    """The cheapest call that adds one value to `sink` (a Trend's digest directly)."""
    return sink.digest.add if isinstance(sink, TrendSink) else sink.add


class SampleSink:
    """What the engine needs from a metrics consumer: somewhere to put samples, requests and failures.

    Only `add` and `add_failure` are required: `add_request` and `add_check` fall back to samples.
    """

    _interner: TagInterner | None = None

    @property
    def interner(self) -> TagInterner:
        """Where producers get the tag tuples they hand this sink (one per sink, made on first use)."""
        if self._interner is None:
            self._interner = TagInterner()
        return self._interner

    def add(self, sample: Sample) -> None:
        raise NotImplementedError

    def add_request(self, record: RequestRecord) -> None:
        """Fold one request: by default its eleven samples, in k6's order."""
        for sample in record.samples():
            self.add(sample)

    def add_check(self, tags: Tags, name: str, ok: bool, time: float) -> None:
        """Fold one check result: by default a `checks` sample (1 pass, 0 fail) tagged `check=name`."""
        self.add(Sample("checks", 1.0 if ok else 0.0, self.interner.with_tag(tags, "check", name), time))

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
class _RequestRoute:
    """What a request's tag set decides, worked out once: the sinks its values go to, its endpoint."""

    adders: tuple[tuple[Callable[[float], None], ...], ...]
    """Per metric of HTTP_REQUEST_METRICS: adds to its sink, then to its matching submetrics' sinks."""
    endpoint: _Endpoint
    status: int
    status_class: str
    error: str


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
        self._routes: dict[Tags, _RequestRoute] = {}
        self._check_routes: dict[Tags, tuple[tuple[Callable[[float], None], ...], list[int]]] = {}
        self._sample_routes: dict[tuple[str, Tags], tuple[Callable[[float], None], ...]] = {}
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
            self._routes.clear()
            self._check_routes.clear()
            self._sample_routes.clear()

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
        route_key = (name, sample.tags)
        adders = self._sample_routes.get(route_key)
        if adders is None:
            adders = tuple(_adder(sink) for sink in self._targets(name, sample.tags))
            if len(self._sample_routes) < ROUTE_LIMIT:
                self._sample_routes[route_key] = adders
        value = sample.value
        for add in adders:
            add(value)
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

    def _targets(self, name: str, tags: Tags) -> tuple[Sink, ...]:
        """The sink of metric `name` and those of its tracked submetrics whose selector `tags` match."""
        targets = [self._sink(name, name)]
        for key, selector in self._submetrics.get(name, ()):
            if all(pair in tags for pair in selector):
                targets.append(self._sink(key, name, name, selector))
        return tuple(targets)

    def _new_route(self, tags: Tags) -> _RequestRoute:
        """Decide, for a tag set not seen yet, where its requests' values go (kept up to ROUTE_LIMIT)."""
        adders = tuple(tuple(_adder(s) for s in self._targets(name, tags)) for name in HTTP_REQUEST_METRICS)
        values = dict(tags)
        endpoint_name = values.get("name") or values.get("url", "")
        endpoint = self._endpoints.get(endpoint_name)
        if endpoint is None:
            endpoint = self._endpoints[endpoint_name] = _Endpoint(endpoint_name, values.get("method", ""))
        status = int(values.get("status", "0") or 0)
        route = _RequestRoute(adders, endpoint, status, status_class(status), values.get("error", ""))
        if len(self._routes) < ROUTE_LIMIT:
            self._routes[tags] = route
        return route

    def add_request(self, record: RequestRecord) -> None:
        """Fold one request into every http_req_* sink, their submetrics, its endpoint and open window."""
        time = record.time
        if (time - self._start) // 1.0 > self._open.index:
            self._roll(time)
        route = self._routes.get(record.tags) or self._new_route(record.tags)
        duration = record.sending + record.waiting + record.receiving
        failed = record.failed
        reqs, durations, blocked, connecting, tls, sending, waiting, receiving, fails, sent, received = (
            route.adders
        )
        for add in reqs:
            add(1.0)
        for add in durations:
            add(duration)
        for add in blocked:
            add(record.blocked)
        for add in connecting:
            add(record.connecting)
        for add in tls:
            add(record.tls_handshaking)
        for add in sending:
            add(record.sending)
        for add in waiting:
            add(record.waiting)
        for add in receiving:
            add(record.receiving)
        failed_value = 1.0 if failed else 0.0
        for add in fails:
            add(failed_value)
        sent_value = float(record.sent_bytes)
        for add in sent:
            add(sent_value)
        received_value = float(record.received_bytes)
        for add in received:
            add(received_value)
        endpoint = route.endpoint
        endpoint.requests += 1
        endpoint.failed += failed
        classes = endpoint.status_classes
        classes[route.status_class] = classes.get(route.status_class, 0) + 1
        endpoint.duration.add(duration)
        endpoint.last_status = route.status
        endpoint.last_error = route.error
        window = self._open
        window.requests += 1
        window.failed += failed
        window.durations.add(duration)
        counts = window.endpoint_requests
        counts[endpoint.name] = counts.get(endpoint.name, 0) + 1

    def add_check(self, tags: Tags, name: str, ok: bool, time: float) -> None:
        """Fold one check result: the checks sink, its submetrics and the check's pass/fail counts."""
        self._roll(time)
        check_tags = self.interner.with_tag(tags, "check", name)
        route = self._check_routes.get(check_tags)
        if route is None:
            values = dict(check_tags)
            counts = self._checks.setdefault((values.get("group", ""), name), [0, 0])
            route = (tuple(_adder(sink) for sink in self._targets("checks", check_tags)), counts)
            if len(self._check_routes) < ROUTE_LIMIT:
                self._check_routes[check_tags] = route
        value = 1.0 if ok else 0.0
        for add in route[0]:
            add(value)
        route[1][0 if ok else 1] += 1

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
