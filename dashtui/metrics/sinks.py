"""k6's four sinks: what a metric keeps of its samples, and the values it reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from .digest import TrendDigest
from .types import MetricType

__all__ = [
    "CounterSink",
    "DEFAULT_TREND_STATS",
    "GaugeSink",
    "RateSink",
    "Sink",
    "TrendSink",
    "new_sink",
    "parse_trend_stat",
]

DEFAULT_TREND_STATS: tuple[str, ...] = ("avg", "min", "med", "max", "p(90)", "p(95)")
"""k6's default `summaryTrendStats`."""


class Sink(Protocol):
    """What every sink offers: take a value, merge, copy, and report k6's values."""

    def add(self, value: float) -> None: ...

    def merge_in(self, other: Sink) -> None: ...

    def copy(self) -> Sink: ...

    def is_empty(self) -> bool: ...

    def values(
        self, duration_s: float, trend_stats: Sequence[str] = DEFAULT_TREND_STATS
    ) -> dict[str, float]: ...


class CounterSink:
    """A running total; its `rate` is per second of test-run time."""

    __slots__ = ("count", "first")

    def __init__(self) -> None:
        self.count = 0.0
        self.first = True

    def add(self, value: float) -> None:
        self.count += value
        self.first = False

    def merge_in(self, other: Sink) -> None:
        assert isinstance(other, CounterSink)
        self.count += other.count
        self.first = self.first and other.first

    def copy(self) -> CounterSink:
        clone = CounterSink()
        clone.count, clone.first = self.count, self.first
        return clone

    def is_empty(self) -> bool:
        return self.first

    def values(self, duration_s: float, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, float]:
        rate = self.count / duration_s if duration_s > 0 else 0.0
        return {"count": self.count, "rate": rate}


class GaugeSink:
    """The last value, with the smallest and largest seen."""

    __slots__ = ("max", "min", "value", "empty")

    def __init__(self) -> None:
        self.value = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.empty = True

    def add(self, value: float) -> None:
        self.value = value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.empty = False

    def merge_in(self, other: Sink) -> None:
        """Merging gauges of several generators adds their current values (VUs of two machines add up)."""
        assert isinstance(other, GaugeSink)
        if other.empty:
            return
        if self.empty:
            self.value, self.min, self.max = other.value, other.min, other.max
        else:
            self.value += other.value
            self.min = min(self.min, other.min)
            self.max = max(self.max, other.max, self.value)
        self.empty = False

    def copy(self) -> GaugeSink:
        clone = GaugeSink()
        clone.value, clone.min, clone.max, clone.empty = self.value, self.min, self.max, self.empty
        return clone

    def is_empty(self) -> bool:
        return self.empty

    def values(self, duration_s: float, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, float]:
        if self.empty:
            return {"value": 0.0, "min": 0.0, "max": 0.0}
        return {"value": self.value, "min": self.min, "max": self.max}


class RateSink:
    """The share of non-zero samples."""

    __slots__ = ("passes", "total")

    def __init__(self) -> None:
        self.passes = 0
        self.total = 0

    def add(self, value: float) -> None:
        self.total += 1
        if value != 0:
            self.passes += 1

    @property
    def fails(self) -> int:
        return self.total - self.passes

    @property
    def rate(self) -> float:
        return self.passes / self.total if self.total else 0.0

    def merge_in(self, other: Sink) -> None:
        assert isinstance(other, RateSink)
        self.passes += other.passes
        self.total += other.total

    def copy(self) -> RateSink:
        clone = RateSink()
        clone.passes, clone.total = self.passes, self.total
        return clone

    def is_empty(self) -> bool:
        return self.total == 0

    def values(self, duration_s: float, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, float]:
        return {"rate": self.rate, "passes": float(self.passes), "fails": float(self.fails)}


def parse_trend_stat(stat: str) -> float | None:
    """The percentile of a `p(N)` stat name, or None for the other stat names."""
    if stat.startswith("p(") and stat.endswith(")"):
        return float(stat[2:-1])
    return None


class TrendSink:
    """All a Trend keeps: a `TrendDigest`."""

    __slots__ = ("digest",)

    def __init__(self, digest: TrendDigest | None = None) -> None:
        self.digest = digest if digest is not None else TrendDigest()

    def add(self, value: float) -> None:
        self.digest.add(value)

    def merge_in(self, other: Sink) -> None:
        assert isinstance(other, TrendSink)
        self.digest.merge_in(other.digest)

    def copy(self) -> TrendSink:
        return TrendSink(self.digest.copy())

    def is_empty(self) -> bool:
        return self.digest.count == 0

    def stat(self, name: str) -> float:
        """One trend stat by k6 name: avg, min, med, max, count, p(N)."""
        d = self.digest
        if name == "avg":
            return d.avg
        if name == "min":
            return d.min if d.count else 0.0
        if name == "max":
            return d.max if d.count else 0.0
        if name == "med":
            return d.percentile(50)
        if name == "count":
            return float(d.count)
        p = parse_trend_stat(name)
        if p is None:
            raise KeyError(name)
        return d.percentile(p)

    def values(self, duration_s: float, trend_stats: Sequence[str] = DEFAULT_TREND_STATS) -> dict[str, float]:
        return {name: self.stat(name) for name in trend_stats}


def new_sink(metric_type: MetricType) -> Sink:
    """An empty sink for a metric of `metric_type`."""
    if metric_type is MetricType.COUNTER:
        return CounterSink()
    if metric_type is MetricType.GAUGE:
        return GaugeSink()
    if metric_type is MetricType.RATE:
        return RateSink()
    return TrendSink()
