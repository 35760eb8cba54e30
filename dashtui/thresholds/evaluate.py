"""Evaluate thresholds against a snapshot with k6's rules (k6 `metrics/thresholds.go`, `metrics/engine`)."""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from ..metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink, new_sink
from ..metrics.snapshot import Snapshot
from ..metrics.types import MetricType
from .results import Threshold, ThresholdResult

__all__ = ["COMPARISONS", "evaluate", "evaluate_one", "observe", "threshold_metric_type"]

COMPARISONS: Mapping[str, Callable[[float, float], bool]] = MappingProxyType(
    {
        "<": op.lt,
        "<=": op.le,
        ">": op.gt,
        ">=": op.ge,
        "==": op.eq,
        "===": op.eq,
        "!=": op.ne,
    }
)
"""Sink values are numbers, so `===` and `==` mean the same, as in k6."""

_TREND_AGGREGATIONS = frozenset({"avg", "min", "max", "med"})


def threshold_metric_type(threshold: Threshold) -> MetricType:
    """The threshold's metric type; when it was built without one, the type its aggregation implies."""
    if threshold.metric_type is not None:
        return threshold.metric_type
    return {
        "count": MetricType.COUNTER,
        "value": MetricType.GAUGE,
        "rate": MetricType.RATE,
    }.get(threshold.aggregation, MetricType.TREND)


def observe(threshold: Threshold, sink: Sink, elapsed: float) -> float | None:
    """The value of the threshold's aggregation in `sink`, or None when the sink has no such value.

    As k6 computes it: a Counter's `rate` is its count per second of `elapsed`; a Rate with no samples
    has no `rate`; an empty Trend reports 0 for every stat; an empty Gauge's value is 0.
    """
    aggregation = threshold.aggregation
    if isinstance(sink, CounterSink):
        if aggregation == "count":
            return sink.count
        if aggregation == "rate":
            return sink.count / elapsed if elapsed > 0 else 0.0
        return None
    if isinstance(sink, GaugeSink):
        return (0.0 if sink.is_empty() else sink.value) if aggregation == "value" else None
    if isinstance(sink, RateSink):
        return sink.rate if aggregation == "rate" and sink.total > 0 else None
    if isinstance(sink, TrendSink):
        if aggregation in _TREND_AGGREGATIONS or aggregation.startswith("p("):
            return sink.stat(aggregation)
        return None
    return None


def evaluate_one(threshold: Threshold, snapshot: Snapshot, *, final: bool = False) -> ThresholdResult:
    """One threshold's verdict; see `evaluate`."""
    data = snapshot.data(threshold.metric_key)
    sink = data.sink if data is not None else None
    if sink is None or sink.is_empty():
        if not final:
            return ThresholdResult(threshold, ok=None, observed=None)
        sink = new_sink(threshold_metric_type(threshold))
    observed = observe(threshold, sink, snapshot.elapsed)
    if observed is None:
        return ThresholdResult(threshold, ok=True, observed=None)
    compare = COMPARISONS[threshold.operator]
    return ThresholdResult(threshold, ok=compare(observed, threshold.limit), observed=observed)


def evaluate(
    thresholds: Iterable[Threshold], snapshot: Snapshot, *, final: bool = False
) -> tuple[ThresholdResult, ...]:
    """Every threshold's verdict on `snapshot`, in order.

    While the run goes on (`final=False`), a metric or submetric with no samples yet is pending
    (`ok=None`), as k6 skips empty sinks during the run. At the end (`final=True`) every threshold
    gets a verdict, as k6's last evaluation does: an empty sink reports what k6's sink reports (a
    Counter 0, a Gauge 0, a Trend 0 for every stat), and an aggregation the sink lacks (`rate` of a
    Rate with no samples) passes with `observed=None`.
    """
    return tuple(evaluate_one(threshold, snapshot, final=final) for threshold in thresholds)
