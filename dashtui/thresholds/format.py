"""Threshold values as k6 prints them (`p(95)=412.35ms`), on the k6 number formats of metrics.format."""

from __future__ import annotations

from ..metrics import format as _k6
from ..metrics.types import MetricType, ValueType
from .evaluate import threshold_metric_type
from .results import Threshold, ThresholdResult

__all__ = [
    "format_bytes",
    "format_duration_ms",
    "format_number",
    "format_observed",
    "format_rate",
    "format_value",
    "observed_label",
]

MISSING = "n/a"
"""Shown for an aggregation the metric has no value for (a Rate without samples)."""

format_bytes = _k6.format_bytes
format_duration_ms = _k6.format_duration
format_number = _k6.format_plain
format_rate = _k6.format_rate_percent


def format_value(value: float, metric_type: MetricType, contains: ValueType, time_unit: str = "") -> str:
    """One value of a metric, by its type and unit, as k6's summary shows it (without a `/s` suffix)."""
    return _k6.humanize_value(value, metric_type.value, contains.value, time_unit)


def observed_label(threshold: Threshold) -> str:
    """The aggregation as written in the expression (`p(95)`, `p(99.0)`), to label the observed value.

    k6's summary cuts the source at its first `=`, `>` or `<`, which labels `rate!=0` as `rate!`; this
    cuts at the operator the parser found, which gives the same label for every other operator.
    """
    return threshold.source.partition(threshold.operator)[0].strip()


def format_observed(result: ThresholdResult, contains: ValueType, *, time_unit: str = "") -> str:
    """The observed value next to a threshold, as k6 prints it: `p(95)=412.35ms`, `rate=0.52%`.

    A Counter's `rate` gets k6's `/s` suffix; an aggregation without a value shows `n/a`.
    """
    threshold = result.threshold
    label = observed_label(threshold)
    if result.observed is None:
        return f"{label}={MISSING}"
    metric_type = threshold_metric_type(threshold)
    text = format_value(result.observed, metric_type, contains, time_unit)
    if metric_type is MetricType.COUNTER and threshold.aggregation == "rate":
        text += "/s"
    return f"{label}={text}"
