"""The coordinator's merged view: every worker's deltas folded in place, immutable snapshots on demand."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from ..metrics.aggregator import FAILURE_LIMIT, WINDOW_LIMIT
from ..metrics.series import RunSeries, SeriesPoint
from ..metrics.sinks import GaugeSink, TrendSink
from ..metrics.snapshot import CheckStats, EndpointStats, FailureRecord, MetricData, Snapshot, WindowStats

__all__ = ["Accumulator"]


@dataclass(slots=True)
class _Window:
    """One wall-clock second over every worker. A worker's second may arrive in two deltas."""

    index: int
    requests: int = 0
    failed: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    iterations: int = 0
    endpoint_requests: dict[str, int] = field(default_factory=dict)
    realtime_messages: int = 0
    vus: dict[str, float] = field(default_factory=dict)

    def add(self, worker: str, part: WindowStats) -> None:
        self.requests += part.requests
        self.failed += part.failed
        self.p50 = max(self.p50, part.p50)
        self.p95 = max(self.p95, part.p95)
        self.p99 = max(self.p99, part.p99)
        self.max = max(self.max, part.max)
        self.iterations += part.iterations
        for name, count in part.endpoint_requests.items():
            self.endpoint_requests[name] = self.endpoint_requests.get(name, 0) + count
        self.realtime_messages += part.realtime_messages
        if part.vus or worker not in self.vus:
            self.vus[worker] = part.vus

    def stats(self) -> WindowStats:
        return WindowStats(
            index=self.index,
            requests=self.requests,
            failed=self.failed,
            p50=self.p50,
            p95=self.p95,
            p99=self.p99,
            max=self.max,
            vus=sum(self.vus.values()),
            iterations=self.iterations,
            endpoint_requests=MappingProxyType(dict(self.endpoint_requests)),
            realtime_messages=self.realtime_messages,
        )


def _follow(gauge: GaugeSink, later: GaugeSink) -> None:
    """One generator's gauge, then its next delta: the later value stands, min and max span both."""
    if later.empty:
        return
    if gauge.empty:
        gauge.value, gauge.min, gauge.max = later.value, later.min, later.max
    else:
        gauge.value = later.value
        gauge.min = min(gauge.min, later.min)
        gauge.max = max(gauge.max, later.max)
    gauge.empty = False


class Accumulator:
    """Deltas from any number of workers merged as if one generator had measured everything.

    Sinks merge exactly: counters and rates add, Trend digests merge; a gauge follows each worker's latest
    value and the workers' values add up, as `GaugeSink.merge_in` adds generators.
    A window's percentiles are the largest of its parts, as `Snapshot.merge` does: they feed live views only.
    """

    def __init__(self) -> None:
        self._metrics: dict[str, MetricData] = {}
        self._gauges: dict[str, dict[str, MetricData]] = {}
        self._endpoints: dict[str, EndpointStats] = {}
        self._checks: dict[tuple[str, str], CheckStats] = {}
        self._groups: dict[str, TrendSink] = {}
        self._windows: dict[int, _Window] = {}
        self._failures: deque[FailureRecord] = deque(maxlen=FAILURE_LIMIT)
        self._series = RunSeries()
        self.elapsed = 0.0
        self.folded: set[str] = set()
        """`Snapshot.digests` names of the merged Trends that have folded into buckets."""

    def add(self, worker: str, delta: Snapshot) -> None:
        """Fold one worker's delta in; the delta is not kept (its sinks are copied or merged)."""
        self.elapsed = max(self.elapsed, delta.elapsed)
        gauges = self._gauges.setdefault(worker, {})
        for key, data in delta.metrics.items():
            if isinstance(data.sink, GaugeSink):
                have_gauge = gauges.get(key)
                if have_gauge is None:
                    gauges[key] = replace(data, sink=data.sink.copy())
                else:
                    assert isinstance(have_gauge.sink, GaugeSink)
                    _follow(have_gauge.sink, data.sink)
                continue
            mine = self._metrics.get(key)
            if mine is None:
                self._metrics[key] = replace(data, sink=data.sink.copy())
            elif mine.metric != data.metric:
                raise ValueError(
                    f"cannot merge {key!r}: {mine.metric.type.value} vs {data.metric.type.value}"
                )
            else:
                mine.sink.merge_in(data.sink)
        for name, stats in delta.endpoints.items():
            have = self._endpoints.get(name)
            if have is None:
                self._endpoints[name] = replace(stats, duration=stats.duration.copy())
                continue
            have.duration.merge_in(stats.duration)
            classes = dict(have.status_classes)
            for klass, count in stats.status_classes.items():
                classes[klass] = classes.get(klass, 0) + count
            self._endpoints[name] = replace(
                have,
                method=have.method or stats.method,
                requests=have.requests + stats.requests,
                failed=have.failed + stats.failed,
                status_classes=MappingProxyType(classes),
                last_status=stats.last_status if stats.requests else have.last_status,
                last_error=stats.last_error if stats.requests else have.last_error,
            )
        for check_key, check in delta.checks.items():
            old = self._checks.get(check_key)
            self._checks[check_key] = (
                check
                if old is None
                else replace(old, passes=old.passes + check.passes, fails=old.fails + check.fails)
            )
        for path, sink in delta.groups.items():
            group = self._groups.get(path)
            if group is None:
                self._groups[path] = sink.copy()
            else:
                group.merge_in(sink)
        for part in delta.windows:
            window = self._windows.get(part.index)
            if window is None:
                window = self._windows[part.index] = _Window(part.index)
            window.add(worker, part)
        if len(self._windows) > WINDOW_LIMIT:
            for index in sorted(self._windows)[: len(self._windows) - WINDOW_LIMIT]:
                self._series.add(self._windows.pop(index).stats())
        for key, digest in self._view(delta).digests():
            if not digest.is_exact:
                self.folded.add(key)
        if delta.failures:
            merged = sorted((*self._failures, *delta.failures), key=lambda f: -f.elapsed)
            self._failures = deque(merged[:FAILURE_LIMIT], maxlen=FAILURE_LIMIT)

    def _view(self, delta: Snapshot) -> Snapshot:
        """The merged Trends that `delta` touched, without copying them (read at once, never handed out)."""
        return replace(
            Snapshot.empty(),
            metrics={k: self._metrics[k] for k in delta.metrics if k in self._metrics},
            endpoints={k: self._endpoints[k] for k in delta.endpoints},
            groups={k: self._groups[k] for k in delta.groups},
        )

    def series(self) -> tuple[SeriesPoint, ...]:
        """The whole run, downsampled: seconds gone from the live windows, then those still kept."""
        series = self._series.copy()
        for index in sorted(self._windows):
            series.add(self._windows[index].stats())
        return series.points()

    @property
    def failures(self) -> tuple[FailureRecord, ...]:
        """The latest failures, newest first, as a snapshot would hold them (without copying any sink)."""
        return tuple(self._failures)

    def metrics_snapshot(self, keys: Collection[str]) -> Snapshot:
        """A snapshot of just the metrics named in `keys` (those present): what a live threshold check reads.

        Copying every sink, endpoint and group once per check was most of a coordinator's steady CPU.
        """
        return replace(
            Snapshot.empty(), elapsed=self.elapsed, metrics=MappingProxyType(self._metrics_copy(keys))
        )

    def _metrics_copy(self, keys: Collection[str] | None = None) -> dict[str, MetricData]:
        metrics = {
            key: replace(d, sink=d.sink.copy())
            for key, d in self._metrics.items()
            if keys is None or key in keys
        }
        for gauges in self._gauges.values():
            for key, data in gauges.items():
                if keys is not None and key not in keys:
                    continue
                have = metrics.get(key)
                if have is None:
                    metrics[key] = replace(data, sink=data.sink.copy())
                else:
                    have.sink.merge_in(data.sink)
        return metrics

    def snapshot(self, *, closed_before: int | None = None) -> Snapshot:
        """An immutable copy; windows from `closed_before` on are left out (still open somewhere)."""
        windows = tuple(
            self._windows[i].stats()
            for i in sorted(self._windows)
            if closed_before is None or i < closed_before
        )
        metrics = self._metrics_copy()
        return Snapshot(
            elapsed=self.elapsed,
            metrics=MappingProxyType(metrics),
            endpoints=MappingProxyType(
                {name: replace(e, duration=e.duration.copy()) for name, e in self._endpoints.items()}
            ),
            checks=MappingProxyType(dict(self._checks)),
            groups=MappingProxyType({path: sink.copy() for path, sink in self._groups.items()}),
            windows=windows,
            failures=tuple(self._failures),
        )
