"""Metrics: k6's sinks, bounded Trend digests, submetrics, 1 s windows and mergeable snapshots."""

from __future__ import annotations

from .aggregator import Aggregator, SampleSink
from .builtin import BUILTIN_METRICS, Registry
from .digest import TrendDigest
from .selectors import SelectorError, parse_metric_key
from .sinks import DEFAULT_TREND_STATS, CounterSink, GaugeSink, RateSink, Sink, TrendSink, new_sink
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
from .types import HTTP_REQUEST_METRICS, Metric, MetricType, RequestRecord, Sample, Tags, ValueType, make_tags

__all__ = [
    "Aggregator",
    "BUILTIN_METRICS",
    "CheckStats",
    "CounterSink",
    "DEFAULT_TREND_STATS",
    "EndpointStats",
    "FailureRecord",
    "GaugeSink",
    "HTTP_REQUEST_METRICS",
    "Metric",
    "MetricData",
    "MetricType",
    "RateSink",
    "Registry",
    "RequestRecord",
    "Sample",
    "SampleSink",
    "SelectorError",
    "Sink",
    "Snapshot",
    "TagInterner",
    "Tags",
    "TrendDigest",
    "TrendSink",
    "ValueType",
    "WindowStats",
    "make_tags",
    "new_sink",
    "parse_metric_key",
    "status_class",
]
